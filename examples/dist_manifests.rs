//! The release's distribution files, made from the archives themselves: `SHA256SUMS`, the krew
//! plugin manifest and the Homebrew formula. scripts/dist and the release workflow run it as
//! `cargo run --example dist_manifests -- DIST_DIR [--complete]` once the archives are in
//! DIST_DIR; tests/dist.rs runs the same functions on small archives of its own, so the manifests
//! cannot drift from what is shipped (names, digests, the binary's path inside).
//!
//! An example rather than a binary of the crate, so `cargo install` does not install it.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

/// krew's plugin name: krew links `~/.krew/bin/kubectl-doks` to the binary, and kubectl runs
/// `kubectl doks …` through that link.
pub const KREW_NAME: &str = "doks";

/// Every target an archive is made for: the release workflow's eight, and the MinGW Windows build
/// scripts/dist makes on Linux.
pub const TARGETS: [&str; 9] = [
    "x86_64-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-gnu",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "aarch64-pc-windows-msvc",
    "x86_64-pc-windows-gnu",
];

/// krew's and Homebrew's platforms and the archives that serve them, best first. Linux takes the
/// static musl build, which runs on every distribution (Alpine too); Windows on amd64 takes the
/// MSVC build of a release, or else the MinGW one built here.
pub const PLATFORMS: [(&str, &str, &[&str]); 6] = [
    ("linux", "amd64", &["x86_64-unknown-linux-musl"]),
    ("linux", "arm64", &["aarch64-unknown-linux-musl"]),
    ("darwin", "amd64", &["x86_64-apple-darwin"]),
    ("darwin", "arm64", &["aarch64-apple-darwin"]),
    (
        "windows",
        "amd64",
        &["x86_64-pc-windows-msvc", "x86_64-pc-windows-gnu"],
    ),
    ("windows", "arm64", &["aarch64-pc-windows-msvc"]),
];

/// The completion scripts every archive carries, under `completions/`, by shell.
pub const COMPLETIONS: [(&str, &str); 5] = [
    ("bash", "doks-auth.bash"),
    ("zsh", "_doks-auth"),
    ("fish", "doks-auth.fish"),
    ("powershell", "_doks-auth.ps1"),
    ("elvish", "doks-auth.elv"),
];

/// What every name and URL is made from: Cargo.toml's, unless a test says otherwise.
#[derive(Clone, Debug)]
pub struct Release {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub description: String,
    pub license: String,
}

impl Release {
    pub fn of_this_crate() -> Release {
        Release {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            repository: env!("CARGO_PKG_REPOSITORY").into(),
            description: env!("CARGO_PKG_DESCRIPTION").into(),
            license: env!("CARGO_PKG_LICENSE").into(),
        }
    }

    /// The folder every file of an archive sits in: `doks-auth-0.1.0-x86_64-unknown-linux-musl`.
    pub fn folder(&self, target: &str) -> String {
        format!("{}-{}-{target}", self.name, self.version)
    }

    pub fn archive_name(&self, target: &str) -> String {
        let ext = if target.contains("windows") {
            "zip"
        } else {
            "tar.gz"
        };
        format!("{}.{ext}", self.folder(target))
    }

    pub fn bin(&self, target: &str) -> String {
        let exe = if target.contains("windows") {
            ".exe"
        } else {
            ""
        };
        format!("{}{exe}", self.name)
    }

    pub fn url(&self, target: &str) -> String {
        format!(
            "{}/releases/download/v{}/{}",
            self.repository.trim_end_matches('/'),
            self.version,
            self.archive_name(target)
        )
    }

    /// Every path an archive must hold.
    pub fn required_entries(&self, target: &str) -> Vec<String> {
        let folder = self.folder(target);
        let mut out = vec![
            format!("{folder}/{}", self.bin(target)),
            format!("{folder}/LICENSE"),
            format!("{folder}/README.md"),
        ];
        out.extend(
            COMPLETIONS
                .iter()
                .map(|(_, file)| format!("{folder}/completions/{file}")),
        );
        out
    }
}

#[derive(Clone, Debug)]
pub struct Archive {
    pub target: String,
    pub file_name: String,
    pub sha256: String,
}

/// The archives of `release` found in `dir`, each checked to hold every required file. A target
/// with no archive is left out; an archive that lacks a file is an error.
pub fn read_archives(dir: &Path, release: &Release) -> Result<Vec<Archive>, String> {
    let mut out = Vec::new();
    for target in TARGETS {
        let file_name = release.archive_name(target);
        let path = dir.join(&file_name);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let entries = list(&path)?;
        for required in release.required_entries(target) {
            if !entries.iter().any(|e| e.trim_end_matches('/') == required) {
                return Err(format!("{file_name} does not hold {required}"));
            }
        }
        out.push(Archive {
            target: target.into(),
            file_name,
            sha256: hex(&Sha256::digest(&bytes)),
        });
    }
    Ok(out)
}

/// The paths inside an archive, by the same tools a user unpacks it with.
fn list(path: &Path) -> Result<Vec<String>, String> {
    let zip = path.extension().is_some_and(|e| e == "zip");
    let out = if zip {
        Command::new("unzip").arg("-Z1").arg(path).output()
    } else {
        Command::new("tar").arg("-tzf").arg(path).output()
    }
    .map_err(|e| format!("cannot list {}: {e}", path.display()))?;
    if !out.status.success() {
        return Err(format!(
            "cannot list {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_start_matches("./").to_string())
        .collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `sha256sum -c` reads this.
pub fn sha256sums(archives: &[Archive]) -> String {
    archives
        .iter()
        .map(|a| format!("{}  {}\n", a.sha256, a.file_name))
        .collect()
}

/// The archive that serves a platform, and its digest: the first of the platform's targets that
/// was built; else (not `complete`) the preferred one's URL with a digest of zeros, which krew and
/// Homebrew refuse until the release workflow fills it in.
struct Entry {
    target: String,
    sha256: String,
    built: bool,
}

fn entry(targets: &[&str], archives: &[Archive], complete: bool) -> Result<Entry, String> {
    for target in targets {
        if let Some(a) = archives.iter().find(|a| a.target == *target) {
            return Ok(Entry {
                target: a.target.clone(),
                sha256: a.sha256.clone(),
                built: true,
            });
        }
    }
    if complete {
        return Err(format!("no archive for any of {}", targets.join(", ")));
    }
    Ok(Entry {
        target: targets[0].into(),
        sha256: "0".repeat(64),
        built: false,
    })
}

/// The krew plugin manifest (krew-index's `plugins/doks.yaml`).
pub fn krew_manifest(
    release: &Release,
    archives: &[Archive],
    complete: bool,
) -> Result<String, String> {
    krew_document(
        release,
        "# Generated by examples/dist_manifests.rs from the release archives; do not edit.",
        |targets| {
            let e = entry(targets, archives, complete)?;
            let note = if e.built { "" } else { "  # not built yet" };
            // Quoted: a digest of digits and one `e` would otherwise be read as a number.
            let lines = format!(
                "uri: {}\n    sha256: \"{}\"{note}",
                release.url(&e.target),
                e.sha256
            );
            Ok((e.target, lines))
        },
    )
}

/// What krew-release-bot reads: `{{ .TagName }}` is the pushed tag (`v0.1.0`), so
/// `{{ slice .TagName 1 }}` (Go's text/template) is Cargo.toml's version.
pub const KREW_TEMPLATE_VERSION: &str = "{{ slice .TagName 1 }}";

/// `.krew.yaml`, krew-release-bot's template of the manifest: the same document as
/// [`krew_manifest`] of a complete release, with the version left to the tag and each `uri` and
/// `sha256` left to the bot's `addURIAndSha`, which downloads the archive from the release.
pub fn krew_template(release: &Release) -> String {
    let template = Release {
        version: KREW_TEMPLATE_VERSION.into(),
        ..release.clone()
    };
    krew_document(
        &template,
        "# Generated by examples/dist_manifests.rs (krew_template); tests/dist.rs checks it.\n\
         # krew-release-bot renders it on each release into krew-index's plugins/doks.yaml.",
        |targets| {
            let target = targets[0].to_string();
            let lines = format!(
                "{{{{addURIAndSha \"{}\" .TagName }}}}",
                template.url(&target)
            );
            Ok((target, lines))
        },
    )
    .expect("a template needs no archive")
}

/// The krew manifest's text; `platform` picks the archive that serves a platform from its
/// targets and gives its `uri` and `sha256` lines.
fn krew_document(
    release: &Release,
    header: &str,
    mut platform: impl FnMut(&[&str]) -> Result<(String, String), String>,
) -> Result<String, String> {
    let mut y = String::new();
    let _ = write!(
        y,
        "{header}
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: {KREW_NAME}
spec:
  version: v{version}
  homepage: {repo}
  shortDescription: Fast, cached credentials for DigitalOcean Kubernetes
  description: |
    doks-auth is an exec credential plugin for DigitalOcean Kubernetes (DOKS):
    it writes a cluster's kubeconfig entry and hands kubectl a credential for
    it, from a private cache in about a millisecond. It reads doctl's token
    and contexts, supports clusters with single sign-on, and converts
    kubeconfigs written by doctl.
  caveats: |
    It needs a DigitalOcean API token: DIGITALOCEAN_ACCESS_TOKEN, or doctl's
    config (doctl auth init). Then add a cluster to your kubeconfig with
      kubectl {KREW_NAME} kubeconfig save <cluster>
    The kubeconfig then runs ~/.krew/bin/kubectl-{KREW_NAME}, which krew upgrades
    in place.
  platforms:
",
        version = release.version,
        repo = release.repository,
    );
    for (os, arch, targets) in PLATFORMS {
        let (target, uri_and_sha) = platform(targets)?;
        let folder = release.folder(&target);
        let bin = release.bin(&target);
        let _ = write!(
            y,
            "  - selector:
      matchLabels:
        os: {os}
        arch: {arch}
    {uri_and_sha}
    files:
    - from: {folder}/{bin}
      to: .
    - from: {folder}/LICENSE
      to: .
    bin: {bin}
",
        );
    }
    Ok(y)
}

/// The Homebrew formula (a tap's `Formula/doks-auth.rb`).
pub fn homebrew_formula(
    release: &Release,
    archives: &[Archive],
    complete: bool,
) -> Result<String, String> {
    let mut blocks = String::new();
    for (os, brew_os) in [("darwin", "macos"), ("linux", "linux")] {
        let _ = writeln!(blocks, "  on_{brew_os} do");
        for (arch, brew_arch) in [("arm64", "arm"), ("amd64", "intel")] {
            let (_, _, targets) = PLATFORMS
                .iter()
                .find(|(o, a, _)| *o == os && *a == arch)
                .expect("every os and arch has a platform");
            let e = entry(targets, archives, complete)?;
            let _ = write!(
                blocks,
                "    on_{brew_arch} do\n      url \"{}\"\n      sha256 \"{}\"\n    end\n",
                release.url(&e.target),
                e.sha256
            );
        }
        let _ = writeln!(blocks, "  end");
    }
    let class: String = release
        .name
        .split('-')
        .map(|w| w[..1].to_uppercase() + &w[1..])
        .collect();
    let desc = "Cached kubectl credentials for DigitalOcean Kubernetes";
    Ok(format!(
        "# Generated by examples/dist_manifests.rs from the release archives; do not edit.
class {class} < Formula
  desc \"{desc}\"
  homepage \"{repo}\"
  version \"{version}\"
  license \"{license}\"

{blocks}
  def install
    bin.install \"{name}\"
    bash_completion.install \"completions/{name}.bash\" => \"{name}\"
    zsh_completion.install \"completions/_{name}\"
    fish_completion.install \"completions/{name}.fish\"
  end

  test do
    assert_match version.to_s, shell_output(\"#{{bin}}/{name} --version\")
  end
end
",
        repo = release.repository,
        version = release.version,
        license = release.license,
        name = release.name,
    ))
}

/// Writes `SHA256SUMS`, `doks.yaml` (krew) and `doks-auth.rb` (Homebrew) into `dir`.
pub fn write_all(dir: &Path, release: &Release, complete: bool) -> Result<Vec<Archive>, String> {
    let archives = read_archives(dir, release)?;
    if archives.is_empty() {
        return Err(format!(
            "no {} archives in {}",
            release.version,
            dir.display()
        ));
    }
    let files = [
        ("SHA256SUMS".to_string(), sha256sums(&archives)),
        (
            format!("{KREW_NAME}.yaml"),
            krew_manifest(release, &archives, complete)?,
        ),
        (
            format!("{}.rb", release.name),
            homebrew_formula(release, &archives, complete)?,
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(&name), text).map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    Ok(archives)
}

#[allow(dead_code)] // tests/dist.rs includes this file for its functions only
fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--krew-template") {
        print!("{}", krew_template(&Release::of_this_crate()));
        return std::process::ExitCode::SUCCESS;
    }
    let complete = args.iter().any(|a| a == "--complete");
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: dist_manifests DIST_DIR [--complete] | dist_manifests --krew-template");
        return std::process::ExitCode::from(2);
    };
    match write_all(Path::new(dir), &Release::of_this_crate(), complete) {
        Ok(archives) => {
            for a in archives {
                println!("{}  {}", a.sha256, a.file_name);
            }
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("dist_manifests: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
