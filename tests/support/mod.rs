//! Real protocol peers for the integration tests and the demo (`examples/demo.rs`), written once:
//! - [`DoApi`]: a DigitalOcean API stand-in (wiremock on loopback), optionally behind a [`TlsFront`];
//! - [`KubeApi`]: a Kubernetes API stand-in over TLS that accepts only the issued token or only
//!   the issued client certificate;
//! - [`Pki`]: a throwaway CA with server and client certificates;
//! - [`TestEnv`]: a temporary HOME and a `doks-auth` command that sees nothing of the caller's
//!   environment.
#![allow(dead_code)] // each user of this module needs a different part of it

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod do_api;
mod kube_api;
// The OpenID provider is node's, run as on Unix only (the SSO tests are Unix-only).
#[cfg(unix)]
mod oidc;
mod pki;
mod reach;
mod setup;

// Each user of this module needs a different part of it.
#[cfg(unix)]
#[allow(unused_imports)]
pub use oidc::*;
#[allow(unused_imports)]
pub use {do_api::*, kube_api::*, pki::*, reach::*, setup::*};

/// One runtime, shared by every stand-in, running on its own threads while the test thread
/// waits on real `doks-auth` and `kubectl` processes.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

pub const CLUSTER_ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";
pub const OTHER_CLUSTER_ID: &str = "7c0ad6a5-31b5-4c29-9a2e-0d2bfbd0c1a7";
pub const DO_TOKEN: &str = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
pub const K8S_TOKEN: &str = "k8s-token-5f3c1a9e7b2d4c6f8a0b1c2d3e4f5a6b7c8d9e0f";

/// Whether `kubectl` runs from PATH (on Windows, from [`TestEnv::command`]'s PATH).
/// Asked once a run: under Wine each start of `kubectl.exe` costs most of a second.
pub fn kubectl_on_path() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        kubectl()
            .args(["version", "--client"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// On Windows, kubectl is the real Windows `kubectl.exe` as `tests/windows_kubectl.rs` finds it:
/// `DOKS_KUBECTL_WINDOWS` (CI sets it to `cross kubectl-windows`), else `kubectl.exe` on PATH. Its
/// folder goes first on the PATH the tests' commands get, so `kubectl` names it there too.
#[cfg(windows)]
pub fn windows_path() -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let Some(kubectl) = std::env::var_os("DOKS_KUBECTL_WINDOWS") else {
        return path;
    };
    let dir = Path::new(&kubectl)
        .parent()
        .expect("DOKS_KUBECTL_WINDOWS names a file");
    std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&path)))
        .expect("PATH")
}

/// The real path of a file as doks-auth writes and shows it: on Windows without the verbatim
/// prefix (`\\?\`) `std::fs::canonicalize` gives it.
pub fn canonical(path: &Path) -> PathBuf {
    let real = std::fs::canonicalize(path).unwrap();
    #[cfg(windows)]
    if let Some(usual) = real.to_str().and_then(|r| r.strip_prefix(r"\\?\")) {
        return PathBuf::from(usual);
    }
    real
}

/// `kubectl` outside a [`TestEnv`]: from PATH (on Windows, the Windows `kubectl.exe`).
pub fn kubectl() -> Command {
    kubectl_command("kubectl")
}

/// One of [`kubectls`] outside a [`TestEnv`], found as there.
pub fn kubectl_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    #[cfg(windows)]
    {
        let mut cmd = Command::new(program);
        cmd.env("PATH", windows_path());
        cmd
    }
    #[cfg(not(windows))]
    Command::new(program)
}

/// Gives `path` a Unix mode. Windows has no modes (doks-auth's files are private by their ACL and
/// it checks no mode there): nothing.
pub fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// A file's Unix mode bits (Unix only: tests of modes are Unix's).
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Whether `out`, a script run by `unshare` that exits 97 when it cannot set its namespace up,
/// found no namespaces here: said on stderr for a developer; under CI a failure.
pub fn no_namespaces(out: &Outcome) -> bool {
    let none = out.code == Some(97) || out.stderr.contains("unshare:");
    if none {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to make namespaces: {}",
            out.stderr
        );
        eprintln!("skipped: no namespaces here: {}", out.stderr);
    }
    none
}

/// kubectl is part of the test bed; CI fails without it, a developer is told loudly.
pub fn kubectl_available() -> bool {
    let found = kubectl_on_path();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is not on PATH: CI must run the end-to-end tests"
        );
        eprintln!(
            "\n\n!!!!! kubectl is not on PATH: the end-to-end tests did NOT run. Install kubectl. !!!!!\n\n"
        );
    }
    found
}

/// Every kubectl to test client behaviour against: `kubectl` from PATH (on these machines the
/// Google Cloud SDK's dispatcher, which runs the plugin and then execs a versioned kubectl in the
/// same pid) and the plain `kubectl.1.NN` binaries found beside it, which run it once, as the
/// kubectl users install does. Plain binaries missing: CI fails, a developer is told loudly.
/// On Windows: the one Windows `kubectl.exe` (see [`windows_path`]).
pub fn kubectls() -> Vec<PathBuf> {
    if !kubectl_available() {
        return Vec::new();
    }
    if cfg!(windows) {
        return vec![PathBuf::from("kubectl")];
    }
    let mut found = vec![PathBuf::from("kubectl")];
    let dispatcher = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("kubectl"))
        .find(|path| path.is_file())
        .and_then(|path| std::fs::canonicalize(path).ok());
    let mut plain: Vec<PathBuf> = dispatcher
        .as_deref()
        .and_then(Path::parent)
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kubectl.1."))
        })
        .collect();
    plain.sort_by_key(|path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        name.rsplit('.')
            .next()
            .and_then(|minor| minor.parse::<u32>().ok())
    });
    if plain.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no plain kubectl.1.NN beside the kubectl on PATH: CI must test them"
        );
        eprintln!(
            "\n\n!!!!! no plain kubectl.1.NN binaries beside kubectl: only the dispatcher was tested !!!!!\n\n"
        );
    }
    found.extend(plain);
    found
}

/// The `doks-auth` binary under test: cargo's, or the one `DOKS_AUTH_BIN` names (CI runs the
/// suite again against the static musl build, the Linux binary users install).
pub fn doks_auth_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("DOKS_AUTH_BIN").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    if let Some(path) = option_env!("CARGO_BIN_EXE_doks-auth") {
        // Built on Linux for Wine, the path is a Linux one (`/work/…/doks-auth.exe`), which a
        // Windows program reads as on its current drive: its Windows form (`Z:\work\…`), as a
        // Windows build would have it.
        #[cfg(windows)]
        return canonical(Path::new(path));
        #[cfg(not(windows))]
        return PathBuf::from(path);
    }
    // Examples are not given CARGO_BIN_EXE_*: the binary sits one folder up from them.
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("doks-auth"))
        .expect("target folder")
}

// ---------------------------------------------------------------------------------------------
// The process under test

/// A temporary HOME, and commands that see only it, PATH, and what each test adds.
pub struct TestEnv {
    pub home: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            home: tempfile::tempdir().unwrap(),
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Where the cache lives by default in this HOME.
    pub fn cache_dir(&self) -> PathBuf {
        self.home().join(".kube").join("cache").join("doks-auth")
    }

    /// Any program, with an environment of PATH and HOME only, so nothing of the developer's
    /// own setup (tokens, proxies, kubeconfig, doctl config) leaks into a test.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .current_dir(self.home());
        // Windows programs need their system's folder: Go's networking (kubectl.exe) fails
        // without SYSTEMROOT. kubectl is the Windows one (see `windows_path`).
        #[cfg(windows)]
        {
            for name in ["SYSTEMROOT", "WINDIR"] {
                if let Some(value) = std::env::var_os(name) {
                    cmd.env(name, value);
                }
            }
            cmd.env("PATH", windows_path());
            // doctl keeps its config in %APPDATA% on Windows (Go's os.UserConfigDir): the folder
            // the tests give it on Linux, `~/.config`.
            cmd.env("APPDATA", self.home().join(".config"));
        }
        cmd
    }

    pub fn doks_auth(&self) -> Command {
        self.command(doks_auth_bin())
    }

    /// `doks-auth get-credential` for `cluster` against `api`, with the token in the environment.
    pub fn get_credential(&self, api: &str, cluster: &str) -> Command {
        let mut cmd = self.doks_auth();
        cmd.args(["get-credential", "--cluster-id", cluster, "--api-url", api])
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
        cmd
    }

    /// A `get-credential` started in the background against a stand-in that answers
    /// [`CLUSTER_ID`]'s credentials only after `delay`, returned once its request has arrived:
    /// from then on it holds the entry's lock and the DigitalOcean token is in its memory.
    pub fn refresh_in_progress(&self, api: &DoApi, delay: Duration) -> std::process::Child {
        api.serve_token_after(CLUSTER_ID, K8S_TOKEN, chrono::Duration::hours(3), delay);
        let child = self
            .get_credential(&api.url(), CLUSTER_ID)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        wait_until("the refresh's request", Duration::from_secs(10), || {
            api.credential_requests(CLUSTER_ID) == 1
        });
        child
    }

    /// Every regular file under HOME, for "nothing secret was written anywhere" checks.
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                let kind = entry.file_type().unwrap();
                if kind.is_dir() {
                    walk(&path, out);
                } else if kind.is_file() {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.home(), &mut out);
        out
    }
}

/// The cache entries (`*.json`) in `dir`, sorted; none when it does not exist.
pub fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|listing| {
            listing
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Their file names.
pub fn cache_entry_names(dir: &Path) -> Vec<String> {
    cache_entries(dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

impl TestEnv {
    /// The one entry in the default cache folder; panics unless there is exactly one.
    pub fn only_cache_entry(&self) -> PathBuf {
        let found = cache_entries(&self.cache_dir());
        assert_eq!(found.len(), 1, "expected one cache entry: {found:?}");
        found[0].clone()
    }
}

/// What a finished process said.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {:?}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// The ExecCredential's `status.expirationTimestamp`.
    pub fn expiration(&self) -> DateTime<Utc> {
        let json = self.json();
        let raw = json["status"]["expirationTimestamp"].as_str();
        raw.and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("no expirationTimestamp: {}", self.stdout))
    }
}

pub fn run(cmd: &mut Command) -> Outcome {
    // A binary copied by a test (the no-home test runs a copy) is busy while another test
    // thread's fork still holds the copy's write descriptor, until that child execs: wait it out.
    // Under Wine, CreateProcess now and then fails with ERROR_INTERNAL_ERROR (1359) while many
    // test threads start programs at once (seen once in a full run): try again.
    let transient = |err: &std::io::Error| {
        err.kind() == std::io::ErrorKind::ExecutableFileBusy
            || (cfg!(windows) && err.raw_os_error() == Some(1359))
    };
    let mut tries = 0;
    let output = loop {
        match cmd.output() {
            Err(err) if transient(&err) && tries < 100 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            other => break other.expect("spawn"),
        }
    };
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the command and insists it succeeded silently.
pub fn run_ok(cmd: &mut Command) -> Outcome {
    let out = run(cmd);
    assert_eq!(
        out.code,
        Some(0),
        "failed: {cmd:?}\nstdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
    out
}

/// A free loopback port: for a callback the OpenID provider has registered, or where nothing
/// listens.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits for a condition that other threads or processes make true.
pub fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A kubeconfig whose user runs doks-auth through an exec stanza, for real kubectl.
pub fn exec_kubeconfig(
    server: &str,
    ca_base64: &str,
    exec_api_version: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> String {
    let interactive = if exec_api_version.ends_with("/v1") {
        "\n        interactiveMode: Never"
    } else {
        ""
    };
    let args: String = args.iter().map(|a| format!("\n        - {a:?}")).collect();
    let env: String = if env.is_empty() {
        String::new()
    } else {
        let items: String = env
            .iter()
            .map(|(k, v)| format!("\n          - name: {k}\n            value: {v:?}"))
            .collect();
        format!("\n        env:{items}")
    };
    format!(
        "apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: {server}
      certificate-authority-data: {ca_base64}
users:
  - name: test
    user:
      exec:
        apiVersion: {exec_api_version}
        command: {bin:?}
        provideClusterInfo: true
        args:{args}{env}{interactive}
contexts:
  - name: test
    context:
      cluster: test
      user: test
current-context: test
",
        bin = doks_auth_bin().display().to_string(),
    )
}

/// Every line doks-auth prints on stderr says it is doks-auth's.
pub fn assert_every_line_is_ours(stderr: &str) {
    for line in stderr.lines() {
        assert!(
            line.starts_with("doks-auth: "),
            "a line without the prefix: {line:?}\n{stderr}"
        );
    }
}

/// A cache entry without what it remembers of a failed refresh: what must survive one.
pub fn entry_credential(path: &Path) -> Value {
    let mut entry: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    entry.as_object_mut().unwrap().remove("refresh_failed");
    // Instants compared as instants: an entry written back may spell the same one with fewer
    // digits (`.271562Z` for `.271562000Z`), as chrono does when the nanoseconds end in zeros,
    // which Windows' 100 ns clock makes common.
    for field in ["fetched_at", "expires_at"] {
        if let Some(at) = entry[field]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        {
            entry[field] = at
                .to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
                .into();
        }
    }
    entry
}
