//! Single sign-on: a cluster credential that is an ID token from the cluster's OpenID provider,
//! for clusters with DigitalOcean's SSO. No DigitalOcean token is involved.
//!
//! [`obtain`] renews with the refresh token when there is one, else (or when it is refused) logs
//! in: [`grant`] (browser through [`loopback`] and [`browser`], or device code). Every ID token
//! is checked by [`verify`] before it is cached or printed. [`provider`] speaks HTTP.

mod browser;
mod grant;
mod loopback;
mod paste;
mod provider;
mod verify;

use std::time::Duration;

use chrono::Utc;
use log::debug;

use crate::credential::{Credential, SsoSession};
use crate::error::{Error, Result};
use crate::secret::Secret;
use grant::Refreshed;
pub use provider::Revocation;
use provider::{Provider, TokenAnswer};
use verify::{Refusal, Verified};
pub use verify::{Shown, shown as shown_claims};

/// Clocks closer than this agree: nothing is said, and a Date this close to `iat` fits.
const SKEW_TOLERANCE: chrono::Duration = chrono::Duration::seconds(60);
/// No ID token is taken to last longer than DigitalOcean's longest credential.
const MAX_LIFETIME: chrono::Duration = chrono::Duration::days(7);

/// The loopback callback port when none is given: doctl's, so that the redirect URI admins
/// registered for doctl works.
pub const DEFAULT_PORT: u16 = 8080;

/// How the user logs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A browser, sent back to the loopback server.
    AuthCode,
    /// A code entered on any device (RFC 8628).
    DeviceCode,
    /// A browser anywhere; the address it is sent back to is pasted on standard input.
    Paste,
}

impl Grant {
    /// What to do after a login of this grant ran out of --login-timeout.
    fn when_late(self) -> &'static str {
        match self {
            Grant::AuthCode => {
                "finish the login in the browser sooner, or use --sso-grant device-code or paste where no browser can open"
            }
            Grant::DeviceCode => {
                "enter the code and finish the login sooner, or raise --login-timeout"
            }
            Grant::Paste => {
                "paste the address the browser ends up on sooner, or raise --login-timeout"
            }
        }
    }
}

/// Everything SSO mode needs; no DigitalOcean account.
#[derive(Clone, Debug)]
pub struct SsoSettings {
    pub issuer: String,
    pub client_id: String,
    /// Loopback callback port; 0 for any free one.
    pub port: u16,
    pub grant: Grant,
    pub browser_command: Option<String>,
    pub login_timeout: Duration,
    /// `--timeout`: everything but the login itself (discovery, refresh, keys).
    pub timeout: Duration,
    /// Whether a person may be there (see `exec_credential::Caller`): without one, a login
    /// that cannot show itself (no browser, no standard input) ends at once.
    pub interactive: bool,
    /// Whether a login may start when no refresh token does: `get-credential`'s caller is
    /// kubectl, for a person; `doctor` and `whoami` only look, and say how to log in instead.
    pub may_log_in: bool,
}

impl SsoSettings {
    /// The same settings for a call that may renew by refresh token but start no login.
    pub fn without_login(&self) -> Self {
        SsoSettings {
            may_log_in: false,
            ..self.clone()
        }
    }

    /// Names the cache entry: one per issuer and client, never shared with the token path
    /// (whose fingerprint hashes a token) or another provider.
    pub fn fingerprint(&self) -> String {
        let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
        hash.update(b"doks-auth sso\0");
        hash.update(self.issuer.as_bytes());
        hash.update(b"\0");
        hash.update(self.client_id.as_bytes());
        crate::secret::hex(&hash.finish().as_ref()[..8])
    }
}

/// What renewing without a person found: a credential, or that a login is needed.
enum Renewal {
    Done(Credential),
    LogIn(Provider),
}

/// A fresh, verified ID token: by refresh token when `previous` has one and the provider still
/// takes it, else by a login bounded by `--login-timeout`. Everything before a login (discovery,
/// the refresh, the keys) must end within `timeout` of `started`: `--timeout`, or less when the
/// cached ID token still works (`cut_short`), as on the DigitalOcean path.
pub async fn obtain(
    settings: &SsoSettings,
    previous: Option<&Credential>,
    (started, timeout): (std::time::Instant, Duration),
    cut_short: bool,
) -> Result<Credential> {
    let deadline = started + timeout;
    let renewal = tokio::time::timeout_at(deadline.into(), renew(settings, previous)).await;
    let provider = match renewal {
        Ok(Ok(Renewal::Done(credential))) => return Ok(credential),
        Ok(Ok(Renewal::LogIn(provider))) => provider,
        Ok(Err(err)) => return Err(err),
        Err(_) => {
            let (issuer, seconds) = (settings.issuer.clone(), timeout.as_secs());
            return Err(if cut_short {
                Error::SsoTimeoutWithFallback { issuer, seconds }
            } else {
                Error::SsoTimeout { issuer, seconds }
            });
        }
    };
    if !settings.may_log_in {
        return Err(Error::SsoLoginNeeded {
            issuer: settings.issuer.clone(),
        });
    }
    let seconds = settings.login_timeout.as_secs();
    let login = tokio::time::timeout(settings.login_timeout, log_in(&provider, settings))
        .await
        .map_err(|_| Error::LoginTimeout {
            seconds,
            advice: settings.grant.when_late(),
        })??;
    // The keys and the check after the login: network work again, bounded as before it.
    let checked = credential(&provider, settings, login.answer, login.nonce, None);
    tokio::time::timeout(settings.timeout, checked)
        .await
        .map_err(|_| Error::SsoTimeout {
            issuer: settings.issuer.clone(),
            seconds: settings.timeout.as_secs(),
        })?
}

/// Ends a login at the provider for real (`logout`): its refresh token is revoked (RFC 7009)
/// where discovery lists a revocation endpoint.
pub async fn revoke(issuer: &str, client_id: &str, refresh_token: &Secret) -> Result<Revocation> {
    Provider::discover(issuer)
        .await?
        .revoke(client_id, refresh_token)
        .await
}

/// Whether the issuer's discovery document answers and names it, by `deadline`: what `doctor`
/// checks before any token is asked for. `timeout` is the whole command's (`--timeout`), which the error names: the time left of it
/// is less, and no flag sets that.
pub async fn discover(issuer: &str, deadline: std::time::Instant, timeout: Duration) -> Result<()> {
    tokio::time::timeout_at(deadline.into(), Provider::discover(issuer))
        .await
        .map_err(|_| Error::SsoTimeout {
            issuer: issuer.to_string(),
            seconds: timeout.as_secs(),
        })?
        .map(|_| ())
}

/// A login by the grant the settings name (the paste login reuses the browser login's request).
async fn log_in(provider: &Provider, settings: &SsoSettings) -> Result<grant::Login> {
    match settings.grant {
        Grant::AuthCode => grant::auth_code(provider, settings).await,
        Grant::DeviceCode => grant::device_code(provider, settings).await,
        Grant::Paste => paste::login(provider, settings).await,
    }
}

/// Discovery, then the refresh token if there is one.
async fn renew(settings: &SsoSettings, previous: Option<&Credential>) -> Result<Renewal> {
    let provider = Provider::discover(&settings.issuer).await?;
    let refresh_token = previous
        .and_then(|c| c.sso.as_ref())
        .and_then(|s| s.refresh_token.clone());
    let Some(token) = &refresh_token else {
        return Ok(Renewal::LogIn(provider));
    };
    match grant::refresh(&provider, settings, token).await? {
        Refreshed::Done(answer) if answer.id_token.is_none() => {
            // OpenID Connect Core §12.2: a refresh answer need not carry an ID token. The cached
            // one serves while it works (a passing trouble, see `serve`); then a login.
            if previous.is_some_and(|c| !c.has_expired(Utc::now())) {
                return Err(Error::SsoNoNewIdToken {
                    issuer: settings.issuer.clone(),
                    rotated: answer.refresh_token,
                });
            }
            debug!(
                "sso: the refresh answer has no ID token and the cached one has expired; logging in"
            );
            Ok(Renewal::LogIn(provider))
        }
        Refreshed::Done(answer) => {
            debug!("sso: renewed by refresh token");
            // A provider that does not rotate refresh tokens sends none back: keep ours.
            let credential = credential(&provider, settings, answer, None, refresh_token).await?;
            Ok(Renewal::Done(credential))
        }
        Refreshed::Rejected(said) => {
            debug!("sso: the refresh token was refused ({said}); logging in again");
            Ok(Renewal::LogIn(provider))
        }
    }
}

/// Verifies the answer's ID token (fetching the JWKS once more if its key is unknown, as after
/// a key rotation) and makes the credential to cache and print.
async fn credential(
    provider: &Provider,
    settings: &SsoSettings,
    answer: TokenAnswer,
    nonce: Option<String>,
    kept_refresh_token: Option<Secret>,
) -> Result<Credential> {
    let refused = |reason: String| Error::IdTokenRefused {
        issuer: settings.issuer.clone(),
        reason,
    };
    let id_token = answer.id_token.ok_or_else(|| {
        refused("the token answer has no id_token (is `openid` an allowed scope?)".into())
    })?;
    let now = Utc::now();
    // The provider's clock, when it says: the ID token's times are in its terms.
    let provider_now = answer.server_date.unwrap_or(now);
    let skewed = (now - provider_now).abs() > SKEW_TOLERANCE;
    let check = |keys: &_, clock| {
        verify::verify(
            id_token.expose(),
            keys,
            &settings.issuer,
            &settings.client_id,
            nonce.as_deref(),
            clock,
        )
    };
    // A token just issued was issued about when the provider answered: a Date that is not
    // between its iat and exp (from another decade, say) is ignored, and ours judges instead.
    let date_fits = |v: &Verified| match v.issued_at {
        Some(iat) => provider_now >= iat - SKEW_TOLERANCE && provider_now < v.expires_at,
        None => !skewed,
    };
    let mut keys = provider.jwks().await?;
    let mut checked = check(&keys, provider_now);
    if matches!(checked, Err(Refusal::UnknownKey)) {
        keys = provider.jwks().await?;
        checked = check(&keys, provider_now);
    }
    let refusal = |refusal| match refusal {
        Refusal::UnknownKey => {
            refused("it is signed with a key the provider does not publish".into())
        }
        Refusal::Invalid(reason) => refused(reason),
    };
    let (verified, clock) = match checked {
        Ok(verified) if date_fits(&verified) => (verified, provider_now),
        first => match check(&keys, now) {
            Ok(verified) if !date_fits(&verified) => {
                debug!(
                    "sso: the provider's Date header ({}) does not fit the ID token's iat and exp: ignored, this machine's clock judges",
                    provider_now.format("%Y-%m-%d %H:%M:%S UTC")
                );
                (verified, now)
            }
            by_ours => {
                return Err(refusal(match (first, by_ours) {
                    (Err(why), _) | (_, Err(why)) => why,
                    _ => Refusal::Invalid("its times do not fit either clock".into()),
                }));
            }
        },
    };
    if clock != now && skewed {
        debug!(
            "sso: this machine's clock is {} s off the provider's: the ID token's lifetime is judged by the provider's clock",
            (now - provider_now).num_seconds()
        );
    }
    // The lifetime left by the judging clock, counted from ours (the Date header rounds down to
    // the second: a second less, to be safe); never more than the token's own (exp − iat), nor
    // than DigitalOcean's longest credential.
    let rounding = chrono::Duration::seconds(if clock == now { 0 } else { 1 });
    let mut lifetime = verified.expires_at - clock - rounding;
    if let Some(iat) = verified.issued_at {
        lifetime = lifetime.min(verified.expires_at - iat);
    }
    let lifetime = lifetime.min(MAX_LIFETIME);
    if lifetime <= chrono::Duration::zero() {
        // exp no later than iat: every call would fetch it again.
        return Err(refused(
            "it has no lifetime (its exp is not after its iat)".into(),
        ));
    }
    Ok(Credential {
        token: Some(id_token),
        client_certificate: None,
        client_key: None,
        expires_at: now + lifetime,
        fetched_at: now,
        sso: Some(SsoSession {
            issuer: settings.issuer.clone(),
            client_id: Some(settings.client_id.clone()),
            email: verified.email,
            refresh_token: answer.refresh_token.or(kept_refresh_token),
        }),
    })
}
