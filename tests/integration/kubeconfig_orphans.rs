//! A deleted cluster whose context the user already deleted by hand (`kubectl config
//! delete-context`): its user and cluster entries, which doks-auth wrote, are left with no
//! context to reach them. `save --all --prune` and `remove <id>` take them too (review of issue
//! 22), and say so.

use std::path::PathBuf;

use crate::kubeconfig::*;
use crate::support::*;

/// Team A's `old` cluster (THIRD_CLUSTER_ID, gone at DigitalOcean), saved, then its context
/// deleted with kubectl; the account's live `prod` beside it.
fn orphaned() -> (TestEnv, DoApi, PathBuf) {
    let (env, api) = account(&[prod()]);
    doctl_contexts(&env, &["team-a"]);
    let path = env.home().join("config");
    run_ok(
        env.doks_auth()
            .args(["kubeconfig", "save", "prod", "--context", "team-a"])
            .args(["--api-url", &api.url()])
            .env("KUBECONFIG", &path),
    );
    let old = std::fs::read_to_string(&path)
        .unwrap()
        .replace(CLUSTER_ID, THIRD_CLUSTER_ID)
        .replace("do-nyc1-prod", "do-nyc1-old");
    std::fs::write(&path, old).unwrap();
    run_ok(
        env.command("kubectl")
            .args(["config", "delete-context", "do-nyc1-old"])
            .env("KUBECONFIG", &path),
    );
    (env, api, path)
}

#[test]
fn prune_takes_a_vanished_clusters_user_and_cluster_that_no_context_uses() {
    if !kubectl_available() {
        return;
    }
    let (env, api, path) = orphaned();
    let before = std::fs::read(&path).unwrap();
    let dry = as_team_a(
        &env,
        &api,
        &path,
        &["kubeconfig", "save", "--all", "--prune", "--dry-run"],
    );
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    let line = format!(
        "would remove user do-nyc1-old-admin, which no context used (cluster {THIRD_CLUSTER_ID} no longer exists)"
    );
    assert!(dry.stderr.contains(&line), "{}", dry.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let out = as_team_a(
        &env,
        &api,
        &path,
        &["kubeconfig", "save", "--all", "--prune"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&line["would ".len()..].replace("remove", "removed")),
        "{}",
        out.stderr
    );
    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"], "{doc}");
    assert_eq!(names(&doc, "users"), ["do-nyc1-prod-admin"], "{doc}");
}

#[test]
fn remove_by_id_takes_a_deleted_clusters_cluster_entry_too() {
    if !kubectl_available() {
        return;
    }
    let (env, api, path) = orphaned();
    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-old"]);
    let out = as_team_a(
        &env,
        &api,
        &path,
        &["kubeconfig", "remove", THIRD_CLUSTER_ID],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let doc = read_yaml(&path);
    assert!(names(&doc, "clusters").is_empty(), "{doc}\n{}", out.stderr);
    assert!(names(&doc, "users").is_empty(), "{doc}\n{}", out.stderr);
    assert!(out.stderr.contains("cluster do-nyc1-old"), "{}", out.stderr);
}
