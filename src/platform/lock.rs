//! An exclusive lock between doks-auth processes, on a lock file of its own: `flock` on Unix,
//! `LockFileEx` on Windows (both through std's `File::try_lock`), released by the system when
//! the holder exits, however it exits, so a crash leaves no stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often a waiter tries again.
const POLL: Duration = Duration::from_millis(10);

/// Holds the lock on `path` until dropped; the file itself stays (removing it would let a
/// waiter lock a file no longer at the name, while a newcomer locks a new one).
pub struct Held {
    _file: File,
}

/// Waits up to `wait` for the lock on `path`, creating the file private if it is missing and
/// never following a link planted at its name. `TimedOut` when another holder kept it.
pub fn exclusive(path: &Path, wait: Duration) -> io::Result<Held> {
    let file = super::no_follow(super::private_file(
        OpenOptions::new().create(true).truncate(false).write(true),
    ))
    .open(path)
    .map_err(|err| {
        if super::is_fifo_without_reader(&err) {
            io::Error::other("something that is not a file is at its name")
        } else {
            err
        }
    })?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other(
            "something that is not a file is at its name",
        ));
    }
    super::protect_if_new(&file, path)?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Held { _file: file }),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(POLL),
            Err(TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("another doks-auth held it for {} s", wait.as_secs()),
                ));
            }
            Err(TryLockError::Error(err)) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_exclusive_times_out_and_is_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = exclusive(&path, Duration::from_secs(1)).unwrap();
        let err = exclusive(&path, Duration::from_millis(50))
            .err()
            .expect("a second holder");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(held);
        exclusive(&path, Duration::from_millis(50)).unwrap();
        assert!(path.is_file(), "the lock file stays");
    }
}
