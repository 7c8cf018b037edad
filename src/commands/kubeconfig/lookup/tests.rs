#[cfg(unix)]
use super::*;

// Execute bits and symlinks: Unix only (Windows uses the running executable's path).
#[cfg(unix)]
#[test]
fn the_path_is_the_one_invoked_with_symlinks_kept() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("versions/1.2.3/doks-auth");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::write(&real, b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&real, bin.join("doks-auth")).unwrap();
    let os = |s: &std::path::Path| Some(s.as_os_str().to_owned());
    let path = std::env::join_paths([tmp.path().join("empty"), bin.clone()]).unwrap();
    // Found through PATH, as a shell or kubectl runs it.
    assert_eq!(
        invoked_as(Some("doks-auth".into()), Some(path.clone()), None),
        Some(bin.join("doks-auth"))
    );
    // Relative to the working folder, tidied but not resolved.
    assert_eq!(
        invoked_as(
            Some("./bin/../bin/doks-auth".into()),
            None,
            Some(tmp.path().into())
        ),
        // `./` dropped, `..` kept, the link not resolved.
        Some(tmp.path().join("bin/../bin/doks-auth"))
    );
    assert_eq!(
        invoked_as(os(&bin.join("doks-auth")), None, None),
        Some(bin.join("doks-auth"))
    );
    // Nothing usable: the caller falls back to the executable's own path.
    assert_eq!(
        invoked_as(Some("doks-auth".into()), Some("/nonexistent".into()), None),
        None
    );
    assert_eq!(invoked_as(None, Some(path), None), None);
    assert_eq!(
        invoked_as(os(&bin), None, None),
        None,
        "a folder is not a program"
    );
}

/// A binary in krew's store is saved as krew's link when the link is that binary (a symlink, as
/// krew makes; a hard link where symlinks cannot be made), and by its own path otherwise.
#[test]
fn krews_store_path_is_saved_as_krews_link() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store").join("doks").join("v0.1.0");
    std::fs::create_dir_all(&store).unwrap();
    let exe = store.join(format!("doks-auth{}", std::env::consts::EXE_SUFFIX));
    std::fs::write(&exe, b"binary").unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let link = bin.join(format!("kubectl-doks{}", std::env::consts::EXE_SUFFIX));
    // No link yet, then a file of that name that is not this binary: the store path stays.
    assert_eq!(super::stable(exe.clone()), exe);
    std::fs::write(&link, b"binary").unwrap();
    assert_eq!(super::stable(exe.clone()), exe);
    std::fs::remove_file(&link).unwrap();
    #[cfg(windows)]
    let linked = std::os::windows::fs::symlink_file(&exe, &link);
    #[cfg(unix)]
    let linked = std::os::unix::fs::symlink(&exe, &link);
    // Wine 8's CreateSymbolicLinkW says it succeeded and makes nothing.
    if linked.is_err() || std::fs::symlink_metadata(&link).is_err() {
        std::fs::hard_link(&exe, &link).unwrap();
    }
    assert_eq!(super::stable(exe.clone()), link);
    // Anywhere else, a path is kept as it is.
    let elsewhere = tmp
        .path()
        .join(format!("doks-auth{}", std::env::consts::EXE_SUFFIX));
    std::fs::copy(&exe, &elsewhere).unwrap();
    assert_eq!(super::stable(elsewhere.clone()), elsewhere);
}
