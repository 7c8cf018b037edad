//! End to end: real kubectl runs doks-auth through an exec stanza and reaches a TLS Kubernetes
//! API stand-in that accepts only the credential DigitalOcean (the stand-in) issued.

use std::path::Path;

use chrono::{Duration, Utc};
use wiremock::ResponseTemplate;

use crate::support::*;

pub(crate) const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// A DigitalOcean stand-in, a Kubernetes API stand-in, and a kubeconfig whose user runs
/// doks-auth against the first to reach the second.
pub(crate) struct Bed {
    pub env: TestEnv,
    pub pki: Pki,
    pub api: DoApi,
    pub kube: KubeApi,
}

impl Bed {
    fn new(accepts: impl FnOnce(&Pki) -> KubeAuth) -> Bed {
        let pki = Pki::new();
        let kube = KubeApi::start(&pki, accepts(&pki));
        Bed {
            env: TestEnv::new(),
            api: DoApi::start(),
            pki,
            kube,
        }
    }

    pub fn accepting_the_token() -> Bed {
        Bed::new(|_| KubeAuth::Token(K8S_TOKEN.into()))
    }

    /// `kubectl get --raw /version` with an exec stanza of `exec_api_version`.
    pub fn kubectl_version(&self, exec_api_version: &str) -> Outcome {
        self.kubectl_version_with(Path::new("kubectl"), exec_api_version)
    }

    /// The same, with a kubectl of choice (see [`kubectls`]).
    pub fn kubectl_version_with(&self, kubectl: &Path, exec_api_version: &str) -> Outcome {
        let url = self.api.url();
        let args = [
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            &url,
        ];
        let config = exec_kubeconfig(
            &self.kube.url,
            &self.pki.ca_base64(),
            exec_api_version,
            &args,
            &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
        );
        let path = self.env.home().join("kubeconfig");
        std::fs::write(&path, config).unwrap();
        run(self
            .env
            .command(kubectl)
            .args(["get", "--raw", "/version"])
            .env("KUBECONFIG", &path))
    }
}

fn succeeded(out: &Outcome, bed: &Bed) {
    assert_eq!(out.code, Some(0), "kubectl failed: {}", out.stderr);
    assert_eq!(out.json()["gitVersion"], "v1.31.1");
    assert_eq!(out.stderr, "");
    assert!(bed.kube.accepted() >= 1);
    assert_eq!(bed.kube.rejected(), 0);
}

#[test]
fn kubectl_v1_exec_with_token() {
    if !kubectl_available() {
        return;
    }
    let bed = Bed::accepting_the_token();
    bed.api
        .serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    succeeded(&bed.kubectl_version(V1), &bed);
    // A second kubectl process is served from the cache.
    succeeded(&bed.kubectl_version(V1), &bed);
    assert_eq!(bed.api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn kubectl_v1beta1_exec_with_token() {
    if !kubectl_available() {
        return;
    }
    let bed = Bed::accepting_the_token();
    bed.api
        .serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    succeeded(&bed.kubectl_version(V1BETA1), &bed);
}

#[test]
fn kubectl_exec_with_client_certificate() {
    if !kubectl_available() {
        return;
    }
    let bed = Bed::new(|pki| KubeAuth::ClientCert(pki.client_cert_der.clone()));
    let body = credentials_json(
        &bed.kube.url,
        &bed.pki.ca_base64(),
        None,
        Some((&bed.pki.client_cert_pem, &bed.pki.client_key_pem)),
        Utc::now() + Duration::days(7),
    );
    bed.api
        .serve_credentials(CLUSTER_ID, ResponseTemplate::new(200).set_body_json(body));
    succeeded(&bed.kubectl_version(V1), &bed);
}

#[test]
fn the_stand_in_really_rejects_other_credentials() {
    // Guards the tests above: a kube API stand-in that accepted anything would prove nothing.
    if !kubectl_available() {
        return;
    }
    let bed = Bed::accepting_the_token();
    bed.api
        .serve_token(CLUSTER_ID, "some-other-token", Duration::hours(3));
    let out = bed.kubectl_version(V1);
    assert_ne!(out.code, Some(0));
    assert!(bed.kube.rejected() >= 1);
    assert_eq!(bed.kube.accepted(), 0);
}

#[test]
fn kubectl_shows_the_plugins_error() {
    if !kubectl_available() {
        return;
    }
    let bed = Bed::accepting_the_token();
    bed.api.serve_credentials(
        CLUSTER_ID,
        ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"id": "unauthorized", "message": "Unable to authenticate you"}),
        ),
    );
    let out = bed.kubectl_version(V1);
    assert_ne!(out.code, Some(0));
    assert!(
        out.stderr
            .contains("doks-auth: error: DigitalOcean API answered 401"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(DO_TOKEN));
    assert_eq!(
        bed.kube.accepted() + bed.kube.rejected(),
        0,
        "kubectl should not reach the API without a credential"
    );
}
