//! `logout` where a login is hard to end: an entry others could read, an entry whose lock
//! another process holds, and providers that never answer. It never exits 0 with a login left
//! behind, never removes what it did not revoke without saying so, and `--timeout` bounds the
//! whole command.

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

fn logged_in(op: &Op) -> String {
    run_ok(&mut op.get_credential("login"));
    op.entry()["sso"]["refresh_token"]
        .as_str()
        .expect("a refresh token is cached")
        .to_string()
}

#[test]
fn an_entry_others_could_read_is_ended_all_the_same_and_said_to_be_exposed() {
    let op = Op::start(json!({}));
    let refresh_token = logged_in(&op);
    let entry = op.env.only_cache_entry();
    set_mode(&entry, 0o644);

    let out = run_ok(op.doks_auth().arg("logout"));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "doks-auth: alice@example.com at {}: signed out, refresh token revoked; its cache file was not trusted: owner ",
            op.issuer
        )) && out.stderr.contains("mode 644")
            && out.stderr.ends_with("so others may have read it\n"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&refresh_token));
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
    let (status, answer) = op.refresh_at_provider(&refresh_token);
    assert_eq!(status, 400, "still valid at the provider: {answer}");
}

#[test]
fn an_entry_whose_lock_is_held_is_left_as_it_was_and_logout_says_so() {
    let op = Op::start(json!({}));
    let refresh_token = logged_in(&op);
    let entry = op.env.only_cache_entry();
    let before = std::fs::read(&entry).unwrap();
    // What a kubectl waiting on a login holds.
    let lock = std::fs::File::create(entry.with_extension("lock")).unwrap();
    lock.lock().unwrap();

    let started = Instant::now();
    let out = run(op.doks_auth().args(["logout", "--timeout", "2"]));
    let took = started.elapsed();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(
        lines[0].starts_with(&format!(
            "doks-auth: alice@example.com at {}: left as it was: another doks-auth process held its lock",
            op.issuer
        )) && lines[0].ends_with("run logout again once it has ended"),
        "{}",
        lines[0]
    );
    assert!(!out.stderr.contains("no answer"), "{}", out.stderr);
    assert!(
        lines[1].starts_with("doks-auth: error: 1 of the cached logins and credentials in "),
        "{}",
        lines[1]
    );
    assert_eq!(std::fs::read(&entry).unwrap(), before, "the entry changed");
    let (status, answer) = op.refresh_at_provider(&refresh_token);
    assert_eq!(
        status, 200,
        "revoked although logout said it left it: {answer}"
    );

    // Once the lock is free, logout ends it.
    drop(lock);
    let out = run_ok(op.doks_auth().arg("logout"));
    assert!(
        out.stderr.ends_with("signed out, refresh token revoked\n"),
        "{}",
        out.stderr
    );
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
}

/// An OpenID provider on TLS whose revocation endpoint never answers.
struct Hanging {
    _api: DoApi,
    front: TlsFront,
    ca: std::path::PathBuf,
}

impl Hanging {
    fn start(env: &TestEnv) -> Hanging {
        let pki = Pki::new();
        let api = DoApi::start();
        let front = TlsFront::start(&pki, api.address());
        let url = &front.url;
        api.mount(
            Mock::given(method("GET"))
                .and(path("/.well-known/openid-configuration"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "issuer": url,
                    "authorization_endpoint": format!("{url}/auth"),
                    "token_endpoint": format!("{url}/token"),
                    "jwks_uri": format!("{url}/jwks"),
                    "revocation_endpoint": format!("{url}/revoke"),
                }))),
        );
        api.mount(
            Mock::given(method("POST"))
                .and(path("/revoke"))
                .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60))),
        );
        let ca = pki.write_ca(env.home());
        Hanging {
            _api: api,
            front,
            ca,
        }
    }

    /// A cache entry for `cluster` whose login is at this provider.
    fn entry(&self, env: &TestEnv, cluster: &str) {
        let dir = env.cache_dir();
        std::fs::create_dir_all(&dir).unwrap();
        set_mode(&dir, 0o700);
        let account = "00000000000000a1";
        let now = Utc::now();
        let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let entry = json!({
            "format": 1, "cluster_id": cluster, "account": account,
            "token": "id-token", "expires_at": at(now + chrono::Duration::hours(1)),
            "fetched_at": at(now),
            "sso": {"issuer": self.front.url, "client_id": "doks", "email": format!("{cluster}@example.com"),
                    "refresh_token": "refresh-secret"},
        });
        let file = dir.join(format!("{cluster}-{account}.json"));
        std::fs::write(&file, entry.to_string()).unwrap();
        set_mode(&file, 0o600);
    }
}

#[test]
fn timeout_bounds_the_whole_logout_not_each_entry() {
    let env = TestEnv::new();
    let hanging = Hanging::start(&env);
    hanging.entry(&env, CLUSTER_ID);
    hanging.entry(&env, OTHER_CLUSTER_ID);

    let started = Instant::now();
    let out = run_ok(
        env.doks_auth()
            .args(["logout", "--timeout", "3"])
            .env("SSL_CERT_FILE", &hanging.ca),
    );
    let took = started.elapsed();
    // Two hanging providers, one after the other, took 6 s.
    assert!(took < Duration::from_millis(4500), "took {took:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    for line in lines {
        assert!(
            line.contains("could not be revoked (no answer within 3 s (--timeout))"),
            "{line}"
        );
        assert!(!line.contains("refresh-secret"), "{line}");
    }
    assert!(cache_entries(&env.cache_dir()).is_empty());
}

#[test]
fn a_lock_released_while_logout_waits_is_taken_and_the_login_ended() {
    let op = Op::start(json!({}));
    let refresh_token = logged_in(&op);
    let entry = op.env.only_cache_entry();
    let lock = std::fs::File::create(entry.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    // A refresh that ends half a second in: within the half of --timeout logout waits.
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        drop(lock);
    });
    let out = run_ok(op.doks_auth().args(["logout", "--timeout", "6"]));
    release.join().unwrap();
    assert!(
        out.stderr.ends_with("signed out, refresh token revoked\n"),
        "{}",
        out.stderr
    );
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
    assert_eq!(op.refresh_at_provider(&refresh_token).0, 400);
}

#[test]
fn what_logout_cannot_remove_is_said_and_fails_the_command() {
    let op = Op::start(json!({}));
    logged_in(&op);
    // Something at the name of the entry's record of unfinished logins that no unlink removes.
    let entry = op.env.only_cache_entry();
    std::fs::create_dir(entry.with_extension("login")).unwrap();
    let out = run(op.doks_auth().arg("logout"));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(
        lines[0].contains("signed out, refresh token revoked, but cache ")
            && lines[0].ends_with(": remove it by hand"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("doks-auth: error: 1 of the cached logins and credentials in "),
        "{}",
        lines[1]
    );
}
