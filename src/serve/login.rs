//! Logins that need a person: a call without a terminal (`interactive: false`) after a login
//! nobody finished gets the way to log in instead of another login nobody would see, and
//! `doks-auth login` logs in for it, from a terminal.

use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Utc};
use log::{debug, warn};

use super::{Served, stale};
use crate::cache::{self, Cache, Failure};
use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::invoked::CMD;
use crate::settings::{CacheChoice, CredentialSettings};
use crate::source::{self, Source};
use crate::sso::{Grant, SsoSettings};

/// After a login nobody finished, calls without a terminal start no other for this long: a
/// background tool calling every few seconds would otherwise open a browser tab each time the
/// last login timed out. An interactive call may always start one.
const UNFINISHED_LOGIN_MEMORY: chrono::Duration = chrono::Duration::minutes(10);
/// A record of an unfinished login from further ahead than this is from a clock that has since
/// gone back: it is not believed.
const CLOCK_TOLERANCE: chrono::Duration = chrono::Duration::seconds(60);

/// For a call without a terminal, while the entry's last login (nobody finished it) is recent:
/// the error that says how to log in, instead of a login nobody would see. `None` for anyone
/// else, and for a credential from DigitalOcean, which needs no person.
pub(super) fn login_needed(
    settings: &CredentialSettings,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Option<Error> {
    let Source::Sso(sso) = &settings.source else {
        return None;
    };
    if settings.interactive {
        return None;
    }
    let login = cache
        .unfinished_login()
        .filter(|login| recent(login.at, now))?;
    let why = format!(
        "the last one, at {}, was not finished ({})",
        login.at.format("%H:%M:%S UTC"),
        crate::error::one_line(&login.reason)
    );
    Some(login_needed_error(settings, sso, why, login.at))
}

/// Whether a login that ended unfinished `at` still holds calls without a terminal back: for
/// [`UNFINISHED_LOGIN_MEMORY`], and not when `at` lies ahead (a clock that went back).
fn recent(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let until = at.checked_add_signed(UNFINISHED_LOGIN_MEMORY);
    until.is_some_and(|until| now < until) && at <= now + CLOCK_TOLERANCE
}

pub(super) fn login_needed_error(
    settings: &CredentialSettings,
    sso: &SsoSettings,
    why: String,
    unfinished_at: DateTime<Utc>,
) -> Error {
    let until = unfinished_at + UNFINISHED_LOGIN_MEMORY;
    Error::LoginNeeded {
        issuer: sso.issuer.clone(),
        why,
        until: until.format("%H:%M:%S UTC").to_string(),
        command: login_command(settings, sso),
    }
}

/// The `doks-auth login` that fills this entry: what names the entry and what the login needs
/// (the registered port, the grant), each quoted for a shell.
fn login_command(settings: &CredentialSettings, sso: &SsoSettings) -> String {
    let quote = |text: &str| shell_words::quote(text).into_owned();
    let mut command = format!(
        "{CMD} login --cluster-id {} --sso-issuer-url {} --sso-client-id {}",
        settings.cluster_id,
        quote(&sso.issuer),
        quote(&sso.client_id)
    );
    if sso.port != crate::sso::DEFAULT_PORT {
        command.push_str(&format!(" --sso-local-server-port {}", sso.port));
    }
    match sso.grant {
        Grant::AuthCode => {}
        Grant::DeviceCode => command.push_str(" --sso-grant device-code"),
        Grant::Paste => command.push_str(" --sso-grant paste"),
    }
    let default_dir = crate::settings::default_cache_dir().ok();
    if let CacheChoice::Folder(dir) = &settings.cache
        && default_dir.as_ref() != Some(dir)
    {
        command.push_str(&format!(" --cache-dir {}", quote(&dir.to_string_lossy())));
    }
    command
}

/// A call without a terminal that needs a login: a cached credential that still works is
/// served, with the error as one warning; else the error.
pub(super) fn unattended(usable: Option<&Credential>, err: Error) -> Result<Served> {
    let now = Utc::now();
    match usable {
        Some(credential) => {
            warn!(
                "{err}; using the cached credential, valid until {}",
                credential.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
            );
            Ok(stale(credential.clone(), now))
        }
        None => Err(err),
    }
}

/// `doks-auth login`: a new login now, whatever is cached, under the entry's lock (one login
/// per entry at a time, as for kubectl's calls), stored for the calls that follow.
pub fn log_in(settings: &CredentialSettings, dir: &Path, started: Instant) -> Result<Credential> {
    cache::check_folder(dir)?;
    let cache = Cache::new(
        dir.to_path_buf(),
        &settings.cluster_id,
        &settings.source.fingerprint(),
    );
    let (timeout, flag) = settings.source.wait_bound();
    let _lock = cache.lock(started + timeout, timeout, flag)?;
    match source::fetch(&settings.source, &settings.cluster_id, None, started, None) {
        Ok(credential) => {
            cache.store(&credential)?;
            Ok(credential)
        }
        Err(err) => {
            remember_unfinished(&cache, &err);
            Err(err)
        }
    }
}

/// Notes a login that `err` says nobody finished; returns when.
pub(super) fn remember_unfinished(cache: &Cache, err: &Error) -> DateTime<Utc> {
    let now = Utc::now();
    if let Some(reason) = err.unfinished_login() {
        let login = Failure {
            at: now,
            reason,
            // The window is counted from `at` (see `recent`).
            next_try: None,
        };
        if let Err(store_err) = cache.remember_unfinished_login(login) {
            debug!("cache: the unfinished login was not remembered: {store_err}");
        }
    }
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_login_holds_background_calls_back_for_ten_minutes_by_a_sane_clock() {
        let at: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let seconds = chrono::Duration::seconds;
        assert!(recent(at, at));
        assert!(recent(at, at + seconds(599)));
        assert!(!recent(at, at + seconds(600)));
        assert!(recent(at, at - seconds(60)), "clocks a little apart");
        assert!(!recent(at, at - seconds(61)), "a record from the future");
        assert!(!recent(DateTime::<Utc>::MAX_UTC, at), "no overflow");
    }
}
