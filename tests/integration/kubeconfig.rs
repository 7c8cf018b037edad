//! What the `kubeconfig_*` test modules share: an account at the DigitalOcean stand-in, a
//! kubeconfig another tool wrote, and readers for what doks-auth wrote.

use std::path::Path;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use serde_json::Value;

use crate::support::*;

/// A third cluster id, for lists longer than two.
pub(crate) const THIRD_CLUSTER_ID: &str = "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";

/// A kubeconfig another tool wrote: other entries, extensions and fields doks-auth knows nothing
/// about, all of which must survive a save.
pub(crate) const EXISTING: &str = r#"apiVersion: v1
kind: Config
clusters:
- name: minikube
  cluster:
    server: https://192.168.49.2:8443
    certificate-authority: /home/u/.minikube/ca.crt
    x-unknown-cluster-field: kept
    extensions:
    - name: cluster_info
      extension:
        provider: minikube.sigs.k8s.io
        version: v1.33.0
users:
- name: minikube
  user:
    client-certificate: /home/u/.minikube/client.crt
    client-key: /home/u/.minikube/client.key
- name: gke-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      provideClusterInfo: true
      installHint: "Install gke-gcloud-auth-plugin"
contexts:
- name: minikube
  context:
    cluster: minikube
    user: minikube
    namespace: default
    extensions:
    - name: context_info
      extension:
        last-update: Mon, 01 Jan 2024 00:00:00 UTC
current-context: minikube
preferences:
  colors: true
extensions:
- name: top-level-extension
  extension:
    anything: [1, 2, 3]
x-custom-tool:
  setting: 1
  nested: {deep: [true, null, "text"]}
"#;

pub(crate) fn prod() -> Value {
    cluster_json(CLUSTER_ID, "prod", "nyc1", "https://prod.k8s.example")
}

pub(crate) fn staging() -> Value {
    cluster_json(
        OTHER_CLUSTER_ID,
        "staging",
        "ams3",
        "https://staging.k8s.example",
    )
}

/// The API server DigitalOcean names for a cluster in its credentials answer.
pub(crate) fn server_of(cluster_id: &str) -> String {
    format!("https://{cluster_id}.k8s.example")
}

pub(crate) fn ca_base64() -> String {
    STANDARD.encode("-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----\n")
}

/// An account with these clusters, each with a token credential.
pub(crate) fn account(clusters: &[Value]) -> (TestEnv, DoApi) {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_clusters(clusters);
    for cluster in clusters {
        let id = cluster["id"].as_str().unwrap();
        api.serve_cluster_credentials(
            id,
            &server_of(id),
            &ca_base64(),
            K8S_TOKEN,
            Duration::hours(3),
        );
    }
    (env, api)
}

/// doctl's config in `env`'s home with these auth contexts, each holding the test token (the
/// account the stand-in serves): `--context <team>` then reads it, as `save --all --prune` needs.
pub(crate) fn doctl_contexts(env: &TestEnv, teams: &[&str]) {
    let doctl = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&doctl).unwrap();
    let contexts: String = teams
        .iter()
        .map(|t| format!("  {t}: {DO_TOKEN}\n"))
        .collect();
    std::fs::write(
        doctl.join("config.yaml"),
        format!("auth-contexts:\n{contexts}"),
    )
    .unwrap();
}

/// `doks-auth <args>` as doctl context `team-a` (see [`doctl_contexts`]) against the stand-in,
/// on the kubeconfig at `path`.
pub(crate) fn as_team_a(env: &TestEnv, api: &DoApi, path: &Path, args: &[&str]) -> Outcome {
    run(env
        .doks_auth()
        .args(args)
        .args(["--api-url", &api.url(), "--context", "team-a"])
        .env("KUBECONFIG", path))
}

/// `doks-auth <args> --api-url <stand-in>` with the token in the environment and KUBECONFIG at
/// `kubeconfig` (or unset, for ~/.kube/config).
pub(crate) fn doks(
    env: &TestEnv,
    api: &DoApi,
    kubeconfig: Option<&Path>,
    args: &[&str],
) -> Command {
    let mut cmd = env.doks_auth();
    cmd.args(args)
        .args(["--api-url", &api.url()])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
    if let Some(path) = kubeconfig {
        cmd.env("KUBECONFIG", path);
    }
    cmd
}

pub(crate) fn save(env: &TestEnv, api: &DoApi, kubeconfig: &Path, args: &[&str]) -> Outcome {
    let mut all = vec!["kubeconfig", "save"];
    all.extend_from_slice(args);
    run_ok(&mut doks(env, api, Some(kubeconfig), &all))
}

pub(crate) fn parse(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
}

pub(crate) fn read_yaml(path: &Path) -> Value {
    parse(&std::fs::read_to_string(path).unwrap())
}

pub(crate) fn names(doc: &Value, key: &str) -> Vec<String> {
    doc[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} list in {doc}"))
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// The one entry called `name` in the `key` list.
pub(crate) fn entry<'a>(doc: &'a Value, key: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = doc[key]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "{key} {name} in {doc}");
    found[0]
}

pub(crate) fn exec_of<'a>(doc: &'a Value, user: &str) -> &'a Value {
    &entry(doc, "users", user)["user"]["exec"]
}

pub(crate) fn this_binary() -> String {
    canonical(&doks_auth_bin())
        .into_os_string()
        .into_string()
        .unwrap()
}
