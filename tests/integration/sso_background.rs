//! Tools that run kubectl without a terminal (Lens, IDE plugins, prompt helpers: kubectl then
//! says `interactive: false` in KUBERNETES_EXEC_INFO): after a login nobody finished they open
//! no browser and wait for nothing for ten minutes, while a person at a terminal still logs
//! in, and `doks-auth login` logs in for them.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

/// `get-credential` as a background tool's kubectl runs it, with `browser` as the browser.
fn background(op: &Op, browser: &str) -> std::process::Command {
    let mut cmd = op.get_credential_with("login", Some(browser));
    cmd.env("KUBERNETES_EXEC_INFO", exec_info(false));
    cmd
}

fn scripted_browser() -> String {
    format!("node {}", sso_dir().join("browser.mjs").display())
}

/// Fails at once, opens nothing, and says how to log in.
fn assert_fails_at_once_saying_how_to_log_in(op: &Op, why: &str) {
    let started = Instant::now();
    let out = run(&mut background(op, &scripted_browser()));
    let took = started.elapsed();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let command = format!(
        "`doks-auth login --cluster-id {CLUSTER_ID} --sso-issuer-url {} --sso-client-id {CLIENT_ID} --sso-local-server-port {}`",
        op.issuer, op.port
    );
    for wanted in [
        "doks-auth: error: single sign-on with ",
        why,
        "log in by running any kubectl command for this cluster in a terminal",
        &command,
    ] {
        assert!(
            out.stderr.contains(wanted),
            "{wanted:?} not in {}",
            out.stderr
        );
    }
}

#[test]
fn after_an_unfinished_login_background_calls_open_no_browser_and_an_interactive_one_logs_in() {
    let op = Op::start(json!({}));
    // The browser starts (`true`), and nobody logs in.
    let first = run(background(&op, "true").args(["--login-timeout", "2"]));
    assert_eq!(first.code, Some(1), "{}", first.stderr);
    assert!(
        first
            .stderr
            .contains("no login within 2 s (--login-timeout)"),
        "{}",
        first.stderr
    );
    for _ in 0..3 {
        assert_fails_at_once_saying_how_to_log_in(&op, "a login is needed, and the last one, at ");
    }
    assert_eq!(op.browsers(), 0, "a background call opened a browser");
    assert_eq!(op.token_requests("authorization_code 200"), 0);

    // A person at a terminal may always start a login.
    let person = run_ok(
        op.get_credential("login")
            .env("KUBERNETES_EXEC_INFO", exec_info(true)),
    );
    assert_eq!(op.browsers(), 1);
    // From then on the background tool is served from the cache, silently.
    let out = run_ok(&mut background(&op, "false"));
    assert_eq!(out.stderr, "");
    assert_eq!(id_token(&out), id_token(&person));
}

#[test]
fn a_background_call_whose_browser_cannot_start_fails_at_once_and_is_remembered() {
    let op = Op::start(json!({}));
    let started = Instant::now();
    let out = run(&mut background(&op, "/nonexistent/browser"));
    // Not the 300 s of --login-timeout: nobody could open the URL.
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("a login is needed, and no browser could be started for it"),
        "{}",
        out.stderr
    );
    assert_fails_at_once_saying_how_to_log_in(
        &op,
        "was not finished (no browser could be started)",
    );
    assert_eq!(op.browsers(), 0);
}

#[test]
fn login_fills_the_cache_and_a_background_call_is_then_served_from_it() {
    let op = Op::start(json!({}));
    run(&mut background(&op, "/nonexistent/browser"));
    let out = run_ok(&mut op.login("login"));
    assert_eq!(out.stdout, "");
    let said: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.starts_with("browser:"))
        .collect();
    assert_eq!(said.len(), 2, "{}", out.stderr);
    assert!(
        said[0].starts_with("doks-auth: to log in to "),
        "{}",
        said[0]
    );
    assert!(
        said[1].starts_with(&format!(
            "doks-auth: logged in as alice@example.com at {}; cluster {CLUSTER_ID}'s credential is cached until ",
            op.issuer
        )) && said[1].ends_with("then renewed by its refresh token"),
        "{}",
        said[1]
    );
    assert_eq!(op.browsers(), 1);
    // No browser would work here: the cache serves the call.
    let served = run_ok(&mut background(&op, "false"));
    assert_eq!(served.stderr, "");
    assert_eq!(
        Some(id_token(&served).as_str()),
        op.entry()["token"].as_str()
    );
}

#[test]
fn kubectl_without_a_terminal_gets_no_second_browser() {
    if !kubectl_available() {
        return;
    }
    let op = Op::start(json!({}));
    let port = op.port.to_string();
    let args = [
        "get-credential",
        "--cluster-id",
        CLUSTER_ID,
        "--sso-issuer-url",
        &op.issuer,
        "--sso-client-id",
        CLIENT_ID,
        "--sso-local-server-port",
        &port,
        "--login-timeout",
        "3",
    ];
    // v1beta1: interactiveMode IfAvailable, as `kubeconfig save` writes for SSO.
    // No API server: the credential is all that is tried.
    let config = exec_kubeconfig(
        "https://127.0.0.1:1",
        &Pki::new().ca_base64(),
        "client.authentication.k8s.io/v1beta1",
        &args,
        &[],
    );
    let kubeconfig = op.env.home().join("config");
    std::fs::write(&kubeconfig, config).unwrap();
    let kubectl = |browser: &str| {
        run(op
            .env
            .command("kubectl")
            .args(["get", "--raw", "/version"])
            .env("KUBECONFIG", &kubeconfig)
            .env("SSL_CERT_FILE", &op.ca)
            .env("NODE_EXTRA_CA_CERTS", &op.ca)
            .env("BOT_LOG", &op.browser_log)
            .env("BROWSER", browser))
    };
    let first = kubectl("true");
    assert_ne!(first.code, Some(0));
    assert!(
        first.stderr.contains("no login within 3 s"),
        "{}",
        first.stderr
    );
    let started = Instant::now();
    let second = kubectl(&scripted_browser());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited for a login"
    );
    assert_ne!(second.code, Some(0));
    assert!(
        second
            .stderr
            .contains("a login is needed, and the last one, at "),
        "{}",
        second.stderr
    );
    assert_eq!(op.browsers(), 0);
}

/// `doks-auth login` for this cluster, its browser started (`true`), and nobody logs in.
fn abandon_a_login(op: &Op) {
    let port = op.port.to_string();
    let abandoned = run(op.doks_auth().args([
        "login",
        "--cluster-id",
        CLUSTER_ID,
        "--sso-issuer-url",
        &op.issuer,
        "--sso-client-id",
        CLIENT_ID,
        "--sso-local-server-port",
        &port,
        "--browser-command",
        "true",
        "--login-timeout",
        "2",
    ]));
    assert_eq!(abandoned.code, Some(1), "{}", abandoned.stderr);
}

/// The cached ID token has expired (its refresh token is left as it is).
fn expire_the_id_token(op: &Op) {
    let path = op.env.only_cache_entry();
    let mut entry = op.entry();
    let now = chrono::Utc::now();
    let at =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    entry["fetched_at"] = at(now - chrono::Duration::hours(2)).into();
    entry["expires_at"] = at(now - chrono::Duration::minutes(1)).into();
    std::fs::write(&path, entry.to_string()).unwrap();
}

#[test]
fn after_an_abandoned_login_a_background_call_still_renews_by_refresh_token() {
    let op = Op::start(json!({}));
    let first = run_ok(&mut op.get_credential("login"));
    abandon_a_login(&op);
    expire_the_id_token(&op);

    let out = run(&mut background(&op, &scripted_browser()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_ne!(id_token(&out), id_token(&first));
    assert_eq!(op.token_requests("refresh_token 200"), 1);
    assert_eq!(op.browsers(), 1, "only the first login opened one");

    // A refresh token the provider no longer takes (rotated away elsewhere): the login it
    // needs is still held back, at once.
    let refresh_token = op.entry()["sso"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(op.refresh_at_provider(&refresh_token).0, 200);
    abandon_a_login(&op);
    expire_the_id_token(&op);
    assert_fails_at_once_saying_how_to_log_in(&op, "a login is needed, and the last one, at ");
    assert_eq!(op.browsers(), 1);
}
