//! The cache folder: whether it can be trusted, creating it, and finding and removing doks-auth's
//! own files in it — and nothing else, since `--cache-dir` may name a folder that holds other
//! files (a project folder given by mistake, `/tmp`).

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use log::debug;

use super::{Entry, TEMP_PREFIX};
use crate::credential::ClusterId;
use crate::digitalocean::Account;
use crate::error::{Error, Result};
use crate::process::current_uid;

/// A temporary file younger than this may belong to a write in progress, so `clear` leaves it.
const TEMP_FILE_GRACE: Duration = Duration::from_secs(60);

/// Whether an existing folder may hold credentials: a directory of this user's that no one else
/// can write to (else they could swap or delete entries, or plant files). A missing folder is
/// fine: it will be created private. Never changes a folder's mode: it may not be ours to change.
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
    if meta.uid() != current_uid() {
        return Err(refuse(format!(
            "the folder belongs to uid {}, not to this user; choose another --cache-dir",
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(refuse(format!(
            "other users can write to the folder (mode {:o}); use a private one (chmod 700) or another --cache-dir",
            meta.mode() & 0o7777
        )));
    }
    Ok(())
}

/// Creates the folder (and missing parents) 0700, or checks the one that is there.
pub fn ensure(dir: &Path) -> Result<()> {
    match fs::metadata(dir) {
        Ok(meta) => trusted(dir, &meta),
        Err(_) => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|cause| Error::Cache {
                path: dir.to_path_buf(),
                cause,
            }),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Entry,
    Lock,
}

/// `<cluster id>-<account fingerprint>.json|.lock`, the only names doks-auth gives its files.
#[derive(Debug, PartialEq, Eq)]
struct Name<'a> {
    cluster_id: &'a str,
    account: &'a str,
    kind: Kind,
}

fn parse_name(name: &str) -> Option<Name<'_>> {
    let (stem, kind) = match name.strip_suffix(".json") {
        Some(stem) => (stem, Kind::Entry),
        None => (name.strip_suffix(".lock")?, Kind::Lock),
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
/// account). Also their lock files when no process holds them, and, with no `cluster`,
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
    let opened = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
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

/// A regular file of at most `MAX_ENTRY_BYTES`, with its metadata; the error says why not.
/// O_NOFOLLOW: a symlink planted in the folder is never read through; O_NONBLOCK: a FIFO cannot
/// hang the open.
pub(super) fn read_small_file(path: &Path) -> std::result::Result<(fs::Metadata, Vec<u8>), String> {
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
    if meta.len() > super::MAX_ENTRY_BYTES {
        return Err(format!("{} bytes is too large for an entry", meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)
        .map_err(|err| err.to_string())?;
    Ok((meta, bytes))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ACCOUNT, cache, credential};
    use super::*;
    use std::fs::File;
    use std::os::unix::fs::PermissionsExt;
    use std::time::Instant;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn only_doks_auth_names_are_recognised() {
        let entry = |cluster_id, account| Name {
            cluster_id,
            account,
            kind: Kind::Entry,
        };
        assert_eq!(
            parse_name("abc-def-0123456789abcdef.json"),
            Some(entry("abc-def", ACCOUNT))
        );
        assert_eq!(
            parse_name("abc-0123456789abcdef.lock").map(|n| n.kind),
            Some(Kind::Lock)
        );
        for other in [
            "package.json",
            "tsconfig.json",
            "yarn.lock",
            "abc-0123456789ABCDEF.json",
            "abc-0123456789abcde.json",
            "abc-0123456789abcdef0.json",
            "-0123456789abcdef.json",
            "a.b-0123456789abcdef.json",
            "abc-0123456789abcdef.txt",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn folders_others_can_write_or_own_are_not_trusted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        assert!(
            check(&dir).is_ok(),
            "a missing folder will be created private"
        );
        ensure(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        for (mode, trusted) in [
            (0o755, true),
            (0o750, true),
            (0o775, false),
            (0o1777, false),
        ] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(check(&dir).is_ok(), trusted, "{mode:o}");
            assert_eq!(ensure(&dir).is_ok(), trusted, "{mode:o}");
            // Never tightened: the folder may not be ours to change.
            assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o7777, mode);
        }
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        if current_uid() == 0 {
            std::os::unix::fs::chown(&dir, Some(4242), None).unwrap();
            let err = check(&dir).unwrap_err().to_string();
            assert!(err.contains("belongs to uid 4242"), "{err}");
            assert!(ensure(&dir).is_err());
        }
        let file = tmp.path().join("f");
        fs::write(&file, b"").unwrap();
        assert!(check(&file).is_err());
        assert!(ensure(&file).is_err());
    }

    #[test]
    fn listing_and_removing_touch_only_our_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("doks-auth");
        assert!(entry_files(&dir).unwrap().is_empty());
        assert_eq!(remove_entries(&dir, None).unwrap(), 0);
        let other = "fedcba9876543210";
        for (cluster, account) in [("abc", ACCOUNT), ("abc", other), ("abc-def", ACCOUNT)] {
            let cache = cache(tmp.path(), cluster, account);
            cache.store(&credential()).unwrap();
            drop(cache.lock(Instant::now(), Duration::ZERO).unwrap());
        }
        // What else a folder given as --cache-dir by mistake may hold.
        let foreign = [
            "package.json",
            "yarn.lock",
            "notes.txt",
            "zzz-0123456789abcdef.json", // our name, not our content
            ".tmp-fresh1",               // a write in progress
            ".tmp-notours-at-all",
        ];
        for name in foreign {
            fs::write(dir.join(name), b"{\"keep\": true}").unwrap();
        }
        let old = SystemTime::now() - Duration::from_secs(3600);
        let leftover = dir.join(".tmp-Ab12Cd");
        File::create(&leftover).unwrap().set_modified(old).unwrap();
        assert_eq!(
            entry_files(&dir).unwrap(),
            [
                dir.join(format!("abc-{ACCOUNT}.json")),
                dir.join(format!("abc-def-{ACCOUNT}.json")),
                dir.join(format!("abc-{other}.json")),
                dir.join("zzz-0123456789abcdef.json"),
            ]
        );
        let abc = ClusterId::parse("abc").unwrap();
        assert_eq!(remove_entries(&dir, Some(&abc)).unwrap(), 2);
        assert!(
            leftover.exists(),
            "a cluster's clear removed temporary files"
        );
        let mut expected: Vec<String> = foreign.iter().map(|n| n.to_string()).collect();
        expected.extend([
            ".tmp-Ab12Cd".into(),
            format!("abc-def-{ACCOUNT}.json"),
            format!("abc-def-{ACCOUNT}.lock"),
        ]);
        expected.sort();
        assert_eq!(names(&dir), expected);

        // A lock some process holds stays: removing it would let a second refresh start.
        let busy = cache(tmp.path(), "abc-def", ACCOUNT);
        let held = busy.lock(Instant::now(), Duration::ZERO).unwrap().unwrap();
        assert_eq!(remove_entries(&dir, None).unwrap(), 1);
        let mut expected: Vec<String> = foreign.iter().map(|n| n.to_string()).collect();
        expected.push(format!("abc-def-{ACCOUNT}.lock"));
        expected.sort();
        assert_eq!(names(&dir), expected);
        drop(held);
        assert_eq!(remove_entries(&dir, None).unwrap(), 0);
        let mut expected: Vec<String> = foreign.iter().map(|n| n.to_string()).collect();
        expected.sort();
        assert_eq!(names(&dir), expected);
        for name in foreign {
            assert_eq!(fs::read(dir.join(name)).unwrap(), b"{\"keep\": true}");
        }
    }

    #[test]
    fn clear_leaves_what_only_looks_like_a_lock_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("doks-auth");
        ensure(&dir).unwrap();
        let victim = tmp.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        let link = dir.join(format!("abc-{ACCOUNT}.lock"));
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let fifo = dir.join(format!("def-{ACCOUNT}.lock"));
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        // With a reader at the other end, opening the FIFO for writing succeeds: only its type
        // tells it is no lock file.
        let _reader = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        assert_eq!(remove_entries(&dir, None).unwrap(), 0);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(fs::symlink_metadata(&fifo).is_ok(), "the FIFO was removed");
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        // The symlink was not followed to lock its target either.
        let target = fs::File::open(&victim).unwrap();
        assert!(target.try_lock().is_ok());
        // One that vanished between the listing and the removal is no error.
        assert!(remove_unused_lock(&dir.join("gone.lock")).is_ok());
    }

    #[test]
    fn unreadable_folders_and_files_are_errors_not_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a-file");
        fs::write(&file, b"").unwrap();
        // A path below a file: not "missing", and not to be used or listed as empty.
        assert!(check(&file.join("sub")).is_err());
        assert!(entry_files(&file).is_err());
        assert!(remove_entries(&file, None).is_err());
    }

    #[test]
    fn small_files_are_read_up_to_the_limit_and_say_why_not() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        assert_eq!(read_small_file(&path).unwrap_err(), "no entry");
        let limit = super::super::MAX_ENTRY_BYTES as usize;
        fs::write(&path, vec![b' '; limit]).unwrap();
        assert_eq!(read_small_file(&path).unwrap().1.len(), limit);
        fs::write(&path, vec![b' '; limit + 1]).unwrap();
        assert!(read_small_file(&path).unwrap_err().contains("too large"));
    }

    #[test]
    fn an_entry_is_recognised_by_its_content_too() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path(), "abc", ACCOUNT);
        cache.store(&credential()).unwrap();
        fn name(n: &str) -> Name<'_> {
            parse_name(n).unwrap()
        }
        let ours = format!("abc-{ACCOUNT}.json");
        assert!(holds_entry(cache.path(), &name(&ours)));
        assert!(holds_entry(
            cache.path(),
            &name(&format!("ABC-{ACCOUNT}.json"))
        ));
        assert!(!holds_entry(
            cache.path(),
            &name(&format!("abd-{ACCOUNT}.json"))
        ));
        assert!(!holds_entry(
            cache.path(),
            &name("abc-fedcba9876543210.json")
        ));
        let dir = tmp.path().join("doks-auth");
        std::os::unix::fs::symlink(cache.path(), dir.join("link")).unwrap();
        assert!(!holds_entry(&dir.join("link"), &name(&ours)));
        fs::create_dir(dir.join("sub")).unwrap();
        assert!(!holds_entry(&dir.join("sub"), &name(&ours)));
    }

    #[test]
    fn temporary_files_are_ours_only_when_named_so_and_old() {
        let tmp = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(120);
        let recent = SystemTime::now() - Duration::from_secs(30);
        for (name, modified, stale) in [
            (".tmp-Ab12Cd", old, true),
            (".tmp-Ab12Cd", recent, false),
            (".tmp-Ab12C", old, false),
            (".tmp-Ab12Cde", old, false),
            (".tmp-Ab12C.", old, false),
            ("x.tmp-Ab12Cd", old, false),
        ] {
            let path = tmp.path().join(name);
            File::create(&path).unwrap().set_modified(modified).unwrap();
            assert_eq!(is_stale_temp_file(&path, name), stale, "{name}");
            fs::remove_file(&path).unwrap();
        }
        let dir = tmp.path().join(".tmp-Ab12Cd");
        fs::create_dir(&dir).unwrap();
        assert!(!is_stale_temp_file(&dir, ".tmp-Ab12Cd"));
    }
}
