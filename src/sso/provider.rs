//! The OpenID provider as doks-auth talks to it: discovery, the JWKS, and the token and device
//! authorization endpoints. Every answer is size-bounded and no answer is ever quoted whole,
//! since token answers carry secrets.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::JwkSet;
use log::debug;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result, one_line};
use crate::http::{self, BodyError, error_chain, read_capped};
use crate::secret::Secret;

/// Scopes doctl asks for: DigitalOcean's clusters read `email` and `team_role`.
const SCOPES: &str = "openid email team_role";
/// Bound on each request, whole answer included (the client's own timeout covers only the
/// connect): a provider that accepts and never answers must not hang kubectl under the lock.
/// A login's own bound is `--login-timeout`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_BODY_BYTES: usize = 1 << 20;

/// The parts of `/.well-known/openid-configuration` that doks-auth uses.
#[derive(Debug, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
    /// RFC 7009 (listed per RFC 8414 §2); some providers have none.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
}

/// A successful token answer. Only the ID token is handed to kubectl; the access token is not
/// kept at all.
#[derive(Debug, Deserialize)]
pub struct TokenAnswer {
    pub id_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    /// When the provider answered, by its own clock (the `Date` header): the ID token's times
    /// are judged by it.
    #[serde(skip)]
    pub server_date: Option<DateTime<Utc>>,
}

/// An OAuth error answer (RFC 6749 §5.2, RFC 8628 §3.5).
#[derive(Debug, Deserialize)]
pub struct OAuthError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
}

impl OAuthError {
    pub fn describe(&self) -> String {
        match &self.error_description {
            Some(text) => format!("{} ({})", one_line(&self.error), one_line(text)),
            None => one_line(&self.error),
        }
    }
}

/// What became of a refresh token sent for revocation (RFC 7009 §2.2).
#[derive(Debug, PartialEq, Eq)]
pub enum Revocation {
    /// 200: revoked, or already unknown to the provider; either way it no longer works.
    Revoked,
    /// The provider lists no `revocation_endpoint`.
    NoEndpoint,
    /// Not revoked, and why (the provider's answer, or why the token was not sent).
    NotRevoked(String),
}

/// What the device authorization endpoint answers (RFC 8628 §3.2).
#[derive(Debug, Deserialize)]
pub struct DeviceAnswer {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    /// Seconds. Unbounded as sent (`u64::MAX` arrives intact): the grant bounds both before
    /// any time arithmetic.
    #[serde(default, deserialize_with = "seconds")]
    pub expires_in: Option<u64>,
    #[serde(default, deserialize_with = "seconds")]
    pub interval: Option<u64>,
}

/// A count of seconds as a provider writes it: an integer, a fraction (rounded up, so a wait is
/// never shorter than asked), or a numeric string (Azure AD's v1 endpoint quotes its numbers).
/// Anything else, or a negative or non-finite number, is `None`, as if absent: the login goes on
/// with the default, bounded by `--login-timeout`.
fn seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let number = match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(whole) => return Ok(Some(whole)),
            None => n.as_f64(),
        },
        serde_json::Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    // `as` saturates: 1e300 becomes u64::MAX, which the caller bounds like any other.
    Ok(number
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n.ceil() as u64))
}

pub struct Provider {
    http: reqwest::Client,
    pub issuer: String,
    pub doc: Discovery,
}

impl Provider {
    /// Reads the discovery document; its `issuer` must be the one asked for, character for
    /// character (OpenID Connect Discovery §4.3), or tokens could be taken from an impostor.
    pub async fn discover(issuer: &str) -> Result<Self> {
        let http = http::client(REQUEST_TIMEOUT).map_err(|err| Error::SsoNetwork {
            url: issuer.to_string(),
            reason: error_chain(&err),
        })?;
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let doc: Discovery = get_json(&http, &url, issuer).await?;
        if doc.issuer != issuer {
            return Err(Error::Sso {
                issuer: issuer.to_string(),
                reason: format!(
                    "its discovery document names another issuer ({}); check --sso-issuer-url",
                    one_line(&doc.issuer)
                ),
            });
        }
        check_endpoints(&doc, issuer)?;
        debug!("sso: discovered {url}");
        Ok(Provider {
            http,
            issuer: issuer.to_string(),
            doc,
        })
    }

    /// doctl's scopes, plus `offline_access` where the provider lists it: Okta, Entra and Auth0
    /// hand out refresh tokens only then.
    pub fn scopes(&self) -> String {
        let offline = self
            .doc
            .scopes_supported
            .as_ref()
            .is_some_and(|s| s.iter().any(|s| s == "offline_access"));
        if offline {
            format!("{SCOPES} offline_access")
        } else {
            SCOPES.to_string()
        }
    }

    pub async fn jwks(&self) -> Result<JwkSet> {
        get_json(&self.http, &self.doc.jwks_uri, &self.issuer).await
    }

    /// POSTs a form to the token endpoint: `Ok(Err(_))` is the provider saying no (an OAuth
    /// error), `Err(_)` a failure to get any answer.
    pub async fn token(
        &self,
        form: &[(&str, &str)],
    ) -> Result<std::result::Result<TokenAnswer, OAuthError>> {
        let (answer, date) = self.post_form(&self.doc.token_endpoint, form).await?;
        Ok(answer.map(|answer| TokenAnswer {
            server_date: date,
            ..answer
        }))
    }

    pub async fn device_authorization(
        &self,
        client_id: &str,
    ) -> Result<std::result::Result<DeviceAnswer, OAuthError>> {
        let Some(url) = &self.doc.device_authorization_endpoint else {
            return Err(self.error(
                "it offers no device login (no device_authorization_endpoint); use --sso-grant auth-code",
            ));
        };
        let scope = self.scopes();
        let (answer, _) = self
            .post_form(url, &[("client_id", client_id), ("scope", &scope)])
            .await?;
        Ok(answer)
    }

    /// Revokes a refresh token (RFC 7009): `token_type_hint=refresh_token`, and `client_id` in
    /// the body, as a public client authenticates. The answer's body is never read into a
    /// message but through [`OAuthError`].
    pub async fn revoke(&self, client_id: &str, refresh_token: &Secret) -> Result<Revocation> {
        let Some(url) = &self.doc.revocation_endpoint else {
            return Ok(Revocation::NoEndpoint);
        };
        if !crate::http::is_secure_url(url) {
            return Ok(Revocation::NotRevoked(format!(
                "its revocation_endpoint {} is not https, so the refresh token was not sent",
                one_line(url)
            )));
        }
        let form = [
            ("token", refresh_token.expose()),
            ("token_type_hint", "refresh_token"),
            ("client_id", client_id),
        ];
        let response = self
            .http
            .post(url)
            .timeout(REQUEST_TIMEOUT)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|err| Error::SsoNetwork {
                url: one_line(url),
                reason: error_chain(&err),
            })?;
        let status = response.status();
        busy(&response, url)?;
        if status.is_success() {
            return Ok(Revocation::Revoked);
        }
        let body = read_body(response, url).await?;
        let said = match serde_json::from_slice::<OAuthError>(&body) {
            Ok(err) => err.describe(),
            Err(_) => status.to_string(),
        };
        Ok(Revocation::NotRevoked(format!(
            "{} answered {said}",
            one_line(url)
        )))
    }

    pub fn error(&self, reason: impl Into<String>) -> Error {
        Error::Sso {
            issuer: self.issuer.clone(),
            reason: reason.into(),
        }
    }

    /// With the answer, its `Date` header.
    async fn post_form<T: DeserializeOwned>(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<(std::result::Result<T, OAuthError>, Option<DateTime<Utc>>)> {
        let network = |err: reqwest::Error| Error::SsoNetwork {
            url: one_line(url),
            reason: error_chain(&err),
        };
        let response = self
            .http
            .post(url)
            .timeout(REQUEST_TIMEOUT)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        let date = http::date_header(response.headers());
        busy(&response, url)?;
        let body = read_body(response, url).await?;
        if status.is_success() {
            return parse(&body, url, &self.issuer).map(|answer| (Ok(answer), date));
        }
        match serde_json::from_slice::<OAuthError>(&body) {
            Ok(err) => Ok((Err(err), date)),
            Err(_) => Err(self.error(format!("{} answered {status}", one_line(url)))),
        }
    }
}

async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    issuer: &str,
) -> Result<T> {
    let response = http
        .get(url)
        .timeout(REQUEST_TIMEOUT)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|err| Error::SsoNetwork {
            url: one_line(url),
            reason: error_chain(&err),
        })?;
    let status = response.status();
    busy(&response, url)?;
    let body = read_body(response, url).await?;
    if !status.is_success() {
        return Err(Error::Sso {
            issuer: issuer.to_string(),
            reason: format!(
                "{} answered {status}; check --sso-issuer-url",
                one_line(url)
            ),
        });
    }
    parse(&body, url, issuer)
}

/// 429 and 5xx are passing troubles, whatever the body says (an OAuth `slow_down` on a 429 is
/// no verdict on the refresh token), with the server's `Retry-After`, bounded.
fn busy(response: &reqwest::Response, url: &str) -> Result<()> {
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(Error::SsoBusy {
            url: one_line(url),
            status: status.as_u16(),
            retry_after: http::retry_after_secs(response.headers()),
        });
    }
    Ok(())
}

async fn read_body(response: reqwest::Response, url: &str) -> Result<Vec<u8>> {
    read_capped(response, MAX_BODY_BYTES)
        .await
        .map_err(|err| Error::SsoNetwork {
            url: one_line(url),
            reason: match err {
                BodyError::TooLarge => "the answer is larger than 1 MiB".into(),
                BodyError::Transport(err) => error_chain(&err),
            },
        })
}

/// The error names the field's place, never the body: a token answer holds secrets.
fn parse<T: DeserializeOwned>(body: &[u8], url: &str, issuer: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|err| Error::Sso {
        issuer: issuer.to_string(),
        reason: format!(
            "{} sent an answer doks-auth cannot read (JSON error at line {} column {})",
            one_line(url),
            err.line(),
            err.column()
        ),
    })
}

/// Every endpoint the discovery document names is held to the issuer's rule (https, http only on
/// loopback): the codes, tokens and refresh tokens sent there are bearer secrets, and the keys
/// fetched from `jwks_uri` decide which ID tokens are trusted. A URL with a space or a control
/// character is no URL, and is refused before it is ever printed or requested.
fn check_endpoints(doc: &Discovery, issuer: &str) -> Result<()> {
    let endpoints = [
        ("authorization_endpoint", Some(&doc.authorization_endpoint)),
        ("token_endpoint", Some(&doc.token_endpoint)),
        ("jwks_uri", Some(&doc.jwks_uri)),
        (
            "device_authorization_endpoint",
            doc.device_authorization_endpoint.as_ref(),
        ),
    ];
    for (name, url) in endpoints {
        let Some(url) = url else {
            continue;
        };
        let refused = |reason: String| Error::Sso {
            issuer: issuer.to_string(),
            reason,
        };
        if !url.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(refused(format!(
                "its discovery document's {name} ({}) is not a URL; the provider's setup needs fixing",
                one_line(url)
            )));
        }
        if !crate::http::is_secure_url(url) {
            return Err(refused(format!(
                "its discovery document's {name} {} is not https://, and codes and tokens sent there would cross the network unencrypted; the provider must serve it over https:// (http:// only on this machine: 127.0.0.1, ::1, localhost)",
                one_line(url)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
