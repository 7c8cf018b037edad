//! Single sign-on against a real OpenID provider that this project did not write: panva's
//! oidc-provider (OpenID Certified), run by node over HTTPS with the tests' CA, and a scripted
//! browser that logs in as a person would (tests/sso/). `.ci/run` installs both.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

pub(crate) const CLIENT_ID: &str = "doks-test";

fn sso_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sso")
}

/// A DER certificate or key as PEM, for node.
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A free loopback port, for a callback the provider has registered.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running provider, its issuer URL, and a world (HOME, CA file) for doks-auth and the browser.
pub(crate) struct Op {
    child: Child,
    pub issuer: String,
    pub port: u16,
    pub env: TestEnv,
    pub ca: PathBuf,
    pub browser_log: PathBuf,
}

impl Drop for Op {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Op {
    /// `config` adds to the provider's OP_CONFIG (idTokenTtl, refresh, deviceFlow).
    pub fn start(config: Value) -> Op {
        Op::start_script("provider.mjs", config)
    }

    pub fn start_script(script: &str, mut config: Value) -> Op {
        assert!(
            sso_dir().join("node_modules/oidc-provider").exists(),
            "the test OpenID provider is not installed: run `npm ci --prefix tests/sso` (.ci/run does)"
        );
        let env = TestEnv::new();
        let pki = Pki::new();
        let ca = pki.write_ca(env.home());
        let (cert, key) = (env.home().join("op.crt"), env.home().join("op.key"));
        std::fs::write(&cert, pem("CERTIFICATE", &pki.server_cert_der)).unwrap();
        std::fs::write(&key, pem("PRIVATE KEY", &pki.server_key_der)).unwrap();
        let port = free_port();
        config["cert"] = cert.to_str().unwrap().into();
        config["key"] = key.to_str().unwrap().into();
        config["redirectUris"] = serde_json::json!([format!("http://localhost:{port}/callback")]);
        let mut child = Command::new("node")
            .arg(sso_dir().join(script))
            .env("OP_CONFIG", config.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the test OpenID provider");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        // Drained to the end: a closed pipe would kill the provider at its next line.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let issuer = line
            .strip_prefix("issuer ")
            .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
            .trim()
            .to_string();
        let browser_log = env.home().join("browser.log");
        Op {
            child,
            issuer,
            port,
            env,
            ca,
            browser_log,
        }
    }

    /// `get-credential` in SSO mode, with the scripted browser (`mode`: login, deny, forge).
    pub fn get_credential(&self, mode: &str) -> Command {
        let browser = format!("node {}", sso_dir().join("browser.mjs").display());
        self.get_credential_with(mode, &browser)
    }

    pub fn get_credential_with(&self, mode: &str, browser: &str) -> Command {
        let mut cmd = self.env.doks_auth();
        cmd.args(["get-credential", "--cluster-id", CLUSTER_ID])
            .args([
                "--sso-issuer-url",
                &self.issuer,
                "--sso-client-id",
                CLIENT_ID,
            ])
            .args(["--sso-local-server-port", &self.port.to_string()])
            .args(["--browser-command", browser])
            .env("SSL_CERT_FILE", &self.ca)
            .env("NODE_EXTRA_CA_CERTS", &self.ca)
            .env("BOT_LOG", &self.browser_log)
            .env("BOT_MODE", mode)
            .stdin(Stdio::null());
        cmd
    }

    /// How many times a browser was started.
    pub fn browsers(&self) -> usize {
        std::fs::read_to_string(&self.browser_log)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    /// Token requests the provider answered, by "<grant_type> <status>".
    pub fn token_requests(&self, key: &str) -> u64 {
        let out = run_ok(
            Command::new("curl")
                .args(["-sS", "--cacert"])
                .arg(&self.ca)
                .arg(format!("{}/test/stats", self.issuer)),
        );
        let stats: Value = serde_json::from_str(&out.stdout).unwrap();
        stats[key].as_u64().unwrap_or(0)
    }

    pub fn entry(&self) -> Value {
        let path = self.env.only_cache_entry();
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }
}

pub(crate) fn id_token(out: &Outcome) -> String {
    out.json()["status"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", out.stdout))
        .to_string()
}

/// The ID token's claims, read without checking (kubectl's API server stand-in checks).
pub(crate) fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

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
        .get_credential_with("login", "true")
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
fn device_code_login_prints_a_url_and_needs_no_browser_here() {
    let op = Op::start(serde_json::json!({}));
    let mut child = op
        .get_credential_with("login", "false")
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
