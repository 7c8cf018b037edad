//! Whether the cluster's API server takes a cached credential. Asked only when client-go runs
//! the plugin again in the same process (see `serve`): it does so after a 401, but some commands
//! (`kubectl apply -f -`, a Python client loading its config in a loop) do it without one, and a
//! credential refreshed for nothing is a new token at DigitalOcean, or for SSO a login. One
//! `GET /version` with the credential settles it: a server answers 401 to a credential it does
//! not take on every path.
//!
//! The server and CA come from `KUBERNETES_EXEC_INFO`, which kubectl fills in when the stanza
//! says `provideClusterInfo: true` (as the stanzas doks-auth writes do).

use std::time::Duration;

use log::debug;
use serde::Deserialize;

use crate::cluster_client::Connection;
use crate::credential::Credential;
use crate::error::one_line;
use crate::http;
use crate::kube_api::{self, KubeError};

/// The probe is a single small request; a server slower than this has not refused anything.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The cluster as kubectl describes it to the plugin (`spec.cluster`): every connection field
/// client-go passes (a `certificate-authority` file arrives inlined as `-data`).
#[derive(Debug, Deserialize)]
pub struct Cluster {
    server: String,
    #[serde(default, rename = "certificate-authority-data")]
    certificate_authority_data: Option<String>,
    #[serde(default, rename = "insecure-skip-tls-verify")]
    insecure_skip_tls_verify: bool,
    #[serde(default, rename = "tls-server-name")]
    tls_server_name: Option<String>,
    #[serde(default, rename = "proxy-url")]
    proxy_url: Option<String>,
}

impl Cluster {
    fn connection(&self) -> Connection {
        Connection {
            server: self.server.clone(),
            certificate_authority: None,
            certificate_authority_data: self.certificate_authority_data.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            tls_server_name: self.tls_server_name.clone(),
            proxy_url: self.proxy_url.clone(),
            dir: None,
        }
    }
}

/// `spec.cluster` of `KUBERNETES_EXEC_INFO`, when kubectl sent it.
pub fn cluster_of(exec_info: &str) -> Option<Cluster> {
    #[derive(Deserialize)]
    struct Info {
        spec: Option<Spec>,
    }
    #[derive(Deserialize)]
    struct Spec {
        cluster: Option<Cluster>,
    }
    let info: Info = serde_json::from_str(exec_info).ok()?;
    info.spec?
        .cluster
        .filter(|c| c.server.starts_with("https://"))
}

/// True only when the API server answered 401 to `credential`. Anything else (200, 403, no
/// answer in time, a cluster entry kubectl's way of reaching cannot be copied) is no refusal:
/// kubectl's own request will say what is wrong.
pub fn refuses(cluster: &Cluster, credential: &Credential) -> bool {
    match http::block_on(async { Ok(status(cluster, credential).await) }) {
        Ok(Ok(status)) => {
            debug!(
                "probe: {} answered {status} to the cached credential",
                one_line(&cluster.server)
            );
            status == 401
        }
        Ok(Err(err)) => {
            debug!("probe: not asked, or no answer: {err}");
            false
        }
        Err(err) => {
            debug!("probe: {err}");
            false
        }
    }
}

async fn status(cluster: &Cluster, credential: &Credential) -> Result<u16, KubeError> {
    let client = kube_api::client(
        &cluster.server,
        &cluster.connection(),
        credential,
        PROBE_TIMEOUT,
    )?;
    let url = client.url("/version");
    let mut request = client.client.get(&url).timeout(PROBE_TIMEOUT);
    if let Some(token) = &credential.token {
        request = request.bearer_auth(token.expose());
    }
    let response = request
        .send()
        .await
        .map_err(|err| kube_api::network_error(&url, &err))?;
    Ok(response.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_is_read_from_exec_info_when_kubectl_sends_it() {
        let info = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
            "spec":{"interactive":false,"cluster":{"server":"https://10.0.0.1:6443",
            "certificate-authority-data":"TFMwdA==","config":null}}}"#;
        let cluster = cluster_of(info).unwrap();
        assert_eq!(cluster.server, "https://10.0.0.1:6443");
        assert_eq!(
            cluster.certificate_authority_data.as_deref(),
            Some("TFMwdA==")
        );
        for none in [
            r#"{"spec":{"interactive":false}}"#,
            r#"{"spec":{"cluster":{"server":"http://plain:80"}}}"#,
            r#"{"spec":{"cluster":{}}}"#,
            "not json",
        ] {
            assert!(cluster_of(none).is_none(), "{none}");
        }
    }
}
