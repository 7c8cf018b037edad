//! The heal's probe reaches the cluster in `KUBERNETES_EXEC_INFO` with the same client as
//! `whoami` and `doctor` (see `reach.rs` for that client against kubectl).

use std::collections::HashMap;

use crate::support::*;

/// The heal's probe reaches the cluster kubectl describes in `KUBERNETES_EXEC_INFO` as kubectl
/// would: a certificate not valid for `tls-server-name` gets nothing, a `proxy-url` carries the
/// request, a dead one means no request; `-v` says which side failed and what, in words.
#[test]
fn the_probe_reaches_the_cluster_in_exec_info_as_kubectl_would() {
    let (env, api) = serving_a_token();
    let cert = NamedCert::new(&["127.0.0.1"]);
    let server = Recorder::start(&cert);
    let proxy = Proxy::start(ProxyKind::Connect, HashMap::new(), None);
    let dead = free_port();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    // Past the guard against forced refreshes in a row.
    let entry = env.only_cache_entry();
    let mut cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    cached["fetched_at"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&entry, cached.to_string()).unwrap();
    let ask = |extra: serde_json::Value| {
        let mut cluster = serde_json::json!({"server": format!("https://127.0.0.1:{}", server.port),
            "certificate-authority-data": cert.ca_base64(), "config": null});
        cluster
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let info = serde_json::json!({"apiVersion": "client.authentication.k8s.io/v1",
            "kind": "ExecCredential", "spec": {"interactive": false, "cluster": cluster}});
        // The first call from this process is its start; the second is client-go asking again.
        let mut last = None;
        for _ in 0..2 {
            let mut cmd = env.get_credential(&api.url(), CLUSTER_ID);
            cmd.arg("-v").env("KUBERNETES_EXEC_INFO", info.to_string());
            last = Some(run_ok(&mut cmd));
        }
        last.unwrap().stderr
    };
    let stderr = ask(serde_json::json!({"tls-server-name": "api.other-cluster.internal"}));
    assert_eq!(
        server.take(),
        [],
        "sent to a server kubectl refuses:\n{stderr}"
    );
    assert!(
        stderr.contains("the server's certificate is not valid for the name kubectl checks"),
        "{stderr}"
    );
    for wrong in ["DigitalOcean", "--api-url", "peer", "Other("] {
        assert!(!stderr.contains(wrong), "{wrong:?} in\n{stderr}");
    }

    let stderr = ask(serde_json::json!({"proxy-url": format!("http://127.0.0.1:{dead}")}));
    assert_eq!(server.take(), [], "went around the dead proxy:\n{stderr}");
    assert!(
        stderr.contains("cannot reach the Kubernetes API server"),
        "{stderr}"
    );
    assert!(!stderr.contains("DigitalOcean"), "{stderr}");

    let stderr = ask(serde_json::json!({"proxy-url": format!("http://127.0.0.1:{}", proxy.port)}));
    assert!(!proxy.take().is_empty(), "not through the proxy:\n{stderr}");
    let seen = server.take();
    assert!(
        seen.iter().any(|s| s.path == "/version"
            && s.authorization.as_deref() == Some(&format!("Bearer {K8S_TOKEN}"))),
        "{seen:?}\n{stderr}"
    );
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        1,
        "the cluster took it: no refresh"
    );
}
