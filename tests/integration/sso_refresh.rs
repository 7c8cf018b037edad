//! Renewing an SSO login against a provider that answers oddly but legally: a refresh answer
//! without an ID token, 429 and 5xx (with and without an OAuth body), a token endpoint that hangs.
//! A still-valid cached ID token is served through all of them; a login starts only when needed.

use std::process::Stdio;
use std::time::Instant;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::json;

use crate::support::*;

/// Moves the cached ID token's expiry to `from_now` (and its fetch two hours back), so it is due
/// for renewal (inside the margin) or, with a negative duration, expired.
fn expiring_in(op: &Op, from_now: Duration) {
    let path = op.env.only_cache_entry();
    let mut entry = op.entry();
    let now = Utc::now();
    entry["fetched_at"] = (now - Duration::hours(2))
        .to_rfc3339_opts(SecondsFormat::Secs, true)
        .into();
    entry["expires_at"] = (now + from_now)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
        .into();
    std::fs::write(&path, entry.to_string()).unwrap();
}

fn hostile(refresh: &[&str], retry_after: Option<&str>) -> Op {
    Op::start_script(
        "hostile.mjs",
        json!({"refresh": refresh, "retryAfter": retry_after}),
    )
}

#[test]
fn a_refresh_answer_without_an_id_token_serves_the_cached_one_then_logs_in_once_it_expired() {
    let op = hostile(&["no-id-token"], None);
    let first = run_ok(&mut op.get_credential("login"));
    expiring_in(&op, Duration::minutes(2));
    let out = run(&mut op.get_credential("login"));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(id_token(&out), id_token(&first));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("no new ID token"), "{}", out.stderr);
    assert_eq!((op.browsers(), op.token_requests("refreshes")), (1, 1));

    // Expired: a login, not the same error on every call.
    expiring_in(&op, Duration::minutes(-1));
    let out = run(&mut op.get_credential("login"));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_ne!(id_token(&out), id_token(&first));
    assert_eq!((op.browsers(), op.token_requests("refreshes")), (2, 2));
}

#[test]
fn a_busy_provider_on_refresh_serves_the_cached_id_token_and_opens_no_browser() {
    for answer in ["429-okta", "429-slow-down", "503"] {
        let op = hostile(&[answer], None);
        let first = run_ok(&mut op.get_credential("login"));
        expiring_in(&op, Duration::minutes(2));
        let out = run(&mut op.get_credential("login"));
        assert_eq!(out.code, Some(0), "{answer}: {}", out.stderr);
        assert_eq!(id_token(&out), id_token(&first), "{answer}");
        assert_eq!(out.stderr.lines().count(), 1, "{answer}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("doks-auth: warning:") && out.stderr.contains("busy"),
            "{answer}: {}",
            out.stderr
        );
        assert_eq!(op.browsers(), 1, "{answer}: no login for a busy provider");
    }
}

#[test]
fn retry_after_from_the_provider_is_honoured_within_bounds() {
    for (retry_after, wanted) in [("120", 120), ("86400000", 3600), ("0", 60)] {
        let op = hostile(&["429-okta"], Some(retry_after));
        run_ok(&mut op.get_credential("login"));
        expiring_in(&op, Duration::minutes(2));
        run_ok(&mut op.get_credential("login"));
        let next: DateTime<Utc> =
            serde_json::from_value(op.entry()["refresh_failed"]["next_try"].clone()).unwrap();
        let wait = (next - Utc::now()).num_seconds();
        assert!(
            (wanted - 15..=wanted).contains(&wait),
            "Retry-After {retry_after}: next try in {wait} s"
        );
        // Within that time no request reaches the provider.
        run_ok(&mut op.get_credential("login"));
        assert_eq!(
            op.token_requests("refreshes"),
            1,
            "Retry-After {retry_after}"
        );
    }
}

#[test]
fn a_hanging_token_endpoint_is_bounded_by_timeout() {
    let op = hostile(&["hang"], None);
    let first = run_ok(&mut op.get_credential("login"));
    // A cached ID token that still works: served after --timeout (3 s, under the 5 s bound).
    expiring_in(&op, Duration::minutes(2));
    let started = Instant::now();
    let out = run(op.get_credential("login").args(["--timeout", "3"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(id_token(&out), id_token(&first));
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
    assert!(out.stderr.contains("within 3 s"), "{}", out.stderr);
    // None that works: the error names --timeout, and comes as soon.
    expiring_in(&op, Duration::minutes(-1));
    let started = Instant::now();
    let out = run(op.get_credential("login").args(["--timeout", "3"]));
    assert_ne!(out.code, Some(0));
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
    assert!(
        out.stderr.contains("within 3 s (--timeout)"),
        "{}",
        out.stderr
    );
    assert_eq!(op.browsers(), 1);
}

#[test]
fn a_lock_held_through_a_login_names_the_login_timeout() {
    let op = hostile(&["ok"], None);
    run_ok(&mut op.get_credential("login"));
    expiring_in(&op, Duration::minutes(-1));
    let lock = op.env.only_cache_entry().with_extension("lock");
    // Another process mid-login holds the entry's lock.
    let mut holder = std::process::Command::new("flock")
        .arg(&lock)
        .args(["sleep", "30"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let out = run(op
        .get_credential("login")
        .args(["--login-timeout", "1", "--timeout", "1"]));
    let _ = holder.kill();
    let _ = holder.wait();
    assert_ne!(out.code, Some(0));
    assert!(
        out.stderr.contains("(--login-timeout, plus --timeout)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_refresh_token_rotated_without_an_id_token_is_kept() {
    let op = hostile(&["no-id-token-rotated"], None);
    run_ok(&mut op.get_credential("login"));
    assert_eq!(op.entry()["sso"]["refresh_token"], "hostile-refresh");
    expiring_in(&op, Duration::minutes(2));
    let out = run(&mut op.get_credential("login"));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        op.entry()["sso"]["refresh_token"],
        "hostile-refresh-rotated",
        "replaying the old one would revoke the family at some providers"
    );
}

#[test]
fn a_login_nobody_finishes_serves_the_still_valid_id_token() {
    let op = hostile(&["refused"], None);
    let first = run_ok(&mut op.get_credential("login"));
    expiring_in(&op, Duration::minutes(2));
    // The refresh token is refused; the login that follows opens no browser and times out.
    let out = run(op
        .get_credential_with("login", Some("/bin/true"))
        .args(["--login-timeout", "2"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(id_token(&out), id_token(&first));
    assert!(out.stderr.contains("no login within 2 s"), "{}", out.stderr);
}

#[test]
fn the_keys_fetched_after_a_login_are_bounded_by_timeout() {
    let op = Op::start_script("hostile.mjs", json!({"hangJwks": true}));
    let started = Instant::now();
    let out = run(op.get_credential("login").args(["--timeout", "3"]));
    assert_ne!(out.code, Some(0));
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
    assert!(
        out.stderr.contains("within 3 s (--timeout)"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_id_token_without_lifetime_is_refused() {
    let now = Utc::now().timestamp();
    let op = Op::start_script(
        "hostile.mjs",
        json!({"claims": {"iat": now + 3600, "exp": now + 3600}}),
    );
    let out = run(&mut op.get_credential("login"));
    assert_ne!(out.code, Some(0));
    assert!(out.stderr.contains("no lifetime"), "{}", out.stderr);
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
}
