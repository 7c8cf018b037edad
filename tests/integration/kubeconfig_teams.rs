//! Two teams, one doctl context each, each with a `prod` in nyc1: the names clash, and saving
//! one team's cluster must never point the other team's context at it.

use chrono::Duration;
use serde_json::Value;

use crate::kubeconfig::doctl_contexts;
use crate::support::*;

const TOKEN_A: &str = "k8s-token-team-a-0123456789abcdef0123456789abcdef";
const TOKEN_B: &str = "k8s-token-team-b-0123456789abcdef0123456789abcdef";

struct Teams {
    env: TestEnv,
    api: DoApi,
    kube_a: KubeApi,
    kube_b: KubeApi,
}

impl Teams {
    /// Each team's prod is a Kubernetes stand-in of its own that takes only its credential.
    fn new() -> Teams {
        let env = TestEnv::new();
        doctl_contexts(&env, &["team-a", "team-b"]);
        let pki = Pki::new();
        let kube_a = KubeApi::start(&pki, KubeAuth::Token(TOKEN_A.into()));
        let kube_b = KubeApi::start(&pki, KubeAuth::Token(TOKEN_B.into()));
        let api = DoApi::start();
        for (id, kube, token) in [
            (CLUSTER_ID, &kube_a, TOKEN_A),
            (OTHER_CLUSTER_ID, &kube_b, TOKEN_B),
        ] {
            api.serve_cluster(&cluster_json(id, "prod", "nyc1", &kube.url));
            api.serve_cluster_credentials(
                id,
                &kube.url,
                &pki.ca_base64(),
                token,
                Duration::hours(3),
            );
        }
        Teams {
            env,
            api,
            kube_a,
            kube_b,
        }
    }

    fn kubeconfig(&self) -> std::path::PathBuf {
        self.env.home().join("kubeconfig")
    }

    fn save(&self, id: &str, context: &str, alias: Option<&str>) -> Outcome {
        let mut cmd = self.env.doks_auth();
        cmd.args(["kubeconfig", "save", id, "--context", context])
            .args(["--api-url", &self.api.url()])
            .env("KUBECONFIG", self.kubeconfig());
        if let Some(alias) = alias {
            cmd.args(["--alias", alias]);
        }
        run(&mut cmd)
    }

    fn kubectl(&self, context: &str) -> Outcome {
        run(self
            .env
            .command("kubectl")
            .args(["--context", context, "get", "--raw", "/version"])
            .env("KUBECONFIG", self.kubeconfig()))
    }

    fn view(&self) -> Value {
        let out = run_ok(
            self.env
                .command("kubectl")
                .args(["config", "view", "--raw", "-o", "json"])
                .env("KUBECONFIG", self.kubeconfig()),
        );
        serde_json::from_str(&out.stdout).unwrap()
    }
}

#[test]
fn another_teams_cluster_of_the_same_name_never_takes_over_a_context() {
    if !kubectl_available() {
        return;
    }
    let teams = Teams::new();
    let first = teams.save(CLUSTER_ID, "team-a", None);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let before = std::fs::read(teams.kubeconfig()).unwrap();

    // Team B's prod: the names are team A's, so nothing changes and the way out is named.
    let refused = teams.save(OTHER_CLUSTER_ID, "team-b", None);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("do-nyc1-prod")
            && refused.stderr.contains("belongs to another cluster")
            && refused.stderr.contains("--alias"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read(teams.kubeconfig()).unwrap(),
        before,
        "untouched"
    );

    // With --alias: names of its own for all three entries, side by side.
    let aliased = teams.save(OTHER_CLUSTER_ID, "team-b", Some("prod-b"));
    assert_eq!(aliased.code, Some(0), "{}", aliased.stderr);
    let view = teams.view();
    let names = |list: &str| -> Vec<String> {
        view[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("clusters"), ["do-nyc1-prod", "prod-b"]);
    assert_eq!(names("users"), ["do-nyc1-prod-admin", "prod-b-admin"]);
    assert_eq!(names("contexts"), ["do-nyc1-prod", "prod-b"]);

    // Each context reaches its own cluster, with its own team's credential.
    for (context, kube) in [("do-nyc1-prod", &teams.kube_a), ("prod-b", &teams.kube_b)] {
        let out = teams.kubectl(context);
        assert_eq!(out.code, Some(0), "{context}: {}", out.stderr);
        assert!(kube.accepted() >= 1, "{context}");
    }
    assert_eq!(teams.kube_a.rejected() + teams.kube_b.rejected(), 0);

    // Saving either again updates it in place, with the same bytes.
    let after = std::fs::read(teams.kubeconfig()).unwrap();
    assert_eq!(teams.save(CLUSTER_ID, "team-a", None).code, Some(0));
    assert_eq!(
        teams.save(OTHER_CLUSTER_ID, "team-b", Some("prod-b")).code,
        Some(0)
    );
    assert_eq!(std::fs::read(teams.kubeconfig()).unwrap(), after);
}

#[test]
fn removing_one_teams_cluster_leaves_the_other_teams_same_named_entries() {
    if !kubectl_available() {
        return;
    }
    let teams = Teams::new();
    assert_eq!(teams.save(CLUSTER_ID, "team-a", None).code, Some(0));
    assert_eq!(
        teams.save(OTHER_CLUSTER_ID, "team-b", Some("prod-b")).code,
        Some(0)
    );
    let out = run(teams
        .env
        .doks_auth()
        .args([
            "kubeconfig",
            "remove",
            OTHER_CLUSTER_ID,
            "--context",
            "team-b",
        ])
        .args(["--api-url", &teams.api.url()])
        .env("KUBECONFIG", teams.kubeconfig()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let view = teams.view();
    let names = |list: &str| -> Vec<String> {
        view[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("clusters"), ["do-nyc1-prod"], "{}", out.stderr);
    assert_eq!(names("users"), ["do-nyc1-prod-admin"]);
    assert_eq!(names("contexts"), ["do-nyc1-prod"]);
    let out = teams.kubectl("do-nyc1-prod");
    assert_eq!(out.code, Some(0), "team A still works: {}", out.stderr);
}

#[test]
fn another_tools_credential_under_our_name_is_never_replaced() {
    let teams = Teams::new();
    let other_tool = "apiVersion: v1
kind: Config
clusters:
- name: handmade
  cluster: {server: 'https://10.0.0.1:6443'}
users:
- name: do-nyc1-prod-admin
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}
contexts:
- name: eks
  context: {cluster: handmade, user: do-nyc1-prod-admin}
current-context: eks
";
    std::fs::write(teams.kubeconfig(), other_tool).unwrap();
    let out = teams.save(CLUSTER_ID, "team-a", None);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("user entry \"do-nyc1-prod-admin\"") && out.stderr.contains("aws"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(teams.kubeconfig()).unwrap(),
        other_tool
    );
}
