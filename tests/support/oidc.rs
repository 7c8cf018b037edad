//! A real OpenID provider that this project did not write: panva's oidc-provider (OpenID
//! Certified), run by node over HTTPS with the tests' CA, and a scripted browser that logs in as a
//! person would (both in tests/sso/; `.ci/run` installs them).

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use super::*;

pub const CLIENT_ID: &str = "doks-test";

/// A DER certificate or key as PEM, for node.
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A running provider, its issuer URL, and a world (HOME, CA file) for doks-auth and the browser.
pub struct Op {
    child: Child,
    pub issuer: String,
    pub port: u16,
    pub env: TestEnv,
    pub ca: PathBuf,
    pub browser_log: PathBuf,
}

impl Drop for Op {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Op {
    /// `config` adds to the provider's OP_CONFIG (idTokenTtl, refresh, deviceFlow).
    pub fn start(config: Value) -> Op {
        Op::start_script("provider.mjs", config)
    }

    pub fn start_script(script: &str, mut config: Value) -> Op {
        provider_installed();
        let env = TestEnv::new();
        let pki = Pki::new();
        let ca = pki.write_ca(env.home());
        let (cert, key) = (env.home().join("op.crt"), env.home().join("op.key"));
        std::fs::write(&cert, pem("CERTIFICATE", &pki.server_cert_der)).unwrap();
        std::fs::write(&key, pem("PRIVATE KEY", &pki.server_key_der)).unwrap();
        let port = free_port();
        config["cert"] = cert.to_str().unwrap().into();
        config["key"] = key.to_str().unwrap().into();
        config["redirectUris"] = serde_json::json!([format!("http://localhost:{port}/callback")]);
        // Seen once in many runs under heavy load: node listening but never getting as far as
        // printing its issuer. A provider that has not started in 30 s is replaced, so a test
        // fails or passes instead of hanging CI.
        let (child, issuer) = (0..3)
            .find_map(|_| start_node(script, &config))
            .expect("the test OpenID provider did not start three times in a row");
        let browser_log = env.home().join("browser.log");
        Op {
            child,
            issuer,
            port,
            env,
            ca,
            browser_log,
        }
    }

    /// `get-credential` in SSO mode, with the scripted browser (`mode`: login, deny, forge).
    pub fn get_credential(&self, mode: &str) -> Command {
        let browser = format!("node {}", sso_dir().join("browser.mjs").display());
        self.get_credential_with(mode, Some(&browser))
    }

    /// As [`get_credential`](Self::get_credential) with another `--browser-command`, or none.
    pub fn get_credential_with(&self, mode: &str, browser: Option<&str>) -> Command {
        let mut cmd = self.env.doks_auth();
        cmd.args(["get-credential", "--cluster-id", CLUSTER_ID])
            .args([
                "--sso-issuer-url",
                &self.issuer,
                "--sso-client-id",
                CLIENT_ID,
            ])
            .args(["--sso-local-server-port", &self.port.to_string()])
            .env("SSL_CERT_FILE", &self.ca)
            .env("NODE_EXTRA_CA_CERTS", &self.ca)
            .env("BOT_LOG", &self.browser_log)
            .env("BOT_MODE", mode)
            .stdin(Stdio::null());
        if let Some(browser) = browser {
            cmd.args(["--browser-command", browser]);
        }
        cmd
    }

    /// `doks-auth login` for this provider's cluster, spelled out, with the scripted browser.
    pub fn login(&self, mode: &str) -> Command {
        let browser = format!("node {}", sso_dir().join("browser.mjs").display());
        let mut cmd = self.doks_auth();
        cmd.args(["login", "--cluster-id", CLUSTER_ID])
            .args([
                "--sso-issuer-url",
                &self.issuer,
                "--sso-client-id",
                CLIENT_ID,
            ])
            .args(["--sso-local-server-port", &self.port.to_string()])
            .args(["--browser-command", &browser])
            .env("BOT_MODE", mode);
        cmd
    }

    /// Any doks-auth command in this world: it trusts the provider's CA, and a browser it
    /// starts logs its start.
    pub fn doks_auth(&self) -> Command {
        let mut cmd = self.env.doks_auth();
        cmd.env("SSL_CERT_FILE", &self.ca)
            .env("NODE_EXTRA_CA_CERTS", &self.ca)
            .env("BOT_LOG", &self.browser_log)
            .stdin(Stdio::null());
        cmd
    }

    /// A person's browser on another machine: logs in at `url` and stops at the callback
    /// address, which it returns (what the person copies).
    pub fn browse_to_callback(&self, url: &str) -> String {
        let file = self.env.home().join("callback-address");
        run_ok(
            Command::new("node")
                .arg(sso_dir().join("browser.mjs"))
                .arg(url)
                .env("NODE_EXTRA_CA_CERTS", &self.ca)
                .env("BOT_MODE", "stop")
                .env("BOT_CALLBACK", &file),
        );
        std::fs::read_to_string(&file).expect("the browser reached the callback address")
    }

    /// A refresh-token grant sent straight to the provider, as any client could: its status and
    /// answer.
    pub fn refresh_at_provider(&self, refresh_token: &str) -> (u16, Value) {
        let out = run_ok(
            Command::new("curl")
                .args(["-sS", "--cacert"])
                .arg(&self.ca)
                .args(["-w", "\n%{http_code}", "--data-urlencode"])
                .arg(format!("refresh_token={refresh_token}"))
                .args(["-d", "grant_type=refresh_token", "-d"])
                .arg(format!("client_id={CLIENT_ID}"))
                .arg(format!("{}/token", self.issuer)),
        );
        let (body, status) = out.stdout.trim_end().rsplit_once('\n').unwrap();
        (status.parse().unwrap(), serde_json::from_str(body).unwrap())
    }

    /// Stops the provider: it is unreachable from then on.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// How many times a browser was started.
    pub fn browsers(&self) -> usize {
        std::fs::read_to_string(&self.browser_log)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    /// Token requests the provider answered, by "<grant_type> <status>".
    pub fn token_requests(&self, key: &str) -> u64 {
        let out = run_ok(
            Command::new("curl")
                .args(["-sS", "--cacert"])
                .arg(&self.ca)
                .arg(format!("{}/test/stats", self.issuer)),
        );
        let stats: Value = serde_json::from_str(&out.stdout).unwrap();
        stats[key].as_u64().unwrap_or(0)
    }

    pub fn entry(&self) -> Value {
        let path = self.env.only_cache_entry();
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }
}

/// `KUBERNETES_EXEC_INFO` as kubectl sets it: `interactive` is false when kubectl has no
/// terminal (Lens, IDE plugins, prompt helpers).
pub fn exec_info(interactive: bool) -> String {
    serde_json::json!({
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "spec": {"interactive": interactive},
    })
    .to_string()
}

pub fn id_token(out: &Outcome) -> String {
    out.json()["status"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", out.stdout))
        .to_string()
}

/// The ID token's claims, read without checking (kubectl's API server stand-in checks).
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Starts `script` on node and waits (30 s at most) for its "issuer <url>" line.
fn start_node(script: &str, config: &Value) -> Option<(Child, String)> {
    let mut child = Command::new("node")
        .arg(sso_dir().join(script))
        .env("OP_CONFIG", config.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs the test OpenID provider");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let _ = sender.send(line);
        // Drained to the end: a closed pipe would kill the provider at its next line.
        std::io::copy(&mut stdout, &mut std::io::sink())
    });
    match receiver.recv_timeout(Duration::from_secs(30)) {
        Ok(line) => {
            let issuer = line
                .strip_prefix("issuer ")
                .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
                .trim()
                .to_string();
            Some((child, issuer))
        }
        Err(_) => {
            eprintln!("the test OpenID provider did not start in 30 s; starting another");
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    }
}
