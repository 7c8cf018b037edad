//! doctor against kubectl.exe: what doctor calls fine, kubectl.exe runs, and the other way round.

use std::process::Command;

use crate::bed::{Bed, kubectl};
use crate::support::*;

/// kubectl finds its kuberc in the home folder of client-go's rule (the first of HOME,
/// HOMEDRIVE+HOMEPATH and USERPROFILE that holds `.kube\config`), not in the profile folder
/// Windows reports; and it refuses an allowlist entry written with `/` ("non-normalized file
/// path"). doctor must read the same kuberc the same way, or it says "ok" while kubectl refuses.
#[test]
#[cfg_attr(
    not(windows),
    ignore = "drives the Windows kubectl.exe; run on Windows or under Wine (`cross test`)"
)]
fn windows_doctor_reads_the_kuberc_kubectl_reads() {
    let Some(kubectl) = kubectl() else {
        return;
    };
    let bed = Bed::new(kubectl);
    let command = bed.save();
    // USERPROFILE holds .kube\config and the kuberc; HOME holds neither.
    let kube = bed.home.path().join(".kube");
    std::fs::create_dir_all(&kube).unwrap();
    std::fs::copy(&bed.kubeconfig, kube.join("config")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let with_home = |mut cmd: Command| {
        cmd.env("HOME", elsewhere.path());
        run(&mut cmd)
    };
    let head = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n";
    let cases = [
        (
            "DenyAll",
            format!("{head}credentialPluginPolicy: DenyAll\n"),
        ),
        (
            // What following doctor's old advice left: the `/` entry, and the right one.
            "an entry with / beside the right one",
            format!(
                "{head}credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n\
                 - command: {}\n- command: {command}\n",
                command.replace('\\', "/")
            ),
        ),
    ];
    for (name, kuberc) in cases {
        std::fs::write(kube.join("kuberc"), kuberc).unwrap();
        let mut kubectl = bed.command(&bed.kubectl);
        kubectl.args(["get", "--raw", "/version"]);
        let refused = with_home(kubectl);
        assert_ne!(refused.code, Some(0), "{name}: kubectl ran the plugin");

        let mut doctor = bed.command(doks_auth_bin());
        doctor.env("HOME", elsewhere.path());
        let step = bed.doctor_step(doctor, "kuberc");
        assert_ne!(
            step["status"], "ok",
            "{name}: doctor: {step}\nkubectl: {}",
            refused.stderr
        );
    }
}

/// A stanza's command without `.exe`, bare (found on PATH) or relative to the kubeconfig's folder
/// (it holds `\`): kubectl.exe runs `doks-auth.exe` for both, as Go's LookPath tries PATHEXT's
/// extensions; doctor must find the same file (a warning: not an absolute path), and fail exactly
/// where kubectl fails.
#[test]
#[cfg_attr(
    not(windows),
    ignore = "drives the Windows kubectl.exe; run on Windows or under Wine (`cross test`)"
)]
fn windows_doctor_finds_a_command_without_exe_where_kubectl_does() {
    let Some(kubectl) = kubectl() else {
        return;
    };
    let bed = Bed::new(kubectl);
    let saved = std::path::PathBuf::from(bed.save());
    let bin = bed.home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(&saved, bin.join("doks-auth.exe")).unwrap();
    let text = std::fs::read_to_string(&bed.kubeconfig).unwrap();
    let config: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let with_command = |command: &str| {
        let mut config = config.clone();
        config["users"][0]["user"]["exec"]["command"] = command.into();
        // JSON is YAML: kubectl reads it as it reads the file save wrote.
        std::fs::write(&bed.kubeconfig, config.to_string()).unwrap();
    };
    let path_now = std::env::var_os("PATH").unwrap_or_default();
    let with_bin =
        std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(&path_now)))
            .unwrap();
    // A folder holding another copy: Go's LookPath refuses a program found in the current
    // folder unless the PATH has that very file (its ErrDot), so kubectl started there fails.
    let here = bed.home.path().join("here");
    std::fs::create_dir_all(&here).unwrap();
    std::fs::copy(&saved, here.join("doks-auth.exe")).unwrap();
    let home = bed.home.path().to_path_buf();
    let cases = [
        ("bare, on PATH", "doks-auth", &with_bin, &home, true),
        ("bare, not on PATH", "doks-auth", &path_now, &home, false),
        ("bare, a copy here", "doks-auth", &with_bin, &here, false),
        (
            "relative, beside it",
            "bin\\doks-auth",
            &path_now,
            &home,
            true,
        ),
        (
            "relative, missing",
            "nowhere\\doks-auth",
            &with_bin,
            &home,
            false,
        ),
    ];
    for (name, command, path, cwd, runs) in cases {
        with_command(command);
        let mut kubectl = bed.command(&bed.kubectl);
        kubectl.env("PATH", path).current_dir(cwd);
        let out = run(kubectl.args(["get", "--raw", "/version"]));
        assert_eq!(out.code == Some(0), runs, "{name}: kubectl: {}", out.stderr);
        let mut doctor = bed.command(doks_auth_bin());
        doctor.env("PATH", path).current_dir(cwd);
        let step = bed.doctor_step(doctor, "command");
        let expected = if runs { "warning" } else { "failed" };
        assert_eq!(step["status"], expected, "{name}: doctor: {step}");
    }
}
