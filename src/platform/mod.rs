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

/// `dir.join(name)`, built in a buffer sized for both: `join` copies `dir`, then grows the copy
/// (a reallocation and a second copy; a cache hit joins twice).
pub fn joined(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let mut path = std::path::PathBuf::with_capacity(dir.as_os_str().len() + 1 + name.len());
    path.push(dir);
    path.push(name);
    path
}

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

/// The CA bundle `SSL_CERT_FILE` names, for doks-auth to trust instead of the system's roots,
/// where the system's certificate check would not read it: Windows' asks only the certificate
/// store and macOS's only the keychains, so the variable the docs and every TLS error's hint
/// name did nothing there. On Linux and the BSDs the check reads it (and `SSL_CERT_DIR`) itself,
/// as OpenSSL does: none.
pub fn ca_file() -> Option<std::path::PathBuf> {
    if !cfg!(any(windows, target_vendor = "apple")) {
        return None;
    }
    crate::environ::var_os("SSL_CERT_FILE")
        .filter(|path| !path.is_empty())
        .map(std::path::PathBuf::from)
}

/// The real path of a file, links resolved, as people write it. Windows' canonical form is a
/// verbatim path (`\\?\C:\Users\…`) that people do not recognise and some programs refuse; it is
/// shown and written in its usual form wherever that means the same file.
pub fn canonicalize(path: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    let real = std::fs::canonicalize(path)?;
    #[cfg(windows)]
    if let Some(usual) = real.to_str().and_then(without_verbatim_prefix) {
        return Ok(usual.into());
    }
    Ok(real)
}

/// `\\?\C:\a\b` as `C:\a\b`, when that names the same file: a drive path short of Windows'
/// 260-character limit whose parts are no device names (`CON`, `NUL`, `COM1`…) and end in no dot
/// or space, which Windows would otherwise read differently. Anything else is kept verbatim.
#[cfg_attr(not(windows), allow(dead_code))]
fn without_verbatim_prefix(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(r"\\?\")?;
    let bytes = rest.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'\\';
    if !drive || rest.len() >= 260 || rest.contains('/') {
        return None;
    }
    let device = |part: &str| {
        let stem = part
            .split('.')
            .next()
            .unwrap_or("")
            .trim_end()
            .to_ascii_uppercase();
        matches!(
            stem.as_str(),
            "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
        ) || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit())
    };
    let plain = rest[3..]
        .split('\\')
        .all(|part| part.is_empty() || !(device(part) || part.ends_with(['.', ' '])));
    plain.then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbatim_paths_lose_the_prefix_only_where_that_names_the_same_file() {
        let usual = |p| without_verbatim_prefix(p);
        assert_eq!(
            usual(r"\\?\Z:\tmp\doctl\config.yaml"),
            Some(r"Z:\tmp\doctl\config.yaml")
        );
        assert_eq!(usual(r"\\?\C:\"), Some(r"C:\"));
        assert_eq!(usual(r"C:\a"), None, "not verbatim");
        assert_eq!(usual(r"\\?\UNC\server\share\a"), None);
        assert_eq!(usual(r"\\?\Volume{0b1}\a"), None);
        assert_eq!(usual(r"\\?\C:\a\nul.txt"), None, "a device name");
        assert_eq!(usual(r"\\?\C:\a\COM1"), None, "a device name");
        assert_eq!(usual(r"\\?\C:\a\COM10"), Some(r"C:\a\COM10"));
        assert_eq!(usual(r"\\?\C:\a\b."), None, "a trailing dot");
        assert_eq!(usual(r"\\?\C:\a \b"), None, "a trailing space");
        assert_eq!(
            usual(r"\\?\C:\a/b"),
            None,
            "a slash is a name character there"
        );
        let long = format!(r"\\?\C:\{}", "a".repeat(300));
        assert_eq!(usual(&long), None, "past MAX_PATH");
    }

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
