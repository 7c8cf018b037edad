//! `save` owns what runs in its exec stanza (command, args, API version, install hint, cluster
//! info), not the stanza's other keys: the variables the user gave the plugin with `kubectl
//! config set-credentials --exec-env` (a proxy to reach DigitalOcean, a corporate CA) and an
//! `interactiveMode` the user chose stay, as kubectl itself reads them afterwards, also after
//! `convert` then `save`.

use std::path::Path;

use serde_json::Value;

use crate::kubeconfig::*;
use crate::support::*;

fn kubectl(env: &TestEnv, path: &Path, args: &[&str]) -> Outcome {
    run_ok(env.command("kubectl").args(args).env("KUBECONFIG", path))
}

fn exec(env: &TestEnv, path: &Path) -> Value {
    let view = kubectl(env, path, &["config", "view", "--raw", "-o", "json"]).json();
    view["users"][0]["user"]["exec"].clone()
}

#[test]
#[cfg_attr(
    windows,
    ignore = "kubectl.exe's set-credentials makes the exec command relative to the kubeconfig's \
              folder, which fails across Wine's drives (the binary on Z:, the test's home on C:)"
)]
fn save_keeps_the_exec_env_and_interactive_mode_the_user_set() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    save(&env, &api, &path, &["prod"]);
    kubectl(
        &env,
        &path,
        &[
            "config",
            "set-credentials",
            "do-nyc1-prod-admin",
            "--exec-env=HTTPS_PROXY=http://127.0.0.1:3128",
            "--exec-env=SSL_CERT_FILE=/etc/corp-ca.pem",
            "--exec-interactive-mode=Always",
        ],
    );
    let before = exec(&env, &path);
    assert_eq!(before["env"].as_array().map(Vec::len), Some(2), "{before}");
    assert_eq!(before["interactiveMode"], "Always");

    // A save that changes the stanza's args still keeps what the user set beside them.
    save(&env, &api, &path, &["prod", "--expiry-seconds", "3600"]);
    let after = exec(&env, &path);
    assert_eq!(after["env"], before["env"], "{after}");
    assert_eq!(after["interactiveMode"], "Always", "{after}");
    let args: Vec<&str> = after["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        args.windows(2).any(|w| w == ["--expiry-seconds", "3600"]),
        "{after}"
    );
    assert_eq!(after["command"], this_binary());
}

#[test]
fn convert_then_save_keeps_the_exec_env() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            r#"apiVersion: v1
kind: Config
clusters:
- name: do-nyc1-prod
  cluster: {{server: "{server}", certificate-authority-data: {ca}}}
users:
- name: do-nyc1-prod-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: doctl
      args: [kubernetes, cluster, kubeconfig, exec-credential, --version=v1beta1, {id}]
      env: [{{name: HTTPS_PROXY, value: "http://127.0.0.1:3128"}}]
contexts:
- name: do-nyc1-prod
  context: {{cluster: do-nyc1-prod, user: do-nyc1-prod-admin}}
current-context: do-nyc1-prod
"#,
            server = server_of(CLUSTER_ID),
            ca = ca_base64(),
            id = CLUSTER_ID
        ),
    )
    .unwrap();
    let proxy = serde_json::json!([{"name": "HTTPS_PROXY", "value": "http://127.0.0.1:3128"}]);
    run_ok(
        env.doks_auth()
            .args(["kubeconfig", "convert"])
            .env("KUBECONFIG", &path),
    );
    assert_eq!(exec(&env, &path)["env"], proxy);
    save(&env, &api, &path, &["prod"]);
    let after = exec(&env, &path);
    assert_eq!(after["env"], proxy, "{after}");
    assert_eq!(after["args"][2], CLUSTER_ID, "{after}");
}
