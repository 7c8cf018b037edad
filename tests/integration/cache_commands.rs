//! `doks-auth cache list|clear`: what they show (never a secret), what they remove, and where
//! they look.

use std::path::{Path, PathBuf};

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::*;

/// A second account's DigitalOcean token, and the second cluster's Kubernetes token.
const OTHER_DO_TOKEN: &str =
    "dop_v1_fedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432";
const OTHER_K8S_TOKEN: &str = "k8s-token-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b";

/// The account fingerprint doks-auth shows and keys entries by: 8 bytes of
/// SHA-256(api_url NUL token), in hex.
fn fingerprint(api_url: &str, token: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(api_url.as_bytes());
    hash.update([0]);
    hash.update(token.as_bytes());
    hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Two clusters with different Kubernetes tokens, both cached for DO_TOKEN's account.
fn cached_pair(env: &TestEnv, extra: &[&str], vars: &[(&str, &Path)]) -> DoApi {
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    api.serve_token(OTHER_CLUSTER_ID, OTHER_K8S_TOKEN, Duration::hours(3));
    for cluster in [CLUSTER_ID, OTHER_CLUSTER_ID] {
        let mut cmd = env.get_credential(&api.url(), cluster);
        cmd.args(extra);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        run_ok(&mut cmd);
    }
    api
}

fn cache(env: &TestEnv, args: &[&str]) -> Outcome {
    run_ok(env.doks_auth().arg("cache").args(args))
}

/// Table rows (header skipped) keyed by their first cell.
fn rows(table: &str) -> Vec<Vec<String>> {
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(
        header,
        [
            "CLUSTER", "ID", "CONTEXT", "ACCOUNT", "EXPIRES", "AT", "TIME", "LEFT", "RENEWS", "IN",
            "SERVED", "SSO", "LOGIN"
        ],
        "{table}"
    );
    lines
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn list_shows_cluster_account_and_served_but_no_secret() {
    let env = TestEnv::new();
    let api = cached_pair(&env, &[], &[]);
    // Make the second cluster's credential due for refresh: 2 minutes left of a 3-hour life.
    let other = env.cache_dir().join(
        cache_entry_names(&env.cache_dir())
            .into_iter()
            .find(|n| n.starts_with(OTHER_CLUSTER_ID))
            .unwrap(),
    );
    let mut entry: Value = serde_json::from_slice(&std::fs::read(&other).unwrap()).unwrap();
    let now = Utc::now();
    let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Nanos, true);
    entry["fetched_at"] = at(now - Duration::hours(3)).into();
    entry["expires_at"] = at(now + Duration::minutes(2)).into();
    std::fs::write(&other, serde_json::to_vec(&entry).unwrap()).unwrap();

    let out = cache(&env, &["list"]);
    let account = fingerprint(&api.url(), DO_TOKEN);
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 2, "{}", out.stdout);
    for (row, id, served) in [
        (&rows[0], OTHER_CLUSTER_ID, "no"),
        (&rows[1], CLUSTER_ID, "yes"),
    ] {
        assert_eq!(row[0], id, "{}", out.stdout);
        assert_eq!(row[1], "-", "{}", out.stdout);
        assert_eq!(row[2], account, "{}", out.stdout);
        assert_eq!(row[row.len() - 2], served, "{}", out.stdout);
        assert_eq!(row[row.len() - 1], "-", "{}", out.stdout);
    }
    for secret in [K8S_TOKEN, OTHER_K8S_TOKEN, DO_TOKEN] {
        assert!(!out.stdout.contains(secret), "{}", out.stdout);
        assert!(!out.stderr.contains(secret), "{}", out.stderr);
    }
}

#[test]
fn clear_with_a_cluster_id_removes_only_its_entries_and_counts_them() {
    let env = TestEnv::new();
    let api = cached_pair(&env, &[], &[]);
    // The same cluster cached for a second account too.
    run_ok(
        env.get_credential(&api.url(), CLUSTER_ID)
            .env("DIGITALOCEAN_ACCESS_TOKEN", OTHER_DO_TOKEN),
    );
    assert_eq!(cache_entry_names(&env.cache_dir()).len(), 3);

    let out = cache(&env, &["clear", "--cluster-id", CLUSTER_ID]);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .starts_with("doks-auth: removed 2 cached credentials from "),
        "{}",
        out.stderr
    );
    assert_eq!(
        cache_entry_names(&env.cache_dir()),
        [format!(
            "{OTHER_CLUSTER_ID}-{}.json",
            fingerprint(&api.url(), DO_TOKEN)
        )]
    );
    // Nothing left of that cluster: the next call asks DigitalOcean again, the other does not.
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    run_ok(&mut env.get_credential(&api.url(), OTHER_CLUSTER_ID));
    assert_eq!(api.credential_requests(CLUSTER_ID), 3);
    assert_eq!(api.credential_requests(OTHER_CLUSTER_ID), 1);
}

#[test]
fn clear_without_a_cluster_id_removes_every_entry() {
    let env = TestEnv::new();
    cached_pair(&env, &[], &[]);
    let out = cache(&env, &["clear"]);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!(
            "doks-auth: removed 2 cached credentials from {}\n",
            env.cache_dir().display()
        )
    );
    assert!(cache_entry_names(&env.cache_dir()).is_empty());
    let list = cache(&env, &["list"]);
    assert_eq!(list.stdout, "");
    assert!(
        list.stderr
            .starts_with("doks-auth: no cached credentials in "),
        "{}",
        list.stderr
    );
}

#[test]
fn list_and_clear_honour_cache_dir() {
    let env = TestEnv::new();
    let dir: PathBuf = env.home().join("elsewhere");
    let dir_arg = dir.to_str().unwrap().to_string();
    cached_pair(&env, &["--cache-dir", &dir_arg], &[]);
    assert_eq!(cache_entry_names(&dir).len(), 2);
    assert!(!env.cache_dir().exists());

    // The default folder is empty; the named one has both.
    assert_eq!(cache(&env, &["list"]).stdout, "");
    let listed = cache(&env, &["list", "--cache-dir", &dir_arg]);
    assert_eq!(rows(&listed.stdout).len(), 2, "{}", listed.stdout);

    let out = cache(
        &env,
        &["clear", "--cluster-id", CLUSTER_ID, "--cache-dir", &dir_arg],
    );
    assert!(
        out.stderr.starts_with(&format!(
            "doks-auth: removed 1 cached credential from {dir_arg}"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(cache_entry_names(&dir).len(), 1);
    let out = cache(&env, &["clear", "--cache-dir", &dir_arg]);
    assert!(
        out.stderr
            .starts_with("doks-auth: removed 1 cached credential from ")
    );
    assert!(cache_entry_names(&dir).is_empty());
}

#[test]
fn list_and_clear_honour_kubecachedir() {
    let env = TestEnv::new();
    let root = env.home().join("kube-cache-root");
    cached_pair(&env, &[], &[("KUBECACHEDIR", &root)]);
    let dir = root.join("doks-auth");
    assert_eq!(cache_entry_names(&dir).len(), 2);
    assert!(!env.cache_dir().exists());

    let with_root = |args: &[&str]| {
        run_ok(
            env.doks_auth()
                .arg("cache")
                .args(args)
                .env("KUBECACHEDIR", &root),
        )
    };
    assert_eq!(cache(&env, &["list"]).stdout, "");
    let listed = with_root(&["list"]);
    assert_eq!(rows(&listed.stdout).len(), 2, "{}", listed.stdout);

    let out = with_root(&["clear", "--cluster-id", OTHER_CLUSTER_ID]);
    assert!(
        out.stderr.starts_with(&format!(
            "doks-auth: removed 1 cached credential from {}",
            dir.display()
        )),
        "{}",
        out.stderr
    );
    let left = cache_entry_names(&dir);
    assert_eq!(left.len(), 1);
    assert!(left[0].starts_with(CLUSTER_ID), "{left:?}");
    // Without KUBECACHEDIR, clear looks in ~/.kube/cache and leaves this folder alone.
    let out = cache(&env, &["clear"]);
    assert!(
        out.stderr
            .starts_with("doks-auth: removed 0 cached credentials from ")
    );
    assert_eq!(cache_entry_names(&dir).len(), 1);
    with_root(&["clear"]);
    assert!(cache_entry_names(&dir).is_empty());
}

#[test]
fn clear_in_a_folder_given_by_mistake_removes_only_doks_auth_files() {
    let env = TestEnv::new();
    let project = env.home().join("my-project");
    std::fs::create_dir(&project).unwrap();
    set_mode(&project, 0o700);
    let dir_arg = project.display().to_string();
    cached_pair(&env, &["--cache-dir", &dir_arg], &[]);
    let keep = [
        ("package.json", "{\"name\": \"app\"}"),
        ("tsconfig.json", "{}"),
        ("yarn.lock", "# yarn lockfile v1"),
        ("Cargo.lock", "version = 3"),
        (".tmp-notes", "mine"),
    ];
    for (name, text) in keep {
        std::fs::write(project.join(name), text).unwrap();
    }
    let out = cache(&env, &["clear", "--cache-dir", &dir_arg]);
    assert!(
        out.stderr
            .starts_with("doks-auth: removed 2 cached credentials from "),
        "{}",
        out.stderr
    );
    for (name, text) in keep {
        assert_eq!(
            std::fs::read_to_string(project.join(name)).unwrap(),
            text,
            "{name}"
        );
    }
    let mut left: Vec<String> = std::fs::read_dir(&project)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".tmp-notes",
            "Cargo.lock",
            "package.json",
            "tsconfig.json",
            "yarn.lock"
        ]
    );
    // list does not call another program's files ours either.
    let list = cache(&env, &["list", "--cache-dir", &dir_arg]);
    assert!(!list.stderr.contains("package.json"), "{}", list.stderr);
}
