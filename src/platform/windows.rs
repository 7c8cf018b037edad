//! Windows: access control lists instead of modes, reparse points instead of symlinks, a Toolhelp
//! snapshot instead of `/proc`, the shell instead of `xdg-open`.
//!
//! "Private" here means what 0700 and 0600 mean on Unix: the owner is this user, and the ACL
//! lets no one else in. SYSTEM and the Administrators group are let in as root is on Unix: they
//! can take any file anyway. The cache folder is created with a protected ACL that grants this
//! user alone, inherited by every file made in it.

mod private;
mod security;

use std::ffi::OsStr;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::{AsHandle, AsRawHandle};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use windows_sys::Win32::Foundation::{CloseHandle, FILETIME, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::{
    BY_HANDLE_FILE_INFORMATION, FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT,
    FILE_TYPE_CHAR, FILE_TYPE_UNKNOWN, GetFileInformationByHandle, GetFileType,
};
use windows_sys::Win32::System::Console::{GetConsoleMode, GetStdHandle, STD_INPUT_HANDLE};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, PROCESSENTRY32W, Process32FirstW, Process32NextW, TH32CS_SNAPPROCESS,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetCurrentProcessId, GetProcessTimes, OpenProcess,
    PROCESS_QUERY_LIMITED_INFORMATION,
};

pub use private::{
    Kept, apply_kept, create_new_private, create_private_dir, kept_of, loosened, lost_owner,
};
pub use security::{Privacy, check_private_dir, protect, protect_if_new};

/// Windows files have no mode to report.
pub fn loose_mode(_meta: &Metadata) -> Option<u32> {
    None
}

/// A new file takes its ACL from its folder (owner-only in the cache folder).
pub fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
    options
}

/// A symlink or junction planted at the name is opened itself, never followed: its metadata then
/// says it is not a regular file, and it is refused as on Unix.
pub fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
}

/// Windows has no FIFOs that block an open.
pub fn is_fifo_without_reader(_err: &io::Error) -> bool {
    false
}

/// Whether the open `file` is the one at `path` now: same volume and file index.
pub fn is_same_file(file: &File, path: &Path) -> bool {
    let named = OpenOptions::new()
        .access_mode(0)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS)
        .open(path);
    match (file_id(file), named.ok().as_ref().and_then(file_id)) {
        (Some(held), Some(named)) => held == named,
        _ => false,
    }
}

fn file_id(file: &File) -> Option<(u32, u32, u32)> {
    // SAFETY: plain data, all zeroes valid; the handle is open for the call.
    let mut info: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
    let ok = unsafe { GetFileInformationByHandle(file.as_raw_handle(), &mut info) };
    (ok != 0).then_some((
        info.dwVolumeSerialNumber,
        info.nFileIndexHigh,
        info.nFileIndexLow,
    ))
}

/// A regular file may be run when Windows would run it: by its extension.
pub fn is_executable(meta: &Metadata) -> bool {
    meta.is_file()
}

pub fn stderr_for_child() -> Stdio {
    io::stderr()
        .as_handle()
        .try_clone_to_owned()
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

/// `$BROWSER` on Windows, if someone sets it, is a list like `PATH`: `;`, since `:` is in
/// every drive letter.
pub const BROWSER_LIST_SEPARATOR: char = ';';

/// Opens `url` with the shell's handler for http(s) (the default browser), through
/// `ShellExecuteW`: the URL is one argument, never a `cmd /c start` command line that would split
/// it at `&`. Anything but an http(s) URL is refused: the shell would run a program named so.
pub fn open_in_default_browser(url: &str, _start: impl Fn(&str) -> bool) -> bool {
    use windows_sys::Win32::System::Com::{
        COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, CoInitializeEx,
    };
    use windows_sys::Win32::UI::Shell::ShellExecuteW;
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWNORMAL;
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return false;
    }
    let (verb, file) = (wide("open"), wide(url));
    // SAFETY: both strings are NUL-terminated and live through the call. COM is set up first
    // as ShellExecute's documentation asks (a failure only means it already was).
    let result = unsafe {
        CoInitializeEx(
            std::ptr::null(),
            (COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE) as u32,
        );
        ShellExecuteW(
            std::ptr::null_mut(),
            verb.as_ptr(),
            file.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            SW_SHOWNORMAL,
        )
    };
    // Success is any value above 32.
    result as usize > 32
}

/// Whether standard input can give a line: a console, a pipe or a file can; no handle, or the
/// NUL device (a character device that is not a console), cannot.
pub fn stdin_available() -> bool {
    // SAFETY: GetStdHandle has no preconditions; the handle is only inspected.
    unsafe {
        let handle = GetStdHandle(STD_INPUT_HANDLE);
        if handle.is_null() || handle == INVALID_HANDLE_VALUE {
            return false;
        }
        match GetFileType(handle) {
            FILE_TYPE_UNKNOWN => false,
            FILE_TYPE_CHAR => {
                let mut mode = 0;
                GetConsoleMode(handle, &mut mode) != 0
            }
            _ => true,
        }
    }
}

/// The home folder kubectl uses (client-go's `homedir.HomeDir`): the first of `%HOME%`,
/// `%HOMEDRIVE%%HOMEPATH%` and `%USERPROFILE%` that holds `.kube\config`; else the first of
/// `%HOME%`, `%USERPROFILE%`, `%HOMEDRIVE%%HOMEPATH%` that is a folder (client-go also asks
/// that it be writable); else the first that exists; else the first that is set.
pub fn home_dir() -> Option<PathBuf> {
    kube_home(&|name| std::env::var_os(name).filter(|v| !v.is_empty()))
}

fn kube_home(env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let home = env("HOME").map(PathBuf::from);
    let drive_path = match (env("HOMEDRIVE"), env("HOMEPATH")) {
        (Some(drive), Some(path)) => {
            let mut joined = drive;
            joined.push(path);
            Some(PathBuf::from(joined))
        }
        _ => None,
    };
    let profile = env("USERPROFILE").map(PathBuf::from);
    let with_config = [&home, &drive_path, &profile]
        .into_iter()
        .flatten()
        .find(|dir| dir.join(".kube").join("config").exists());
    if let Some(dir) = with_config {
        return Some(dir.clone());
    }
    let order: Vec<&PathBuf> = [&home, &profile, &drive_path]
        .into_iter()
        .flatten()
        .collect();
    let existing: Vec<&PathBuf> = order.iter().copied().filter(|d| d.exists()).collect();
    existing
        .iter()
        .find(|dir| fs::metadata(dir).is_ok_and(|m| m.is_dir() && !m.permissions().readonly()))
        .or(existing.first())
        .or(order.first())
        .map(|dir| (*dir).clone())
}

/// The parent's pid, start time (100 ns units since 1601) and executable name, from a Toolhelp
/// snapshot. A parent that started after this process is not our parent: it has exited and
/// its pid was given to another.
pub(super) fn parent_process() -> Option<(u32, u64, String)> {
    let me = unsafe { GetCurrentProcessId() };
    let mut parent_pid = None;
    let mut names = Vec::new();
    for entry in Snapshot::processes()? {
        if entry.th32ProcessID == me {
            parent_pid = Some(entry.th32ParentProcessID);
        }
        names.push((entry.th32ProcessID, entry.szExeFile));
    }
    let pid = parent_pid?;
    let exe = names.iter().find(|(p, _)| *p == pid)?.1;
    let len = exe.iter().position(|&c| c == 0).unwrap_or(exe.len());
    let name = String::from_utf16_lossy(&exe[..len]);
    // SAFETY: OpenProcess returns a handle we close, or null.
    let started = unsafe {
        let handle = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if handle.is_null() {
            return None;
        }
        let started = creation_time(handle);
        CloseHandle(handle);
        started?
    };
    let mine = unsafe { creation_time(GetCurrentProcess()) }?;
    (started <= mine).then_some((pid, started, name))
}

/// # Safety
/// `process` is an open process handle with query rights.
unsafe fn creation_time(process: HANDLE) -> Option<u64> {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: four writable FILETIMEs; the caller vouches for the handle.
    let ok = unsafe { GetProcessTimes(process, &mut created, &mut exited, &mut kernel, &mut user) };
    (ok != 0).then(|| (u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime))
}

/// The processes of a Toolhelp snapshot, closed when dropped.
struct Snapshot {
    handle: HANDLE,
    started: bool,
}

impl Snapshot {
    fn processes() -> Option<Snapshot> {
        // SAFETY: no preconditions; failure is INVALID_HANDLE_VALUE.
        let handle = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) };
        (handle != INVALID_HANDLE_VALUE).then_some(Snapshot {
            handle,
            started: false,
        })
    }
}

impl Iterator for Snapshot {
    type Item = PROCESSENTRY32W;

    fn next(&mut self) -> Option<PROCESSENTRY32W> {
        let mut entry = PROCESSENTRY32W {
            dwSize: std::mem::size_of::<PROCESSENTRY32W>() as u32,
            ..Default::default()
        };
        // SAFETY: an open snapshot and an entry whose dwSize is set, as both functions require.
        let ok = unsafe {
            if self.started {
                Process32NextW(self.handle, &mut entry)
            } else {
                Process32FirstW(self.handle, &mut entry)
            }
        };
        self.started = true;
        (ok != 0).then_some(entry)
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // SAFETY: the handle is ours and open.
        unsafe { CloseHandle(self.handle) };
    }
}

/// `s` as a NUL-terminated UTF-16 string.
fn wide(s: impl AsRef<OsStr>) -> Vec<u16> {
    s.as_ref().encode_wide().chain(Some(0)).collect()
}

#[cfg(test)]
mod tests;
