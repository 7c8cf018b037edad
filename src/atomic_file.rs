//! Replacing a file whole, for the cache entries and the kubeconfig alike.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file named `prefix…` (mode 0600) in the same
/// folder, fsynced, then renamed over `path`. A reader sees the old file or the new one, never
/// half of either; a process killed midway leaves the old file; a symlink at `path` is replaced
/// itself, never written through. On failure the temporary file is removed.
pub fn replace(path: &Path, prefix: &str, bytes: &[u8]) -> io::Result<()> {
    replace_owned(path, prefix, bytes, None)
}

/// [`replace`], with the new file given this owner and group (uid, gid) before it takes the
/// old one's place. Only root may give a file away: for anyone else that is an error, and the
/// old file stays as it was.
pub fn replace_owned(
    path: &Path,
    prefix: &str,
    bytes: &[u8],
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new().prefix(prefix).tempfile_in(dir)?;
    file.write_all(bytes)?;
    if let Some((uid, gid)) = owner {
        use std::os::unix::fs::MetadataExt;
        let meta = file.as_file().metadata()?;
        if (meta.uid(), meta.gid()) != (uid, gid) {
            std::os::unix::fs::fchown(file.as_file(), Some(uid), Some(gid))?;
        }
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|err| err.error)?;
    // Make the rename itself durable; failing that is not worth an error.
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_privately_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        replace(&path, ".tmp-", b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
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
