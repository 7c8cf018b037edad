//! `doks-auth doctor` walks a real kubeconfig against the DigitalOcean stand-in and the TLS
//! Kubernetes API stand-in: one line (or JSON entry) per step, exit 0 unless a step failed, the
//! failing step saying what to do, no secret anywhere, nothing on disk changed but the cache.

use std::path::PathBuf;

use chrono::Duration;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

pub(crate) const EMAIL: &str = "sammy@example.com";
pub(crate) const TEAM: &str = "Ops Team";

/// A token cluster whose credential the API server takes, an account, and a kubeconfig whose
/// user runs this doks-auth for it (context `test`, the token in the stanza's env).
pub(crate) struct Bed {
    pub env: TestEnv,
    pub pki: Pki,
    pub api: DoApi,
    pub kube: KubeApi,
    pub kubeconfig: PathBuf,
}

impl Bed {
    pub fn new() -> Bed {
        Bed::accepting(|_| KubeAuth::Token(K8S_TOKEN.into()))
    }

    /// The bed with an API server that takes what `accepts` says (given the bed's PKI).
    pub fn accepting(accepts: impl FnOnce(&Pki) -> KubeAuth) -> Bed {
        let pki = Pki::new();
        let kube = KubeApi::start(&pki, accepts(&pki));
        let api = DoApi::start();
        api.serve_account(EMAIL, Some(TEAM));
        api.serve_cluster(&cluster_json(CLUSTER_ID, "prod", "nyc1", &kube.url));
        api.serve_cluster_credentials(
            CLUSTER_ID,
            &kube.url,
            &pki.ca_base64(),
            K8S_TOKEN,
            Duration::hours(3),
        );
        let env = TestEnv::new();
        let kubeconfig = env.home().join("kubeconfig");
        let bed = Bed {
            env,
            pki,
            api,
            kube,
            kubeconfig,
        };
        bed.write_kubeconfig(&doks_auth_bin().display().to_string());
        bed
    }

    /// The kubeconfig, its exec stanza running `command`.
    pub fn write_kubeconfig(&self, command: &str) {
        let url = self.api.url();
        let text = exec_kubeconfig(
            &self.kube.url,
            &self.pki.ca_base64(),
            "client.authentication.k8s.io/v1",
            &[
                "get-credential",
                "--cluster-id",
                CLUSTER_ID,
                "--api-url",
                &url,
            ],
            &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
        )
        .replace(
            &format!("{:?}", doks_auth_bin().display().to_string()),
            &format!("{command:?}"),
        );
        std::fs::write(&self.kubeconfig, text).unwrap();
    }

    /// `doks-auth <command> <args>` on the bed's kubeconfig.
    pub fn doks_auth(&self, command: &str, args: &[&str]) -> Outcome {
        let out = run(self
            .env
            .doks_auth()
            .arg(command)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig));
        no_secret_in(&out);
        out
    }

    pub fn doctor(&self, args: &[&str]) -> Outcome {
        self.doks_auth("doctor", args)
    }
}

/// Neither the DigitalOcean token nor the cluster credential in anything doks-auth printed.
pub(crate) fn no_secret_in(out: &Outcome) {
    for secret in [DO_TOKEN, K8S_TOKEN] {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "a secret was printed:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

/// The JSON report's steps as (name, status).
pub(crate) fn steps(out: &Outcome) -> Vec<(String, String)> {
    out.json()["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no steps: {}", out.stdout))
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["status"].as_str().unwrap().into(),
            )
        })
        .collect()
}

pub(crate) fn step(out: &Outcome, name: &str) -> Value {
    out.json()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {}", out.stdout))
        .clone()
}

const ALL_STEPS: [&str; 10] = [
    "context",
    "command",
    "kuberc",
    "source",
    "account",
    "cluster",
    "cache",
    "credential",
    "api-server",
    "clocks",
];

fn all_ok(out: &Outcome) {
    let wanted: Vec<(String, String)> = ALL_STEPS
        .iter()
        .map(|n| (n.to_string(), "ok".to_string()))
        .collect();
    assert_eq!(steps(out), wanted, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn all_well_every_step_is_ok_and_the_exit_status_is_0() {
    let bed = Bed::new();
    let out = bed.doctor(&["-o", "json", "-v"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    all_ok(&out);
    assert_eq!(out.json()["context"], "test");
    let detail = |name| step(&out, name)["detail"].as_str().unwrap().to_string();
    assert!(detail("account").contains(&format!("account {EMAIL}, team {TEAM}")));
    assert!(detail("source").contains("DIGITALOCEAN_ACCESS_TOKEN (set by the user's exec env)"));
    assert!(
        detail("cluster").contains("prod in nyc1"),
        "{}",
        detail("cluster")
    );
    assert!(detail("credential").contains("from DigitalOcean, now cached"));
    assert!(
        detail("api-server").contains("user doks:user:5f3c1a9e"),
        "{}",
        detail("api-server")
    );
    assert!(bed.kube.accepted() >= 1);
    // -v logs to stderr, each line ours; nothing but the report on stdout.
    assert!(out.stderr.contains("doks-auth: debug:"), "{}", out.stderr);
    assert_every_line_is_ours(&out.stderr);

    // Again, as text: the credential now comes from the cache, one line a step, all ok.
    let text = bed.doctor(&[]);
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert_eq!(text.stderr, "");
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines.len(), ALL_STEPS.len(), "{}", text.stdout);
    for (line, name) in lines.iter().zip(ALL_STEPS) {
        assert!(line.starts_with("ok "), "{line}");
        assert!(line.contains(&format!(" {name} ")), "{line}");
    }
    assert!(text.stdout.contains("from the cache"), "{}", text.stdout);
    assert_eq!(bed.api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn a_revoked_digitalocean_token_fails_at_the_account_with_the_usual_hint() {
    let bed = Bed::new();
    bed.api.mount(
        Mock::given(method("GET"))
            .and(path("/v2/account"))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"id": "unauthorized", "message": "Unable to authenticate you"}),
            ))
            .with_priority(1),
    );
    for output in ["json", "text"] {
        let out = bed.doctor(&["-o", output, "-v"]);
        assert_eq!(out.code, Some(1), "{}", out.stdout);
        let stderr_last = out.stderr.lines().last().unwrap_or_default();
        assert!(
            stderr_last.starts_with("doks-auth: error: 1 of 5 checks failed (account)"),
            "{}",
            out.stderr
        );
        if output == "text" {
            let failed: Vec<&str> = out
                .stdout
                .lines()
                .filter(|l| l.starts_with("failed"))
                .collect();
            assert_eq!(failed.len(), 1, "{}", out.stdout);
            assert!(failed[0].contains("401 Unauthorized"), "{}", failed[0]);
            assert!(
                failed[0].contains("— fix: check $DIGITALOCEAN_ACCESS_TOKEN"),
                "{}",
                failed[0]
            );
            continue;
        }
        let names: Vec<String> = steps(&out).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["context", "command", "kuberc", "source", "account"],
            "stops there"
        );
        let account = step(&out, "account");
        assert_eq!(account["status"], "failed");
        assert!(
            account["detail"]
                .as_str()
                .unwrap()
                .contains("\"Unable to authenticate you\"")
        );
        assert!(
            account["fix"]
                .as_str()
                .unwrap()
                .contains("$DIGITALOCEAN_ACCESS_TOKEN"),
            "the hint names the token's source (the stanza's env)"
        );
        assert!(account["fix"].as_str().unwrap().contains("control panel"));
    }
    assert_eq!(bed.api.credential_requests(CLUSTER_ID), 0);
    assert_eq!(bed.kube.accepted() + bed.kube.rejected(), 0);
}

#[test]
fn a_command_that_no_longer_exists_fails_with_the_fix_and_the_rest_is_still_checked() {
    let bed = Bed::new();
    let gone = if cfg!(windows) {
        r"C:\opt\gone\bin\doks-auth.exe"
    } else {
        "/opt/gone/bin/doks-auth"
    };
    bed.write_kubeconfig(gone);
    let out = bed.doctor(&["-o", "json"]);
    assert_eq!(out.code, Some(1));
    let command = step(&out, "command");
    assert_eq!(command["status"], "failed");
    assert_eq!(command["detail"], format!("{gone} does not exist"));
    assert!(
        command["fix"]
            .as_str()
            .unwrap()
            .contains("doks-auth kubeconfig save")
    );
    let rest: Vec<(String, String)> = steps(&out)
        .into_iter()
        .filter(|(n, _)| n != "command")
        .collect();
    assert!(rest.iter().all(|(_, s)| s == "ok"), "{rest:?}");
    assert_eq!(rest.len(), ALL_STEPS.len() - 1);
}

#[test]
fn the_api_server_refusing_a_credential_digitalocean_issued_is_said_so() {
    let bed = Bed::accepting(|_| KubeAuth::Token("a-token-digitalocean-did-not-issue".into()));
    let out = bed.doctor(&["-o", "json", "-v"]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let api = step(&out, "api-server");
    assert_eq!(api["status"], "failed");
    assert_eq!(
        api["detail"],
        format!(
            "{} refused the credential (401 Unauthorized) that DigitalOcean issued",
            bed.kube.url
        )
    );
    let fix = api["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!("doks-auth cache clear --cluster-id {CLUSTER_ID}")),
        "{fix}"
    );
    // DigitalOcean itself was fine: every step before says so.
    for name in ["account", "cluster", "credential"] {
        assert_eq!(step(&out, name)["status"], "ok", "{name}");
    }
    assert_eq!(bed.kube.rejected(), 1);
}
