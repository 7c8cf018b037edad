//! An SSO cluster end to end: `kubeconfig save` writes a stanza that logs in through the
//! cluster's identity provider, and real kubectl reaches a TLS Kubernetes API stand-in that
//! accepts only ID tokens whose signature checks out against the provider's keys.

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

/// An SSO cluster in the DigitalOcean stand-in, with the kubeconfig DigitalOcean writes for it.
fn sso_cluster(api: &DoApi, issuer: &str, kube: &str, ca: &str, required: bool) {
    let mut cluster = cluster_json(CLUSTER_ID, "prod", "nyc1", kube);
    cluster["sso"] = json!({
        "enabled": true, "required": required, "issuer_url": issuer, "client_id": CLIENT_ID,
    });
    api.serve_cluster(&cluster);
    api.serve_clusters(&[cluster]);
    let yaml = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: do-nyc1-prod\n  cluster:\n    \
         server: {kube}\n    certificate-authority-data: {ca}\nusers: []\ncontexts: []\n"
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/v2/kubernetes/clusters/{CLUSTER_ID}/kubeconfig"
            )))
            .and(query_param("type", "sso"))
            .respond_with(ResponseTemplate::new(200).set_body_string(yaml)),
    );
}

fn jwks(op: &Op) -> jsonwebtoken::jwk::JwkSet {
    let discovery = run_ok(
        std::process::Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(&op.ca)
            .arg(format!("{}/jwks", op.issuer)),
    );
    serde_json::from_str(&discovery.stdout).unwrap()
}

#[test]
fn kubeconfig_save_of_an_sso_cluster_then_kubectl_logs_in_once() {
    if !kubectl_available() {
        return;
    }
    let op = Op::start(json!({}));
    let pki = Pki::new();
    let kube = KubeApi::start(
        &pki,
        KubeAuth::IdToken {
            keys: jwks(&op),
            issuer: op.issuer.clone(),
            audience: CLIENT_ID.into(),
        },
    );
    let api = DoApi::start();
    sso_cluster(&api, &op.issuer, &kube.url, &pki.ca_base64(), true);
    let kubeconfig = op.env.home().join("config");
    let port = op.port.to_string();
    run_ok(
        op.env
            .doks_auth()
            .args(["kubeconfig", "save", "prod", "--api-url", &api.url()])
            .args(["--sso-local-server-port", &port])
            .env("KUBECONFIG", &kubeconfig)
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN),
    );
    assert_eq!(op.browsers(), 0, "save opened a browser");
    let doc: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&kubeconfig).unwrap()).unwrap();
    let exec = &doc["users"][0]["user"]["exec"];
    assert_eq!(exec["interactiveMode"], "IfAvailable");
    let args: Vec<&str> = exec["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    for wanted in [
        op.issuer.as_str(),
        CLIENT_ID,
        "--sso-local-server-port",
        port.as_str(),
    ] {
        assert!(args.contains(&wanted), "{args:?}");
    }
    assert!(
        !std::fs::read_to_string(&kubeconfig)
            .unwrap()
            .contains(DO_TOKEN)
    );

    let browser = format!("node {}/tests/sso/browser.mjs", env!("CARGO_MANIFEST_DIR"));
    let kubectl = |_: usize| {
        run(op
            .env
            .command("kubectl")
            .args(["get", "--raw", "/version"])
            .env("KUBECONFIG", &kubeconfig)
            .env("SSL_CERT_FILE", &op.ca)
            .env("NODE_EXTRA_CA_CERTS", &op.ca)
            .env("BOT_LOG", &op.browser_log)
            .env("BROWSER", &browser))
    };
    for i in 0..2 {
        let out = kubectl(i);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        assert!(out.stdout.contains("v1.31.1"), "{}", out.stdout);
    }
    assert_eq!(op.browsers(), 1);
    assert!(kube.accepted() >= 2);
    assert_eq!(kube.rejected(), 0);
}

#[test]
fn auth_choices_the_cluster_cannot_honour_are_clear_errors() {
    let env = TestEnv::new();
    let show = |api: &DoApi, auth: &str, says: &str| {
        let out = run(env
            .doks_auth()
            .args([
                "kubeconfig",
                "show",
                "prod",
                "--auth",
                auth,
                "--api-url",
                &api.url(),
            ])
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
    };
    let required = DoApi::start();
    sso_cluster(
        &required,
        "https://id.example",
        "https://127.0.0.1:1",
        "Q0E=",
        true,
    );
    show(&required, "token", "requires single sign-on");
    let plain = DoApi::start();
    plain.serve_clusters(&[cluster_json(
        CLUSTER_ID,
        "prod",
        "nyc1",
        "https://127.0.0.1:1",
    )]);
    show(&plain, "sso", "has no single sign-on");
}
