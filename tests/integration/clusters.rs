//! `doks-auth clusters`: the account's clusters as a table or JSON, from every page of the list.

use serde_json::{Value, json};

use crate::support::*;

const THIRD_CLUSTER_ID: &str = "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";

fn three() -> Vec<Value> {
    vec![
        cluster_json(CLUSTER_ID, "prod", "nyc1", "https://prod.k8s.example"),
        cluster_json(
            OTHER_CLUSTER_ID,
            "staging",
            "ams3",
            "https://staging.k8s.example",
        ),
        cluster_json(THIRD_CLUSTER_ID, "dev", "fra1", "https://dev.k8s.example"),
    ]
}

fn clusters(env: &TestEnv, api: &DoApi, args: &[&str]) -> Outcome {
    run_ok(
        env.doks_auth()
            .arg("clusters")
            .args(args)
            .args(["--api-url", &api.url()])
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN),
    )
}

/// The table's cells, one row per line, split on runs of blanks (no cell here has a blank).
fn cells(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

fn expected_row(cluster: &Value) -> Vec<String> {
    ["name", "id", "region", "version"]
        .iter()
        .map(|k| cluster[*k].as_str().unwrap().to_string())
        .chain([
            cluster["status"]["state"].as_str().unwrap().to_string(),
            cluster["endpoint"].as_str().unwrap().to_string(),
        ])
        .collect()
}

fn expected_json(cluster: &Value) -> Value {
    json!({
        "id": cluster["id"], "name": cluster["name"], "region": cluster["region"],
        "version": cluster["version"], "status": cluster["status"]["state"],
        "endpoint": cluster["endpoint"],
    })
}

#[test]
fn table_has_a_header_and_one_row_per_cluster() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let all = three();
    api.serve_clusters(&all);
    let out = clusters(&env, &api, &[]);
    assert_eq!(out.stderr, "");
    let mut expected = vec![
        ["NAME", "ID", "REGION", "VERSION", "STATUS", "ENDPOINT"]
            .map(str::to_string)
            .to_vec(),
    ];
    expected.extend(all.iter().map(expected_row));
    assert_eq!(cells(&out.stdout), expected, "{}", out.stdout);
}

#[test]
fn json_output_is_an_array_of_flat_cluster_objects() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let all = three();
    api.serve_clusters(&all);
    let out = clusters(&env, &api, &["-o", "json"]);
    assert_eq!(out.stderr, "");
    let expected: Vec<Value> = all.iter().map(expected_json).collect();
    assert_eq!(out.json(), Value::Array(expected));
}

#[test]
fn every_page_is_listed() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let all = three();
    api.serve_cluster_pages(&[all[..2].to_vec(), all[2..].to_vec()]);

    let table = clusters(&env, &api, &[]);
    let rows = cells(&table.stdout);
    assert_eq!(rows.len(), 1 + all.len(), "{}", table.stdout);
    assert_eq!(rows[1..], all.iter().map(expected_row).collect::<Vec<_>>());

    let json = clusters(&env, &api, &["-o", "json"]);
    let expected: Vec<Value> = all.iter().map(expected_json).collect();
    assert_eq!(json.json(), Value::Array(expected));

    // Two runs, each asked for page 1 and then followed the link to page 2.
    let pages: Vec<Option<String>> = api
        .requests()
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    let two = Some("2".to_string());
    assert_eq!(pages, [None, two.clone(), None, two]);
}

#[test]
fn an_empty_account_says_so() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_clusters(&[]);
    let out = clusters(&env, &api, &[]);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "doks-auth: no clusters in this account\n");
    assert_eq!(clusters(&env, &api, &["-o", "json"]).json(), json!([]));
}

#[test]
fn errors_name_the_scope_and_the_url_that_fit_the_list_call() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let list = |status: u16| {
        api.reset();
        api.mount(
            wiremock::Mock::given(wiremock::matchers::path("/v2/kubernetes/clusters"))
                .respond_with(wiremock::ResponseTemplate::new(status)),
        );
        run(env
            .doks_auth()
            .args(["clusters", "--api-url", &api.url()])
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN))
    };
    let out = list(403);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("kubernetes:read") && !out.stderr.contains("access_cluster"),
        "{}",
        out.stderr
    );
    let out = list(404);
    assert!(
        out.stderr.contains("--api-url") && !out.stderr.contains("no such cluster"),
        "{}",
        out.stderr
    );
}

#[test]
fn names_from_the_server_cannot_drive_the_terminal() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_clusters(&[cluster_json(
        CLUSTER_ID,
        "evil\u{1b}]0;title\u{7}\u{1b}[2J\nname",
        "nyc1",
        "",
    )]);
    let out = clusters(&env, &api, &[]);
    assert!(
        !out.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().count(), 2, "{:?}", out.stdout);
    // An unknown name lists the known ones, scrubbed too.
    let out = run(env
        .doks_auth()
        .args(["kubeconfig", "show", "nope", "--api-url", &api.url()])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("evil"), "{}", out.stderr);
    assert!(
        !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stderr
    );
}

#[test]
fn a_next_link_with_an_escape_sequence_never_reaches_the_terminal() {
    use wiremock::matchers::{path, query_param_is_missing};
    let env = TestEnv::new();
    let api = DoApi::start();
    // On the API's own server, so only its characters are wrong with it.
    let next = format!(
        "{}/v2/kubernetes/clusters?page=2\u{1b}[31m\u{7}\u{9b}2J",
        api.url()
    );
    api.mount(
        wiremock::Mock::given(path("/v2/kubernetes/clusters"))
            .and(query_param_is_missing("page"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({
                "kubernetes_clusters": [three()[0]],
                "links": {"pages": {"next": next}},
            }))),
    );
    let out = run(env
        .doks_auth()
        .args(["clusters", "-v", "--api-url", &api.url()])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        !out.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stderr
    );
    assert!(
        out.stderr.contains("the next page's link is not a URL"),
        "{}",
        out.stderr
    );
    assert_eq!(api.requests().len(), 1, "the link was followed");
}

#[test]
fn a_next_link_that_leads_back_is_an_error_not_a_loop() {
    use wiremock::matchers::{path, query_param};
    let env = TestEnv::new();
    let api = DoApi::start();
    let page2 = format!("{}/v2/kubernetes/clusters?page=2&per_page=200", api.url());
    api.mount(
        wiremock::Mock::given(path("/v2/kubernetes/clusters"))
            .and(query_param("page", "2"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({
                "kubernetes_clusters": [three()[1]],
                "links": {"pages": {"next": page2}},
            }))),
    );
    api.mount(
        wiremock::Mock::given(path("/v2/kubernetes/clusters")).respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(json!({
                "kubernetes_clusters": [three()[0]],
                "links": {"pages": {"next": page2}},
            })),
        ),
    );
    let out = run(env
        .doks_auth()
        .args(["clusters", "--timeout", "20", "--api-url", &api.url()])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("leads back"), "{}", out.stderr);
    assert_eq!(api.requests().len(), 2);
}
