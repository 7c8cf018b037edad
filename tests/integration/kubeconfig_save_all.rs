//! `kubeconfig save --all [--prune] [--dry-run]`: every cluster of the account in one write,
//! current context kept, names another cluster owns skipped, vanished clusters of this account
//! (and only those) pruned; read back through kubectl.

use chrono::Duration;
use serde_json::Value;

use crate::kubeconfig::{ca_base64, doctl_contexts, server_of};
use crate::support::*;

const GONE_ID: &str = "0e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b";

fn cluster(i: usize) -> Value {
    let id = format!("00000000-0000-4000-8000-{i:012}");
    cluster_json(&id, &format!("c{i}"), "nyc1", &server_of(&id))
}

/// An account of `n` clusters, listed over pages of two, each with a token credential.
fn account(n: usize) -> (TestEnv, DoApi) {
    let env = TestEnv::new();
    let api = DoApi::start();
    let clusters: Vec<Value> = (0..n).map(cluster).collect();
    let pages: Vec<Vec<Value>> = clusters.chunks(2).map(<[Value]>::to_vec).collect();
    api.serve_cluster_pages(&pages);
    for c in &clusters {
        let id = c["id"].as_str().unwrap();
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

fn save_all(env: &TestEnv, api: &DoApi, extra: &[&str]) -> Outcome {
    run(env
        .doks_auth()
        .args(["kubeconfig", "save", "--all", "--api-url", &api.url()])
        .args(extra)
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
        .env("KUBECONFIG", env.home().join("kubeconfig")))
}

fn view(env: &TestEnv) -> Value {
    let out = run_ok(
        env.command("kubectl")
            .args(["config", "view", "--raw", "-o", "json"])
            .env("KUBECONFIG", env.home().join("kubeconfig")),
    );
    serde_json::from_str(&out.stdout).unwrap()
}

/// The names in a list, sorted (kubectl's view sorts them by name too).
fn names(view: &Value, list: &str) -> Vec<String> {
    let mut names: Vec<String> = view[list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

const MINE: &str = "apiVersion: v1
kind: Config
clusters:
- name: kind
  cluster: {server: 'https://127.0.0.1:6443'}
users:
- name: kind
  user: {token: kind-token}
contexts:
- name: kind
  context: {cluster: kind, user: kind}
current-context: kind
";

#[test]
fn every_cluster_of_every_page_is_saved_in_one_write_and_the_current_context_stays() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(5);
    std::fs::write(env.home().join("kubeconfig"), MINE).unwrap();
    let out = save_all(&env, &api, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let view = view(&env);
    assert_eq!(
        names(&view, "contexts"),
        [
            "do-nyc1-c0",
            "do-nyc1-c1",
            "do-nyc1-c2",
            "do-nyc1-c3",
            "do-nyc1-c4",
            "kind"
        ]
    );
    assert_eq!(view["current-context"], "kind");
    assert_eq!(
        out.stderr.matches("added context").count(),
        5,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("5 clusters: 5 added"), "{}", out.stderr);
    // No credential is cached: the first kubectl command fetches.
    assert!(cache_entries(&env.cache_dir()).is_empty());

    // Nothing changed: said so, and the same bytes.
    let before = std::fs::read(env.home().join("kubeconfig")).unwrap();
    let again = save_all(&env, &api, &[]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(again.stderr.contains("nothing changed"), "{}", again.stderr);
    assert_eq!(again.stderr.lines().count(), 1, "{}", again.stderr);
    assert_eq!(
        std::fs::read(env.home().join("kubeconfig")).unwrap(),
        before
    );
}

#[test]
fn a_name_another_cluster_owns_is_skipped_and_left_as_it_was() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(2);
    // Another team's c1 in nyc1, saved earlier under the same names.
    let theirs = MINE.replace("kind", "do-nyc1-c1").replace(
        "user: {token: do-nyc1-c1-token}",
        "user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: doks-auth, args: [get-credential, --cluster-id, 7c0ad6a5-31b5-4c29-9a2e-0d2bfbd0c1a7]}}",
    ).replace("name: do-nyc1-c1\n  user:", "name: do-nyc1-c1-admin\n  user:")
        .replace("user: do-nyc1-c1}", "user: do-nyc1-c1-admin}");
    std::fs::write(env.home().join("kubeconfig"), &theirs).unwrap();
    let before = view(&env);
    // The token of a doctl context: the way out must name it, and the API and stanza options.
    doctl_contexts(&env, &["team-a"]);
    let cache = env.home().join("my cache");
    let extra = [
        "--context",
        "team-a",
        "--expiry-seconds",
        "600",
        "--auth",
        "token",
        "--cache-dir",
    ];
    let out = save_all(
        &env,
        &api,
        &[&extra[..], &[cache.to_str().unwrap()]].concat(),
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains("c1 in nyc1: skipped")
            && out.stderr.contains("belongs to another cluster"),
        "{}",
        out.stderr
    );
    let way_out = format!(
        "; to save it beside it, run `doks-auth kubeconfig save {} --alias NAME --context team-a --api-url {} --cache-dir '{}' --expiry-seconds 600 --auth token`\n",
        cluster(1)["id"].as_str().unwrap(),
        api.url(),
        cache.display()
    );
    assert!(out.stderr.contains(&way_out), "{}", out.stderr);
    let after = view(&env);
    // Followed, the way out saves it, with the stanza this run wrote for the others.
    let words = shell_words::split(way_out.split('`').nth(1).unwrap()).unwrap();
    let words: Vec<String> = words[1..]
        .iter()
        .map(|w| w.replace("NAME", "c1-ours"))
        .collect();
    run_ok(
        env.doks_auth()
            .args(&words)
            .env("KUBECONFIG", env.home().join("kubeconfig")),
    );
    let users = view(&env)["users"].clone();
    let args_of = |name: &str| {
        let user = users.as_array().unwrap().iter().find(|u| u["name"] == name);
        let args = user.unwrap()["user"]["exec"]["args"].as_array().unwrap();
        args.iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (c0, ours) = (args_of("do-nyc1-c0-admin"), args_of("c1-ours-admin"));
    assert_eq!(ours[2], cluster(1)["id"].as_str().unwrap());
    assert_eq!((&c0[..2], &c0[3..]), (&ours[..2], &ours[3..]));
    let find = |v: &Value, list: &str, name: &str| {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .cloned()
    };
    for (list, name) in [
        ("clusters", "do-nyc1-c1"),
        ("users", "do-nyc1-c1-admin"),
        ("contexts", "do-nyc1-c1"),
    ] {
        assert_eq!(
            find(&after, list, name),
            find(&before, list, name),
            "{list} {name}"
        );
    }
    assert!(find(&after, "contexts", "do-nyc1-c0").is_some());
}

#[test]
fn prune_removes_only_this_accounts_vanished_clusters_and_dry_run_writes_nothing() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(1);
    doctl_contexts(&env, &["team-a", "team-b"]);
    // Without --context, --prune cannot tell this account's entries from another token's.
    let refused = save_all(&env, &api, &["--prune"]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--prune needs --context"),
        "{}",
        refused.stderr
    );
    // This account's cluster, saved and cached while it existed; then it was deleted.
    api.serve_cluster(&cluster_json(GONE_ID, "old", "nyc1", &server_of(GONE_ID)));
    api.serve_cluster_credentials(
        GONE_ID,
        &server_of(GONE_ID),
        &ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let saved = run(env
        .doks_auth()
        .args(["kubeconfig", "save", GONE_ID, "--context", "team-a"])
        .args(["--api-url", &api.url()])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
        .env("KUBECONFIG", env.home().join("kubeconfig")));
    assert_eq!(saved.code, Some(0), "{}", saved.stderr);
    assert_eq!(cache_entries(&env.cache_dir()).len(), 1);
    // Another doctl context's entry for a cluster this account does not see either.
    let mut text = std::fs::read_to_string(env.home().join("kubeconfig")).unwrap();
    text = text.replace("users:\n", &format!(
        "users:\n- name: team-b-user\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: doks-auth\n      args: [get-credential, --cluster-id, {GONE_ID}, --context, team-b]\n"
    ));
    text = text.replace(
        "contexts:\n",
        "contexts:\n- name: team-b\n  context:\n    cluster: elsewhere\n    user: team-b-user\n",
    );
    std::fs::write(env.home().join("kubeconfig"), &text).unwrap();

    let before = std::fs::read(env.home().join("kubeconfig")).unwrap();
    let dry = save_all(&env, &api, &["--prune", "--dry-run", "--context", "team-a"]);
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    assert!(
        dry.stderr.contains("would remove context do-nyc1-old"),
        "{}",
        dry.stderr
    );
    assert!(
        dry.stderr.contains("would add context do-nyc1-c0"),
        "{}",
        dry.stderr
    );
    assert_eq!(
        std::fs::read(env.home().join("kubeconfig")).unwrap(),
        before,
        "dry run"
    );
    assert_eq!(cache_entries(&env.cache_dir()).len(), 1);

    let out = save_all(&env, &api, &["--prune", "--context", "team-a"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("removed context").count(),
        1,
        "{}",
        out.stderr
    );
    let view = view(&env);
    assert_eq!(names(&view, "contexts"), ["do-nyc1-c0", "team-b"]);
    assert_eq!(names(&view, "users"), ["do-nyc1-c0-admin", "team-b-user"]);
    assert!(!names(&view, "clusters").contains(&"do-nyc1-old".to_string()));
    assert!(
        cache_entries(&env.cache_dir()).is_empty(),
        "the cached credential went too"
    );
}
