//! A machine whose clock is hours off (libfaketime moves it for doks-auth only): lifetimes are
//! judged by DigitalOcean's clock (its `Date` header) and counted from the local one, which is
//! the clock kubectl compares `expirationTimestamp` with.

use std::process::Command;

use chrono::{Duration, Utc};

use crate::support::*;

/// `cmd` with its clock moved by `offset` (libfaketime's syntax: "+4h", "-4h").
fn with_clock<'a>(cmd: &'a mut Command, offset: &str) -> &'a mut Command {
    cmd.env("LD_PRELOAD", libfaketime())
        .env("FAKETIME", offset)
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
}

#[test]
fn a_clock_hours_off_gets_a_credential_that_lasts_as_long_as_the_servers_says() {
    if !libfaketime_reaches_doks_auth() {
        return;
    }
    for (offset, skew) in [("+4h", Duration::hours(4)), ("-4h", Duration::hours(-4))] {
        let env = TestEnv::new();
        let api = DoApi::start();
        api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(1));
        let out = run_ok(with_clock(
            env.get_credential(&api.url(), CLUSTER_ID).arg("-v"),
            offset,
        ));
        assert_eq!(out.json()["status"]["token"], K8S_TOKEN, "{offset}");
        // One hour by DigitalOcean's clock, less the 5-minute margin, from the local clock.
        let wanted = Utc::now() + skew + Duration::minutes(55);
        let got = out.expiration();
        assert!(
            (got - wanted).num_seconds().abs() < 30,
            "{offset}: expires {got}, wanted about {wanted}"
        );
        assert!(
            out.stderr.contains("this machine's clock is"),
            "{offset}: -v says nothing of the skew: {}",
            out.stderr
        );
        // Cached, and a hit by the same wrong clock.
        let again = run_ok(with_clock(
            &mut env.get_credential(&api.url(), CLUSTER_ID),
            offset,
        ));
        assert_eq!(again.stderr, "", "{offset}");
        assert_eq!(again.expiration(), got, "{offset}");
        assert_eq!(api.credential_requests(CLUSTER_ID), 1, "{offset}");
    }
}

#[test]
fn a_right_clock_says_nothing_of_skew() {
    let (env, api) = serving_a_token();
    let out = run_ok(env.get_credential(&api.url(), CLUSTER_ID).arg("-v"));
    assert!(!out.stderr.contains("clock is"), "{}", out.stderr);
    let op = Op::start(serde_json::json!({}));
    let out = run_ok(op.get_credential("login").arg("-v"));
    assert!(!out.stderr.contains("clock is"), "{}", out.stderr);
}

#[test]
fn an_sso_login_on_a_clock_hours_off_is_judged_by_the_providers_clock() {
    if !libfaketime_reaches_doks_auth() {
        return;
    }
    for (offset, skew) in [("+4h", Duration::hours(4)), ("-4h", Duration::hours(-4))] {
        let op = Op::start(serde_json::json!({"idTokenTtl": 3600}));
        let out = run_ok(with_clock(op.get_credential("login").arg("-v"), offset));
        assert!(
            out.stderr.contains("this machine's clock is"),
            "{offset}: -v says nothing of the skew: {}",
            out.stderr
        );
        let wanted = Utc::now() + skew + Duration::minutes(55);
        let got = out.expiration();
        assert!(
            (got - wanted).num_seconds().abs() < 30,
            "{offset}: expires {got}, wanted about {wanted}"
        );
        let again = run_ok(with_clock(&mut op.get_credential("login"), offset));
        assert_eq!(
            id_token(&again),
            id_token(&out),
            "{offset}: not a cache hit"
        );
        assert_eq!(op.browsers(), 1, "{offset}");
    }
}

#[test]
fn a_digitalocean_date_from_another_decade_changes_no_lifetime() {
    for date in [
        "Mon, 01 Jan 2001 00:00:00 GMT",
        "Sat, 01 Jan 2050 00:00:00 GMT",
    ] {
        let env = TestEnv::new();
        let api = DoApi::start();
        let body = credentials_json(
            "https://127.0.0.1:6443",
            "",
            Some(K8S_TOKEN),
            None,
            Utc::now() + Duration::hours(3),
        );
        api.serve_credentials(
            CLUSTER_ID,
            wiremock::ResponseTemplate::new(200)
                .set_body_json(body)
                .insert_header("Date", date),
        );
        let out = run_ok(env.get_credential(&api.url(), CLUSTER_ID).arg("-v"));
        assert_eq!(out.json()["status"]["token"], K8S_TOKEN, "{date}");
        // Three hours asked for (the default), less the 5-minute margin.
        let wanted = Utc::now() + Duration::minutes(175);
        assert!(
            (out.expiration() - wanted).num_seconds().abs() < 30,
            "Date {date}: expiration {}",
            out.expiration()
        );
        assert!(
            out.stderr.contains("Date header"),
            "{date}: -v says so: {}",
            out.stderr
        );
        // And the cache agrees: a hit, with the same expiration.
        let hit = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
        assert_eq!(hit.expiration(), out.expiration(), "{date}");
        assert_eq!(api.credential_requests(CLUSTER_ID), 1);
    }
}

#[test]
fn a_provider_date_from_another_decade_is_ignored_for_sso_lifetimes() {
    for date in [
        "Mon, 01 Jan 2001 00:00:00 GMT",
        "Sat, 01 Jan 2050 00:00:00 GMT",
    ] {
        // A good token (issued now, for an hour): it works, for an hour less the margin.
        let op = Op::start_script("hostile.mjs", serde_json::json!({"date": date}));
        let out = run_ok(op.get_credential("login").arg("-v"));
        let wanted = Utc::now() + Duration::minutes(55);
        assert!(
            (out.expiration() - wanted).num_seconds().abs() < 30,
            "Date {date}: expiration {}",
            out.expiration()
        );
        assert!(out.stderr.contains("Date header"), "{date}: {}", out.stderr);
    }
    // A token whose exp passed an hour ago, under a Date from 2001: refused, not served for years.
    let now = Utc::now().timestamp();
    let op = Op::start_script(
        "hostile.mjs",
        serde_json::json!({
            "date": "Mon, 01 Jan 2001 00:00:00 GMT",
            "claims": {"iat": now - 7200, "exp": now - 3600},
        }),
    );
    let out = run(&mut op.get_credential("login"));
    assert_ne!(out.code, Some(0));
    assert!(out.stderr.contains("expired"), "{}", out.stderr);
    assert!(
        cache_entries(&op.env.cache_dir()).is_empty(),
        "nothing cached"
    );
}
