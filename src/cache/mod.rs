//! The credential cache: one small JSON file per cluster and account, in a private folder.
//!
//! Readers take no lock: files are only ever replaced whole, by rename, so a reader sees the old
//! entry or the new one, never half of either. Only a process about to call the API takes the
//! entry's `.lock` (an flock, which the kernel drops if the process dies), so many kubectl
//! processes starting together make one request between them. [`folder`] decides whether a
//! folder can be trusted and finds doks-auth's own files in it.

mod folder;
mod given;
mod stored;

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use log::debug;
use serde::{Deserialize, Serialize};

pub use folder::{check as check_folder, entry_files, remove_entries};

use crate::credential::ClusterId;
use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::platform::{self, Process, atomic_file};

/// Bumped whenever the entry's layout changes; other values are treated as a miss.
const FORMAT: u32 = 1;
/// Entries are a few KiB; refuse to read anything much larger.
const MAX_ENTRY_BYTES: u64 = 64 * 1024;
const LOCK_POLL: Duration = Duration::from_millis(10);
/// Temporary files while an entry is written; `cache clear` removes any a killed process left.
const TEMP_PREFIX: &str = ".tmp-";

/// What one cache file holds.
#[derive(Serialize, Deserialize)]
#[serde(from = "stored::StoredEntry")]
pub struct Entry {
    pub format: u32,
    pub cluster_id: String,
    /// The account fingerprint (never the token) the credential was issued to.
    pub account: String,
    #[serde(flatten)]
    pub credential: Credential,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_failed: Option<Failure>,
}

/// A refresh that failed for a passing reason while the entry still worked. Remembered with the
/// entry, so that for a while the calls that follow serve it at once instead of each waiting on
/// a source that is down.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Failure {
    pub at: DateTime<Utc>,
    /// The error's one line (errors never carry a secret).
    pub reason: String,
    /// Not before this, when the server said so (`Retry-After`); else a minute after `at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_try: Option<DateTime<Utc>>,
}

/// What `<stem>.login` holds: a login of the entry that ended with nobody finishing it (see
/// `serve`). Kept beside the entry rather than in it: a first login has no credential to keep
/// it with.
#[derive(Serialize, Deserialize)]
struct UnfinishedLogin {
    format: u32,
    cluster_id: String,
    account: String,
    #[serde(flatten)]
    login: Failure,
}

pub struct Cache {
    dir: PathBuf,
    cluster_id: String,
    account: String,
    entry: PathBuf,
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
        // Built by hand rather than with format!: this runs on every cache hit.
        let mut name = String::with_capacity(cluster_id.as_str().len() + account.len() + 6);
        name.push_str(cluster_id.as_str());
        name.push('-');
        name.push_str(account);
        name.push_str(".json");
        Cache {
            entry: platform::joined(&dir, &name),
            dir,
            cluster_id: cluster_id.to_string(),
            account: account.to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.entry
    }

    /// The entry's lock file: its name with `.lock` for `.json`. Named when needed, not on every
    /// hit (a path each hit built for nothing), and by hand (`with_extension` parses the path
    /// back into components: 1.3k instructions).
    pub(crate) fn lock_path(&self) -> PathBuf {
        let mut name = String::with_capacity(self.cluster_id.len() + self.account.len() + 6);
        name.push_str(&self.cluster_id);
        name.push('-');
        name.push_str(&self.account);
        name.push_str(".lock");
        self.dir.join(name)
    }

    /// The cached credential, or `None` for anything that cannot be trusted or read: no file,
    /// a symlink, a file others could read or write, junk, or another cluster's or account's.
    pub fn load(&self) -> Option<Credential> {
        self.load_entry().map(|entry| entry.credential)
    }

    /// [`load`](Self::load), with what the entry remembers of a failed refresh.
    pub fn load_entry(&self) -> Option<Entry> {
        let entry = read_entry(&self.entry)
            .map_err(|why| debug!("cache miss: {}: {why}", self.entry.display()))
            .ok()?;
        let same = |a: &str, b: &str| crate::ascii::same(a.as_bytes(), b.as_bytes());
        if !same(&entry.cluster_id, &self.cluster_id) || !same(&entry.account, &self.account) {
            debug!(
                "cache miss: {} belongs to another cluster or account",
                self.entry.display()
            );
            return None;
        }
        Some(entry)
    }

    /// Replaces the entry atomically (see [`atomic_file::replace`]); a new credential forgets any
    /// failed refresh.
    pub fn store(&self, credential: &Credential) -> Result<()> {
        self.write(credential, None)
    }

    /// Keeps `credential` and notes that refreshing it failed.
    pub fn remember_failure(&self, credential: &Credential, failure: Failure) -> Result<()> {
        self.write(credential, Some(failure))
    }

    /// The last login nobody finished, if one is on record; anything untrusted or unreadable
    /// is no record.
    pub fn unfinished_login(&self) -> Option<Failure> {
        let path = self.unfinished_path();
        let (privacy, bytes) = folder::read_small_file(&path).ok()?;
        if !privacy.is_private() {
            debug!("cache: {} is not trusted: ignored", path.display());
            return None;
        }
        let record: UnfinishedLogin = serde_json::from_slice(&bytes).ok()?;
        let ours = record.format == FORMAT
            && record.cluster_id == self.cluster_id
            && record.account == self.account;
        ours.then_some(record.login)
    }

    /// Notes that a login of this entry ended unfinished; a stored credential forgets it.
    pub fn remember_unfinished_login(&self, login: Failure) -> Result<()> {
        let path = self.unfinished_path();
        let record = UnfinishedLogin {
            format: FORMAT,
            cluster_id: self.cluster_id.clone(),
            account: self.account.clone(),
            login,
        };
        folder::ensure(&self.dir)?;
        let json = serde_json::to_vec(&record).expect("a login record always serialises");
        atomic_file::replace(&path, TEMP_PREFIX, &json).map_err(|cause| Error::Cache {
            path: path.clone(),
            cause,
        })?;
        debug!("cache: noted an unfinished login in {}", path.display());
        Ok(())
    }

    pub fn forget_unfinished_login(&self) -> Result<()> {
        let path = self.unfinished_path();
        folder::remove(&path).map_err(|cause| Error::Cache { path, cause })
    }

    /// Named when needed only: a cache hit never looks at it.
    fn unfinished_path(&self) -> PathBuf {
        self.entry.with_extension("login")
    }

    fn write(&self, credential: &Credential, refresh_failed: Option<Failure>) -> Result<()> {
        let new_credential = refresh_failed.is_none();
        let entry = Entry {
            format: FORMAT,
            cluster_id: self.cluster_id.clone(),
            account: self.account.clone(),
            credential: credential.clone(),
            refresh_failed,
        };
        folder::ensure(&self.dir)?;
        let json = serde_json::to_vec(&entry).expect("a cache entry always serialises");
        atomic_file::replace(&self.entry, TEMP_PREFIX, &json).map_err(|cause| Error::Cache {
            path: self.entry.clone(),
            cause,
        })?;
        if new_credential {
            // A new credential: no client has been given it yet, and nobody needs to log in.
            given::forget(&self.lock_path());
            if let Err(err) = self.forget_unfinished_login() {
                debug!("{err}");
            }
        }
        debug!("cache: stored {}", self.entry.display());
        Ok(())
    }

    /// Notes that `client` is being given the cached credential, and says how many times it was
    /// given it before (see [`given`]).
    pub fn times_given(&self, client: &Process) -> usize {
        given::record(&self.lock_path(), client)
    }

    pub fn remove(&self) -> Result<()> {
        folder::remove(&self.entry).map_err(|cause| Error::Cache {
            path: self.entry.clone(),
            cause,
        })
    }

    /// Waits until this process may refresh the entry. `Ok(None)` means no lock can be had here
    /// at all (a read-only folder, say): the caller goes on without one rather than fail.
    /// `flag` names the option that set `timeout`, for the error that says it ran out.
    pub fn lock(
        &self,
        deadline: Instant,
        timeout: Duration,
        flag: &'static str,
    ) -> Result<Option<RefreshLock>> {
        if let Err(err) = folder::ensure(&self.dir) {
            debug!("cache: refreshing without a lock: {err}");
            return Ok(None);
        }
        let started = Instant::now();
        loop {
            let file = match self.open_lock_file() {
                Ok(Some(file)) => file,
                // Something planted at the lock's name: this entry cannot be used safely.
                Ok(None) => {
                    return Err(Error::Cache {
                        path: self.lock_path(),
                        cause: std::io::Error::other("not a regular file"),
                    });
                }
                Err(err) => {
                    debug!(
                        "cache: refreshing without a lock: {}: {err}",
                        self.lock_path().display()
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
                        flag,
                        path: self.lock_path(),
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
    /// another file. O_NONBLOCK: a FIFO there would block the open until someone read it; it
    /// and anything else that is not a regular file are refused.
    /// `Ok(None)`: something that is not a regular file sits at the lock's name.
    fn open_lock_file(&self) -> std::io::Result<Option<File>> {
        let lock = self.lock_path();
        let opened = platform::no_follow(platform::private_file(
            OpenOptions::new().create(true).truncate(false).write(true),
        ))
        .open(&lock);
        match opened {
            Ok(file) if file.metadata()?.is_file() => {
                let _protected = platform::protect_if_new(&file, &lock)?;
                Ok(Some(file))
            }
            Ok(_) => Ok(None),
            Err(err) if platform::is_fifo_without_reader(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn is_current_lock_file(&self, file: &File) -> bool {
        platform::is_same_file(file, &self.lock_path())
    }
}

/// Reads and checks one cache file; the error says why it is not used.
pub fn read_entry(path: &Path) -> std::result::Result<Entry, String> {
    let (privacy, bytes) = folder::read_small_file(path)?;
    if let Some(why) = distrust(&privacy) {
        return Err(why);
    }
    parse_entry(&bytes)
}

/// As [`read_entry`], but an entry others could read or write is returned too, with why it is
/// not trusted: never served, but `logout` must still end the login it holds.
pub fn read_untrusted_entry(path: &Path) -> std::result::Result<(Entry, Option<String>), String> {
    let (privacy, bytes) = folder::read_small_file(path)?;
    Ok((parse_entry(&bytes)?, distrust(&privacy)))
}

fn distrust(privacy: &platform::Privacy) -> Option<String> {
    (!privacy.is_private()).then(|| format!("not trusted: {privacy}"))
}

fn parse_entry(bytes: &[u8]) -> std::result::Result<Entry, String> {
    // The shape doks-auth writes for most entries is read without serde (see `stored::plain`).
    let entry: Entry = match stored::plain::entry(bytes) {
        Some(entry) => entry,
        None => serde_json::from_slice(bytes)
            .map_err(|_| "corrupt or from another program".to_string())?,
    };
    if entry.format != FORMAT {
        return Err(format!("format {} is not {FORMAT}", entry.format));
    }
    Ok(entry)
}

#[cfg(test)]
mod tests;
