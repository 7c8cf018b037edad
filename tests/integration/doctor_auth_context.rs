//! `doks-auth doctor` when the token's doctl auth context is missing or refused, and when the
//! kube context asked for has no kubeconfig to live in: the fix is the command that mends it
//! (`doks-auth auth init --context NAME` for the name in use, `doks-auth kubeconfig save
//! <cluster>`), in the text report and in `-o json`'s `fix`, never advice about --context.

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::doctor::{Bed, no_secret_in, step};
use crate::support::*;

/// doctl's config in `env`'s HOME holding `text`.
fn doctl_config(env: &TestEnv, text: &str) {
    let dir = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.yaml"), text).unwrap();
}

/// The failed step `name`'s fix, from the text report's line and from the JSON report.
fn fixes(cmd: impl Fn() -> std::process::Command, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    for output in ["text", "json"] {
        let out = run(cmd().args(["-o", output]));
        no_secret_in(&out);
        assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
        let fix = if output == "json" {
            let step = step(&out, name);
            assert_eq!(step["status"], "failed", "{}", out.stdout);
            step["fix"].as_str().unwrap().to_string()
        } else {
            let line = out
                .stdout
                .lines()
                .find(|l| l.starts_with("failed") && l.contains(&format!(" {name} ")))
                .unwrap_or_else(|| panic!("no failed {name} step: {}", out.stdout));
            line.split_once("— fix: ").unwrap().1.to_string()
        };
        found.push(fix);
    }
    found
}

/// The fix names `auth init --context work`, and says nothing else about --context.
fn assert_auth_init_work(fix: &str) {
    assert!(
        fix.contains("`doks-auth auth init --context work`"),
        "{fix}"
    );
    assert!(
        !fix.replace("auth init --context work", "")
            .contains("--context"),
        "{fix}"
    );
}

#[test]
fn on_a_fresh_machine_an_auth_context_doctl_lacks_points_to_auth_init_with_its_name() {
    let env = TestEnv::new();
    let doctor = || {
        let mut cmd = env.doks_auth();
        cmd.arg("doctor").env("DIGITALOCEAN_CONTEXT", "work");
        cmd
    };
    // No doctl config at all, then one whose only token is `default`'s.
    for config in [None, Some(format!("access-token: {DO_TOKEN}\n"))] {
        if let Some(text) = &config {
            doctl_config(&env, text);
        }
        for fix in fixes(doctor, "context") {
            assert_auth_init_work(&fix);
            assert!(
                fix.contains("`doks-auth kubeconfig save <cluster>`"),
                "{fix}"
            );
        }
    }
}

#[test]
fn a_kube_context_asked_for_with_no_kubeconfig_at_all_points_to_kubeconfig_save() {
    let env = TestEnv::new();
    let doctor = || {
        let mut cmd = env.doks_auth();
        cmd.args(["doctor", "--context", "foo"])
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
        cmd
    };
    for fix in fixes(doctor, "context") {
        assert!(
            fix.contains("`doks-auth kubeconfig save <cluster>`")
                && !fix.contains("kubectl config get-contexts"),
            "{fix}"
        );
    }
}

#[test]
fn an_auth_context_doctl_lacks_fails_the_source_with_auth_init_for_that_name() {
    let bed = Bed::new();
    doctl_config(&bed.env, &format!("access-token: {DO_TOKEN}\n"));
    // Named by DIGITALOCEAN_CONTEXT in doctor's environment.
    let doctor = || {
        let mut cmd = bed.env.doks_auth();
        cmd.arg("doctor")
            .env("KUBECONFIG", &bed.kubeconfig)
            .env("DIGITALOCEAN_CONTEXT", "work");
        cmd
    };
    for fix in fixes(doctor, "source") {
        assert_auth_init_work(&fix);
    }
    // Named by the stanza's --context.
    let text = exec_kubeconfig(
        &bed.kube.url,
        &bed.pki.ca_base64(),
        "client.authentication.k8s.io/v1",
        &[
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            &bed.api.url(),
            "--context",
            "work",
        ],
        &[],
    );
    std::fs::write(&bed.kubeconfig, text).unwrap();
    let doctor = || {
        let mut cmd = bed.env.doks_auth();
        cmd.arg("doctor").env("KUBECONFIG", &bed.kubeconfig);
        cmd
    };
    for fix in fixes(doctor, "source") {
        assert_auth_init_work(&fix);
    }
}

#[test]
fn a_token_digitalocean_refuses_points_to_auth_init_for_its_context() {
    let bed = Bed::new();
    doctl_config(
        &bed.env,
        &format!("access-token: {DO_TOKEN}\nauth-contexts:\n  work: {DO_TOKEN}\n"),
    );
    bed.api.mount(
        Mock::given(method("GET"))
            .and(path("/v2/account"))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"id": "unauthorized", "message": "Unable to authenticate you"}),
            ))
            .with_priority(1),
    );
    let doctor = || {
        let mut cmd = bed.env.doks_auth();
        cmd.arg("doctor")
            .env("KUBECONFIG", &bed.kubeconfig)
            .env("DIGITALOCEAN_CONTEXT", "work");
        cmd
    };
    for fix in fixes(doctor, "account") {
        assert_auth_init_work(&fix);
    }
}
