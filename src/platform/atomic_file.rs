//! Replacing a file whole, for the cache entries and the kubeconfig alike.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file named `prefix…` in the same folder,
/// created private (mode 0600; on Windows an owner-only ACL from its first moment, whatever the
/// folder passes on), fsynced, then renamed over `path`. A reader sees the old file or the new
/// one, never half of either; a process killed midway leaves the old file; a symlink at `path`
/// is replaced itself, never written through. On failure the temporary file is removed.
pub fn replace(path: &Path, prefix: &str, bytes: &[u8]) -> io::Result<()> {
    replace_keeping(path, prefix, bytes, None)
}

/// [`replace`], the new file given what it keeps of the old one (see [`super::Kept`]: on Unix
/// its owner and group, on Windows its DACL when that is private) before it takes the old one's
/// place. Only root may give a file away: for anyone else that is an error, and the old file
/// stays as it was.
pub fn replace_keeping(
    path: &Path,
    prefix: &str,
    bytes: &[u8],
    kept: Option<super::Kept>,
) -> io::Result<()> {
    stage(path, prefix, bytes, kept)?.commit()
}

/// The new file written and synced beside `path` but not yet in its place, so that a change to
/// several files can fail on any of them before it replaces one ([`Staged::commit`]). Dropped
/// uncommitted, the temporary file is removed.
pub struct Staged {
    file: tempfile::NamedTempFile<File>,
    path: PathBuf,
}

/// The first half of [`replace_keeping`]: every check and write that can fail but the rename.
pub fn stage(
    path: &Path,
    prefix: &str,
    bytes: &[u8],
    kept: Option<super::Kept>,
) -> io::Result<Staged> {
    let mut file = tempfile::Builder::new()
        .prefix(prefix)
        .make_in(folder_of(path), super::create_new_private)?;
    file.write_all(bytes)?;
    if let Some(kept) = kept {
        super::apply_kept(file.as_file(), kept)?;
    }
    file.as_file().sync_all()?;
    Ok(Staged {
        file,
        path: path.to_path_buf(),
    })
}

impl Staged {
    /// Renames the new file over the old one, and makes the rename durable.
    pub fn commit(self) -> io::Result<()> {
        persist(self.file, &self.path)?;
        // Failing to sync the folder is not worth an error: the rename happened.
        if let Ok(folder) = File::open(folder_of(&self.path)) {
            let _ = folder.sync_all();
        }
        Ok(())
    }
}

/// The folder `path` is in (`.` for a bare file name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

#[cfg(unix)]
fn persist(file: tempfile::NamedTempFile<File>, path: &Path) -> io::Result<()> {
    file.persist(path).map(drop).map_err(|err| err.error)
}

/// On Windows a file another process holds open without sharing its deletion (a virus scanner
/// looking at the new file, an editor or kubectl reading the old one) cannot be replaced until
/// it lets go, which is soon: the rename is tried again for up to a second.
#[cfg(windows)]
fn persist(mut file: tempfile::NamedTempFile<File>, path: &Path) -> io::Result<()> {
    use std::time::{Duration, Instant};
    const ERROR_ACCESS_DENIED: i32 = 5;
    const ERROR_SHARING_VIOLATION: i32 = 32;
    const ERROR_LOCK_VIOLATION: i32 = 33;
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut pause = Duration::from_millis(5);
    loop {
        match file.persist(path) {
            Ok(_) => return Ok(()),
            Err(err)
                if matches!(
                    err.error.raw_os_error(),
                    Some(ERROR_ACCESS_DENIED | ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION)
                ) && Instant::now() < deadline =>
            {
                file = err.file;
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(err) => return Err(err.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(windows)]
    #[test]
    fn a_file_held_open_by_another_program_is_replaced_once_it_lets_go() {
        use std::os::windows::fs::OpenOptionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"old").unwrap();
        // Shared for reading only, as a scanner or Go's os.Open holds a file: no rename over it.
        let held = std::fs::OpenOptions::new()
            .read(true)
            .share_mode(1)
            .open(&path)
            .unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(held);
        });
        replace(&path, ".tmp-", b"new").unwrap();
        release.join().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn replaces_privately_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        replace(&path, ".tmp-", b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f"]);
    }

    #[test]
    fn a_failed_replace_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory in the way: the rename fails.
        let path = dir.path().join("d");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"kept").unwrap();
        assert!(replace(&path, ".tmp-", b"new").is_err());
        assert_eq!(std::fs::read(path.join("inside")).unwrap(), b"kept");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file left behind"
        );
    }
}
