//! The cache folder: whether it can be trusted, creating it, and finding and removing doks-auth's
//! own files in it — and nothing else, since `--cache-dir` may name a folder that holds other
//! files (a project folder given by mistake, `/tmp`).

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use log::debug;

use super::{Entry, TEMP_PREFIX};
use crate::credential::ClusterId;
use crate::digitalocean::Account;
use crate::error::{Error, Result};
use crate::platform;

/// A temporary file younger than this may belong to a write in progress, so `clear` leaves it.
const TEMP_FILE_GRACE: Duration = Duration::from_secs(60);

/// Whether an existing folder may hold credentials: a directory of this user's that no one else
/// can write to (else they could swap or delete entries, or plant files; see
/// [`platform::check_private_dir`]). A missing folder is fine: it will be created private. Never
/// changes a folder's mode or ACL: it may not be ours to change.
pub fn check(dir: &Path) -> Result<()> {
    match fs::metadata(dir) {
        Ok(meta) => trusted(dir, &meta),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(cause) => Err(Error::Cache {
            path: dir.to_path_buf(),
            cause,
        }),
    }
}

fn trusted(dir: &Path, meta: &fs::Metadata) -> Result<()> {
    let refuse = |why: String| Error::Cache {
        path: dir.to_path_buf(),
        cause: std::io::Error::other(why),
    };
    if !meta.is_dir() {
        return Err(refuse(
            "exists but is not a directory; remove it or choose another --cache-dir".into(),
        ));
    }
    platform::check_private_dir(dir, meta).map_err(refuse)
}

/// Creates the folder (and missing parents) 0700 (on Windows, with an owner-only ACL), or checks
/// the one that is there.
pub fn ensure(dir: &Path) -> Result<()> {
    match fs::metadata(dir) {
        Ok(meta) => trusted(dir, &meta),
        Err(_) => platform::create_private_dir(dir).map_err(|cause| Error::Cache {
            path: dir.to_path_buf(),
            cause,
        }),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Entry,
    Lock,
    /// The record of a login nobody finished.
    Login,
}

/// `<cluster id>-<account fingerprint>.json|.lock|.login`, the only names doks-auth gives its
/// files.
#[derive(Debug, PartialEq, Eq)]
struct Name<'a> {
    cluster_id: &'a str,
    account: &'a str,
    kind: Kind,
}

fn parse_name(name: &str) -> Option<Name<'_>> {
    let (stem, kind) = if let Some(stem) = name.strip_suffix(".json") {
        (stem, Kind::Entry)
    } else if let Some(stem) = name.strip_suffix(".lock") {
        (stem, Kind::Lock)
    } else {
        (name.strip_suffix(".login")?, Kind::Login)
    };
    let (cluster_id, account) = stem.rsplit_once('-')?;
    let is_account = account.len() == Account::FINGERPRINT_LEN
        && account
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let is_id = ClusterId::parse(cluster_id).is_ok();
    (is_account && is_id).then_some(Name {
        cluster_id,
        account,
        kind,
    })
}

/// The entry files in the cache folder, sorted; none when the folder does not exist. Only files
/// named as doks-auth names them: whatever else the folder holds is not ours to look at.
pub fn entry_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = listing(dir)?
        .into_iter()
        .filter(|(_, name)| parse_name(name).is_some_and(|n| n.kind == Kind::Entry))
        .map(|(path, _)| path)
        .collect();
    files.sort();
    Ok(files)
}

/// Removes cached credentials: every entry, or with `cluster` only that cluster's (for any
/// account). Also their lock files when no process holds them, their records of unfinished
/// logins, and, with no `cluster`,
/// temporary files a killed process left. A file is removed only if it is doks-auth's: its name
/// has doks-auth's pattern and, for an entry, it holds a cache entry for that name. Returns how
/// many entries (credentials) were removed; a missing folder has none.
pub fn remove_entries(dir: &Path, cluster: Option<&ClusterId>) -> Result<usize> {
    let mut removed = 0;
    for (path, name) in listing(dir)? {
        let outcome = match parse_name(&name) {
            Some(parsed) => {
                let wanted =
                    cluster.is_none_or(|id| parsed.cluster_id.eq_ignore_ascii_case(id.as_str()));
                match parsed.kind {
                    _ if !wanted => continue,
                    Kind::Entry if !holds_entry(&path, &parsed) => {
                        debug!("cache: kept {}: not a doks-auth entry", path.display());
                        continue;
                    }
                    Kind::Entry => remove(&path).map(|()| removed += 1),
                    Kind::Lock => remove_unused_lock(&path),
                    // Only a regular file: anything else at the name is not doks-auth's.
                    Kind::Login if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) => {
                        remove(&path)
                    }
                    Kind::Login => continue,
                }
            }
            None if cluster.is_none() && is_stale_temp_file(&path, &name) => remove(&path),
            None => continue,
        };
        outcome.map_err(|cause| Error::Cache { path, cause })?;
    }
    Ok(removed)
}

/// Removes a file; one already gone is fine.
pub(super) fn remove(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => {
            debug!("cache: removed {}", path.display());
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

/// Whether the file parses as the cache entry its name says it is (whoever owns it: a copy with
/// loose permissions is still ours to remove).
fn holds_entry(path: &Path, name: &Name) -> bool {
    read_small_file(path).is_ok_and(|(_, bytes)| {
        serde_json::from_slice::<Entry>(&bytes).is_ok_and(|entry| {
            entry.cluster_id.eq_ignore_ascii_case(name.cluster_id) && entry.account == name.account
        })
    })
}

/// A lock file is removed only while this process holds its lock, so no refresh in progress
/// loses it; a process that then takes the unlinked file's lock notices and opens a new one
/// (see `Cache::lock`). Anything at a lock's name that is not a regular file (a symlink, a FIFO)
/// is not doks-auth's: it is left alone, never followed.
fn remove_unused_lock(path: &Path) -> std::io::Result<()> {
    let opened = platform::no_follow(OpenOptions::new().write(true)).open(path);
    let file = match opened {
        Ok(file) if file.metadata().is_ok_and(|m| m.is_file()) => file,
        // Gone already, a symlink (ELOOP), a FIFO with no reader (ENXIO), a folder, ...
        _ => {
            debug!("cache: kept {}: not a lock file of ours", path.display());
            return Ok(());
        }
    };
    match file.try_lock() {
        Ok(()) => remove(path),
        Err(fs::TryLockError::WouldBlock) => {
            debug!("cache: kept {}: a refresh holds it", path.display());
            Ok(())
        }
        Err(fs::TryLockError::Error(err)) => Err(err),
    }
}

/// `.tmp-` and tempfile's six random characters, a regular file, untouched for a minute.
fn is_stale_temp_file(path: &Path, name: &str) -> bool {
    let ours = name
        .strip_prefix(TEMP_PREFIX)
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    ours && fs::symlink_metadata(path).is_ok_and(|meta| {
        meta.is_file()
            && meta
                .modified()
                .ok()
                .and_then(|at| SystemTime::now().duration_since(at).ok())
                .is_some_and(|age| age >= TEMP_FILE_GRACE)
    })
}

/// The folder's non-directory entries with UTF-8 names (doks-auth never writes others).
fn listing(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
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

/// A regular file of at most `MAX_ENTRY_BYTES`, with who may use it; the error says why not.
/// O_NOFOLLOW: a symlink planted in the folder is never read through; O_NONBLOCK: a FIFO cannot
/// hang the open.
pub(super) fn read_small_file(
    path: &Path,
) -> std::result::Result<(platform::Privacy, Vec<u8>), String> {
    let mut file = platform::no_follow(OpenOptions::new().read(true))
        .open(path)
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => "no entry".to_string(),
            _ => format!("cannot open it ({err})"),
        })?;
    let meta = file.metadata().map_err(|err| err.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > super::MAX_ENTRY_BYTES {
        return Err(format!("{} bytes is too large for an entry", meta.len()));
    }
    // One buffer of the size fstat gave, read into until end of file; `read_to_end` would ask
    // the kernel for the size again (fstat, lseek). A file that grew meanwhile is cut at the
    // bound, and then fails to parse.
    let mut bytes = vec![0; meta.len() as usize + 1];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err.to_string()),
        }
    }
    bytes.truncate(filled);
    Ok((platform::Privacy::of(&file, &meta), bytes))
}

#[cfg(test)]
mod tests;
