//! A kubeconfig this user may not write (mode 0444): kubectl refuses to write it, and so must
//! doks-auth, though renaming a new file over it would succeed (the folder is writable). As root
//! the test runs both as `nobody` (setpriv), since root may write any file.

#![cfg(target_os = "linux")]

use std::process::Command;

use crate::kubeconfig_corpus_views::is_root;
use crate::support::*;

const NOBODY: &str = "65534";

/// `program` run as this user, or as `nobody` when this user is root.
fn as_user(env: &TestEnv, program: &std::path::Path) -> Command {
    if !is_root() {
        return env.command(program);
    }
    let mut cmd = env.command("setpriv");
    cmd.args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"])
        .arg(program);
    cmd
}

#[test]
fn a_kubeconfig_kubectl_may_not_write_is_refused_and_left_as_it_was() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let path = env.home().join("config");
    // A doctl stanza, which `convert` would rewrite.
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://{CLUSTER_ID}.k8s.ondigitalocean.com\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: doctl\n      args: [kubernetes, cluster, kubeconfig, exec-credential, --version=v1beta1, {CLUSTER_ID}]\n"
    );
    std::fs::write(&path, &text).unwrap();
    if is_root() {
        for owned in [env.home(), path.as_path()] {
            std::os::unix::fs::chown(owned, Some(65534), Some(65534)).unwrap();
        }
    }
    set_mode(&path, 0o444);
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();

    // A plain kubectl (the last found), not the dispatcher, which wants a writable gcloud folder.
    let kubectl = kubectls().pop().unwrap();
    let refused = run(as_user(&env, &kubectl)
        .args(["config", "set-context", "x", "--namespace", "n"])
        .env("KUBECONFIG", &path));
    assert_ne!(
        refused.code,
        Some(0),
        "kubectl wrote it: {}",
        refused.stderr
    );

    let out = run(as_user(&env, &doks_auth_bin())
        .args(["kubeconfig", "convert"])
        .env("KUBECONFIG", &path));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: ") && out.stderr.contains("may not write it"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("tightened"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert_eq!(mode(&path), 0o444);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before
    );
}
