//! Integration tests: the real `doks-auth` binary against real peers on loopback (a DigitalOcean
//! API stand-in, a TLS Kubernetes API stand-in) and real `kubectl`. One test binary, one module
//! per area, in the style of ripgrep's tests.
//!
//! Built for Windows too, and run under Wine by `cross test --test integration` (CI does): there
//! `doks-auth.exe` meets the same stand-ins, and `kubectl` is the real Windows `kubectl.exe`
//! (`DOKS_KUBECTL_WINDOWS`, as `tests/windows_kubectl.rs` finds it). What needs a Unix-only tool
//! is `#[cfg(unix)]`, by module below or by test: node and npm (the OpenID provider of the SSO
//! modules), libfaketime (`clock`), strace (`revocation`), network namespaces, sh and bash, git,
//! the Google Cloud SDK kubectl dispatcher and the plain Linux kubectls (`kubectl`, `krew`,
//! `reach`, `kuberc`), and Unix modes, owners, FIFOs and symlinks. A test that runs on Windows
//! but cannot pass under Wine is `#[cfg_attr(windows, ignore = "why")]`.

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod auth_edges;
mod cache_behaviour;
mod cache_commands;
mod cache_list;
#[cfg(unix)]
mod clock;
mod clusters;
mod clusters_contexts;
mod completions;
mod disk;
mod doctor;
mod doctor_auth_context;
mod doctor_command;
mod doctor_edges;
mod doctor_server_words;
#[cfg(unix)]
mod doctor_sso;
mod doctor_start;
mod failures;
mod get_credential;
#[cfg(unix)]
mod krew;
mod kubeconfig;
mod kubeconfig_cache_dir;
mod kubeconfig_convert;
mod kubeconfig_convert_kept;
mod kubeconfig_corpus;
mod kubeconfig_corpus_dry;
mod kubeconfig_corpus_layouts;
mod kubeconfig_corpus_views;
mod kubeconfig_current;
mod kubeconfig_exec_kept;
mod kubeconfig_files;
mod kubeconfig_in_place;
mod kubeconfig_kept_fields;
mod kubeconfig_names;
mod kubeconfig_not_ours;
mod kubeconfig_orphans;
mod kubeconfig_own_context;
mod kubeconfig_pinned;
mod kubeconfig_readonly;
mod kubeconfig_recreated;
#[cfg(unix)] // `:`-separated KUBECONFIG and symlinks
mod kubeconfig_same_file;
mod kubeconfig_save;
mod kubeconfig_save_all;
mod kubeconfig_shared;
mod kubeconfig_show_remove;
mod kubeconfig_split;
mod kubeconfig_teams;
mod kubeconfig_text;
mod kubeconfig_usage;
#[cfg(unix)]
mod kubectl;
#[cfg(unix)]
mod kuberc;
#[cfg(unix)]
mod logout_edges;
mod messages;
mod network_faults;
mod outage;
#[cfg(unix)]
mod reach;
mod reach_probe;
#[cfg(unix)]
mod revocation;
mod secrets;
#[cfg(unix)]
mod sso;
#[cfg(unix)]
mod sso_background;
#[cfg(unix)]
mod sso_edges;
#[cfg(unix)]
mod sso_failures;
#[cfg(unix)]
mod sso_kubectl;
#[cfg(unix)]
mod sso_logout;
#[cfg(unix)]
mod sso_paste;
#[cfg(unix)]
mod sso_refresh;
mod stress;
mod tokens;
mod whoami;

/// A file under `tests/` that no test target compiles runs no test, silently: cargo compiles
/// `tests/*.rs` by itself, but a module file here runs only if it is declared above.
#[test]
fn every_test_file_is_compiled() {
    use std::path::Path;
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut missing = Vec::new();
    // cargo compiles a folder's `main.rs` as a target of its own; its other files only as
    // declared there.
    for (folder, declared) in [
        ("integration", include_str!("main.rs")),
        (
            "windows_kubectl",
            include_str!("../windows_kubectl/main.rs"),
        ),
    ] {
        for entry in std::fs::read_dir(tests.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if path.extension().is_some_and(|x| x == "rs")
                && stem != "main"
                && !declared.contains(&format!("\nmod {stem};"))
            {
                missing.push(path.display().to_string());
            }
        }
    }
    // The other folders under tests/ hold shared code only (tests/support), in tests/sso the node
    // programs the SSO tests run, and in tests/kubeconfigs the corpus kubeconfig_corpus reads.
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir()
            && ![
                "integration",
                "windows_kubectl",
                "support",
                "sso",
                "kubeconfigs",
            ]
            .contains(&name.as_str())
        {
            missing.push(format!(
                "{} (a folder cargo does not compile)",
                path.display()
            ));
        }
    }
    let support = include_str!("../support/mod.rs");
    for entry in std::fs::read_dir(tests.join("support")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if stem != "mod" && !support.contains(&format!("\nmod {stem};")) {
            missing.push(format!("{} (not declared in mod.rs)", path.display()));
        }
    }
    assert!(
        missing.is_empty(),
        "test files that are not compiled: {missing:?}"
    );
}
