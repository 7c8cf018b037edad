//! Go's `path/filepath`, as kubectl (a Go program) reads the paths in a kubeconfig and a kuberc:
//! which paths are absolute, how a relative one joins the kubeconfig's folder, and how a path is
//! cleaned. Rust's `Path` answers differently on Windows (it joins `\certs\ca.pem` onto
//! `C:\kube` as `C:\certs\ca.pem`, Go as `C:\kube\certs\ca.pem`), so where we must find what
//! kubectl finds, we ask these. Each takes the platform's flavour, so both are unit-tested
//! everywhere; the plain forms use this platform's.

use std::path::{Path, PathBuf};

/// This platform's flavour: Windows separates with `\` and `/` and has volumes.
const WINDOWS: bool = cfg!(windows);

/// Go's `filepath.Clean` here: `.`, doubled separators and `..` taken out lexically; on
/// Windows both separators separate, `\` is written and a volume (`C:`, `\\server\share`) kept.
pub fn clean(path: &str) -> String {
    clean_for(path, WINDOWS)
}

/// Go's `filepath.IsAbs` here.
pub fn is_abs(path: &str) -> bool {
    is_abs_for(path, WINDOWS)
}

/// What kubectl makes of a path a kubeconfig in `dir` (absolute) gives (a CA file, a client
/// certificate): itself when absolute, else `filepath.Join(dir, path)`, which cleans it.
pub fn resolve(dir: &str, path: &str) -> String {
    resolve_for(dir, path, WINDOWS)
}

/// What kubectl makes of an exec stanza's command in a kubeconfig in `dir` (client-go's
/// `ResolveLocalPaths`): joined to `dir` only when it holds the platform's own separator (`\`
/// on Windows, where `bin/doks-auth.exe` stays as it is) and is not absolute.
pub fn resolve_command(dir: &str, command: &str) -> String {
    resolve_command_for(dir, command, WINDOWS)
}

/// [`resolve`] for a kubeconfig in `dir`, as client-go takes the folder: made absolute
/// (`filepath.Abs`) and clean.
pub fn resolve_in(dir: &Path, path: &str) -> PathBuf {
    PathBuf::from(resolve(&folder(dir), path))
}

/// [`resolve_command`] for the kubeconfig at `kubeconfig`.
pub fn resolve_command_of(kubeconfig: &Path, command: &str) -> PathBuf {
    let dir = kubeconfig.parent().unwrap_or(Path::new(""));
    PathBuf::from(resolve_command(&folder(dir), command))
}

/// `filepath.Abs` of a kubeconfig's folder (the current folder for a bare file name).
fn folder(dir: &Path) -> String {
    let dir = match dir.as_os_str().is_empty() {
        true => Path::new("."),
        false => dir,
    };
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    clean(&absolute.to_string_lossy())
}

/// The file Go's `os/exec` runs for a command given by a path (client-go runs the stanza's
/// command so): on Windows the path itself when it has an extension and exists, else the path
/// with the first of `PATHEXT`'s extensions that exists (`C:\bin\doks-auth` runs
/// `doks-auth.exe`); elsewhere the path, when it exists. A folder is no command.
pub fn find_executable(path: &Path) -> Option<PathBuf> {
    let pathext = std::env::var("PATHEXT").unwrap_or_default();
    find_executable_for(path, WINDOWS, &pathext)
}

/// [`find_executable`] in the given flavour, with `PATHEXT`'s value.
pub fn find_executable_for(path: &Path, windows: bool, pathext: &str) -> Option<PathBuf> {
    let runs = |p: &Path| std::fs::metadata(p).is_ok_and(|m| !m.is_dir());
    let text = path.to_string_lossy();
    // Go's hasExt: a dot after the last separator or colon.
    let has_ext = text
        .rfind('.')
        .is_some_and(|dot| text.rfind([':', '\\', '/']).is_none_or(|sep| sep < dot));
    if !windows || (has_ext && runs(path)) {
        return runs(path).then(|| path.to_path_buf());
    }
    let listed = pathext
        .to_lowercase()
        .split(';')
        .filter(|e| !e.is_empty())
        .map(|e| {
            if e.starts_with('.') {
                e.to_string()
            } else {
                format!(".{e}")
            }
        })
        .collect::<Vec<_>>();
    let exts = match listed.is_empty() {
        true => [".com", ".exe", ".bat", ".cmd"].map(String::from).to_vec(),
        false => listed,
    };
    exts.iter()
        .map(|ext| PathBuf::from(format!("{text}{ext}")))
        .find(|p| runs(p))
}

/// [`clean`] in the given flavour.
pub fn clean_for(path: &str, windows: bool) -> String {
    let is_sep = |c: char| c == '/' || (windows && c == '\\');
    let sep = if windows { "\\" } else { "/" };
    let (volume, rest) = path.split_at(if windows { volume_len(path) } else { 0 });
    let volume = volume.replace('/', sep);
    if rest.is_empty() {
        // Go keeps a bare UNC volume as it is, and reads a bare drive as that drive's `.`.
        let unc = volume.len() > 1 && volume.starts_with("\\\\");
        return if unc { volume } else { format!("{volume}.") };
    }
    let rooted = rest.starts_with(is_sep);
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split(is_sep).filter(|p| !p.is_empty() && *p != ".") {
        match part {
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join(sep);
    let cleaned = match (rooted, joined.is_empty()) {
        (true, _) => format!("{sep}{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    };
    // Go's postClean: a path that cleaning changed must not turn into one with a volume
    // (`a/../c:` is `.\c:`, not `c:`) or into a `\??\` device path. (Go's buffer is left
    // unallocated, and the path alone, when the result is the start of the original.)
    let first = cleaned.split(is_sep).next().unwrap_or("");
    let changed = !rest.starts_with(cleaned.as_str());
    let device = cleaned.starts_with("\\??");
    if windows && volume.is_empty() && changed && (first.contains(':') || device) {
        let prefix = if first.contains(':') { ".\\" } else { "\\." };
        return format!("{prefix}{cleaned}");
    }
    format!("{volume}{cleaned}")
}

/// [`is_abs`] in the given flavour: on Windows a volume and a root (`C:\x`), or a UNC path.
pub fn is_abs_for(path: &str, windows: bool) -> bool {
    if !windows {
        return path.starts_with('/');
    }
    let volume = volume_len(path);
    if volume == 0 {
        return false;
    }
    let b = path.as_bytes();
    if is_sep(b[0]) && b.len() > 1 && is_sep(b[1]) {
        return true;
    }
    b.get(volume).is_some_and(|&c| is_sep(c))
}

/// [`resolve`] in the given flavour.
pub fn resolve_for(dir: &str, path: &str, windows: bool) -> String {
    if path.is_empty() || is_abs_for(path, windows) {
        return path.to_string();
    }
    let sep = if windows { '\\' } else { '/' };
    clean_for(&format!("{dir}{sep}{path}"), windows)
}

/// [`resolve_command`] in the given flavour.
pub fn resolve_command_for(dir: &str, command: &str, windows: bool) -> String {
    let sep = if windows { '\\' } else { '/' };
    match command.contains(sep) {
        true => resolve_for(dir, command, windows),
        false => command.to_string(),
    }
}

fn is_sep(c: u8) -> bool {
    c == b'/' || c == b'\\'
}

/// The length of a Windows path's volume, as Go's `volumeNameLen` counts it: `C:`; a UNC
/// `\\server\share` (to the second separator after `\\`, whatever lies between); a device path
/// `\\.\X`, `\\?\X` or `\??\X` with its first part; `\\.\UNC\server\share`.
fn volume_len(path: &str) -> usize {
    let b = path.as_bytes();
    if b.len() >= 2 && b[1] == b':' {
        return 2;
    }
    if b.is_empty() || !is_sep(b[0]) {
        return 0;
    }
    if has_prefix_fold(b, br"\\.\UNC") {
        return unc_len(b, br"\\.\UNC\".len());
    }
    if [br"\\.", br"\\?", br"\??"]
        .iter()
        .any(|p| has_prefix_fold(b, *p))
    {
        if b.len() == 3 {
            return 3;
        }
        return match b[4..].iter().position(|&c| is_sep(c)) {
            Some(n) => 4 + n,
            None => b.len(),
        };
    }
    if b.len() >= 2 && is_sep(b[1]) {
        return unc_len(b, 2);
    }
    0
}

/// Go's `pathHasPrefixFold`: `prefix` without case, either separator for one, and followed by
/// the end or a separator.
fn has_prefix_fold(b: &[u8], prefix: &[u8]) -> bool {
    b.len() >= prefix.len()
        && prefix.iter().zip(b).all(|(&p, &c)| match is_sep(p) {
            true => is_sep(c),
            false => p.eq_ignore_ascii_case(&c),
        })
        && b.get(prefix.len()).is_none_or(|&c| is_sep(c))
}

/// Go's `uncLen`: up to the second separator from `from`, else all.
fn unc_len(b: &[u8], from: usize) -> usize {
    b.iter()
        .enumerate()
        .skip(from)
        .filter(|&(_, &c)| is_sep(c))
        .nth(1)
        .map_or(b.len(), |(i, _)| i)
}

/// What Go's `exec.LookPath` makes of a bare command name (kubectl runs a stanza's bare command
/// so).
#[derive(Debug, PartialEq, Eq)]
pub enum Looked {
    /// Found through an absolute `PATH` folder: kubectl runs it.
    Found(PathBuf),
    /// Found only relative to the current folder (Windows' implicit look there first, or a
    /// relative or empty `PATH` entry on Unix): Go refuses it (`ErrDot`), and kubectl runs nothing.
    Dot(PathBuf),
    NotFound,
}

/// [`Looked`] for `name` with this process's `PATH`, current folder and `PATHEXT`; `same` tells
/// whether two paths are one file (Go's `os.SameFile`).
pub fn look_path(name: &str, same: impl Fn(&Path, &Path) -> bool) -> Looked {
    let var = |name: &str| std::env::var_os(name).unwrap_or_default();
    let cwd = std::env::current_dir().unwrap_or_default();
    let pathext = var("PATHEXT");
    let look = Look {
        windows: WINDOWS,
        pathext: &pathext.to_string_lossy(),
        no_default_cwd: std::env::var_os("NoDefaultCurrentDirectoryInExePath").is_some(),
    };
    look.path(name, &var("PATH").to_string_lossy(), &cwd, same)
}

/// The flavour and settings [`look_path`] reads, for tests to set.
pub struct Look<'a> {
    pub windows: bool,
    pub pathext: &'a str,
    pub no_default_cwd: bool,
}

impl Look<'_> {
    /// Go's `lookPath` (os/exec, lp_windows.go and lp_unix.go, Go 1.22) over `path` (the `PATH`
    /// value), relative folders taken from `cwd`.
    pub fn path(
        &self,
        name: &str,
        path: &str,
        cwd: &Path,
        same: impl Fn(&Path, &Path) -> bool,
    ) -> Looked {
        let find = |dir: &str| {
            let found = find_executable_for(&cwd.join(dir).join(name), self.windows, self.pathext)?;
            (self.windows || is_executable(&found)).then_some(found)
        };
        // (A Linux folder counts as absolute in the Windows flavour too: what the tests have.)
        let absolute = |dir: &str| is_abs_for(dir, self.windows) || Path::new(dir).is_absolute();
        let separator = if self.windows { ';' } else { ':' };
        if !self.windows {
            // An empty entry is the current folder; anything found relative to it is refused.
            return path
                .split(separator)
                .find_map(|dir| {
                    let dir = if dir.is_empty() { "." } else { dir };
                    Some((dir, find(dir)?))
                })
                .map_or(Looked::NotFound, |(dir, found)| match absolute(dir) {
                    true => Looked::Found(found),
                    false => Looked::Dot(found),
                });
        }
        // Windows looks in the current folder first, unless told not to; what it finds there
        // is refused unless the PATH's first find is that very file. Empty entries are skipped.
        let dot = (!self.no_default_cwd).then(|| find(".")).flatten();
        let on_path = path
            .split(separator)
            .filter(|dir| !dir.is_empty())
            .find_map(|dir| Some((dir, find(dir)?)));
        match (dot, on_path) {
            (Some(dot), Some((_, found))) if same(&dot, &found) => Looked::Found(found),
            (Some(dot), _) => Looked::Dot(dot),
            (None, Some((dir, found))) if absolute(dir) => Looked::Found(found),
            (None, Some((_, found))) => Looked::Dot(found),
            (None, None) => Looked::NotFound,
        }
    }
}

/// Go's Unix `findExecutable`: some execute bit set (Windows has none to check).
fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        true
    }
}

#[cfg(test)]
mod tests;
