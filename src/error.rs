//! The library's typed errors. Each message is one line that says what happened and what to do;
//! none of them ever carries a token or a credential.

use crate::invoked::CMD;
use crate::secret::Secret;
use std::path::PathBuf;

mod api;
mod origin;
pub use api::{ApiError, Call};
pub use origin::TokenOrigin;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "invalid cluster id {0:?}: expected a DigitalOcean cluster UUID (letters, digits and '-' only)"
    )]
    InvalidClusterId(String),

    #[error("KUBERNETES_EXEC_INFO {0}")]
    ExecInfo(String),

    #[error("invalid API URL {url:?}: {reason}")]
    InvalidApiUrl { url: String, reason: String },

    #[error(
        "no DigitalOcean token: run `{CMD} auth init` to store one where every shell and kubectl find it (doctl's config), or set DIGITALOCEAN_ACCESS_TOKEN"
    )]
    NoToken,

    #[error(
        "doctl auth context {name:?} not found in {path} (known: {known}); run `{CMD} auth init --context {name}` to store a token under that name"
    )]
    UnknownContext {
        name: String,
        path: PathBuf,
        known: String,
    },

    #[error(
        "the DigitalOcean token from {origin} has a character no token has (a space, a control character or non-ASCII); copy the token again"
    )]
    InvalidToken { origin: String },

    #[error("{0}")]
    InvalidSsoArgs(String),

    /// Flags that do not go together; the text says why and what to pass.
    #[error("{0}")]
    InvalidArgs(String),

    #[error("cannot use doctl's config file {path}: {reason}")]
    DoctlConfig { path: PathBuf, reason: String },

    #[error(transparent)]
    Api(#[from] ApiError),

    #[error("unexpected response from the DigitalOcean API ({url}): {reason}")]
    UnexpectedResponse { url: String, reason: String },

    #[error(
        "cannot reach the DigitalOcean API at {url}: {reason}; check the network, any proxy (HTTPS_PROXY) and --api-url"
    )]
    Network { url: String, reason: String },

    #[error(
        "the DigitalOcean API at {url} failed TLS verification: {reason}; if a private CA or a TLS-inspecting proxy is in the way, point SSL_CERT_FILE at its CA bundle"
    )]
    Tls { url: String, reason: String },

    #[error(
        "no answer from the DigitalOcean API within {seconds} s (--timeout); check the network or raise --timeout"
    )]
    Timeout { seconds: u64 },

    /// A refresh cut short because a cached credential still works (see `serve`).
    #[error(
        "no answer from the DigitalOcean API within {seconds} s, and a cached credential still works, so doks-auth did not wait out --timeout"
    )]
    TimeoutWithFallback { seconds: u64 },

    #[error(
        "another doks-auth process is refreshing this credential and did not finish within {seconds} s ({flag}); lock file {path}"
    )]
    LockTimeout {
        seconds: u64,
        /// The flag that sets the bound: `--timeout`, or `--login-timeout` for SSO.
        flag: &'static str,
        path: PathBuf,
    },

    #[error("no cluster named {name:?} in this account (clusters: {known}); see `{CMD} clusters`")]
    ClusterNotFound { name: String, known: String },

    #[error("{count} clusters are named {name:?} (ids: {ids}); pass the cluster's id instead")]
    AmbiguousClusterName {
        name: String,
        count: usize,
        ids: String,
    },

    #[error(
        "cannot set up the network client: {0}; if no file descriptors are left, raise the limit (ulimit -n)"
    )]
    Runtime(String),

    #[error(
        "cannot reach the OpenID provider at {url}: {reason}; check the network, any proxy (HTTPS_PROXY) and --sso-issuer-url"
    )]
    SsoNetwork { url: String, reason: String },

    /// 429 or a 5xx: a passing trouble, as on the DigitalOcean path.
    #[error("the OpenID provider at {url} answered {status}: it is busy or down; try again {}", match retry_after {
        Some(secs) => format!("in {secs} s"),
        None => "shortly".to_string(),
    })]
    SsoBusy {
        url: String,
        status: u16,
        retry_after: Option<u64>,
    },

    #[error(
        "no answer from the OpenID provider {issuer} within {seconds} s (--timeout); check the network or raise --timeout"
    )]
    SsoTimeout { issuer: String, seconds: u64 },

    /// A renewal cut short because the cached ID token still works (see `serve`).
    #[error(
        "no answer from the OpenID provider {issuer} within {seconds} s, and the cached ID token still works, so doks-auth did not wait out --timeout"
    )]
    SsoTimeoutWithFallback { issuer: String, seconds: u64 },

    /// A refresh answer without an ID token (OpenID Connect Core §12.2 allows it), while the
    /// cached one still works: it is served, and a login follows once it has expired.
    #[error(
        "single sign-on with {issuer}: the provider renewed the login but sent no new ID token; the cached one is used until it expires, then you will be asked to log in"
    )]
    SsoNoNewIdToken {
        issuer: String,
        /// The refresh token the answer did carry: a rotated one must replace the cached one,
        /// since replaying the old one revokes the family at some providers.
        rotated: Option<Secret>,
    },

    /// The provider answered, but not as it should; `reason` says what to do.
    #[error("single sign-on with {issuer}: {reason}")]
    Sso { issuer: String, reason: String },

    #[error("single sign-on with {issuer}: the ID token was refused: {reason}; nothing was cached")]
    IdTokenRefused { issuer: String, reason: String },

    /// `advice` fits the grant used: a paste login is not told to use paste.
    #[error("no login within {seconds} s (--login-timeout): {advice}")]
    LoginTimeout { seconds: u64, advice: &'static str },

    /// A call without a terminal needs a login, and no browser could be started for it.
    #[error(
        "single sign-on with {issuer}: no browser could be started for the login, and nobody is at a terminal to open its URL: log in from a terminal (any kubectl command for this cluster there, or `{CMD} login`)"
    )]
    NoBrowser { issuer: String },

    /// A call without a terminal (`interactive: false`) needs a login nobody can finish now:
    /// it fails at once rather than start one (see `serve`). `command` logs in from a terminal.
    #[error(
        "single sign-on with {issuer}: a login is needed, and {why}; calls without a terminal (Lens, IDE plugins, prompt helpers) start no login until {until}: log in by running any kubectl command for this cluster in a terminal, or `{command}`"
    )]
    LoginNeeded {
        issuer: String,
        why: String,
        until: String,
        command: String,
    },

    #[error(
        "cannot listen on 127.0.0.1:{port} for the login callback: {reason}; free the port, or pass --sso-local-server-port with the port registered at the identity provider"
    )]
    LoopbackPort { port: u16, reason: String },

    #[error("no cluster given: pass its name or UUID")]
    NoCluster,

    /// Saving would replace or repoint an entry of another cluster's (see `kubeconfig::ownership`).
    #[error("kubeconfig: {what}; nothing was changed: {way_out}")]
    EntryTaken { what: String, way_out: String },

    /// A kubeconfig that cannot be read, parsed or written; the reason says what to do.
    #[error("kubeconfig {path}: {reason}")]
    Kubeconfig { path: PathBuf, reason: String },

    /// `doctor` and `whoami` start no login: a person did not ask for one.
    #[error(
        "not logged in to {issuer} (or the login has run out); run any kubectl command for this context in a terminal to log in"
    )]
    SsoLoginNeeded { issuer: String },

    /// `cause` rather than `source`, so the cause is printed once, inside this message.
    #[error("cache {path}: {cause}")]
    Cache {
        path: PathBuf,
        cause: std::io::Error,
    },
}

impl Error {
    /// A failure that may pass by itself (network, time-out, rate limit, server error): worth a
    /// retry, and no reason to stop handing back a credential that has not yet expired.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Network { .. }
            | Error::Timeout { .. }
            | Error::TimeoutWithFallback { .. }
            | Error::LockTimeout { .. }
            | Error::SsoNetwork { .. }
            | Error::SsoBusy { .. }
            | Error::SsoTimeout { .. }
            | Error::SsoTimeoutWithFallback { .. }
            | Error::SsoNoNewIdToken { .. }
            // A login nobody finished in time: a still-valid cached credential serves meanwhile.
            | Error::LoginTimeout { .. } => true,
            Error::Api(api) => api.is_transient(),
            _ => false,
        }
    }

    /// A refresh token the provider rotated although the renewal failed: it replaces the cached
    /// one when the cached credential is kept.
    pub fn rotated_refresh_token(&self) -> Option<&Secret> {
        match self {
            Error::SsoNoNewIdToken { rotated, .. } => rotated.as_ref(),
            _ => None,
        }
    }

    /// How long the server asked to be left alone (`Retry-After`, already bounded).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::Api(api) => api.retry_after,
            Error::SsoBusy { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A login that ended with nobody finishing it, in a few words: calls without a terminal
    /// then start no other for a while (see `serve`).
    pub fn unfinished_login(&self) -> Option<String> {
        match self {
            Error::LoginTimeout { seconds, .. } => Some(format!("no login within {seconds} s")),
            Error::NoBrowser { .. } => Some("no browser could be started".into()),
            _ => None,
        }
    }

    /// DigitalOcean says this token may not have this cluster's credentials (any more).
    pub fn is_access_denied(&self) -> bool {
        matches!(self, Error::Api(api) if matches!(api.status, 401 | 403 | 404))
    }

    /// Errors in what the user typed, reported with the usage exit code like clap's own.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::InvalidClusterId(_)
                | Error::NoCluster
                | Error::InvalidArgs(_)
                | Error::ExecInfo(_)
                | Error::InvalidApiUrl { .. }
                | Error::InvalidToken { .. }
                | Error::InvalidSsoArgs(_)
        )
    }
}

/// Server-supplied text goes on a single stderr line, so fold it and keep it short, and replace
/// control characters: an escape sequence from a server must not reach the user's terminal.
pub(crate) fn one_line(text: &str) -> String {
    const MAX: usize = 200;
    let mut folded = folded(text);
    if folded.len() > MAX {
        let cut = (0..=MAX)
            .rev()
            .find(|&i| folded.is_char_boundary(i))
            .unwrap_or(0);
        folded.truncate(cut);
        folded.push('…');
    }
    folded
}

/// [`one_line`] without its length limit, for a report line whose parts are already bounded.
pub(crate) fn folded(text: &str) -> String {
    printable(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces control characters (C0, DEL, C1) and Unicode's bidirectional overrides, which can
/// make a terminal show text other than what is there, with U+FFFD; white space is kept.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if (c.is_control() && !c.is_whitespace()) || bidi {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
