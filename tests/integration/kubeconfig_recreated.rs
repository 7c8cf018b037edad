//! A cluster deleted at DigitalOcean and made again under the same name (a new id): the old
//! one's entries, this account's own, sit under the names the new one is saved with. `save --all
//! --prune` removes them and saves the new one in the same run (as two runs did), its dry run
//! says so and writes nothing; a single `save` names the removal that lets it through, and
//! following it works.

use std::path::PathBuf;

use serde_json::Value;

use crate::kubeconfig::*;
use crate::support::*;

/// An account whose live `prod` (CLUSTER_ID) was made after an older `prod` (THIRD_CLUSTER_ID)
/// was deleted, whose entries `--context <team>` are still in the kubeconfig.
fn recreated(team: &str) -> (TestEnv, DoApi, PathBuf) {
    let (env, api) = account(&[prod()]);
    doctl_contexts(&env, &["team-a", "team-b"]);
    let path = env.home().join("config");
    run_ok(
        env.doks_auth()
            .args(["kubeconfig", "save", "prod", "--context", team])
            .args(["--api-url", &api.url()])
            .env("KUBECONFIG", &path),
    );
    let old = std::fs::read_to_string(&path)
        .unwrap()
        .replace(CLUSTER_ID, THIRD_CLUSTER_ID);
    std::fs::write(&path, old).unwrap();
    set_mode(&path, 0o600);
    (env, api, path)
}

fn view(env: &TestEnv, path: &PathBuf) -> Value {
    run_ok(
        env.command("kubectl")
            .args(["config", "view", "--raw", "-o", "json"])
            .env("KUBECONFIG", path),
    )
    .json()
}

fn state(path: &PathBuf) -> (Vec<u8>, std::time::SystemTime) {
    let meta = std::fs::metadata(path).unwrap();
    (std::fs::read(path).unwrap(), meta.modified().unwrap())
}

#[test]
fn prune_saves_a_cluster_recreated_under_a_vanished_ones_names_in_one_run() {
    if !kubectl_available() {
        return;
    }
    let (env, api, path) = recreated("team-a");
    let all = ["kubeconfig", "save", "--all", "--prune"];
    let before = state(&path);
    let dry = as_team_a(&env, &api, &path, &[&all[..], &["--dry-run"]].concat());
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    assert_eq!(state(&path), before, "the dry run wrote: {}", dry.stderr);
    for line in [
        format!("doks-auth: would remove context do-nyc1-prod (cluster {THIRD_CLUSTER_ID} no longer exists)\n"),
        "doks-auth: would add context do-nyc1-prod (prod in nyc1)\n".into(),
        "doks-auth: 1 cluster: 1 added, 0 updated, 0 unchanged, 0 skipped; 1 removed (dry run: nothing written)\n".into(),
    ] {
        assert!(dry.stderr.contains(&line), "{line}: {}", dry.stderr);
    }
    assert!(!dry.stderr.contains("--alias"), "{}", dry.stderr);

    let out = as_team_a(&env, &api, &path, &all);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // What the dry run said, done.
    assert_eq!(
        out.stderr,
        dry.stderr
            .replace("would remove", "removed")
            .replace("would add", "added")
            .replace("would have", "now has")
            .replace(" (dry run: nothing written)", ""),
    );
    let view = view(&env, &path);
    assert_eq!(view["contexts"][0]["name"], "do-nyc1-prod", "{view}");
    assert_eq!(view["contexts"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(
        view["clusters"][0]["cluster"]["server"],
        server_of(CLUSTER_ID)
    );
    assert_eq!(view["users"][0]["user"]["exec"]["args"][2], CLUSTER_ID);
    assert!(!view.to_string().contains(THIRD_CLUSTER_ID), "{view}");
    // The state a second run would have reached: it finds nothing to do.
    let saved = state(&path);
    let again = as_team_a(&env, &api, &path, &all);
    assert!(again.stderr.contains("nothing changed"), "{}", again.stderr);
    assert_eq!(state(&path), saved);
}

#[test]
fn a_single_save_names_the_removal_of_the_vanished_clusters_entries_and_it_works() {
    if !kubectl_available() {
        return;
    }
    let (env, api, path) = recreated("team-a");
    let before = state(&path);
    let out = as_team_a(&env, &api, &path, &["kubeconfig", "save", "prod"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert_eq!(state(&path), before);
    let command = out
        .stderr
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no command: {}", out.stderr));
    let words = shell_words::split(command).unwrap();
    assert_eq!(
        words[..5],
        [
            "doks-auth",
            "kubeconfig",
            "remove",
            THIRD_CLUSTER_ID,
            "--context"
        ],
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with(", then save again\n"),
        "{}",
        out.stderr
    );
    run_ok(env.doks_auth().args(&words[1..]).env("KUBECONFIG", &path));
    run_ok(
        env.doks_auth()
            .args(["kubeconfig", "save", "prod", "--context", "team-a"])
            .args(["--api-url", &api.url()])
            .env("KUBECONFIG", &path),
    );
    let view = view(&env, &path);
    assert_eq!(view["users"][0]["user"]["exec"]["args"][2], CLUSTER_ID);
    assert_eq!(view["current-context"], "do-nyc1-prod");

    // Another doctl context's entries for a cluster this account does not have are not this
    // account's to remove: the advice stays the alias.
    let (env, api, path) = recreated("team-b");
    let out = as_team_a(&env, &api, &path, &["kubeconfig", "save", "prod"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("pass --alias NAME"), "{}", out.stderr);
    assert!(!out.stderr.contains("remove"), "{}", out.stderr);
}
