//! `doks-auth logout`: each SSO login ended for real, its refresh token revoked at the provider
//! (RFC 7009) and its entry removed; what could not be revoked said, with why; DigitalOcean
//! credentials removed, with a word on why they cannot be revoked. `cache clear` revokes nothing.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

fn logged_in(op: &Op) -> String {
    run_ok(&mut op.get_credential("login"));
    op.entry()["sso"]["refresh_token"]
        .as_str()
        .expect("a refresh token is cached")
        .to_string()
}

#[test]
fn logout_revokes_the_refresh_token_at_the_provider_and_removes_the_entry() {
    let op = Op::start(json!({}));
    let refresh_token = logged_in(&op);
    let out = run_ok(op.doks_auth().arg("logout"));
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!(
            "doks-auth: alice@example.com at {}: signed out, refresh token revoked\n",
            op.issuer
        )
    );
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
    // The provider itself now refuses the old refresh token.
    let (status, answer) = op.refresh_at_provider(&refresh_token);
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], "invalid_grant", "{answer}");
}

#[test]
fn cache_clear_removes_the_entry_but_revokes_nothing() {
    let op = Op::start(json!({}));
    let refresh_token = logged_in(&op);
    run_ok(op.doks_auth().args(["cache", "clear"]));
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
    let (status, answer) = op.refresh_at_provider(&refresh_token);
    assert_eq!(status, 200, "{answer}");
    assert!(answer["id_token"].is_string(), "{answer}");
}

#[test]
fn a_provider_without_a_revocation_endpoint_still_gets_the_entry_removed_and_is_named() {
    // The hostile provider's discovery lists no revocation_endpoint (as some Dex set-ups).
    let op = Op::start_script("hostile.mjs", json!({"refresh": ["ok"]}));
    logged_in(&op);
    let out = run_ok(op.doks_auth().arg("logout"));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "doks-auth: mallory@example.com at {}: signed out, but the refresh token could not be revoked (the provider lists no revocation_endpoint",
            op.issuer
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("stays valid"), "{}", out.stderr);
    assert!(!out.stderr.contains("hostile-refresh"), "{}", out.stderr);
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
}

#[test]
fn an_unreachable_provider_still_gets_the_entry_removed_and_the_line_says_why() {
    let mut op = Op::start(json!({}));
    let refresh_token = logged_in(&op);
    op.stop();
    let started = Instant::now();
    let out = run_ok(op.doks_auth().arg("logout"));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        out.stderr.starts_with(&format!(
            "doks-auth: alice@example.com at {}: signed out, but the refresh token could not be revoked (cannot reach {}",
            op.issuer, op.issuer
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&refresh_token));
    assert!(cache_entries(&op.env.cache_dir()).is_empty());
}

#[test]
fn logout_of_one_cluster_leaves_the_others_and_says_digitalocean_cannot_revoke() {
    let op = Op::start(json!({}));
    logged_in(&op);
    let api = DoApi::start();
    api.serve_token(OTHER_CLUSTER_ID, K8S_TOKEN, chrono::Duration::hours(3));
    run_ok(&mut op.env.get_credential(&api.url(), OTHER_CLUSTER_ID));
    assert_eq!(cache_entries(&op.env.cache_dir()).len(), 2);

    let out = run_ok(
        op.doks_auth()
            .args(["logout", "--cluster-id", OTHER_CLUSTER_ID]),
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "doks-auth: cluster {OTHER_CLUSTER_ID}: removed the DigitalOcean credential; DigitalOcean has no revocation for cluster credentials, so it stays valid until "
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(K8S_TOKEN));
    // The SSO login of the other cluster is untouched.
    assert_eq!(op.entry()["sso"]["email"], "alice@example.com");

    let out = run_ok(op.doks_auth().arg("logout"));
    assert!(
        out.stderr.ends_with("signed out, refresh token revoked\n"),
        "{}",
        out.stderr
    );
    let out = run_ok(op.doks_auth().arg("logout"));
    assert!(
        out.stderr
            .starts_with("doks-auth: no cached logins or credentials in "),
        "{}",
        out.stderr
    );
}
