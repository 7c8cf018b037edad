//! The cluster's own API server, as `doctor` and `whoami` reach it: the kubeconfig's `server`
//! and certificate authority (TLS verified), the credential kubectl would send, and one request,
//! a `SelfSubjectReview` (what `kubectl auth whoami` sends), which says whether the server takes
//! the credential and whom it takes it for.
//!
//! Its errors are its own type rather than [`crate::error::Error`]'s: nothing but the two commands
//! that call it sees them, and `error` stays a leaf that imports no step.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use log::debug;
use serde::{Deserialize, Serialize};

use crate::credential::Credential;
use crate::error::one_line;
use crate::http::{self, BodyError, error_chain, is_tls_failure, read_capped};

/// Newest first, as kubectl tries them: GA since Kubernetes 1.28, beta in 1.27, alpha in 1.26
/// (behind a feature gate). A server without one answers 404 for its path.
const VERSIONS: [&str; 3] = ["v1", "v1beta1", "v1alpha1"];
/// A review is a few hundred bytes; a user in very many groups, a few KiB.
const MAX_BODY_BYTES: usize = 1 << 20;

/// Where the API server is, as the kubeconfig's cluster entry says.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub server: String,
    /// `certificate-authority-data` (or the file `certificate-authority` names), PEM; without
    /// one the system's roots are trusted, as kubectl does.
    pub ca_pem: Option<Vec<u8>>,
}

/// `status.userInfo` of a review: the user as the cluster's authenticator sees it. Fields the
/// server leaves out are empty, so the shape is always the same.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub uid: String,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// The server's answer to the review.
#[derive(Debug)]
pub struct Review {
    /// `None` when the server authenticated the credential but gave no review: 403 (not
    /// allowed), or 404 for every version (older than Kubernetes 1.26).
    pub user: Option<UserInfo>,
    /// The version that answered, or the status that stood for no review.
    pub answered: Answered,
    /// When the server answered, by its own clock (its `Date` header).
    pub server_date: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answered {
    Version(&'static str),
    NoReview(u16),
}

#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error(
        "the Kubernetes API server at {url} refused the credential (401 Unauthorized{})",
        detail(message)
    )]
    Unauthorized {
        url: String,
        message: Option<String>,
        /// When the server answered, by its clock: an ID token "not valid yet" may be the
        /// clocks'.
        server_date: Option<DateTime<Utc>>,
    },

    #[error(
        "the Kubernetes API server at {url} answered {status}{}",
        detail(message)
    )]
    Status {
        url: String,
        status: u16,
        message: Option<String>,
    },

    #[error(
        "cannot reach the Kubernetes API server at {url}: {reason}; check the network, any proxy (HTTPS_PROXY) and the kubeconfig's server"
    )]
    Network { url: String, reason: String },

    #[error(
        "the Kubernetes API server at {url} failed TLS verification: {reason}; the kubeconfig's certificate authority may be out of date: run `doks-auth kubeconfig save <cluster>` again"
    )]
    Tls { url: String, reason: String },

    #[error("unexpected response from the Kubernetes API server ({url}): {reason}")]
    Unexpected { url: String, reason: String },

    #[error(
        "no answer from the Kubernetes API server within {seconds} s (--timeout); check the network or raise --timeout"
    )]
    Timeout { seconds: u64 },

    #[error("cannot set up a client for the Kubernetes API server: {0}")]
    Setup(String),
}

fn detail(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(": \"{}\"", one_line(m)))
        .unwrap_or_default()
}

/// The parts of a `Status` object (an API server's error answer) shown in an error.
#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct ReviewAnswer {
    #[serde(default)]
    status: Option<ReviewStatus>,
}

#[derive(Deserialize)]
struct ReviewStatus {
    #[serde(rename = "userInfo", default)]
    user_info: Option<UserInfo>,
}

/// Asks the server who `credential` makes you, newest review version first, all by `deadline`
/// (`timeout` names it in the error).
pub async fn review(
    endpoint: &Endpoint,
    credential: &Credential,
    deadline: Instant,
    timeout: Duration,
) -> Result<Review, KubeError> {
    let work = async {
        let client = client(endpoint, credential, timeout)?;
        let mut date = None;
        for version in VERSIONS {
            match attempt(&client, endpoint, credential, version).await? {
                (Outcome::Reviewed(user), answered_at) => {
                    return Ok(Review {
                        user: Some(user),
                        answered: Answered::Version(version),
                        server_date: answered_at,
                    });
                }
                (Outcome::Forbidden, answered_at) => {
                    return Ok(Review {
                        user: None,
                        answered: Answered::NoReview(403),
                        server_date: answered_at,
                    });
                }
                (Outcome::NotFound, answered_at) => date = answered_at.or(date),
            }
        }
        Ok(Review {
            user: None,
            answered: Answered::NoReview(404),
            server_date: date,
        })
    };
    tokio::time::timeout_at(deadline.into(), work)
        .await
        .map_err(|_| KubeError::Timeout {
            seconds: timeout.as_secs(),
        })?
}

/// A client for `endpoint` that presents `credential` when it is a certificate (also for
/// [`crate::probe`]).
pub fn client(
    endpoint: &Endpoint,
    credential: &Credential,
    timeout: Duration,
) -> Result<reqwest::Client, KubeError> {
    // A certificate credential is presented in the TLS handshake; reqwest takes cert and key
    // as one PEM text.
    let identity = match (&credential.client_certificate, &credential.client_key) {
        (Some(cert), Some(key)) => Some(format!("{}\n{}", cert.expose(), key.expose())),
        _ => None,
    };
    http::kube_client(
        timeout,
        endpoint.ca_pem.as_deref(),
        identity.as_deref().map(str::as_bytes),
    )
    // reqwest's builder errors name no input: neither the key nor the CA is quoted.
    .map_err(|err| KubeError::Setup(error_chain(&err)))
}

enum Outcome {
    Reviewed(UserInfo),
    Forbidden,
    NotFound,
}

async fn attempt(
    client: &reqwest::Client,
    endpoint: &Endpoint,
    credential: &Credential,
    version: &str,
) -> Result<(Outcome, Option<DateTime<Utc>>), KubeError> {
    let url = format!(
        "{}/apis/authentication.k8s.io/{version}/selfsubjectreviews",
        endpoint.server.trim_end_matches('/')
    );
    let started = Instant::now();
    let body =
        format!(r#"{{"apiVersion":"authentication.k8s.io/{version}","kind":"SelfSubjectReview"}}"#);
    let mut request = client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body);
    if let Some(token) = &credential.token {
        request = request.bearer_auth(token.expose());
    }
    let network_error = |err: reqwest::Error| {
        let reason = error_chain(&err);
        let url = url.clone();
        if is_tls_failure(&err) {
            KubeError::Tls { url, reason }
        } else {
            KubeError::Network { url, reason }
        }
    };
    let response = request.send().await.map_err(network_error)?;
    let status = response.status();
    let date = http::date_header(response.headers());
    debug!(
        "POST {url} -> {status} in {} ms",
        started.elapsed().as_millis()
    );
    let body = read_capped(response, MAX_BODY_BYTES)
        .await
        .map_err(|err| match err {
            BodyError::TooLarge => KubeError::Unexpected {
                url: url.clone(),
                reason: format!(
                    "HTTP {status} with a body over {} MiB",
                    MAX_BODY_BYTES >> 20
                ),
            },
            BodyError::Transport(err) => network_error(err),
        })?;
    let message = || {
        serde_json::from_slice::<Status>(&body)
            .ok()
            .and_then(|s| s.message)
    };
    let outcome = match status.as_u16() {
        200 | 201 => {
            let answer: ReviewAnswer =
                serde_json::from_slice(&body).map_err(|err| KubeError::Unexpected {
                    url: url.clone(),
                    reason: format!(
                        "HTTP {status} with a body that is not a SelfSubjectReview (JSON error at line {} column {})",
                        err.line(),
                        err.column()
                    ),
                })?;
            let user =
                answer
                    .status
                    .and_then(|s| s.user_info)
                    .ok_or_else(|| KubeError::Unexpected {
                        url: url.clone(),
                        reason: format!("HTTP {status} with a review that has no status.userInfo"),
                    })?;
            Outcome::Reviewed(user)
        }
        401 => {
            return Err(KubeError::Unauthorized {
                url,
                message: message(),
                server_date: date,
            });
        }
        403 => Outcome::Forbidden,
        404 => Outcome::NotFound,
        other => {
            return Err(KubeError::Status {
                url,
                status: other,
                message: message(),
            });
        }
    };
    Ok((outcome, date))
}

#[cfg(test)]
mod tests;
