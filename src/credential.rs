//! The small types every step shares, so that none has to import another step for them: the
//! cluster id, and a cluster credential as doks-auth keeps it (from DigitalOcean or from single
//! sign-on), stored in the cache and turned into an ExecCredential. Also the rules for how long
//! a credential may be handed out.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// A DigitalOcean cluster id, safe to put in a URL path and a file name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClusterId(String);

impl ClusterId {
    /// DigitalOcean ids are UUIDs. Anything outside `[A-Za-z0-9-]` could walk out of the cache
    /// folder (`../x`, `a/b`) or change the request (`?`, `%`, `#`), so it is refused outright.
    pub fn parse(raw: &str) -> Result<Self> {
        let valid = !raw.is_empty()
            && raw.len() <= 128
            && crate::ascii::all_alphanumeric_or_dash(raw.as_bytes());
        if valid {
            Ok(ClusterId(raw.to_string()))
        } else {
            Err(Error::InvalidClusterId(crate::error::one_line(raw)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `raw` has a UUID's shape, as DigitalOcean's cluster ids do (8-4-4-4-12 hex).
    pub fn is_uuid(raw: &str) -> bool {
        let groups: Vec<&str> = raw.split('-').collect();
        groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
    }
}

impl fmt::Display for ClusterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credential {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    /// PEM text, decoded from DigitalOcean's base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<Secret>,
    /// PEM text, decoded from DigitalOcean's base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<Secret>,
    /// When the Kubernetes API stops accepting it.
    pub expires_at: DateTime<Utc>,
    /// When it was issued to us; with `expires_at` it gives the credential's lifetime.
    pub fetched_at: DateTime<Utc>,
    /// Set for an ID token from single sign-on (then `token` is the ID token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso: Option<SsoSession>,
}

/// What a credential from single sign-on carries besides the ID token: whom it is from and for
/// (shown by `cache list`), and the refresh token that renews it without a browser.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SsoSession {
    pub issuer: String,
    /// The public client the tokens were issued to: `logout` names it when it revokes the
    /// refresh token (RFC 7009 §2.1). Entries from before logout existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
}

impl Credential {
    /// How long before expiry to stop handing this credential out: the margin asked for, but
    /// never more than half the lifetime, so a short-lived credential is still reused.
    pub fn margin(&self, wanted: Duration) -> Duration {
        let half_life = (self.expires_at - self.fetched_at) / 2;
        wanted.min(half_life).max(Duration::zero())
    }

    /// The moment doks-auth stops serving it from the cache, which is also the
    /// `expirationTimestamp` kubectl is given, so long-running clients come back in time.
    pub fn refresh_at(&self, wanted_margin: Duration) -> DateTime<Utc> {
        self.expires_at - self.margin(wanted_margin)
    }

    pub fn is_fresh(&self, wanted_margin: Duration, now: DateTime<Utc>) -> bool {
        now < self.refresh_at(wanted_margin)
    }

    pub fn has_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn margin_is_capped_at_half_the_lifetime() {
        let cred = Credential {
            token: Some(Secret::new("k8s-token")),
            client_certificate: None,
            client_key: None,
            expires_at: now() + Duration::hours(3),
            fetched_at: now(),
            sso: None,
        };
        assert_eq!(cred.margin(Duration::seconds(300)), Duration::seconds(300));
        let short = Credential {
            expires_at: now() + Duration::seconds(120),
            ..cred.clone()
        };
        assert_eq!(short.margin(Duration::seconds(300)), Duration::seconds(60));
        assert!(short.is_fresh(Duration::seconds(300), now() + Duration::seconds(59)));
        assert!(!short.is_fresh(Duration::seconds(300), now() + Duration::seconds(60)));
        assert!(!short.has_expired(now() + Duration::seconds(119)));
        assert!(short.has_expired(now() + Duration::seconds(120)));
    }
}
