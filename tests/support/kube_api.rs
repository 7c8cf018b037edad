//! The Kubernetes API stand-in: TLS, accepting only the issued token, client certificate or an
//! ID token whose signature checks out, and saying whom it took it for: `SelfSubjectReview` (v1,
//! and v1beta1 for older clients, as Kubernetes 1.28 to 1.33 serve both), what `kubectl auth
//! whoami` asks for.

use super::*;

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

/// The user a token credential is taken for.
pub fn token_user() -> Value {
    json!({"username": "doks:user:5f3c1a9e", "uid": "7a1d2c3e-0000-4000-8000-5f3c1a9e7b2d",
           "groups": ["system:authenticated", "doks:cluster-admins"],
           "extra": {"digitalocean.com/team": ["ops"]}})
}

/// The user a client certificate is taken for: its CN (see [`Pki`]).
pub fn certificate_user() -> Value {
    json!({"username": "doks-admin", "groups": ["system:masters", "system:authenticated"]})
}

/// The user an ID token is taken for, as an API server with `--oidc-username-prefix=oidc:`
/// and `--oidc-groups-claim=team_role` makes it.
fn id_token_user(claims: &Value) -> Value {
    json!({"username": format!("oidc:{}", claims["email"].as_str().unwrap_or("")),
           "groups": [format!("oidc:{}", claims["team_role"].as_str().unwrap_or("")), "system:authenticated"]})
}

/// The claims of an ID token whose signature, issuer and audience check out.
fn id_token_claims(header: Option<&hyper::header::HeaderValue>, auth: &KubeAuth) -> Option<Value> {
    let KubeAuth::IdToken {
        keys,
        issuer,
        audience,
    } = auth
    else {
        return None;
    };
    let token = header
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?;
    let head = jsonwebtoken::decode_header(token).ok()?;
    let jwk = head.kid.as_deref().and_then(|kid| keys.find(kid))?;
    let mut validation = jsonwebtoken::Validation::new(head.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).ok()?;
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .ok()
        .map(|data| data.claims)
}

/// `POST /apis/authentication.k8s.io/<version>/selfsubjectreviews`, for the versions served.
fn review_version(method: &hyper::Method, path: &str) -> Option<&'static str> {
    let version = path
        .strip_prefix("/apis/authentication.k8s.io/")?
        .strip_suffix("/selfsubjectreviews")?;
    let served = ["v1", "v1beta1"].into_iter().find(|v| *v == version)?;
    (method == hyper::Method::POST).then_some(served)
}

pub struct KubeApi {
    pub url: String,
    auth: Arc<std::sync::Mutex<KubeAuth>>,
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
        let auth = Arc::new(std::sync::Mutex::new(auth));
        let shared_auth = auth.clone();
        runtime().spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, auth, acc, rej) = (acceptor.clone(), auth.clone(), acc.clone(), rej.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let peer = tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec());
                    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let auth = auth.lock().unwrap().clone();
                        let user = match &auth {
                            KubeAuth::Token(token) => req
                                .headers()
                                .get("authorization")
                                .is_some_and(|v| v.as_bytes() == format!("Bearer {token}").as_bytes())
                                .then(token_user),
                            KubeAuth::ClientCert(der) => (peer.as_deref() == Some(der.as_slice())).then(certificate_user),
                            KubeAuth::IdToken { .. } => id_token_claims(req.headers().get("authorization"), &auth).map(|c| id_token_user(&c)),
                        };
                        let (status, body) = if user.is_none() {
                            rej.fetch_add(1, Ordering::SeqCst);
                            (StatusCode::UNAUTHORIZED, json!({"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}))
                        } else if let Some(version) = review_version(req.method(), req.uri().path()) {
                            acc.fetch_add(1, Ordering::SeqCst);
                            (StatusCode::CREATED, json!({"kind": "SelfSubjectReview",
                                "apiVersion": format!("authentication.k8s.io/{version}"),
                                "metadata": {"creationTimestamp": null},
                                "status": {"userInfo": user}}))
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
            auth: shared_auth,
            accepted,
            rejected,
        }
    }

    /// From now on accept only `auth`: what was accepted before is revoked.
    pub fn accept(&self, auth: KubeAuth) {
        *self.auth.lock().unwrap() = auth;
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
