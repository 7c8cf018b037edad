//! `doks-auth auth`'s edges: a bad token blamed on where it came from, context names that
//! ignore case as doctl's do, and edits made at the same time, none lost.

use std::io::Write;
use std::process::Stdio;

use crate::auth::{DOCTL_CONFIG, OTHER_TOKEN, account_api, auth, doctl_config, write_doctl_config};
use crate::support::*;

/// A refused or unusable token is blamed on where it came from (the doctl context, standard
/// input), never on `--access-token`, which was not given.
#[test]
fn a_bad_token_is_blamed_on_its_doctl_context_or_standard_input() {
    let env = TestEnv::new();
    let api = account_api();
    let path = doctl_config(&env);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        format!("access-token: {DO_TOKEN}\nauth-contexts:\n  team-b: {OTHER_TOKEN}\n  spaced: \"dop_v1 a b\"\ncontext: default\n"),
    )
    .unwrap();
    let out = auth(&env, &api, &["list", "-v"], "");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(!all.contains("--access-token"), "{all}");
    assert!(!all.contains(OTHER_TOKEN), "{all}");
    let row = |name: &str| {
        out.stdout
            .lines()
            .find(|l| {
                l.split_whitespace().next() == Some(name)
                    || l.split_whitespace().nth(1) == Some(name)
            })
            .unwrap_or_else(|| panic!("no row {name}: {}", out.stdout))
            .to_string()
    };
    assert!(
        row("team-b").contains("auth init --context team-b"),
        "{}",
        out.stdout
    );
    assert!(
        row("spaced").contains("doctl context \"spaced\""),
        "{}",
        out.stdout
    );

    let out = auth(
        &env,
        &api,
        &["init", "-v", "--context", "x"],
        "dop_v1_revoked\n",
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(!out.stderr.contains("--access-token"), "{}", out.stderr);
    assert!(!out.stderr.contains("dop_v1_revoked"), "{}", out.stderr);
}

/// doctl (viper) ignores case in context names: a hand-written `Work` is switched to, listed and
/// removed as `work`, however the user spells it.
#[test]
fn context_names_ignore_case_as_doctl_does() {
    let env = TestEnv::new();
    let path = doctl_config(&env);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        format!("access-token: \"\"\nauth-contexts:\n  Work: {OTHER_TOKEN}\ncontext: default\n"),
    )
    .unwrap();
    run_ok(
        env.doks_auth()
            .args(["auth", "switch", "--context", "WORK"]),
    );
    let table = run_ok(env.doks_auth().args(["auth", "list", "--offline"]));
    assert!(table.stdout.contains("*        work "), "{}", table.stdout);
    run_ok(
        env.doks_auth()
            .args(["auth", "remove", "--context", "work"]),
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(OTHER_TOKEN), "{text}");
    assert!(text.contains("context: default"), "{text}");
}

/// Several `auth init`s at once (scripts setting up a machine, a user with two terminals) each
/// read, change and write doctl's config: under doks-auth's lock every context ends up stored,
/// and the file's other keys and comments with them.
#[test]
fn concurrent_auth_inits_lose_no_context_and_no_other_key() {
    const N: usize = 12;
    let env = TestEnv::new();
    let api = account_api();
    let path = write_doctl_config(&env);
    let url = api.url();
    let children: Vec<_> = (0..N)
        .map(|i| {
            let mut child = env
                .doks_auth()
                .args([
                    "auth",
                    "init",
                    "--context",
                    &format!("c{i}"),
                    "--api-url",
                    &url,
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            (child, stdin.write_all(DO_TOKEN.as_bytes()).map(|_| stdin))
        })
        .collect();
    for (i, (child, stdin)) in children.into_iter().enumerate() {
        drop(stdin.unwrap());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "c{i}: {stderr}");
        assert!(
            stderr.contains(&format!("as doctl context \"c{i}\"")),
            "{stderr}"
        );
    }
    let listed = run_ok(
        env.doks_auth()
            .args(["auth", "list", "--offline", "-o", "json"]),
    )
    .json();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["name"].as_str().unwrap())
        .collect();
    for i in 0..N {
        assert!(
            names.contains(&format!("c{i}").as_str()),
            "c{i} lost: {names:?}"
        );
    }
    // Every line of the file as it was is still there, in its order.
    let text = std::fs::read_to_string(&path).unwrap();
    let before = DOCTL_CONFIG.replace("OTHER", OTHER_TOKEN);
    let mut kept = text.lines();
    for line in before.lines() {
        assert!(kept.any(|l| l == line), "lost or moved: {line:?}\n{text}");
    }
    assert_eq!(text.matches(DO_TOKEN).count(), N, "{text}");
}

/// A doctl config whose contexts share a token through a YAML anchor and alias: an edit that
/// would change what the alias reads (or copy it over the alias) is refused with one line, the
/// file kept byte for byte; edits that leave them be are made in place, anchor, alias and
/// comments kept. (Before, such an edit wrote the whole file anew, silently.)
#[test]
fn an_edit_under_a_yaml_alias_is_refused_and_the_file_kept_byte_for_byte() {
    let env = TestEnv::new();
    let api = account_api();
    let path = doctl_config(&env);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text = format!(
        "# one token, two names\naccess-token: &shared {OTHER_TOKEN}\nauth-contexts:\n  team-a: *shared  # as default\n  team-b: {DO_TOKEN}\ncontext: default\n"
    );
    std::fs::write(&path, &text).unwrap();
    let refused = [
        run(&mut auth_command(&env, &["remove", "--context", "default"])),
        auth(&env, &api, &["init", "--context", "default"], DO_TOKEN),
    ];
    for out in refused {
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.starts_with("doks-auth: ")
                && out.stderr.contains("aliases")
                && out.stderr.contains("nothing was changed"),
            "{}",
            out.stderr
        );
        assert_eq!(std::fs::read(&path).unwrap(), text.as_bytes());
    }
    // Made in place: the current context, and another context removed.
    run_ok(&mut auth_command(&env, &["switch", "--context", "team-a"]));
    let switched = text.replace("context: default\n", "context: team-a\n");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), switched);
    run_ok(&mut auth_command(&env, &["remove", "--context", "team-b"]));
    let removed = switched.replace(&format!("  team-b: {DO_TOKEN}\n"), "");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), removed);
}

/// `doks-auth auth <args>`, with no token anywhere but doctl's config.
fn auth_command(env: &TestEnv, args: &[&str]) -> std::process::Command {
    let mut cmd = env.doks_auth();
    cmd.arg("auth").args(args);
    cmd
}
