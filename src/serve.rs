//! get-credential's core: the ExecCredential line from the cache while the credential is fresh,
//! else from the source under the entry's lock, else (in an outage) the still-valid cached one.

use std::time::Instant;

use chrono::{DateTime, Utc};
use log::{debug, warn};

use crate::cache::{self, Cache, Failure};
use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::exec_credential;
use crate::platform::Process;
use crate::probe;
use crate::settings::{CacheChoice, CredentialSettings};
use crate::source::{self, Source};

/// A credential handed back after a failed refresh is reported as expiring this soon, so
/// long-running clients (k9s, controllers) try the refresh again shortly.
const STALE_RETRY: chrono::Duration = chrono::Duration::seconds(60);
/// After a failed refresh, how long the cached credential is served without trying again...
const FAILURE_MEMORY: chrono::Duration = chrono::Duration::seconds(60);
/// ... or longer, when the server asks for it (`Retry-After`), up to this.
const FAILURE_MEMORY_MAX: chrono::Duration = chrono::Duration::seconds(3600);
/// How many times a client-go client runs the plugin as it starts, before any request: once
/// (kubectl 1.27 to 1.33). The call after that, from the same process, is client-go's retry
/// after a 401. The Google Cloud SDK's kubectl dispatcher runs the plugin, then execs a
/// versioned kubectl in the same pid that runs it again: [`Process`] tells the two apart by name.
const CALLS_AT_START: usize = 1;
/// At most one refresh for a refused credential in this long, per entry.
const FORCED_REFRESH_INTERVAL: chrono::Duration = chrono::Duration::seconds(10);
/// How long a refresh may take when a still-valid credential is cached to fall back on.
const BOUND_WITH_FALLBACK: std::time::Duration = std::time::Duration::from_secs(5);

mod login;

pub use login::log_in;
use login::{login_needed, login_needed_error, remember_unfinished, unattended};

/// A credential as kubectl is handed it: with the `expirationTimestamp` it is given, and how it
/// was had (for `doctor`, which obtains it exactly as `get-credential` does).
#[derive(Debug)]
pub struct Served {
    pub credential: Credential,
    pub expiration: DateTime<Utc>,
    pub how: How,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// From the cache, fresh.
    Cached,
    /// From the source, and cached.
    Fetched,
    /// From the source, not cached (`--no-cache`, or no usable cache folder).
    Uncached,
    /// From the cache after a failed refresh: it still works, and kubectl is told to come back
    /// soon.
    Stale,
}

/// The ExecCredential line: from the cache while it is fresh, else from DigitalOcean.
pub fn credential_line(settings: &CredentialSettings, started: Instant) -> Result<String> {
    let served = credential(settings, started)?;
    Ok(exec_credential::render(
        settings.version,
        &served.credential,
        served.expiration,
    ))
}

/// [`credential_line`]'s credential, before it is rendered.
pub fn credential(settings: &CredentialSettings, started: Instant) -> Result<Served> {
    let dir = match &settings.cache {
        CacheChoice::Folder(dir) => match cache::check_folder(dir) {
            Ok(()) => dir,
            Err(err) => return uncached(settings, started, Some(&err)),
        },
        CacheChoice::Unavailable(err) => return uncached(settings, started, Some(err)),
        CacheChoice::Off => {
            debug!("cache: disabled by --no-cache");
            return uncached(settings, started, None);
        }
    };
    let cache = Cache::new(
        dir.clone(),
        &settings.cluster_id,
        &settings.source.fingerprint(),
    );
    // The client that runs us, when client-go does: each of its calls is counted (see
    // `refused_by_server`), and a new credential is noted as given to it. Only then is /proc read.
    let client = if settings.exec_info.is_some() {
        Process::parent()
    } else {
        None
    };
    let mut refused = None;
    if let Some(credential) = cache.load() {
        let now = Utc::now();
        if !credential.is_fresh(settings.refresh_margin, now) {
            debug!(
                "cache stale: {} (refresh was due at {})",
                cache.path().display(),
                refresh_at(settings, &credential)
            );
        } else if refused_by_server(&cache, client.as_ref(), &credential, now)
            && cluster_refuses(settings, &credential)
        {
            debug!(
                "cache: this client was given {} already and asks again long before it is due: the API server refused it; refreshing",
                cache.path().display()
            );
            refused = Some(credential);
        } else {
            debug!(
                "cache hit: {} (refresh at {})",
                cache.path().display(),
                refresh_at(settings, &credential)
            );
            return Ok(served(settings, credential, How::Cached));
        }
    }
    let served = refresh(settings, &cache, started, refused.as_ref());
    if let Some(client) = &client {
        cache.times_given(client);
    }
    served
}

/// Whether `client` asks for this credential more often than it does as it starts: client-go
/// asks again in the same process only when the API server answered 401. Only for client-go's
/// calls (a script calling us in a loop has one parent too), and not for a credential fetched in
/// the last [`FORCED_REFRESH_INTERVAL`]: a client stuck on 401s must not run through
/// DigitalOcean's rate limit.
fn refused_by_server(
    cache: &Cache,
    client: Option<&Process>,
    credential: &Credential,
    now: DateTime<Utc>,
) -> bool {
    client.is_some_and(|client| cache.times_given(client) >= CALLS_AT_START)
        && now - credential.fetched_at >= FORCED_REFRESH_INTERVAL
}

/// Whether the API server really turns the credential away: client-go asks again after a 401,
/// but some commands ask twice without one. Only the cluster can tell; without its address (a
/// stanza without `provideClusterInfo`) nothing is refreshed on suspicion.
fn cluster_refuses(settings: &CredentialSettings, credential: &Credential) -> bool {
    match settings.exec_info.as_deref().and_then(probe::cluster_of) {
        Some(cluster) => probe::refuses(&cluster, credential),
        None => {
            debug!(
                "cache: asked again, but kubectl did not say which cluster (provideClusterInfo): not refreshed"
            );
            false
        }
    }
}

/// Without a cache the credential is still served: a home-less CI job or an untrusted folder
/// must not stop kubectl. `why` is worth one warning; `--no-cache` is not.
// Kept out of `credential`: inlined, its locals grew every cache hit's stack frame (one more
// page to fault in), though a hit never calls it.
#[inline(never)]
fn uncached(
    settings: &CredentialSettings,
    started: Instant,
    why: Option<&Error>,
) -> Result<Served> {
    let credential = source::fetch(&settings.source, &settings.cluster_id, None, started, None)?;
    if let Some(err) = why {
        warn!("{err}: the credential was not cached");
    }
    Ok(served(settings, credential, How::Uncached))
}

/// The miss path: one process at a time per entry, so a herd of kubectl processes makes one
/// request (or one SSO login), and the rest find its result when they get the lock. `refused`
/// is a fresh credential the API server turned away: it is replaced even though it is fresh.
// As `uncached`: a hit's stack stays small.
#[inline(never)]
fn refresh(
    settings: &CredentialSettings,
    cache: &Cache,
    started: Instant,
    refused: Option<&Credential>,
) -> Result<Served> {
    // Before the lock: after a login nobody finished, a call without a terminal does not wait
    // for another login in progress either. Only a login is held back: a refresh token still
    // renews, and then the call waits no longer than a refresh takes.
    let mut wait = settings.source.wait_bound();
    if let Some(err) = login_needed(settings, cache, Utc::now()) {
        let cached = cache.load();
        match quiet(settings, cached.as_ref()) {
            Some(source) => wait = source.wait_bound(),
            None => {
                let usable = cached.filter(|c| !c.has_expired(Utc::now()));
                return unattended(usable.as_ref(), err);
            }
        }
    }
    let (timeout, flag) = wait;
    let _lock = match cache.lock(started + timeout, timeout, flag) {
        Ok(lock) => lock,
        // Not a lock file at the lock's name: the entry is left alone and nothing is cached.
        Err(err @ Error::Cache { .. }) => return uncached(settings, started, Some(&err)),
        Err(err) => return serve_stale(cache.load(), err),
    };
    let entry = cache.load_entry();
    let cached = entry.as_ref().map(|entry| &entry.credential);
    let now = Utc::now();
    if let Some(credential) = cached
        .filter(|c| c.is_fresh(settings.refresh_margin, now))
        .filter(|c| Some(*c) != refused)
    {
        debug!(
            "cache hit: another process refreshed {} meanwhile",
            cache.path().display()
        );
        return Ok(served(settings, credential.clone(), How::Cached));
    }
    let usable = cached.filter(|c| !c.has_expired(now));
    // Many background calls may have waited for the lock while a login nobody finished held it.
    let (held_back, quiet_source) = match login_needed(settings, cache, now) {
        None => (None, None),
        Some(err) => match quiet(settings, cached) {
            Some(source) => (Some(err), Some(source)),
            None => return unattended(usable, err),
        },
    };
    let source = quiet_source.as_ref().unwrap_or(&settings.source);
    if let (Some(credential), Some(failure)) = (
        usable,
        entry.as_ref().and_then(|e| e.refresh_failed.as_ref()),
    ) && now < next_try(failure)
    {
        warn!(
            "{} (at {}; next try after {}); using the cached credential, valid until {}",
            failure.reason,
            failure.at.format("%H:%M:%S UTC"),
            next_try(failure).format("%H:%M:%S UTC"),
            credential.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
        );
        return Ok(stale(credential.clone(), now));
    }
    let bound = usable.map(|_| BOUND_WITH_FALLBACK);
    match source::fetch(source, &settings.cluster_id, cached, started, bound) {
        Ok(credential) => {
            let how = match cache.store(&credential) {
                Ok(()) => How::Fetched,
                Err(err) => {
                    warn!(
                        "{err}: the credential was not cached (use --no-cache to skip the cache)"
                    );
                    How::Uncached
                }
            };
            Ok(served(settings, credential, how))
        }
        Err(err) if err.is_access_denied() => {
            // Access was revoked (or the cluster is gone): a cached credential must not outlive it.
            if let Err(remove_err) = cache.remove() {
                warn!("{remove_err}");
            }
            Err(err)
        }
        // The refresh token no longer works, and the login it takes is held back.
        Err(err @ Error::SsoLoginNeeded { .. }) => match held_back {
            Some(held_back) => unattended(usable, held_back),
            None => serve_stale(cached.cloned(), err),
        },
        Err(err) if err.unfinished_login().is_some() => {
            let now = remember_unfinished(cache, &err);
            match (err, &settings.source) {
                (Error::NoBrowser { .. }, Source::Sso(sso)) => {
                    let why = "no browser could be started for it".to_string();
                    let err = login_needed_error(settings, sso, why, now);
                    unattended(usable.filter(|c| !c.has_expired(now)), err)
                }
                // A login nobody finished in time: a cached credential that still works serves.
                (err, _) => serve_stale(usable.cloned(), err),
            }
        }
        Err(err) => {
            if let Some(credential) = usable.filter(|_| err.is_transient()) {
                let wait = err.retry_after().map_or(FAILURE_MEMORY, |secs| {
                    // Already bounded to a day by http::retry_after_secs.
                    chrono::Duration::seconds(secs as i64).clamp(FAILURE_MEMORY, FAILURE_MEMORY_MAX)
                });
                let failure = Failure {
                    at: now,
                    reason: err.to_string(),
                    next_try: Some(now + wait),
                };
                let mut keep = credential.clone();
                if let (Some(session), Some(rotated)) =
                    (keep.sso.as_mut(), err.rotated_refresh_token())
                {
                    session.refresh_token = Some(rotated.clone());
                }
                if let Err(store_err) = cache.remember_failure(&keep, failure) {
                    debug!("cache: the failure was not remembered: {store_err}");
                }
            }
            serve_stale(cached.cloned(), err)
        }
    }
}

/// For a call whose login is held back: the source renewing by refresh token alone, when the
/// cached credential has one (see [`login_needed`]).
fn quiet(settings: &CredentialSettings, cached: Option<&Credential>) -> Option<Source> {
    let renewable = cached
        .and_then(|c| c.sso.as_ref())
        .is_some_and(|login| login.refresh_token.is_some());
    match &settings.source {
        Source::Sso(sso) if renewable => Some(Source::Sso(sso.without_login())),
        _ => None,
    }
}

/// When a failed refresh may be tried again: as the server asked, within bounds (the entry is
/// ours, but an old one has no `next_try`).
fn next_try(failure: &Failure) -> DateTime<Utc> {
    let after = |wait| failure.at.checked_add_signed(wait).unwrap_or(failure.at);
    failure
        .next_try
        .unwrap_or(after(FAILURE_MEMORY))
        .min(after(FAILURE_MEMORY_MAX))
}

/// A DigitalOcean blip must not stop kubectl: when the refresh failed for a passing reason and the
/// cached credential still works, hand it back with one warning.
fn serve_stale(cached: Option<Credential>, err: Error) -> Result<Served> {
    let now = Utc::now();
    match cached {
        Some(credential) if err.is_transient() && !credential.has_expired(now) => {
            warn!(
                "{err}; using the cached credential, valid until {}",
                credential.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
            );
            Ok(stale(credential, now))
        }
        _ => Err(err),
    }
}

/// A credential handed back after a failed refresh, reported as expiring soon so that
/// long-running clients come back to try again.
fn stale(credential: Credential, now: DateTime<Utc>) -> Served {
    Served {
        expiration: credential.expires_at.min(now + STALE_RETRY),
        credential,
        how: How::Stale,
    }
}

fn refresh_at(settings: &CredentialSettings, credential: &Credential) -> chrono::DateTime<Utc> {
    credential.refresh_at(settings.refresh_margin)
}

/// The credential with the `expirationTimestamp` kubectl is given: when doks-auth stops serving
/// it from the cache.
fn served(settings: &CredentialSettings, credential: Credential, how: How) -> Served {
    Served {
        expiration: refresh_at(settings, &credential),
        credential,
        how,
    }
}
