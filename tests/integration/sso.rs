//! Single sign-on against a real OpenID provider that this project did not write: panva's
//! oidc-provider (OpenID Certified), run by node over HTTPS with the tests' CA, and a scripted
//! browser that logs in as a person would (tests/sso/). `.ci/run` installs both.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

#[test]
fn a_login_is_cached_and_the_next_call_needs_no_network() {
    let op = Op::start(serde_json::json!({}));
    let first = run_ok(&mut op.get_credential("login"));
    let token = id_token(&first);
    let c = claims(&token);
    assert_eq!(c["iss"], op.issuer.as_str());
    assert_eq!(c["aud"], CLIENT_ID);
    assert_eq!(c["email"], "alice@example.com");
    assert_eq!(op.browsers(), 1);
    assert_eq!(op.token_requests("authorization_code 200"), 1);
    // The one stderr line is the login URL, prefixed like every line of ours.
    assert_every_line_is_ours(
        first
            .stderr
            .lines()
            .filter(|l| !l.starts_with("browser:"))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    );
    let entry = op.entry();
    assert_eq!(entry["sso"]["issuer"], op.issuer.as_str());
    assert_eq!(entry["sso"]["email"], "alice@example.com");
    assert!(entry["sso"]["refresh_token"].is_string());

    let second = run_ok(&mut op.get_credential("login"));
    assert_eq!(id_token(&second), token);
    assert_eq!(second.stderr, "");
    assert_eq!(op.browsers(), 1);
    assert_eq!(op.token_requests("authorization_code 200"), 1);
}

#[test]
fn an_expiring_id_token_is_renewed_by_refresh_token_without_a_browser() {
    let op = Op::start(serde_json::json!({"idTokenTtl": 4}));
    let first = id_token(&run_ok(&mut op.get_credential("login")));
    let rotated = op.entry()["sso"]["refresh_token"].clone();
    // The margin is at most half the lifetime: 2 s.
    std::thread::sleep(Duration::from_millis(2100));
    let out = run_ok(&mut op.get_credential("login"));
    assert_ne!(id_token(&out), first);
    assert_eq!(out.stderr, "");
    assert_eq!(op.browsers(), 1);
    assert_eq!(op.token_requests("refresh_token 200"), 1);
    // The provider rotates refresh tokens: the new one is kept.
    assert_ne!(op.entry()["sso"]["refresh_token"], rotated);
}

#[test]
fn a_refused_refresh_token_leads_to_a_new_login() {
    let op = Op::start(serde_json::json!({"idTokenTtl": 4}));
    run_ok(&mut op.get_credential("login"));
    let path = op.env.only_cache_entry();
    let mut entry = op.entry();
    entry["sso"]["refresh_token"] = "revoked-or-unknown".into();
    std::fs::write(&path, entry.to_string()).unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    run_ok(&mut op.get_credential("login"));
    assert_eq!(op.token_requests("refresh_token 400"), 1);
    assert_eq!(op.browsers(), 2);
    assert_eq!(op.token_requests("authorization_code 200"), 2);
}

#[test]
fn without_refresh_tokens_an_expired_id_token_means_a_new_login() {
    let op = Op::start(serde_json::json!({"idTokenTtl": 4, "refresh": false}));
    run_ok(&mut op.get_credential("login"));
    assert!(op.entry()["sso"].get("refresh_token").is_none());
    std::thread::sleep(Duration::from_millis(2100));
    run_ok(&mut op.get_credential("login"));
    assert_eq!(op.browsers(), 2);
}

#[test]
fn twenty_processes_on_an_empty_cache_make_one_login() {
    let op = Op::start(serde_json::json!({}));
    let children: Vec<_> = (0..20)
        .map(|_| {
            op.get_credential("login")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let json: Value = serde_json::from_slice(&out.stdout).unwrap();
            json["status"]["token"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_eq!(op.browsers(), 1);
    assert_eq!(op.token_requests("authorization_code 200"), 1);
}

#[test]
fn device_code_login_prints_a_url_and_needs_no_browser_here() {
    let op = Op::start(serde_json::json!({}));
    let mut child = op
        .get_credential_with("login", Some("false"))
        .args(["--sso-grant", "device-code"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.starts_with("doks-auth: to log in to "), "{line}");
    let url = line
        .split_whitespace()
        .skip_while(|w| *w != "open")
        .nth(1)
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    // The person, on another device.
    run_ok(
        Command::new("node")
            .arg(sso_dir().join("browser.mjs"))
            .arg(url)
            .env("NODE_EXTRA_CA_CERTS", &op.ca),
    );
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(out.status.success(), "{rest}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let token = json["status"]["token"].as_str().unwrap();
    assert_eq!(claims(token)["aud"], CLIENT_ID);
    assert_eq!(
        op.token_requests("urn:ietf:params:oauth:grant-type:device_code 200"),
        1
    );
}

#[test]
fn cache_clear_logs_out() {
    let op = Op::start(serde_json::json!({}));
    run_ok(&mut op.get_credential("login"));
    let listed = run_ok(op.env.doks_auth().args(["cache", "list"]));
    assert!(
        listed.stdout.contains("alice@example.com"),
        "{}",
        listed.stdout
    );
    run_ok(op.env.doks_auth().args(["cache", "clear"]));
    run_ok(&mut op.get_credential("login"));
    assert_eq!(op.browsers(), 2);
}

#[test]
fn no_secret_of_a_login_reaches_stderr_under_verbose() {
    let op = Op::start(serde_json::json!({"idTokenTtl": 4}));
    let first = run_ok(op.get_credential("login").arg("-v"));
    let refresh_token = op.entry()["sso"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    std::thread::sleep(Duration::from_millis(2100));
    let second = run_ok(op.get_credential("login").arg("-v"));
    for out in [&first, &second] {
        let token = id_token(out);
        for secret in [
            token.as_str(),
            refresh_token.as_str(),
            &token[token.len() - 20..],
        ] {
            assert!(!out.stderr.contains(secret), "a secret in:\n{}", out.stderr);
        }
        assert!(!out.stderr.contains("code="), "{}", out.stderr);
    }
    for file in op.env.files() {
        let text = std::fs::read(&file).unwrap();
        if String::from_utf8_lossy(&text).contains(&refresh_token) {
            assert!(file.starts_with(op.env.cache_dir()), "{}", file.display());
        }
    }
}
