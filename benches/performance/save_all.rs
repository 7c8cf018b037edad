//! Section 9: `kubeconfig save --all` against an API that takes 100 ms to answer each request:
//! what fetching 8 clusters at a time buys over one after another.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

const CLUSTERS: usize = 50;
const LATENCY: Duration = Duration::from_millis(100);

pub fn run() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let clusters: Vec<Value> = (0..CLUSTERS)
        .map(|i| {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            cluster_json(
                &id,
                &format!("c{i}"),
                "nyc1",
                &format!("https://{id}.k8s.example"),
            )
        })
        .collect();
    api.mount(
        Mock::given(method("GET"))
            .and(path("/v2/kubernetes/clusters"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(
                        json!({"kubernetes_clusters": clusters, "meta": {"total": CLUSTERS}}),
                    )
                    .set_delay(LATENCY),
            ),
    );
    let body = credentials_json(
        "https://127.0.0.1:6443",
        "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
        Some(K8S_TOKEN),
        None,
        chrono::Utc::now() + chrono::Duration::hours(3),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path_regex("^/v2/kubernetes/clusters/[^/]+/credentials$"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(body)
                    .set_delay(LATENCY),
            ),
    );
    let mut times = Vec::new();
    for round in 0..5 {
        let kubeconfig = env.home().join(format!("kubeconfig-{round}"));
        let mut cmd: Command = env.doks_auth();
        cmd.args(["kubeconfig", "save", "--all", "--api-url", &api.url()])
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
            .env("KUBECONFIG", &kubeconfig);
        let started = Instant::now();
        let out = run_ok(&mut cmd);
        times.push(started.elapsed());
        assert!(
            out.stderr
                .contains(&format!("{CLUSTERS} clusters: {CLUSTERS} added"))
        );
    }
    times.sort();
    let serial = LATENCY * (CLUSTERS as u32 + 1);
    println!(
        "\n## 9. kubeconfig save --all: {CLUSTERS} clusters, every API request answered after {} ms\n\nmedian of 5: {:.0} ms wall (one request at a time would take at least {:.0} ms: the list, then {CLUSTERS} credentials)",
        LATENCY.as_millis(),
        times[2].as_secs_f64() * 1000.0,
        serial.as_secs_f64() * 1000.0,
    );
}
