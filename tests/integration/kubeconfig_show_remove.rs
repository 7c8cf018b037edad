//! `doks-auth kubeconfig show` and `remove`, and the point of it all: kubectl working through the
//! saved kubeconfig.

use std::path::PathBuf;

use chrono::Duration;
use serde_json::json;

use crate::kubeconfig::*;
use crate::support::*;

#[test]
fn show_prints_a_standalone_kubeconfig_and_writes_nothing() {
    let (env, api) = account(&[prod(), staging()]);
    let path = env.home().join("kubeconfig");
    let out = run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "show", "prod"],
    ));

    assert!(!path.exists(), "show wrote the kubeconfig");
    assert!(!env.home().join(".kube").exists(), "show made ~/.kube");
    assert!(env.files().is_empty(), "{:?}", env.files());
    assert!(!out.stderr.contains(DO_TOKEN) && !out.stderr.contains(K8S_TOKEN));
    assert!(!out.stdout.contains(DO_TOKEN) && !out.stdout.contains(K8S_TOKEN));

    let doc = parse(&out.stdout);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names(&doc, "users"), ["do-nyc1-prod-admin"]);
    assert_eq!(names(&doc, "contexts"), ["do-nyc1-prod"]);
    assert_eq!(doc["current-context"], "do-nyc1-prod");
    let exec = exec_of(&doc, "do-nyc1-prod-admin");
    assert_eq!(exec["command"], this_binary());
    assert_eq!(
        exec["args"],
        json!([
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            api.url()
        ])
    );

    if !kubectl_available() {
        return;
    }
    let shown = tempfile::tempdir().unwrap();
    let file = shown.path().join("shown.yaml");
    std::fs::write(&file, &out.stdout).unwrap();
    let view = run(env.command("kubectl").args([
        "config",
        "view",
        "--raw",
        "-o",
        "json",
        "--kubeconfig",
        file.to_str().unwrap(),
    ]));
    assert_eq!(view.code, Some(0), "kubectl rejected it: {}", view.stderr);
    let seen = view.json();
    assert_eq!(seen["current-context"], "do-nyc1-prod");
    assert_eq!(
        entry(&seen, "clusters", "do-nyc1-prod")["cluster"]["server"],
        server_of(CLUSTER_ID)
    );
    let seen_exec = exec_of(&seen, "do-nyc1-prod-admin");
    assert_eq!(seen_exec["command"], exec["command"]);
    assert_eq!(seen_exec["args"], exec["args"]);
    assert_eq!(seen_exec["interactiveMode"], "Never");
}

#[test]
fn remove_takes_out_only_that_clusters_entries_and_cached_credentials() {
    let (env, api) = account(&[prod(), staging()]);
    let edited = env.home().join("edited");
    let expected = env.home().join("expected");
    for path in [&edited, &expected] {
        std::fs::write(path, EXISTING).unwrap();
    }
    save(
        &env,
        &api,
        &edited,
        &["prod", "--set-current-context=false"],
    );
    save(
        &env,
        &api,
        &edited,
        &["staging", "--set-current-context=false"],
    );
    // What the file should come back to: the same, as if prod had never been saved.
    save(
        &env,
        &api,
        &expected,
        &["staging", "--set-current-context=false"],
    );
    assert_eq!(cache_entry_names(&env.cache_dir()).len(), 2);

    let out = run_ok(&mut doks(
        &env,
        &api,
        Some(&edited),
        &["kubeconfig", "remove", "prod"],
    ));
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains(
            "doks-auth: removed context do-nyc1-prod, cluster do-nyc1-prod and user do-nyc1-prod-admin"
        ) && out.stderr.contains("doks-auth: removed 1 cached credential from"),
        "{}",
        out.stderr
    );
    // Byte for byte: only prod's lines were added and taken out again.
    assert_eq!(
        std::fs::read_to_string(&edited).unwrap(),
        std::fs::read_to_string(&expected).unwrap()
    );
    assert_eq!(read_yaml(&edited)["current-context"], "minikube");
    let left = cache_entry_names(&env.cache_dir());
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with(&format!("{OTHER_CLUSTER_ID}-")),
        "{left:?}"
    );
}

/// A context of the user's own that names doks-auth's cluster entry keeps it: without it,
/// kubectl would quietly send that context's requests to localhost:8080 (issue 19).
#[test]
fn remove_keeps_a_cluster_entry_another_context_uses_and_says_so() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    std::fs::write(
        &path,
        "users:\n- name: readonly\n  user:\n    token: read-only-token\n\
         contexts:\n- name: prod-readonly\n  context:\n    cluster: do-nyc1-prod\n    user: readonly\n",
    )
    .unwrap();
    save(&env, &api, &path, &["prod"]);

    let out = run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "remove", "prod"],
    ));
    assert!(
        out.stderr
            .contains("doks-auth: removed context do-nyc1-prod and user do-nyc1-prod-admin from")
            && out.stderr.contains(
                "doks-auth: kept cluster \"do-nyc1-prod\": context \"prod-readonly\" still uses it"
            ),
        "{}",
        out.stderr
    );
    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names(&doc, "users"), ["readonly"]);
    assert_eq!(names(&doc, "contexts"), ["prod-readonly"]);
    if kubectl_available() {
        let view = run_ok(
            env.command("kubectl")
                .args([
                    "config",
                    "view",
                    "--raw",
                    "-o",
                    "json",
                    "--context",
                    "prod-readonly",
                    "--minify",
                ])
                .env("KUBECONFIG", &path),
        )
        .json();
        assert_eq!(
            view["clusters"][0]["cluster"]["server"],
            server_of(CLUSTER_ID)
        );
    }
}

/// The point of it all: after `kubeconfig save`, plain kubectl (no flags, KUBECONFIG from the
/// environment) reaches the cluster through the plugin, on the credential the save cached.
#[test]
fn kubectl_works_through_the_saved_kubeconfig_without_another_credentials_request() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_clusters(&[prod()]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &kube.url,
        &pki.ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let path: PathBuf = env.home().join("kubeconfig");
    save(&env, &api, &path, &["prod"]);
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
    let requests_after_save = api.requests().len();

    let out = run(env
        .command("kubectl")
        .args(["get", "--raw", "/version"])
        .env("KUBECONFIG", &path)
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert_eq!(out.code, Some(0), "kubectl failed: {}", out.stderr);
    assert_eq!(out.json()["gitVersion"], "v1.31.1");
    assert!(kube.accepted() >= 1);
    assert_eq!(kube.rejected(), 0);
    // Served from the cache the save seeded: DigitalOcean heard nothing more.
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
    assert_eq!(api.requests().len(), requests_after_save);
}
