//! A cluster credential as doks-auth keeps it: decoded from DigitalOcean's answer, stored in the
//! cache, and turned into an ExecCredential. Also the rules for how long it may be handed out.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::api::ApiCredentials;
use crate::secret::Secret;

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
}

impl Credential {
    /// Checks and decodes DigitalOcean's answer. The error is a reason for an "unexpected
    /// response" message; it never quotes a credential.
    pub fn from_api(answer: ApiCredentials, fetched_at: DateTime<Utc>) -> Result<Self, String> {
        let token = answer.token.filter(|t| !t.expose().is_empty());
        let (client_certificate, client_key) =
            match (answer.client_certificate_data, answer.client_key_data) {
                (Some(cert), Some(key)) => (
                    Some(decode_pem("client_certificate_data", &cert)?),
                    Some(decode_pem("client_key_data", &key)?),
                ),
                (Some(_), None) => {
                    return Err("client_certificate_data came without client_key_data".into());
                }
                (None, Some(_)) => {
                    return Err("client_key_data came without client_certificate_data".into());
                }
                (None, None) => (None, None),
            };
        if token.is_none() && client_certificate.is_none() {
            return Err("the answer holds neither a token nor a client certificate".into());
        }
        let raw_expiry = answer.expires_at.ok_or("the answer has no expires_at")?;
        // The value is not quoted back: a confused server could have put anything there.
        let expires_at = DateTime::parse_from_rfc3339(&raw_expiry)
            .map_err(|_| "expires_at is not an RFC 3339 timestamp".to_string())?
            .with_timezone(&Utc);
        if expires_at <= fetched_at {
            return Err(format!(
                "the credential expired at {expires_at} already, before it was issued (is this machine's clock right?)"
            ));
        }
        Ok(Credential {
            token,
            client_certificate,
            client_key,
            expires_at,
            fetched_at,
            sso: None,
        })
    }

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

fn decode_pem(field: &str, data: &Secret) -> Result<Secret, String> {
    let bytes = STANDARD
        .decode(data.expose().trim())
        .map_err(|_| format!("{field} is not valid base64"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{field} does not decode to PEM text"))?;
    if !text.contains("-----BEGIN ") {
        return Err(format!("{field} does not decode to PEM text"));
    }
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn answer() -> ApiCredentials {
        ApiCredentials {
            token: Some(Secret::new("k8s-token")),
            expires_at: Some("2026-11-23T15:00:00.889080521Z".into()),
            ..Default::default()
        }
    }

    #[test]
    fn token_answer_with_nanosecond_expiry() {
        let cred = Credential::from_api(answer(), now()).unwrap();
        assert_eq!(cred.token.unwrap().expose(), "k8s-token");
        assert_eq!(
            cred.expires_at.to_rfc3339(),
            "2026-11-23T15:00:00.889080521+00:00"
        );
    }

    #[test]
    fn certificate_answer_is_decoded_to_pem() {
        let mut a = answer();
        a.token = None;
        a.client_certificate_data = Some(Secret::new(STANDARD.encode(CERT_PEM)));
        a.client_key_data = Some(Secret::new(STANDARD.encode(KEY_PEM)));
        let cred = Credential::from_api(a, now()).unwrap();
        assert_eq!(cred.client_certificate.unwrap().expose(), CERT_PEM);
        assert_eq!(cred.client_key.unwrap().expose(), KEY_PEM);
    }

    #[test]
    fn malformed_answers_are_rejected_without_quoting_secrets() {
        type Change = Box<dyn Fn(&mut ApiCredentials)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|a| a.token = None), "neither a token"),
            (
                Box::new(|a| a.token = Some(Secret::new(""))),
                "neither a token",
            ),
            (Box::new(|a| a.expires_at = None), "no expires_at"),
            (
                Box::new(|a| a.expires_at = Some("tomorrow".into())),
                "not an RFC 3339",
            ),
            (
                Box::new(|a| a.expires_at = Some("2020-01-01T00:00:00Z".into())),
                "expired",
            ),
            (
                Box::new(|a| {
                    a.client_certificate_data = Some(Secret::new(STANDARD.encode(CERT_PEM)))
                }),
                "without client_key_data",
            ),
            (
                Box::new(|a| {
                    a.client_certificate_data = Some(Secret::new("!!secret!!"));
                    a.client_key_data = Some(Secret::new(STANDARD.encode(KEY_PEM)));
                }),
                "not valid base64",
            ),
            (
                Box::new(|a| {
                    a.client_certificate_data = Some(Secret::new(STANDARD.encode("secret junk")));
                    a.client_key_data = Some(Secret::new(STANDARD.encode(KEY_PEM)));
                }),
                "does not decode to PEM",
            ),
        ];
        for (change, expected) in cases {
            let mut a = answer();
            change(&mut a);
            let err = Credential::from_api(a, now()).unwrap_err();
            assert!(err.contains(expected), "{err}");
            assert!(
                !err.contains("secret") && !err.contains("k8s-token"),
                "{err}"
            );
        }
    }

    #[test]
    fn margin_is_capped_at_half_the_lifetime() {
        let cred = Credential::from_api(answer(), now()).unwrap(); // 3 h lifetime
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
