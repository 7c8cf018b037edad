//! Build facts for `doks-auth --version`: the commit the binary was built from and the target it
//! was built for, so a bug report (or `kubectl doks --version` after a krew upgrade) names exactly
//! what runs.

use std::path::Path;
use std::process::Command;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    let commit = commit().unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DOKS_AUTH_COMMIT={commit}");
    println!("cargo:rustc-env=DOKS_AUTH_TARGET={target}");
    println!("cargo:rerun-if-env-changed=DOKS_AUTH_COMMIT");
    hit_path_layout();
}

/// The static Linux binary (musl) is what kubectl runs before every request, and a cache hit's
/// wall time is mostly page faults: the code it runs was spread over some 30 places of a 5 MiB
/// text. `hit-path.ld` (written by scripts/hit-path-order) puts those functions in one place,
/// and `-z noseparate-code` drops the page-aligned padding between the headers, code and
/// read-only data; together 50 faults became ~30 (docs/hit-path.md). GNU ld and lld both read
/// the script; a pattern that matches nothing only loses the ordering. Other targets: nothing.
fn hit_path_layout() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let script = Path::new(&var("CARGO_MANIFEST_DIR")).join("hit-path.ld");
    println!("cargo:rerun-if-changed=hit-path.ld");
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "musl" {
        return;
    }
    println!("cargo:rustc-link-arg-bin=doks-auth=-Wl,-z,noseparate-code");
    if script.is_file() {
        println!(
            "cargo:rustc-link-arg-bin=doks-auth=-Wl,-T,{}",
            script.display()
        );
    }
}

/// The release workflow names the commit outright; a checkout asks git; a crate from crates.io
/// (no .git) has the commit cargo recorded when it was packaged.
fn commit() -> Option<String> {
    if let Some(commit) = std::env::var("DOKS_AUTH_COMMIT").ok().filter(|c| is_hex(c)) {
        return Some(short(&commit));
    }
    // Only a packaged crate has this file; it wins over git, since a crate unpacked inside some
    // other repository would otherwise take that repository's commit.
    if let Ok(info) = std::fs::read_to_string(".cargo_vcs_info.json") {
        // Also what makes a checkout's build rerun this script after `cargo publish --dry-run`
        // ran it for the packaged copy: cargo gives both the same build folder, and the file is
        // missing in the checkout.
        println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
        let sha = info.split("\"sha1\"").nth(1)?.split('"').nth(1)?;
        return is_hex(sha).then(|| short(sha));
    }
    from_git()
}

fn from_git() -> Option<String> {
    let git = |args: &[&str]| {
        let out = Command::new("git").args(args).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        out.status.success().then(|| text.trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"]).filter(|c| is_hex(c))?;
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch it points at (a commit),
    // plus packed-refs, where git may keep that branch instead.
    // (Only files that exist: cargo reruns a script every build for a missing one.)
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for path in ["HEAD", "packed-refs"].into_iter().chain(branch.as_deref()) {
        if let Some(file) = git(&["rev-parse", "--git-path", path])
            && Path::new(&file).exists()
        {
            println!("cargo:rerun-if-changed={file}");
        }
    }
    Some(short(&commit))
}

fn is_hex(s: &str) -> bool {
    s.len() >= 7 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn short(commit: &str) -> String {
    commit.chars().take(12).collect()
}
