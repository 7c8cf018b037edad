//! How many times each client process was handed the cached credential. client-go runs the
//! plugin again, in the same process, when the API server answers 401; counting the calls of
//! each process tells that retry apart from the calls it makes as it starts (see
//! `serve::CALLS_AT_START`).
//!
//! The records are lines `<pid> <start> <name>`, one per call, in the entry's lock file, whose content
//! nothing else uses; a new credential empties it. Any trouble reading or writing them reads as
//! "never given", which only leaves things as they were without this count.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;

use log::debug;

use crate::platform::{self, Process};

/// Past this the records start again. Every hit by client-go reads them, so they are kept short:
/// a client's calls come seconds apart, so only the last few dozen records matter.
const MAX_BYTES: u64 = 2 * 1024;

/// Records a call of `client` and says how many it made before.
pub fn record(lock: &Path, client: &Process) -> usize {
    let open = || {
        platform::no_follow(platform::private_file(
            OpenOptions::new().read(true).append(true).create(true),
        ))
        .open(lock)
    };
    let Ok(mut file) = open() else {
        return 0;
    };
    // Made private just now (Windows): opened again, so the handle sees its new ACL.
    if platform::protect_if_new(&file, lock).unwrap_or(false) {
        let Ok(again) = open() else {
            return 0;
        };
        file = again;
    }
    let Ok(meta) = file.metadata() else {
        return 0;
    };
    if !meta.is_file() || !platform::Privacy::of(&file, &meta).is_private() {
        return 0;
    }
    let line = format!("{} {} {}\n", client.pid, client.start, client.name);
    let mut seen = Vec::new();
    if meta.len() > MAX_BYTES {
        // Through a handle of its own: on Windows an append handle lacks FILE_WRITE_DATA, so
        // `set_len` on it fails there, and the records would grow past the limit for good.
        if let Err(err) = truncate(lock) {
            debug!(
                "cache: cannot start the records in {} again: {err}",
                lock.display()
            );
            return 0;
        }
    } else if file.read_to_end(&mut seen).is_err() {
        return 0;
    }
    // One write of a short line with O_APPEND: concurrent clients never interleave.
    let _ = file.write_all(line.as_bytes());
    let ours = &line.as_bytes()[..line.len() - 1];
    seen.split(|&b| b == b'\n').filter(|l| *l == ours).count()
}

/// Empties the records: nobody has been given a new credential yet.
pub fn forget(lock: &Path) {
    if let Err(err) = truncate(lock)
        && err.kind() != std::io::ErrorKind::NotFound
    {
        debug!(
            "cache: cannot empty the records in {}: {err}",
            lock.display()
        );
    }
}

/// Empties the records through a handle opened for writing (never a link's target).
fn truncate(lock: &Path) -> std::io::Result<()> {
    let file = platform::no_follow(OpenOptions::new().write(true)).open(lock)?;
    if file.metadata().is_ok_and(|m| m.is_file() && m.len() > 0) {
        file.set_len(0)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary folder holding `p`, private as the cache folder is.
    fn private_folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        platform::create_private_dir(&dir.path().join("p")).unwrap();
        dir
    }

    fn client(pid: u32, start: u64, name: &str) -> Process {
        Process {
            pid,
            start,
            name: name.into(),
        }
    }

    #[test]
    fn each_clients_calls_are_counted_until_forgotten() {
        let dir = private_folder();
        let lock = dir.path().join("p").join("c-0123456789abcdef.lock");
        let a = client(10, 5, "kubectl");
        let (b, c) = (client(10, 6, "kubectl"), client(10, 5, "kubectl.1.32"));
        assert_eq!(record(&lock, &a), 0);
        assert_eq!(record(&lock, &a), 1);
        assert_eq!(
            record(&lock, &b),
            0,
            "the same pid started later is another process"
        );
        assert_eq!(
            record(&lock, &c),
            0,
            "the program a process execs (same pid and start) is another client"
        );
        assert_eq!(record(&lock, &a), 2);
        forget(&lock);
        assert_eq!(record(&lock, &a), 0);
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "10 5 kubectl\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_others_could_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("c-0123456789abcdef.lock");
        std::fs::write(&lock, "10 5 k\n").unwrap();
        std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(record(&lock, &client(10, 5, "k")), 0);
        assert_eq!(
            std::fs::read_to_string(&lock).unwrap(),
            "10 5 k\n",
            "left as it was"
        );
        // Private, but another user's (only root can make one).
        if crate::platform::current_uid() == 0 {
            std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o600)).unwrap();
            std::os::unix::fs::chown(&lock, Some(12345), None).unwrap();
            assert_eq!(record(&lock, &client(10, 5, "k")), 0);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_lock_name_is_not_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "10 5 k\n10 5 k\n").unwrap();
        // Private and ours: only the symlink itself may stop the records being used.
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let lock = dir.path().join("c-0123456789abcdef.lock");
        std::os::unix::fs::symlink(&target, &lock).unwrap();
        assert_eq!(record(&lock, &client(10, 5, "k")), 0);
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "10 5 k\n10 5 k\n"
        );
        forget(&lock);
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "10 5 k\n10 5 k\n"
        );
    }

    #[test]
    fn records_start_again_past_the_limit() {
        let dir = private_folder();
        let lock = dir.path().join("p").join("c-0123456789abcdef.lock");
        assert_eq!(record(&lock, &client(1, 1, "k")), 0);
        // Well under the limit, the count survives other clients' records.
        let some = "9 9 k\n".repeat(200);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&lock)
            .unwrap()
            .write_all(some.as_bytes())
            .unwrap();
        assert_eq!(record(&lock, &client(1, 1, "k")), 1);
        let filler = "9 9 k\n".repeat((MAX_BYTES / 6 + 1) as usize);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&lock)
            .unwrap()
            .write_all(filler.as_bytes())
            .unwrap();
        assert_eq!(record(&lock, &client(1, 1, "k")), 0);
        assert_eq!(
            std::fs::read_to_string(&lock).unwrap(),
            "1 1 k\n",
            "started again"
        );
    }
}
