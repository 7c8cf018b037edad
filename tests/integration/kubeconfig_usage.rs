//! Flags that would mean nothing are usage errors (exit 2) before anything is asked or written:
//! a blank `--alias` (kubectl reads an empty name as none), and SSO flags on a token stanza.

use crate::kubeconfig::*;
use crate::support::*;

#[test]
fn a_blank_alias_is_a_usage_error_for_save_and_remove() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    save(&env, &api, &path, &["prod"]);
    let before = std::fs::read(&path).unwrap();
    let asked = api.requests().len();
    for command in ["save", "remove"] {
        for alias in ["", " ", "\t"] {
            let out = run(&mut doks(
                &env,
                &api,
                Some(&path),
                &["kubeconfig", command, "prod", "--alias", alias],
            ));
            assert_eq!(out.code, Some(2), "{command} {alias:?}: {}", out.stderr);
            assert!(out.stderr.contains("--alias"), "{}", out.stderr);
            assert_eq!(std::fs::read(&path).unwrap(), before, "{command} {alias:?}");
        }
    }
    assert_eq!(api.requests().len(), asked);
}

#[test]
fn sso_flags_with_auth_token_are_usage_errors_for_save_and_show() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    for command in ["save", "show"] {
        for flags in [
            &["--sso-grant", "paste"][..],
            &["--sso-local-server-port", "8000"],
            &[
                "--sso-grant",
                "device-code",
                "--sso-local-server-port",
                "8000",
            ],
        ] {
            let mut args = vec!["kubeconfig", command, "prod", "--auth", "token"];
            args.extend_from_slice(flags);
            let out = run(&mut doks(&env, &api, Some(&path), &args));
            assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
            assert_eq!(out.stdout, "", "{args:?}");
            assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
            assert!(
                out.stderr.starts_with("doks-auth: ") && out.stderr.contains("--auth sso"),
                "{}",
                out.stderr
            );
        }
    }
    assert!(!path.exists());
    assert!(api.requests().is_empty());
}

/// An alias YAML would read as null or another type (`~`, `null`, `true`) is no blank: it is
/// written quoted, and plain kubectl reads it back as the very name (checked for issue 22's
/// review, which asked whether `--alias "~"` named nothing).
#[test]
fn an_alias_yaml_would_read_as_null_is_the_name_kubectl_selects() {
    if !kubectl_available() {
        return;
    }
    for alias in ["~", "null", "NULL", "true"] {
        let (env, api) = account(&[prod()]);
        let path = env.home().join("kubeconfig");
        save(&env, &api, &path, &["prod", "--alias", alias]);
        let current = run_ok(
            env.command("kubectl")
                .args(["config", "current-context"])
                .env("KUBECONFIG", &path),
        );
        assert_eq!(current.stdout, format!("{alias}\n"));
        let view = run_ok(
            env.command("kubectl")
                .args(["config", "view", "--raw", "-o", "json"])
                .env("KUBECONFIG", &path),
        )
        .json();
        assert_eq!(view["contexts"][0]["name"], alias, "{view}");
    }
}
