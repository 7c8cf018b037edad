//! The Kubernetes API stand-in: TLS, accepting only the issued token, client certificate or an
//! ID token whose signature checks out.

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
