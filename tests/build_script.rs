//! build.rs's commit for `--version`, on real git checkouts and cargo's packaging record: a
//! binary built from uncommitted changes says `-dirty`, so a bug report cannot pass it off as
//! the commit.
// It runs git, which the Windows test run (under Wine) does not have.
#![cfg(unix)]

#[allow(dead_code)]
#[path = "../build.rs"]
mod build_script;

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A checkout laid out like this crate's, committed.
fn checkout() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    for (file, text) in [
        ("src/main.rs", "fn main() {}\n"),
        ("build.rs", "fn main() {}\n"),
        ("Cargo.toml", "[package]\n"),
        ("Cargo.lock", "version = 4\n"),
        ("README.md", "readme\n"),
    ] {
        std::fs::write(root.join(file), text).unwrap();
    }
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "one"]);
    let head = git(root, &["rev-parse", "HEAD"])[..12].to_string();
    (dir, head)
}

#[test]
fn a_checkout_with_uncommitted_changes_to_what_is_compiled_is_marked_dirty() {
    let (dir, head) = checkout();
    let root = dir.path();
    let commit = || build_script::from_git(root).unwrap();
    assert_eq!(commit(), head);

    std::fs::write(root.join("src/main.rs"), "fn main() { }\n").unwrap();
    assert_eq!(commit(), format!("{head}-dirty"), "changed, not staged");
    git(root, &["add", "src/main.rs"]);
    assert_eq!(commit(), format!("{head}-dirty"), "staged, not committed");
    git(root, &["commit", "-q", "-m", "two"]);
    let two = git(root, &["rev-parse", "HEAD"])[..12].to_string();
    assert_eq!(commit(), two);

    for file in ["build.rs", "Cargo.toml", "Cargo.lock"] {
        std::fs::write(root.join(file), "changed\n").unwrap();
        assert_eq!(commit(), format!("{two}-dirty"), "{file}");
        git(root, &["checkout", "-q", "--", file]);
        assert_eq!(commit(), two, "{file} restored");
    }
    std::fs::remove_file(root.join("src/main.rs")).unwrap();
    assert_eq!(commit(), format!("{two}-dirty"), "a deleted source");
    git(root, &["checkout", "-q", "--", "src/main.rs"]);

    // Not compiled in: the docs, or a file no tracked source names.
    std::fs::write(root.join("README.md"), "other\n").unwrap();
    std::fs::write(root.join("src/scratch.rs"), "\n").unwrap();
    assert_eq!(commit(), two);
}

/// build.rs tells cargo to rerun it when `.git/index` changes (`git add` can make the tree dirty
/// or clean). Its own `git status` must then leave the index alone: a plain `git status`
/// refreshes the stat data of a touched file and rewrites the index, so every build would
/// rerun build.rs and recompile the crate.
#[test]
fn reading_the_checkouts_state_leaves_the_git_index_alone() {
    let (dir, head) = checkout();
    let root = dir.path();
    let index = root.join(".git/index");
    // A file with new stat data and the same content, as an editor's save or `touch` leaves
    // it: not dirty, but git would refresh its entry.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(root.join("src/main.rs"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    let before = std::fs::read(&index).unwrap();
    let modified = std::fs::metadata(&index).unwrap().modified().unwrap();
    assert_eq!(build_script::from_git(root).unwrap(), head);
    assert!(
        std::fs::read(&index).unwrap() == before,
        "the index was rewritten"
    );
    assert_eq!(
        std::fs::metadata(&index).unwrap().modified().unwrap(),
        modified
    );
}

#[test]
fn a_packaged_crate_keeps_cargos_dirty_flag() {
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let clean =
        format!("{{\n  \"git\": {{\n    \"sha1\": \"{sha}\"\n  }},\n  \"path_in_vcs\": \"\"\n}}");
    let dirty = format!(
        "{{\n  \"git\": {{\n    \"sha1\": \"{sha}\",\n    \"dirty\": true\n  }},\n  \"path_in_vcs\": \"\"\n}}"
    );
    assert_eq!(build_script::from_vcs_info(&clean).unwrap(), "0123456789ab");
    assert_eq!(
        build_script::from_vcs_info(&dirty).unwrap(),
        "0123456789ab-dirty"
    );
    let not_dirty = dirty.replace("true", "false");
    assert_eq!(
        build_script::from_vcs_info(&not_dirty).unwrap(),
        "0123456789ab"
    );
}

#[test]
fn the_tap_owner_is_the_repositorys_github_owner() {
    for (repository, owner) in [
        ("https://github.com/doks-auth/doks-auth", Some("doks-auth")),
        ("https://github.com/acme/doks-auth/", Some("acme")),
        ("https://github.com/acme", None),
        ("https://gitlab.com/acme/doks-auth", None),
        ("https://github.com//doks-auth", None),
        ("https://github.com/a b/doks-auth", None),
        ("", None),
    ] {
        assert_eq!(
            build_script::github_owner(repository),
            owner,
            "{repository}"
        );
    }
}
