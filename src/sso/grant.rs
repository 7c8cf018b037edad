//! The three ways to an ID token: a browser login (authorization code with PKCE), a device
//! login (RFC 8628) and a refresh-token grant. Each returns the provider's token answer; the
//! caller verifies it.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Url;

use super::loopback::{Callback, Loopback};
use super::provider::{OAuthError, Provider, TokenAnswer};
use super::{SsoSettings, browser};
use crate::error::{Error, Result, one_line};
use crate::logging;
use crate::secret::Secret;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 §3.2: the poll interval when the provider names none.
const DEFAULT_INTERVAL: u64 = 5;
/// RFC 8628 §3.5: each `slow_down` adds 5 s.
const SLOW_DOWN: Duration = Duration::from_secs(5);
/// A provider asking for longer between polls would leave the user waiting after confirming.
const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// Device codes live minutes. A longer (or missing, or nonsensical) `expires_in` is taken as
/// this: `--login-timeout` (at most an hour too) ends the wait in any case.
const MAX_DEVICE_LIFETIME: Duration = Duration::from_secs(3600);

/// The answer of a login, and the nonce its ID token must carry.
pub struct Login {
    pub answer: TokenAnswer,
    pub nonce: Option<String>,
}

/// What became of a refresh.
pub enum Refreshed {
    Done(TokenAnswer),
    /// The refresh token is no longer accepted: a new login is needed.
    Rejected(String),
}

pub async fn refresh(
    provider: &Provider,
    settings: &SsoSettings,
    refresh_token: &Secret,
) -> Result<Refreshed> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
        ("client_id", settings.client_id.as_str()),
    ];
    Ok(match provider.token(&form).await? {
        Ok(answer) => Refreshed::Done(answer),
        // A provider that is only busy says nothing of the refresh token: not a reason to log in.
        Err(err) if matches!(err.error.as_str(), "slow_down" | "temporarily_unavailable") => {
            return Err(Error::SsoBusy {
                url: one_line(&provider.doc.token_endpoint),
                status: 400,
                retry_after: None,
            });
        }
        Err(err) => Refreshed::Rejected(err.describe()),
    })
}

/// The authorization-code flow with PKCE (RFC 7636, S256), `state` and `nonce`. The loopback
/// server listens before the browser starts, so the callback cannot arrive too early.
pub async fn auth_code(provider: &Provider, settings: &SsoSettings) -> Result<Login> {
    let loopback = Loopback::bind(settings.port)?;
    let request = AuthRequest::new(provider, settings, loopback.redirect_uri())?;
    let opened = browser::open(request.url.as_str(), settings.browser_command.as_deref());
    if !opened && !settings.interactive {
        // Nobody is at a terminal to open the URL by hand: waiting out --login-timeout would
        // only hold up the caller (and every call after it).
        return Err(Error::NoBrowser {
            issuer: provider.issuer.clone(),
        });
    }
    let what = if opened {
        "log in in the browser that opened, or open this URL"
    } else {
        "open this URL in a browser and log in"
    };
    logging::say(format_args!(
        "to log in to {}, {what}: {}",
        provider.issuer, request.url
    ));
    let callback = loopback.wait(&request.state, &provider.issuer).await?;
    request.finish(provider, settings, callback).await
}

/// A login through the provider's authorization endpoint: its URL, and what the answer is
/// checked and redeemed with. The verifier is a secret: only the token endpoint sees it.
pub struct AuthRequest {
    pub url: Url,
    pub state: String,
    nonce: String,
    verifier: Secret,
    redirect_uri: String,
}

impl AuthRequest {
    pub fn new(provider: &Provider, settings: &SsoSettings, redirect_uri: String) -> Result<Self> {
        let (state, nonce, verifier) = (random(), random(), Secret::new(random()));
        let challenge = URL_SAFE_NO_PAD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            verifier.expose().as_bytes(),
        ));
        let mut url = Url::parse(&provider.doc.authorization_endpoint).map_err(|_| {
            provider.error("its authorization_endpoint is not a URL; check the provider's setup")
        })?;
        let scope = provider.scopes();
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", &scope);
        // OpenID Connect Core §11: offline access needs the user's consent, asked for
        // explicitly (providers that follow it to the letter drop `offline_access` otherwise).
        if scope.contains("offline_access") {
            query.append_pair("prompt", "consent");
        }
        query
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        drop(query);
        Ok(AuthRequest {
            url,
            state,
            nonce,
            verifier,
            redirect_uri,
        })
    }

    /// Redeems the answer's code (with the PKCE verifier and the same redirect URI), or ends
    /// the login with the provider's refusal.
    pub async fn finish(
        self,
        provider: &Provider,
        settings: &SsoSettings,
        callback: Callback,
    ) -> Result<Login> {
        let code = match callback {
            Callback::Code(code) => code,
            Callback::Refused(said) => {
                return Err(provider.error(format!("the login was refused: {said}")));
            }
        };
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_id", settings.client_id.as_str()),
            ("code_verifier", self.verifier.expose()),
        ];
        match provider.token(&form).await? {
            Ok(answer) => Ok(Login {
                answer,
                nonce: Some(self.nonce),
            }),
            Err(err) => Err(provider.error(format!(
                "the token endpoint refused the login's code: {}",
                err.describe()
            ))),
        }
    }
}

/// The device authorization grant: a code to enter on any device, for machines without a
/// browser (SSH, containers).
pub async fn device_code(provider: &Provider, settings: &SsoSettings) -> Result<Login> {
    let device = match provider.device_authorization(&settings.client_id).await? {
        Ok(device) => device,
        Err(err) => {
            return Err(provider.error(format!("the device login was refused: {}", err.describe())));
        }
    };
    // Entra never sends verification_uri_complete: then the URI and the code.
    let (uri, act) = match &device.verification_uri_complete {
        Some(uri) => (uri, "confirm"),
        None => (&device.verification_uri, "enter"),
    };
    logging::say(format_args!(
        "to log in to {}, open {} on any device and {act} the code {}",
        provider.issuer,
        one_line(uri),
        one_line(&device.user_code)
    ));
    let (mut interval, lifetime) = device_bounds(device.interval, device.expires_in);
    let ends = tokio::time::Instant::now() + lifetime;
    let form = [
        ("grant_type", DEVICE_GRANT),
        ("device_code", device.device_code.expose()),
        ("client_id", settings.client_id.as_str()),
    ];
    loop {
        tokio::time::sleep(interval).await;
        if tokio::time::Instant::now() >= ends {
            return Err(expired(provider));
        }
        let answer = match provider.token(&form).await {
            // A 429 or 5xx while the person confirms: slow down, as RFC 8628 asks of slow_down,
            // rather than lose the login.
            Err(Error::SsoBusy { .. }) => {
                interval = (interval + SLOW_DOWN).min(MAX_INTERVAL);
                continue;
            }
            other => other?,
        };
        match answer {
            Ok(answer) => {
                return Ok(Login {
                    answer,
                    nonce: None,
                });
            }
            Err(OAuthError { error, .. }) if error == "authorization_pending" => {}
            Err(OAuthError { error, .. }) if error == "slow_down" => {
                interval = (interval + SLOW_DOWN).min(MAX_INTERVAL)
            }
            Err(OAuthError { error, .. }) if error == "expired_token" => {
                return Err(expired(provider));
            }
            Err(err) => {
                return Err(
                    provider.error(format!("the device login was refused: {}", err.describe()))
                );
            }
        }
    }
}

/// The poll interval and the device code's lifetime, from the provider's `interval` and
/// `expires_in`. Both are the server's numbers, unbounded as sent: bounded here, before any
/// time arithmetic (`Instant + u64::MAX s` aborts the process).
fn device_bounds(interval: Option<u64>, expires_in: Option<u64>) -> (Duration, Duration) {
    let interval = interval
        .unwrap_or(DEFAULT_INTERVAL)
        .clamp(1, MAX_INTERVAL.as_secs());
    let lifetime = expires_in
        .filter(|&secs| secs > 0)
        .map_or(MAX_DEVICE_LIFETIME, |secs| {
            Duration::from_secs(secs).min(MAX_DEVICE_LIFETIME)
        });
    (Duration::from_secs(interval), lifetime)
}

fn expired(provider: &Provider) -> Error {
    provider.error("the device code expired before the login was confirmed; run the command again")
}

/// 32 random bytes, base64url: for `state`, `nonce` and the PKCE verifier (43 characters, as
/// RFC 7636 §4.1 asks).
fn random() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random generator works");
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests;
