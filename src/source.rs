//! The two sources of a cluster credential behind one step: DigitalOcean's credentials endpoint
//! with the user's token, or an ID token from the cluster's OpenID provider.

use std::time::{Duration, Instant};

use crate::credential::{ClusterId, Credential};
use crate::digitalocean::{self, Account};
use crate::error::{Error, Result};
use crate::http;
use crate::sso::{self, SsoSettings};

/// Where a credential comes from.
#[derive(Debug)]
pub enum Source {
    /// DigitalOcean's credentials endpoint, with the account's token.
    DigitalOcean {
        account: Account,
        expiry_seconds: u64,
    },
    /// An ID token from the cluster's OpenID provider.
    Sso(SsoSettings),
}

impl Source {
    /// Names the cache entry (see [`Account::fingerprint`], [`SsoSettings::fingerprint`]).
    pub fn fingerprint(&self) -> String {
        match self {
            Source::DigitalOcean { account, .. } => account.fingerprint(),
            Source::Sso(sso) => sso.fingerprint(),
        }
    }

    /// How long a process may wait for another's refresh (a login takes a person's time), and
    /// the flag that sets it.
    pub fn wait_bound(&self) -> (Duration, &'static str) {
        match self {
            Source::DigitalOcean { account, .. } => (account.timeout, "--timeout"),
            // No login of ours to wait out; another process's is not waited for past --timeout.
            Source::Sso(sso) if !sso.may_log_in => (sso.timeout, "--timeout"),
            Source::Sso(sso) => (
                sso.login_timeout + sso.timeout + Duration::from_secs(5),
                "--login-timeout, plus --timeout",
            ),
        }
    }
}

/// A new credential for `cluster`. `previous` is the stale cached one: its SSO refresh token
/// renews it without a login. `bound`, when a still-valid credential is cached to fall back on,
/// cuts the source's attempt short: waiting out the whole `--timeout` would freeze the client on
/// every call while DigitalOcean or the OpenID provider is down. (An SSO login is bounded by
/// `--login-timeout` alone.)
pub fn fetch(
    source: &Source,
    cluster: &ClusterId,
    previous: Option<&Credential>,
    started: Instant,
    bound: Option<Duration>,
) -> Result<Credential> {
    let limit = |timeout: Duration| {
        let limited = bound.map_or(timeout, |bound| timeout.min(started.elapsed() + bound));
        (limited, limited < timeout)
    };
    match source {
        Source::DigitalOcean {
            account,
            expiry_seconds,
        } => {
            let (timeout, cut_short) = limit(account.timeout);
            let account = Account {
                timeout,
                ..account.clone()
            };
            digitalocean::credential(&account, cluster, *expiry_seconds, started).map_err(|err| {
                match err {
                    Error::Timeout { seconds } if cut_short => {
                        Error::TimeoutWithFallback { seconds }
                    }
                    other => other,
                }
            })
        }
        Source::Sso(settings) => {
            let (timeout, cut_short) = limit(settings.timeout);
            http::block_on(sso::obtain(
                settings,
                previous,
                (started, timeout),
                cut_short,
            ))
        }
    }
}
