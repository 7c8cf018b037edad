//! The credential cache: one small JSON file per cluster and account, in a private folder.
//!
//! Readers take no lock: files are only ever replaced whole, by rename, so a reader sees the old
//! entry or the new one, never half of either. Only a process about to call the API takes the
//! entry's `.lock` (an flock, which the kernel drops if the process dies), so many kubectl
//! processes starting together make one request between them. [`folder`] decides whether a
//! folder can be trusted and finds doks-auth's own files in it.

mod folder;

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use log::debug;
use serde::{Deserialize, Serialize};

pub use folder::{check as check_folder, entry_files, remove_entries};

use crate::atomic_file;
use crate::credential::ClusterId;
use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::process::current_uid;

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

enum Attempt {
    Taken(File),
    /// Locked, but `cache clear` unlinked the file between our open and our lock: a lock on a
    /// file no longer in the folder excludes no one, so start again.
    Unlinked,
    Busy,
    Failed(std::io::Error),
}

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
        folder::ensure(&self.dir)?;
        let json = serde_json::to_vec(&entry).expect("a cache entry always serialises");
        atomic_file::replace(&self.entry, TEMP_PREFIX, &json).map_err(|cause| Error::Cache {
            path: self.entry.clone(),
            cause,
        })?;
        debug!("cache: stored {}", self.entry.display());
        Ok(())
    }

    pub fn remove(&self) -> Result<()> {
        folder::remove(&self.entry).map_err(|cause| Error::Cache {
            path: self.entry.clone(),
            cause,
        })
    }

    /// Waits until this process may refresh the entry. `Ok(None)` means no lock can be had here
    /// at all (a read-only folder, say): the caller goes on without one rather than fail.
    pub fn lock(&self, deadline: Instant, timeout: Duration) -> Result<Option<RefreshLock>> {
        if let Err(err) = folder::ensure(&self.dir) {
            debug!("cache: refreshing without a lock: {err}");
            return Ok(None);
        }
        let started = Instant::now();
        loop {
            let file = match self.open_lock_file() {
                Ok(file) => file,
                Err(err) => {
                    debug!(
                        "cache: refreshing without a lock: {}: {err}",
                        self.lock.display()
                    );
                    return Ok(None);
                }
            };
            match self.attempt(file) {
                Attempt::Taken(file) => {
                    debug!(
                        "cache: lock taken after {} ms",
                        started.elapsed().as_millis()
                    );
                    return Ok(Some(RefreshLock(file)));
                }
                Attempt::Unlinked => continue,
                Attempt::Busy if Instant::now() < deadline => std::thread::sleep(LOCK_POLL),
                Attempt::Busy => {
                    return Err(Error::LockTimeout {
                        seconds: timeout.as_secs(),
                        path: self.lock.clone(),
                    });
                }
                Attempt::Failed(err) => {
                    debug!("cache: refreshing without a lock: {err}");
                    return Ok(None);
                }
            }
        }
    }

    fn attempt(&self, file: File) -> Attempt {
        match file.try_lock() {
            Ok(()) if self.is_current_lock_file(&file) => Attempt::Taken(file),
            Ok(()) => Attempt::Unlinked,
            Err(fs::TryLockError::WouldBlock) => Attempt::Busy,
            Err(fs::TryLockError::Error(err)) => Attempt::Failed(err),
        }
    }

    /// O_NOFOLLOW: a symlink planted at the lock's name is never followed to create or lock
    /// another file.
    fn open_lock_file(&self) -> std::io::Result<File> {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.lock)
    }

    fn is_current_lock_file(&self, file: &File) -> bool {
        match (file.metadata(), fs::symlink_metadata(&self.lock)) {
            (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
            _ => false,
        }
    }
}

/// Reads and checks one cache file; the error says why it is not used.
pub fn read_entry(path: &Path) -> std::result::Result<Entry, String> {
    let (meta, bytes) = folder::read_small_file(path)?;
    if meta.uid() != current_uid() || meta.mode() & 0o077 != 0 {
        return Err(format!(
            "not trusted: owner {} mode {:o}, expected this user and 0600",
            meta.uid(),
            meta.mode() & 0o777
        ));
    }
    let entry: Entry = serde_json::from_slice(&bytes)
        .map_err(|_| "corrupt or from another program".to_string())?;
    if entry.format != FORMAT {
        return Err(format!("format {} is not {FORMAT}", entry.format));
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use std::os::unix::fs::PermissionsExt;

    pub(super) const ACCOUNT: &str = "0123456789abcdef";

    pub(super) fn credential() -> Credential {
        let now = chrono::Utc::now();
        Credential {
            token: Some(Secret::new("tok")),
            client_certificate: None,
            client_key: None,
            expires_at: now + chrono::Duration::hours(1),
            fetched_at: now,
            sso: None,
        }
    }

    pub(super) fn cache(dir: &Path, cluster: &str, account: &str) -> Cache {
        Cache::new(
            dir.join("doks-auth"),
            &ClusterId::parse(cluster).unwrap(),
            account,
        )
    }

    #[test]
    fn round_trip_with_private_permissions() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", ACCOUNT);
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
        let cache = cache(tmp.path(), "c1", ACCOUNT);
        cache.store(&credential()).unwrap();

        fs::set_permissions(cache.path(), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(cache.load().is_none(), "world-readable entry was trusted");
        fs::set_permissions(cache.path(), fs::Permissions::from_mode(0o600)).unwrap();
        assert!(cache.load().is_some());

        // Another user's file, mode 0600 and otherwise perfect (chown needs root, as CI is).
        if current_uid() == 0 {
            std::os::unix::fs::chown(cache.path(), Some(4242), None).unwrap();
            assert!(cache.load().is_none(), "another user's entry was trusted");
            std::os::unix::fs::chown(cache.path(), Some(0), None).unwrap();
            assert!(cache.load().is_some());
        }

        let other = self::cache(tmp.path(), "c1", "fedcba9876543210");
        fs::copy(cache.path(), other.path()).unwrap();
        fs::set_permissions(other.path(), fs::Permissions::from_mode(0o600)).unwrap();
        assert!(other.load().is_none(), "another account's entry was served");
        let renamed = self::cache(tmp.path(), "c2", ACCOUNT);
        fs::copy(cache.path(), renamed.path()).unwrap();
        assert!(
            renamed.load().is_none(),
            "another cluster's entry was served"
        );

        fs::write(cache.path(), b"{\"format\":1,").unwrap();
        assert!(cache.load().is_none());
    }

    #[test]
    fn entries_up_to_64_kib_are_read_and_larger_files_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", ACCOUNT);
        // A client-certificate credential: a few KiB of PEM.
        let mut big = credential();
        big.client_certificate = Some(Secret::new("C".repeat(3000)));
        big.client_key = Some(Secret::new("K".repeat(3000)));
        cache.store(&big).unwrap();
        assert_eq!(cache.load(), Some(big.clone()));
        big.client_key = Some(Secret::new("K".repeat(70 * 1024)));
        cache.store(&big).unwrap();
        assert_eq!(cache.load(), None, "a file over 64 KiB was read");
    }

    #[test]
    fn removing_reports_what_it_cannot_remove() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", ACCOUNT);
        cache.remove().unwrap(); // nothing there: fine
        fs::create_dir_all(cache.path().join("inside")).unwrap();
        assert!(
            cache.remove().is_err(),
            "a folder in the entry's place was called removed"
        );
    }

    #[test]
    fn a_fifo_in_place_of_an_entry_is_a_miss_not_a_hang() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", ACCOUNT);
        cache.store(&credential()).unwrap();
        fs::remove_file(cache.path()).unwrap();
        let path = std::ffi::CString::new(cache.path().as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        let (sender, receiver) = std::sync::mpsc::channel();
        let reader = Cache::new(cache.dir.clone(), &ClusterId::parse("c1").unwrap(), ACCOUNT);
        std::thread::spawn(move || sender.send(reader.load().is_none()).unwrap());
        let answer = receiver.recv_timeout(Duration::from_secs(5));
        if answer.is_err() {
            // Unblock the reader before failing, so the test process can end.
            let _ = OpenOptions::new().write(true).open(cache.path());
        }
        assert_eq!(answer, Ok(true), "opening a FIFO entry hung or was served");
    }

    #[test]
    fn symlinks_are_neither_read_nor_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", ACCOUNT);
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
    fn a_symlink_at_the_lock_is_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", ACCOUNT);
        fs::create_dir(&cache.dir).unwrap();
        fs::set_permissions(&cache.dir, fs::Permissions::from_mode(0o700)).unwrap();
        let victim = tmp.path().join("victim");
        std::os::unix::fs::symlink(&victim, &cache.lock).unwrap();
        let lock = cache.lock(Instant::now(), Duration::ZERO).unwrap();
        assert!(lock.is_none(), "a lock was taken through the symlink");
        assert!(!victim.exists(), "the symlink's target was created");
    }

    #[test]
    fn lock_is_exclusive_and_times_out() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", ACCOUNT);
        let held = cache.lock(Instant::now(), Duration::ZERO).unwrap().unwrap();
        let second = self::cache(tmp.path(), "c1", ACCOUNT);
        let deadline = Instant::now() + Duration::from_millis(50);
        let err = second.lock(deadline, Duration::from_secs(7)).err().unwrap();
        assert!(
            matches!(err, Error::LockTimeout { seconds: 7, .. }),
            "{err}"
        );
        assert!(err.is_transient(), "a busy lock is a passing condition");
        drop(held);
        assert!(
            second
                .lock(Instant::now(), Duration::ZERO)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_lock_on_a_file_no_longer_in_the_folder_does_not_count() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "c1", ACCOUNT);
        fs::create_dir(&cache.dir).unwrap();
        // Opened, then unlinked by `cache clear` before we lock it.
        let file = cache.open_lock_file().unwrap();
        fs::remove_file(&cache.lock).unwrap();
        assert!(matches!(cache.attempt(file), Attempt::Unlinked));
        // Opened, then replaced by another file of the same name.
        let file = cache.open_lock_file().unwrap();
        fs::remove_file(&cache.lock).unwrap();
        let _newer = cache.open_lock_file().unwrap();
        assert!(matches!(cache.attempt(file), Attempt::Unlinked));
        // The file in the folder.
        let file = cache.open_lock_file().unwrap();
        let taken = cache.attempt(file);
        assert!(matches!(taken, Attempt::Taken(_)));
        let held = cache.lock(Instant::now(), Duration::ZERO);
        assert!(matches!(held, Err(Error::LockTimeout { .. })));
        drop(taken);
    }
}
