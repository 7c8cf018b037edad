//! A context saved with `--cache-dir` keeps its credentials there (its stanza says so): `remove`
//! and `save --all --prune` clear that folder too, without being told it again, as well as the
//! one they are given.

use crate::kubeconfig::*;
use crate::support::*;

#[test]
fn remove_clears_the_cache_folder_the_stanza_was_saved_with() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    let mine = env.home().join("my cache");
    save(
        &env,
        &api,
        &path,
        &["prod", "--cache-dir", mine.to_str().unwrap()],
    );
    assert_eq!(cache_entries(&mine).len(), 1);
    let out = run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "remove", "prod"],
    ));
    assert!(
        out.stderr.contains(&format!(
            "doks-auth: removed 1 cached credential from {}\n",
            mine.display()
        )),
        "{}",
        out.stderr
    );
    assert!(cache_entries(&mine).is_empty(), "{}", out.stderr);
}

#[test]
fn prune_clears_the_cache_folder_the_vanished_clusters_stanza_was_saved_with() {
    // prod is found by its id and issues credentials, but the account's list no longer has it:
    // it was deleted at DigitalOcean after this save.
    let (env, api) = account(&[]);
    api.serve_cluster(&prod());
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &server_of(CLUSTER_ID),
        &ca_base64(),
        K8S_TOKEN,
        chrono::Duration::hours(3),
    );
    doctl_contexts(&env, &["team-a"]);
    let path = env.home().join("config");
    let mine = env.home().join("mine");
    let run_here = |args: &[&str]| {
        run_ok(
            env.doks_auth()
                .args(args)
                .args(["--api-url", &api.url(), "--context", "team-a"])
                .env("KUBECONFIG", &path),
        )
    };
    run_here(&[
        "kubeconfig",
        "save",
        CLUSTER_ID,
        "--cache-dir",
        mine.to_str().unwrap(),
    ]);
    assert_eq!(cache_entries(&mine).len(), 1);
    let out = run_here(&["kubeconfig", "save", "--all", "--prune"]);
    assert!(
        out.stderr.contains("removed context do-nyc1-prod"),
        "{}",
        out.stderr
    );
    assert!(cache_entries(&mine).is_empty(), "{}", out.stderr);
}
