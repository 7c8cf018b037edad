//! krew's layout on Windows: a stanza saved through the store survives an upgrade.

use std::path::{Path, PathBuf};

use crate::bed::{Bed, kubectl, works};
use crate::support::*;

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
    assert_eq!(bed.exec_command(), link.display().to_string());
    works(&bed.kubectl_version(), "before the upgrade");

    krew_install(&root, "v0.2.0");
    std::fs::remove_dir_all(root.join("store\\doks\\v0.1.0")).unwrap();
    std::fs::remove_dir_all(bed.cache_dir()).unwrap();
    works(&bed.kubectl_version(), "after the upgrade");
    assert_eq!(bed.api.credential_requests(CLUSTER_ID), 2);
}
