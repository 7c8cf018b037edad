//! `doks-auth completions <shell>`: a script for each shell clap_complete knows.

use crate::support::*;

#[test]
fn every_shell_gets_a_script_that_completes_get_credential() {
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
