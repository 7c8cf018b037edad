//! A cached credential the API server refuses (revoked or rotated at DigitalOcean): client-go
//! runs the plugin again in the same process after a 401, and doks-auth takes that second call
//! as the refusal it is. At most one kubectl command fails; nothing changes without a refusal.
//! Both with plain kubectl (one call per process as it starts) and with the Google Cloud SDK's
//! dispatcher (one call, then the versioned kubectl it execs in the same pid calls again).

use std::path::Path;

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::Value;

use crate::kubectl::{Bed, V1};
use crate::support::*;

const ROTATED: &str = "k8s-token-rotated-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a";

/// Moves the entry's fetch time an hour back (its expiry stays): past the 10 s guard against
/// forced refreshes in a row.
fn fetched_an_hour_ago(path: &Path) {
    let mut entry: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    entry["fetched_at"] = (Utc::now() - Duration::hours(1))
        .to_rfc3339_opts(SecondsFormat::Secs, true)
        .into();
    std::fs::write(path, entry.to_string()).unwrap();
}

/// The kubectl's name, for messages.
fn name(kubectl: &Path) -> String {
    kubectl.display().to_string()
}

#[test]
fn after_a_revocation_at_most_one_command_fails_with_every_kubectl() {
    for kubectl in kubectls() {
        let bed = Bed::accepting_the_token();
        bed.api
            .serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
        let first = bed.kubectl_version_with(&kubectl, V1);
        assert_eq!(first.code, Some(0), "{}: {}", name(&kubectl), first.stderr);
        fetched_an_hour_ago(&bed.env.only_cache_entry());

        // Revoked at DigitalOcean: the cluster takes only the new token, which DigitalOcean
        // issues.
        bed.kube.accept(KubeAuth::Token(ROTATED.into()));
        bed.api.reset();
        bed.api.serve_token(CLUSTER_ID, ROTATED, Duration::hours(3));
        let after: Vec<Outcome> = (0..3)
            .map(|_| bed.kubectl_version_with(&kubectl, V1))
            .collect();
        // The first command may fail (its retry is what tells doks-auth); the next ones work.
        assert_eq!(
            after[1].code,
            Some(0),
            "{}: {}",
            name(&kubectl),
            after[1].stderr
        );
        assert_eq!(
            after[2].code,
            Some(0),
            "{}: {}",
            name(&kubectl),
            after[2].stderr
        );
        assert_eq!(
            bed.api.credential_requests(CLUSTER_ID),
            1,
            "{}: one new credential, then the cache",
            name(&kubectl)
        );
    }
}

/// doctl writes `provideClusterInfo: false`; `kubeconfig convert` writes its stanza as `save` does
/// (`true`), so kubectl hands over the cluster the heal needs: after a revocation a converted
/// context fails at most one command too (issue 22, item 7).
#[test]
fn a_converted_doctl_context_heals_after_a_revocation_with_every_kubectl() {
    for kubectl in kubectls() {
        let bed = Bed::accepting_the_token();
        bed.api
            .serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
        let path = bed.env.home().join("kubeconfig");
        let doctl = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: do-nyc1-prod\n  cluster:\n    server: {}\n    certificate-authority-data: {}\ncontexts:\n- name: do-nyc1-prod\n  context:\n    cluster: do-nyc1-prod\n    user: do-nyc1-prod-admin\ncurrent-context: do-nyc1-prod\nusers:\n- name: do-nyc1-prod-admin\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: doctl\n      args: [kubernetes, cluster, kubeconfig, exec-credential, --version=v1beta1, {CLUSTER_ID}]\n      provideClusterInfo: false\n      interactiveMode: IfAvailable\n",
            bed.kube.url,
            bed.pki.ca_base64()
        );
        std::fs::write(&path, doctl).unwrap();
        let bin = doks_auth_bin();
        let converted = run(bed
            .env
            .doks_auth()
            .args(["kubeconfig", "convert", "--exec-command"])
            .arg(&bin)
            .env("KUBECONFIG", &path));
        assert_eq!(converted.code, Some(0), "{}", converted.stderr);
        let kubectl_get = || {
            run(bed
                .env
                .command(&kubectl)
                .args(["get", "--raw", "/version"])
                .env("KUBECONFIG", &path)
                .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
                .env("DIGITALOCEAN_API_URL", bed.api.url()))
        };
        let first = kubectl_get();
        assert_eq!(first.code, Some(0), "{}: {}", name(&kubectl), first.stderr);
        fetched_an_hour_ago(&bed.env.only_cache_entry());

        bed.kube.accept(KubeAuth::Token(ROTATED.into()));
        bed.api.reset();
        bed.api.serve_token(CLUSTER_ID, ROTATED, Duration::hours(3));
        let after: Vec<Outcome> = (0..3).map(|_| kubectl_get()).collect();
        for (i, out) in after.iter().enumerate().skip(1) {
            assert_eq!(
                out.code,
                Some(0),
                "{}: #{i}: {}",
                name(&kubectl),
                out.stderr
            );
        }
        assert_eq!(
            bed.api.credential_requests(CLUSTER_ID),
            1,
            "{}: one new credential, then the cache",
            name(&kubectl)
        );
    }
}

#[test]
fn ten_commands_without_a_revocation_make_one_request_with_every_kubectl() {
    for kubectl in kubectls() {
        let bed = Bed::accepting_the_token();
        bed.api
            .serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
        for i in 0..10 {
            let out = bed.kubectl_version_with(&kubectl, V1);
            assert_eq!(
                out.code,
                Some(0),
                "{} command {i}: {}",
                name(&kubectl),
                out.stderr
            );
            if i == 0 {
                fetched_an_hour_ago(&bed.env.only_cache_entry());
            }
        }
        assert_eq!(
            bed.api.credential_requests(CLUSTER_ID),
            1,
            "{}",
            name(&kubectl)
        );
        assert_eq!(bed.kube.rejected(), 0, "{}", name(&kubectl));
    }
}

/// `KUBERNETES_EXEC_INFO` as kubectl sends it for a stanza with `provideClusterInfo: true`.
fn exec_info_for(kube: &KubeApi, pki: &Pki) -> String {
    serde_json::json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "spec": {"interactive": false, "cluster": {
            "server": kube.url, "certificate-authority-data": pki.ca_base64(), "config": null,
        }},
    })
    .to_string()
}

#[test]
fn only_a_credential_the_cluster_refuses_is_refreshed_and_not_twice_in_10_s() {
    let (env, api) = serving_a_token();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let exec_info = exec_info_for(&kube, &pki);
    let asks = |times: usize, info: Option<&str>| {
        for _ in 0..times {
            let mut cmd = env.get_credential(&api.url(), CLUSTER_ID);
            if let Some(info) = info {
                cmd.env("KUBERNETES_EXEC_INFO", info);
            }
            run_ok(&mut cmd);
        }
    };
    asks(1, None);
    fetched_an_hour_ago(&env.only_cache_entry());
    // A script calling get-credential again and again (one parent, no KUBERNETES_EXEC_INFO).
    asks(3, None);
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
    // client-go asking again (kubectl apply -f -, a client loading its config in a loop) while
    // the cluster takes the credential: no refresh.
    asks(3, Some(&exec_info));
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        1,
        "the cluster took it"
    );
    // Without the cluster's address (a stanza without provideClusterInfo): no refresh either.
    asks(
        2,
        Some(
            r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#,
        ),
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 1, "no cluster to ask");
    // Revoked: the next call asking again refreshes; more within 10 s do not.
    kube.accept(KubeAuth::Token("another-token".into()));
    asks(1, Some(&exec_info));
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        2,
        "the refusal refreshes"
    );
    asks(2, Some(&exec_info));
    assert_eq!(api.credential_requests(CLUSTER_ID), 2, "not twice in 10 s");
}

/// The files a cache hit opens (and any getcwd), by strace; `None` (loudly, and a failure under CI) without strace.
fn files_a_hit_opens(env: &TestEnv, api: &DoApi, exec_info: Option<&str>) -> Option<String> {
    let found = std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "strace is missing: CI must run this test"
        );
        eprintln!("\n\n!!!!! strace is not installed: the /proc test did NOT run !!!!!\n\n");
        return None;
    }
    let log = env.home().join("strace.log");
    let mut cmd = env.command("strace");
    cmd.args(["-f", "-e", "trace=open,openat,openat2,getcwd", "-o"])
        .arg(&log)
        .arg(doks_auth_bin())
        .args(["get-credential", "--cluster-id", CLUSTER_ID, "--api-url"])
        .arg(api.url())
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
    if let Some(info) = exec_info {
        cmd.env("KUBERNETES_EXEC_INFO", info);
    }
    run_ok(&mut cmd);
    Some(std::fs::read_to_string(log).unwrap())
}

#[test]
fn the_client_process_is_looked_up_only_for_client_go() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let Some(script) = files_a_hit_opens(&env, &api, None) else {
        return;
    };
    assert!(
        !script.contains("/stat\""),
        "a hit without KUBERNETES_EXEC_INFO read /proc:\n{script}"
    );
    let exec_info = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#;
    let client_go = files_a_hit_opens(&env, &api, Some(exec_info)).unwrap();
    assert!(
        client_go.contains("/stat\""),
        "client-go's call is counted:\n{client_go}"
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
}

/// The completion hook runs before everything else: without its variable a cache hit must not
/// pay for it (clap_complete's own check reads the working folder and copies argv first).
#[test]
fn a_cache_hit_does_not_read_the_working_folder_for_completion() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let Some(script) = files_a_hit_opens(&env, &api, None) else {
        return;
    };
    assert!(
        !script.contains("getcwd("),
        "a hit read its working folder:\n{script}"
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 1, "not a hit");
}
