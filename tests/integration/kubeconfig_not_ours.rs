//! A second reviewer's layouts for issue 22: entries that only look like doks-auth's — another
//! file's cluster entry named like a vanished cluster's, an unnamed one a context reaches by
//! default, a context naming a cluster and user that no file defines — stay, byte for byte.

use std::path::{Path, PathBuf};

use crate::kubeconfig::*;
use crate::support::*;

/// A cluster that no longer exists at DigitalOcean.
const GONE: &str = "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";

/// Team A's stanza for the vanished cluster, and a context using it whose `cluster` line is
/// `cluster_line` (a name defined only in another file, or nothing).
fn team_a_old(cluster_line: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Config
users:
- name: do-nyc1-old-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: doks-auth
      args: [get-credential, --cluster-id, {GONE}, --context, team-a, --api-url, API_URL]
contexts:
- name: do-nyc1-old
  context:
    {cluster_line}
    user: do-nyc1-old-admin
"#
    )
}

fn write(dir: &Path, name: &str, text: &str, api: &DoApi) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text.replace("API_URL", &api.url())).unwrap();
    path
}

fn prune(env: &TestEnv, api: &DoApi, files: &[&PathBuf]) -> Outcome {
    doctl_contexts(env, &["team-a"]);
    run_ok(
        doks(
            env,
            api,
            None,
            &[
                "kubeconfig",
                "save",
                "--all",
                "--prune",
                "--context",
                "team-a",
            ],
        )
        .env("KUBECONFIG", std::env::join_paths(files).unwrap()),
    )
}

#[test]
fn prune_leaves_another_files_cluster_entry_named_like_the_vanished_one() {
    let (env, api) = account(&[prod()]);
    let other = "apiVersion: v1\nkind: Config\nclusters:\n- name: do-nyc1-old\n  cluster:\n    server: https://kind.example:6443\n";
    for order in [[0, 1], [1, 0]] {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            write(
                dir.path(),
                "teama.yaml",
                &team_a_old("cluster: do-nyc1-old"),
                &api,
            ),
            write(dir.path(), "teamc.yaml", other, &api),
        ];
        let out = prune(&env, &api, &[&files[order[0]], &files[order[1]]]);
        assert!(out.stderr.contains("do-nyc1-old"), "{}", out.stderr);
        // First in KUBECONFIG, team C's file also gets the live cluster's new entries (kubectl's
        // rule for new entries): its own lines stay as they were.
        let team_c = std::fs::read_to_string(&files[1]).unwrap();
        assert!(
            team_c.starts_with(other),
            "{order:?}: team C's cluster was taken:\n{team_c}"
        );
        // Team A's own stanza and context for the vanished cluster do go.
        let team_a = std::fs::read_to_string(&files[0]).unwrap();
        assert!(!team_a.contains("do-nyc1-old"), "{order:?}:\n{team_a}");
    }
}

#[test]
fn prune_leaves_an_unnamed_cluster_a_context_without_a_cluster_reaches() {
    let (env, api) = account(&[prod()]);
    let other = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://someone-elses.example:6443\n";
    let dir = tempfile::tempdir().unwrap();
    let files = [
        write(
            dir.path(),
            "teama.yaml",
            &team_a_old("namespace: default"),
            &api,
        ),
        write(dir.path(), "other.yaml", other, &api),
    ];
    prune(&env, &api, &[&files[0], &files[1]]);
    assert_eq!(
        std::fs::read_to_string(&files[1]).unwrap(),
        other,
        "the unnamed cluster was taken"
    );
}

#[test]
fn remove_leaves_another_files_context_whose_entries_are_defined_elsewhere() {
    let (env, api) = account(&[prod()]);
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("teama.yaml");
    save(&env, &api, &ours, &["prod"]);
    let theirs_text = "apiVersion: v1\nkind: Config\ncontexts:\n- name: do-nyc1-prod\n  context:\n    cluster: c-cluster-in-another-file\n    user: c-user-in-another-file\n    namespace: team-c\n";
    let theirs = write(dir.path(), "teamc.yaml", theirs_text, &api);
    run_ok(
        doks(&env, &api, None, &["kubeconfig", "remove", "prod"]).env(
            "KUBECONFIG",
            std::env::join_paths([&ours, &theirs]).unwrap(),
        ),
    );
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        theirs_text,
        "team C's context was taken"
    );
    let team_a = read_yaml(&ours);
    assert!(
        team_a["contexts"].as_array().is_none_or(|c| c.is_empty()),
        "{team_a}"
    );
}

/// A third review: a user of our names holding a credential of its own (a service account's
/// token) is someone's deliberate choice: neither `save` nor `remove` touches it.
#[test]
fn a_static_token_user_named_like_ours_is_never_repointed_or_deleted() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: do-nyc1-prod\n  cluster: {{server: '{}'}}\nusers:\n- name: do-nyc1-prod-admin\n  user: {{token: service-account-token-of-mine}}\ncontexts:\n- name: do-nyc1-prod\n  context: {{cluster: do-nyc1-prod, user: do-nyc1-prod-admin}}\ncurrent-context: do-nyc1-prod\n",
        server_of(CLUSTER_ID)
    );
    std::fs::write(&path, &text).unwrap();
    let saved = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod"],
    ));
    assert_eq!(saved.code, Some(1), "{}", saved.stderr);
    assert!(
        saved.stderr.contains(
            "the user entry \"do-nyc1-prod-admin\" belongs to another cluster (a credential of its own: a token DigitalOcean did not issue)"
        ),
        "{}",
        saved.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "remove", "prod"],
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// Only DigitalOcean's own endpoint for the id names the cluster: `<id>.evil.example` is
/// another server, so removing the deleted cluster leaves its entry.
#[test]
fn a_server_whose_host_only_starts_with_the_id_is_not_ours() {
    let (env, api) = account(&[prod()]);
    let dir = tempfile::tempdir().unwrap();
    let cluster = format!(
        "clusters:\n- name: do-nyc1-old\n  cluster: {{server: 'https://{GONE}.evil.example'}}\n"
    );
    let text = team_a_old("cluster: do-nyc1-old") + &cluster;
    let path = write(dir.path(), "teama.yaml", &text, &api);
    let out = run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "remove", GONE],
    ));
    assert!(
        out.stderr
            .contains("removed context do-nyc1-old and user do-nyc1-old-admin from"),
        "{}",
        out.stderr
    );
    let left = std::fs::read_to_string(&path).unwrap();
    assert!(left.ends_with(&cluster), "{left}");
}

/// A kept entry is said with quoted names and, with several files, the file of each: the context
/// that still uses it may be another team's, in another file.
#[test]
fn a_kept_entry_names_the_file_of_the_context_that_uses_it() {
    let (env, api) = account(&[prod()]);
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("teama.yaml");
    save(&env, &api, &ours, &["prod"]);
    let theirs_text = "apiVersion: v1\nkind: Config\nusers:\n- name: b\n  user: {token: b-token}\ncontexts:\n- name: b-prod\n  context: {cluster: do-nyc1-prod, user: b}\n";
    let theirs = write(dir.path(), "teamb.yaml", theirs_text, &api);
    let out = run_ok(
        doks(&env, &api, None, &["kubeconfig", "remove", "prod"]).env(
            "KUBECONFIG",
            std::env::join_paths([&ours, &theirs]).unwrap(),
        ),
    );
    let line = format!(
        "doks-auth: kept cluster \"do-nyc1-prod\" in {}: context \"b-prod\" in {} still uses it\n",
        ours.display(),
        theirs.display()
    );
    assert!(out.stderr.contains(&line), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), theirs_text);
}

/// A context under our name that names no cluster or no user (kubectl reads the missing name
/// as "", someone's unnamed entry, or none) is not provably ours: `save` refuses it with advice
/// that, followed, saves; `remove` leaves it.
#[test]
fn a_context_under_our_name_that_names_no_cluster_or_user_is_never_filled_in() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(&[prod()]);
    for context in [
        "  context:\n    namespace: dev\n",
        "  context:\n    cluster: do-nyc1-prod\n",
        "  context:\n    user: do-nyc1-prod-admin\n",
    ] {
        let path = env.home().join("config");
        let text =
            format!("apiVersion: v1\nkind: Config\ncontexts:\n- name: do-nyc1-prod\n{context}");
        std::fs::write(&path, &text).unwrap();
        let kubectl_view = |path: &Path| {
            run_ok(
                env.command("kubectl")
                    .args(["config", "view", "--raw", "-o", "json"])
                    .env("KUBECONFIG", path),
            )
            .json()
        };
        let before = kubectl_view(&path);
        let out = run(&mut doks(
            &env,
            &api,
            Some(&path),
            &["kubeconfig", "save", "prod"],
        ));
        assert_eq!(out.code, Some(1), "{context}: {}", out.stderr);
        assert!(
            out.stderr.contains("the context entry \"do-nyc1-prod\" belongs to another cluster (a context that names no "),
            "{context}: {}",
            out.stderr
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{context}");
        run_ok(&mut doks(
            &env,
            &api,
            Some(&path),
            &["kubeconfig", "remove", "prod"],
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{context}");
        // The way out it gave works, and leaves that context as it was.
        assert!(out.stderr.contains("pass --alias NAME"), "{}", out.stderr);
        save(&env, &api, &path, &["prod", "--alias", "prod"]);
        let after = kubectl_view(&path);
        assert_eq!(
            after["contexts"][0], before["contexts"][0],
            "{context}: {after}"
        );
        assert_eq!(after["current-context"], "prod");
    }
}
