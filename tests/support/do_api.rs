//! The DigitalOcean API stand-in (wiremock on loopback), and TLS in front of it for an HTTPS API.

use super::*;

// DigitalOcean API stand-in

pub struct DoApi {
    pub server: MockServer,
}

impl DoApi {
    pub fn start() -> DoApi {
        DoApi {
            server: runtime().block_on(MockServer::start()),
        }
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    pub fn address(&self) -> SocketAddr {
        *self.server.address()
    }

    pub fn mount(&self, mock: Mock) {
        runtime().block_on(mock.mount(&self.server));
    }

    pub fn reset(&self) {
        runtime().block_on(self.server.reset());
    }

    pub fn requests(&self) -> Vec<wiremock::Request> {
        runtime()
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    /// How many credential requests reached the stand-in for this cluster.
    pub fn credential_requests(&self, cluster_id: &str) -> usize {
        let wanted = format!("/v2/kubernetes/clusters/{cluster_id}/credentials");
        self.requests()
            .iter()
            .filter(|r| r.url.path() == wanted)
            .count()
    }

    /// Answers every credentials request for `cluster_id` with `response`.
    pub fn serve_credentials(&self, cluster_id: &str, response: ResponseTemplate) {
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!(
                    "/v2/kubernetes/clusters/{cluster_id}/credentials"
                )))
                .respond_with(response),
        );
    }

    /// Answers only the next `times` credentials requests for `cluster_id` with `response`,
    /// ahead of whatever else is mounted.
    pub fn serve_credentials_first(
        &self,
        cluster_id: &str,
        times: u64,
        response: ResponseTemplate,
    ) {
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!(
                    "/v2/kubernetes/clusters/{cluster_id}/credentials"
                )))
                .respond_with(response)
                .up_to_n_times(times)
                .with_priority(1),
        );
    }

    /// The usual case: a token cluster whose credential lives `lifetime` from now.
    pub fn serve_token(&self, cluster_id: &str, token: &str, lifetime: chrono::Duration) {
        self.serve_token_after(cluster_id, token, lifetime, Duration::ZERO);
    }

    /// [`serve_token`](Self::serve_token), answering only after `delay`: a refresh stays in
    /// progress (holding its lock) that long.
    pub fn serve_token_after(
        &self,
        cluster_id: &str,
        token: &str,
        lifetime: chrono::Duration,
        delay: Duration,
    ) {
        let body = credentials_json(
            "https://127.0.0.1:6443",
            "",
            Some(token),
            None,
            Utc::now() + lifetime,
        );
        self.serve_credentials(
            cluster_id,
            ResponseTemplate::new(200)
                .set_body_json(body)
                .set_delay(delay),
        );
    }

    /// A token cluster whose credentials name a real API server and CA (a [`KubeApi`]
    /// stand-in's), as `kubeconfig save` needs them; the credential lives `lifetime` from now.
    pub fn serve_cluster_credentials(
        &self,
        cluster_id: &str,
        server: &str,
        ca_base64: &str,
        token: &str,
        lifetime: chrono::Duration,
    ) {
        let body = credentials_json(server, ca_base64, Some(token), None, Utc::now() + lifetime);
        self.serve_credentials(cluster_id, ResponseTemplate::new(200).set_body_json(body));
    }

    /// The cluster list split over `pages`, as DigitalOcean pages it: every page but the last
    /// links to the next with an absolute `links.pages.next` URL on this stand-in
    /// (`…/v2/kubernetes/clusters?page=N&per_page=200`); the first page is the request without a
    /// `page` parameter. Each cluster is also served by id.
    pub fn serve_cluster_pages(&self, pages: &[Vec<Value>]) {
        let total: usize = pages.iter().map(Vec::len).sum();
        let last = pages.len().max(1);
        let page_url = |n: usize| {
            format!(
                "{}/v2/kubernetes/clusters?page={n}&per_page=200",
                self.url()
            )
        };
        for (index, clusters) in pages.iter().enumerate() {
            let number = index + 1;
            let mut links = serde_json::Map::new();
            if number > 1 {
                links.insert("first".into(), page_url(1).into());
                links.insert("prev".into(), page_url(number - 1).into());
            }
            if number < last {
                links.insert("next".into(), page_url(number + 1).into());
                links.insert("last".into(), page_url(last).into());
            }
            let mut body = json!({"kubernetes_clusters": clusters, "meta": {"total": total}});
            if !links.is_empty() {
                body["links"] = json!({ "pages": links });
            }
            let mock = Mock::given(method("GET")).and(path("/v2/kubernetes/clusters"));
            let mock = if number == 1 {
                mock.and(query_param_is_missing("page"))
            } else {
                mock.and(query_param("page", number.to_string()))
            };
            self.mount(mock.respond_with(ResponseTemplate::new(200).set_body_json(body)));
        }
        for cluster in pages.iter().flatten() {
            self.serve_cluster(cluster);
        }
    }

    /// `GET /v2/kubernetes/clusters/{id}` for this cluster object.
    pub fn serve_cluster(&self, cluster: &Value) {
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!(
                    "/v2/kubernetes/clusters/{}",
                    cluster["id"].as_str().unwrap()
                )))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"kubernetes_cluster": cluster})),
                ),
        );
    }

    /// `GET /v2/account`: whom the token belongs to; `team` only for a team token.
    pub fn serve_account(&self, email: &str, team: Option<&str>) {
        let mut account = json!({
            "email": email, "name": "Sammy", "uuid": "b6fr89dbf6d9156cace5f3c78dc9851d957381ef",
            "email_verified": true, "status": "active", "status_message": "",
            "droplet_limit": 25, "floating_ip_limit": 5,
        });
        if let Some(team) = team {
            account["team"] = json!({"uuid": "5df3e3004a5d4a6a8e3d20f3f2b6a5a1", "name": team});
        }
        self.mount(
            Mock::given(method("GET"))
                .and(path("/v2/account"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(json!({ "account": account })),
                ),
        );
    }

    pub fn serve_clusters(&self, clusters: &[Value]) {
        self.mount(
            Mock::given(method("GET"))
                .and(path("/v2/kubernetes/clusters"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "kubernetes_clusters": clusters,
                    "meta": {"total": clusters.len()},
                }))),
        );
        for cluster in clusters {
            self.serve_cluster(cluster);
        }
    }
}

/// The most common start: a fresh HOME and a DigitalOcean stand-in that issues [`K8S_TOKEN`]
/// for [`CLUSTER_ID`], valid for three hours.
pub fn serving_a_token() -> (TestEnv, DoApi) {
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, chrono::Duration::hours(3));
    (TestEnv::new(), api)
}

/// A credentials answer as DigitalOcean sends it: base64 CA, and a token and/or a base64 PEM
/// certificate and key, expiring at `expires_at` (with nanoseconds, as the real API does).
pub fn credentials_json(
    server: &str,
    ca_base64: &str,
    token: Option<&str>,
    cert_and_key_pem: Option<(&str, &str)>,
    expires_at: DateTime<Utc>,
) -> Value {
    json!({
        "server": server,
        "certificate_authority_data": ca_base64,
        "client_certificate_data": cert_and_key_pem.map(|(c, _)| STANDARD.encode(c)),
        "client_key_data": cert_and_key_pem.map(|(_, k)| STANDARD.encode(k)),
        "token": token,
        "expires_at": expires_at.to_rfc3339_opts(SecondsFormat::Nanos, true),
    })
}

/// A cluster object with the fields doks-auth reads, plus a few it ignores.
pub fn cluster_json(id: &str, name: &str, region: &str, endpoint: &str) -> Value {
    json!({
        "id": id, "name": name, "region": region, "version": "1.31.1-do.0",
        "endpoint": endpoint, "ipv4": "", "tags": ["k8s", format!("k8s:{id}")],
        "node_pools": [], "maintenance_policy": null, "registries": null,
        "status": {"state": "running", "message": ""}, "ha": false,
        "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z"
    })
}

// TLS in front of a plain-HTTP stand-in (an HTTPS DigitalOcean API)

pub struct TlsFront {
    pub url: String,
}

impl TlsFront {
    pub fn start(pki: &Pki, upstream: SocketAddr) -> TlsFront {
        let (acceptor, listener, url) = tls_listener(pki, false);
        runtime().spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut plain) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront { url }
    }
}
