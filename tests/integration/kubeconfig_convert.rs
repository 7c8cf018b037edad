//! `doks-auth kubeconfig convert`: doctl's exec stanzas and control-panel static tokens become
//! doks-auth's stanza, offline; every other user and everything else stays as it was. Results
//! are read back through real kubectl (`kubectl config view --raw -o json`).

use std::path::Path;

use serde_json::Value;

use crate::support::*;

const SSO_ID: &str = "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
pub(crate) const STATIC_ID: &str = "9e2c7a41-5b3d-4c8e-a1f0-6d2b8c4e7f13";
/// A control-panel download's token: a DigitalOcean API token (prefix and 64 hex digits).
pub(crate) const STATIC_TOKEN: &str =
    "dop_v1_5f3c1a9e7b2d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";
pub(crate) const EXEC: &str = "/usr/local/bin/doks-auth";

/// doctl's output (token and SSO users), a control-panel download, and other tools' users.
fn fixture(server: &str, ca: &str) -> String {
    format!(
        r#"apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {ca}
    server: {server}
  name: do-nyc1-prod
- cluster:
    certificate-authority-data: {ca}
    server: https://{SSO_ID}.k8s.ondigitalocean.com
  name: do-ams3-sso
- cluster:
    certificate-authority-data: {ca}
    server: https://{STATIC_ID}.k8s.ondigitalocean.com
  name: do-fra1-dev
- cluster:
    server: https://ABCDEF.gr7.us-east-1.eks.amazonaws.com
  name: arn:aws:eks:us-east-1:123456789012:cluster/prod
- cluster:
    insecure-skip-tls-verify: true
    server: https://10.0.0.1:6443
  name: on-prem
contexts:
- context:
    cluster: do-nyc1-prod
    user: do-nyc1-prod-admin
  name: do-nyc1-prod
- context:
    cluster: do-ams3-sso
    user: do-ams3-sso-admin
  name: do-ams3-sso
- context:
    cluster: do-fra1-dev
    namespace: web
    user: do-fra1-dev-admin
  name: do-fra1-dev
- context:
    cluster: arn:aws:eks:us-east-1:123456789012:cluster/prod
    user: arn:aws:eks:us-east-1:123456789012:cluster/prod
  name: eks
- context:
    cluster: on-prem
    user: on-prem-admin
  name: on-prem
current-context: do-nyc1-prod
kind: Config
preferences:
  colors: true
users:
- name: do-nyc1-prod-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - kubernetes
      - cluster
      - kubeconfig
      - exec-credential
      - --version=v1beta1
      - --context=default
      - {CLUSTER_ID}
      command: doctl
      env: null
      provideClusterInfo: false
- name: do-ams3-sso-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - kubernetes
      - cluster
      - kubeconfig
      - exec-credential
      - --version=v1beta1
      - --sso-issuer-url=https://id.example.com/oauth2/default
      - --sso-client-id=0oa-doks
      - --sso-local-server-port=9000
      - {SSO_ID}
      command: /opt/homebrew/bin/doctl
      env: null
      interactiveMode: IfAvailable
      provideClusterInfo: false
- name: do-fra1-dev-admin
  user:
    token: {STATIC_TOKEN}
- name: arn:aws:eks:us-east-1:123456789012:cluster/prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - us-east-1
      - eks
      - get-token
      - --cluster-name
      - prod
      command: aws
      env:
      - name: AWS_PROFILE
        value: prod
- name: on-prem-admin
  user:
    token: on-prem-static-token
"#
    )
}

pub(crate) fn write_fixture(env: &TestEnv, text: &str) -> std::path::PathBuf {
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, text).unwrap();
    set_mode(&path, 0o600);
    path
}

pub(crate) fn convert(env: &TestEnv, path: &Path, extra: &[&str]) -> Outcome {
    run(env
        .doks_auth()
        .args(["kubeconfig", "convert", "--exec-command", EXEC])
        .args(extra)
        .env("KUBECONFIG", path))
}

/// The kubeconfig as kubectl reads it.
pub(crate) fn view(env: &TestEnv, path: &Path) -> Value {
    let out = run_ok(
        env.command("kubectl")
            .args(["config", "view", "--raw", "-o", "json"])
            .env("KUBECONFIG", path),
    );
    serde_json::from_str(&out.stdout).unwrap()
}

pub(crate) fn user<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == name)
        .unwrap_or_else(|| panic!("no user {name}"))["user"]
}

pub(crate) fn args(doc: &Value, name: &str) -> Vec<String> {
    user(doc, name)["exec"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine works a file's ACL out from its Unix mode, and the fixture is 0644 (a Windows \
              program cannot chmod it): Everyone reads it, so convert rightly notes that it \
              tightened it, which this test's exact stderr does not expect; on Windows a file \
              in the profile has the profile's owner-only ACL"
)]
fn doctl_users_and_static_tokens_become_doks_auth_and_nothing_else_changes() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let path = write_fixture(&env, &fixture("https://127.0.0.1:6443", "Q0E="));
    let before = view(&env, &path);
    let out = convert(&env, &path, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "doks-auth: do-nyc1-prod-admin: doctl exec-credential → doks-auth\n\
             doks-auth: do-ams3-sso-admin: doctl exec-credential (SSO) → doks-auth\n\
             doks-auth: do-fra1-dev-admin: static token → doks-auth\n\
             doks-auth: converted 3 users in {}\n",
            path.display()
        )
    );
    assert!(!out.stderr.contains(STATIC_TOKEN));
    let after = view(&env, &path);

    assert_eq!(
        args(&after, "do-nyc1-prod-admin"),
        [
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--context",
            "default"
        ]
    );
    assert_eq!(
        args(&after, "do-ams3-sso-admin"),
        [
            "get-credential",
            "--cluster-id",
            SSO_ID,
            "--sso-issuer-url",
            "https://id.example.com/oauth2/default",
            "--sso-client-id",
            "0oa-doks",
            "--sso-local-server-port",
            "9000"
        ]
    );
    assert_eq!(
        args(&after, "do-fra1-dev-admin"),
        ["get-credential", "--cluster-id", STATIC_ID]
    );
    for name in [
        "do-nyc1-prod-admin",
        "do-ams3-sso-admin",
        "do-fra1-dev-admin",
    ] {
        let exec = &user(&after, name)["exec"];
        assert_eq!(exec["command"], EXEC, "{name}");
        assert_eq!(
            exec["apiVersion"], "client.authentication.k8s.io/v1",
            "{name}"
        );
        assert!(user(&after, name).get("token").is_none(), "{name}");
    }
    assert_eq!(
        user(&after, "do-ams3-sso-admin")["exec"]["interactiveMode"],
        "IfAvailable"
    );
    assert_eq!(
        user(&after, "do-nyc1-prod-admin")["exec"]["interactiveMode"],
        "Never"
    );

    // Everything else as it was.
    for name in [
        "arn:aws:eks:us-east-1:123456789012:cluster/prod",
        "on-prem-admin",
    ] {
        assert_eq!(user(&after, name), user(&before, name), "{name}");
    }
    for key in ["clusters", "contexts", "current-context", "preferences"] {
        assert_eq!(after[key], before[key], "{key}");
    }
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);

    // A second run converts nothing and leaves the bytes alone.
    let bytes = std::fs::read(&path).unwrap();
    let again = convert(&env, &path, &[]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(
        again.stderr.contains("nothing to convert"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn dry_run_says_the_same_and_writes_nothing() {
    let env = TestEnv::new();
    let text = fixture("https://127.0.0.1:6443", "Q0E=");
    let path = write_fixture(&env, &text);
    let out = convert(&env, &path, &["--dry-run"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("do-fra1-dev-admin: static token → doks-auth"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("would convert 3 users"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn verbose_says_why_users_were_left_alone() {
    let env = TestEnv::new();
    let path = write_fixture(&env, &fixture("https://127.0.0.1:6443", "Q0E="));
    let out = convert(&env, &path, &["--dry-run", "-v"]);
    assert!(out.stderr.contains("on-prem-admin: left as it is: a token for https://10.0.0.1:6443, not a DigitalOcean cluster"), "{}", out.stderr);
    assert!(
        out.stderr.contains("running \"aws\", not doctl"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("on-prem-static-token"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_kubeconfig_that_cannot_be_parsed_is_an_error_and_stays_as_it_was() {
    let env = TestEnv::new();
    let broken = "apiVersion: v1\nusers: [unclosed\n";
    let path = write_fixture(&env, broken);
    let out = convert(&env, &path, &[]);
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: error:"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}

#[test]
fn kubectl_works_through_a_converted_doctl_user() {
    if !kubectl_available() {
        return;
    }
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, chrono::Duration::hours(3));
    let env = TestEnv::new();
    let path = write_fixture(&env, &fixture(&kube.url, &pki.ca_base64()));
    run_ok(
        env.doks_auth()
            .args(["kubeconfig", "convert"])
            .env("KUBECONFIG", &path),
    );
    let out = run(kubectl()
        .args(["get", "--raw", "/version", "--context", "do-nyc1-prod"])
        .env("HOME", env.home())
        .env("KUBECONFIG", &path)
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
        .env("DIGITALOCEAN_API_URL", api.url()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("v1.31.1"), "{}", out.stdout);
    assert_eq!(kube.rejected(), 0);
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

#[test]
fn converted_doctl_users_let_kubectl_name_the_cluster_as_saved_stanzas_do() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    // doctl writes `provideClusterInfo: false`; without the cluster kubectl names, the heal
    // after a revoked credential never fires.
    let path = write_fixture(&env, &fixture("https://127.0.0.1:6443", "Q0E="));
    let out = convert(&env, &path, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let after = view(&env, &path);
    for name in [
        "do-nyc1-prod-admin",
        "do-ams3-sso-admin",
        "do-fra1-dev-admin",
    ] {
        assert_eq!(
            user(&after, name)["exec"]["provideClusterInfo"],
            true,
            "{name}"
        );
    }
}
