//! End to end on Windows: the real Windows `kubectl.exe` runs `doks-auth.exe` through the exec
//! stanza `doks-auth.exe kubeconfig save` wrote, against the DigitalOcean and Kubernetes API
//! stand-ins on loopback. Built for Windows and run under Wine here (`cross test`), and on real
//! Windows by the GitHub Actions workflow.
//!
//! kubectl comes from `DOKS_KUBECTL_WINDOWS` (CI sets it to `cross kubectl-windows`, 1.37), else
//! `kubectl.exe` on PATH (GitHub's Windows runners have one).

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::Value;

use support::*;

const ROTATED: &str = "k8s-token-rotated-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a";

fn kubectl() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DOKS_KUBECTL_WINDOWS") {
        return Some(PathBuf::from(path));
    }
    let on_path = Command::new("kubectl.exe")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !on_path {
        assert!(
            std::env::var_os("CI").is_none(),
            "no kubectl.exe: CI must set DOKS_KUBECTL_WINDOWS or put kubectl.exe on PATH"
        );
        // The test harness has no "skipped" result: say it where a developer will see it.
        eprintln!(
            "\n\n!!!!! SKIPPED: no kubectl.exe (set DOKS_KUBECTL_WINDOWS or put kubectl.exe on \
             PATH); the Windows end-to-end test did NOT run; under CI=true this fails !!!!!\n\n"
        );
    }
    on_path.then(|| PathBuf::from("kubectl.exe"))
}

/// A temporary home (HOME and USERPROFILE), the stand-ins, and the kubeconfig file.
struct Bed {
    home: tempfile::TempDir,
    api: DoApi,
    kube: KubeApi,
    kubeconfig: PathBuf,
    kubectl: PathBuf,
}

impl Bed {
    fn new(kubectl: PathBuf) -> Bed {
        let pki = Pki::new();
        let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
        let api = DoApi::start();
        api.serve_account("sammy@example.com", None);
        let cluster = cluster_json(CLUSTER_ID, "prod", "nyc1", &kube.url);
        api.serve_clusters(std::slice::from_ref(&cluster));
        api.serve_cluster(&cluster);
        api.serve_cluster_credentials(
            CLUSTER_ID,
            &kube.url,
            &pki.ca_base64(),
            K8S_TOKEN,
            Duration::hours(3),
        );
        let home = tempfile::tempdir().unwrap();
        let kubeconfig = home.path().join("kubeconfig");
        Bed {
            home,
            api,
            kube,
            kubeconfig,
            kubectl,
        }
    }

    /// A program with this bed's home, kubeconfig and token, and nothing of the caller's own
    /// kubeconfig, cache or tokens. (Windows programs need the rest of the environment: Go's
    /// networking fails without SYSTEMROOT, for one.)
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        for name in [
            "KUBECACHEDIR",
            "DIGITALOCEAN_CONTEXT",
            "HOMEDRIVE",
            "HOMEPATH",
            "APPDATA",
        ] {
            cmd.env_remove(name);
        }
        cmd.env("HOME", self.home.path())
            .env("USERPROFILE", self.home.path())
            .env("KUBECONFIG", &self.kubeconfig)
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
            .current_dir(self.home.path());
        cmd
    }

    fn doks_auth(&self, args: &[&str]) -> Outcome {
        run(self.command(doks_auth_bin()).args(args))
    }

    fn kubectl_version(&self) -> Outcome {
        run(self
            .command(&self.kubectl)
            .args(["get", "--raw", "/version"]))
    }

    fn cache_dir(&self) -> PathBuf {
        self.home
            .path()
            .join(".kube")
            .join("cache")
            .join("doks-auth")
    }
}

fn works(out: &Outcome, what: &str) {
    assert_eq!(out.code, Some(0), "{what}: {}", out.stderr);
    assert_eq!(out.json()["gitVersion"], "v1.31.1", "{what}");
}

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
    let config: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&bed.kubeconfig).unwrap()).unwrap();
    let command = config["users"][0]["user"]["exec"]["command"]
        .as_str()
        .unwrap()
        .to_string();
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
    let saved = bed.doks_auth(&["kubeconfig", "save", "prod", "--api-url", &bed.api.url()]);
    assert_eq!(saved.code, Some(0), "save: {}", saved.stderr);
    let config: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&bed.kubeconfig).unwrap()).unwrap();
    let command = config["users"][0]["user"]["exec"]["command"]
        .as_str()
        .unwrap()
        .to_string();
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
        doctor.args(["doctor", "-o", "json"]);
        let said = with_home(doctor);
        let report: Value =
            serde_json::from_str(&said.stdout).unwrap_or_else(|_| panic!("{}", said.stderr));
        let step = report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "kuberc")
            .unwrap_or_else(|| panic!("no kuberc step: {report}"));
        assert_ne!(
            step["status"], "ok",
            "{name}: doctor: {step}\nkubectl: {}",
            refused.stderr
        );
    }
}

/// What `kubectl krew install` (and, for a newer `version`, `upgrade`) leaves on Windows: the
/// binary in `<root>\store\doks\<version>\` and a symlink `<root>\bin\kubectl-doks.exe` to it
/// (krew's internal/installation/install.go, `createOrUpdateLink`: Go's `os.Symlink`, on
/// Windows too). Where symlinks cannot be made (Wine 8, a Windows account without the privilege),
/// a hard link stands in: it is the same file by another name, as the symlink is.
fn krew_install(root: &Path, version: &str) -> PathBuf {
    let store = root.join("store").join("doks").join(version);
    std::fs::create_dir_all(&store).unwrap();
    let binary = store.join("doks-auth.exe");
    std::fs::copy(doks_auth_bin(), &binary).unwrap();
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("kubectl-doks.exe");
    let _ = std::fs::remove_file(&link);
    #[cfg(windows)]
    let linked = std::os::windows::fs::symlink_file(&binary, &link);
    #[cfg(unix)]
    let linked = std::os::unix::fs::symlink(&binary, &link);
    // Wine 8's CreateSymbolicLinkW says it succeeded and makes nothing.
    if linked.is_err() || std::fs::symlink_metadata(&link).is_err() {
        eprintln!("no symlink ({linked:?}); a hard link stands in for krew's");
        std::fs::hard_link(&binary, &link).unwrap();
    }
    link
}

/// Saved by the binary's path in krew's store (Windows may report a link's target as the
/// running program's path), the stanza runs krew's link, and kubectl.exe still gets
/// credentials after an upgrade removed that store folder.
#[test]
#[cfg_attr(
    not(windows),
    ignore = "drives the Windows kubectl.exe; run on Windows or under Wine (`cross test`)"
)]
fn windows_kubeconfig_saved_through_krews_store_survives_an_upgrade() {
    let Some(kubectl) = kubectl() else {
        return;
    };
    let bed = Bed::new(kubectl);
    let root = bed.home.path().join(".krew");
    let link = krew_install(&root, "v0.1.0");
    let stored = root.join("store\\doks\\v0.1.0\\doks-auth.exe");
    let saved =
        run(bed
            .command(&stored)
            .args(["kubeconfig", "save", "prod", "--api-url", &bed.api.url()]));
    assert_eq!(saved.code, Some(0), "save: {}", saved.stderr);
    let config: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&bed.kubeconfig).unwrap()).unwrap();
    assert_eq!(
        config["users"][0]["user"]["exec"]["command"],
        link.display().to_string()
    );
    works(&bed.kubectl_version(), "before the upgrade");

    krew_install(&root, "v0.2.0");
    std::fs::remove_dir_all(root.join("store\\doks\\v0.1.0")).unwrap();
    std::fs::remove_dir_all(bed.cache_dir()).unwrap();
    works(&bed.kubectl_version(), "after the upgrade");
    assert_eq!(bed.api.credential_requests(CLUSTER_ID), 2);
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
