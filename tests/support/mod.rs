//! Real protocol peers for the integration tests and the demo (`examples/demo.rs`), written once:
//! - [`DoApi`]: a DigitalOcean API stand-in (wiremock on loopback), optionally behind a [`TlsFront`];
//! - [`KubeApi`]: a Kubernetes API stand-in over TLS that accepts only the issued token or only
//!   the issued client certificate;
//! - [`Pki`]: a throwaway CA with server and client certificates;
//! - [`TestEnv`]: a temporary HOME and a `doks-auth` command that sees nothing of the caller's
//!   environment.
#![allow(dead_code)] // each user of this module needs a different part of it

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One runtime, shared by every stand-in, running on its own threads while the test thread
/// waits on real `doks-auth` and `kubectl` processes.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

pub const CLUSTER_ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";
pub const OTHER_CLUSTER_ID: &str = "7c0ad6a5-31b5-4c29-9a2e-0d2bfbd0c1a7";
pub const DO_TOKEN: &str = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
pub const K8S_TOKEN: &str = "k8s-token-5f3c1a9e7b2d4c6f8a0b1c2d3e4f5a6b7c8d9e0f";

/// Whether `kubectl` runs from PATH.
pub fn kubectl_on_path() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// kubectl is part of the test bed; CI fails without it, a developer is told loudly.
pub fn kubectl_available() -> bool {
    let found = kubectl_on_path();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is not on PATH: CI must run the end-to-end tests"
        );
        eprintln!(
            "\n\n!!!!! kubectl is not on PATH: the end-to-end tests did NOT run. Install kubectl. !!!!!\n\n"
        );
    }
    found
}

/// The `doks-auth` binary under test.
pub fn doks_auth_bin() -> PathBuf {
    if let Some(path) = option_env!("CARGO_BIN_EXE_doks-auth") {
        return PathBuf::from(path);
    }
    // Examples are not given CARGO_BIN_EXE_*: the binary sits one folder up from them.
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("doks-auth"))
        .expect("target folder")
}

// ---------------------------------------------------------------------------------------------
// PKI

/// A CA, a server certificate for 127.0.0.1/localhost, and a client certificate, all PEM.
pub struct Pki {
    pub ca_pem: String,
    pub server_cert_der: Vec<u8>,
    pub server_key_der: Vec<u8>,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    pub client_cert_der: Vec<u8>,
}

impl Pki {
    pub fn new() -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "doks-auth test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let mut server_params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        server_params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();

        let client_key = KeyPair::generate().unwrap();
        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(DnType::CommonName, "doks-admin");
        let client_cert = client_params.signed_by(&client_key, &issuer).unwrap();

        Pki {
            ca_pem: ca_cert.pem(),
            server_cert_der: server_cert.der().to_vec(),
            server_key_der: server_key.serialize_der(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
            client_cert_der: client_cert.der().to_vec(),
        }
    }

    pub fn ca_base64(&self) -> String {
        STANDARD.encode(&self.ca_pem)
    }

    /// Writes the CA to a file, for `SSL_CERT_FILE` or curl's `--cacert`.
    pub fn write_ca(&self, dir: &Path) -> PathBuf {
        let path = dir.join("test-ca.pem");
        std::fs::write(&path, &self.ca_pem).unwrap();
        path
    }

    fn server_config(&self, alpn: &[&[u8]], client_roots: bool) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        runtime();
        let chain = vec![CertificateDer::from(self.server_cert_der.clone())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone()));
        let builder = rustls::ServerConfig::builder();
        let mut config = if client_roots {
            let mut roots = rustls::RootCertStore::empty();
            let ca_der = pem_to_der(&self.ca_pem);
            roots.add(CertificateDer::from(ca_der)).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
                .allow_unauthenticated()
                .build()
                .unwrap();
            builder
                .with_client_cert_verifier(verifier)
                .with_single_cert(chain, key)
                .unwrap()
        } else {
            builder
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .unwrap()
        };
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

// ---------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------
// TLS in front of a plain-HTTP stand-in (an HTTPS DigitalOcean API)

/// A loopback listener with the PKI's server certificate (HTTP/1.1 only), and its https URL.
/// With `client_certs`, clients may present a certificate signed by the CA.
fn tls_listener(
    pki: &Pki,
    client_certs: bool,
) -> (tokio_rustls::TlsAcceptor, tokio::net::TcpListener, String) {
    let acceptor = tokio_rustls::TlsAcceptor::from(pki.server_config(&[b"http/1.1"], client_certs));
    let listener = runtime()
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    (acceptor, listener, url)
}

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

// ---------------------------------------------------------------------------------------------
// Kubernetes API stand-in

#[derive(Clone)]
pub enum KubeAuth {
    /// Accept only `Authorization: Bearer <token>`.
    Token(String),
    /// Accept only this client certificate (DER).
    ClientCert(Vec<u8>),
    /// Accept only an ID token from `issuer` for `audience`, signed by one of `keys` (the
    /// provider's JWKS), as a cluster's API server does for SSO.
    IdToken {
        keys: jsonwebtoken::jwk::JwkSet,
        issuer: String,
        audience: String,
    },
}

fn id_token_checks_out(header: Option<&hyper::header::HeaderValue>, auth: &KubeAuth) -> bool {
    let KubeAuth::IdToken {
        keys,
        issuer,
        audience,
    } = auth
    else {
        return false;
    };
    let Some(token) = header
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let Ok(head) = jsonwebtoken::decode_header(token) else {
        return false;
    };
    let Some(jwk) = head.kid.as_deref().and_then(|kid| keys.find(kid)) else {
        return false;
    };
    let mut validation = jsonwebtoken::Validation::new(head.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    jsonwebtoken::DecodingKey::from_jwk(jwk)
        .is_ok_and(|key| jsonwebtoken::decode::<Value>(token, &key, &validation).is_ok())
}

pub struct KubeApi {
    pub url: String,
    accepted: Arc<AtomicUsize>,
    rejected: Arc<AtomicUsize>,
}

impl KubeApi {
    pub fn start(pki: &Pki, auth: KubeAuth) -> KubeApi {
        use http_body_util::Full;
        use hyper::body::Bytes;
        use hyper::{Request, Response, StatusCode};

        let (acceptor, listener, url) = tls_listener(pki, true);
        let accepted = Arc::new(AtomicUsize::new(0));
        let rejected = Arc::new(AtomicUsize::new(0));
        let (acc, rej) = (accepted.clone(), rejected.clone());
        runtime().spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, auth, acc, rej) = (acceptor.clone(), auth.clone(), acc.clone(), rej.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let peer = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec());
                    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let allowed = match &auth {
                            KubeAuth::Token(token) => req
                                .headers()
                                .get("authorization")
                                .is_some_and(|v| v.as_bytes() == format!("Bearer {token}").as_bytes()),
                            KubeAuth::ClientCert(der) => peer.as_deref() == Some(der.as_slice()),
                            KubeAuth::IdToken { .. } => id_token_checks_out(req.headers().get("authorization"), &auth),
                        };
                        let (status, body) = if !allowed {
                            rej.fetch_add(1, Ordering::SeqCst);
                            (StatusCode::UNAUTHORIZED, json!({"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}))
                        } else if req.uri().path() == "/version" {
                            acc.fetch_add(1, Ordering::SeqCst);
                            (StatusCode::OK, json!({"major":"1","minor":"31","gitVersion":"v1.31.1","platform":"linux/amd64"}))
                        } else {
                            acc.fetch_add(1, Ordering::SeqCst);
                            (StatusCode::NOT_FOUND, json!({"kind":"Status","apiVersion":"v1","status":"Failure","message":"not found","reason":"NotFound","code":404}))
                        };
                        let response = Response::builder()
                            .status(status)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(body.to_string())))
                            .unwrap();
                        async move { Ok::<_, std::convert::Infallible>(response) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        KubeApi {
            url,
            accepted,
            rejected,
        }
    }

    /// Requests that carried the expected credential.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Requests turned away with 401.
    pub fn rejected(&self) -> usize {
        self.rejected.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------------------------
// The process under test

/// A temporary HOME, and commands that see only it, PATH, and what each test adds.
pub struct TestEnv {
    pub home: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            home: tempfile::tempdir().unwrap(),
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Where the cache lives by default in this HOME.
    pub fn cache_dir(&self) -> PathBuf {
        self.home().join(".kube/cache/doks-auth")
    }

    /// Any program, with an environment of PATH and HOME only, so nothing of the developer's
    /// own setup (tokens, proxies, kubeconfig, doctl config) leaks into a test.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .current_dir(self.home());
        cmd
    }

    pub fn doks_auth(&self) -> Command {
        self.command(doks_auth_bin())
    }

    /// `doks-auth get-credential` for `cluster` against `api`, with the token in the environment.
    pub fn get_credential(&self, api: &str, cluster: &str) -> Command {
        let mut cmd = self.doks_auth();
        cmd.args(["get-credential", "--cluster-id", cluster, "--api-url", api])
            .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
        cmd
    }

    /// A `get-credential` started in the background against a stand-in that answers
    /// [`CLUSTER_ID`]'s credentials only after `delay`, returned once its request has arrived:
    /// from then on it holds the entry's lock and the DigitalOcean token is in its memory.
    pub fn refresh_in_progress(&self, api: &DoApi, delay: Duration) -> std::process::Child {
        api.serve_token_after(CLUSTER_ID, K8S_TOKEN, chrono::Duration::hours(3), delay);
        let child = self
            .get_credential(&api.url(), CLUSTER_ID)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        wait_until("the refresh's request", Duration::from_secs(10), || {
            api.credential_requests(CLUSTER_ID) == 1
        });
        child
    }

    /// Every regular file under HOME, for "nothing secret was written anywhere" checks.
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                let kind = entry.file_type().unwrap();
                if kind.is_dir() {
                    walk(&path, out);
                } else if kind.is_file() {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.home(), &mut out);
        out
    }
}

/// The cache entries (`*.json`) in `dir`, sorted; none when it does not exist.
pub fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|listing| {
            listing
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Their file names.
pub fn cache_entry_names(dir: &Path) -> Vec<String> {
    cache_entries(dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

impl TestEnv {
    /// The one entry in the default cache folder; panics unless there is exactly one.
    pub fn only_cache_entry(&self) -> PathBuf {
        let found = cache_entries(&self.cache_dir());
        assert_eq!(found.len(), 1, "expected one cache entry: {found:?}");
        found[0].clone()
    }
}

/// What a finished process said.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {:?}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

pub fn run(cmd: &mut Command) -> Outcome {
    let output = cmd.output().expect("spawn");
    Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the command and insists it succeeded silently.
pub fn run_ok(cmd: &mut Command) -> Outcome {
    let out = run(cmd);
    assert_eq!(
        out.code,
        Some(0),
        "failed: {cmd:?}\nstdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
    out
}

/// Waits for a condition that other threads or processes make true.
pub fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A kubeconfig whose user runs doks-auth through an exec stanza, for real kubectl.
pub fn exec_kubeconfig(
    server: &str,
    ca_base64: &str,
    exec_api_version: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> String {
    let interactive = if exec_api_version.ends_with("/v1") {
        "\n        interactiveMode: Never"
    } else {
        ""
    };
    let args: String = args.iter().map(|a| format!("\n        - {a:?}")).collect();
    let env: String = if env.is_empty() {
        String::new()
    } else {
        let items: String = env
            .iter()
            .map(|(k, v)| format!("\n          - name: {k}\n            value: {v:?}"))
            .collect();
        format!("\n        env:{items}")
    };
    format!(
        "apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: {server}
      certificate-authority-data: {ca_base64}
users:
  - name: test
    user:
      exec:
        apiVersion: {exec_api_version}
        command: {bin:?}
        args:{args}{env}{interactive}
contexts:
  - name: test
    context:
      cluster: test
      user: test
current-context: test
",
        bin = doks_auth_bin().display().to_string(),
    )
}

/// Every line doks-auth prints on stderr says it is doks-auth's.
pub fn assert_every_line_is_ours(stderr: &str) {
    for line in stderr.lines() {
        assert!(
            line.starts_with("doks-auth: "),
            "a line without the prefix: {line:?}\n{stderr}"
        );
    }
}
