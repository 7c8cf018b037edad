//! A context saved with the token of doctl's current auth context keeps to that context, as
//! doctl's own stanzas do: `doctl auth switch` to another team afterwards must not hand kubectl a
//! token that cannot reach the cluster. And a 404 names the token that was used, and its team.

use chrono::Duration;
use serde_json::json;
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

const TOKEN_A: &str = "dop_v1_aaaa456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
const TOKEN_B: &str = "dop_v1_bbbb456789abcdef0123456789abcdef0123456789abcdef0123456789ab";

/// Team A's DigitalOcean stand-in: its cluster answers only team A's token; team B's token gets
/// DigitalOcean's 404, and `/v2/account` names team B.
fn team_a_api(kube: &KubeApi, pki: &Pki) -> DoApi {
    let api = DoApi::start();
    let bearer = |token: &str| header("authorization", format!("Bearer {token}"));
    let cluster = cluster_json(CLUSTER_ID, "prod", "nyc1", &kube.url);
    let credentials = credentials_json(
        &kube.url,
        &pki.ca_base64(),
        Some(K8S_TOKEN),
        None,
        chrono::Utc::now() + Duration::hours(3),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("/v2/kubernetes/clusters/{CLUSTER_ID}")))
            .and(bearer(TOKEN_A))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"kubernetes_cluster": cluster})),
            ),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!(
                "/v2/kubernetes/clusters/{CLUSTER_ID}/credentials"
            )))
            .and(bearer(TOKEN_A))
            .respond_with(ResponseTemplate::new(200).set_body_json(credentials)),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path_regex("^/v2/kubernetes/clusters/.*"))
            .and(bearer(TOKEN_B))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({
                "id": "not_found", "message": "The resource you requested could not be found."
            }))),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path("/v2/account"))
            .and(bearer(TOKEN_B))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"account": {
                "email": "b@example.com", "uuid": "u", "status": "active",
                "team": {"uuid": "t", "name": "Team B"},
            }}))),
    );
    api
}

fn doctl_current(env: &TestEnv, context: &str) -> std::path::PathBuf {
    let dir = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        format!("context: {context}\nauth-contexts:\n  team-a: {TOKEN_A}\n  team-b: {TOKEN_B}\n"),
    )
    .unwrap();
    config
}

#[test]
fn a_context_saved_with_doctls_current_context_keeps_to_it_after_doctl_switches() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = team_a_api(&kube, &pki);
    let kubeconfig = env.home().join("kubeconfig");
    doctl_current(&env, "team-a");

    let saved = run(env
        .doks_auth()
        .args(["kubeconfig", "save", CLUSTER_ID, "--api-url", &api.url()])
        .env("KUBECONFIG", &kubeconfig));
    assert_eq!(saved.code, Some(0), "{}", saved.stderr);
    let notes: Vec<&str> = saved
        .stderr
        .lines()
        .filter(|l| l.contains("team-a"))
        .collect();
    assert_eq!(
        notes,
        [
            "doks-auth: note: the token is doctl's current context team-a, so the stanza keeps to it (--context team-a); pass --context NAME to choose another"
        ],
        "{}",
        saved.stderr
    );
    let view = run_ok(
        env.command("kubectl")
            .args(["config", "view", "--raw", "-o", "json"])
            .env("KUBECONFIG", &kubeconfig),
    );
    let view: serde_json::Value = serde_json::from_str(&view.stdout).unwrap();
    let args = &view["users"][0]["user"]["exec"]["args"];
    assert_eq!(
        args,
        &json!([
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--context",
            "team-a",
            "--api-url",
            api.url()
        ])
    );

    // doctl now points at team B; the cached credential is gone, so kubectl must ask again.
    doctl_current(&env, "team-b");
    std::fs::remove_dir_all(env.cache_dir()).unwrap();
    let out = run(env
        .command("kubectl")
        .args(["get", "--raw", "/version"])
        .env("KUBECONFIG", &kubeconfig));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let asked_with_a = api
        .requests()
        .iter()
        .filter(|r| r.url.path().ends_with("/credentials"))
        .all(|r| r.headers["authorization"] == format!("Bearer {TOKEN_A}"));
    assert!(asked_with_a && api.credential_requests(CLUSTER_ID) == 2);
}

#[test]
fn a_cluster_the_token_cannot_see_names_the_doctl_context_and_team_used() {
    let env = TestEnv::new();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = team_a_api(&kube, &pki);
    let config = doctl_current(&env, "team-b");
    let kubeconfig = env.home().join("kubeconfig");

    let out = run(env
        .doks_auth()
        .args(["kubeconfig", "save", CLUSTER_ID, "--api-url", &api.url()])
        .env("KUBECONFIG", &kubeconfig));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let line = format!(
        "doks-auth: error: DigitalOcean API answered 404 Not Found (id not_found, \"The resource you requested could not be found.\"): no such cluster for the token of doctl context \"team-b\" in {} (team Team B): check the id with `doks-auth clusters`; a cluster of another team needs that team's token (--context NAME)\n",
        config.display()
    );
    assert_eq!(out.stderr, line);
    assert!(!kubeconfig.exists());

    // kubectl's own call says the same of the variable it took the token from.
    let out = run(env
        .doks_auth()
        .args([
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            &api.url(),
        ])
        .env("DIGITALOCEAN_ACCESS_TOKEN", TOKEN_B));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no such cluster for the token of DIGITALOCEAN_ACCESS_TOKEN (team Team B)"),
        "{}",
        out.stderr
    );
}
