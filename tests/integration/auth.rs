//! `doks-auth auth init|list|switch|remove`: a token stored in doctl's config file, in doctl's
//! format, that `clusters`, `kubeconfig save` and kubectl then use with no environment variable;
//! the file's other keys and comments survive every edit.

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

use chrono::Duration;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

pub(crate) const OTHER_TOKEN: &str =
    "dop_v1_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

/// A doctl config as a doctl user has it: keys doks-auth knows nothing about, comments.
pub(crate) const DOCTL_CONFIG: &str = "# written by doctl, then edited by hand\n\
access-token: \"\"\n\
auth-contexts:\n  team-b: OTHER  # the old team\n\
context: default\n\
output: json  # doctl's own setting\n\
apps:\n  dev:\n    config: ~/app.yaml\n";

pub(crate) fn doctl_config(env: &TestEnv) -> PathBuf {
    env.home().join(".config").join("doctl").join("config.yaml")
}

pub(crate) fn write_doctl_config(env: &TestEnv) -> PathBuf {
    let path = doctl_config(env);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, DOCTL_CONFIG.replace("OTHER", OTHER_TOKEN)).unwrap();
    path
}

/// `doks-auth <args> --api-url <stand-in>` with `stdin` on standard input (a pipe, not a
/// terminal) and no token in the environment.
pub(crate) fn auth(env: &TestEnv, api: &DoApi, args: &[&str], stdin: &str) -> Outcome {
    let mut child = env
        .doks_auth()
        .arg("auth")
        .args(args)
        .args(["--api-url", &api.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `GET /v2/account` answers for [`DO_TOKEN`] only, as a team token; other tokens are refused.
pub(crate) fn account_api() -> DoApi {
    let api = DoApi::start();
    let account = json!({"account": {"email": "sammy@example.com", "status": "active",
        "team": {"uuid": "5df3e3004a5d4a6a8e3d20f3f2b6a5a1", "name": "Ocean Team"}}});
    api.mount(
        Mock::given(method("GET"))
            .and(path("/v2/account"))
            .and(header(
                "authorization",
                format!("Bearer {DO_TOKEN}").as_str(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(account)),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path("/v2/account"))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"id": "unauthorized", "message": "Unable to authenticate you"}),
            )),
    );
    api
}

#[test]
fn init_from_stdin_stores_a_checked_token_privately_keeps_the_file_and_never_prints_it() {
    let env = TestEnv::new();
    let api = account_api();
    let path = write_doctl_config(&env);
    set_mode(&path, 0o644);

    let out = auth(
        &env,
        &api,
        &["init", "--context", "Work"],
        &format!("  {DO_TOKEN}\n"),
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(!out.stderr.contains(DO_TOKEN), "{}", out.stderr);
    assert_every_line_is_ours(&out.stderr);
    assert!(
        out.stderr.contains("sammy@example.com (team Ocean Team)")
            && out.stderr.contains("\"work\""),
        "{}",
        out.stderr
    );
    // Checked with DigitalOcean before it was stored.
    let asked: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.url.path() == "/v2/account")
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0].headers["authorization"],
        format!("Bearer {DO_TOKEN}").as_str()
    );

    // doctl's format: the context lower-cased, under auth-contexts; everything else as it was.
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = DOCTL_CONFIG.replace("OTHER", OTHER_TOKEN).replace(
        "  # the old team\n",
        &format!("  # the old team\n  work: {DO_TOKEN}\n"),
    );
    assert_eq!(text, expected);
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    // Nothing else under HOME holds the token.
    for file in env.files() {
        if file != path {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(DO_TOKEN),
                "{} holds the token",
                file.display()
            );
        }
    }

    // The stored token works by context name, with no token in the environment.
    api.serve_clusters(&[cluster_json(
        CLUSTER_ID,
        "prod",
        "nyc1",
        "https://p.example",
    )]);
    let clusters = run_ok(env.doks_auth().args([
        "clusters",
        "--context",
        "work",
        "-o",
        "json",
        "--api-url",
        &api.url(),
    ]));
    assert_eq!(clusters.json()[0]["name"], "prod");
}

#[test]
fn a_refused_token_is_not_stored() {
    let env = TestEnv::new();
    let api = account_api();
    // No file yet: none is made.
    let out = auth(&env, &api, &["init"], &format!("{OTHER_TOKEN}\n"));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("refused the token") && out.stderr.contains("nothing was stored"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(OTHER_TOKEN));
    assert!(!doctl_config(&env).exists());
    assert!(!env.home().join(".config").join("doctl").exists());

    // An existing file: not a byte, nor its time, changes.
    let path = write_doctl_config(&env);
    let before = (
        std::fs::read(&path).unwrap(),
        std::fs::metadata(&path).unwrap().modified().unwrap(),
    );
    let out = auth(
        &env,
        &api,
        &["init", "--context", "work"],
        "dop_v1_revoked\n",
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let after = (
        std::fs::read(&path).unwrap(),
        std::fs::metadata(&path).unwrap().modified().unwrap(),
    );
    assert_eq!(before, after);

    // A token with a space inside never reaches DigitalOcean.
    let requests = api.requests().len();
    let out = auth(&env, &api, &["init"], "dop_v1 abc\n");
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(api.requests().len(), requests);
}

#[test]
fn list_switch_and_remove_do_what_they_say_and_keep_the_files_other_keys() {
    let env = TestEnv::new();
    let api = account_api();
    let path = write_doctl_config(&env);
    run_ok(
        env.doks_auth()
            .args(["auth", "init", "--context", "work", "--api-url", &api.url()])
            .stdin(std::fs::File::open(write_token(&env)).unwrap()),
    );

    let list =
        run_ok(
            env.doks_auth()
                .args(["auth", "list", "-o", "json", "--api-url", &api.url()]),
        );
    assert!(!list.stdout.contains(DO_TOKEN) && !list.stdout.contains(OTHER_TOKEN));
    assert_eq!(
        list.json(),
        json!([
            {"name": "default", "current": true, "team": null, "email": null, "token": "no token"},
            {"name": "team-b", "current": false, "team": null, "email": null,
             "token": "refused (401): run `doks-auth auth init --context team-b` again"},
            {"name": "work", "current": false, "team": "Ocean Team", "email": "sammy@example.com", "token": "ok"},
        ])
    );

    let switched = run_ok(
        env.doks_auth()
            .args(["auth", "switch", "--context", "work"]),
    );
    assert!(
        switched.stderr.contains("now using doctl context \"work\""),
        "{}",
        switched.stderr
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\ncontext: work\noutput: json  # doctl's own setting\n"),
        "{text}"
    );
    let table = run_ok(env.doks_auth().args(["auth", "list", "--offline"]));
    assert_eq!(
        table.stdout,
        "CURRENT  NAME     TEAM  EMAIL  TOKEN\n         default  -     -      no token\n         team-b   -     -      unchecked\n*        work     -     -      unchecked\n"
    );

    // Removing the current context falls back to `default`, as doctl would find none otherwise.
    let removed = run_ok(
        env.doks_auth()
            .args(["auth", "remove", "--context", "work"]),
    );
    assert!(
        removed.stderr.contains("now \"default\""),
        "{}",
        removed.stderr
    );
    run_ok(
        env.doks_auth()
            .args(["auth", "remove", "--context", "team-b"]),
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(DO_TOKEN) && !text.contains(OTHER_TOKEN),
        "{text}"
    );
    for kept in [
        "# written by doctl, then edited by hand\n",
        "output: json  # doctl's own setting\n",
        "apps:\n  dev:\n    config: ~/app.yaml\n",
        "context: default\n",
    ] {
        assert!(text.contains(kept), "{kept:?} lost:\n{text}");
    }
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);

    // An unknown context: an error naming the known ones, and the file untouched.
    let before = std::fs::read(&path).unwrap();
    for verb in ["switch", "remove"] {
        let out = run(env.doks_auth().args(["auth", verb, "--context", "nope"]));
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert!(
            out.stderr.contains("no doctl context \"nope\"")
                && out.stderr.contains("known: default"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

fn write_token(env: &TestEnv) -> PathBuf {
    let file = env.home().join("token.txt");
    std::fs::write(&file, format!("{DO_TOKEN}\n")).unwrap();
    file
}

#[test]
fn kubectl_works_with_the_stored_token_and_no_environment_variable() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let api = account_api();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    api.serve_clusters(&[cluster_json(CLUSTER_ID, "prod", "nyc1", &kube.url)]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &kube.url,
        &pki.ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );

    // A fresh machine: no doctl, no doctl config, no kubeconfig.
    run_ok(
        env.doks_auth()
            .args(["auth", "init", "--api-url", &api.url()])
            .stdin(std::fs::File::open(write_token(&env)).unwrap()),
    );
    std::fs::remove_file(env.home().join("token.txt")).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&doctl_config(&env)), 0o600);
    run_ok(
        env.doks_auth()
            .args(["kubeconfig", "save", "prod", "--api-url", &api.url()]),
    );
    let out = run(env.command("kubectl").args(["get", "--raw", "/version"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(kube.accepted() >= 1);
    assert_eq!(kube.rejected(), 0);
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

/// Each auth command's help opens with its own summary, not the shared API options' comment
/// (a doc comment on a flattened struct became every command's about).
#[test]
fn each_auth_commands_help_says_what_it_does() {
    let env = TestEnv::new();
    for (command, summary) in [
        (
            "init",
            "Store a DigitalOcean API token in doctl's config file",
        ),
        ("list", "List doctl's auth contexts"),
        ("switch", "Make a context the current one"),
        ("remove", "Remove a context and its token"),
    ] {
        let help = run_ok(env.doks_auth().args(["auth", command, "--help"]));
        assert!(
            help.stdout.starts_with(summary),
            "{command}: {}",
            help.stdout
        );
    }
}
