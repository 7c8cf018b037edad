//! Build facts for `doks-auth --version`: the commit the binary was built from (with `-dirty`
//! when its sources had uncommitted changes) and the target it was built for, so a bug report (or
//! `kubectl doks --version` after a krew upgrade) names exactly what runs.

use std::path::Path;
use std::process::Command;

/// What the binary is compiled from, as far as a checkout's changes go: a change anywhere else
/// (docs, tests) leaves the binary as committed. Cargo.toml's `include` ships the same, plus the
/// README and LICENSE, which are not compiled in.
const BUILD_INPUTS: [&str; 4] = ["src", "build.rs", "Cargo.toml", "Cargo.lock"];

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    let commit = commit().unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DOKS_AUTH_COMMIT={commit}");
    println!("cargo:rustc-env=DOKS_AUTH_TARGET={target}");
    // The install hint's Homebrew tap, `<owner>/tap`, from Cargo.toml's `repository` (the one
    // place the project's address is written; the release workflow pushes the formula to
    // `<owner>/homebrew-tap`).
    let repository = std::env::var("CARGO_PKG_REPOSITORY").unwrap_or_default();
    let Some(owner) = github_owner(&repository) else {
        panic!(
            "Cargo.toml's repository must be https://github.com/OWNER/NAME (releases, krew and Homebrew are made from it), not {repository:?}"
        );
    };
    println!("cargo:rustc-env=DOKS_AUTH_REPO_OWNER={owner}");
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
        return from_vcs_info(&info);
    }
    from_git(Path::new("."))
}

/// `.cargo_vcs_info.json`: `{"git": {"sha1": "…", "dirty": true}, …}`; cargo writes `dirty`
/// only when it packaged uncommitted changes (`--allow-dirty`).
pub fn from_vcs_info(info: &str) -> Option<String> {
    let sha = info.split("\"sha1\"").nth(1)?.split('"').nth(1)?;
    let dirty = info
        .split("\"dirty\"")
        .nth(1)
        .is_some_and(|rest| rest.trim_start_matches([' ', ':']).starts_with("true"));
    is_hex(sha).then(|| marked(short(sha), dirty))
}

/// The checkout in `dir`: HEAD's commit, `-dirty` when a build input differs from it (staged or
/// not; untracked files are not compiled unless a tracked file names them).
pub fn from_git(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        out.status.success().then(|| text.trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"]).filter(|c| is_hex(c))?;
    // --no-optional-locks: a plain `git status` refreshes the index's stat data and writes it
    // back, and cargo reruns this script whenever the index changes (below), so every build
    // would rerun it and recompile the crate (git-status(1), "Background refresh").
    let mut status = vec![
        "--no-optional-locks",
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
    ];
    status.extend(BUILD_INPUTS);
    // Unknown (git failed) counts as clean: the commit is still right.
    let dirty = git(&status).is_some_and(|changes| !changes.is_empty());
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch it points at (a commit),
    // plus packed-refs, where git may keep that branch instead; and when the build inputs or the
    // index (`git add`) change, which can make the tree dirty or clean again.
    // (Only files that exist: cargo reruns a script every build for a missing one.)
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for path in ["HEAD", "packed-refs", "index"]
        .into_iter()
        .chain(branch.as_deref())
    {
        if let Some(file) = git(&["rev-parse", "--git-path", path])
            && dir.join(&file).exists()
        {
            println!("cargo:rerun-if-changed={file}");
        }
    }
    for input in BUILD_INPUTS {
        if dir.join(input).exists() {
            println!("cargo:rerun-if-changed={input}");
        }
    }
    Some(marked(short(&commit), dirty))
}

/// `OWNER` of `https://github.com/OWNER/NAME`.
pub fn github_owner(repository: &str) -> Option<&str> {
    let path = repository.strip_prefix("https://github.com/")?;
    let (owner, name) = path.trim_end_matches('/').split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    (ok(owner) && ok(name)).then_some(owner)
}

fn marked(commit: String, dirty: bool) -> String {
    if dirty { commit + "-dirty" } else { commit }
}

fn is_hex(s: &str) -> bool {
    s.len() >= 7 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn short(commit: &str) -> String {
    commit.chars().take(12).collect()
}
