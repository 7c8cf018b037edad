//! The credential cache: when it serves, when it refreshes, where it lives, what it trusts, and
//! how it behaves under concurrency and DigitalOcean failures.

use std::path::Path;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::Value;
use wiremock::ResponseTemplate;

use crate::support::*;

/// Rewrites the cached entry's times in place, as if it had been fetched earlier.
fn age_entry(path: &Path, fetched_at: DateTime<Utc>, expires_at: DateTime<Utc>) {
    let mut entry: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    entry["fetched_at"] = fetched_at
        .to_rfc3339_opts(SecondsFormat::Nanos, true)
        .into();
    entry["expires_at"] = expires_at
        .to_rfc3339_opts(SecondsFormat::Nanos, true)
        .into();
    std::fs::write(path, serde_json::to_vec(&entry).unwrap()).unwrap();
}

#[test]
fn entry_is_private_and_holds_no_do_token() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = env.only_cache_entry();
    #[cfg(unix)]
    assert_eq!(mode(&entry), 0o600);
    #[cfg(unix)]
    assert_eq!(mode(&env.cache_dir()), 0o700);
    let name = entry.file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.starts_with(&format!("{CLUSTER_ID}-")), "{name}");
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.contains(K8S_TOKEN));
    assert!(!text.contains(DO_TOKEN));
}

#[test]
fn refreshes_inside_the_margin_and_serves_before_it() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = env.only_cache_entry();
    let now = Utc::now();

    // 10 minutes left, margin 5 minutes: served.
    age_entry(
        &entry,
        now - Duration::hours(2),
        now + Duration::minutes(10),
    );
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);

    // 4 minutes left: inside the margin, refreshed.
    age_entry(&entry, now - Duration::hours(2), now + Duration::minutes(4));
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert_eq!(api.credential_requests(CLUSTER_ID), 2);

    // A larger --refresh-margin refreshes earlier.
    age_entry(
        &entry,
        now - Duration::hours(2),
        now + Duration::minutes(10),
    );
    run_ok(
        env.get_credential(&api.url(), CLUSTER_ID)
            .args(["--refresh-margin", "900"]),
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 3);
}

#[test]
fn short_lived_credentials_use_half_their_lifetime_as_margin() {
    let env = TestEnv::new();
    let api = DoApi::start();
    // 4 minutes of life: a 5-minute margin would never serve it; half of it (2 min) is used.
    api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::minutes(4));
    let first = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let reported: DateTime<Utc> = first.json()["status"]["expirationTimestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let left = (reported - Utc::now()).num_seconds();
    assert!(
        (100..=121).contains(&left),
        "expirationTimestamp {left} s away, expected about 120"
    );
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        1,
        "a short-lived credential should still be reused"
    );
}

#[test]
fn corrupt_truncated_or_foreign_entries_are_refetched_quietly() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = env.only_cache_entry();
    let good = std::fs::read(&entry).unwrap();
    let mut foreign: Value = serde_json::from_slice(&good).unwrap();
    foreign["cluster_id"] = OTHER_CLUSTER_ID.into();
    let junk: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\0\0\xff garbage".to_vec(),
        good[..good.len() / 2].to_vec(),
        b"{\"format\": 99}".to_vec(),
        serde_json::to_vec(&foreign).unwrap(),
    ];
    for (i, bytes) in junk.iter().enumerate() {
        std::fs::write(&entry, bytes).unwrap();
        let out = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
        assert_eq!(out.stderr, "", "case {i}");
        assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
        assert_eq!(
            api.credential_requests(CLUSTER_ID),
            i + 2,
            "case {i} was not refetched"
        );
        let replaced: Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
        assert_eq!(
            replaced["cluster_id"], CLUSTER_ID,
            "case {i} was not replaced"
        );
    }
    // With -v the miss is explained.
    std::fs::write(&entry, b"junk").unwrap();
    let out = run_ok(env.get_credential(&api.url(), CLUSTER_ID).arg("-v"));
    assert!(
        out.stderr.contains("cache miss") && out.stderr.contains("corrupt"),
        "{}",
        out.stderr
    );
}

#[test]
#[cfg(unix)]
fn entries_others_can_read_are_not_trusted() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = env.only_cache_entry();
    set_mode(&entry, 0o644);
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert_eq!(api.credential_requests(CLUSTER_ID), 2);
    #[cfg(unix)]
    assert_eq!(mode(&entry), 0o600, "the replacement is private again");
}

#[test]
fn no_cache_reads_and_writes_nothing() {
    let (env, api) = serving_a_token();
    run_ok(env.get_credential(&api.url(), CLUSTER_ID).arg("--no-cache"));
    run_ok(env.get_credential(&api.url(), CLUSTER_ID).arg("--no-cache"));
    assert_eq!(api.credential_requests(CLUSTER_ID), 2);
    assert!(env.files().is_empty(), "{:?}", env.files());
}

#[test]
fn kubecachedir_and_cache_dir_choose_the_folder() {
    let (env, api) = serving_a_token();
    let kube_cache = env.home().join("kc");
    run_ok(
        env.get_credential(&api.url(), CLUSTER_ID)
            .env("KUBECACHEDIR", &kube_cache),
    );
    assert_eq!(cache_entries(&kube_cache.join("doks-auth")).len(), 1);
    let flag_dir = env.home().join("flag-dir");
    run_ok(
        env.get_credential(&api.url(), CLUSTER_ID)
            .env("KUBECACHEDIR", &kube_cache)
            .arg("--cache-dir")
            .arg(&flag_dir),
    );
    assert_eq!(cache_entries(&flag_dir).len(), 1);
    assert!(!env.cache_dir().exists());
}

#[test]
fn passing_api_failures_hand_back_an_unexpired_credential_with_one_warning() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = env.only_cache_entry();
    let now = Utc::now();
    age_entry(&entry, now - Duration::hours(3), now + Duration::minutes(2));
    let before = entry_credential(&entry);

    api.reset();
    api.serve_credentials(
        CLUSTER_ID,
        ResponseTemplate::new(503)
            .set_body_json(serde_json::json!({"id": "server_error", "message": "down"})),
    );
    let out = run_ok(
        env.get_credential(&api.url(), CLUSTER_ID)
            .args(["--timeout", "5"]),
    );
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: warning:") && out.stderr.contains("503"),
        "{}",
        out.stderr
    );
    let reported: DateTime<Utc> = out.json()["status"]["expirationTimestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        reported <= Utc::now() + Duration::seconds(61),
        "stale credential reported as lasting until {reported}"
    );
    assert_eq!(
        entry_credential(&entry),
        before,
        "the entry must survive a failed refresh"
    );

    // Once it has actually expired, the failure is reported instead.
    age_entry(&entry, now - Duration::hours(3), now - Duration::seconds(1));
    let out = run(env
        .get_credential(&api.url(), CLUSTER_ID)
        .args(["--timeout", "5"]));
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout, "");
}

#[test]
fn revoked_access_deletes_the_entry() {
    for status in [401, 403, 404] {
        let env = TestEnv::new();
        let api = DoApi::start();
        api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
        run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
        let entry = env.only_cache_entry();
        let now = Utc::now();
        age_entry(&entry, now - Duration::hours(3), now + Duration::minutes(2));
        api.reset();
        api.serve_credentials(CLUSTER_ID, ResponseTemplate::new(status));
        let out = run(&mut env.get_credential(&api.url(), CLUSTER_ID));
        assert_eq!(out.code, Some(1), "{status}");
        assert_eq!(out.stdout, "");
        assert!(!entry.exists(), "{status}: revoked credential still cached");
    }
}

#[test]
fn forty_concurrent_cold_starts_make_one_request_and_agree() {
    let env = TestEnv::new();
    let api = DoApi::start();
    // A slow answer keeps the herd waiting on the lock rather than arriving one by one.
    api.serve_token_after(
        CLUSTER_ID,
        K8S_TOKEN,
        Duration::hours(3),
        std::time::Duration::from_millis(300),
    );
    let children: Vec<_> = (0..40)
        .map(|_| {
            env.get_credential(&api.url(), CLUSTER_ID)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, outputs[0].stdout);
    }
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn verbose_explains_each_step_and_leaks_nothing() {
    let (env, api) = serving_a_token();
    let miss = run_ok(env.get_credential(&api.url(), CLUSTER_ID).arg("-v"));
    let hit = run_ok(
        env.get_credential(&api.url(), CLUSTER_ID)
            .env("DOKS_AUTH_LOG", "debug"),
    );
    assert!(
        miss.stderr.contains("cache miss")
            && miss
                .stderr
                .contains("/credentials?expiry_seconds=10800 -> 200"),
        "{}",
        miss.stderr
    );
    assert!(hit.stderr.contains("cache hit"), "{}", hit.stderr);
    for out in [&miss, &hit] {
        assert!(
            out.stderr.contains(env.cache_dir().to_str().unwrap()),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains(DO_TOKEN) && !out.stderr.contains(K8S_TOKEN),
            "secret on stderr: {}",
            out.stderr
        );
    }
}
