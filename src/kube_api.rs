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

use crate::cluster_client::{self, ClusterClient, Connection};
use crate::credential::Credential;
use crate::error::one_line;
use crate::http::{self, BodyError, error_chain, read_capped};
use crate::invoked::CMD;
use crate::tls_words::{self, Whose};

/// Newest first, as kubectl tries them: GA since Kubernetes 1.28, beta in 1.27, alpha in 1.26
/// (behind a feature gate). A server without one answers 404 for its path.
const VERSIONS: [&str; 3] = ["v1", "v1beta1", "v1alpha1"];
/// A review is a few hundred bytes; a user in very many groups, a few KiB.
const MAX_BODY_BYTES: usize = 1 << 20;

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
        "cannot reach the Kubernetes API server at {url}: {reason}; check the network, the cluster entry's server and proxy-url, and the proxy environment (HTTPS_PROXY, NO_PROXY)"
    )]
    Network { url: String, reason: String },

    /// `what` says which side and which certificate, `fix` what to do (see [`tls_words`]).
    #[error("no TLS connection to the Kubernetes API server at {url}: {what}; {fix}")]
    Tls {
        url: String,
        what: String,
        fix: String,
    },

    #[error("unexpected response from the Kubernetes API server ({url}): {reason}")]
    Unexpected { url: String, reason: String },

    #[error(
        "no answer from the Kubernetes API server within {seconds} s (--timeout); check the network or raise --timeout"
    )]
    Timeout { seconds: u64 },

    /// A field of the cluster entry that cannot be honoured: no request was made.
    #[error(
        "doks-auth cannot reach cluster {cluster} as kubectl would, so it sent nothing: {reason}; fix the cluster entry (`{CMD} kubeconfig save <cluster>` writes a new one)"
    )]
    Unusable { cluster: String, reason: String },
}

/// A server's own words, quoted as its own: one line, its control characters replaced, cut to
/// [`MAX_QUOTED_CHARS`]. Never advice: whatever it says, what to do comes from us.
fn detail(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(", saying \"{}\"", quoted(m)))
        .unwrap_or_default()
}

/// Enough for any real Status message ("Unauthorized", "the server is currently unable to
/// handle the request"); short enough that a hostile one cannot fill the screen.
const MAX_QUOTED_CHARS: usize = 120;

pub fn quoted(message: &str) -> String {
    let line = one_line(message);
    match line.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

impl KubeError {
    /// "what happened" and "what to do", for a report that shows them apart (`doctor`). The
    /// server's words are only ever in the first.
    pub fn explain(&self) -> (String, String) {
        let doctor_fix =
            "check the cluster's state (control panel, or its admin); run doctor again later";
        match self {
            KubeError::Unauthorized { url, message, .. } => (
                format!("the Kubernetes API server at {url} refused the credential (401 Unauthorized{})", detail(message)),
                format!("get a new credential: `{CMD} cache clear`, then run doctor again"),
            ),
            KubeError::Status { url, status, message } => (
                format!("the Kubernetes API server at {url} answered {status}{}", detail(message)),
                doctor_fix.into(),
            ),
            KubeError::Network { url, reason } => (
                format!("cannot reach the Kubernetes API server at {url}: {reason}"),
                "check the network, the cluster entry's server and proxy-url, and the proxy environment (HTTPS_PROXY, NO_PROXY)".into(),
            ),
            KubeError::Tls { url, what, fix } => (
                format!("no TLS connection to the Kubernetes API server at {url}: {what}"),
                fix.clone(),
            ),
            KubeError::Unexpected { url, reason } => (
                format!("unexpected response from the Kubernetes API server ({url}): {reason}"),
                "check that the cluster entry's server is the cluster's API server".into(),
            ),
            KubeError::Timeout { seconds } => (
                format!("no answer from the Kubernetes API server within {seconds} s (--timeout)"),
                "check the network or raise --timeout".into(),
            ),
            KubeError::Unusable { cluster, reason } => (
                format!("doks-auth cannot reach cluster {cluster} as kubectl would, so it sent nothing: {reason}"),
                format!("fix the cluster entry (`{CMD} kubeconfig save <cluster>` writes a new one)"),
            ),
        }
    }
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
    cluster: &str,
    conn: &Connection,
    credential: &Credential,
    deadline: Instant,
    timeout: Duration,
) -> Result<Review, KubeError> {
    let work = async {
        let client = client(cluster, conn, credential, timeout)?;
        let mut date = None;
        for version in VERSIONS {
            match attempt(&client, credential, version).await? {
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

/// A client for the cluster named `cluster` (in messages), reached as kubectl reaches `conn`,
/// that presents `credential` when it is a certificate (also for [`crate::probe`]).
pub fn client(
    cluster: &str,
    conn: &Connection,
    credential: &Credential,
    timeout: Duration,
) -> Result<ClusterClient, KubeError> {
    // A certificate credential is presented in the TLS handshake, as one PEM text.
    let identity = match (&credential.client_certificate, &credential.client_key) {
        (Some(cert), Some(key)) => Some(format!("{}\n{}", cert.expose(), key.expose())),
        _ => None,
    };
    cluster_client::client(conn, identity.as_deref().map(str::as_bytes), timeout).map_err(|err| {
        KubeError::Unusable {
            cluster: one_line(cluster),
            reason: err.0,
        }
    })
}

/// A transport failure: a TLS one in words (which side, which certificate), others as the
/// chain of causes.
pub fn network_error(url: &str, err: &reqwest::Error) -> KubeError {
    let url = one_line(url);
    match http::tls_error(err) {
        Some(tls) => {
            let (what, fix) = tls_words::describe(tls, Whose::Server);
            KubeError::Tls { url, what, fix }
        }
        None => KubeError::Network {
            url,
            reason: error_chain(err),
        },
    }
}

enum Outcome {
    Reviewed(UserInfo),
    Forbidden,
    NotFound,
}

async fn attempt(
    cluster: &ClusterClient,
    credential: &Credential,
    version: &str,
) -> Result<(Outcome, Option<DateTime<Utc>>), KubeError> {
    let url = cluster.url(&format!(
        "/apis/authentication.k8s.io/{version}/selfsubjectreviews"
    ));
    let started = Instant::now();
    let body =
        format!(r#"{{"apiVersion":"authentication.k8s.io/{version}","kind":"SelfSubjectReview"}}"#);
    let mut request = cluster
        .client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body);
    if let Some(token) = &credential.token {
        request = request.bearer_auth(token.expose());
    }
    let response = request
        .send()
        .await
        .map_err(|err| network_error(&url, &err))?;
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
            BodyError::Transport(err) => network_error(&url, &err),
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
