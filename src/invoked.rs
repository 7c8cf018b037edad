//! The command as the user runs it, for the hints that tell them what to run next: krew links the
//! binary as `kubectl-doks`, and its users type `kubectl doks …`; everyone else types
//! `doks-auth …`. Decided once, from argv[0]'s file name, and only when a hint is written: the
//! cache hit writes none and pays nothing.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The plugin's name in krew: `kubectl krew install doks`, run as `kubectl doks …`.
pub const KREW_PLUGIN: &str = "doks";

/// Writes the command's name: `format!("run `{CMD} auth init`")`.
pub const CMD: Command = Command;

/// See [`CMD`].
#[derive(Clone, Copy, Debug)]
pub struct Command;

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(name())
    }
}

/// `kubectl doks` or `doks-auth`, for this process.
pub fn name() -> &'static str {
    static NAME: OnceLock<&'static str> = OnceLock::new();
    NAME.get_or_init(|| from_argv0(std::env::args_os().next().as_deref()))
}

fn file_name(path: Option<&Path>) -> Option<&str> {
    path.and_then(Path::file_name).and_then(OsStr::to_str)
}

/// `kubectl doks` when the program's file is krew's link (`kubectl-doks`, `kubectl-doks.exe` on
/// Windows, whose file names ignore case) or the binary in krew's store
/// (`…/store/doks/<version>/doks-auth`, run by that path by hand or reported so by the system);
/// `doks-auth` for any other name or none.
fn from_argv0(argv0: Option<&OsStr>) -> &'static str {
    let Some(path) = argv0.map(Path::new) else {
        return "doks-auth";
    };
    let file = file_name(Some(path)).unwrap_or("");
    if file == "kubectl-doks"
        || file.eq_ignore_ascii_case("kubectl-doks.exe")
        || krew_link(path).is_some()
    {
        "kubectl doks"
    } else {
        "doks-auth"
    }
}

/// For a binary in krew's store, `<root>/store/doks/<version>/…/doks-auth`, the link krew keeps
/// for it: `<root>/bin/kubectl-doks` (`kubectl-doks.exe` on Windows). krew makes that link with
/// Go's `os.Symlink` on every platform (internal/installation/install.go, `createOrUpdateLink`)
/// and `kubectl krew upgrade` repoints it and removes the old version's folder, so only the link
/// outlives an upgrade. `<root>` is whatever krew used (`~/.krew`, or `KREW_ROOT`). Only the
/// shape of the path is read here: the caller checks the link really is this binary.
pub fn krew_link(exe: &Path) -> Option<PathBuf> {
    let mut version = exe.parent()?;
    loop {
        let plugin = version.parent()?;
        let store = plugin.parent()?;
        if file_name(Some(plugin)) == Some(KREW_PLUGIN) && file_name(Some(store)) == Some("store") {
            let link = format!("kubectl-{KREW_PLUGIN}{}", std::env::consts::EXE_SUFFIX);
            return Some(store.parent()?.join("bin").join(link));
        }
        version = plugin;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(argv0: &str) -> &'static str {
        from_argv0(Some(OsStr::new(argv0)))
    }

    #[test]
    fn krews_link_is_kubectl_doks_and_every_other_name_doks_auth() {
        assert_eq!(of("kubectl-doks"), "kubectl doks");
        assert_eq!(of("/home/a/.krew/bin/kubectl-doks"), "kubectl doks");
        assert_eq!(of("kubectl-doks.exe"), "kubectl doks");
        assert_eq!(of("kubectl-doks.EXE"), "kubectl doks");
        assert_eq!(
            of("/home/a/.krew/store/doks/v0.2.0/doks-auth"),
            "kubectl doks"
        );
        assert_eq!(of("doks-auth"), "doks-auth");
        assert_eq!(of("/usr/local/bin/doks-auth"), "doks-auth");
        assert_eq!(of("doks-auth.exe"), "doks-auth");
        // Names that only look like it: another plugin, a folder of that name.
        assert_eq!(of("kubectl-doks-old"), "doks-auth");
        assert_eq!(of("kubectl-doks/doks-auth"), "doks-auth");
        assert_eq!(of("/opt/store/other/v1/doks-auth"), "doks-auth");
        assert_eq!(of(""), "doks-auth");
        assert_eq!(from_argv0(None), "doks-auth");
    }

    #[test]
    fn a_binary_in_krews_store_has_the_link_beside_the_store() {
        let link = |exe: &str| krew_link(Path::new(exe));
        let bin = format!("kubectl-doks{}", std::env::consts::EXE_SUFFIX);
        assert_eq!(
            link("/home/a/.krew/store/doks/v0.1.0/doks-auth"),
            Some(Path::new("/home/a/.krew/bin").join(&bin))
        );
        // A `bin` deeper in the archive's folder; a KREW_ROOT elsewhere.
        assert_eq!(
            link("/opt/krew/store/doks/v0.2.0/doks-auth-0.2.0/doks-auth"),
            Some(Path::new("/opt/krew/bin").join(&bin))
        );
        assert_eq!(link("/home/a/.krew/store/other/v1/doks-auth"), None);
        assert_eq!(link("/usr/local/bin/doks-auth"), None);
        assert_eq!(link("doks-auth"), None);
        assert_eq!(link(""), None);
    }

    #[cfg(windows)]
    #[test]
    fn windows_paths_name_the_file_after_the_last_backslash() {
        assert_eq!(of(r"C:\Users\a\.krew\bin\kubectl-doks.exe"), "kubectl doks");
        assert_eq!(of(r"C:\tools\doks-auth.exe"), "doks-auth");
        // The stored binary run by its own path.
        assert_eq!(
            of(r"C:\Users\a\.krew\store\doks\v0.1.0\doks-auth.exe"),
            "kubectl doks"
        );
        assert_eq!(
            krew_link(Path::new(
                r"C:\Users\a\.krew\store\doks\v0.1.0\doks-auth.exe"
            )),
            Some(PathBuf::from(r"C:\Users\a\.krew\bin\kubectl-doks.exe"))
        );
    }
}
