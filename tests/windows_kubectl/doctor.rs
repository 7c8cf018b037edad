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
