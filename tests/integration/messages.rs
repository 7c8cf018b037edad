//! What a new user reads: each `--help` opens with what the command does and puts options under
//! the right heading, usage errors are one `doks-auth:` line like every other error, the 401 hint
//! names the token's source and its fix, and counts agree with their nouns.

use chrono::Duration;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::kubeconfig::{ca_base64, server_of};
use crate::support::*;

fn help(env: &TestEnv, command: &[&str]) -> String {
    run_ok(env.doks_auth().args(command).arg("--help")).stdout
}

/// The commands under `parent`, as its help lists them, with the words it gives each.
fn listed(env: &TestEnv, parent: &[&str]) -> Vec<(String, String)> {
    let text = help(env, parent);
    let commands = text.split("Commands:\n").nth(1).unwrap();
    commands
        .lines()
        .take_while(|line| !line.is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .map(|line| {
            let (name, about) = line.trim().split_once(' ').unwrap();
            (name.to_string(), about.trim().to_string())
        })
        .filter(|(name, _)| name != "help")
        .collect()
}

#[test]
fn every_help_screen_opens_with_what_the_command_does() {
    let env = TestEnv::new();
    let mut checked = 0;
    for parent in [&[][..], &["kubeconfig"], &["cache"]] {
        for (name, about) in listed(&env, parent) {
            let mut command = parent.to_vec();
            command.push(&name);
            let text = help(&env, &command);
            let first = text.lines().next().unwrap();
            // The list wraps long words where the screen does not: the start is compared.
            let start: String = about.chars().take(30).collect();
            assert!(
                first.starts_with(&start),
                "{command:?} --help opens with {first:?}, not what the list says ({about:?})"
            );
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} commands");
}

#[test]
fn get_credential_help_puts_only_single_sign_on_options_under_its_heading() {
    let env = TestEnv::new();
    let text = help(&env, &["get-credential"]);
    let (general, sso) = text
        .split_once("Single sign-on (SSO clusters):")
        .expect("an SSO heading");
    for option in [
        "--access-token",
        "--context",
        "--api-url",
        "--timeout",
        "--cache-dir",
    ] {
        assert!(
            general.contains(option),
            "{option} is not among the general options:\n{text}"
        );
    }
    let options: Vec<&str> = sso
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("--"))
        .map(|rest| rest.split([' ', '<']).next().unwrap())
        .collect();
    assert_eq!(
        options,
        [
            "sso-issuer-url",
            "sso-client-id",
            "sso-local-server-port",
            "sso-grant",
            "browser-command",
            "login-timeout"
        ],
        "{text}"
    );
}

#[test]
fn a_usage_error_is_one_doks_auth_line_with_the_usage_and_exit_2() {
    let env = TestEnv::new();
    for args in [
        &["get-credential", "--bogus"][..],
        &["get-credential"],
        &["nosuch"],
        &["logout", "--timeout", "0"],
        &["kubeconfig", "save", "--prune"],
    ] {
        let out = run(env.doks_auth().args(args));
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "");
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
        assert_every_line_is_ours(&out.stderr);
        assert!(
            out.stderr.starts_with("doks-auth: error: ")
                && out.stderr.ends_with("; try '--help'\n"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = run(env.doks_auth().args(["get-credential", "--bogus"]));
    assert!(
        out.stderr
            .starts_with("doks-auth: error: unexpected argument '--bogus' found; ")
            && out.stderr.contains("; usage: doks-auth get-credential "),
        "{}",
        out.stderr
    );
    // Help is not an error: it goes to stdout as clap prints it.
    let out = run_ok(env.doks_auth().args(["logout", "--help"]));
    assert!(
        out.stdout.contains("Usage: doks-auth logout"),
        "{}",
        out.stdout
    );
}

const DOCTL_CONFIG: &str = "access-token: dop_v1_from_doctl_default
context: work
auth-contexts:
  work: dop_v1_from_doctl_work
";

#[test]
fn the_401_hint_names_the_token_source_used_and_its_fix() {
    let env = TestEnv::new();
    let dir = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.yaml"), DOCTL_CONFIG).unwrap();
    let api = DoApi::start();
    api.serve_credentials(
        CLUSTER_ID,
        ResponseTemplate::new(401)
            .set_body_json(json!({"id": "unauthorized", "message": "Unable to authenticate you"})),
    );
    let refused = |cmd: &mut std::process::Command| {
        let out = run(cmd.args(["--api-url", &api.url()]));
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            !out.stderr.contains("`doctl auth init` makes"),
            "{}",
            out.stderr
        );
        out.stderr
    };
    let get = || {
        let mut cmd = env.doks_auth();
        cmd.args(["get-credential", "--cluster-id", CLUSTER_ID]);
        cmd
    };

    let said = refused(get().env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert!(
        said.contains("check $DIGITALOCEAN_ACCESS_TOKEN: its token is used before doctl's config")
            && said.contains("make a new one in DigitalOcean's control panel (API, Tokens)")
            && said.contains("unset DIGITALOCEAN_ACCESS_TOKEN to use doctl's token"),
        "{said}"
    );
    let said = refused(get().args(["--access-token", DO_TOKEN]));
    assert!(
        said.contains("check the token given with --access-token"),
        "{said}"
    );
    let said = refused(&mut get());
    assert!(
        said.contains("check doctl context \"work\" in ")
            && said.ends_with("and store it with `doks-auth auth init --context work`\n"),
        "{said}"
    );
    for secret in [DO_TOKEN, "dop_v1_from_doctl_work"] {
        assert!(!said.contains(secret));
    }
}

fn one_cluster_account(n: usize) -> (TestEnv, DoApi) {
    let env = TestEnv::new();
    let api = DoApi::start();
    let clusters: Vec<Value> = (0..n)
        .map(|i| {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            cluster_json(&id, &format!("c{i}"), "nyc1", &server_of(&id))
        })
        .collect();
    api.serve_cluster_pages(std::slice::from_ref(&clusters));
    for c in &clusters {
        let id = c["id"].as_str().unwrap();
        api.serve_cluster_credentials(
            id,
            &server_of(id),
            &ca_base64(),
            K8S_TOKEN,
            Duration::hours(3),
        );
    }
    (env, api)
}

fn save(env: &TestEnv, api: &DoApi, args: &[&str]) -> Outcome {
    run_ok(
        env.doks_auth()
            .args(["kubeconfig", "save", "--api-url", &api.url()])
            .args(args)
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
            .env("KUBECONFIG", env.home().join("kubeconfig")),
    )
}

#[test]
fn counts_agree_with_their_nouns_and_a_dry_run_says_what_it_would_do() {
    let (env, api) = one_cluster_account(1);
    let dry = save(&env, &api, &["--all", "--dry-run"]);
    assert_eq!(
        dry.stderr,
        "doks-auth: would add context do-nyc1-c0 (c0 in nyc1)\n\
         doks-auth: 1 cluster: 1 added, 0 updated, 0 unchanged, 0 skipped (dry run: nothing written)\n"
    );
    save(&env, &api, &["--all"]);
    let again = save(&env, &api, &["--all"]);
    assert_eq!(
        again.stderr,
        "doks-auth: nothing changed: the account's one cluster is saved already\n"
    );
    let (env, api) = one_cluster_account(0);
    let none = save(&env, &api, &["--all"]);
    assert_eq!(
        none.stderr,
        "doks-auth: nothing changed: this account has no clusters\n"
    );
}

#[test]
fn saving_an_unchanged_context_says_so_in_one_parenthesis() {
    let (env, api) = one_cluster_account(1);
    api.serve_cluster(&cluster_json(
        "00000000-0000-4000-8000-000000000000",
        "c0",
        "nyc1",
        &server_of("00000000-0000-4000-8000-000000000000"),
    ));
    save(&env, &api, &["c0"]);
    let again = save(&env, &api, &["c0"]);
    assert_eq!(
        again.stderr,
        format!(
            "doks-auth: saved context do-nyc1-c0 in {} (unchanged, current context)\n",
            env.home().join("kubeconfig").display()
        )
    );
}

#[test]
fn doctor_names_the_context_it_was_asked_for_and_counts_one_check_as_one() {
    let env = TestEnv::new();
    let kubeconfig = env.home().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n",
    )
    .unwrap();
    let out = run(env
        .doks_auth()
        .args(["doctor", "-o", "json", "--context", "nosuch"])
        .env("KUBECONFIG", &kubeconfig));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.json()["context"], "nosuch", "{}", out.stdout);
    assert!(
        out.stderr
            .starts_with("doks-auth: error: 1 of 1 check failed (context)"),
        "{}",
        out.stderr
    );
}
