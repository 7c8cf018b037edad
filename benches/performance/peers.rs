//! What doks-auth is compared with: the limit (a minimal program that prints a file) and a peer
//! plugin (aws eks get-token).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::measure::which;

/// The limit program: read the file named by the first argument, print it.
const READ_FILE: &str = "use std::io::Write;\nfn main() {\n    let path = std::env::args_os().nth(1).unwrap();\n    let bytes = std::fs::read(path).unwrap();\n    std::io::stdout().lock().write_all(&bytes).unwrap();\n}\n";

/// The "limit": a minimal Rust program that reads one file and prints it, built like ours.
pub(crate) fn build_minimal_reader(dir: &Path) -> PathBuf {
    let src = dir.join("read_file.rs");
    std::fs::write(&src, READ_FILE).unwrap();
    let out = dir.join("read_file");
    let status = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args([
            "--edition",
            "2021",
            "-C",
            "opt-level=3",
            "-C",
            "panic=abort",
            "-C",
            "lto",
            "-C",
            "codegen-units=1",
            "-C",
            "strip=symbols",
            "-o",
        ])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("rustc");
    assert!(status.success());
    out
}

/// The binary users install on Linux: static musl, not PIE, as `cross static --release` builds
/// it (see docs/hit-path.md). `DOKS_BENCH_STATIC` names another.
pub(crate) fn static_doks_auth() -> Option<PathBuf> {
    let path = std::env::var_os("DOKS_BENCH_STATIC")
        .map(PathBuf::from)
        .unwrap_or_else(|| cross_release().join("doks-auth"));
    path.is_file().then_some(path)
}

/// Where `cross static --release` puts its build, the musl `std` rlibs in `deps/` included.
fn cross_release() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/cross/x86_64-unknown-linux-musl/release")
}

/// The limit program built exactly as the static doks-auth is: the same compiler (Debian's
/// rustc, `DOKS_CROSS_RUSTC`), the same musl `std` (the rlibs `cross static --release` made, in
/// its `deps/`), the same flags (the release profile's, and cross's static, non-PIE link through
/// musl-gcc with LLVM's libunwind from `$DOKS_CROSS_HOME/unwind`, and build.rs's
/// `-z noseparate-code`). The error says what is missing.
pub(crate) fn build_static_reader(dir: &Path) -> Result<PathBuf, String> {
    let deps = cross_release().join("deps");
    let rlib = |name: &str| -> Result<PathBuf, String> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&deps)
            .map_err(|e| format!("{}: {e}", deps.display()))?
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("lib{name}-"))
                    && p.extension().is_some_and(|x| x == "rlib")
            })
            .collect();
        // The newest, should an older build have left another.
        found.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        found
            .pop()
            .ok_or(format!("no lib{name} in {}", deps.display()))
    };
    let src = dir.join("read_file.rs");
    std::fs::write(&src, READ_FILE).unwrap();
    let out = dir.join("read_file_static");
    let cross_home = std::env::var("DOKS_CROSS_HOME").unwrap_or("/var/tmp/doks-cross".into());
    let rustc = std::env::var("DOKS_CROSS_RUSTC").unwrap_or("/usr/bin/rustc".into());
    let output = Command::new(&rustc)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["--edition", "2021", "--target", "x86_64-unknown-linux-musl"])
        .args([
            "-C",
            "opt-level=3",
            "-C",
            "panic=abort",
            "-C",
            "lto",
            "-C",
            "codegen-units=1",
        ])
        .args([
            "-C",
            "strip=symbols",
            "-C",
            "linker=musl-gcc",
            "-C",
            "link-self-contained=no",
        ])
        .args([
            "-C",
            "target-feature=+crt-static",
            "-C",
            "relocation-model=static",
            // As build.rs links the static doks-auth (its other link argument, the hit path's
            // section order, is about doks-auth's own code).
            "-C",
            "link-arg=-Wl,-z,noseparate-code",
        ])
        .arg("-L")
        .arg(format!("{cross_home}/unwind"))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--extern")
        .arg(format!("std={}", rlib("std")?.display()))
        .arg("--extern")
        .arg(format!("panic_abort={}", rlib("panic_abort")?.display()))
        .args(["-Z", "unstable-options", "-o"])
        .arg(&out)
        .arg(&src)
        .output()
        .map_err(|e| format!("{rustc}: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(out)
}

/// `aws` from PATH, or from a virtualenv this benchmark makes under target/ (PyPI is reachable).
pub(crate) fn aws_cli(scratch: &Path) -> Option<PathBuf> {
    if let Some(aws) = which("aws") {
        return Some(aws);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-awscli");
    let aws = venv.join("bin/aws");
    if !aws.is_file() {
        eprintln!(
            "installing awscli into {} for the peer comparison…",
            venv.display()
        );
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "awscli"])
                .current_dir(scratch)
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
    }
    aws.is_file().then_some(aws)
}
