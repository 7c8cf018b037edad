//! A stanza's bare command (`doks-auth`): kubectl finds it by Go's `exec.LookPath`, which
//! refuses a program found through an empty or relative `PATH` entry (its `ErrDot`). doctor's
//! "command" step must fail exactly where a plain kubectl then cannot run the plugin, and warn
//! (a bare name) where it can: kubectl is the oracle.

#![cfg(unix)]

use crate::doctor::{Bed, step};
use crate::support::*;

#[test]
fn doctor_fails_a_bare_command_exactly_where_kubectl_cannot_run_it() {
    let Some(kubectl) = kubectls().pop().filter(|k| k.as_os_str() != "kubectl") else {
        return;
    };
    let bed = Bed::new();
    bed.write_kubeconfig("doks-auth");
    let home = bed.env.home().to_path_buf();
    let (bin, here) = (home.join("bin"), home.join("here"));
    for dir in [&bin, &here, &here.join("rel")] {
        std::fs::create_dir_all(dir).unwrap();
        std::os::unix::fs::symlink(doks_auth_bin(), dir.join("doks-auth")).unwrap();
    }
    let bin_s = bin.display().to_string();
    let cases = [
        ("an absolute entry", bin_s.clone(), true),
        ("an empty entry first", format!(":{bin_s}"), false),
        ("a relative entry first", format!("rel:{bin_s}"), false),
        (
            "not on PATH, though in the current folder",
            "/nowhere".into(),
            false,
        ),
    ];
    for (name, path, runs) in cases {
        let out = run(bed
            .env
            .command(&kubectl)
            .args(["get", "--raw", "/version"])
            .env("KUBECONFIG", &bed.kubeconfig)
            .env("PATH", &path)
            .current_dir(&here));
        assert_eq!(out.code == Some(0), runs, "{name}: kubectl: {}", out.stderr);
        let said = run(bed
            .env
            .doks_auth()
            .args(["doctor", "-o", "json"])
            .env("KUBECONFIG", &bed.kubeconfig)
            .env("PATH", &path)
            .current_dir(&here));
        let expected = if runs { "warning" } else { "failed" };
        let command = step(&said, "command");
        assert_eq!(command["status"], expected, "{name}: {command}");
    }
}
