//! `doks-auth kubeconfig save` naming: aliases, the current context, and a cluster name that matches
//! none, several, or one on a later page.

use chrono::Duration;
use serde_json::json;

use crate::kubeconfig::*;
use crate::support::*;

#[test]
fn alias_renames_only_the_context() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    let out = save(&env, &api, &path, &["prod", "--alias", "production"]);
    assert!(
        out.stderr
            .contains("doks-auth: saved context production in "),
        "{}",
        out.stderr
    );
    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "contexts"), ["production"]);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names(&doc, "users"), ["do-nyc1-prod-admin"]);
    assert_eq!(
        doc["contexts"][0]["context"],
        json!({"cluster": "do-nyc1-prod", "user": "do-nyc1-prod-admin"})
    );
    assert_eq!(doc["current-context"], "production");
}

#[test]
fn set_current_context_false_leaves_the_current_context_alone() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, EXISTING).unwrap();
    let out = save(&env, &api, &path, &["prod", "--set-current-context=false"]);
    assert!(!out.stderr.contains("(current context)"), "{}", out.stderr);
    let doc = read_yaml(&path);
    assert_eq!(doc["current-context"], "minikube");
    entry(&doc, "contexts", "do-nyc1-prod");

    // The default does switch.
    save(&env, &api, &path, &["prod"]);
    assert_eq!(read_yaml(&path)["current-context"], "do-nyc1-prod");
}

#[test]
fn ambiguous_name_is_an_error_listing_the_ids() {
    let (env, api) = account(&[
        cluster_json(CLUSTER_ID, "dup", "nyc1", "https://a.k8s.example"),
        cluster_json(OTHER_CLUSTER_ID, "dup", "ams3", "https://b.k8s.example"),
    ]);
    let path = env.home().join("kubeconfig");
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "dup"],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("2 clusters are named \"dup\"")
            && out.stderr.contains(CLUSTER_ID)
            && out.stderr.contains(OTHER_CLUSTER_ID)
            && out.stderr.contains("pass the cluster's id instead"),
        "{}",
        out.stderr
    );
    assert!(!path.exists());
    assert_eq!(api.credential_requests(CLUSTER_ID), 0);
    assert_eq!(api.credential_requests(OTHER_CLUSTER_ID), 0);
}

#[test]
fn unknown_name_is_an_error_listing_the_existing_names() {
    let (env, api) = account(&[staging(), prod()]);
    let path = env.home().join("kubeconfig");
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "nope"],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("no cluster named \"nope\" in this account (clusters: prod, staging)"),
        "{}",
        out.stderr
    );
    assert!(!path.exists());
}

#[test]
fn unknown_name_in_an_account_without_clusters_says_there_are_none() {
    let (env, api) = account(&[]);
    let path = env.home().join("kubeconfig");
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod"],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("no cluster named \"prod\"") && out.stderr.contains("(clusters: none)"),
        "{}",
        out.stderr
    );
    assert!(!path.exists());
}

#[test]
fn save_by_name_finds_a_cluster_on_the_second_page() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_cluster_pages(&[
        vec![
            staging(),
            cluster_json(THIRD_CLUSTER_ID, "dev", "fra1", "https://dev.k8s.example"),
        ],
        vec![prod()],
    ]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &server_of(CLUSTER_ID),
        &ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let path = env.home().join("kubeconfig");
    save(&env, &api, &path, &["prod"]);

    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "contexts"), ["do-nyc1-prod"]);
    assert_eq!(exec_of(&doc, "do-nyc1-prod-admin")["args"][2], CLUSTER_ID);
    let pages: Vec<Option<String>> = api
        .requests()
        .iter()
        .filter(|r| r.url.path() == "/v2/kubernetes/clusters")
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(pages, [None, Some("2".to_string())]);
}

#[test]
fn a_cluster_name_with_an_escape_sequence_never_reaches_the_terminal() {
    let hostile = cluster_json(
        CLUSTER_ID,
        "evil\u{1b}]0;owned\u{7}\u{1b}[2J",
        "nyc1\u{9b}31m",
        "https://prod.k8s.example",
    );
    let (env, api) = account(&[hostile]);
    let path = env.home().join("kubeconfig");
    let clean = |out: &Outcome| {
        assert!(
            !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
            "{:?}",
            out.stderr
        );
    };
    // Such a name would become a kubeconfig name that kubectl prints raw: refused.
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", CLUSTER_ID],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    clean(&out);
    assert!(
        out.stderr.contains("cannot be a kubeconfig name"),
        "{}",
        out.stderr
    );
    assert!(!path.exists(), "nothing written");
}

/// A host has no case: this cluster's entry with its server written in capitals is still this
/// cluster's, so `save` updates it rather than refusing it as another's (issue 22, item 12).
#[test]
fn an_entry_whose_server_is_written_in_capitals_is_still_this_clusters() {
    let (env, api) = account(&[prod()]);
    let kubeconfig = env.home().join("config");
    save(&env, &api, &kubeconfig, &["prod"]);
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    let lower = server_of(CLUSTER_ID);
    let upper = format!("https://{}", lower["https://".len()..].to_uppercase());
    assert!(text.contains(&lower), "{text}");
    std::fs::write(&kubeconfig, text.replace(&lower, &upper)).unwrap();
    let out = save(&env, &api, &kubeconfig, &["prod"]);
    assert!(!out.stderr.contains("--alias"), "{}", out.stderr);
    let doc = read_yaml(&kubeconfig);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names(&doc, "users"), ["do-nyc1-prod-admin"]);
    assert_eq!(exec_of(&doc, "do-nyc1-prod-admin")["args"][2], CLUSTER_ID);
}
