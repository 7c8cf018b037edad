//! What doks-auth is compared with: the limit (a minimal program that prints a file) and a peer
//! plugin (aws eks get-token).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::measure::which;

/// The "limit": a minimal Rust program that reads one file and prints it, built like ours.
pub(crate) fn build_minimal_reader(dir: &Path) -> PathBuf {
    let src = dir.join("read_file.rs");
    std::fs::write(
        &src,
        "use std::io::Write;\nfn main() {\n    let path = std::env::args_os().nth(1).unwrap();\n    let bytes = std::fs::read(path).unwrap();\n    std::io::stdout().lock().write_all(&bytes).unwrap();\n}\n",
    )
    .unwrap();
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
