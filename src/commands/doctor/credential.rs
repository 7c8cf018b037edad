//! `doctor`'s step 6: what the cache holds, and the credential itself, got exactly as
//! `get-credential` gets it.

use chrono::Utc;

use super::report::{Report, Stop, explain, when};
use super::{Bounds, split};
use crate::cache::{self, Cache};
use crate::credential::Credential;
use crate::error::{Error, one_line};
use crate::kubeconfig::context::KubeContext;
use crate::serve::{self, How};
use crate::settings::{CacheChoice, CredentialSettings};

/// Step 6: what the cache holds, then a credential got exactly as `get-credential` gets it
/// (which may fetch one and cache it, and starts no login).
pub(super) fn check(
    ctx: &KubeContext,
    settings: &CredentialSettings,
    bounds: &Bounds,
    report: &mut Report,
) -> Result<Credential, Stop> {
    let cached = cache_state(settings, report);
    let served = match serve::credential(settings, bounds.started) {
        Ok(served) => served,
        Err(Error::SsoLoginNeeded { issuer }) => {
            let login = format!(
                "run `kubectl --context {} version` in a terminal: it logs you in",
                shell_words::quote(&ctx.name)
            );
            return match cached.filter(|c| !c.has_expired(Utc::now())) {
                Some(credential) => {
                    report.warn(
                        "credential",
                        format!(
                            "the cached ID token works until {}, and then needs a new login at {issuer}",
                            when(credential.expires_at)
                        ),
                        Some(login),
                    );
                    Ok(credential)
                }
                None => {
                    report.fail("credential", format!("not logged in to {issuer}"), login);
                    Err(Stop)
                }
            };
        }
        Err(err) => {
            let (detail, fix) = explain(&err);
            report.fail("credential", detail, fix);
            return Err(Stop);
        }
    };
    let what = describe(&served.credential);
    let until = when(served.credential.expires_at);
    let from = super::server::issued_by(settings);
    match served.how {
        How::Cached => report.ok(
            "credential",
            format!("{what} from the cache, valid until {until}"),
        ),
        How::Fetched => report.ok(
            "credential",
            format!("{what} from {from}, now cached, valid until {until}"),
        ),
        How::Uncached if matches!(settings.cache, CacheChoice::Off) => report.ok(
            "credential",
            format!("{what} from {from} (--no-cache), valid until {until}"),
        ),
        How::Uncached => report.warn(
            "credential",
            format!("{what} from {from}, valid until {until}, but not cached (see the cache step)"),
            Some("make the cache folder usable, or pass --cache-dir in the stanza".into()),
        ),
        How::Stale => report.warn(
            "credential",
            format!(
                "{what} from the cache: renewing it failed (see the warning on stderr), so it is used until it expires at {until}"
            ),
            Some(format!("see why {from} did not answer; kubectl keeps working until then")),
        ),
    }
    Ok(served.credential)
}

fn describe(credential: &Credential) -> String {
    match (&credential.sso, &credential.token) {
        (Some(sso), _) => match &sso.email {
            Some(email) => format!("an ID token for {}", one_line(email)),
            None => "an ID token".into(),
        },
        (None, Some(_)) => "a token".into(),
        (None, None) => "a client certificate".into(),
    }
}

/// Step 6's first half. Returns the cached credential, which serves while a login is needed.
fn cache_state(settings: &CredentialSettings, report: &mut Report) -> Option<Credential> {
    let dir = match &settings.cache {
        CacheChoice::Off => {
            report.ok(
                "cache",
                "not used (--no-cache): every kubectl command fetches",
            );
            return None;
        }
        CacheChoice::Unavailable(err) => {
            let (detail, fix) = split(&err.to_string());
            report.warn("cache", detail, Some(fix));
            return None;
        }
        CacheChoice::Folder(dir) => dir,
    };
    if let Err(err) = cache::check_folder(dir) {
        let (detail, fix) = split(&err.to_string());
        report.warn(
            "cache",
            format!("{detail}: kubectl gets its credential uncached, fetched every time"),
            Some(fix),
        );
        return None;
    }
    let cache = Cache::new(
        dir.clone(),
        &settings.cluster_id,
        &settings.source.fingerprint(),
    );
    let Some(entry) = cache.load_entry() else {
        report.ok(
            "cache",
            format!(
                "nothing usable cached for this cluster and account in {}",
                dir.display()
            ),
        );
        return None;
    };
    let credential = entry.credential;
    let now = Utc::now();
    let state = if credential.is_fresh(settings.refresh_margin, now) {
        format!(
            "fresh: served until {}",
            when(credential.refresh_at(settings.refresh_margin))
        )
    } else if !credential.has_expired(now) {
        format!(
            "due for renewal (it expires at {})",
            when(credential.expires_at)
        )
    } else {
        format!("expired at {}", when(credential.expires_at))
    };
    let path = cache.path().display();
    match &entry.refresh_failed {
        Some(failure) => report.warn(
            "cache",
            format!(
                "{path}: {state}; renewing it failed at {}: {}",
                when(failure.at),
                failure.reason
            ),
            Some("see the steps below for why".into()),
        ),
        None => report.ok("cache", format!("{path}: {state}")),
    }
    Some(credential)
}
