//! End to end on Windows: the real Windows `kubectl.exe` runs `doks-auth.exe` through the exec
//! stanza `doks-auth.exe kubeconfig save` wrote, against the DigitalOcean and Kubernetes API
//! stand-ins on loopback. Built for Windows and run under Wine here (`cross test`), and on real
//! Windows by the GitHub Actions workflow.
//!
//! kubectl comes from `DOKS_KUBECTL_WINDOWS` (CI sets it to `cross kubectl-windows`, 1.37), else
//! `kubectl.exe` on PATH (GitHub's Windows runners have one).

#[path = "../support/mod.rs"]
mod support;

mod bed;
mod doctor;
mod krew;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::Value;

use bed::{Bed, kubectl, works};
use support::*;

const ROTATED: &str = "k8s-token-rotated-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a";

/// Moves the entry's fetch time an hour back (its expiry stays): past the guard against forced
/// refreshes in a row, as in the Linux revocation tests.
fn fetched_an_hour_ago(path: &Path) {
    let mut entry: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    entry["fetched_at"] = (Utc::now() - Duration::hours(1))
        .to_rfc3339_opts(SecondsFormat::Secs, true)
        .into();
    std::fs::write(path, entry.to_string()).unwrap();
}

/// Compiled everywhere (so a change that breaks it fails `cargo test`'s build on Linux too), run
/// only on Windows: `.ci/run` runs it under Wine through `cross test`.
#[test]
#[cfg_attr(
    not(windows),
    ignore = "drives the Windows kubectl.exe; run on Windows or under Wine (`cross test`)"
)]
fn windows_kubectl_runs_doks_auth_exe_from_save_to_heal() {
    let Some(kubectl) = kubectl() else {
        return;
    };
    let bed = Bed::new(kubectl);
    let api_url = bed.api.url();

    // Save: the stanza runs this doks-auth by its absolute path, `.exe` included.
    let saved = bed.doks_auth(&["kubeconfig", "save", "prod", "--api-url", &api_url]);
    assert_eq!(saved.code, Some(0), "save: {}", saved.stderr);
    // The file is named as people write it, not as a verbatim `\\?\Z:\…` path.
    let said = format!("{}{}", saved.stdout, saved.stderr);
    assert!(
        said.contains(&bed.kubeconfig.display().to_string()) && !said.contains(r"\\?\"),
        "{said}"
    );
    let command = bed.exec_command();
    assert!(command.ends_with(".exe"), "{command}");
    assert!(Path::new(&command).is_absolute(), "{command}");

    // The first command, then cache hits: no request reaches DigitalOcean.
    works(&bed.kubectl_version(), "first command");
    let requests = bed.api.requests().len();
    for i in 0..3 {
        works(&bed.kubectl_version(), &format!("command {i}"));
    }
    assert_eq!(
        bed.api.requests().len(),
        requests,
        "a cache hit asked the API"
    );
    assert_eq!(bed.kube.rejected(), 0);

    // get-credential alone: the ExecCredential on stdout, nothing on stderr.
    let got = bed.doks_auth(&[
        "get-credential",
        "--cluster-id",
        CLUSTER_ID,
        "--api-url",
        &api_url,
    ]);
    assert_eq!(got.code, Some(0), "get-credential: {}", got.stderr);
    assert_eq!(got.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(got.stderr, "");
    assert_eq!(
        bed.api.requests().len(),
        requests,
        "get-credential asked the API"
    );

    // cache list shows the entry; doctor passes.
    let listed = bed.doks_auth(&["cache", "list"]);
    assert_eq!(listed.code, Some(0), "cache list: {}", listed.stderr);
    let all = format!("{}{}", listed.stdout, listed.stderr);
    assert!(all.contains(CLUSTER_ID), "{all}");
    let doctor = bed.doks_auth(&["doctor"]);
    assert_eq!(
        doctor.code,
        Some(0),
        "doctor:\n{}\n{}",
        doctor.stdout,
        doctor.stderr
    );

    // Revoked at DigitalOcean: at most one command fails, then kubectl works again with one new
    // credential. This needs the heal to see kubectl.exe as its caller (the Toolhelp snapshot).
    let entries = cache_entries(&bed.cache_dir());
    assert_eq!(entries.len(), 1, "{entries:?}");
    fetched_an_hour_ago(&entries[0]);
    bed.kube.accept(KubeAuth::Token(ROTATED.into()));
    bed.api.reset();
    bed.api.serve_token(CLUSTER_ID, ROTATED, Duration::hours(3));
    let after: Vec<Outcome> = (0..3).map(|_| bed.kubectl_version()).collect();
    works(&after[1], "the second command after the revocation");
    works(&after[2], "the third command after the revocation");
    assert_eq!(bed.api.credential_requests(CLUSTER_ID), 1);
}

/// A kubeconfig others could open is made this user's alone by `save`, which says so and whom it
/// shut out, as it reports a mode looser than 0600 on Unix.
#[test]
#[cfg_attr(
    not(windows),
    ignore = "Windows ACLs; run on Windows or under Wine (`cross test`)"
)]
fn windows_save_says_it_tightened_a_kubeconfig_others_could_open() {
    let bed = Bed::new(PathBuf::from("kubectl.exe"));
    std::fs::write(&bed.kubeconfig, "apiVersion: v1\nkind: Config\n").unwrap();
    // Real Windows: a file in the temporary folder is private until Everyone is let in. (Wine
    // has no icacls and works the ACL out from the Unix mode, 0644: Everyone reads already.)
    let _ = Command::new("icacls")
        .arg(&bed.kubeconfig)
        .args(["/grant", "*S-1-1-0:R"])
        .output();
    let saved = bed.doks_auth(&["kubeconfig", "save", "prod", "--api-url", &bed.api.url()]);
    assert_eq!(saved.code, Some(0), "save: {}", saved.stderr);
    // (The path as the command resolved it: with `\\?\` under Wine.)
    let note = saved
        .stderr
        .lines()
        .find(|l| l.starts_with("doks-auth: note: tightened permissions of "))
        .unwrap_or_else(|| panic!("no note: {}", saved.stderr));
    assert!(
        note.ends_with("kubeconfig from an access list that let Everyone in to one for you alone"),
        "{note}"
    );
    // Rewritten again, it is private already: nothing to say.
    let again = bed.doks_auth(&["kubeconfig", "save", "prod", "--api-url", &bed.api.url()]);
    assert_eq!(again.code, Some(0), "save: {}", again.stderr);
    assert!(!again.stderr.contains("tightened"), "{}", again.stderr);
}
