use serde_json::json;

use super::*;
use crate::commands::doctor::report::Status;
use crate::digitalocean::api::{ClusterSso, ClusterStatus};
use crate::kubeconfig::context::Entry;

fn cluster(state: &str, endpoint: &str) -> Cluster {
    Cluster {
        id: "id".into(),
        name: "prod".into(),
        region: "nyc1".into(),
        version: "1.33.1-do.0".into(),
        endpoint: Some(endpoint.into()),
        status: Some(ClusterStatus {
            state: Some(state.into()),
        }),
        sso: None,
    }
}

fn judged(cluster: &Cluster) -> (Status, String) {
    let entry = |body| Entry {
        name: "c".into(),
        body,
        file: "/k".into(),
    };
    let ctx = KubeContext {
        name: "prod".into(),
        context_file: "/k".into(),
        cluster: entry(json!({"cluster": {"server": "https://k8s.example/"}})),
        user: entry(json!({})),
    };
    let mut report = Report::default();
    cluster_found(&ctx, cluster, &mut report);
    let step = report.steps.remove(0);
    (step.status, step.detail)
}

#[test]
fn the_cluster_must_be_running_where_the_kubeconfig_says() {
    let (status, detail) = judged(&cluster("running", "https://K8S.example"));
    assert_eq!(status, Status::Ok, "{detail}");
    assert_eq!(detail, "prod in nyc1, Kubernetes 1.33.1-do.0, running");
    let (status, detail) = judged(&cluster("running", "https://elsewhere.example"));
    assert_eq!(status, Status::Warning);
    assert!(detail.contains("not the kubeconfig's server"), "{detail}");
    assert_eq!(
        judged(&cluster("degraded", "https://k8s.example")).0,
        Status::Warning
    );
    assert_eq!(
        judged(&cluster("deleted", "https://k8s.example")).0,
        Status::Failed
    );
    let mut sso = cluster("running", "https://k8s.example");
    sso.sso = Some(ClusterSso {
        enabled: true,
        required: true,
        ..ClusterSso::default()
    });
    let (status, detail) = judged(&sso);
    assert_eq!(status, Status::Failed);
    assert!(detail.contains("requires single sign-on"), "{detail}");
}
