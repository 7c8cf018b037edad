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
