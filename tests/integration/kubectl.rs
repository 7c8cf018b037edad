//! End to end: real kubectl runs doks-auth through an exec stanza and reaches a TLS Kubernetes
//! API stand-in that accepts only the credential DigitalOcean (the stand-in) issued.

use chrono::{Duration, Utc};
use wiremock::ResponseTemplate;

use crate::support::*;

fn kubectl_version(env: &TestEnv, kubeconfig: &str) -> Outcome {
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, kubeconfig).unwrap();
    run(env
        .command("kubectl")
        .args(["get", "--raw", "/version"])
        .env("KUBECONFIG", &path))
}

fn token_setup(env: &TestEnv) -> (DoApi, KubeApi, Pki) {
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    let _ = env;
    (api, kube, pki)
}

fn exec_args(api: &DoApi) -> Vec<String> {
    vec![
        "get-credential".into(),
        "--cluster-id".into(),
        CLUSTER_ID.into(),
        "--api-url".into(),
        api.url(),
    ]
}

#[test]
fn kubectl_v1_exec_with_token() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let (api, kube, pki) = token_setup(&env);
    let args = exec_args(&api);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let config = exec_kubeconfig(
        &kube.url,
        &pki.ca_base64(),
        "client.authentication.k8s.io/v1",
        &args,
        &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
    );

    let out = kubectl_version(&env, &config);
    assert_eq!(out.code, Some(0), "kubectl failed: {}", out.stderr);
    assert_eq!(out.json()["gitVersion"], "v1.31.1");
    assert_eq!(out.stderr, "");
    assert!(kube.accepted() >= 1);
    assert_eq!(kube.rejected(), 0);

    // A second kubectl process is served from the cache.
    let out = kubectl_version(&env, &config);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn kubectl_v1beta1_exec_with_token() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let (api, kube, pki) = token_setup(&env);
    let args = exec_args(&api);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let config = exec_kubeconfig(
        &kube.url,
        &pki.ca_base64(),
        "client.authentication.k8s.io/v1beta1",
        &args,
        &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
    );
    let out = kubectl_version(&env, &config);
    assert_eq!(out.code, Some(0), "kubectl failed: {}", out.stderr);
    assert_eq!(out.json()["major"], "1");
    assert_eq!(kube.rejected(), 0);
}

#[test]
fn kubectl_exec_with_client_certificate() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::ClientCert(pki.client_cert_der.clone()));
    let api = DoApi::start();
    let body = credentials_json(
        &kube.url,
        &pki.ca_base64(),
        None,
        Some((&pki.client_cert_pem, &pki.client_key_pem)),
        Utc::now() + Duration::days(7),
    );
    api.serve_credentials(CLUSTER_ID, ResponseTemplate::new(200).set_body_json(body));
    let args = exec_args(&api);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let config = exec_kubeconfig(
        &kube.url,
        &pki.ca_base64(),
        "client.authentication.k8s.io/v1",
        &args,
        &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
    );
    let out = kubectl_version(&env, &config);
    assert_eq!(out.code, Some(0), "kubectl failed: {}", out.stderr);
    assert_eq!(out.json()["gitVersion"], "v1.31.1");
    assert!(kube.accepted() >= 1);
    assert_eq!(kube.rejected(), 0);
}

#[test]
fn the_stand_in_really_rejects_other_credentials() {
    // Guards the tests above: a kube API stand-in that accepted anything would prove nothing.
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, "some-other-token", Duration::hours(3));
    let args = exec_args(&api);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let config = exec_kubeconfig(
        &kube.url,
        &pki.ca_base64(),
        "client.authentication.k8s.io/v1",
        &args,
        &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
    );
    let out = kubectl_version(&env, &config);
    assert_ne!(out.code, Some(0));
    assert!(kube.rejected() >= 1);
    assert_eq!(kube.accepted(), 0);
}

#[test]
fn kubectl_shows_the_plugins_error() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_credentials(
        CLUSTER_ID,
        ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"id": "unauthorized", "message": "Unable to authenticate you"}),
        ),
    );
    let args = exec_args(&api);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let config = exec_kubeconfig(
        &kube.url,
        &pki.ca_base64(),
        "client.authentication.k8s.io/v1",
        &args,
        &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
    );
    let out = kubectl_version(&env, &config);
    assert_ne!(out.code, Some(0));
    assert!(
        out.stderr
            .contains("doks-auth: error: DigitalOcean API answered 401"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(DO_TOKEN));
    assert_eq!(
        kube.accepted() + kube.rejected(),
        0,
        "kubectl should not reach the API without a credential"
    );
}
