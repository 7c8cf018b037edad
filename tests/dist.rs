//! The distribution manifests against the archives they describe: the krew manifest, the
//! Homebrew formula, SHA256SUMS and Cargo.toml's cargo-binstall templates must name the archive
//! files, their digests and the binary's path inside, or an install fails. The archives here are
//! small stand-ins made with tar and zip (no release build in the test run); scripts/dist runs
//! the same generator on the real ones.
// It runs tar, zip, sha256sum and cargo, as scripts/dist does on the Linux machine that packs.
#![cfg(unix)]

#[allow(dead_code)]
#[path = "../examples/dist_manifests.rs"]
mod dist;

use std::path::Path;
use std::process::Command;

use dist::{Release, TARGETS};
use serde_json::Value;

/// Cargo.toml's own names, so what is checked is what ships.
fn release() -> Release {
    Release::of_this_crate()
}

/// An archive laid out as scripts/dist lays it out, with a binary unique to its target (so
/// mixed-up digests show). `leave_out` drops one file.
fn make_archive(dir: &Path, release: &Release, target: &str, leave_out: Option<&str>) {
    let stage = tempfile::tempdir().unwrap();
    let folder = release.folder(target);
    for entry in release.required_entries(target) {
        if leave_out.is_some_and(|l| entry.ends_with(&format!("/{l}"))) {
            continue;
        }
        let path = stage.path().join(&entry);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("{entry} for {target}\n")).unwrap();
    }
    let archive = dir.join(release.archive_name(target));
    let status = if target.contains("windows") {
        Command::new("zip")
            .args(["-qr"])
            .arg(&archive)
            .arg(&folder)
            .current_dir(stage.path())
            .status()
    } else {
        Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg(&folder)
            .current_dir(stage.path())
            .status()
    };
    assert!(status.unwrap().success());
}

fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

fn listing(path: &Path) -> Vec<String> {
    let out = if path.extension().is_some_and(|e| e == "zip") {
        Command::new("unzip").arg("-Z1").arg(path).output()
    } else {
        Command::new("tar").arg("-tzf").arg(path).output()
    }
    .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Archives for what this machine builds (the static Linux binary, the MinGW Windows one) and
/// one macOS build, with the manifests written beside them.
fn dist_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for target in [
        "x86_64-unknown-linux-musl",
        "x86_64-pc-windows-gnu",
        "aarch64-apple-darwin",
    ] {
        make_archive(dir.path(), &release(), target, None);
    }
    dist::write_all(dir.path(), &release(), false).unwrap();
    dir
}

#[test]
fn krew_manifest_names_each_built_archive_by_url_digest_and_binary() {
    let dir = dist_dir();
    let text = std::fs::read_to_string(dir.path().join("doks.yaml")).unwrap();
    let manifest: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(
        manifest["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(manifest["kind"], "Plugin");
    assert_eq!(manifest["metadata"]["name"], "doks");
    assert_eq!(
        manifest["spec"]["version"],
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );
    let platforms = manifest["spec"]["platforms"].as_array().unwrap();
    let mut seen = Vec::new();
    let mut built = 0;
    for p in platforms {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap(),
        );
        seen.push(format!("{os}/{arch}"));
        let uri = p["uri"].as_str().unwrap();
        assert!(uri.starts_with("https://"), "{uri}");
        let file = uri.rsplit('/').next().unwrap();
        let bin = p["bin"].as_str().unwrap();
        assert_eq!(
            bin,
            if os == "windows" {
                "doks-auth.exe"
            } else {
                "doks-auth"
            }
        );
        let archive = dir.path().join(file);
        let sha = p["sha256"].as_str().unwrap();
        if !archive.exists() {
            assert_eq!(sha, "0".repeat(64), "{os}/{arch} was not built");
            continue;
        }
        built += 1;
        assert_eq!(sha, sha256sum(&archive), "{file}");
        let target = file
            .strip_prefix(&format!("doks-auth-{}-", env!("CARGO_PKG_VERSION")))
            .unwrap()
            .trim_end_matches(".tar.gz")
            .trim_end_matches(".zip");
        assert_eq!(uri, release().url(target));
        // krew copies each `from` out of the archive and links the one named `bin`.
        let inside = listing(&archive);
        let files = p["files"].as_array().unwrap();
        for f in files {
            let from = f["from"].as_str().unwrap();
            assert!(inside.iter().any(|e| e == from), "{file} lacks {from}");
            assert_eq!(f["to"], ".");
        }
        assert!(
            files
                .iter()
                .any(|f| f["from"].as_str().unwrap().ends_with(&format!("/{bin}"))),
            "{file}: {bin} is not installed"
        );
    }
    assert_eq!(built, 3);
    seen.sort();
    assert_eq!(
        seen,
        [
            "darwin/amd64",
            "darwin/arm64",
            "linux/amd64",
            "linux/arm64",
            "windows/amd64",
            "windows/arm64"
        ]
    );
}

#[test]
fn sha256sums_is_what_sha256sum_checks() {
    let dir = dist_dir();
    let sums = std::fs::read_to_string(dir.path().join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 3);
    let out = Command::new("sha256sum")
        .args(["--strict", "-c", "SHA256SUMS"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn homebrew_formula_points_at_the_archives_with_their_digests() {
    let dir = dist_dir();
    let formula = std::fs::read_to_string(dir.path().join("doks-auth.rb")).unwrap();
    assert!(formula.contains("class DoksAuth < Formula"));
    assert!(formula.contains(&format!("version \"{}\"", env!("CARGO_PKG_VERSION"))));
    assert!(formula.contains("bin.install \"doks-auth\""));
    // Each url line is followed by its archive's digest; the Linux ones are the static build.
    let lines: Vec<&str> = formula.lines().map(str::trim).collect();
    let mut urls = 0;
    for pair in lines.windows(2) {
        let Some(url) = pair[0].strip_prefix("url \"") else {
            continue;
        };
        urls += 1;
        let url = url.trim_end_matches('"');
        let sha = pair[1]
            .strip_prefix("sha256 \"")
            .unwrap()
            .trim_end_matches('"');
        let archive = dir.path().join(url.rsplit('/').next().unwrap());
        if archive.exists() {
            assert_eq!(sha, sha256sum(&archive), "{url}");
        } else {
            assert_eq!(sha, "0".repeat(64), "{url}");
        }
        assert!(
            !url.contains("windows") && !url.contains("linux-gnu"),
            "{url}"
        );
    }
    assert_eq!(urls, 4);
    // The completions it installs are in the archive.
    let inside = listing(
        &dir.path()
            .join(release().archive_name("aarch64-apple-darwin")),
    );
    for line in lines.iter().filter(|l| l.contains("completion.install")) {
        let file = line.split('"').nth(1).unwrap();
        assert!(
            inside.iter().any(|e| e.ends_with(&format!("/{file}"))),
            "{file}"
        );
    }
}

/// The templates as cargo-binstall fills them in.
fn fill(template: &str, target: &str, meta: &Value) -> String {
    let exe = if target.contains("windows") {
        ".exe"
    } else {
        ""
    };
    template
        .replace("{ repo }", meta["repository"].as_str().unwrap())
        .replace("{ name }", meta["name"].as_str().unwrap())
        .replace("{ version }", meta["version"].as_str().unwrap())
        .replace("{ target }", target)
        .replace("{ bin }", "doks-auth")
        .replace("{ binary-ext }", exe)
}

#[test]
fn cargo_binstall_metadata_finds_the_archive_and_the_binary_in_it() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let package = &meta["packages"][0];
    let binstall = &package["metadata"]["binstall"];
    let dir = tempfile::tempdir().unwrap();
    // Every release target; the MinGW build is this machine's own stand-in, not published.
    for target in TARGETS.iter().filter(|t| !t.ends_with("windows-gnu")) {
        let over = &binstall["overrides"][target];
        let pick = |key: &str| over[key].as_str().or(binstall[key].as_str()).unwrap();
        // A glibc system is sent to the static musl archive, which runs on any glibc.
        let served = target.replace("-linux-gnu", "-linux-musl");
        assert_eq!(
            fill(pick("pkg-url"), target, package),
            release().url(&served),
            "{target}"
        );
        let fmt = if target.contains("windows") {
            "zip"
        } else {
            "tgz"
        };
        assert_eq!(pick("pkg-fmt"), fmt, "{target}");
        make_archive(dir.path(), &release(), &served, None);
        let inside = listing(&dir.path().join(release().archive_name(&served)));
        let bin = fill(pick("bin-dir"), target, package);
        assert!(inside.contains(&bin), "{target}: {bin} not in {inside:?}");
    }
}

#[test]
fn an_archive_without_a_required_file_is_refused() {
    for missing in [
        "LICENSE",
        "README.md",
        "doks-auth",
        "completions/_doks-auth",
    ] {
        let dir = tempfile::tempdir().unwrap();
        make_archive(
            dir.path(),
            &release(),
            "x86_64-unknown-linux-musl",
            Some(missing),
        );
        let err = dist::write_all(dir.path(), &release(), false).unwrap_err();
        assert!(err.contains(missing), "{err}");
        assert!(!dir.path().join("doks.yaml").exists());
        assert!(!dir.path().join("SHA256SUMS").exists());
    }
}

#[test]
fn a_release_needs_an_archive_for_every_platform() {
    let dir = dist_dir();
    let err = dist::write_all(dir.path(), &release(), true).unwrap_err();
    assert!(err.contains("no archive for"), "{err}");
    for target in TARGETS {
        make_archive(dir.path(), &release(), target, None);
    }
    let archives = dist::write_all(dir.path(), &release(), true).unwrap();
    assert_eq!(archives.len(), TARGETS.len());
    let manifest = std::fs::read_to_string(dir.path().join("doks.yaml")).unwrap();
    assert!(!manifest.contains(&"0".repeat(64)));
    // A release build prefers the MSVC Windows archive to this machine's MinGW one.
    assert!(manifest.contains("x86_64-pc-windows-msvc.zip"));
    assert!(!manifest.contains("windows-gnu"));
}

#[test]
fn the_install_hint_names_the_channels_that_ship() {
    let hint = doks_auth::kubeconfig::INSTALL_HINT;
    let repo = env!("CARGO_PKG_REPOSITORY");
    let owner = repo
        .strip_prefix("https://github.com/")
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    for channel in [
        format!("kubectl krew install {}", dist::KREW_NAME),
        // A tap named homebrew-tap, where the release workflow pushes the formula.
        format!("brew install {owner}/tap/{}", env!("CARGO_PKG_NAME")),
        format!("cargo binstall {}", env!("CARGO_PKG_NAME")),
        format!("cargo install --locked {}", env!("CARGO_PKG_NAME")),
        format!("{repo}/releases"),
        format!("kubectl {} kubeconfig save", dist::KREW_NAME),
    ] {
        assert!(hint.contains(&channel), "{channel} not in {hint}");
    }
    let workflow = include_str!("../.github/workflows/release.yml");
    assert!(
        workflow.contains("/homebrew-tap\""),
        "the tap the workflow pushes to"
    );
}

/// The packed completion scripts call `doks-auth` by name, as every install puts it on PATH:
/// not the path of the binary that wrote them (the build folder), where TAB would find nothing
/// on a user's machine.
#[test]
fn a_packed_archive_has_completions_by_name_and_the_generator_takes_it() {
    let out = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_doks-auth"));
    let target = "x86_64-unknown-linux-gnu";
    let status = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dist"))
        .args(["pack", target])
        .arg(bin)
        .env("DIST_OUT", out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let archive = out.path().join(release().archive_name(target));
    let unpacked = tempfile::tempdir().unwrap();
    let untar = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(unpacked.path())
        .status()
        .unwrap();
    assert!(untar.success());
    let folder = unpacked
        .path()
        .join(release().folder(target))
        .join("completions");
    let build_folder = bin.parent().unwrap().display().to_string();
    let mut scripts = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&build_folder), "{}: {text}", path.display());
        assert!(text.contains("doks-auth"), "{}", path.display());
        scripts += 1;
    }
    assert_eq!(scripts, 5);
    // And the generator takes the archive `pack` made (what it must hold, where): the two cannot
    // drift apart unnoticed until a release.
    dist::write_all(out.path(), &release(), false).unwrap();
    let sums = std::fs::read_to_string(out.path().join("SHA256SUMS")).unwrap();
    let name = release().archive_name(target);
    assert!(
        sums.contains(&format!("{}  {name}", sha256sum(&archive))),
        "{sums}"
    );
}

fn workflow(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".github/workflows")
        .join(name);
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every job of the release installs Rust before its first cargo command (windows-11-arm had
/// no cargo before that step), and checks out with the action version CI uses.
#[test]
fn release_jobs_install_rust_before_cargo_and_check_out_as_ci_does() {
    let uses = |step: &Value| step["uses"].as_str().unwrap_or("").to_string();
    let checkout = |wf: &Value| -> Vec<String> {
        let jobs = wf["jobs"].as_object().unwrap();
        jobs.values()
            .flat_map(|job| job["steps"].as_array().unwrap().iter().map(uses))
            .filter(|u| u.starts_with("actions/checkout@"))
            .collect()
    };
    let ci = checkout(&workflow("ci.yml"));
    let release = workflow("release.yml");
    let ours = checkout(&release);
    assert!(!ours.is_empty());
    for c in &ours {
        assert!(ci.contains(c), "release uses {c}, ci {ci:?}");
    }
    for (name, job) in release["jobs"].as_object().unwrap() {
        let steps = job["steps"].as_array().unwrap();
        let installs = |s: &Value| {
            uses(s).starts_with("dtolnay/rust-toolchain@")
                || s["run"]
                    .as_str()
                    .is_some_and(|r| r.contains("rustup toolchain install"))
        };
        let runs_cargo = |s: &Value| s["run"].as_str().is_some_and(|r| r.contains("cargo "));
        let Some(first_cargo) = steps.iter().position(runs_cargo) else {
            continue;
        };
        let install = steps.iter().position(installs);
        assert!(
            install.is_some_and(|i| i < first_cargo),
            "job {name}: cargo in step {first_cargo} ({:?}), Rust installed at {install:?}",
            steps[first_cargo]["name"]
        );
    }
}

/// ring builds its C code for aarch64-pc-windows-msvc only with clang on PATH (ring's
/// BUILDING.md): a step of that target puts one there before cargo runs.
#[test]
fn release_puts_clang_on_path_for_windows_arm64_before_cargo() {
    let release = workflow("release.yml");
    let build = &release["jobs"]["build"];
    let targets: Vec<&str> = build["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    assert!(targets.contains(&"aarch64-pc-windows-msvc"));
    let steps = build["steps"].as_array().unwrap();
    let clang = steps.iter().position(|s| {
        s["if"]
            .as_str()
            .is_some_and(|c| c.contains("aarch64-pc-windows-msvc"))
            && s["run"]
                .as_str()
                .is_some_and(|r| r.contains("clang.exe") && r.contains("GITHUB_PATH"))
    });
    let first_cargo = steps
        .iter()
        .position(|s| s["run"].as_str().is_some_and(|r| r.contains("cargo ")))
        .unwrap();
    assert!(
        clang.is_some_and(|c| c < first_cargo),
        "clang step {clang:?}, first cargo step {first_cargo}"
    );
}

/// The install hints name `cargo install` and `cargo binstall`, which find the crate on
/// crates.io: the release publishes it, with the token from the CARGO_REGISTRY_TOKEN secret,
/// after the GitHub release holds the archives binstall downloads, and checks the token is set,
/// and that the crate packages (`cargo publish --dry-run`), before anything is published.
#[test]
fn release_publishes_the_crate_after_the_archives() {
    let release = workflow("release.yml");
    let steps = release["jobs"]["publish"]["steps"].as_array().unwrap();
    let run = |s: &Value| s["run"].as_str().unwrap_or("").to_string();
    let token = "${{ secrets.CARGO_REGISTRY_TOKEN }}";
    let publish = steps
        .iter()
        .position(|s| {
            run(s)
                .lines()
                .any(|l| l.trim().starts_with("cargo publish") && !l.contains("--dry-run"))
        })
        .expect("a cargo publish step");
    let dry_run = steps
        .iter()
        .position(|s| run(s).contains("cargo publish --dry-run"))
        .expect("a cargo publish --dry-run step");
    assert_eq!(steps[publish]["env"]["CARGO_REGISTRY_TOKEN"], token);
    assert!(steps[publish]["if"].is_null(), "published on every release");
    let github_release = steps
        .iter()
        .position(|s| run(s).contains("gh release create"))
        .unwrap();
    assert!(dry_run < github_release && github_release < publish);
    let check = steps
        .iter()
        .position(|s| s["env"]["CARGO_REGISTRY_TOKEN"] == token && !run(s).contains("cargo "))
        .expect("a step checking the token is set");
    let first_upload = steps
        .iter()
        .position(|s| {
            let u = s["uses"].as_str().unwrap_or("");
            u.starts_with("actions/attest") || run(s).contains("gh release")
        })
        .unwrap();
    assert!(check < first_upload);
    // Nothing unpacked into the checkout over a packaged file (krew's tarball has a LICENSE).
    for s in steps {
        let r = run(s);
        if r.contains("| tar -x") {
            assert!(r.contains("tar -xz -C "), "{r}");
        }
    }
}

/// `.krew.yaml` is what krew-release-bot turns into krew-index's manifest on each release: it is
/// the generator's template, and rendered as the bot renders it (the tag for `{{ .TagName }}`,
/// each `addURIAndSha` as the archive's `uri` and `sha256`) it is the manifest a complete
/// release writes from its archives.
#[test]
fn krew_release_bot_template_renders_to_the_release_manifest() {
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".krew.yaml")).unwrap();
    let template = dist::krew_template(&release());
    assert_eq!(
        committed, template,
        ".krew.yaml is stale: cargo run --example dist_manifests -- --krew-template > .krew.yaml"
    );
    let dir = tempfile::tempdir().unwrap();
    for target in TARGETS {
        make_archive(dir.path(), &release(), target, None);
    }
    dist::write_all(dir.path(), &release(), true).unwrap();
    let manifest = std::fs::read_to_string(dir.path().join("doks.yaml")).unwrap();

    let version = env!("CARGO_PKG_VERSION");
    let tag = format!("v{version}");
    let mut rendered = String::new();
    let mut rest = template.as_str();
    let open = "{{addURIAndSha \"";
    while let Some(at) = rest.find(open) {
        rendered.push_str(&rest[..at]);
        let after = &rest[at + open.len()..];
        let (url, tail) = after.split_once("\" .TagName }}").unwrap();
        let url = url.replace(dist::KREW_TEMPLATE_VERSION, version);
        let archive = dir.path().join(url.rsplit('/').next().unwrap());
        assert!(archive.exists(), "{url} names no archive of the release");
        // What the bot's addURIAndSha returns.
        rendered.push_str(&format!("uri: {url}\n    sha256: {}", sha256sum(&archive)));
        rest = tail;
    }
    rendered.push_str(rest);
    let rendered = rendered.replace(dist::KREW_TEMPLATE_VERSION, version);
    assert!(!rendered.contains("{{"), "{rendered}");
    let rendered: Value = serde_saphyr::from_str(&rendered).unwrap();
    let manifest: Value = serde_saphyr::from_str(&manifest).unwrap();
    assert_eq!(rendered["spec"]["version"], tag);
    assert_eq!(rendered, manifest);
}

/// The bot runs after the GitHub release holds the archives it downloads, once the plugin is
/// in krew-index (its first version goes in by hand).
#[test]
fn release_runs_krew_release_bot_after_the_archives_are_published() {
    let release = workflow("release.yml");
    let steps = release["jobs"]["publish"]["steps"].as_array().unwrap();
    let bot = steps
        .iter()
        .position(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("rajatjindal/krew-release-bot@"))
        })
        .expect("a krew-release-bot step");
    let github_release = steps
        .iter()
        .position(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("gh release create"))
        })
        .unwrap();
    assert!(github_release < bot);
    assert!(
        steps[bot]["with"]["krew_template_file"].is_null()
            || steps[bot]["with"]["krew_template_file"] == ".krew.yaml"
    );
}

/// The project's address is written once, as Cargo.toml's `repository`: the install hint takes
/// the Homebrew tap's owner and the releases page from it (build.rs), the manifests their URLs;
/// the hand-written docs must say the same, or a user is sent to a placeholder.
#[test]
fn every_install_instruction_names_cargo_tomls_repository() {
    let repo = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    let slug = repo.strip_prefix("https://github.com/").unwrap();
    let (owner, name) = slug.split_once('/').unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap();
    let places = [
        (
            "INSTALL_HINT",
            doks_auth::kubeconfig::INSTALL_HINT.to_string(),
        ),
        ("README.md", read("README.md")),
        ("docs/install.md", read("docs/install.md")),
        (".krew.yaml", read(".krew.yaml")),
        (
            "tests/integration/kubeconfig_text.rs",
            read("tests/integration/kubeconfig_text.rs"),
        ),
    ];
    // What follows a marker, up to a blank, quote, backtick or bracket.
    let after = |text: &str, marker: &str| -> Vec<String> {
        text.match_indices(marker)
            .map(|(at, _)| {
                text[at + marker.len()..]
                    .split(|c: char| c.is_whitespace() || "\"`)]|,".contains(c))
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let tap = format!("{owner}/tap/{}", env!("CARGO_PKG_NAME"));
    let mut seen = (0, 0, 0);
    for (place, text) in &places {
        for formula in after(text, "brew install ") {
            // docs/install.md's "Releasing" speaks of any owner.
            if formula != format!("<owner>/tap/{}", env!("CARGO_PKG_NAME")) {
                assert_eq!(formula, tap, "{place}");
                seen.0 += 1;
            }
        }
        // Every address of this project (by its owner or its name): other projects' links stay.
        for path in after(text, "github.com/") {
            let mut parts = path.split('/');
            let (o, n) = (parts.next().unwrap(), parts.next().unwrap_or(""));
            if o == owner || n == name || o == "doks-auth" || n == "doks-auth" {
                assert_eq!(format!("{o}/{n}"), slug, "{place}: github.com/{path}");
                seen.1 += 1;
            }
        }
        for verified in after(text, " -R ") {
            assert_eq!(verified, slug, "{place}");
            seen.2 += 1;
        }
    }
    // The hint, the README and the install table name the tap; the hint, the docs and the
    // manifest the releases; the docs' `gh attestation verify` the repository.
    assert!(seen.0 >= 3 && seen.1 >= 3 && seen.2 >= 1, "{seen:?}");
}

/// The crate holds what a build needs and nothing else: the sources without their unit tests
/// (`tests.rs`, each behind `#[cfg(test)]`), the build script, the manifest, the lock file, the
/// licence and the README; no tests, fixtures, benches, examples or CI files.
#[test]
fn the_crate_holds_only_what_a_build_needs() {
    let out = Command::new(env!("CARGO"))
        .args([
            "package",
            "--list",
            "--locked",
            "--offline",
            "--allow-dirty",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.replace('\\', "/"))
        .collect();
    let top = [
        ".cargo_vcs_info.json",
        "Cargo.lock",
        "Cargo.toml",
        "Cargo.toml.orig",
        "LICENSE",
        "README.md",
        "build.rs",
        "hit-path.ld",
    ];
    for file in &listed {
        let source = file.starts_with("src/") && file.ends_with(".rs");
        assert!(
            top.contains(&file.as_str()) || (source && !file.ends_with("/tests.rs")),
            "{file} is packaged"
        );
    }
    // Every other source is there: a build needs it.
    let mut sources = 0;
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if name.ends_with(".rs") && !name.ends_with("/tests.rs") {
                assert!(listed.contains(&name), "{name} is not packaged");
                sources += 1;
            }
        }
    }
    assert!(sources > 50, "{sources}");
}

/// Git Bash (the build job's shell on Windows) keeps PATH as colon-separated POSIX paths: a
/// Windows path such as `$USERPROFILE` (`C:\\Users\\...`) put into it splits at the drive's
/// colon, so it goes through `cygpath -u`.
#[test]
fn release_puts_only_posix_paths_on_git_bashs_path() {
    let release = workflow("release.yml");
    let mut exports = 0;
    for job in release["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            let run = step["run"].as_str().unwrap_or("");
            for line in run.lines().filter(|l| l.contains("export PATH=")) {
                exports += 1;
                assert!(
                    !line.contains("=\"$USERPROFILE") && !line.contains("=$USERPROFILE"),
                    "{line}"
                );
                if line.contains("USERPROFILE") {
                    assert!(line.contains("cygpath -u \"$USERPROFILE\""), "{line}");
                }
            }
        }
    }
    assert!(exports >= 1);
}

/// A release that failed half-way can be run again (the GitHub release uploaded over, a crate
/// version already on crates.io and a formula already in the tap passed over), and a tag with a
/// pre-release part makes a GitHub pre-release that krew and the tap never take.
#[test]
fn release_runs_again_after_a_failure_and_keeps_prereleases_to_github() {
    let release = workflow("release.yml");
    let steps = release["jobs"]["publish"]["steps"].as_array().unwrap();
    let step = |what: &str| {
        steps
            .iter()
            .find(|s| s["name"].as_str().is_some_and(|n| n.starts_with(what)))
            .unwrap_or_else(|| panic!("no step {what}"))
    };
    let run = |what: &str| step(what)["run"].as_str().unwrap().to_string();
    let github = run("GitHub release");
    assert!(github.contains("gh release view"), "{github}");
    assert!(
        github.contains("gh release upload \"$GITHUB_REF_NAME\" --clobber"),
        "{github}"
    );
    assert!(github.contains("*-*) pre=(--prerelease)"), "{github}");
    let crates = run("crates.io");
    assert!(
        crates.contains("https://crates.io/api/v1/crates/doks-auth/$v"),
        "{crates}"
    );
    let tap = run("Homebrew tap");
    let skip = tap
        .find("git diff --cached --quiet")
        .expect("an unchanged tap passed over");
    assert!(skip < tap.find("git commit").unwrap(), "{tap}");
    let not_pre = "!contains(github.ref_name, '-')";
    for name in ["Homebrew tap", "krew-index pull request"] {
        let when = step(name)["if"].as_str().unwrap_or("");
        assert!(when.contains(not_pre), "{name}: {when}");
    }
}
