//! `kubeconfig save|remove` and the files themselves, as kubectl treats them: several files in
//! KUBECONFIG, another user's file edited by root, concurrent saves, the path written as the
//! exec command, and fields doks-auth does not know.

use std::path::Path;

use serde_json::Value;

use crate::kubeconfig::{account, doks, prod, staging};
use crate::support::*;

fn yaml(path: &Path) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn names(doc: &Value, list: &str) -> Vec<String> {
    doc[list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn joined(paths: &[&Path]) -> std::ffi::OsString {
    std::env::join_paths(paths).unwrap()
}

#[test]
fn with_several_files_new_entries_go_to_the_first_that_exists_and_none_is_created() {
    let (env, api) = account(&[prod()]);
    let missing = env.home().join("missing/config");
    let second = env.home().join("second");
    let third = env.home().join("third");
    std::fs::write(
        &second,
        "apiVersion: v1\nkind: Config\ncurrent-context: \"\"\n",
    )
    .unwrap();
    std::fs::write(
        &third,
        "apiVersion: v1\nkind: Config\ncurrent-context: other\n",
    )
    .unwrap();
    let out = run_ok(
        doks(&env, &api, None, &["kubeconfig", "save", "prod"])
            .env("KUBECONFIG", joined(&[&missing, &second, &third])),
    );
    assert_every_line_is_ours(&out.stderr);
    assert!(
        !missing.exists() && !missing.parent().unwrap().exists(),
        "created the missing first file"
    );
    let doc = yaml(&second);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names(&doc, "users"), ["do-nyc1-prod-admin"]);
    assert_eq!(names(&doc, "contexts"), ["do-nyc1-prod"]);
    // current-context goes to the first file that exists, as `kubectl config use-context` does
    // (client-go's writeCurrentContext); the third file, which sets another, is left alone.
    assert_eq!(doc["current-context"], "do-nyc1-prod");
    assert_eq!(yaml(&third)["current-context"], "other");
    assert!(
        out.stderr.contains(&format!(
            "doks-auth: saved context do-nyc1-prod in {} (current context)",
            second.display(),
        )),
        "{}",
        out.stderr
    );

    // Real kubectl sees the merged result the same way.
    let view = run_ok(
        env.command("kubectl")
            .args(["config", "current-context"])
            .env("KUBECONFIG", joined(&[&missing, &second, &third])),
    );
    assert_eq!(view.stdout.trim(), "do-nyc1-prod");
}

#[test]
fn with_no_file_existing_the_last_one_is_created() {
    let (env, api) = account(&[prod()]);
    let first = env.home().join("a/config");
    let last = env.home().join("b/config");
    run_ok(
        doks(&env, &api, None, &["kubeconfig", "save", "prod"])
            .env("KUBECONFIG", joined(&[&first, &last])),
    );
    assert!(!first.exists());
    assert_eq!(names(&yaml(&last), "users"), ["do-nyc1-prod-admin"]);
}

#[test]
fn an_entry_is_edited_in_the_file_that_defines_it_and_removed_from_every_file() {
    let (env, api) = account(&[prod(), staging()]);
    let first = env.home().join("first");
    let second = env.home().join("second");
    std::fs::write(&first, "apiVersion: v1\nkind: Config\nclusters:\n- name: mine\n  cluster: {server: https://127.0.0.1:1}\n").unwrap();
    // The user entry lives in the second file (say, the control panel's, with a DigitalOcean
    // token: a token of another kind would be someone's own credential, never replaced).
    std::fs::write(
        &second,
        format!(
            "apiVersion: v1\nkind: Config\nusers:\n- name: do-nyc1-prod-admin\n  user: {{token: dop_v1_{}}}\n",
            "0c".repeat(32)
        ),
    )
    .unwrap();
    let kubeconfig = joined(&[&first, &second]);
    run_ok(doks(&env, &api, None, &["kubeconfig", "save", "prod"]).env("KUBECONFIG", &kubeconfig));
    let (one, two) = (yaml(&first), yaml(&second));
    assert_eq!(names(&one, "clusters"), ["mine", "do-nyc1-prod"]);
    assert_eq!(names(&one, "users"), Vec::<String>::new());
    assert_eq!(names(&two, "users"), ["do-nyc1-prod-admin"]);
    assert!(
        two["users"][0]["user"].get("token").is_none(),
        "the old token stayed"
    );
    assert_eq!(two["users"][0]["user"]["exec"]["args"][2], CLUSTER_ID);

    // remove finds the entries in both files, by name and by the id in the exec args.
    let out = run_ok(
        doks(&env, &api, None, &["kubeconfig", "remove", CLUSTER_ID])
            .env("KUBECONFIG", &kubeconfig),
    );
    assert_every_line_is_ours(&out.stderr);
    assert!(
        out.stderr.contains(
            "removed context do-nyc1-prod, cluster do-nyc1-prod and user do-nyc1-prod-admin from"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("no entries"), "{}", out.stderr);
    assert_eq!(names(&yaml(&first), "clusters"), ["mine"]);
    assert_eq!(names(&yaml(&first), "contexts"), Vec::<String>::new());
    assert_eq!(names(&yaml(&second), "users"), Vec::<String>::new());
    // Nothing left: it says so.
    let out = run_ok(
        doks(&env, &api, None, &["kubeconfig", "remove", CLUSTER_ID])
            .env("KUBECONFIG", &kubeconfig),
    );
    assert!(
        out.stderr.contains("doks-auth: no entries for cluster"),
        "{}",
        out.stderr
    );
}

#[test]
#[cfg(unix)]
fn root_editing_another_users_kubeconfig_keeps_its_owner() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root to give a file to another user");
        return;
    }
    let (env, api) = account(&[prod()]);
    let path = env.home().join("users-config");
    std::fs::write(&path, "apiVersion: v1\nkind: Config\n").unwrap();
    std::os::unix::fs::chown(&path, Some(4242), Some(4343)).unwrap();
    run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod"],
    ));
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid()),
        (4242, 4343),
        "the file now belongs to root"
    );
    assert_eq!(names(&yaml(&path), "users"), ["do-nyc1-prod-admin"]);
    run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "remove", "prod"],
    ));
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4242, 4343));
}

#[test]
fn concurrent_saves_wait_for_each_other_and_all_land() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    let children: Vec<_> = (0..8)
        .map(|i| {
            doks(
                &env,
                &api,
                Some(&path),
                &["kubeconfig", "save", "prod", "--alias", &format!("ctx-{i}")],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut contexts = names(&yaml(&path), "contexts");
    contexts.sort();
    assert_eq!(
        contexts,
        (0..8).map(|i| format!("ctx-{i}")).collect::<Vec<_>>()
    );
    assert!(!env.home().join("config.lock").exists());
}

#[test]
#[cfg(unix)]
fn the_exec_command_is_the_path_doks_auth_was_run_as() {
    let (env, api) = account(&[prod()]);
    // A package manager's layout: a stable link to a versioned install.
    let versioned = env.home().join("versions/0.1.0");
    std::fs::create_dir_all(&versioned).unwrap();
    std::fs::copy(doks_auth_bin(), versioned.join("doks-auth")).unwrap();
    let bin = env.home().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(versioned.join("doks-auth"), bin.join("doks-auth")).unwrap();
    let path = env.home().join("config");
    let exec_command = |doc: &Value| {
        doc["users"][0]["user"]["exec"]["command"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // Run by name, found in PATH.
    let mut search = bin.clone().into_os_string();
    search.push(":");
    search.push(std::env::var_os("PATH").unwrap());
    let mut by_name = env.command("doks-auth");
    by_name
        .args(["kubeconfig", "save", "prod", "--api-url", &api.url()])
        .env("PATH", &search)
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
        .env("KUBECONFIG", &path);
    run_ok(&mut by_name);
    assert_eq!(
        exec_command(&yaml(&path)),
        bin.join("doks-auth").display().to_string()
    );

    // Run by a relative path through the link.
    let mut relative = env.command("./bin/doks-auth");
    relative
        .args(["kubeconfig", "save", "prod", "--api-url", &api.url()])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
        .env("KUBECONFIG", &path);
    run_ok(&mut relative);
    assert_eq!(
        exec_command(&yaml(&path)),
        bin.join("doks-auth").display().to_string()
    );
}

#[test]
fn set_current_context_works_bare_and_as_false() {
    let (env, api) = account(&[prod(), staging()]);
    let path = env.home().join("config");
    run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod"],
    ));
    run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &[
            "kubeconfig",
            "save",
            "staging",
            "--set-current-context=false",
        ],
    ));
    assert_eq!(yaml(&path)["current-context"], "do-nyc1-prod");
    run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "staging", "--set-current-context"],
    ));
    assert_eq!(yaml(&path)["current-context"], "do-ams3-staging");
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "remove", "prod", "--expiry-seconds", "60"],
    ));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
}

#[test]
fn scalars_in_fields_doks_auth_does_not_know_are_written_as_they_were() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    let unknown = [
        "  version: 1.10",
        "  mask: 0x1F",
        "  enabled: yes",
        "  mode: 0755",
        "  nothing: ~",
        "  big: 12345678901234567890123",
        "  quoted: '1.10'",
    ];
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nx-tool:\n{}\n",
            unknown.join("\n")
        ),
    )
    .unwrap();
    run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod"],
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    // Every line kept as it was, quoting included: only doks-auth's entries were written.
    for line in &unknown {
        assert!(
            text.contains(&format!("{line}\n")),
            "{line:?} lost:\n{text}"
        );
    }
    // kubectl still reads the file.
    let out = run_ok(
        kubectl()
            .args(["config", "get-contexts", "-o", "name"])
            .env("KUBECONFIG", &path),
    );
    assert_eq!(out.stdout.trim(), "do-nyc1-prod");
}
