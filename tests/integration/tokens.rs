//! Where the DigitalOcean token comes from, checked by what the API stand-in receives.

use crate::support::*;

const DOCTL_CONFIG: &str = "access-token: dop_v1_from_doctl_default
context: work
auth-contexts:
  work: dop_v1_from_doctl_work
  home: dop_v1_from_doctl_home
output: text
";

fn write_doctl_config(env: &TestEnv, text: &str) {
    let dir = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.yaml"), text).unwrap();
}

/// The bearer token the stand-in saw on its last request.
fn token_sent(api: &DoApi) -> String {
    let requests = api.requests();
    let last = requests.last().expect("no request reached the API");
    last.headers["authorization"]
        .to_str()
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string()
}

fn plain_command(env: &TestEnv, api: &DoApi) -> std::process::Command {
    let mut cmd = env.doks_auth();
    cmd.args([
        "get-credential",
        "--no-cache",
        "-c",
        CLUSTER_ID,
        "-u",
        &api.url(),
    ]);
    cmd
}

#[test]
fn precedence_is_flag_context_env_then_doctl_config() {
    let (env, api) = serving_a_token();
    write_doctl_config(&env, DOCTL_CONFIG);

    // (arguments, environment, the token that must reach the API)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["--access-token", "flag"],
            vec![
                ("DIGITALOCEAN_ACCESS_TOKEN", "env"),
                ("DIGITALOCEAN_CONTEXT", "home"),
            ],
            "flag",
        ),
        (
            vec!["--context", "home"],
            vec![("DIGITALOCEAN_ACCESS_TOKEN", "env")],
            "dop_v1_from_doctl_home",
        ),
        (
            vec![],
            vec![
                ("DIGITALOCEAN_CONTEXT", "home"),
                ("DIGITALOCEAN_ACCESS_TOKEN", "env"),
            ],
            "dop_v1_from_doctl_home",
        ),
        (
            vec!["--context", "default"],
            vec![],
            "dop_v1_from_doctl_default",
        ),
        (
            vec![],
            vec![
                ("DIGITALOCEAN_ACCESS_TOKEN", "env-access"),
                ("DIGITALOCEAN_TOKEN", "env-token"),
            ],
            "env-access",
        ),
        (
            vec![],
            vec![("DIGITALOCEAN_TOKEN", "env-token")],
            "env-token",
        ),
        (vec![], vec![], "dop_v1_from_doctl_work"),
    ];
    for (args, vars, expected) in cases {
        run_ok(
            plain_command(&env, &api)
                .args(&args)
                .envs(vars.iter().copied()),
        );
        assert_eq!(token_sent(&api), expected, "args {args:?} env {vars:?}");
    }
}

#[test]
#[cfg(unix)]
fn xdg_config_home_moves_doctl_config() {
    let (env, api) = serving_a_token();
    let xdg = env.home().join("xdg");
    std::fs::create_dir_all(xdg.join("doctl")).unwrap();
    std::fs::write(xdg.join("doctl/config.yaml"), "access-token: dop_v1_xdg\n").unwrap();
    run_ok(plain_command(&env, &api).env("XDG_CONFIG_HOME", &xdg));
    assert_eq!(token_sent(&api), "dop_v1_xdg");
}

#[test]
fn no_token_anywhere_is_a_clear_error_and_no_request() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let out = run(&mut plain_command(&env, &api));
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("DIGITALOCEAN_ACCESS_TOKEN")
            && out.stderr.contains("doks-auth auth init"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1);
    assert!(api.requests().is_empty());
}

#[test]
fn unknown_context_names_the_known_ones() {
    let env = TestEnv::new();
    let api = DoApi::start();
    write_doctl_config(&env, DOCTL_CONFIG);
    let out = run(plain_command(&env, &api).args(["--context", "staging"]));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("\"staging\"") && out.stderr.contains("home, work"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("dop_v1"),
        "a token leaked: {}",
        out.stderr
    );
    assert!(api.requests().is_empty());
}

#[test]
fn accounts_never_share_cache_entries() {
    let (env, api) = serving_a_token();
    let as_account = |token: &str| {
        let mut cmd = env.doks_auth();
        cmd.args(["get-credential", "-c", CLUSTER_ID, "-u", &api.url()])
            .env("DIGITALOCEAN_ACCESS_TOKEN", token);
        run_ok(&mut cmd)
    };
    as_account("dop_v1_alice");
    as_account("dop_v1_bob");
    as_account("dop_v1_alice");
    as_account("dop_v1_bob");
    // One fetch per account, then each is served its own entry.
    let senders: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(senders, ["Bearer dop_v1_alice", "Bearer dop_v1_bob"]);
    let entries: Vec<_> = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    for file in env.files() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            !text.contains("dop_v1_alice") && !text.contains("dop_v1_bob"),
            "DigitalOcean token written to {}",
            file.display()
        );
    }
}

#[test]
fn a_token_with_a_control_character_is_a_usage_error_and_nothing_is_sent() {
    let (env, api) = serving_a_token();
    for (how, value) in [
        ("env", "dop_v1_abc\u{7}zq9tail"),
        ("flag", "dop_v1_abc\nzq9tail"),
        ("env", "dop_v1_abc zq9tail"),
    ] {
        let mut cmd = env.doks_auth();
        cmd.args(["get-credential", "-c", CLUSTER_ID, "-u", &api.url()]);
        let source = if how == "env" {
            cmd.env("DIGITALOCEAN_ACCESS_TOKEN", value);
            "DIGITALOCEAN_ACCESS_TOKEN"
        } else {
            cmd.args(["--access-token", value]);
            "--access-token"
        };
        let out = run(&mut cmd);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(source), "{}", out.stderr);
        assert!(
            !out.stderr.contains("zq9tail") && !out.stderr.contains("dop_v1_abc"),
            "the token was quoted: {}",
            out.stderr
        );
    }
    assert!(api.requests().is_empty(), "a request was made");
}
