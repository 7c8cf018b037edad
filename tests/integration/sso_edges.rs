//! Single sign-on at its edges: a provider that rotates its signing key, the ways a browser is
//! named (a quoted command, a `$BROWSER` list), any free callback port, and a provider that is
//! down while the cached ID token still works.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::json;

use crate::support::*;

#[test]
fn an_unknown_key_id_makes_doks_auth_fetch_the_keys_once_more() {
    let op = Op::start_script("hostile.mjs", json!({"defect": "rotated"}));
    let out = run_ok(&mut op.get_credential("login"));
    assert_eq!(claims(&id_token(&out))["sub"], "mallory");
    assert_eq!(op.token_requests("jwks"), 2);
}

#[test]
fn a_key_id_that_stays_unknown_is_refused_after_one_more_fetch() {
    let op = Op::start_script("hostile.mjs", json!({"defect": "unknown-kid"}));
    let out = run(&mut op.get_credential("login"));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("signed with a key the provider does not publish"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
    assert_eq!(op.token_requests("jwks"), 2, "no loop of key fetches");
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
}

#[test]
fn a_browser_command_is_split_as_a_shell_would_quotes_and_all() {
    let op = Op::start(json!({}));
    let dir = op.env.home().join("my browsers");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(sso_dir().join("browser.mjs"), dir.join("browser.mjs")).unwrap();
    let browser = format!("node '{}'", dir.join("browser.mjs").display());
    run_ok(&mut op.get_credential_with("login", Some(&browser)));
    assert_eq!(op.browsers(), 1);
}

#[test]
fn browser_env_is_a_list_tried_in_order_with_percent_s_for_the_url() {
    let op = Op::start(json!({}));
    let browser = format!(
        "/nonexistent/browser:node {} %s",
        sso_dir().join("browser.mjs").display()
    );
    let out = run_ok(
        op.get_credential_with("login", None)
            .env("BROWSER", browser),
    );
    assert_eq!(op.browsers(), 1);
    assert_eq!(claims(&id_token(&out))["aud"], CLIENT_ID);
}

#[test]
fn port_zero_takes_any_free_port_where_the_provider_allows_it() {
    // oidc-provider accepts any loopback port for a native client (RFC 8252), so the redirect
    // URI registered with the test's port also matches the one the system chose.
    let mut op = Op::start(json!({}));
    op.port = 0;
    run_ok(&mut op.get_credential("login"));
    assert_eq!(op.browsers(), 1);
    assert_eq!(op.token_requests("authorization_code 200"), 1);
}

#[test]
fn a_provider_that_is_down_leaves_the_still_valid_id_token_served_with_one_warning() {
    let mut op = Op::start(json!({}));
    let first = run_ok(&mut op.get_credential("login"));
    // Due for refresh (inside the margin) but not expired.
    let path = op.env.only_cache_entry();
    let mut entry = op.entry();
    let now = Utc::now();
    entry["fetched_at"] = (now - Duration::hours(2))
        .to_rfc3339_opts(SecondsFormat::Secs, true)
        .into();
    entry["expires_at"] = (now + Duration::minutes(2))
        .to_rfc3339_opts(SecondsFormat::Secs, true)
        .into();
    std::fs::write(&path, entry.to_string()).unwrap();
    let entry = entry_credential(&path);
    op.stop();
    let out = run(&mut op.get_credential("login"));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(id_token(&out), id_token(&first));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: warning:") && out.stderr.contains("cached"),
        "{}",
        out.stderr
    );
    let expiration = out.json()["status"]["expirationTimestamp"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<Utc>>()
        .unwrap();
    assert!(
        expiration <= Utc::now() + Duration::seconds(61),
        "kubectl comes back soon"
    );
    assert_eq!(op.browsers(), 1, "no login while the provider is down");
    assert_eq!(entry_credential(&path), entry);
}

#[test]
fn idle_connections_to_the_callback_port_do_not_stall_the_login() {
    let op = Op::start(json!({}));
    // Served one at a time, the five idle connections held the server 10 s each: 50 s, past
    // this timeout. Served side by side, the login takes the usual second or two.
    let out = run(op.get_credential("idle").args(["--login-timeout", "25"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains("browser: opened 5 idle connections"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("browser: callback answered 200"),
        "{}",
        out.stderr
    );
    assert_eq!(claims(&id_token(&out))["aud"], CLIENT_ID);
}

#[test]
fn fractional_times_and_an_email_that_is_not_a_string_still_log_in() {
    // RFC 7519 NumericDates may be fractional; the API server takes such a token.
    let now = Utc::now().timestamp() as f64;
    let op = Op::start_script(
        "hostile.mjs",
        json!({"claims": {"iat": now - 0.5, "nbf": now + 0.25, "exp": now + 3600.5,
                          "email": {"primary": "mallory@example.com"}}}),
    );
    let out = run_ok(&mut op.get_credential("login"));
    assert_eq!(claims(&id_token(&out))["exp"], now + 3600.5);
    let entry = op.entry();
    let expires_at = entry["expires_at"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<Utc>>()
        .unwrap();
    // Whole seconds, rounded down, as the API server reads them.
    let lifetime = expires_at.timestamp() as f64 - now;
    assert!((3590.0..=3600.0).contains(&lifetime), "{lifetime}");
    // Only shown by `doks-auth cache`: absent rather than a failed login.
    assert!(entry["sso"]["email"].is_null(), "{entry}");
}
