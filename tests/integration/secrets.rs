//! Secrets never leak: every scenario of the other tests, again with `-v`, and a look at every
//! file left behind.

use chrono::{Duration, Utc};
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::support::*;

#[test]
fn no_scenario_puts_a_secret_on_stderr_or_outside_the_cache() {
    let pki = Pki::new();
    let key_body: String = pki.client_key_pem.lines().nth(1).unwrap().to_string();
    let cert_body: String = pki.client_cert_pem.lines().nth(1).unwrap().to_string();
    let expires = (Utc::now() + Duration::hours(2)).to_rfc3339();
    let b64 = |s: &str| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, s);
    let token_answer = json!({"token": K8S_TOKEN, "expires_at": expires});
    let cert_answer = json!({"client_certificate_data": b64(&pki.client_cert_pem), "client_key_data": b64(&pki.client_key_pem), "expires_at": expires});

    let scenarios: Vec<(&str, ResponseTemplate, &[&str])> = vec![
        ("token", ResponseTemplate::new(200).set_body_json(&token_answer), &[]),
        ("token again (cache hit)", ResponseTemplate::new(200).set_body_json(&token_answer), &[]),
        ("no cache", ResponseTemplate::new(200).set_body_json(&token_answer), &["--no-cache"]),
        ("certificate", ResponseTemplate::new(200).set_body_json(&cert_answer), &["--cache-dir", "cert-cache"]),
        ("401", ResponseTemplate::new(401).set_body_json(json!({"id": "unauthorized", "message": "Unable to authenticate you"})), &["--no-cache"]),
        ("403", ResponseTemplate::new(403), &["--no-cache"]),
        ("404", ResponseTemplate::new(404), &["--no-cache"]),
        ("429", ResponseTemplate::new(429).insert_header("retry-after", "3600"), &["--no-cache"]),
        ("500", ResponseTemplate::new(500), &["--no-cache"]),
        ("501", ResponseTemplate::new(501), &["--no-cache"]),
        ("html", ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"), &["--no-cache"]),
        ("truncated JSON holding the token", ResponseTemplate::new(200).set_body_raw(format!("{{\"token\": \"{K8S_TOKEN}\", \"exp"), "application/json"), &["--no-cache"]),
        ("token of the wrong type", ResponseTemplate::new(200).set_body_json(json!({"token": [K8S_TOKEN], "expires_at": expires})), &["--no-cache"]),
        ("bad base64 key", ResponseTemplate::new(200).set_body_json(json!({"client_certificate_data": b64(&pki.client_cert_pem), "client_key_data": format!("!{}", pki.client_key_pem), "expires_at": expires})), &["--no-cache"]),
        ("certificate without key", ResponseTemplate::new(200).set_body_json(json!({"client_certificate_data": b64(&pki.client_cert_pem), "expires_at": expires})), &["--no-cache"]),
        ("bad expires_at", ResponseTemplate::new(200).set_body_json(json!({"token": K8S_TOKEN, "expires_at": K8S_TOKEN})), &["--no-cache"]),
        ("redirect", ResponseTemplate::new(307).insert_header("location", "http://127.0.0.1:9/steal"), &["--no-cache"]),
        ("slow", ResponseTemplate::new(200).set_body_json(&token_answer).set_delay(std::time::Duration::from_secs(5)), &["--no-cache", "--timeout", "1"]),
    ];

    let env = TestEnv::new();
    let mut stderr_all = String::new();
    // One stand-in for all: the API URL is part of the cache key, so the second scenario is a hit.
    let api = DoApi::start();
    for (name, response, args) in scenarios {
        api.reset();
        api.serve_credentials(CLUSTER_ID, response);
        let out = run(env
            .get_credential(&api.url(), CLUSTER_ID)
            .arg("-v")
            .args(args));
        assert!(
            out.stderr.contains("doks-auth: debug:"),
            "{name}: -v logged nothing"
        );
        for secret in [DO_TOKEN, K8S_TOKEN, key_body.as_str(), cert_body.as_str()] {
            assert!(
                !out.stderr.contains(secret),
                "{name}: a secret reached stderr:\n{}",
                out.stderr
            );
        }
        stderr_all.push_str(&out.stderr);
    }
    // The token given as an argument is no safer on stderr.
    api.reset();
    api.serve_credentials(CLUSTER_ID, ResponseTemplate::new(401));
    let out = run(env.doks_auth().args([
        "get-credential",
        "-v",
        "--no-cache",
        "-c",
        CLUSTER_ID,
        "-u",
        &api.url(),
        "--access-token",
        DO_TOKEN,
    ]));
    assert!(!out.stderr.contains(DO_TOKEN), "{}", out.stderr);
    assert!(
        stderr_all.contains("cache hit") && stderr_all.contains("-> 401"),
        "the scenarios did not run as intended:\n{stderr_all}"
    );

    let cache_dirs = [env.cache_dir(), env.home().join("cert-cache")];
    for file in env.files() {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains(DO_TOKEN),
            "the DigitalOcean token was written to {}",
            file.display()
        );
        if !cache_dirs.iter().any(|dir| file.starts_with(dir)) {
            for secret in [K8S_TOKEN, key_body.as_str()] {
                assert!(
                    !text.contains(secret),
                    "a credential was written outside the cache: {}",
                    file.display()
                );
            }
        }
    }
}
