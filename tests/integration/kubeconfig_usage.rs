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

/// `--prune` (and `--dry-run` where it has no meaning) is no silent no-op: with one cluster,
/// `save prod --prune` is a usage error before any request or write (issue 22, item 5).
#[test]
fn prune_without_all_is_a_usage_error_that_asks_and_writes_nothing() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod", "--prune"],
    ));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: ")
            && out.stderr.contains("--prune works only with --all"),
        "{}",
        out.stderr
    );
    assert!(!path.exists());
    // Without a cluster, what is missing is --all, and the usage shown is one that works.
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "--prune"],
    ));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("--all"), "{}", out.stderr);
    assert!(!out.stderr.contains("<CLUSTER>"), "{}", out.stderr);
    assert!(api.requests().is_empty());
}

/// `show` and `remove` name one cluster: their help shows the argument as required, and leaving
/// it out is a usage error that offers no `--all`, which they do not take (issue 22, item 6).
#[test]
fn show_and_remove_require_a_cluster_and_never_offer_all() {
    let env = TestEnv::new();
    for command in ["show", "remove"] {
        let help = run_ok(env.doks_auth().args(["kubeconfig", command, "--help"]));
        assert!(
            help.stdout
                .contains(&format!("kubeconfig {command} [OPTIONS] <CLUSTER>")),
            "{command}: {}",
            help.stdout
        );
        assert!(!help.stdout.contains("--all"), "{command}: {}", help.stdout);
        let out = run(env.doks_auth().args(["kubeconfig", command]));
        assert_eq!(out.code, Some(2), "{command}: {}", out.stderr);
        assert!(
            out.stderr.contains("<CLUSTER>"),
            "{command}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("--all"), "{command}: {}", out.stderr);
    }
}

/// `save <cluster> --dry-run` says what it would do, the permission it would tighten included,
/// and writes nothing: not the file, its lock, nor the cache (issue 22, item 5).
#[cfg(unix)]
#[test]
fn a_dry_run_save_says_what_it_would_do_and_writes_nothing() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, "apiVersion: v1\nkind: Config\n").unwrap();
    set_mode(&path, 0o644);
    let before = (
        std::fs::read(&path).unwrap(),
        std::fs::metadata(&path).unwrap().modified().unwrap(),
    );
    let out = run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod", "--dry-run"],
    ));
    assert_eq!(out.stdout, "");
    let said = format!(
        "would have saved context do-nyc1-prod in {}",
        path.display()
    );
    assert!(out.stderr.contains(&said), "{}", out.stderr);
    let tighten = format!(
        "note: would tighten permissions of {} from 644 to 600",
        path.display()
    );
    assert!(out.stderr.contains(&tighten), "{}", out.stderr);
    let after = (
        std::fs::read(&path).unwrap(),
        std::fs::metadata(&path).unwrap().modified().unwrap(),
    );
    assert_eq!(before, after);
    assert_eq!(mode(&path), 0o644);
    let left: Vec<_> = std::fs::read_dir(env.home())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lock") || n.starts_with(".doks-auth"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(!env.cache_dir().exists(), "a dry run made the cache");
}
