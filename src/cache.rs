//! The credential cache: one small JSON file per cluster and account, under a 0700 folder.
//!
//! Readers take no lock: files are only ever replaced whole, by rename, so a reader sees the old
//! entry or the new one, never half of either. Only a process about to call the API takes the
//! entry's `.lock` (an flock, which the kernel drops if the process dies), so many kubectl
//! processes starting together make one request between them.

use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use log::debug;
use serde::{Deserialize, Serialize};

use crate::atomic_file;
use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::settings::ClusterId;

/// Bumped whenever the entry's layout changes; other values are treated as a miss.
const FORMAT: u32 = 1;
/// Entries are a few KiB; refuse to read anything much larger.
const MAX_ENTRY_BYTES: u64 = 64 * 1024;
const LOCK_POLL: Duration = Duration::from_millis(10);
/// Temporary files while an entry is written; `cache clear` removes any a killed process left.
const TEMP_PREFIX: &str = ".tmp-";

/// What one cache file holds.
#[derive(Serialize, Deserialize)]
pub struct Entry {
    pub format: u32,
    pub cluster_id: String,
    /// The account fingerprint (never the token) the credential was issued to.
    pub account: String,
    #[serde(flatten)]
    pub credential: Credential,
}

pub struct Cache {
    dir: PathBuf,
    cluster_id: String,
    account: String,
    entry: PathBuf,
    lock: PathBuf,
}

/// Held while this process refreshes an entry; dropping it closes the file, releasing the lock.
pub struct RefreshLock(#[allow(dead_code)] File);

impl Cache {
    pub fn new(dir: PathBuf, cluster_id: &ClusterId, account: &str) -> Self {
        let stem = format!("{cluster_id}-{account}");
        Cache {
            entry: dir.join(format!("{stem}.json")),
            lock: dir.join(format!("{stem}.lock")),
            dir,
            cluster_id: cluster_id.to_string(),
            account: account.to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.entry
    }

    /// The cached credential, or `None` for anything that cannot be trusted or read: no file,
    /// a symlink, a file others could read or write, junk, or another cluster's or account's.
    pub fn load(&self) -> Option<Credential> {
        let entry = read_entry(&self.entry)
            .map_err(|why| debug!("cache miss: {}: {why}", self.entry.display()))
            .ok()?;
        if entry.cluster_id != self.cluster_id || entry.account != self.account {
            debug!(
                "cache miss: {} belongs to another cluster or account",
                self.entry.display()
            );
            return None;
        }
        Some(entry.credential)
    }

    /// Replaces the entry atomically (see [`atomic_file::replace`]).
    pub fn store(&self, credential: &Credential) -> Result<()> {
        let entry = Entry {
            format: FORMAT,
            cluster_id: self.cluster_id.clone(),
            account: self.account.clone(),
            credential: credential.clone(),
        };
        let io = |cause| Error::Cache {
            path: self.entry.clone(),
            cause,
        };
        ensure_private_dir(&self.dir)?;
        let json = serde_json::to_vec(&entry).expect("a cache entry always serialises");
        atomic_file::replace(&self.entry, TEMP_PREFIX, &json).map_err(io)?;
        debug!("cache: stored {}", self.entry.display());
        Ok(())
    }

    pub fn remove(&self) -> Result<()> {
        match fs::remove_file(&self.entry) {
            Ok(()) => {
                debug!("cache: removed {}", self.entry.display());
                Ok(())
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(cause) => Err(Error::Cache {
                path: self.entry.clone(),
                cause,
            }),
        }
    }

    /// Waits until this process may refresh the entry. `Ok(None)` means no lock can be had here
    /// at all (a read-only folder, say): the caller goes on without one rather than fail.
    pub fn lock(&self, deadline: Instant, timeout: Duration) -> Result<Option<RefreshLock>> {
        if let Err(err) = ensure_private_dir(&self.dir) {
            debug!("cache: refreshing without a lock: {err}");
            return Ok(None);
        }
        let file = match OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.lock)
        {
            Ok(file) => file,
            Err(err) => {
                debug!(
                    "cache: refreshing without a lock: {}: {err}",
                    self.lock.display()
                );
                return Ok(None);
            }
        };
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    debug!(
                        "cache: lock taken after {} ms",
                        started.elapsed().as_millis()
                    );
                    return Ok(Some(RefreshLock(file)));
                }
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(LOCK_POLL)
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(Error::LockTimeout {
                        seconds: timeout.as_secs(),
                        path: self.lock.clone(),
                    });
                }
                Err(fs::TryLockError::Error(err)) => {
                    debug!("cache: refreshing without a lock: {err}");
                    return Ok(None);
                }
            }
        }
    }
}

/// The entry files (`*.json`) in the cache folder, sorted; none when the folder does not exist.
pub fn entry_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = cache_files(dir)?
        .into_iter()
        .filter(|(_, name)| name.ends_with(".json"))
        .map(|(path, _)| path)
        .collect();
    files.sort();
    Ok(files)
}

/// Removes cached credentials: every entry, lock and leftover temporary file, or with `cluster`
/// only that cluster's entries and locks (for any account). Returns how many entries (credentials)
/// were removed; a missing folder has none.
pub fn remove_entries(dir: &Path, cluster: Option<&ClusterId>) -> Result<usize> {
    let mut removed = 0;
    for (path, name) in cache_files(dir)? {
        let is_entry = name.ends_with(".json");
        let wanted = match cluster {
            None => is_entry || name.ends_with(".lock") || name.starts_with(TEMP_PREFIX),
            Some(id) => {
                // `<id>-<account>.json|.lock`; the account fingerprint has no '-', so the id
                // `abc` never matches cluster `abc-def`'s files.
                let stem = name
                    .strip_suffix(".json")
                    .or_else(|| name.strip_suffix(".lock"));
                let id = id.as_str();
                stem.and_then(|s| s.split_at_checked(id.len()))
                    .and_then(|(prefix, rest)| prefix.eq_ignore_ascii_case(id).then_some(rest))
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|account| !account.is_empty() && !account.contains('-'))
            }
        };
        if !wanted {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => {
                debug!("cache: removed {}", path.display());
                removed += usize::from(is_entry);
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(cause) => return Err(Error::Cache { path, cause }),
        }
    }
    Ok(removed)
}

/// The folder's non-directory entries with UTF-8 names (doks-auth never writes others).
fn cache_files(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let io = |cause| Error::Cache {
        path: dir.to_path_buf(),
        cause,
    };
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(io(err)),
    };
    let mut files = Vec::new();
    for item in listing {
        let item = item.map_err(io)?;
        if item.file_type().map_err(io)?.is_dir() {
            continue;
        }
        if let Ok(name) = item.file_name().into_string() {
            files.push((item.path(), name));
        }
    }
    Ok(files)
}

/// Reads and checks one cache file; the error says why it is not used.
pub fn read_entry(path: &Path) -> std::result::Result<Entry, String> {
    // O_NOFOLLOW: a symlink planted in the folder is never read through; O_NONBLOCK: a FIFO
    // cannot hang the open.
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => "no entry".to_string(),
            _ => format!("cannot open it ({err})"),
        })?;
    let meta = file.metadata().map_err(|err| err.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.uid() != current_uid() || meta.mode() & 0o077 != 0 {
        return Err(format!(
            "not trusted: owner {} mode {:o}, expected this user and 0600",
            meta.uid(),
            meta.mode() & 0o777
        ));
    }
    if meta.len() > MAX_ENTRY_BYTES {
        return Err(format!("{} bytes is too large for an entry", meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)
        .map_err(|err| err.to_string())?;
    let entry: Entry = serde_json::from_slice(&bytes)
        .map_err(|_| "corrupt or from another program".to_string())?;
    if entry.format != FORMAT {
        return Err(format!("format {} is not {FORMAT}", entry.format));
    }
    Ok(entry)
}

fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Creates the folder 0700, or tightens one of ours that others can enter.
fn ensure_private_dir(dir: &Path) -> Result<()> {
    let io = |cause| Error::Cache {
        path: dir.to_path_buf(),
        cause,
    };
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(io(std::io::Error::other(
            "exists but is not a directory; remove it or choose another --cache-dir",
        ))),
        Ok(meta) => {
            if meta.mode() & 0o077 != 0 && meta.uid() == current_uid() {
                fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)?;
            }
            Ok(())
        }
        Err(_) => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn credential() -> Credential {
        let now = chrono::Utc::now();
        Credential {
            token: Some(Secret::new("tok")),
            client_certificate: None,
            client_key: None,
            expires_at: now + chrono::Duration::hours(1),
            fetched_at: now,
        }
    }

    fn cache(dir: &Path, cluster: &str, account: &str) -> Cache {
        Cache::new(
            dir.join("doks-auth"),
            &ClusterId::parse(cluster).unwrap(),
            account,
        )
    }

    #[test]
    fn round_trip_with_private_permissions() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", "acct");
        assert!(cache.load().is_none());
        let stored = credential();
        cache.store(&stored).unwrap();
        assert_eq!(cache.load().unwrap(), stored);
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(cache.path()), 0o600);
        assert_eq!(mode(&tmp.path().join("doks-auth")), 0o700);
        cache.remove().unwrap();
        assert!(cache.load().is_none());
        cache.remove().unwrap();
    }

    #[test]
    fn untrusted_files_are_misses() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", "acct");
        cache.store(&credential()).unwrap();

        fs::set_permissions(cache.path(), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(cache.load().is_none(), "world-readable entry was trusted");

        cache.store(&credential()).unwrap();
        let other = self::cache(tmp.path(), "c1", "other");
        fs::copy(cache.path(), other.path()).unwrap();
        fs::set_permissions(other.path(), fs::Permissions::from_mode(0o600)).unwrap();
        assert!(other.load().is_none(), "another account's entry was served");

        fs::write(cache.path(), b"{\"format\":1,").unwrap();
        assert!(cache.load().is_none());
    }

    #[test]
    fn symlinks_are_neither_read_nor_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", "acct");
        let elsewhere = tmp.path().join("elsewhere.json");
        cache.store(&credential()).unwrap();
        fs::rename(cache.path(), &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, cache.path()).unwrap();
        assert!(cache.load().is_none());
        let before = fs::read(&elsewhere).unwrap();
        cache.store(&credential()).unwrap();
        assert_eq!(
            fs::read(&elsewhere).unwrap(),
            before,
            "wrote through the symlink"
        );
        assert!(
            !fs::symlink_metadata(cache.path())
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn listing_and_removing_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("doks-auth");
        assert!(entry_files(&dir).unwrap().is_empty());
        assert_eq!(remove_entries(&dir, None).unwrap(), 0);
        for (cluster, account) in [("abc", "aaaa"), ("abc", "bbbb"), ("abc-def", "aaaa")] {
            let cache = cache(tmp.path(), cluster, account);
            cache.store(&credential()).unwrap();
            drop(cache.lock(Instant::now(), Duration::ZERO).unwrap());
        }
        fs::write(dir.join(".tmp-leftover"), b"x").unwrap();
        fs::write(dir.join("notes.txt"), b"x").unwrap();
        let names = |dir: &Path| {
            let mut names: Vec<String> = fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        assert_eq!(
            entry_files(&dir).unwrap(),
            [
                dir.join("abc-aaaa.json"),
                dir.join("abc-bbbb.json"),
                dir.join("abc-def-aaaa.json")
            ]
        );
        let abc = ClusterId::parse("abc").unwrap();
        assert_eq!(remove_entries(&dir, Some(&abc)).unwrap(), 2);
        assert_eq!(
            names(&dir),
            [
                ".tmp-leftover",
                "abc-def-aaaa.json",
                "abc-def-aaaa.lock",
                "notes.txt"
            ]
        );
        assert_eq!(remove_entries(&dir, None).unwrap(), 1);
        assert_eq!(names(&dir), ["notes.txt"]);
    }

    #[test]
    fn lock_is_exclusive_and_times_out() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", "acct");
        let held = cache.lock(Instant::now(), Duration::ZERO).unwrap().unwrap();
        let second = Cache::new(
            tmp.path().join("doks-auth"),
            &ClusterId::parse("c1").unwrap(),
            "acct",
        );
        let deadline = Instant::now() + Duration::from_millis(50);
        assert!(matches!(
            second.lock(deadline, Duration::ZERO),
            Err(Error::LockTimeout { .. })
        ));
        drop(held);
        assert!(
            second
                .lock(Instant::now(), Duration::ZERO)
                .unwrap()
                .is_some()
        );
    }
}
