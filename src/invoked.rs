//! The command as the user runs it, for the hints that tell them what to run next: krew links the
//! binary as `kubectl-doks`, and its users type `kubectl doks …`; everyone else types
//! `doks-auth …`. Decided once, from argv[0]'s file name, and only when a hint is written: the
//! cache hit writes none and pays nothing.

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

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
/// (`…/store/doks/<version>/doks-auth.exe`, which krew's Windows shim `kubectl-doks.exe` starts by
/// its own path); `doks-auth` for any other name or none.
fn from_argv0(argv0: Option<&OsStr>) -> &'static str {
    let Some(path) = argv0.map(Path::new) else {
        return "doks-auth";
    };
    let file = file_name(Some(path)).unwrap_or("");
    let plugin = path.parent().and_then(Path::parent);
    let in_store = file_name(plugin) == Some("doks")
        && file_name(plugin.and_then(Path::parent)) == Some("store");
    if file == "kubectl-doks" || file.eq_ignore_ascii_case("kubectl-doks.exe") || in_store {
        "kubectl doks"
    } else {
        "doks-auth"
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

    #[cfg(windows)]
    #[test]
    fn windows_paths_name_the_file_after_the_last_backslash() {
        assert_eq!(of(r"C:\Users\a\.krew\bin\kubectl-doks.exe"), "kubectl doks");
        assert_eq!(of(r"C:\tools\doks-auth.exe"), "doks-auth");
        // krew's Windows shim starts the stored binary by its path.
        assert_eq!(
            of(r"C:\Users\a\.krew\store\doks\v0.1.0\doks-auth.exe"),
            "kubectl doks"
        );
    }
}
