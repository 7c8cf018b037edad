//! Faults below HTTP (a reset mid-body, a server that never answers), a lock held too long, and
//! the fault matrix: which failures hand back a cached credential that is due but valid, and which
//! remove it.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::failures::fails;
use crate::support::*;

/// A bare TCP server on loopback for faults wiremock cannot produce. Each connection gets
/// `behaviour`; the server lives as long as the test process.
pub(crate) fn raw_server(behaviour: fn(std::net::TcpStream)) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || behaviour(stream));
        }
    });
    url
}

fn read_request(stream: &mut std::net::TcpStream) {
    use std::io::Read;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Promises 1000 bytes, sends a few, and resets the connection.
fn reset_mid_body(mut stream: std::net::TcpStream) {
    use std::io::Write;
    read_request(&mut stream);
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"token\": \"k8s-tok");
    let _ = stream.flush();
    // SO_LINGER 0 turns the close into a reset.
    let _ = socket_linger_zero(stream);
}

/// Through tokio, which sets SO_LINGER the same way on Unix and Windows.
fn socket_linger_zero(stream: std::net::TcpStream) -> std::io::Result<()> {
    let _runtime = runtime().enter();
    stream.set_nonblocking(true)?;
    tokio::net::TcpStream::from_std(stream)?.set_zero_linger()
}

/// Reads the request and never answers.
pub(crate) fn never_answers(mut stream: std::net::TcpStream) {
    read_request(&mut stream);
    std::thread::sleep(StdDuration::from_secs(60));
}

#[test]
fn a_connection_reset_mid_body_is_retried_then_reported() {
    let env = TestEnv::new();
    let url = raw_server(reset_mid_body);
    let out = fails(
        &env,
        env.get_credential(&url, CLUSTER_ID)
            .args(["--timeout", "10"]),
    );
    assert!(
        out.stderr.contains("cannot reach the DigitalOcean API"),
        "{}",
        out.stderr
    );
    let verbose = run(env
        .get_credential(&url, CLUSTER_ID)
        .args(["--timeout", "10", "-v"]));
    assert_eq!(
        verbose.stderr.matches("retrying in").count(),
        3,
        "{}",
        verbose.stderr
    );
}

#[test]
fn a_server_that_never_answers_is_cut_off_by_the_timeout() {
    let env = TestEnv::new();
    let url = raw_server(never_answers);
    let started = Instant::now();
    let out = fails(
        &env,
        env.get_credential(&url, CLUSTER_ID)
            .args(["--timeout", "2"]),
    );
    assert!(
        started.elapsed() < StdDuration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        out.stderr
            .contains("no answer from the DigitalOcean API within 2 s"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_lock_held_past_the_timeout_is_a_passing_failure_and_the_cached_credential_is_served() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    let entry = store_due_entry(&env, &api.url());
    // Another process is refreshing and does not finish in time.
    let lock = std::fs::File::create(entry.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    let out = run(env
        .get_credential(&api.url(), CLUSTER_ID)
        .args(["--timeout", "1"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("another doks-auth process"),
        "{}",
        out.stderr
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 0);
}

/// For each fault, with a cached credential that is due for refresh but still valid: passing
/// faults hand it back (one warning, entry untouched), lasting ones fail (entry untouched), and
/// access errors fail and remove it.
#[test]
fn fault_matrix_keeps_or_removes_the_cached_entry() {
    enum Expect {
        ServedStale,
        FailsKeeping,
        FailsRemoving,
    }
    type Raw = fn(std::net::TcpStream);
    let wm = |status: u16| {
        Ok(ResponseTemplate::new(status).set_body_json(json!({"id": "x", "message": "y"})))
    };
    let expires = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let cases: Vec<(&str, Result<ResponseTemplate, Raw>, Expect)> = vec![
        ("401", wm(401), Expect::FailsRemoving),
        ("403", wm(403), Expect::FailsRemoving),
        ("404", wm(404), Expect::FailsRemoving),
        (
            "429 short Retry-After",
            Ok(ResponseTemplate::new(429).insert_header("retry-after", "1")),
            Expect::ServedStale,
        ),
        (
            "429 long Retry-After",
            Ok(ResponseTemplate::new(429).insert_header("retry-after", "600")),
            Expect::ServedStale,
        ),
        ("500", wm(500), Expect::ServedStale),
        ("502", wm(502), Expect::ServedStale),
        ("503", wm(503), Expect::ServedStale),
        ("504", wm(504), Expect::ServedStale),
        ("501", wm(501), Expect::FailsKeeping),
        (
            "HTML",
            Ok(ResponseTemplate::new(200).set_body_raw("<html/>", "text/html")),
            Expect::FailsKeeping,
        ),
        (
            "empty body",
            Ok(ResponseTemplate::new(200)),
            Expect::FailsKeeping,
        ),
        (
            "no credential",
            Ok(ResponseTemplate::new(200).set_body_json(json!({"expires_at": expires}))),
            Expect::FailsKeeping,
        ),
        (
            "huge body",
            Ok(ResponseTemplate::new(200).set_body_raw(vec![b'['; 6 << 20], "application/json")),
            Expect::FailsKeeping,
        ),
        (
            "reset mid-body",
            Err(reset_mid_body as Raw),
            Expect::ServedStale,
        ),
        (
            "never answers",
            Err(never_answers as Raw),
            Expect::ServedStale,
        ),
    ];
    for (name, fault, expect) in cases {
        let env = TestEnv::new();
        let api = DoApi::start();
        let url = match fault {
            Ok(response) => {
                api.serve_credentials(CLUSTER_ID, response);
                api.url()
            }
            Err(behaviour) => raw_server(behaviour),
        };
        let entry = store_due_entry(&env, &url);
        let before = std::fs::read(&entry).unwrap();
        let credential = entry_credential(&entry);
        let out = run(env
            .get_credential(&url, CLUSTER_ID)
            .args(["--timeout", "3"]));
        assert!(
            !out.stderr.contains(DO_TOKEN) && !out.stderr.contains(K8S_TOKEN),
            "{name}: secret on stderr"
        );
        assert_eq!(out.stderr.lines().count(), 1, "{name}: {}", out.stderr);
        match expect {
            Expect::ServedStale => {
                assert_eq!(out.code, Some(0), "{name}: {}", out.stderr);
                assert_eq!(out.json()["status"]["token"], K8S_TOKEN, "{name}");
                assert!(
                    out.stderr.starts_with("doks-auth: warning:"),
                    "{name}: {}",
                    out.stderr
                );
                assert_eq!(
                    entry_credential(&entry),
                    credential,
                    "{name}: entry changed"
                );
            }
            Expect::FailsKeeping => {
                assert_eq!(out.code, Some(1), "{name}");
                assert_eq!(out.stdout, "", "{name}");
                assert_eq!(
                    std::fs::read(&entry).unwrap(),
                    before,
                    "{name}: entry changed"
                );
            }
            Expect::FailsRemoving => {
                assert_eq!(out.code, Some(1), "{name}");
                assert_eq!(out.stdout, "", "{name}");
                assert!(!entry.exists(), "{name}: revoked entry kept");
            }
        }
    }
}

/// Stores, through doks-auth's own cache code, a credential for the test token at `api_url` that
/// is due for refresh (2 minutes left, inside the 5-minute margin) but not expired.
pub(crate) fn store_due_entry(env: &TestEnv, api_url: &str) -> std::path::PathBuf {
    use doks_auth::{
        cache::Cache,
        credential::{ClusterId, Credential},
        digitalocean::Account,
        secret::Secret,
    };
    let account = Account {
        api_url: api_url.to_string(),
        token: Secret::new(DO_TOKEN),
        origin: Default::default(),
        timeout: StdDuration::from_secs(1),
    };
    let cache = Cache::new(
        env.cache_dir(),
        &ClusterId::parse(CLUSTER_ID).unwrap(),
        &account.fingerprint(),
    );
    let now = Utc::now();
    cache
        .store(&Credential {
            token: Some(Secret::new(K8S_TOKEN)),
            client_certificate: None,
            client_key: None,
            expires_at: now + Duration::minutes(2),
            fetched_at: now - Duration::minutes(58),
            sso: None,
        })
        .unwrap();
    cache.path().to_path_buf()
}

/// A resolver that never answers, in a network and mount namespace of the test's own (only
/// loopback; /etc/resolv.conf names a UDP socket there that reads and never replies): no look-up
/// leaves the namespace. `--timeout 2` must end the command in about 2 s, not after glibc's
/// 2 × 5 s of retries, which the runtime's blocking DNS thread would otherwise wait out.
#[test]
#[cfg(unix)]
fn a_resolver_that_never_answers_does_not_outlast_the_timeout() {
    let env = TestEnv::new();
    let resolv = env.home().join("resolv.conf");
    std::fs::write(
        &resolv,
        "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n",
    )
    .unwrap();
    let script = r#"
        ip link set lo up && mount --bind "$RESOLV" /etc/resolv.conf || exit 97
        python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 53)); time.sleep(15)' \
            </dev/null >/dev/null 2>&1 &
        sleep 0.5
        exec "$BIN" get-credential --cluster-id "$ID" --api-url https://api.stuck.test --timeout 2
    "#;
    let started = Instant::now();
    let out = run(env
        .command("unshare")
        .args(["-rmn", "sh", "-c", script])
        .env("RESOLV", &resolv)
        .env("BIN", doks_auth_bin())
        .env("ID", CLUSTER_ID)
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    let took = started.elapsed();
    if no_namespaces(&out) {
        return;
    }
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("2 s"), "{}", out.stderr);
    assert!(took < StdDuration::from_secs(6), "took {took:?}");
}
