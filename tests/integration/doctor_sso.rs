//! `doctor` and `whoami` on an SSO context, against the real OpenID provider and an API server
//! stand-in that takes only its ID tokens: logged in, every step checks out and `whoami` shows
//! the ID token's claims; not logged in, both say to run a kubectl command, and no browser opens.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::doctor::no_secret_in;
use crate::support::*;
use crate::whoami::kubectl_whoami;

struct SsoBed {
    op: Op,
    kube: KubeApi,
    kubeconfig: PathBuf,
}

impl SsoBed {
    fn new() -> SsoBed {
        let op = Op::start(json!({}));
        let keys = run_ok(
            std::process::Command::new("curl")
                .args(["-sS", "--cacert"])
                .arg(&op.ca)
                .arg(format!("{}/jwks", op.issuer)),
        );
        let pki = Pki::new();
        let kube = KubeApi::start(
            &pki,
            KubeAuth::IdToken {
                keys: serde_json::from_str(&keys.stdout).unwrap(),
                issuer: op.issuer.clone(),
                audience: CLIENT_ID.into(),
            },
        );
        let port = op.port.to_string();
        let text = exec_kubeconfig(
            &kube.url,
            &pki.ca_base64(),
            "client.authentication.k8s.io/v1",
            &[
                "get-credential",
                "--cluster-id",
                CLUSTER_ID,
                "--sso-issuer-url",
                &op.issuer,
                "--sso-client-id",
                CLIENT_ID,
                "--sso-local-server-port",
                &port,
            ],
            &[],
        );
        let kubeconfig = op.env.home().join("kubeconfig");
        std::fs::write(&kubeconfig, text).unwrap();
        SsoBed {
            op,
            kube,
            kubeconfig,
        }
    }

    /// `doks-auth <command>`, trusting the provider's CA; a browser command that would log in
    /// (and be counted) if anything started a login.
    fn doks_auth(&self, command: &str, args: &[&str]) -> Outcome {
        let browser = format!("node {}", sso_dir().join("browser.mjs").display());
        let out = run(self
            .op
            .env
            .doks_auth()
            .arg(command)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("SSL_CERT_FILE", &self.op.ca)
            .env("NODE_EXTRA_CA_CERTS", &self.op.ca)
            .env("BOT_LOG", &self.op.browser_log)
            .env("BOT_MODE", "login")
            .env("BROWSER", browser));
        no_secret_in(&out);
        out
    }

    /// Logs in as kubectl would; returns the secrets that must never be printed: the ID token
    /// and the refresh token.
    fn log_in(&self) -> [String; 2] {
        let id = id_token(&run_ok(&mut self.op.get_credential("login")));
        let refresh = self.op.entry()["sso"]["refresh_token"]
            .as_str()
            .unwrap()
            .to_string();
        [id, refresh]
    }
}

fn steps(out: &Outcome) -> Vec<(String, String)> {
    out.json()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["status"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn detail<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name}: {report}"))
}

#[test]
fn doctor_on_an_sso_context_logged_in_checks_the_issuer_and_the_id_token() {
    let bed = SsoBed::new();
    let secrets = bed.log_in();
    let out = bed.doks_auth("doctor", &["-o", "json", "-v"]);
    for secret in &secrets {
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret));
    }
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let names = [
        "context",
        "command",
        "kuberc",
        "source",
        "issuer",
        "cache",
        "credential",
        "api-server",
        "clocks",
    ];
    let wanted: Vec<(String, String)> =
        names.iter().map(|n| (n.to_string(), "ok".into())).collect();
    assert_eq!(steps(&out), wanted, "{}", out.stdout);
    let report = out.json();
    assert_eq!(
        detail(&report, "source")["detail"],
        format!(
            "single sign-on: issuer {}, client {CLIENT_ID}",
            bed.op.issuer
        )
    );
    assert!(
        detail(&report, "credential")["detail"]
            .as_str()
            .unwrap()
            .starts_with("an ID token for alice@example.com from the cache")
    );
    assert!(
        detail(&report, "api-server")["detail"]
            .as_str()
            .unwrap()
            .contains("user oidc:alice@example.com, groups oidc:owner, system:authenticated")
    );
    assert_eq!(bed.op.browsers(), 1, "only the login before");
    assert!(bed.kube.accepted() >= 1);
}

#[test]
fn doctor_and_whoami_on_an_sso_context_not_logged_in_say_how_and_open_no_browser() {
    let bed = SsoBed::new();
    let started = Instant::now();
    let out = bed.doks_auth("doctor", &["-o", "json"]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let report = out.json();
    let credential = detail(&report, "credential");
    assert_eq!(credential["status"], "failed");
    assert_eq!(
        credential["detail"],
        format!("not logged in to {}", bed.op.issuer)
    );
    assert_eq!(
        credential["fix"],
        "run `kubectl --context test version` in a terminal: it logs you in"
    );
    assert_eq!(detail(&report, "issuer")["status"], "ok");

    let who = bed.doks_auth("whoami", &[]);
    assert_eq!(who.code, Some(1));
    assert_eq!(who.stdout, "");
    assert_eq!(
        who.stderr,
        format!(
            "doks-auth: error: not logged in to {} (or the login has run out); run any kubectl command for this context in a terminal to log in\n",
            bed.op.issuer
        )
    );
    assert_eq!(bed.op.browsers(), 0, "a login was started");
    assert_eq!(bed.op.token_requests("authorization_code 200"), 0);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(cache_entries(&bed.op.env.cache_dir()).is_empty());
}

#[test]
fn whoami_on_an_sso_context_shows_the_id_tokens_claims_and_agrees_with_kubectl() {
    let bed = SsoBed::new();
    let [token, refresh] = bed.log_in();
    let out = bed.doks_auth("whoami", &["-o", "json", "-v"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for secret in [&token, &refresh] {
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret));
    }
    let me = out.json();
    assert_eq!(me["digitalocean"], Value::Null);
    let exp = claims(&token)["exp"].as_i64().unwrap();
    let exp = chrono::DateTime::from_timestamp(exp, 0).unwrap();
    assert_eq!(
        me["sso"],
        json!({
            "issuer": bed.op.issuer, "email": "alice@example.com", "team_role": "owner",
            "expires_at": exp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    );
    assert_eq!(me["kubernetes"]["username"], "oidc:alice@example.com");
    let ca = bed.op.ca.clone();
    if let Some(kubectl) = kubectl_whoami(&bed.op.env, &bed.kubeconfig, &[("SSL_CERT_FILE", &ca)]) {
        assert_eq!(me["kubernetes"], kubectl);
    }
    assert_eq!(bed.op.browsers(), 1, "kubectl's calls were cache hits");
}

#[test]
fn whoami_text_on_an_sso_context_shows_the_email_and_team_role() {
    let bed = SsoBed::new();
    bed.log_in();
    let out = bed.doks_auth("whoami", &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    for (key, value) in [
        ("sso email", "alice@example.com"),
        ("sso team role", "owner"),
    ] {
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with(key) && line[key.len()..].trim_start() == value),
            "no {key} {value}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn doctor_with_an_issuer_that_never_answers_names_the_whole_timeout() {
    let env = TestEnv::new();
    // Connections are taken by the kernel and never answered: the TLS handshake hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("https://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let pki = Pki::new();
    let text = exec_kubeconfig(
        "https://127.0.0.1:9",
        &pki.ca_base64(),
        "client.authentication.k8s.io/v1",
        &[
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--sso-issuer-url",
            &issuer,
            "--sso-client-id",
            CLIENT_ID,
        ],
        &[],
    );
    let kubeconfig = env.home().join("kubeconfig");
    std::fs::write(&kubeconfig, text).unwrap();
    let started = Instant::now();
    let out = run(env
        .doks_auth()
        .args(["doctor", "-o", "json", "--timeout", "3"])
        .env("KUBECONFIG", &kubeconfig));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let report = out.json();
    let step = detail(&report, "issuer");
    assert_eq!(step["status"], "failed", "{report}");
    assert!(
        step["detail"]
            .as_str()
            .unwrap()
            .contains("within 3 s (--timeout)"),
        "{report}"
    );
}
