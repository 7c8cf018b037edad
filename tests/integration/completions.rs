//! `doks-auth completion <shell>` (and `completions`): a script that asks doks-auth on TAB, and
//! what it offers — subcommands and flags at every level, the account's cluster names from the
//! API, doctl's auth contexts and the kubeconfig's contexts — driven through bash's own
//! completion machinery.

#[cfg(unix)]
use std::time::Instant;

use crate::support::*;

#[test]
fn every_shell_gets_a_script_that_calls_doks_auth_back() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(env.doks_auth().args(["completion", shell]));
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{shell}");
        // A Windows path's backslashes come doubled or more, as each shell's quoting wants.
        let bin = doks_auth_bin().display().to_string().replace('\\', "");
        assert!(
            out.stdout.replace('\\', "").contains(&bin) && out.stdout.contains("COMPLETE"),
            "{shell}: the script does not run doks-auth:\n{}",
            out.stdout
        );
        // `completions`, as before, is the same command.
        let plural = run_ok(env.doks_auth().args(["completions", shell]));
        assert_eq!(plural.stdout, out.stdout, "{shell}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let env = TestEnv::new();
    let out = run(env.doks_auth().args(["completion", "tcsh"]));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

/// What bash offers for the words typed so far (the last one being completed), through the
/// script and bash's own completion machinery, in `env` plus `vars`; bash must say nothing on
/// stderr (a TAB that prints an error scribbles over the command line being typed).
#[cfg(unix)] // bash
fn bash_completes(env: &TestEnv, vars: &[(&str, &str)], words: &[&str]) -> Vec<String> {
    let script = run_ok(env.doks_auth().args(["completion", "bash"])).stdout;
    let out = run_ok(&mut bash_tab(env, &script, vars, words));
    out.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// bash, with `script` sourced, pressing TAB after `words` and printing what it offers.
#[cfg(unix)] // bash
fn bash_tab(
    env: &TestEnv,
    script: &str,
    vars: &[(&str, &str)],
    words: &[&str],
) -> std::process::Command {
    let file = env.home().join("doks-auth.bash");
    std::fs::write(&file, script).unwrap();
    let words_list: String = words.iter().map(|w| format!("{w:?} ")).collect();
    let program = format!(
        "source {file:?}\n\
         COMP_WORDS=({words_list})\n\
         COMP_CWORD={current}\n\
         COMP_TYPE=9\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         _clap_complete_doks_auth doks-auth \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$((COMP_CWORD-1))]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        file = file.display().to_string(),
        current = words.len() - 1,
    );
    let mut cmd = env.command("bash");
    cmd.args(["--norc", "--noprofile", "-c", &program]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// A script saved once names the doks-auth that printed it; when that one is gone (moved,
/// uninstalled, upgraded to another path), TAB offers nothing and bash prints no error over
/// the line being typed.
#[test]
#[cfg(unix)]
fn a_tab_is_silent_when_the_doks_auth_the_script_names_is_gone() {
    let env = TestEnv::new();
    let bin = env.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let copy = bin.join("doks-auth");
    std::fs::copy(doks_auth_bin(), &copy).unwrap();
    let script = run_ok(env.command(&copy).args(["completion", "bash"])).stdout;
    assert!(script.contains(&copy.display().to_string()), "{script}");
    std::fs::remove_file(&copy).unwrap();
    let out = run(&mut bash_tab(&env, &script, &[], &["doks-auth", "kube"]));
    assert_eq!(out.stderr, "", "TAB printed an error");
    assert_eq!(out.stdout.trim(), "", "{}", out.stdout);
}

#[test]
#[cfg(unix)]
fn bash_completes_subcommands_and_their_options_at_every_level() {
    let env = TestEnv::new();
    let at = |words: &[&str]| bash_completes(&env, &[], words);
    assert_eq!(at(&["doks-auth", "kub"]), ["kubeconfig"]);
    assert_eq!(at(&["doks-auth", "kubeconfig", "s"]), ["save", "show"]);
    assert_eq!(at(&["doks-auth", "cache", "c"]), ["clear"]);
    assert_eq!(at(&["doks-auth", "auth", "s"]), ["switch"]);
    assert_eq!(
        at(&["doks-auth", "kubeconfig", "save", "--set"]),
        ["--set-current-context"]
    );
    let remove = at(&["doks-auth", "kubeconfig", "remove", "--"]);
    assert!(remove.contains(&"--cache-dir".to_string()), "{remove:?}");
    assert!(
        !remove.contains(&"--exec-command".to_string()),
        "{remove:?}"
    );
    assert_eq!(
        at(&["doks-auth", "get-credential", "--cluster"]),
        ["--cluster-id"]
    );
}

/// The values offered, without the flags offered beside them.
#[cfg(unix)] // bash
fn values(offered: Vec<String>) -> Vec<String> {
    offered
        .into_iter()
        .filter(|o| !o.starts_with('-'))
        .collect()
}

#[test]
#[cfg(unix)]
fn kubeconfig_save_completes_the_accounts_cluster_names_from_the_api() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_clusters(&[
        cluster_json(CLUSTER_ID, "prod", "nyc1", "https://p.example"),
        cluster_json(OTHER_CLUSTER_ID, "staging", "ams3", "https://s.example"),
        // A name no shell should be handed as it is.
        cluster_json(
            "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c",
            "pwn\u{1b}]0;x\u{7}",
            "fra1",
            "https://x.example",
        ),
    ]);
    let url = api.url();
    let vars = [
        ("DIGITALOCEAN_API_URL", url.as_str()),
        ("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN),
    ];
    let save = ["doks-auth", "kubeconfig", "save", ""];
    assert_eq!(
        values(bash_completes(&env, &vars, &save)),
        ["prod", "staging"]
    );
    assert_eq!(
        bash_completes(&env, &vars, &["doks-auth", "kubeconfig", "save", "st"]),
        ["staging"]
    );
    assert_eq!(
        bash_completes(&env, &vars, &["doks-auth", "kubeconfig", "remove", "p"]),
        ["prod"]
    );
    let asked = api
        .requests()
        .iter()
        .filter(|r| r.url.path() == "/v2/kubernetes/clusters")
        .count();
    assert_eq!(asked, 3);
}

#[test]
#[cfg(unix)]
fn completion_is_silent_and_quick_when_the_api_cannot_be_asked() {
    let env = TestEnv::new();
    // Nothing listens here: the port of a listener just closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let save = ["doks-auth", "kubeconfig", "save", ""];
    let started = Instant::now();
    let offered = bash_completes(
        &env,
        &[
            ("DIGITALOCEAN_API_URL", &url),
            ("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN),
        ],
        &save,
    );
    println!("completion with the API down: {:?}", started.elapsed());
    assert!(values(offered.clone()).is_empty(), "{offered:?}");
    // No token at all: no names either (the flags still), and no error on the terminal.
    assert!(values(bash_completes(&env, &[], &save)).is_empty());
}

#[test]
#[cfg(unix)]
fn context_flags_complete_doctl_contexts_or_kubeconfig_contexts() {
    let env = TestEnv::new();
    let doctl = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&doctl).unwrap();
    std::fs::write(
        doctl.join("config.yaml"),
        format!(
            "access-token: {DO_TOKEN}\nauth-contexts:\n  team-a: {DO_TOKEN}\n  team-b: {DO_TOKEN}\n"
        ),
    )
    .unwrap();
    let kube = env.home().join(".kube");
    std::fs::create_dir_all(&kube).unwrap();
    std::fs::write(
        kube.join("config"),
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: do-nyc1-prod\n  context: {cluster: a, user: a}\n- name: minikube\n  context: {cluster: m, user: m}\n",
    )
    .unwrap();
    let at = |words: &[&str]| bash_completes(&env, &[], words);
    assert_eq!(
        at(&["doks-auth", "clusters", "--context", ""]),
        ["default", "team-a", "team-b"]
    );
    assert_eq!(
        at(&["doks-auth", "auth", "switch", "--context", "team-"]),
        ["team-a", "team-b"]
    );
    assert_eq!(
        at(&["doks-auth", "doctor", "--context", ""]),
        ["do-nyc1-prod", "minikube"]
    );
    assert_eq!(at(&["doks-auth", "whoami", "--context", "m"]), ["minikube"]);
}

/// Another tool's `COMPLETE` in the environment is not a completion request: kubectl's
/// `get-credential` still gets its answer (here: the usual one-line error for a bad id, exit 2,
/// and nothing on stdout), never a completion script.
#[test]
fn a_stray_complete_variable_does_not_turn_get_credential_into_a_script() {
    let env = TestEnv::new();
    for value in ["bash", "true"] {
        let out = run(env.doks_auth().env("COMPLETE", value).args([
            "get-credential",
            "--cluster-id",
            "../x",
        ]));
        assert_eq!(out.code, Some(2), "{value}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{value}: a script on stdout");
        assert!(out.stderr.starts_with("doks-auth: "), "{}", out.stderr);
    }
}

/// `completion --help` (and `completions --help`) shows how to install the script for oneself
/// in every shell, with no root and no system folder, and the README and the getting-started
/// guide show the very same lines.
#[test]
fn completion_help_shows_per_user_installs_the_readme_repeats() {
    let env = TestEnv::new();
    let help = run_ok(env.doks_auth().args(["completion", "--help"])).stdout;
    assert_eq!(
        run_ok(env.doks_auth().args(["completions", "--help"])).stdout,
        help
    );
    assert!(!help.contains("/etc/"), "{help}");
    let lines: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Install it for yourself"))
        .filter_map(|l| l.strip_prefix("  "))
        .collect();
    for place in [
        "~/.local/share/bash-completion/completions/doks-auth",
        "~/.bashrc",
        "~/.zshrc",
        "~/.config/fish/completions/doks-auth.fish",
        "$PROFILE",
        "~/.config/elvish/rc.elv",
    ] {
        assert!(
            lines.iter().any(|l| l.ends_with(place)),
            "no install into {place}:\n{help}"
        );
    }
    for doc in ["README.md", "docs/getting-started.md"] {
        let text =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(doc))
                .unwrap();
        for line in &lines {
            assert!(
                text.lines().any(|l| l == *line),
                "{doc} does not show `{line}`"
            );
        }
    }
}
