//! Single sign-on that goes wrong: a denied login, one nobody finishes, a busy port, a forged
//! callback, and ID tokens from a hostile provider that fail a check. Nothing is cached.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn a_denied_login_is_a_clear_error_and_nothing_is_cached() {
    let op = Op::start(serde_json::json!({}));
    let out = run(&mut op.get_credential("deny"));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let error = out
        .stderr
        .lines()
        .find(|l| l.starts_with("doks-auth: error:"))
        .unwrap();
    assert!(
        error.contains("the login was refused: access_denied"),
        "{error}"
    );
    assert!(
        op.env
            .cache_dir()
            .read_dir()
            .unwrap()
            .all(|e| { !e.unwrap().file_name().to_string_lossy().ends_with(".json") })
    );
}

#[test]
fn a_login_nobody_finishes_ends_at_the_login_timeout() {
    let op = Op::start(serde_json::json!({}));
    let started = Instant::now();
    let out = run(op
        .get_credential_with("login", Some("true"))
        .args(["--login-timeout", "2"]));
    assert_eq!(out.code, Some(1));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        out.stderr.contains("no login within 2 s (--login-timeout)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_busy_callback_port_fails_at_once_naming_the_flag() {
    let op = Op::start(serde_json::json!({}));
    let _taken = std::net::TcpListener::bind(("127.0.0.1", op.port)).unwrap();
    let started = Instant::now();
    // Failing late would mean waiting out the 300 s login timeout.
    let out = run(&mut op.get_credential("login"));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("--sso-local-server-port"),
        "{}",
        out.stderr
    );
    assert_eq!(op.browsers(), 0);
}

#[test]
fn a_forged_callback_with_another_state_is_refused_and_the_login_goes_on() {
    let op = Op::start(serde_json::json!({}));
    let out = run_ok(&mut op.get_credential("forge"));
    assert!(
        out.stderr.contains("browser: forged callback answered 400"),
        "{}",
        out.stderr
    );
    assert_eq!(claims(&id_token(&out))["aud"], CLIENT_ID);
}

#[test]
fn id_tokens_that_fail_a_check_are_refused_and_never_cached() {
    for (defect, reason) in [
        (
            "signature",
            "its signature does not match the provider's keys",
        ),
        ("audience", "it is meant for another client (aud)"),
        ("expired", "it has expired"),
        ("nonce", "its nonce is not the one doks-auth sent"),
        ("none", "it is not a signed JWT"),
        ("issuer", "its discovery document names another issuer"),
    ] {
        let op = Op::start_script("hostile.mjs", serde_json::json!({ "defect": defect }));
        let out = run(&mut op.get_credential("login"));
        assert_eq!(out.code, Some(1), "{defect}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{defect}");
        let error = out
            .stderr
            .lines()
            .find(|l| l.starts_with("doks-auth: error:"))
            .unwrap_or_else(|| panic!("{defect}: {}", out.stderr));
        assert!(error.contains(reason), "{defect}: {error}");
        assert!(!error.contains("eyJ"), "{defect}: a token in {error}");
        let dir = op.env.cache_dir();
        assert!(
            !dir.exists() || cache_entry_names(&dir).is_empty(),
            "{defect}: cached"
        );
    }
}

fn device_login(answers: &[&str]) -> (Op, Outcome) {
    let op = Op::start_script("hostile.mjs", serde_json::json!({ "device": answers }));
    let out = run(op.get_credential("login").args([
        "--sso-grant",
        "device-code",
        "--login-timeout",
        "20",
    ]));
    (op, out)
}

#[test]
fn device_polling_waits_through_pending_and_slow_down() {
    let (op, out) = device_login(&["authorization_pending", "slow_down", "ok"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(claims(&id_token(&out))["sub"], "mallory");
    assert_eq!(op.token_requests("polls"), 3);
    assert_eq!(op.browsers(), 0);
}

#[test]
fn device_polling_slows_down_through_a_busy_provider() {
    let (op, out) = device_login(&["429", "503", "ok"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(claims(&id_token(&out))["sub"], "mallory");
    assert_eq!(op.token_requests("polls"), 3);
}

#[test]
fn an_expired_or_denied_device_login_is_a_clear_error() {
    for (answers, says) in [
        (
            &["authorization_pending", "expired_token"][..],
            "code expired",
        ),
        (&["access_denied"][..], "access_denied"),
    ] {
        let (op, out) = device_login(answers);
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        let last = out.stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("doks-auth: error:") && last.contains(says),
            "{}",
            out.stderr
        );
        assert_eq!(op.token_requests("polls"), answers.len() as u64);
        assert!(cache_entries(&op.env.cache_dir()).is_empty());
    }
}

/// No number from the provider reaches time arithmetic unbounded: each of these once aborted
/// the process (`Instant + u64::MAX s`) or refused the whole answer.
#[test]
fn device_answers_with_huge_or_odd_numbers_log_in_or_fail_cleanly() {
    const HUGE: &str = "18446744073709551615";
    for (numbers, logs_in) in [
        (serde_json::json!({ "expires_in": HUGE }), true),
        // Azure AD's v1 endpoint quotes its numbers; a fraction is rounded up.
        (
            serde_json::json!({ "expires_in": "\"900\"", "interval": "0.5" }),
            true,
        ),
        (
            serde_json::json!({ "expires_in": "-1", "interval": "\"NaN\"" }),
            true,
        ),
        (
            serde_json::json!({ "expires_in": "1e300", "interval": "\"2\"" }),
            true,
        ),
        // Polls at most a minute apart: the 3 s login timeout ends this one first.
        (
            serde_json::json!({ "expires_in": HUGE, "interval": HUGE }),
            false,
        ),
    ] {
        let op = Op::start_script(
            "hostile.mjs",
            serde_json::json!({ "device": ["ok"], "deviceNumbers": numbers }),
        );
        let timeout = if logs_in { "20" } else { "3" };
        let out = run(op.get_credential("login").args([
            "--sso-grant",
            "device-code",
            "--login-timeout",
            timeout,
        ]));
        assert!(
            !out.stderr.contains("panicked"),
            "{numbers}: {}",
            out.stderr
        );
        if logs_in {
            assert_eq!(out.code, Some(0), "{numbers}: {}", out.stderr);
            assert_eq!(claims(&id_token(&out))["sub"], "mallory");
        } else {
            assert_eq!(out.code, Some(1), "{numbers}: {}", out.stderr);
            assert!(
                out.stderr.contains("no login within 3 s"),
                "{numbers}: {}",
                out.stderr
            );
            assert_eq!(op.token_requests("polls"), 0);
        }
    }
}

#[test]
fn id_token_times_out_of_range_are_refused_without_a_crash() {
    // 8210298412799 is chrono's last second (year 262142): it passed the old check, and the
    // lifetime arithmetic after it overflowed.
    for (claim, value) in [
        ("exp", serde_json::json!(8_210_298_412_799_i64)),
        ("exp", serde_json::json!(1e300)),
        ("iat", serde_json::json!(-1e300)),
        ("nbf", serde_json::json!("soon")),
    ] {
        let op = Op::start_script(
            "hostile.mjs",
            serde_json::json!({ "claims": { claim: value } }),
        );
        let out = run(&mut op.get_credential("login"));
        assert_eq!(out.code, Some(1), "{claim}={value}: {}", out.stderr);
        // The browser may still be writing its own last line after doks-auth's error.
        let error = out
            .stderr
            .lines()
            .find(|l| l.starts_with("doks-auth: error:"))
            .unwrap_or_default();
        assert!(
            error.contains(&format!("its {claim} claim")),
            "{claim}={value}: {}",
            out.stderr
        );
        assert!(cache_entries(&op.env.cache_dir()).is_empty());
    }
}

/// The one error line of a login that failed, checked to be free of control characters.
fn error_line(op: &Op, out: &Outcome) -> String {
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stderr
    );
    assert_eq!(op.browsers(), 0, "a login began: {}", out.stderr);
    out.stderr
        .lines()
        .find(|l| l.starts_with("doks-auth: error:"))
        .unwrap_or_else(|| panic!("{}", out.stderr))
        .to_string()
}

#[test]
fn an_endpoint_with_an_escape_sequence_never_reaches_the_terminal() {
    for (endpoint, hostile) in [
        ("token_endpoint", "{issuer}/token\u{1b}[31mred\u{7}"),
        ("jwks_uri", "{issuer}/jwks\u{9b}31m\u{1b}]0;owned\u{7}"),
        ("authorization_endpoint", "{issuer}/authorize\u{1b}[2J"),
    ] {
        let op = Op::start_script(
            "hostile.mjs",
            serde_json::json!({ "endpoints": { endpoint: hostile } }),
        );
        let out = run(&mut op.get_credential("login"));
        let error = error_line(&op, &out);
        assert!(
            error.contains(&format!("its discovery document's {endpoint} (")),
            "{error}"
        );
    }
}

#[test]
fn a_plain_http_endpoint_away_from_this_machine_is_refused_before_any_login() {
    let op = Op::start_script(
        "hostile.mjs",
        serde_json::json!({ "endpoints": { "token_endpoint": "http://id.example.invalid/token" } }),
    );
    let out = run(&mut op.get_credential("login"));
    let error = error_line(&op, &out);
    assert!(
        error.contains("token_endpoint http://id.example.invalid/token is not https://")
            && error.contains("must serve it over https://"),
        "{error}"
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}
