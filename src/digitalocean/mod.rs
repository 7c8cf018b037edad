//! The DigitalOcean source of a cluster credential: the API client ([`api`]), its answer
//! ([`answer`]) and where the user's token comes from ([`token`]).

pub mod answer;
pub mod api;
pub mod clusters;
mod models;
pub mod token;

use std::time::{Duration, Instant};

use chrono::Utc;
use log::debug;

use crate::credential::{ClusterId, Credential};
use crate::error::{Error, Result, TokenOrigin};
use crate::http;
use crate::secret::Secret;

pub const DEFAULT_API_URL: &str = "https://api.digitalocean.com";

/// Whose credentials these are: an API endpoint and a token for it.
#[derive(Debug, Clone)]
pub struct Account {
    pub api_url: String,
    pub token: Secret,
    /// Where the token came from, for the hint when the API refuses it.
    pub origin: TokenOrigin,
    /// Bounds each command's API work, retries and lock waits included.
    pub timeout: Duration,
}

impl Account {
    /// Hex digits in a [`fingerprint`](Self::fingerprint); cache file names carry one.
    pub const FINGERPRINT_LEN: usize = 16;

    /// A short, one-way name for the account: it keys the cache, so two tokens or API URLs
    /// never share an entry, and it can be shown without revealing the token.
    pub fn fingerprint(&self) -> String {
        // ring's SHA-256 rather than a second implementation: ring's is in the binary anyway.
        let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
        hash.update(self.api_url.as_bytes());
        hash.update(&[0]);
        hash.update(self.token.expose().as_bytes());
        let digest = hash.finish();
        crate::secret::hex(&digest.as_ref()[..Self::FINGERPRINT_LEN / 2])
    }
}

/// A new credential for `cluster`, valid for `expiry_seconds`, from DigitalOcean's credentials
/// endpoint.
pub fn credential(
    account: &Account,
    cluster: &ClusterId,
    expiry_seconds: u64,
    started: Instant,
) -> Result<Credential> {
    let client = api::Client::new(account, started)?;
    let answer = http::block_on(async {
        match client.credentials(cluster, expiry_seconds).await {
            Ok(answer) => Ok(answer),
            Err(err) => Err(client.with_team(err).await),
        }
    })?;
    let now = Utc::now();
    if let Some(skew) = answer.server_date.map(|date| now - date)
        && skew.num_seconds().abs() > 60
    {
        debug!(
            "this machine's clock is {} s {} DigitalOcean's Date header",
            skew.num_seconds().abs(),
            if skew > chrono::Duration::zero() {
                "ahead of"
            } else {
                "behind"
            }
        );
    }
    answer
        .into_credential(now, expiry_seconds)
        .map_err(|reason| Error::UnexpectedResponse {
            url: format!(
                "{}/v2/kubernetes/clusters/{cluster}/credentials",
                account.api_url
            ),
            reason,
        })
}
