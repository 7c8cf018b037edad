//! `doks-auth whoami`: the cluster's view of you (a SelfSubjectReview, compared with what real
//! `kubectl auth whoami -o json` prints for the same context) and DigitalOcean's.

use serde_json::{Value, json};

use crate::doctor::{Bed, EMAIL, TEAM, no_secret_in};
use crate::support::*;

/// `status.userInfo` as kubectl prints it, with the fields it leaves out when empty put back.
pub(crate) fn user_info(review: &Value) -> Value {
    let info = &review["status"]["userInfo"];
    json!({
        "username": info["username"].as_str().unwrap_or(""),
        "uid": info["uid"].as_str().unwrap_or(""),
        "groups": info.get("groups").cloned().unwrap_or(json!([])),
        "extra": info.get("extra").cloned().unwrap_or(json!({})),
    })
}

/// What every kubectl prints for `auth whoami -o json` on `kubeconfig`: the same user each time.
pub(crate) fn kubectl_whoami(
    env: &TestEnv,
    kubeconfig: &std::path::Path,
    extra_env: &[(&str, &std::path::Path)],
) -> Option<Value> {
    let mut seen: Option<Value> = None;
    for kubectl in kubectls() {
        let mut cmd = env.command(&kubectl);
        cmd.args(["auth", "whoami", "-o", "json"])
            .env("KUBECONFIG", kubeconfig);
        for (name, value) in extra_env {
            cmd.env(name, value);
        }
        let out = run(&mut cmd);
        assert_eq!(out.code, Some(0), "{}: {}", kubectl.display(), out.stderr);
        // kubectl 1.27 asks for v1beta1 (GA came in 1.28): the stand-in answers both.
        let version = if kubectl.ends_with("kubectl.1.27") {
            "v1beta1"
        } else {
            "v1"
        };
        assert_eq!(
            out.json()["apiVersion"],
            format!("authentication.k8s.io/{version}"),
            "{}",
            kubectl.display()
        );
        let user = user_info(&out.json());
        if let Some(seen) = &seen {
            assert_eq!(&user, seen, "{} sees another user", kubectl.display());
        }
        seen = Some(user);
    }
    seen
}

#[test]
fn whoami_agrees_with_kubectl_auth_whoami_and_names_the_digitalocean_account() {
    let bed = Bed::new();
    let out = bed.doks_auth("whoami", &["-o", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let me = out.json();
    assert_eq!(me["context"], "test");
    assert_eq!(me["cluster_id"], CLUSTER_ID);
    assert_eq!(me["digitalocean"], json!({"email": EMAIL, "team": TEAM}));
    assert_eq!(me["sso"], Value::Null);
    let expires: chrono::DateTime<chrono::Utc> = me["credential_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (expires - chrono::Utc::now() - chrono::Duration::hours(3))
            .num_seconds()
            .abs()
            < 60
    );
    assert_eq!(
        me["kubernetes"],
        user_info(&json!({"status": {"userInfo": token_user()}}))
    );
    if let Some(kubectl) = kubectl_whoami(&bed.env, &bed.kubeconfig, &[]) {
        assert_eq!(me["kubernetes"], kubectl);
    }
}

#[test]
fn whoami_as_text_says_the_same_facts_one_a_line() {
    let bed = Bed::new();
    let out = bed.doks_auth("whoami", &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for line in [
        "context                test",
        &format!("cluster id             {CLUSTER_ID}"),
        "username               doks:user:5f3c1a9e",
        "groups                 system:authenticated, doks:cluster-admins",
        "extra digitalocean.com/team  ops",
        &format!("digitalocean email     {EMAIL}"),
        &format!("digitalocean team      {TEAM}"),
    ] {
        let key = line.split("  ").next().unwrap();
        let found = out
            .stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key}: {}", out.stdout));
        let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(squeeze(found), squeeze(line));
    }
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("credential expires at"))
    );
}

#[test]
fn whoami_with_a_certificate_credential_shows_the_certificates_user() {
    let bed = Bed::accepting(|pki| KubeAuth::ClientCert(pki.client_cert_der.clone()));
    let body = credentials_json(
        &bed.kube.url,
        &bed.pki.ca_base64(),
        None,
        Some((&bed.pki.client_cert_pem, &bed.pki.client_key_pem)),
        chrono::Utc::now() + chrono::Duration::days(7),
    );
    bed.api.serve_credentials_first(
        CLUSTER_ID,
        10,
        wiremock::ResponseTemplate::new(200).set_body_json(body),
    );
    let out = bed.doks_auth("whoami", &["-o", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let key_line = bed.pki.client_key_pem.lines().nth(1).unwrap();
    assert!(!out.stdout.contains(key_line) && !out.stderr.contains(key_line));
    let me = out.json();
    assert_eq!(me["kubernetes"]["username"], "doks-admin");
    if let Some(kubectl) = kubectl_whoami(&bed.env, &bed.kubeconfig, &[]) {
        assert_eq!(me["kubernetes"], kubectl);
    }
}

#[test]
fn whoami_on_a_context_that_does_not_run_doks_auth_points_at_doctor() {
    let bed = Bed::new();
    let text = std::fs::read_to_string(&bed.kubeconfig).unwrap();
    let start = text.find("    user:\n").unwrap();
    let end = text.find("contexts:").unwrap();
    let static_token = format!(
        "{}    user:\n      token: {K8S_TOKEN}\n{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(&bed.kubeconfig, static_token).unwrap();
    let out = bed.doks_auth("whoami", &[]);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "doks-auth: error: context test's user test does not run doks-auth; `doks-auth doctor --context test` says what it runs and what to do\n"
    );
    no_secret_in(&out);
}

#[test]
fn whoami_refused_by_the_api_server_says_so_in_one_line_and_points_at_doctor() {
    let bed = Bed::accepting(|_| KubeAuth::Token("not-what-digitalocean-issued".into()));
    let out = bed.doks_auth("whoami", &["-o", "json"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "doks-auth: error: the Kubernetes API server at {}/apis/authentication.k8s.io/v1/selfsubjectreviews refused the credential (401 Unauthorized",
            bed.kube.url
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`doks-auth doctor --context test` checks each step")
    );
}
