//! `save` and `save --all` update only the fields doks-auth owns in its cluster and user entries
//! (server, CA data, exec stanza): what the user added with `kubectl config set` (a proxy, a TLS
//! server name) and a user's impersonation (`as: …`, which limits what the credential may do)
//! stay, as kubectl itself reads them afterwards.

use std::path::Path;

use serde_json::Value;

use crate::kubeconfig::*;
use crate::support::*;

fn kubectl(env: &TestEnv, path: &Path, args: &[&str]) -> Outcome {
    run_ok(env.command("kubectl").args(args).env("KUBECONFIG", path))
}

fn view(env: &TestEnv, path: &Path) -> Value {
    kubectl(env, path, &["config", "view", "--raw", "-o", "json"]).json()
}

/// The user's own settings, as kubectl reads them.
fn settings(view: &Value) -> Value {
    serde_json::json!({
        "proxy": view["clusters"][0]["cluster"]["proxy-url"],
        "tls-server-name": view["clusters"][0]["cluster"]["tls-server-name"],
        "as": view["users"][0]["user"]["as"],
        "as-groups": view["users"][0]["user"]["as-groups"],
        "namespace": view["contexts"][0]["context"]["namespace"],
    })
}

#[test]
fn save_and_save_all_keep_the_keys_the_user_added_to_our_entries() {
    if !kubectl_available() {
        return;
    }
    for all in [false, true] {
        let (env, api) = account(&[prod()]);
        let path = env.home().join("kubeconfig");
        save(&env, &api, &path, &["prod"]);
        for (key, value) in [
            ("clusters.do-nyc1-prod.proxy-url", "socks5://127.0.0.1:1080"),
            ("clusters.do-nyc1-prod.tls-server-name", "prod.internal"),
            ("contexts.do-nyc1-prod.namespace", "mine"),
        ] {
            kubectl(&env, &path, &["config", "set", key, value]);
        }
        // `kubectl config set users.X.as` is refused; people write it by hand.
        let text = std::fs::read_to_string(&path).unwrap();
        let limited = text.replacen(
            "  user:\n",
            "  user:\n    as: system:serviceaccount:default:viewer\n    as-groups: [viewers]\n",
            1,
        );
        assert_ne!(text, limited);
        std::fs::write(&path, limited).unwrap();
        let before = settings(&view(&env, &path));
        assert_eq!(before["as"], "system:serviceaccount:default:viewer");
        assert_eq!(before["proxy"], "socks5://127.0.0.1:1080");

        let args: &[&str] = if all { &["--all"] } else { &["prod"] };
        save(&env, &api, &path, args);
        let after = view(&env, &path);
        assert_eq!(settings(&after), before, "save {args:?}: {after}");
        assert_eq!(after["users"][0]["user"]["exec"]["args"][2], CLUSTER_ID);
    }
}

#[test]
fn saving_over_a_limited_control_panel_user_keeps_its_impersonation() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    let token = format!("dop_v1_{}", "a".repeat(64));
    // The control panel's download, restricted by hand to a viewer.
    std::fs::write(
        &path,
        format!(
            r#"apiVersion: v1
kind: Config
clusters:
- name: do-nyc1-prod
  cluster:
    server: {server}
    certificate-authority-data: {ca}
    tls-server-name: prod.internal
contexts:
- name: do-nyc1-prod
  context: {{cluster: do-nyc1-prod, user: do-nyc1-prod-admin}}
current-context: do-nyc1-prod
users:
- name: do-nyc1-prod-admin
  user:
    token: {token}
    as: system:serviceaccount:default:viewer
"#,
            server = server_of(CLUSTER_ID),
            ca = ca_base64()
        ),
    )
    .unwrap();
    let out = save(&env, &api, &path, &["prod", "-v"]);
    let view = view(&env, &path);
    let user = &view["users"][0]["user"];
    assert_eq!(user["as"], "system:serviceaccount:default:viewer", "{view}");
    assert_eq!(user["exec"]["args"][2], CLUSTER_ID, "{view}");
    // The exec stanza replaces the token, and -v says so, without the token itself.
    assert!(user.get("token").is_none(), "{view}");
    assert_eq!(
        view["clusters"][0]["cluster"]["tls-server-name"],
        "prod.internal"
    );
    assert!(
        out.stderr.contains("dropped token from the user entry"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&token));
}
