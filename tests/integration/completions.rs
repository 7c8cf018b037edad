//! `doks-auth completions <shell>`: a script for each shell clap_complete knows.

use crate::support::*;

#[test]
fn every_shell_gets_a_script_that_names_the_subcommands() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(env.doks_auth().args(["completions", shell]));
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{shell}");
        assert!(!out.stdout.trim().is_empty(), "{shell}: empty script");
        assert!(
            out.stdout.contains("get-credential"),
            "{shell}: no get-credential in\n{}",
            out.stdout
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let env = TestEnv::new();
    let out = run(env.doks_auth().args(["completions", "tcsh"]));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

/// What bash offers for the words typed so far (the last one being completed), through the
/// generated script and bash's own completion machinery.
fn bash_completes(env: &TestEnv, script: &str, words: &[&str]) -> Vec<String> {
    let file = env.home().join("doks-auth.bash");
    std::fs::write(&file, script).unwrap();
    let words_list: String = words.iter().map(|w| format!("{w:?} ")).collect();
    let current = words.len() - 1;
    let program = format!(
        "source {file:?}\n\
         COMP_WORDS=({words_list})\n\
         COMP_CWORD={current}\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         _doks__auth doks-auth \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$((COMP_CWORD-1))]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        file = file.display().to_string(),
    );
    let out = run_ok(
        env.command("bash")
            .args(["--norc", "--noprofile", "-c", &program]),
    );
    out.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_and_their_options_at_every_level() {
    let env = TestEnv::new();
    let script = run_ok(env.doks_auth().args(["completions", "bash"])).stdout;
    assert_eq!(
        bash_completes(&env, &script, &["doks-auth", "kub"]),
        ["kubeconfig"]
    );
    assert_eq!(
        bash_completes(&env, &script, &["doks-auth", "kubeconfig", "s"]),
        ["save", "show"]
    );
    assert_eq!(
        bash_completes(&env, &script, &["doks-auth", "cache", "c"]),
        ["clear"]
    );
    assert_eq!(
        bash_completes(&env, &script, &["doks-auth", "kubeconfig", "save", "--set"]),
        ["--set-current-context"]
    );
    let remove = bash_completes(&env, &script, &["doks-auth", "kubeconfig", "remove", "--"]);
    assert!(remove.contains(&"--cache-dir".to_string()), "{remove:?}");
    assert!(
        !remove.contains(&"--exec-command".to_string()),
        "{remove:?}"
    );
    assert_eq!(
        bash_completes(&env, &script, &["doks-auth", "get-credential", "--cluster"]),
        ["--cluster-id"]
    );
}
