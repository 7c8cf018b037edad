//! Linux and macOS: modes, owners, `O_NOFOLLOW`, file descriptors.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The effective user id: files and folders doks-auth trusts must belong to it.
pub fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// What a rewritten file keeps of the one it replaces: its owner and group, so root editing a
/// user's kubeconfig through sudo leaves it the user's. (The mode is not kept: it becomes 0600.)
pub type Kept = (u32, u32);

pub fn kept_of(_path: &Path, meta: &Metadata) -> Option<Kept> {
    Some((meta.uid(), meta.gid()))
}

/// Gives a file the kept owner unless it has it already (only root may give a file away).
pub fn apply_kept(file: &File, (uid, gid): Kept) -> io::Result<()> {
    let meta = file.metadata()?;
    if (meta.uid(), meta.gid()) != (uid, gid) {
        std::os::unix::fs::fchown(file, Some(uid), Some(gid))?;
    }
    Ok(())
}

/// Creates the file at `path`, which must not exist, 0600.
pub fn create_new_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// The mode of a file others may read or write, for a warning that it was made private.
pub fn loose_mode(meta: &Metadata) -> Option<u32> {
    Some(meta.mode() & 0o7777).filter(|mode| mode & 0o077 != 0)
}

/// What rewriting a file changes of who may open it, for a note: a mode looser than 0600.
pub fn loosened(_path: &Path, meta: &Metadata) -> Option<String> {
    loose_mode(meta).map(|mode| format!("from {mode:o} to 600"))
}

/// Never an owner lost on Unix: a rewritten file keeps its owner (root may give it back; anyone
/// else fails to, and the file is left as it was).
pub fn lost_owner(_path: &Path) -> Option<String> {
    None
}

/// Creates `dir` and its missing parents 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// A file this opening creates is created 0600.
pub fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
    options.mode(0o600)
}

/// Nothing to do on Unix: [`private_file`] created the file 0600 (the Windows form sets an ACL).
#[inline]
pub fn protect(_path: &Path) -> io::Result<()> {
    Ok(())
}

/// As [`protect`], for a file just opened with `create`; whether it changed anything.
#[inline]
pub fn protect_if_new(_file: &File, _path: &Path) -> io::Result<bool> {
    Ok(false)
}

/// O_NOFOLLOW: a symlink planted at the name is never followed (the open fails with ELOOP);
/// O_NONBLOCK: a FIFO there cannot hang the open.
pub fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
}

/// What a non-blocking open for writing says of a FIFO nobody reads.
pub fn is_fifo_without_reader(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::ENXIO)
}

/// Whether the open `file` is the one at `path` now (not a file unlinked since, nor one that
/// replaced it): same device and inode.
pub fn is_same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

/// Whether an existing folder may hold credentials: this user's, and no one else may write to it
/// (else they could swap or delete entries, or plant files). `Err` says why not and what to do.
pub fn check_private_dir(_dir: &Path, meta: &Metadata) -> Result<(), String> {
    if meta.uid() != current_uid() {
        return Err(format!(
            "the folder belongs to uid {}, not to this user; choose another --cache-dir",
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "other users can write to the folder (mode {:o}); use a private one (chmod 700) or another --cache-dir",
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}

/// Who may use an open file: private means this user's, and no one else may read or write it.
#[derive(Debug)]
pub struct Privacy {
    uid: u32,
    mode: u32,
}

impl Privacy {
    pub fn of(_file: &File, meta: &Metadata) -> Privacy {
        Privacy {
            uid: meta.uid(),
            mode: meta.mode(),
        }
    }

    pub fn is_private(&self) -> bool {
        self.uid == current_uid() && self.mode & 0o077 == 0
    }
}

impl std::fmt::Display for Privacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "owner {} mode {:o}, expected this user and 0600",
            self.uid,
            self.mode & 0o777
        )
    }
}

/// Whether a file may be run: a regular file with an execute bit.
pub fn is_executable(meta: &Metadata) -> bool {
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

/// Our stderr for a child's output (the browser's chatter must not reach stdout, which kubectl
/// reads); nothing when it cannot be shared.
pub fn stderr_for_child() -> Stdio {
    io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

/// What separates the entries of `$BROWSER`.
pub const BROWSER_LIST_SEPARATOR: char = ':';

/// Opens `url` in the default browser when nothing else was chosen: `open` on macOS, `xdg-open`
/// elsewhere, run by `start` (a command line, to which it appends the URL).
pub fn open_in_default_browser(_url: &str, start: impl Fn(&str) -> bool) -> bool {
    start(if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    })
}

/// Whether standard input can give a line at all: not when it is /dev/null, which is what a
/// program without one gets (kubectl's non-interactive runs; Rust reopens a closed one so).
pub fn stdin_available() -> bool {
    let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    let Ok(meta) = File::from(fd).metadata() else {
        return false;
    };
    let is_null = meta.file_type().is_char_device()
        && fs::metadata("/dev/null").is_ok_and(|null| null.rdev() == meta.rdev());
    !is_null
}

/// The home folder kubectl uses: `$HOME` (else the user database's).
/// `dirs::home_dir`: `$HOME` unless it is empty, else the password database. `$HOME` is read
/// first here (see [`crate::environ`]): it is there on every cache hit.
pub fn home_dir() -> Option<PathBuf> {
    crate::environ::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::home_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_folders_and_files_are_0700_and_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a").join("b");
        create_private_dir(&dir).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!((mode(&tmp.path().join("a")), mode(&dir)), (0o700, 0o700));
        let meta = fs::metadata(&dir).unwrap();
        assert_eq!(check_private_dir(&dir, &meta), Ok(()));
        let path = dir.join("f");
        let file = private_file(OpenOptions::new().write(true).create(true))
            .open(&path)
            .unwrap();
        let privacy = Privacy::of(&file, &file.metadata().unwrap());
        assert!(privacy.is_private(), "{privacy}");
        assert_eq!(loose_mode(&file.metadata().unwrap()), None);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let meta = file.metadata().unwrap();
        assert!(!Privacy::of(&file, &meta).is_private());
        assert_eq!(loose_mode(&meta), Some(0o640));
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o770)).unwrap();
        let err = check_private_dir(&dir, &fs::metadata(&dir).unwrap()).unwrap_err();
        assert!(err.contains("mode 770"), "{err}");
    }

    #[test]
    fn links_are_not_followed_and_replaced_files_are_told_apart() {
        let tmp = tempfile::tempdir().unwrap();
        let (target, link) = (tmp.path().join("t"), tmp.path().join("l"));
        fs::write(&target, "x").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(
            no_follow(OpenOptions::new().read(true))
                .open(&link)
                .is_err()
        );
        let file = no_follow(OpenOptions::new().read(true))
            .open(&target)
            .unwrap();
        assert!(is_same_file(&file, &target));
        assert!(!is_same_file(&file, &link), "the link is another file");
        fs::remove_file(&target).unwrap();
        fs::write(&target, "y").unwrap();
        assert!(!is_same_file(&file, &target), "replaced since");
    }
}

/// The static Linux build's `clock_gettime`, in place of musl's, which goes through the vDSO:
/// on its first call musl looks the function up in the vDSO's ELF symbol table, then runs code
/// and reads data in pages mapped for nothing else, three page faults (some 3–5 µs each in a
/// VM) for a cache hit's two clock readings, each hit ~200 µs in all. The system call itself
/// costs well under a microsecond, and answers the same. std's `Instant` and `SystemTime` (and
/// through them chrono and tokio) call this; glibc's dynamic build keeps its own.
#[cfg(all(target_os = "linux", target_env = "musl"))]
#[unsafe(no_mangle)]
pub extern "C" fn clock_gettime(clock: libc::clockid_t, time: *mut libc::timespec) -> libc::c_int {
    // SAFETY: the caller's arguments, passed on as libc's own function passes them; the kernel
    // checks the clock and the pointer (a bad one is EFAULT, which `syscall` puts in errno).
    // Widened as the variadic `syscall` reads each argument (a `long`).
    unsafe {
        libc::syscall(libc::SYS_clock_gettime, libc::c_long::from(clock), time) as libc::c_int
    }
}
