//! `--sso-grant paste`: a login over SSH. doks-auth prints the login URL (with the browser
//! login's own redirect URI), a browser on another machine logs in and stops at the callback
//! address, and the person pastes that address on standard input. It is checked as the
//! callback server checks one; no standard input is an error at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStderr, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

/// A paste login in the background, its stdin and stderr for the test to play the person.
fn paste_login(op: &Op) -> (Child, BufReader<ChildStderr>) {
    paste_login_with(op, &[])
}

fn paste_login_with(op: &Op, extra: &[&str]) -> (Child, BufReader<ChildStderr>) {
    let mut child = op
        .get_credential_with("login", None)
        .args(["--sso-grant", "paste", "--login-timeout", "60"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    (child, stderr)
}

fn line(stderr: &mut BufReader<ChildStderr>) -> String {
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    line
}

/// The login URL from the first line, after checking the prompt that follows it.
fn login_url(stderr: &mut BufReader<ChildStderr>) -> String {
    let first = line(stderr);
    assert!(first.starts_with("doks-auth: to log in to "), "{first}");
    let url = first.split_whitespace().last().unwrap().to_string();
    let prompt = line(stderr);
    assert!(
        prompt.starts_with("doks-auth: then paste the address the browser ends up on"),
        "{prompt}"
    );
    url
}

fn finish(mut child: Child, mut stderr: BufReader<ChildStderr>) -> Outcome {
    drop(child.stdin.take());
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: rest,
    }
}

fn code_of(address: &str) -> String {
    let query = address.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("code="))
        .unwrap()
        .to_string()
}

#[test]
fn a_paste_login_reads_the_callback_address_from_standard_input() {
    let op = Op::start(json!({}));
    let (mut child, mut stderr) = paste_login(&op);
    let url = login_url(&mut stderr);
    // The redirect URI registered for the browser login: nothing changes at the provider.
    let redirect = format!(
        "redirect_uri=http%3A%2F%2Flocalhost%3A{}%2Fcallback",
        op.port
    );
    assert!(url.contains(&redirect), "{url}");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let address = op.browse_to_callback(&url);
    assert!(
        address.starts_with(&format!("http://localhost:{}/callback?", op.port)),
        "{address}"
    );
    writeln!(child.stdin.as_mut().unwrap(), "{address}").unwrap();
    let out = finish(child, stderr);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "", "nothing after the pasted address");
    assert_eq!(claims(&id_token(&out))["email"], "alice@example.com");
    assert_eq!(op.token_requests("authorization_code 200"), 1);
    assert_eq!(op.browsers(), 0, "no browser is started here");
    assert_eq!(op.entry()["sso"]["email"], "alice@example.com");
}

#[test]
fn under_verbose_the_pasted_address_and_its_code_never_reach_stderr() {
    let op = Op::start(json!({}));
    let (mut child, mut stderr) = paste_login_with(&op, &["-v"]);
    let mut seen = String::new();
    let url = loop {
        let next = line(&mut stderr);
        assert!(!next.is_empty(), "no login URL in {seen}");
        seen.push_str(&next);
        if next.starts_with("doks-auth: to log in to ") {
            break next.split_whitespace().last().unwrap().to_string();
        }
    };
    let address = op.browse_to_callback(&url);
    writeln!(child.stdin.as_mut().unwrap(), "{address}").unwrap();
    let out = finish(child, stderr);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    seen.push_str(&out.stderr);
    assert!(seen.contains("doks-auth: debug: "), "{seen}");
    for secret in [
        code_of(&address).as_str(),
        address.as_str(),
        &id_token(&out),
    ] {
        assert!(!seen.contains(secret), "{secret} in:\n{seen}");
    }
}

#[test]
fn a_pasted_address_with_another_state_gets_one_line_and_another_prompt() {
    let op = Op::start(json!({}));
    let (mut child, mut stderr) = paste_login(&op);
    let url = login_url(&mut stderr);
    let address = op.browse_to_callback(&url);
    let state = address
        .split(['?', '&'])
        .find(|pair| pair.starts_with("state="))
        .unwrap();
    let forged = address
        .replace(state, "state=forged-state")
        .replace(&code_of(&address), "forged-code");
    let stdin = child.stdin.as_mut().unwrap();
    writeln!(stdin, "{forged}").unwrap();
    let refused = line(&mut stderr);
    assert!(
        refused.starts_with(
            "doks-auth: that is another login's answer (its state is not this login's)"
        ) && refused.ends_with("(2 more tries)\n"),
        "{refused}"
    );
    assert!(!refused.contains("forged-code"), "{refused}");
    let prompt = line(&mut stderr);
    assert!(prompt.contains("then paste the address"), "{prompt}");
    writeln!(stdin, "{address}").unwrap();
    let out = finish(child, stderr);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(claims(&id_token(&out))["aud"], CLIENT_ID);
    // Only the right code was redeemed.
    assert_eq!(op.token_requests("authorization_code 200"), 1);
    assert_eq!(op.token_requests("authorization_code 400"), 0);
}

#[test]
fn three_pastes_that_are_not_the_answer_end_the_login() {
    let op = Op::start(json!({}));
    let (mut child, mut stderr) = paste_login(&op);
    login_url(&mut stderr);
    let stdin = child.stdin.as_mut().unwrap();
    writeln!(
        stdin,
        "not an address\nhttp://localhost:1/elsewhere?code=secret-1\n"
    )
    .unwrap();
    let out = finish(child, stderr);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{}", out.stderr);
    assert!(lines[0].ends_with("(2 more tries)"), "{}", lines[0]);
    assert!(lines[2].ends_with("(1 more try)"), "{}", lines[2]);
    assert!(
        lines[4].starts_with("doks-auth: error: single sign-on with ")
            && lines[4].ends_with("and that was the last of 3 tries; run the command again"),
        "{}",
        lines[4]
    );
    assert!(!out.stderr.contains("secret-1"), "{}", out.stderr);
    assert_eq!(op.token_requests("authorization_code 200"), 0);
}

#[test]
fn without_standard_input_a_paste_login_fails_at_once() {
    let op = Op::start(json!({}));
    let paste = |cmd: &mut std::process::Command| {
        let started = Instant::now();
        let out = run(cmd.args(["--sso-grant", "paste"]));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert_eq!(out.stdout, "");
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "no URL, no prompt: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(
                "--sso-grant paste reads the login's answer from standard input, and there is none"
            ),
            "{}",
            out.stderr
        );
    };
    // /dev/null, as a program started without one gets.
    paste(&mut op.get_credential_with("login", None));
    // kubectl without a terminal says so.
    paste(
        op.get_credential_with("login", None)
            .env("KUBERNETES_EXEC_INFO", exec_info(false))
            .stdin(Stdio::piped()),
    );
    assert_eq!(op.token_requests("authorization_code 200"), 0);
}

#[test]
fn kubeconfig_save_writes_the_paste_grant_and_login_by_context_uses_it() {
    let op = Op::start(json!({}));
    let api = DoApi::start();
    let mut cluster = cluster_json(CLUSTER_ID, "prod", "nyc1", "https://127.0.0.1:1");
    cluster["sso"] = json!({
        "enabled": true, "required": true, "issuer_url": op.issuer, "client_id": CLIENT_ID,
    });
    api.serve_cluster(&cluster);
    api.serve_clusters(&[cluster]);
    api.mount(
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path(format!(
                "/v2/kubernetes/clusters/{CLUSTER_ID}/kubeconfig"
            )))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_string(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: do-nyc1-prod\n  cluster:\n    \
                 server: https://127.0.0.1:1\n    certificate-authority-data: Q0E=\n",
            )),
    );
    let kubeconfig = op.env.home().join("config");
    run_ok(
        op.doks_auth()
            .args(["kubeconfig", "save", "prod", "--api-url", &api.url()])
            .args(["--sso-local-server-port", &op.port.to_string()])
            .args(["--sso-grant", "paste"])
            .env("KUBECONFIG", &kubeconfig)
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN),
    );
    let doc: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&kubeconfig).unwrap()).unwrap();
    let exec = &doc["users"][0]["user"]["exec"];
    // kubectl passes its terminal on to the plugin, for the pasted address.
    assert_eq!(exec["interactiveMode"], "IfAvailable");
    let args: Vec<&str> = exec["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        args.windows(2).any(|w| w == ["--sso-grant", "paste"]),
        "{args:?}"
    );

    // `login --context` logs in as the stanza says: by paste.
    let mut child = op
        .doks_auth()
        .args([
            "login",
            "--context",
            "do-nyc1-prod",
            "--login-timeout",
            "60",
        ])
        .env("KUBECONFIG", &kubeconfig)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let url = login_url(&mut stderr);
    let address = op.browse_to_callback(&url);
    writeln!(child.stdin.as_mut().unwrap(), "{address}").unwrap();
    let out = finish(child, stderr);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.starts_with(&format!(
            "doks-auth: logged in as alice@example.com at {}; cluster {CLUSTER_ID}'s credential is cached until ",
            op.issuer
        )),
        "{}",
        out.stderr
    );
    assert_eq!(op.entry()["sso"]["email"], "alice@example.com");
    assert_eq!(op.browsers(), 0);
}

#[test]
fn a_paste_login_that_runs_out_of_time_says_what_fits_a_paste_login() {
    let op = Op::start(json!({}));
    let mut child = op
        .get_credential_with("login", None)
        .args(["--sso-grant", "paste", "--login-timeout", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    login_url(&mut stderr);
    // Nothing is pasted; standard input stays open.
    let stdin = child.stdin.take();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(out.status.code(), Some(1), "{rest}");
    assert_eq!(rest.lines().count(), 1, "{rest}");
    assert!(
        rest.contains(
            "no login within 2 s (--login-timeout): paste the address the browser ends up on sooner, or raise --login-timeout"
        ),
        "{rest}"
    );
    assert!(!rest.contains("use --sso-grant"), "{rest}");
}

/// A pasted line is read whole up to 16 KiB: an answer padded to just under the bound is still
/// the answer, and one over it is refused without being read as one.
#[test]
fn a_pasted_line_is_bounded_at_16_kib() {
    let op = Op::start(json!({}));
    let (mut child, mut stderr) = paste_login(&op);
    let url = login_url(&mut stderr);
    let address = op.browse_to_callback(&url);
    let stdin = child.stdin.as_mut().unwrap();
    // Over the bound by a byte: refused, and the prompt comes again.
    let over = 16 * 1024 + 1 - address.len() - 1;
    writeln!(stdin, "{address}{}", " ".repeat(over)).unwrap();
    let refused = line(&mut stderr);
    assert!(
        refused.starts_with("doks-auth: that is longer than any login's answer (2 more tries)"),
        "{refused}"
    );
    line(&mut stderr);
    // At the bound, the newline included: read, spaces forgiven.
    let padding = 16 * 1024 - address.len() - 1;
    writeln!(stdin, "{address}{}", " ".repeat(padding)).unwrap();
    let out = finish(child, stderr);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(op.token_requests("authorization_code 200"), 1);
}

/// A pasted address is taken on http or https (a browser in HTTPS-only mode shows the
/// callback as https), never on another scheme.
#[test]
fn a_pasted_address_of_another_scheme_is_not_the_answer_but_https_is() {
    let op = Op::start(json!({}));
    let (mut child, mut stderr) = paste_login(&op);
    let url = login_url(&mut stderr);
    let address = op.browse_to_callback(&url);
    let stdin = child.stdin.as_mut().unwrap();
    let ftp = address.replacen("http://", "ftp://", 1);
    writeln!(stdin, "{ftp}").unwrap();
    let said = line(&mut stderr);
    assert!(
        said.starts_with("doks-auth: that is not the address the browser ended up on"),
        "{said}"
    );
    line(&mut stderr);
    let https = address.replacen("http://", "https://", 1);
    writeln!(stdin, "{https}").unwrap();
    let out = finish(child, stderr);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(op.token_requests("authorization_code 200"), 1);
}

/// Standard input that is a character device other than /dev/null (a terminal; here
/// /dev/zero) is there to be read: the login starts, prompts, and runs until --login-timeout.
#[test]
fn a_character_device_other_than_dev_null_is_standard_input_to_read() {
    let op = Op::start(json!({}));
    let out = run(op
        .get_credential_with("login", None)
        .args(["--sso-grant", "paste", "--login-timeout", "1"])
        .stdin(std::fs::File::open("/dev/zero").unwrap()));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: to log in to "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("no login within 1 s (--login-timeout)"),
        "{}",
        out.stderr
    );
}
