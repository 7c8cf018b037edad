//! How `get-credential` fails: DigitalOcean's errors, retries, time-outs and answers that make no
//! sense. Every failure exits non-zero with nothing on stdout, one line on stderr, nothing secret,
//! and no cache entry written.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::support::*;

pub(crate) fn do_error(status: u16, id: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"id": id, "message": message, "request_id": "req-1234"}))
}

pub(crate) fn good_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(credentials_json(
        "https://k",
        "",
        Some(K8S_TOKEN),
        None,
        Utc::now() + Duration::hours(3),
    ))
}

/// Runs get-credential and checks the invariants every failure must keep.
pub(crate) fn fails(env: &TestEnv, cmd: &mut std::process::Command) -> Outcome {
    let out = run(cmd);
    assert_eq!(
        out.code,
        Some(1),
        "stdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
    assert_eq!(out.stdout, "", "stdout must be empty on failure");
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "one line on stderr: {}",
        out.stderr
    );
    assert!(
        out.stderr.starts_with("doks-auth: error: "),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains(DO_TOKEN) && !out.stderr.contains(K8S_TOKEN),
        "secret leaked: {}",
        out.stderr
    );
    assert!(
        std::fs::read_dir(env.cache_dir())
            .map(|d| d
                .flatten()
                .all(|e| !e.path().to_string_lossy().ends_with(".json")))
            .unwrap_or(true),
        "a failure left a cache entry"
    );
    out
}

#[test]
fn access_errors_explain_themselves_and_are_not_retried() {
    let cases = [
        (
            401,
            "unauthorized",
            "Unable to authenticate you",
            "check $DIGITALOCEAN_ACCESS_TOKEN",
        ),
        (
            403,
            "forbidden",
            "You are not authorized to perform this operation",
            "kubernetes:access_cluster",
        ),
        (
            404,
            "not_found",
            "The resource you requested could not be found.",
            "no such cluster",
        ),
    ];
    for (status, id, message, hint) in cases {
        let env = TestEnv::new();
        let api = DoApi::start();
        api.serve_credentials(CLUSTER_ID, do_error(status, id, message));
        let out = fails(&env, &mut env.get_credential(&api.url(), CLUSTER_ID));
        for part in [&status.to_string(), id, message, "req-1234", hint] {
            assert!(
                out.stderr.contains(part),
                "{status}: {part:?} missing from {}",
                out.stderr
            );
        }
        assert_eq!(
            api.credential_requests(CLUSTER_ID),
            1,
            "{status} was retried"
        );
    }
}

#[test]
fn server_errors_and_rate_limits_are_retried_then_succeed() {
    for first in [
        ResponseTemplate::new(500),
        ResponseTemplate::new(502),
        ResponseTemplate::new(503),
        ResponseTemplate::new(504),
        do_error(429, "too_many_requests", "API Rate limit exceeded.")
            .insert_header("retry-after", "1"),
    ] {
        let env = TestEnv::new();
        let api = DoApi::start();
        api.serve_credentials(CLUSTER_ID, good_answer());
        api.serve_credentials_first(CLUSTER_ID, 1, first);
        let out = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
        assert_eq!(out.stderr, "");
        assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
        assert_eq!(api.credential_requests(CLUSTER_ID), 2);
    }
}

#[test]
fn retry_after_is_honoured() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_credentials(CLUSTER_ID, good_answer());
    api.serve_credentials_first(
        CLUSTER_ID,
        1,
        ResponseTemplate::new(429).insert_header("retry-after", "2"),
    );
    let started = Instant::now();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert!(
        started.elapsed() >= StdDuration::from_secs(2),
        "did not wait for Retry-After"
    );
}

#[test]
fn a_long_retry_after_fails_at_once_saying_when_to_retry() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_credentials(
        CLUSTER_ID,
        do_error(429, "too_many_requests", "API Rate limit exceeded.")
            .insert_header("retry-after", "3600"),
    );
    let out = fails(&env, &mut env.get_credential(&api.url(), CLUSTER_ID));
    assert!(
        out.stderr.contains("429") && out.stderr.contains("try again in 3600 s"),
        "{}",
        out.stderr
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn persistent_server_errors_give_up_after_four_attempts() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_credentials(
        CLUSTER_ID,
        do_error(
            500,
            "server_error",
            "Server was unable to give you a response.",
        ),
    );
    let out = fails(&env, &mut env.get_credential(&api.url(), CLUSTER_ID));
    assert!(
        out.stderr.contains("after 4 attempts") && out.stderr.contains("server_error"),
        "{}",
        out.stderr
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 4);
}

#[test]
fn not_implemented_is_not_retried() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_credentials(CLUSTER_ID, ResponseTemplate::new(501));
    let out = fails(&env, &mut env.get_credential(&api.url(), CLUSTER_ID));
    assert!(out.stderr.contains("501"), "{}", out.stderr);
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn timeout_bounds_the_whole_command() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_credentials(
        CLUSTER_ID,
        good_answer().set_delay(StdDuration::from_secs(20)),
    );
    let started = Instant::now();
    let out = fails(
        &env,
        env.get_credential(&api.url(), CLUSTER_ID)
            .args(["--timeout", "1"]),
    );
    assert!(
        started.elapsed() < StdDuration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(out.stderr.contains("within 1 s"), "{}", out.stderr);
}

#[test]
fn unreachable_api_is_retried_then_reported() {
    let env = TestEnv::new();
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = fails(&env, &mut env.get_credential(&url, CLUSTER_ID));
    assert!(
        out.stderr.contains("cannot reach the DigitalOcean API")
            && out.stderr.to_lowercase().contains("refused"),
        "{}",
        out.stderr
    );
    // -v shows each retry: four attempts in all.
    let out = run(env.get_credential(&url, CLUSTER_ID).arg("-v"));
    let retries = out
        .stderr
        .lines()
        .filter(|l| l.contains("retrying in"))
        .count();
    assert_eq!(retries, 3, "{}", out.stderr);
}

#[test]
fn escape_sequences_from_the_server_never_reach_the_terminal() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_credentials(
        CLUSTER_ID,
        do_error(
            403,
            "forbidden\u{1b}[2J",
            "\u{1b}]0;owned\u{7}\u{1b}[31mred\u{9b}1m",
        ),
    );
    let out = fails(&env, &mut env.get_credential(&api.url(), CLUSTER_ID));
    assert!(
        !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stderr
    );
    assert!(out.stderr.contains("red"), "{}", out.stderr);
}

#[test]
#[cfg(unix)]
fn running_out_of_file_descriptors_is_an_error_not_a_crash() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    let mut cmd = env.command("bash");
    // Descriptors inherited from the test runner (cargo's jobserver pipes, say) would change
    // what is left: close all but stdio first. Then a limit of 4 leaves one descriptor: enough
    // for the dynamic loader (one library at a time), not for the runtime (epoll, eventfd).
    let script = "for fd in /proc/$$/fd/*; do fd=${fd##*/}; \
                  if [ \"$fd\" -gt 2 ]; then eval \"exec $fd>&-\"; fi; done; \
                  ulimit -n 4; exec \"$0\" \"$@\"";
    cmd.args(["-c", script])
        .arg(doks_auth_bin())
        .args([
            "get-credential",
            "--no-cache",
            "-c",
            CLUSTER_ID,
            "-u",
            &api.url(),
        ])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
    let out = run(&mut cmd);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: error:") && out.stderr.contains("ulimit -n"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
#[cfg(unix)]
fn core_dumps_are_off_while_secrets_are_in_memory() {
    let env = TestEnv::new();
    let api = DoApi::start();
    // Once its request has arrived, the DigitalOcean token is in its memory.
    let mut child = env.refresh_in_progress(&api, StdDuration::from_secs(3));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
}

#[test]
fn nonsense_answers_are_unexpected_responses_and_nothing_is_cached() {
    let expires = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let pem_b64 =
        |pem: &str| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pem);
    let cert = pem_b64("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    let cases: Vec<(&str, ResponseTemplate, &str)> = vec![
        ("html", ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"), "malformed JSON"),
        ("empty", ResponseTemplate::new(200), "truncated JSON"),
        ("truncated", ResponseTemplate::new(200).set_body_raw(format!("{{\"token\": \"{K8S_TOKEN}\", \"expi"), "application/json"), "truncated JSON"),
        ("no credential", ResponseTemplate::new(200).set_body_json(json!({"server": "https://k", "expires_at": expires})), "neither a token"),
        ("bad base64", ResponseTemplate::new(200).set_body_json(json!({"client_certificate_data": "%%%", "client_key_data": "%%%", "expires_at": expires})), "not valid base64"),
        ("cert without key", ResponseTemplate::new(200).set_body_json(json!({"client_certificate_data": cert, "expires_at": expires})), "without client_key_data"),
        ("bad expires_at", ResponseTemplate::new(200).set_body_json(json!({"token": K8S_TOKEN, "expires_at": "next tuesday"})), "not an RFC 3339"),
        ("no expires_at", ResponseTemplate::new(200).set_body_json(json!({"token": K8S_TOKEN})), "no expires_at"),
        ("wrong types", ResponseTemplate::new(200).set_body_json(json!({"token": 42, "expires_at": expires})), "unexpected shape"),
        ("huge", ResponseTemplate::new(200).set_body_raw(vec![b' '; 20 << 20], "application/json"), "over 4 MiB"),
    ];
    for (name, response, reason) in cases {
        let env = TestEnv::new();
        let api = DoApi::start();
        api.serve_credentials(CLUSTER_ID, response);
        let out = fails(&env, &mut env.get_credential(&api.url(), CLUSTER_ID));
        assert!(
            out.stderr.contains("unexpected response") && out.stderr.contains(reason),
            "{name}: {}",
            out.stderr
        );
        assert_eq!(api.credential_requests(CLUSTER_ID), 1, "{name} was retried");
    }
}

#[test]
fn redirects_are_not_followed_so_the_token_stays_home() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let elsewhere = DoApi::start();
    elsewhere.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    let target = format!(
        "{}/v2/kubernetes/clusters/{CLUSTER_ID}/credentials",
        elsewhere.url()
    );
    api.serve_credentials(
        CLUSTER_ID,
        ResponseTemplate::new(302).insert_header("location", target.as_str()),
    );
    let out = fails(&env, &mut env.get_credential(&api.url(), CLUSTER_ID));
    assert!(
        out.stderr.contains("redirect") && out.stderr.contains(&elsewhere.url()),
        "{}",
        out.stderr
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the request followed the redirect"
    );
}

#[test]
fn https_api_is_verified_against_ssl_cert_file() {
    let env = TestEnv::new();
    let pki = Pki::new();
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    let front = TlsFront::start(&pki, api.address());
    let ca = pki.write_ca(env.home());

    // Unknown CA: refused, and said so.
    let out = fails(
        &env,
        env.get_credential(&front.url, CLUSTER_ID)
            .args(["--timeout", "5"]),
    );
    assert!(
        out.stderr.contains("failed TLS verification") && out.stderr.contains("SSL_CERT_FILE"),
        "{}",
        out.stderr
    );
    assert_eq!(api.requests().len(), 0);
    let out = run(env.get_credential(&front.url, CLUSTER_ID).arg("-v"));
    assert_eq!(
        out.stderr.matches("GET ").count(),
        0,
        "a TLS failure was retried: {}",
        out.stderr
    );

    let out = run_ok(
        env.get_credential(&front.url, CLUSTER_ID)
            .env("SSL_CERT_FILE", &ca),
    );
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
}
