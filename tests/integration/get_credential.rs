//! The happy paths of `get-credential`: what it prints, what it asks DigitalOcean, and versions.

use chrono::{Duration, Utc};
use wiremock::ResponseTemplate;

use crate::support::*;

#[test]
fn token_cluster_prints_a_v1beta1_exec_credential_and_nothing_else() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let expires_at = Utc::now() + Duration::hours(3);
    api.serve_credentials(
        CLUSTER_ID,
        ResponseTemplate::new(200).set_body_json(credentials_json(
            "https://k",
            "",
            Some(K8S_TOKEN),
            None,
            expires_at,
        )),
    );

    let out = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));

    assert_eq!(out.stderr, "", "stderr must stay silent on success");
    assert!(
        out.stdout.ends_with("}\n") && out.stdout.matches('\n').count() == 1,
        "one compact line: {:?}",
        out.stdout
    );
    let doc = out.json();
    assert_eq!(doc["kind"], "ExecCredential");
    assert_eq!(doc["apiVersion"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(doc["spec"]["interactive"], false);
    assert_eq!(doc["status"]["token"], K8S_TOKEN);
    assert!(doc["status"].get("clientCertificateData").is_none());
    // Reported expiry = real expiry minus the 300 s refresh margin, to the second.
    let reported = out.expiration();
    let wanted = expires_at - Duration::seconds(300);
    assert!(
        (reported - wanted).num_seconds().abs() <= 1,
        "{reported} vs {wanted}"
    );

    let requests = api.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.url.query(), Some("expiry_seconds=10800"));
    assert_eq!(
        request.headers["authorization"],
        format!("Bearer {DO_TOKEN}").as_str()
    );
    let agent = request.headers["user-agent"].to_str().unwrap();
    assert!(agent.starts_with("doks-auth/"), "{agent}");
}

#[test]
fn second_call_is_served_from_the_cache() {
    let (env, api) = serving_a_token();
    let first = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let second = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(second.stderr, "");
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn certificate_cluster_gets_pem_client_certificate_and_key() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let pki = Pki::new();
    let body = credentials_json(
        "https://k",
        &pki.ca_base64(),
        None,
        Some((&pki.client_cert_pem, &pki.client_key_pem)),
        Utc::now() + Duration::hours(1),
    );
    api.serve_credentials(CLUSTER_ID, ResponseTemplate::new(200).set_body_json(body));

    let out = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let status = &out.json()["status"];
    assert_eq!(
        status["clientCertificateData"],
        pki.client_cert_pem.as_str()
    );
    assert_eq!(status["clientKeyData"], pki.client_key_pem.as_str());
    assert!(status.get("token").is_none());
    // And again from the cache, byte for byte.
    assert_eq!(
        run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID)).stdout,
        out.stdout
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn answers_in_the_version_kubectl_asks_for() {
    let (env, api) = serving_a_token();
    let exec_info = |v: &str| {
        format!(
            r#"{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/{v}","spec":{{"interactive":false}}}}"#
        )
    };
    let version = |cmd: &mut std::process::Command| {
        run_ok(cmd).json()["apiVersion"]
            .as_str()
            .unwrap()
            .to_string()
    };

    assert_eq!(
        version(
            env.get_credential(&api.url(), CLUSTER_ID)
                .args(["--api-version", "v1"])
        ),
        "client.authentication.k8s.io/v1"
    );
    assert_eq!(
        version(
            env.get_credential(&api.url(), CLUSTER_ID)
                .env("KUBERNETES_EXEC_INFO", exec_info("v1"))
        ),
        "client.authentication.k8s.io/v1"
    );
    // KUBERNETES_EXEC_INFO wins over the flag: it is what kubectl will accept.
    assert_eq!(
        version(
            env.get_credential(&api.url(), CLUSTER_ID)
                .args(["--api-version", "v1"])
                .env("KUBERNETES_EXEC_INFO", exec_info("v1beta1"))
        ),
        "client.authentication.k8s.io/v1beta1"
    );
}

#[test]
fn unsupported_or_malformed_exec_info_is_a_clear_error() {
    let (env, api) = serving_a_token();
    for info in [
        r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
        "{not json",
    ] {
        let out = run(env
            .get_credential(&api.url(), CLUSTER_ID)
            .env("KUBERNETES_EXEC_INFO", info));
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert_eq!(out.stdout, "");
        assert!(
            out.stderr.contains("KUBERNETES_EXEC_INFO"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("client.authentication.k8s.io/v1beta1"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    assert_eq!(api.requests().len(), 0);
}

#[test]
fn expiry_seconds_is_passed_on() {
    let (env, api) = serving_a_token();
    run_ok(env.get_credential(&api.url(), CLUSTER_ID).args([
        "--expiry-seconds",
        "0",
        "--no-cache",
    ]));
    run_ok(env.get_credential(&api.url(), CLUSTER_ID).args([
        "--expiry-seconds",
        "600",
        "--no-cache",
    ]));
    let queries: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.url.query().unwrap_or("").to_string())
        .collect();
    assert_eq!(queries, ["expiry_seconds=0", "expiry_seconds=600"]);
}

#[test]
fn hostile_cluster_ids_are_usage_errors_with_no_request_and_no_file() {
    let (env, api) = serving_a_token();
    for id in [
        "../x",
        "a/b",
        "x?y=1",
        "%2e%2e",
        "a b",
        "",
        "..",
        "a#b",
        "/etc/passwd",
    ] {
        let out = run(&mut env.get_credential(&api.url(), id));
        assert_eq!(out.code, Some(2), "{id:?}: {}", out.stderr);
        assert_eq!(out.stdout, "");
        assert!(
            out.stderr.contains("invalid cluster id"),
            "{id:?}: {}",
            out.stderr
        );
    }
    assert_eq!(api.requests().len(), 0);
    assert!(env.files().is_empty(), "{:?}", env.files());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "asks git, a Linux program here, for the commit: Wine runs no git.exe"
)]
fn help_and_version_work() {
    let env = TestEnv::new();
    let out = run_ok(env.doks_auth().args(["get-credential", "--help"]));
    for flag in [
        "--cluster-id",
        "--api-version",
        "--expiry-seconds",
        "--refresh-margin",
        "--cache-dir",
        "--no-cache",
        "--context",
        "--access-token",
        "--api-url",
        "--timeout",
        "--verbose",
    ] {
        assert!(out.stdout.contains(flag), "{flag} missing from help");
    }
    // The release, the commit this checkout is at, and the target the binary was built for.
    let out = run_ok(env.doks_auth().arg("--version"));
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap();
    // Built from uncommitted changes to what is compiled in, it says so (build.rs).
    let changes = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no", "--"])
        .args(["src", "build.rs", "Cargo.toml", "Cargo.lock"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let dirty = if changes.stdout.is_empty() {
        ""
    } else {
        "-dirty"
    };
    // build.rs hands this test the same target it hands the binary; another binary under test
    // (`DOKS_AUTH_BIN`) comes with its own (`DOKS_AUTH_BIN_TARGET`).
    let target = match std::env::var_os("DOKS_AUTH_BIN") {
        Some(_) => std::env::var("DOKS_AUTH_BIN_TARGET")
            .expect("DOKS_AUTH_BIN_TARGET: the target DOKS_AUTH_BIN was built for"),
        None => env!("DOKS_AUTH_TARGET").to_string(),
    };
    assert!(target.starts_with(std::env::consts::ARCH), "{target}");
    assert_eq!(
        out.stdout.trim(),
        format!(
            "doks-auth {} (commit {}{dirty}, {target})",
            env!("CARGO_PKG_VERSION"),
            head.trim()
        )
    );
}

#[test]
fn proxies_from_the_environment_are_honoured() {
    let env = TestEnv::new();
    let proxy = DoApi::start();
    proxy.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    // A loopback port nothing listens on: only the proxy can answer (no name is resolved, no
    // packet leaves the machine).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = format!("http://127.0.0.1:{port}");
    let out = run_ok(
        env.get_credential(&api, CLUSTER_ID)
            .arg("--no-cache")
            .env("HTTP_PROXY", proxy.url()),
    );
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].headers["host"], format!("127.0.0.1:{port}"));

    // NO_PROXY sends it direct, where nothing listens.
    let out = run(env
        .get_credential(&api, CLUSTER_ID)
        .args(["--no-cache", "--timeout", "5"])
        .env("HTTP_PROXY", proxy.url())
        .env("NO_PROXY", "127.0.0.1"));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("cannot reach"), "{}", out.stderr);
    assert_eq!(proxy.requests().len(), 1);
}

#[test]
fn out_of_range_numbers_are_usage_errors() {
    let env = TestEnv::new();
    let api = DoApi::start();
    for (flag, value) in [
        ("--refresh-margin", "9223372036854775807"),
        ("--refresh-margin", "-1"),
        ("--timeout", "0"),
        ("--expiry-seconds", "soon"),
    ] {
        let arg = format!("{flag}={value}");
        let out = run(env.get_credential(&api.url(), CLUSTER_ID).arg(&arg));
        assert_eq!(out.code, Some(2), "{arg}: {}", out.stderr);
        assert_eq!(out.stdout, "");
        assert!(out.stderr.contains(flag), "{arg}: {}", out.stderr);
    }
    assert!(api.requests().is_empty());
}

#[test]
fn plain_http_is_refused_unless_the_api_is_on_this_machine() {
    let (env, api) = serving_a_token();
    for url in [
        "http://api.digitalocean.com",
        "http://10.1.2.3:8080",
        "http://[::2]",
    ] {
        let out = run(&mut env.get_credential(url, CLUSTER_ID));
        assert_eq!(out.code, Some(2), "{url}: {}", out.stderr);
        assert!(out.stderr.contains("unencrypted"), "{url}: {}", out.stderr);
    }
    // Loopback is fine (by number here: a test resolves no names); so is DigitalOcean's
    // documented base URL, which ends in /v2.
    let port = api.address().port();
    for url in [
        format!("http://127.0.0.1:{port}"),
        format!("{}/v2/", api.url()),
    ] {
        let out = run_ok(env.get_credential(&url, CLUSTER_ID).arg("--no-cache"));
        assert_eq!(out.json()["status"]["token"], K8S_TOKEN, "{url}");
    }
    let paths: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert!(
        paths.iter().all(|p| p.starts_with("/v2/kubernetes/")),
        "{paths:?}"
    );
}

/// The command line is read where the process was started with it (src/environ.rs), and
/// whatever the fast reading refuses is clap's, as before: a word that is not Unicode, and a
/// command line longer than that reading takes (64 words, which std then reads; a stanza has at
/// most 34, so these are never a stanza). A stanza is served. (Which words the in-place reading
/// finds is checked against std's in src/environ/tests.rs.)
#[cfg(unix)]
#[test]
fn odd_command_lines_are_read_as_clap_reads_them() {
    use std::os::unix::ffi::OsStrExt;
    let (env, api) = serving_a_token();
    let mut odd = env.doks_auth();
    odd.args(["get-credential", "--cluster-id"])
        .arg(std::ffi::OsStr::from_bytes(b"\xff\xfe"))
        .args(["--api-url", &api.url()])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
    let out = run(&mut odd);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("UTF-8"), "{}", out.stderr);
    assert_eq!(out.stdout, "");

    let mut long = env.get_credential(&api.url(), CLUSTER_ID);
    long.args(std::iter::repeat_n("--no-cache", 70));
    let out = run(&mut long);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("--no-cache"), "{}", out.stderr);
    assert_eq!(out.stdout, "");

    let out = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}
