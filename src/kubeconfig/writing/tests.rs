use super::*;
use crate::kubeconfig::files::load;
#[cfg(unix)]
use crate::kubeconfig::files::resolve_target;
#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, PermissionsExt};

/// One file's change, staged and committed as `write_changed` does.
fn write(path: &Path, text: &str) -> Result<Option<String>> {
    let loaded = load(path)?;
    let old = loaded
        .meta
        .as_ref()
        .map(|meta| (loaded.text.as_str(), meta));
    let staged = stage(path, text, old)?;
    Ok(commit(vec![staged])?.remove(0))
}

/// The names in a folder, to show that no temporary file was left.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn write_is_private_keeps_the_owner_and_follows_symlinks() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real-config");
    fs::write(&real, "apiVersion: v1\n").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o644)).unwrap();
    let as_root = platform::current_uid() == 0;
    if as_root {
        std::os::unix::fs::chown(&real, Some(4242), Some(4343)).unwrap();
    }
    let link = tmp.path().join("kube").join("config");
    fs::create_dir(tmp.path().join("kube")).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();

    let target = resolve_target(&link);
    assert_eq!(target, fs::canonicalize(&real).unwrap());
    let loosened = write(&target, "kind: Config\n").unwrap();
    assert_eq!(loosened, Some("from 644 to 600".to_string()));
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&link).unwrap(), "kind: Config\n");
    let meta = fs::metadata(&real).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    if as_root {
        assert_eq!((meta.uid(), meta.gid()), (4242, 4343), "the owner changed");
    }
    assert_eq!(write(&target, "kind: Config\n").unwrap(), None);
}

#[test]
fn write_creates_a_private_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(".kube").join("config");
    write(&path, "kind: Config\n").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "kind: Config\n");
    #[cfg(unix)]
    {
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join(".kube")), 0o700);
    }
}

/// The second rename fails (a folder stands where its file goes, which a rename cannot replace):
/// the first file, already replaced, gets its old text back, and the new one that was to be
/// created is not left behind; no temporary file is left in either folder.
#[test]
fn a_failed_rename_puts_back_the_files_already_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    let created = tmp.path().join("created");
    fs::write(&first, "old: first\n").unwrap();
    #[cfg(unix)]
    fs::set_permissions(&first, fs::Permissions::from_mode(0o644)).unwrap();
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&first)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let meta = fs::metadata(&first).unwrap();
    let blocked = tmp.path().join("blocked");
    let staged = vec![
        stage(&first, "new: first\n", Some(("old: first\n", &meta))).unwrap(),
        stage(&created, "new: created\n", None).unwrap(),
        stage(&blocked, "new: blocked\n", None).unwrap(),
    ];
    // In the way only now, after staging: the failure comes at the rename.
    fs::create_dir(&blocked).unwrap();
    fs::write(blocked.join("inside"), "").unwrap();
    let err = commit(staged).expect_err("the rename over a folder failed");
    let message = err.to_string();
    assert_eq!(fs::read_to_string(&first).unwrap(), "old: first\n");
    let back = fs::metadata(&first).unwrap();
    assert_eq!(back.modified().unwrap(), an_hour_ago);
    #[cfg(unix)]
    assert_eq!(back.mode() & 0o777, 0o644);
    assert!(!created.exists(), "the file created by this change stayed");
    let told = format!(
        "{} had already been rewritten and got its old {RESTORED} back",
        first.display()
    );
    assert!(message.contains(&told), "{message}");
    let created = format!(
        "{} had been created and was removed again",
        created.display()
    );
    assert!(message.contains(&created), "{message}");
    assert_eq!(names(tmp.path()), ["blocked", "first"]);
}

/// A refusal while staging (here: a folder that cannot be made, under a file) comes before any
/// rename: the files staged before it are untouched, and their temporary files are gone.
#[test]
fn a_failed_stage_changes_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    fs::write(&first, "old: first\n").unwrap();
    fs::write(tmp.path().join("plain"), "").unwrap();
    let meta = fs::metadata(&first).unwrap();
    let staged = stage(&first, "new: first\n", Some(("old: first\n", &meta))).unwrap();
    let under_a_file = tmp.path().join("plain").join("sub").join("config");
    let err = stage(&under_a_file, "new\n", None)
        .err()
        .expect("no folder");
    assert!(err.to_string().ends_with("no file was changed"), "{err}");
    drop(staged);
    assert_eq!(fs::read_to_string(&first).unwrap(), "old: first\n");
    assert_eq!(names(tmp.path()), ["first", "plain"]);
}

/// kubectl opens the file it writes and so refuses a read-only one; a rename over it would go
/// through, so doks-auth asks the same question first. As root on Unix every file is writable
/// (tests/integration/kubeconfig_readonly.rs runs as `nobody`); Windows' read-only attribute.
#[test]
fn a_file_this_user_may_not_write_is_refused_as_kubectl_refuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("config");
    fs::write(&path, "old: 1\n").unwrap();
    let mut readonly = fs::metadata(&path).unwrap().permissions();
    readonly.set_readonly(true);
    fs::set_permissions(&path, readonly).unwrap();
    // root on Unix may write it (so may its kubectl); Wine lets a program open it for writing
    // but not rename over it.
    let writable = fs::OpenOptions::new().write(true).open(&path).is_ok();
    match write(&path, "new: 1\n") {
        Ok(_) => assert!(writable, "a file this user may not write was replaced"),
        Err(err) => {
            let err = err.to_string();
            assert!(writable || err.contains("may not write it"), "{err}");
            assert!(err.ends_with("no file was changed"), "{err}");
            assert_eq!(fs::read_to_string(&path).unwrap(), "old: 1\n");
            assert_eq!(names(tmp.path()), ["config"]);
        }
    }
}
