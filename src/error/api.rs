//! A non-success answer from the DigitalOcean API, and what to do about it for the call that
//! failed.

use std::fmt;

use super::{TokenOrigin, one_line};
use crate::invoked::CMD;

/// Which request failed: the hints differ (each call needs its own token scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `GET /v2/kubernetes/clusters/{id}/credentials`
    Credentials,
    /// `GET /v2/kubernetes/clusters/{id}`
    Cluster,
    /// `GET /v2/kubernetes/clusters`
    ClusterList,
    /// `GET /v2/account`
    Account,
}

/// A non-success answer from the DigitalOcean API, with what its JSON error body said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub call: Call,
    pub status: u16,
    /// DigitalOcean's short error code, e.g. `unauthorized`.
    pub id: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
    /// Seconds from `Retry-After`, when the server sent one.
    pub retry_after: Option<u64>,
    /// How many attempts were made before giving up.
    pub attempts: u32,
    /// Boxed: every `Result` carries an `Error`, and this would make it larger.
    pub token_from: Box<TokenOrigin>,
    /// The token's team, when the API said (asked only after a 404 for a cluster).
    pub team: Option<Box<str>>,
}

impl ApiError {
    pub fn is_transient(&self) -> bool {
        self.status == 429 || (self.status >= 500 && self.status != 501)
    }

    /// What to do about it, for the call that failed.
    pub fn hint(&self) -> String {
        match (self.status, self.call) {
            (401, _) => self.token_from.unauthorized_hint(),
            (403, Call::Credentials) => "the token lacks the `kubernetes:access_cluster` scope: create a token with it".into(),
            // The account's fields need scopes of their own; kubectl needs none of them.
            (403, Call::Account) => "the token may not read the account (a custom-scoped token); kubectl does not need it".into(),
            (404, Call::Account) => "the API has no account there: check --api-url (the base URL, such as https://api.digitalocean.com)".into(),
            (403, _) => "the token lacks the `kubernetes:read` scope (listing and looking up clusters need it): create a token with it".into(),
            (404, Call::ClusterList) => "the API has no cluster list there: check --api-url (the base URL, such as https://api.digitalocean.com)".into(),
            (404, _) => self.no_such_cluster(),
            (429, _) => match self.retry_after {
                Some(secs) => format!("rate limited: try again in {secs} s"),
                None => "rate limited: try again in a minute".into(),
            },
            (s, _) if s >= 500 => "DigitalOcean had a problem: try again shortly (status.digitalocean.com)".into(),
            _ => "check the command's arguments".into(),
        }
    }

    /// A cluster the token cannot see: most often another team's, reached with the token of
    /// another doctl context or variable, so the hint names the one actually used.
    fn no_such_cluster(&self) -> String {
        let team = match &self.team {
            Some(team) => format!(" (team {})", one_line(team)),
            None => String::new(),
        };
        match &*self.token_from {
            TokenOrigin::Unknown => {
                format!(
                    "no such cluster for this account{team}: check the id with `{CMD} clusters`"
                )
            }
            origin => format!(
                "no such cluster for the token of {origin}{team}: check the id with `{CMD} clusters`; a cluster of another team needs that team's token (--context NAME)"
            ),
        }
    }

    /// What happened, without [`hint`](Self::hint).
    pub fn summary(&self) -> String {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let mut text = format!("DigitalOcean API answered {} {reason}", self.status);
        let details: Vec<String> = [
            self.id.as_ref().map(|id| format!("id {}", one_line(id))),
            self.message
                .as_ref()
                .map(|m| format!("\"{}\"", one_line(m))),
            self.request_id
                .as_ref()
                .map(|r| format!("request_id {}", one_line(r))),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !details.is_empty() {
            text.push_str(&format!(" ({})", details.join(", ")));
        }
        if self.attempts > 1 {
            text.push_str(&format!(" after {} attempts", self.attempts));
        }
        text
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.summary(), self.hint())
    }
}

impl std::error::Error for ApiError {}
