//! Installed as krew installs it: the archive's binary in `~/.krew/store/doks/<version>/`,
//! linked as `~/.krew/bin/kubectl-doks` on PATH. A plain kubectl runs `kubectl doks …`, and the
//! kubeconfig `kubectl doks kubeconfig save` writes runs the link, so it keeps working when an
//! upgrade unpacks a new version beside the old one, moves the link and removes the old one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::Duration;
use serde_json::Value;

use crate::support::*;

const PLUGIN: &str = "doks";

/// What `kubectl krew install` (and, for a newer `version`, `upgrade`) leaves behind: the
/// binary in the version's store folder and the link in ~/.krew/bin, repointed.
fn krew_install(home: &Path, version: &str) -> PathBuf {
    krew_install_at(&home.join(".krew"), version)
}

/// The binary as krew gets it: unpacked from the archive `scripts/dist pack` makes of this
/// build, as the release makes each one (once for all tests).
fn from_archive() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let out = tempfile::tempdir().unwrap().keep();
        let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dist");
        let packed = run(Command::new(dist)
            .args(["pack", "x86_64-unknown-linux-gnu"])
            .arg(doks_auth_bin())
            .env("DIST_OUT", &out));
        assert_eq!(packed.code, Some(0), "scripts/dist pack: {}", packed.stderr);
        let archive = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
            .expect("an archive");
        let unpacked = run(Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&out));
        assert_eq!(unpacked.code, Some(0), "tar: {}", unpacked.stderr);
        let folder = archive
            .to_string_lossy()
            .trim_end_matches(".tar.gz")
            .to_string();
        PathBuf::from(folder).join("doks-auth")
    })
}

/// [`krew_install`] under krew's root folder (`~/.krew`, or `KREW_ROOT`).
fn krew_install_at(root: &Path, version: &str) -> PathBuf {
    let store = root.join("store").join(PLUGIN).join(version);
    std::fs::create_dir_all(&store).unwrap();
    std::fs::copy(from_archive(), store.join("doks-auth")).unwrap();
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join(format!("kubectl-{PLUGIN}"));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(store.join("doks-auth"), &link).unwrap();
    link
}

#[test]
fn kubectl_runs_the_krew_plugin_and_its_kubeconfig_survives_an_upgrade() {
    // A plain kubectl, as users install it (the newest here).
    let Some(kubectl) = kubectls().pop().filter(|k| k.as_os_str() != "kubectl") else {
        return;
    };
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_clusters(&[cluster_json(CLUSTER_ID, "prod", "nyc1", &kube.url)]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &kube.url,
        &pki.ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let env = TestEnv::new();
    let home = env.home().to_path_buf();
    let link = krew_install(&home, "v0.1.0");
    let mut path = home.join(".krew/bin").into_os_string();
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap());
    let kubeconfig = home.join(".kube/config");
    let kubectl = |args: &[&str]| {
        let mut cmd = env.command(&kubectl);
        cmd.args(args)
            .env("PATH", &path)
            .env("KUBECONFIG", &kubeconfig)
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
        run(&mut cmd)
    };

    let out = kubectl(&["plugin", "list", "--name-only"]);
    assert!(
        out.stdout.lines().any(|l| l == format!("kubectl-{PLUGIN}")),
        "{} {}",
        out.stdout,
        out.stderr
    );
    let out = kubectl(&[PLUGIN, "--version"]);
    assert_eq!(out.code, Some(0), "{} {}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with(&format!("doks-auth {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{} {}",
        out.stdout,
        out.stderr
    );

    let out = kubectl(&[
        PLUGIN,
        "kubeconfig",
        "save",
        "prod",
        "--api-url",
        &api.url(),
    ]);
    assert_eq!(out.code, Some(0), "{} {}", out.stdout, out.stderr);
    let saved = std::fs::read_to_string(&kubeconfig).unwrap();
    let doc: Value = serde_saphyr::from_str(&saved).unwrap();
    // The stable link, not the versioned store path it resolves to.
    assert_eq!(
        doc["users"][0]["user"]["exec"]["command"],
        link.display().to_string()
    );
    let version = |out: &Outcome| {
        assert_eq!(out.code, Some(0), "{} {}", out.stdout, out.stderr);
        assert_eq!(out.json()["gitVersion"], "v1.31.1");
    };
    version(&kubectl(&["get", "--raw", "/version"]));

    // The upgrade: v0.2.0 beside v0.1.0, the link moved, v0.1.0 removed; the cache cleared, so
    // the new binary really mints a credential.
    krew_install(&home, "v0.2.0");
    std::fs::remove_dir_all(home.join(".krew/store").join(PLUGIN).join("v0.1.0")).unwrap();
    std::fs::remove_dir_all(env.cache_dir()).unwrap();
    let before = kube.accepted();
    version(&kubectl(&["get", "--raw", "/version"]));
    assert!(kube.accepted() > before);
    assert_eq!(api.credential_requests(CLUSTER_ID), 2);
    assert_eq!(std::fs::read_to_string(&kubeconfig).unwrap(), saved);
}

/// Hints and usage lines name the command as the user runs it: `kubectl doks …` through krew's
/// link, run by hand or by kubectl; `doks-auth …` by the binary's own name.
#[test]
fn hints_name_kubectl_doks_when_run_through_krews_link() {
    let env = TestEnv::new();
    let link = krew_install(env.home(), "v0.1.0");
    // No kubeconfig and no token: doctor's fix names two commands, and `clusters` one.
    let out = run(env.command(&link).arg("doctor"));
    assert!(
        out.stdout.contains(
            "run `kubectl doks auth init` to store one, then `kubectl doks kubeconfig save <cluster>`"
        ) && !out.stdout.contains("doks-auth ")
            && !out.stdout.contains("{CMD}"),
        "{}",
        out.stdout
    );
    let no_token = |out: &Outcome, cmd: &str| {
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("run `{cmd} auth init` to store one")),
            "{}",
            out.stderr
        );
    };
    no_token(&run(env.command(&link).arg("clusters")), "kubectl doks");
    no_token(&run(env.doks_auth().arg("clusters")), "doks-auth");
    let out = run(env.command(&link).args(["kubeconfig", "save", "--help"]));
    assert!(
        out.stdout.contains("Usage: kubectl doks kubeconfig save "),
        "{}",
        out.stdout
    );

    // Through kubectl's own plugin look-up on PATH.
    let Some(kubectl) = kubectls().pop().filter(|k| k.as_os_str() != "kubectl") else {
        return;
    };
    let mut path = env.home().join(".krew/bin").into_os_string();
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap());
    let kubectl = |args: &[&str]| run(env.command(&kubectl).args(args).env("PATH", &path));
    no_token(&kubectl(&[PLUGIN, "clusters"]), "kubectl doks");
    let out = kubectl(&[PLUGIN, "--help"]);
    assert!(
        out.stdout
            .contains("Usage: kubectl doks [OPTIONS] <COMMAND>"),
        "{}",
        out.stdout
    );
}

/// Saved by the binary's path in krew's store (run by hand, or a system that reports where a
/// link leads), the stanza still runs krew's link, which `kubectl krew upgrade` moves, and not
/// the store path, which it removes. Under a root of its own, as `KREW_ROOT` puts it.
#[test]
fn a_kubeconfig_saved_by_the_store_path_runs_krews_link_after_an_upgrade() {
    let Some(kubectl) = kubectls().pop().filter(|k| k.as_os_str() != "kubectl") else {
        return;
    };
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_clusters(&[cluster_json(CLUSTER_ID, "prod", "nyc1", &kube.url)]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &kube.url,
        &pki.ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let env = TestEnv::new();
    let root = env.home().join("krew-root");
    let link = krew_install_at(&root, "v0.1.0");
    let stored = root.join("store").join(PLUGIN).join("v0.1.0/doks-auth");
    let kubeconfig = env.home().join(".kube/config");
    let out = run(env
        .command(&stored)
        .args(["kubeconfig", "save", "prod", "--api-url", &api.url()])
        .env("KUBECONFIG", &kubeconfig)
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert_eq!(out.code, Some(0), "{} {}", out.stdout, out.stderr);
    let saved = std::fs::read_to_string(&kubeconfig).unwrap();
    let doc: Value = serde_saphyr::from_str(&saved).unwrap();
    assert_eq!(
        doc["users"][0]["user"]["exec"]["command"],
        link.display().to_string()
    );

    krew_install_at(&root, "v0.2.0");
    std::fs::remove_dir_all(root.join("store").join(PLUGIN).join("v0.1.0")).unwrap();
    std::fs::remove_dir_all(env.cache_dir()).unwrap();
    let out = run(env
        .command(&kubectl)
        .args(["get", "--raw", "/version"])
        .env("KUBECONFIG", &kubeconfig)
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert_eq!(out.code, Some(0), "{} {}", out.stdout, out.stderr);
    assert_eq!(out.json()["gitVersion"], "v1.31.1");
    assert_eq!(api.credential_requests(CLUSTER_ID), 2);
}
