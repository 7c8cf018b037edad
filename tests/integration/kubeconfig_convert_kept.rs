//! `doks-auth kubeconfig convert` and the users it must not turn into the account's own
//! credential: a converted user keeps everything but the credential replaced (impersonation,
//! `exec.env`), and tokens DigitalOcean did not issue, null tokens and doctl stanzas it cannot
//! carry over stay as they are, `-v` saying why without ever showing a token.

use serde_json::json;

use super::kubeconfig_convert::{
    EXEC, STATIC_ID, STATIC_TOKEN, args, convert, user, view, write_fixture,
};
use crate::support::*;

/// A Kubernetes service-account token's shape (a JWT; the signature is not a real one).
const SA_JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLW5vdC1yZWFs";

/// One DigitalOcean cluster, and a context for each user (a static token is converted only
/// when a context says which cluster it is for).
fn fixture() -> String {
    let names = [
        "limited-token",
        "limited-doctl",
        "ci-bot",
        "in-cluster",
        "cert-tilde",
        "cert-null",
        "doctl-attached",
        "doctl-long",
        "doctl-typo",
    ];
    let contexts: String = names
        .iter()
        .map(|n| format!("- context:\n    cluster: do-fra1-dev\n    user: {n}\n  name: {n}\n"))
        .collect();
    format!(
        r#"apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://{STATIC_ID}.k8s.ondigitalocean.com
  name: do-fra1-dev
contexts:
{contexts}current-context: limited-token
users:
- name: limited-token
  user:
    as: view-only-bot
    as-groups:
    - readonly
    as-uid: "1001"
    as-user-extra:
      reason:
      - audit
    token: {STATIC_TOKEN}
- name: limited-doctl
  user:
    as: view-only-bot
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: [kubernetes, cluster, kubeconfig, exec-credential, {STATIC_ID}]
      command: doctl
      env:
      - name: HTTPS_PROXY
        value: http://proxy.example:3128
      interactiveMode: IfAvailable
      provideClusterInfo: true
- name: ci-bot
  user:
    token: {SA_JWT}
- name: in-cluster
  user:
    token: abcdef.0123456789abcdef
- name: cert-tilde
  user:
    client-certificate: /nonexistent/c.crt
    client-key: /nonexistent/c.key
    token: ~
- name: cert-null
  user:
    client-certificate: /nonexistent/c.crt
    client-key: /nonexistent/c.key
    token: Null
- name: doctl-attached
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: [kubernetes, cluster, kubeconfig, exec-credential, -t{STATIC_TOKEN}, --config, /x, {STATIC_ID}]
      command: doctl
- name: doctl-long
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: [kubernetes, cluster, kubeconfig, exec-credential, --access-token={STATIC_TOKEN}, --sso-local-server-port, -t{STATIC_TOKEN}, {STATIC_ID}]
      command: doctl
- name: doctl-typo
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: [kubernetes, cluster, kubeconfig, exec-credential, --t{STATIC_TOKEN}, {STATIC_ID}]
      command: doctl
"#
    )
}

/// `convert --dry-run -v`: what it would do, and why it leaves each other user alone.
fn dry_run_verbose() -> Outcome {
    let env = TestEnv::new();
    let text = fixture();
    let path = write_fixture(&env, &text);
    let out = convert(&env, &path, &["--dry-run", "-v"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    out
}

fn left_alone(out: &Outcome, name: &str, why: &str) {
    assert!(
        out.stderr
            .contains(&format!("doks-auth: debug: {name}: left as it is: {why}")),
        "{name}: {}",
        out.stderr
    );
}

#[test]
fn a_converted_user_keeps_its_impersonation_and_exec_settings() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let path = write_fixture(&env, &fixture());
    let out = convert(&env, &path, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for line in [
        "limited-token: static token → doks-auth",
        "limited-doctl: doctl exec-credential → doks-auth",
    ] {
        assert!(out.stderr.contains(line), "{line}: {}", out.stderr);
    }
    let after = view(&env, &path);
    let token = user(&after, "limited-token");
    assert_eq!(token["as"], "view-only-bot");
    assert_eq!(token["as-groups"], json!(["readonly"]));
    assert_eq!(token["as-uid"], "1001");
    assert_eq!(token["as-user-extra"], json!({"reason": ["audit"]}));
    assert!(token.get("token").is_none(), "{token}");
    assert_eq!(
        args(&after, "limited-token"),
        ["get-credential", "--cluster-id", STATIC_ID]
    );
    let doctl = user(&after, "limited-doctl");
    assert_eq!(doctl["as"], "view-only-bot");
    let exec = &doctl["exec"];
    assert_eq!(exec["command"], EXEC);
    assert_eq!(exec["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(
        exec["env"],
        json!([{"name": "HTTPS_PROXY", "value": "http://proxy.example:3128"}])
    );
    assert_eq!(exec["interactiveMode"], "IfAvailable");
    assert_eq!(exec["provideClusterInfo"], true);
}

#[test]
fn tokens_digitalocean_did_not_issue_are_left_alone() {
    let out = dry_run_verbose();
    left_alone(
        &out,
        "ci-bot",
        "a JWT (such as a Kubernetes service-account token)",
    );
    left_alone(&out, "in-cluster", "a token not shaped like DigitalOcean's");
    assert!(!out.stderr.contains(SA_JWT), "{}", out.stderr);
}

#[test]
fn a_null_token_in_any_spelling_is_no_token() {
    let out = dry_run_verbose();
    for name in ["cert-tilde", "cert-null"] {
        left_alone(&out, name, "neither an exec stanza nor a token");
        assert!(
            !out.stderr.contains(&format!("{name}: static token")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn verbose_never_shows_a_token_written_into_doctls_arguments() {
    let out = dry_run_verbose();
    for name in ["doctl-attached", "doctl-long", "doctl-typo"] {
        left_alone(&out, name, "doctl's");
    }
    let hex = &STATIC_TOKEN["dop_v1_".len()..];
    assert!(!out.stderr.contains(hex), "{}", out.stderr);
}

#[test]
fn user_names_with_escape_sequences_never_reach_the_terminal() {
    let env = TestEnv::new();
    let text = format!(
        r#"clusters:
- name: c
  cluster: {{server: "https://{STATIC_ID}.k8s.ondigitalocean.com"}}
contexts:
- name: a
  context: {{cluster: c, user: "ours\e[31m"}}
- name: b
  context: {{cluster: c, user: "theirs\e]0;owned\a"}}
users:
- name: "ours\e[31m"
  user: {{token: {STATIC_TOKEN}}}
- name: "theirs\e]0;owned\a"
  user: {{token: {SA_JWT}}}
"#
    );
    let path = write_fixture(&env, &text);
    let out = convert(&env, &path, &["--dry-run", "-v"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stderr
    );
    assert!(
        out.stderr.contains("static token → doks-auth"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("left as it is: a JWT"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_older_unprefixed_digitalocean_token_on_a_digitalocean_cluster_is_converted() {
    converts_an_older_token_on(&format!("https://{STATIC_ID}.k8s.ondigitalocean.com"));
}

/// A host is read without case (as `save` judges its own entries): a server written in capitals
/// is still DigitalOcean's.
#[test]
fn a_digitalocean_server_written_in_capitals_is_still_digitaloceans() {
    converts_an_older_token_on(&format!(
        "HTTPS://{}.K8S.ONDIGITALOCEAN.COM",
        STATIC_ID.to_uppercase()
    ));
}

fn converts_an_older_token_on(server: &str) {
    if !kubectl_available() {
        return;
    }
    // What DigitalOcean issued before it added the dop_v1_/doo_v1_ prefixes.
    let old = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let env = TestEnv::new();
    let path = write_fixture(
        &env,
        &format!(
            r#"apiVersion: v1
kind: Config
clusters:
- cluster:
    server: {server}
  name: do-fra1-dev
contexts:
- context:
    cluster: do-fra1-dev
    user: old-token
  name: old-token
- context:
    cluster: do-fra1-dev
    user: ci-bot
  name: ci-bot
current-context: old-token
users:
- name: old-token
  user:
    token: {old}
- name: ci-bot
  user:
    token: {SA_JWT}
"#
        ),
    );
    let out = convert(&env, &path, &["-v"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains("old-token: static token → doks-auth"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(old), "{}", out.stderr);
    let after = view(&env, &path);
    assert_eq!(
        args(&after, "old-token"),
        ["get-credential", "--cluster-id", STATIC_ID]
    );
    assert!(user(&after, "old-token").get("token").is_none());
    assert_eq!(user(&after, "ci-bot")["token"], SA_JWT);
}
