//! The DigitalOcean API client: the few GET requests doks-auth makes, retried the way
//! DigitalOcean's own clients do (godo: 429 and 5xx but 501, connection errors), all inside the
//! one deadline set by `--timeout`.
//!
//! Only the refresh path builds this (and with it the async runtime, the HTTP client and the
//! TLS roots); a cache hit never does.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use log::debug;
use reqwest::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Account;
use super::answer::ApiCredentials;
pub use super::models::{AccountInfo, Cluster, ClusterSso, ClusterStatus, Team};
use crate::credential::ClusterId;
use crate::error::{ApiError, Call, Error, Result, TokenOrigin, one_line};
use crate::http::{self, BodyError, error_chain, is_tls_failure, read_capped};
use crate::secret::Secret;

/// godo's default is 4 retries; four attempts in all keep a kubectl command from hanging.
const MAX_ATTEMPTS: u32 = 4;
/// A longer `Retry-After` means the hourly quota is spent: fail at once and say when to retry.
const MAX_RETRY_AFTER_SECS: u64 = 10;
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(4);
/// Real answers are a few KiB; anything far larger is not DigitalOcean talking.
const MAX_BODY_BYTES: usize = 4 << 20;

#[derive(Deserialize)]
struct AccountAnswer {
    account: AccountInfo,
}

#[derive(Deserialize)]
struct ClusterAnswer {
    kubernetes_cluster: Cluster,
}

#[derive(Deserialize)]
struct ClusterPage {
    kubernetes_clusters: Vec<Cluster>,
    #[serde(default)]
    links: Option<Links>,
}

#[derive(Deserialize)]
struct Links {
    #[serde(default)]
    pages: Option<Pages>,
}

#[derive(Deserialize)]
struct Pages {
    next: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    id: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: Secret,
    token_from: TokenOrigin,
    deadline: Instant,
    timeout: Duration,
}

impl Client {
    /// A client for `account`. Every call on it, retries and waits included, ends by
    /// `started + account.timeout`.
    pub fn new(account: &Account, started: Instant) -> Result<Self> {
        let (base_url, timeout) = (&account.api_url, account.timeout);
        let http = http::client(timeout).map_err(|err| Error::Network {
            url: base_url.to_string(),
            reason: error_chain(&err),
        })?;
        Ok(Client {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            token: account.token.clone(),
            token_from: account.origin.clone(),
            deadline: started + timeout,
            timeout,
        })
    }

    pub async fn credentials(
        &self,
        cluster: &ClusterId,
        expiry_seconds: u64,
    ) -> Result<ApiCredentials> {
        let url = format!(
            "{}/v2/kubernetes/clusters/{cluster}/credentials?expiry_seconds={expiry_seconds}",
            self.base_url
        );
        // The Date header goes with the answer: credential lifetimes are judged by DigitalOcean's
        // clock, not this machine's.
        self.get_parsed(&url, Call::Credentials, |body, date| {
            let mut answer: ApiCredentials = parse_json(body)?;
            answer.server_date = date;
            Ok(answer)
        })
        .await
    }

    pub async fn cluster(&self, cluster: &ClusterId) -> Result<Cluster> {
        let url = format!("{}/v2/kubernetes/clusters/{cluster}", self.base_url);
        Ok(self
            .get::<ClusterAnswer>(&url, Call::Cluster)
            .await?
            .kubernetes_cluster)
    }

    /// `error`, with the token's team when it is a 404 for a cluster: the usual cause is a token
    /// of another team, and the team's name says which. The question is best effort.
    pub async fn with_team(&self, error: Error) -> Error {
        match error {
            Error::Api(mut api)
                if api.status == 404 && matches!(api.call, Call::Cluster | Call::Credentials) =>
            {
                if let Ok((info, _)) = self.account().await {
                    api.team = info.team.and_then(|t| t.name).map(String::into_boxed_str);
                }
                Error::Api(api)
            }
            other => other,
        }
    }

    /// Whom the token belongs to, with the answer's `Date` (DigitalOcean's clock).
    pub async fn account(&self) -> Result<(AccountInfo, Option<DateTime<Utc>>)> {
        let url = format!("{}/v2/account", self.base_url);
        self.get_parsed(&url, Call::Account, |body, date| {
            parse_json::<AccountAnswer>(body).map(|answer| (answer.account, date))
        })
        .await
    }

    /// Every cluster of the account, following `links.pages.next` to the last page.
    pub async fn clusters(&self) -> Result<Vec<Cluster>> {
        let mut url = format!("{}/v2/kubernetes/clusters?per_page=200", self.base_url);
        let mut clusters = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let page: ClusterPage = self.get(&url, Call::ClusterList).await?;
            seen.insert(url.clone());
            clusters.extend(page.kubernetes_clusters);
            match page.links.and_then(|l| l.pages).and_then(|p| p.next) {
                // A URL is printable ASCII; anything else is refused here, before it could reach
                // a request, or the terminal in a -v line or an error naming the URL.
                Some(next) if !next.bytes().all(|b| b.is_ascii_graphic()) => {
                    return Err(Error::UnexpectedResponse {
                        url,
                        reason: format!("the next page's link is not a URL ({})", one_line(&next)),
                    });
                }
                Some(next) if seen.contains(&next) => {
                    return Err(Error::UnexpectedResponse {
                        url,
                        reason: "the next page's link leads back to a page already read".into(),
                    });
                }
                Some(next) if next.starts_with(&format!("{}/", self.base_url)) => url = next,
                Some(next) => {
                    return Err(Error::UnexpectedResponse {
                        url,
                        reason: format!(
                            "the next page is on another server ({}); the token is not sent there",
                            one_line(&next)
                        ),
                    });
                }
                None => return Ok(clusters),
            }
        }
        Err(Error::UnexpectedResponse {
            url,
            reason: "more than 1000 pages of clusters".into(),
        })
    }

    /// `GET /v2/kubernetes/clusters/{id}/kubeconfig?type=sso`: the kubeconfig DigitalOcean
    /// writes for an SSO cluster, as YAML text; doks-auth takes the server and CA from it.
    pub async fn sso_kubeconfig(&self, cluster: &ClusterId) -> Result<String> {
        let url = format!(
            "{}/v2/kubernetes/clusters/{cluster}/kubeconfig?type=sso",
            self.base_url
        );
        self.get_parsed(&url, Call::Cluster, |body, _| {
            String::from_utf8(body.to_vec()).map_err(|_| "the kubeconfig is not UTF-8 text".into())
        })
        .await
    }

    /// One GET of JSON with retries, bounded by the deadline.
    async fn get<T: DeserializeOwned>(&self, url: &str, call: Call) -> Result<T> {
        self.get_parsed(url, call, |body, _| parse_json(body)).await
    }

    async fn get_parsed<T>(&self, url: &str, call: Call, parse: Parse<T>) -> Result<T> {
        let deadline = tokio::time::Instant::from_std(self.deadline);
        match tokio::time::timeout_at(deadline, self.get_with_retries(url, call, parse)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                seconds: self.timeout.as_secs(),
            }),
        }
    }

    async fn get_with_retries<T>(&self, url: &str, call: Call, parse: Parse<T>) -> Result<T> {
        let mut attempt = 1;
        loop {
            let error = match self.attempt(url, call, attempt, parse).await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_transient() && attempt < MAX_ATTEMPTS => error,
                Err(error) => return Err(error),
            };
            let wait = match &error {
                Error::Api(ApiError {
                    retry_after: Some(secs),
                    ..
                }) => {
                    if *secs > MAX_RETRY_AFTER_SECS {
                        return Err(error);
                    }
                    Duration::from_secs(*secs)
                }
                _ => backoff(attempt),
            };
            if Instant::now() + wait >= self.deadline {
                debug!("not retrying: waiting {wait:?} would pass the --timeout deadline");
                return Err(error);
            }
            debug!("retrying in {} ms after: {error}", wait.as_millis());
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt<T>(&self, url: &str, call: Call, attempt: u32, parse: Parse<T>) -> Result<T> {
        let started = Instant::now();
        let network_error = |err: reqwest::Error| {
            let reason = error_chain(&err);
            let url = url.to_string();
            // Like godo, retry connection trouble but not a certificate that will not verify.
            if is_tls_failure(&err) {
                Error::Tls { url, reason }
            } else {
                Error::Network { url, reason }
            }
        };
        let response = self
            .http
            .get(url)
            .bearer_auth(self.token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(network_error)?;
        let status = response.status();
        debug!(
            "GET {url} -> {status} in {} ms (attempt {attempt} of {MAX_ATTEMPTS})",
            started.elapsed().as_millis()
        );
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("nowhere");
            return Err(Error::UnexpectedResponse {
                url: url.to_string(),
                reason: format!(
                    "HTTP {status} redirect to {}, which doks-auth does not follow (the token stays with the API URL)",
                    one_line(location)
                ),
            });
        }
        let retry_after = http::retry_after_secs(response.headers());
        let date = http::date_header(response.headers());
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no content type")
            .to_string();
        let body = read_capped(response, MAX_BODY_BYTES)
            .await
            .map_err(|reason| match reason {
                BodyError::TooLarge => Error::UnexpectedResponse {
                    url: url.to_string(),
                    reason: format!(
                        "HTTP {status} with a body over {} MiB",
                        MAX_BODY_BYTES >> 20
                    ),
                },
                BodyError::Transport(err) => network_error(err),
            })?;
        if !status.is_success() {
            return Err(api_error(
                call,
                status,
                &body,
                (retry_after, attempt),
                &self.token_from,
            )
            .into());
        }
        parse(&body, date).map_err(|what| Error::UnexpectedResponse {
            url: url.to_string(),
            reason: format!("HTTP {status} with {what} ({})", one_line(&content_type)),
        })
    }
}

/// Turns a successful answer's body (and its `Date` header) into the value wanted; the error
/// says what was wrong without quoting the body.
type Parse<T> = fn(&[u8], Option<DateTime<Utc>>) -> std::result::Result<T, String>;

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> std::result::Result<T, String> {
    serde_json::from_slice(body).map_err(|err| {
        format!(
            "a body that is not the expected JSON ({})",
            describe_json_error(&err)
        )
    })
}

fn api_error(
    call: Call,
    status: StatusCode,
    body: &[u8],
    (retry_after, attempts): (Option<u64>, u32),
    token_from: &TokenOrigin,
) -> ApiError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (id, message, request_id) = parsed
        .map(|b| (b.id, b.message, b.request_id))
        .unwrap_or_default();
    ApiError {
        call,
        status: status.as_u16(),
        id,
        message,
        request_id,
        retry_after,
        attempts,
        token_from: Box::new(token_from.clone()),
        team: None,
    }
}

/// A description of a JSON error that never quotes the body, which may hold credentials.
fn describe_json_error(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match err.classify() {
        Category::Io | Category::Syntax => "malformed JSON",
        Category::Eof => "truncated JSON",
        Category::Data => "JSON of an unexpected shape",
    };
    format!("{what} at line {} column {}", err.line(), err.column())
}

/// Exponential backoff with "equal jitter": half the step fixed, half random, so that many
/// kubectl processes failing together do not retry in lockstep.
fn backoff(attempt: u32) -> Duration {
    let step = BACKOFF_FIRST
        .saturating_mul(1 << (attempt - 1).min(16))
        .min(BACKOFF_MAX);
    let half = step / 2;
    half + half.mul_f64(random_fraction())
}

/// A number in [0, 1) from std's randomly keyed hasher: jitter needs no crate of its own.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, RandomState};
    let bits = RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests;
