//! The kubeconfig files on disk, handled as kubectl handles them: which files (`KUBECONFIG`),
//! which one gets a new entry, reading, and the `<file>.lock` lock (writing back: `writing`).

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::platform;

/// How long to wait for another program's `<file>.lock` (kubectl holds it for milliseconds).
const LOCK_WAIT: Duration = Duration::from_secs(10);
const LOCK_POLL: Duration = Duration::from_millis(20);

/// The files kubectl reads, in its order: those in `$KUBECONFIG` (empty items and repeats of a file
/// dropped), else `~/.kube/config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files(Vec<PathBuf>);

impl Files {
    pub fn from_env() -> Result<Self> {
        Self::from(std::env::var_os("KUBECONFIG"), platform::home_dir())
    }

    fn from(kubeconfig: Option<std::ffi::OsString>, home: Option<PathBuf>) -> Result<Self> {
        let mut files: Vec<PathBuf> = Vec::new();
        let mut seen: Vec<PathBuf> = Vec::new();
        for path in kubeconfig.iter().flat_map(std::env::split_paths) {
            // client-go drops repeats of the same string; the same file spelled another way
            // (`a.yaml` and `/home/me/a.yaml`, `../x/a.yaml`, a symlink) it reads twice, and the
            // second reading changes nothing: the first definition of each name wins. Kept once
            // here, or its lock would be taken twice, and wait on itself.
            let same = identity(&path);
            if !path.as_os_str().is_empty() && !seen.contains(&same) {
                files.push(path);
                seen.push(same);
            }
        }
        if files.is_empty() {
            let home = home.ok_or_else(|| Error::Kubeconfig {
                path: PathBuf::from("~/.kube/config"),
                reason: "no home directory: set HOME or KUBECONFIG".into(),
            })?;
            files.push(home.join(".kube").join("config"));
        }
        Ok(Files(files))
    }

    pub fn paths(&self) -> &[PathBuf] {
        &self.0
    }

    /// The indexes of the files that exist (a dangling symlink counts: it is written through).
    pub fn existing(&self) -> Vec<usize> {
        (0..self.0.len())
            .filter(|&i| fs::symlink_metadata(&self.0[i]).is_ok())
            .collect()
    }

    /// Where kubectl puts an entry no file defines yet: the only file; else the first that
    /// exists; else the last.
    pub fn default_index(&self) -> usize {
        match self.existing().first() {
            Some(&i) if self.0.len() > 1 => i,
            _ => self.0.len() - 1,
        }
    }
}

/// Which file `path` is: its real path, or for one not there yet its folder's real path and
/// its name (else the path made absolute).
fn identity(path: &Path) -> PathBuf {
    if let Ok(real) = platform::canonicalize(path) {
        return real;
    }
    let folder = path.parent().filter(|d| !d.as_os_str().is_empty());
    let real_folder = platform::canonicalize(folder.unwrap_or(Path::new(".")));
    match (real_folder, path.file_name()) {
        (Ok(folder), Some(name)) => folder.join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Where writes really go: a symlinked kubeconfig is written at its target, as kubectl does,
/// rather than replaced by a file.
pub fn resolve_target(path: &Path) -> PathBuf {
    if let Ok(real) = crate::platform::canonicalize(path) {
        return real;
    }
    // A dangling symlink: write where it points.
    match fs::read_link(path) {
        Ok(target) => path.parent().unwrap_or(Path::new("")).join(target),
        Err(_) => path.to_path_buf(),
    }
}

/// A kubeconfig as read from disk.
#[derive(Debug)]
pub struct Loaded {
    pub doc: Value,
    /// The file's text, which a change is made into ([`super::rewrite`]); empty when there was
    /// no file.
    pub text: String,
    /// The existing file's metadata; `None` when there was none.
    pub meta: Option<fs::Metadata>,
}

/// Reads and parses the file; a missing or empty one is an empty config.
pub fn load(path: &Path) -> Result<Loaded> {
    let failed = |reason: String| Error::Kubeconfig {
        path: path.to_path_buf(),
        reason,
    };
    let text = match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| failed("it is not UTF-8 text; fix it or point KUBECONFIG at another file (it was left untouched)".into()))?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Loaded {
                doc: super::empty(),
                text: String::new(),
                meta: None,
            });
        }
        Err(err) => return Err(failed(format!("cannot read it: {err}"))),
    };
    let doc = super::yaml::parse(&text).map_err(|reason| {
        failed(format!(
            "{reason}; fix it, or point KUBECONFIG at another file (it was left untouched)"
        ))
    })?;
    Ok(Loaded {
        doc,
        text,
        meta: fs::metadata(path).ok(),
    })
}

/// kubectl's own lock: `<file>.lock`, created exclusively and removed when done, so doks-auth
/// and `kubectl config` never interleave their read-modify-write of the same file.
pub struct FileLock(PathBuf);

impl FileLock {
    /// Waits a little for another holder (a concurrent `save`, kubectl) to finish.
    pub fn acquire(path: &Path) -> Result<Self> {
        Self::acquire_within(path, LOCK_WAIT)
    }

    fn acquire_within(path: &Path, wait: Duration) -> Result<Self> {
        let mut lock = path.as_os_str().to_owned();
        lock.push(".lock");
        let lock = PathBuf::from(lock);
        if let Some(dir) = lock
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            platform::create_private_dir(dir).map_err(|err| Error::Kubeconfig {
                path: path.to_path_buf(),
                reason: format!("cannot create its folder {}: {err}", dir.display()),
            })?;
        }
        let deadline = Instant::now() + wait;
        loop {
            match platform::private_file(OpenOptions::new().write(true).create_new(true))
                .open(&lock)
            {
                Ok(_) => return Ok(FileLock(lock)),
                Err(err)
                    if err.kind() == std::io::ErrorKind::AlreadyExists
                        && Instant::now() < deadline =>
                {
                    std::thread::sleep(LOCK_POLL)
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::Kubeconfig {
                        path: path.to_path_buf(),
                        reason: format!(
                            "it is locked by another program ({} exists, still after {} s); try again, or remove that file if no kubectl is running",
                            lock.display(),
                            wait.as_secs()
                        ),
                    });
                }
                Err(err) => {
                    return Err(Error::Kubeconfig {
                        path: path.to_path_buf(),
                        reason: format!("cannot create the lock file {}: {err}", lock.display()),
                    });
                }
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `:`-separated, Unix paths; the Windows form is tested in platform.
    #[cfg(unix)]
    #[test]
    fn files_follow_kubectl() {
        let home = Some(PathBuf::from("/home/u"));
        let paths = |kubeconfig: Option<&str>| {
            Files::from(kubeconfig.map(Into::into), home.clone())
                .unwrap()
                .0
        };
        assert_eq!(paths(None), [PathBuf::from("/home/u/.kube/config")]);
        assert_eq!(paths(Some("")), [PathBuf::from("/home/u/.kube/config")]);
        assert_eq!(
            paths(Some("::/a/one:/a/two:/a/one")),
            [PathBuf::from("/a/one"), PathBuf::from("/a/two")]
        );
        assert!(Files::from(None, None).is_err());
    }

    #[test]
    fn new_entries_go_to_the_first_file_that_exists_else_the_last() {
        let tmp = tempfile::tempdir().unwrap();
        let [a, b, c] = ["a", "b", "c"].map(|n| tmp.path().join(n));
        let files = Files(vec![a.clone(), b.clone(), c.clone()]);
        assert_eq!(files.default_index(), 2);
        fs::write(&b, "").unwrap();
        assert_eq!(files.default_index(), 1);
        fs::write(&a, "").unwrap();
        assert_eq!(files.default_index(), 0);
        assert_eq!(files.existing(), [0, 1]);
        let single = Files(vec![tmp.path().join("missing")]);
        assert_eq!(single.default_index(), 0);
        assert!(single.existing().is_empty());
    }

    #[test]
    fn unparsable_file_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config");
        fs::write(&path, "users: [\n token: dop_v1_secret\n").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("left untouched"), "{err}");
        assert!(!err.contains("dop_v1"), "{err}");
    }

    #[test]
    fn lock_is_exclusive_waits_and_is_released() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config");
        let held = FileLock::acquire(&path).unwrap();
        assert!(tmp.path().join("config.lock").exists());
        let err = FileLock::acquire_within(&path, Duration::from_millis(50))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("locked"), "{err}");
        // A holder that lets go soon is waited for.
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(held);
        });
        let second = FileLock::acquire_within(&path, Duration::from_secs(5)).unwrap();
        release.join().unwrap();
        drop(second);
        assert!(!tmp.path().join("config.lock").exists());
    }
}
