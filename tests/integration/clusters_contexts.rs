//! `doks-auth clusters --all-contexts`: the clusters of every doctl auth context (one team each)
//! and of the environment's token, side by side; a context whose token fails says so and hides
//! none of the others.

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

const TEAM_A: &str = "dop_v1_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TEAM_B: &str = "dop_v1_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const REVOKED: &str = "dop_v1_cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

/// Each token sees its own team's clusters (both teams have a `prod` in nyc1); one is revoked.
fn teams() -> (TestEnv, DoApi) {
    let env = TestEnv::new();
    let dir = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.yaml"),
        format!(
            "context: team-a\nauth-contexts:\n  team-a: {TEAM_A}\n  team-b: {TEAM_B}\n  old: {REVOKED}\n"
        ),
    )
    .unwrap();
    let api = DoApi::start();
    for (token, clusters) in [
        (
            TEAM_A,
            vec![cluster_json(
                CLUSTER_ID,
                "prod",
                "nyc1",
                "https://a.k8s.example",
            )],
        ),
        (
            TEAM_B,
            vec![
                cluster_json(OTHER_CLUSTER_ID, "prod", "nyc1", "https://b.k8s.example"),
                cluster_json(
                    "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c",
                    "dev",
                    "fra1",
                    "https://d.k8s.example",
                ),
            ],
        ),
    ] {
        api.mount(
            Mock::given(method("GET"))
                .and(path("/v2/kubernetes/clusters"))
                .and(header("authorization", format!("Bearer {token}").as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "kubernetes_clusters": clusters, "meta": {"total": clusters.len()},
                }))),
        );
    }
    api.mount(
        Mock::given(method("GET"))
            .and(path("/v2/kubernetes/clusters"))
            .and(header(
                "authorization",
                format!("Bearer {REVOKED}").as_str(),
            ))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"id": "unauthorized", "message": "Unable to authenticate you"}),
            )),
    );
    (env, api)
}

#[test]
fn every_context_is_listed_and_a_broken_one_hides_none_of_the_others() {
    let (env, api) = teams();
    let out = run(env.doks_auth().args([
        "clusters",
        "--all-contexts",
        "-o",
        "json",
        "--api-url",
        &api.url(),
    ]));
    assert_eq!(out.code, Some(1), "a context failed: {}", out.stderr);
    let rows: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let seen: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["context"].as_str().unwrap(), r["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("team-a", CLUSTER_ID),
            ("team-b", OTHER_CLUSTER_ID),
            ("team-b", "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c"),
        ]
    );
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stderr);
    assert!(
        lines[0].starts_with("doks-auth: warning: context old:") && lines[0].contains("401"),
        "{}",
        out.stderr
    );
    assert!(lines[1].contains("1 of 3 contexts"), "{}", out.stderr);
    for token in [TEAM_A, TEAM_B, REVOKED] {
        assert!(!out.stderr.contains(&token[7..]) && !out.stdout.contains(&token[7..]));
    }
}

#[test]
fn the_table_gets_a_context_column_and_the_environments_token_its_own_row() {
    let (env, api) = teams();
    // Only the healthy contexts: no failure, exit 0.
    let dir = env.home().join(".config").join("doctl");
    std::fs::write(
        dir.join("config.yaml"),
        format!("auth-contexts:\n  team-b: {TEAM_B}\n"),
    )
    .unwrap();
    let out = run_ok(
        env.doks_auth()
            .args(["clusters", "--all-contexts", "--api-url", &api.url()])
            .env("DIGITALOCEAN_ACCESS_TOKEN", TEAM_A),
    );
    let rows: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0][..3], ["CONTEXT", "NAME", "ID"]);
    assert_eq!(
        rows[1][..3],
        ["$DIGITALOCEAN_ACCESS_TOKEN", "prod", CLUSTER_ID]
    );
    assert_eq!(rows[2][..3], ["team-b", "prod", OTHER_CLUSTER_ID]);
    assert_eq!(rows.len(), 4);
    assert_eq!(out.stderr, "");
}

#[test]
fn all_contexts_and_one_context_are_exclusive() {
    let (env, api) = teams();
    let out = run(env.doks_auth().args([
        "clusters",
        "--all-contexts",
        "--context",
        "team-a",
        "--api-url",
        &api.url(),
    ]));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
}
