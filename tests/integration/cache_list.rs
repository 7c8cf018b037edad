//! `doks-auth cache list -o json` and its table: each entry's cluster id, the kubeconfig context
//! and cluster that use it, which token's account it is, its expiry and when it is renewed,
//! and never a secret.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::support::*;

#[test]
fn list_names_the_context_the_account_and_the_expiry_but_no_secret() {
    let env = TestEnv::new();
    let doctl = env.home().join(".config").join("doctl");
    std::fs::create_dir_all(&doctl).unwrap();
    std::fs::write(
        doctl.join("config.yaml"),
        format!("context: work\nauth-contexts:\n  work: {DO_TOKEN}\n"),
    )
    .unwrap();
    let api = DoApi::start();
    api.serve_clusters(&[cluster_json(
        CLUSTER_ID,
        "prod",
        "nyc1",
        "https://p.example",
    )]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        "https://p.example",
        &Pki::new().ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let kubeconfig = env.home().join("kubeconfig");
    let url = api.url();
    run_ok(
        env.doks_auth()
            .args(["kubeconfig", "save", "prod", "--api-url", &url])
            .env("KUBECONFIG", &kubeconfig),
    );
    run_ok(env.doks_auth().args([
        "get-credential",
        "--cluster-id",
        CLUSTER_ID,
        "--api-url",
        &url,
    ]));

    let out = run_ok(
        env.doks_auth()
            .args(["cache", "list", "-o", "json"])
            .env("KUBECONFIG", &kubeconfig),
    );
    for secret in [DO_TOKEN, K8S_TOKEN] {
        assert!(!out.stdout.contains(secret), "{}", out.stdout);
    }
    let mut listed = out.json();
    let entry = listed[0].as_object_mut().unwrap();
    let at = |key: &str| -> DateTime<Utc> { entry[key].as_str().unwrap().parse().unwrap() };
    let (expires, renews) = (at("expires_at"), at("renews_at"));
    assert!(
        (expires - (Utc::now() + Duration::hours(3)))
            .num_seconds()
            .abs()
            < 60
    );
    assert_eq!(expires - renews, Duration::seconds(300));
    let account = entry.remove("account").unwrap();
    assert_eq!(account.as_str().unwrap().len(), 16);
    entry.remove("expires_at");
    entry.remove("renews_at");
    assert_eq!(
        listed,
        json!([{
            "cluster_id": CLUSTER_ID,
            "contexts": ["do-nyc1-prod"],
            "clusters": ["do-nyc1-prod"],
            "account_name": "doctl context work",
            "sso_issuer": null,
            "sso_email": null,
            "sso_refresh_token": false,
        }])
    );

    // The table says the same, one line.
    let table = run_ok(
        env.doks_auth()
            .args(["cache", "list"])
            .env("KUBECONFIG", &kubeconfig),
    );
    let row: Vec<&str> = table
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        &row[..3],
        [CLUSTER_ID, "do-nyc1-prod", "doctl"],
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("doctl context work"),
        "{}",
        table.stdout
    );

    // An empty cache is an empty JSON list, not a message.
    run_ok(env.doks_auth().args(["cache", "clear"]));
    let empty = run_ok(env.doks_auth().args(["cache", "list", "-o", "json"]));
    assert_eq!(empty.json(), json!([]));
}
