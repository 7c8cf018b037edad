//! What differs between Linux, macOS and Windows, in one place, so that the rest of doks-auth is
//! written once: private files and folders (Unix modes and owners; on Windows an owner-only ACL
//! and the owner), opening files without following a link planted at their name, replacing a
//! file atomically ([`atomic_file`]), a lock between doks-auth processes ([`lock`]), who ran us
//! ([`Process`]), the browser, standard input, core dumps, and where kubectl and doctl keep
//! their files.
//!
//! The Unix half is [`unix`] (Linux and macOS, with [`process`] reading each one's process
//! table); the Windows half is `windows`. Both offer the same functions; nothing here imports
//! anything of doks-auth's but the small types.

pub mod atomic_file;
pub mod lock;
mod process;
mod terminal;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

pub use process::{Process, disable_core_dumps};
pub use terminal::EchoOff;

/// Whether a command names a file by a path (`./doks-auth`, `C:\bin\doks-auth.exe`) rather than
/// by a bare name that is looked up in `PATH`.
pub fn is_path(command: &str) -> bool {
    command.contains(MAIN_SEPARATOR_CHARS)
}

/// The characters that separate a path's parts: `/`, and on Windows `\` too.
#[cfg(unix)]
const MAIN_SEPARATOR_CHARS: &[char] = &['/'];
#[cfg(windows)]
const MAIN_SEPARATOR_CHARS: &[char] = &['/', '\\'];

/// Where doctl keeps `config.yaml`: Go's `os.UserConfigDir()` joined with `doctl`, which is
/// `$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support` on macOS and
/// `%APPDATA%` on Windows.
pub fn doctl_config_dir() -> Option<std::path::PathBuf> {
    #[cfg(windows)]
    let dir = std::env::var_os("APPDATA")
        .filter(|dir| !dir.is_empty())
        .map(std::path::PathBuf::from);
    #[cfg(unix)]
    let dir = dirs::config_dir();
    dir.map(|dir| dir.join("doctl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_told_from_bare_names() {
        assert!(is_path("/usr/local/bin/doks-auth"));
        assert!(is_path("./doks-auth"));
        assert!(!is_path("doks-auth"));
        assert_eq!(is_path(r"C:\bin\doks-auth.exe"), cfg!(windows));
    }

    #[test]
    fn doctl_keeps_its_config_where_go_says_the_config_folder_is() {
        let dir = doctl_config_dir().expect("a config folder");
        assert!(dir.ends_with("doctl"));
        #[cfg(target_os = "macos")]
        assert!(
            dir.ends_with("Library/Application Support/doctl"),
            "{dir:?}"
        );
        #[cfg(windows)]
        assert_eq!(
            dir,
            std::path::PathBuf::from(std::env::var_os("APPDATA").unwrap()).join("doctl")
        );
    }
}
