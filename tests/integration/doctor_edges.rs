//! `doctor` on the edges: a clock hours off, users that do not run doks-auth, a context that is
//! not there, what it leaves on disk, and its time bound.

use std::path::PathBuf;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::doctor::{Bed, EMAIL, step, steps};
use crate::support::*;

#[test]
#[cfg(unix)]
fn a_clock_two_hours_off_is_a_warning_and_the_exit_status_is_still_0() {
    if !libfaketime_reaches_doks_auth() {
        return;
    }
    let bed = Bed::new();
    let out = run(bed
        .env
        .doks_auth()
        .args(["doctor", "-o", "json"])
        .env("KUBECONFIG", &bed.kubeconfig)
        .env("LD_PRELOAD", libfaketime())
        .env("FAKETIME", "+2h")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1"));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let clocks = step(&out, "clocks");
    assert_eq!(clocks["status"], "warning");
    let detail = clocks["detail"].as_str().unwrap();
    assert!(
        detail
            .contains("2 h 0 min ahead of DigitalOcean's and 2 h 0 min ahead of the API server's"),
        "{detail}"
    );
    assert!(clocks["fix"].as_str().unwrap().contains("NTP"));
    let others: Vec<(String, String)> = steps(&out)
        .into_iter()
        .filter(|(n, _)| n != "clocks")
        .collect();
    assert!(others.iter().all(|(_, s)| s == "ok"), "{others:?}");
}

#[test]
fn a_doctl_user_or_a_static_token_is_told_to_convert_and_nothing_is_asked() {
    let bed = Bed::new();
    let doctl = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: do-nyc1-prod\n\
         clusters:\n- name: do-nyc1-prod\n  cluster:\n    server: https://{CLUSTER_ID}.k8s.ondigitalocean.com\n\
         contexts:\n- name: do-nyc1-prod\n  context:\n    cluster: do-nyc1-prod\n    user: do-nyc1-prod-admin\n\
         users:\n- name: do-nyc1-prod-admin\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      \
         command: doctl\n      args: [kubernetes, cluster, kubeconfig, exec-credential, --version=v1beta1, --context=default, {CLUSTER_ID}]\n"
    );
    let token = doctl.replace(
        &doctl[doctl.find("    exec:").unwrap()..],
        &format!("    token: {DO_TOKEN}\n"),
    );
    for (kubeconfig, says) in [
        (
            doctl,
            "user do-nyc1-prod-admin runs doctl's exec-credential, not doks-auth",
        ),
        (
            token,
            "user do-nyc1-prod-admin holds a static token (a control-panel download)",
        ),
    ] {
        std::fs::write(&bed.kubeconfig, kubeconfig).unwrap();
        let out = bed.doctor(&["-o", "json"]);
        assert_eq!(out.code, Some(1));
        assert_eq!(steps(&out), [("context".to_string(), "failed".to_string())]);
        let context = step(&out, "context");
        assert!(
            context["detail"].as_str().unwrap().starts_with(says),
            "{}",
            context["detail"]
        );
        assert!(
            context["fix"]
                .as_str()
                .unwrap()
                .contains("`doks-auth kubeconfig convert`")
        );
    }
    assert!(bed.api.requests().is_empty());
}

#[test]
fn an_unknown_context_is_named_with_the_ones_that_exist() {
    let bed = Bed::new();
    let out = bed.doctor(&["--context", "nope"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.starts_with("failed   context  ")
            && out.stdout.contains("no context \"nope\" (contexts: test)")
            && out
                .stdout
                .contains("— fix: see `kubectl config get-contexts`"),
        "{}",
        out.stdout
    );
}

/// Every file under HOME with its bytes and modification time.
fn snapshot(env: &TestEnv) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut files: Vec<_> = env
        .files()
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            (
                p.clone(),
                std::fs::read(&p).unwrap(),
                meta.modified().unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn doctor_changes_nothing_on_disk_but_the_credential_it_fetched_into_the_cache() {
    let bed = Bed::new();
    let before = snapshot(&bed.env);
    run_ok(
        bed.env
            .doks_auth()
            .arg("doctor")
            .env("KUBECONFIG", &bed.kubeconfig),
    );
    let after = snapshot(&bed.env);
    let added: Vec<&PathBuf> = after
        .iter()
        .map(|(p, ..)| p)
        .filter(|p| !before.iter().any(|(b, ..)| b == *p))
        .collect();
    assert!(!added.is_empty());
    assert!(
        added.iter().all(|p| p.starts_with(bed.env.cache_dir())),
        "{added:?}"
    );
    let kept: Vec<_> = after
        .iter()
        .filter(|(p, ..)| !added.contains(&p))
        .cloned()
        .collect();
    assert_eq!(kept, before, "a file that was there changed");
    // With the credential cached, a second run changes nothing at all.
    run_ok(
        bed.env
            .doks_auth()
            .arg("doctor")
            .env("KUBECONFIG", &bed.kubeconfig),
    );
    assert_eq!(snapshot(&bed.env), after);
}

#[test]
fn doctor_is_bounded_by_its_timeout() {
    let bed = Bed::new();
    bed.api.mount(
        Mock::given(method("GET"))
            .and(path("/v2/account"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"account": {"email": EMAIL}}))
                    .set_delay(std::time::Duration::from_secs(30)),
            )
            .with_priority(1),
    );
    let started = std::time::Instant::now();
    let out = bed.doctor(&["--timeout", "2", "-o", "json"]);
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(6), "took {took:?}");
    assert_eq!(out.code, Some(1));
    let account = step(&out, "account");
    assert_eq!(account["status"], "failed");
    assert_eq!(
        account["detail"],
        "no answer from the DigitalOcean API within 2 s (--timeout)"
    );
    assert_eq!(account["fix"], "check the network or raise --timeout");
}

#[test]
fn a_kubeconfig_ca_the_server_does_not_match_fails_tls_verification() {
    let bed = Bed::new();
    let text = std::fs::read_to_string(&bed.kubeconfig).unwrap();
    let stale = text.replace(&bed.pki.ca_base64(), &Pki::new().ca_base64());
    assert_ne!(stale, text);
    std::fs::write(&bed.kubeconfig, stale).unwrap();
    let out = bed.doctor(&["-o", "json"]);
    assert_eq!(out.code, Some(1));
    let api = step(&out, "api-server");
    assert_eq!(api["status"], "failed");
    let detail = api["detail"].as_str().unwrap();
    assert!(
        detail.contains("no TLS connection")
            && detail.contains("the server's certificate")
            && detail.contains("certificate authority")
            && detail.contains(&bed.kube.url),
        "{detail}"
    );
    assert!(api["fix"].as_str().unwrap().contains("kubeconfig save"));
    assert_eq!(
        bed.kube.accepted() + bed.kube.rejected(),
        0,
        "no request went out"
    );
}
