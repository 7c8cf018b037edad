//! `doks-auth logout`: ends SSO logins for real, each refresh token revoked at its provider
//! (RFC 7009), and removes the cached credentials, all or one cluster's. `cache clear` removes
//! them without revoking anything.
//!
//! `--timeout` bounds the whole command: the entries' locks are waited for in the first half of
//! it, and the revocations then run all at once in what is left, so one provider that hangs
//! costs the others nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::cache::{self, Cache, Entry, RefreshLock};
use crate::cli::LogoutArgs;
use crate::credential::{ClusterId, SsoSession};
use crate::error::{Error, one_line};
use crate::http;
use crate::settings;
use crate::sso::{self, Revocation};

pub fn run(args: &LogoutArgs) -> anyhow::Result<()> {
    let cluster = args
        .cluster_id
        .as_deref()
        .map(ClusterId::parse)
        .transpose()?;
    let dir = settings::cache_dir(args.cache.cache_dir.as_deref())?;
    let timeout = Duration::from_secs(args.timeout);
    let started = Instant::now();
    let (deadline, locks_until) = (started + timeout, started + timeout / 2);
    let mut held = Vec::new();
    let mut failed = 0;
    for path in cache::entry_files(&dir)? {
        // An entry others could read is still this user's login: it is ended all the same.
        let (entry, distrust) = match cache::read_untrusted_entry(&path) {
            Ok(read) => read,
            Err(reason) => {
                super::say(&format!(
                    "skipped {}: not a doks-auth entry ({reason})",
                    path.display()
                ));
                continue;
            }
        };
        let wanted = cluster
            .as_ref()
            .is_none_or(|id| entry.cluster_id.eq_ignore_ascii_case(id.as_str()));
        if !wanted {
            continue;
        }
        match hold(&dir, &path, (entry, distrust), (locks_until, timeout)) {
            Ok(entry) => held.push(entry),
            Err(line) => {
                super::say(&line);
                failed += 1;
            }
        }
    }
    let said = sign_outs(&held, deadline, timeout);
    let ended = held.len();
    for (entry, said) in held.into_iter().zip(said) {
        match entry.remove(said) {
            Ok(line) => super::say(&line),
            Err(line) => {
                super::say(&line);
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} of the cached logins and credentials in {} were not ended (see above)",
            dir.display()
        );
    }
    if ended == 0 {
        let which = cluster.map_or(String::new(), |id| format!(" for cluster {id}"));
        super::say(&format!(
            "no cached logins or credentials{which} in {}",
            dir.display()
        ));
    }
    Ok(())
}

/// An entry to end, under its lock: a refresh in progress could otherwise store a new refresh
/// token after the old one was revoked.
struct Held {
    cache: Cache,
    entry: Entry,
    /// Why the file is not trusted, when it is not.
    distrust: Option<String>,
    _lock: Option<RefreshLock>,
}

/// Takes the entry's lock by `until`, then reads the entry again (a refresh may have replaced
/// it meanwhile). `Err`: the line that says why it is left as it is.
fn hold(
    dir: &Path,
    path: &Path,
    (entry, distrust): (Entry, Option<String>),
    (until, timeout): (Instant, Duration),
) -> Result<Held, String> {
    let name = path.display();
    let cache = ClusterId::parse(&entry.cluster_id)
        .map(|id| Cache::new(dir.to_path_buf(), &id, &entry.account))
        .ok()
        .filter(|cache| cache.path() == path)
        .ok_or_else(|| format!("skipped {name}: it does not hold the entry its name says"))?;
    let lock = match cache.lock(until, timeout, "--timeout") {
        Ok(lock) => lock,
        // Nothing revoked, so nothing removed: the entry may hold the only copy of a refresh
        // token that still works, and whoever holds the lock may be about to replace it.
        Err(Error::LockTimeout { .. }) => {
            return Err(format!(
                "{}: left as it was: another doks-auth process held its lock for the half of --timeout that logout waits for locks (a login waiting for a person, or a refresh); run logout again once it has ended",
                whose(&entry)
            ));
        }
        // Something that is not a lock file at the lock's name: nobody can hold it.
        Err(_) => None,
    };
    let (entry, distrust) = cache::read_untrusted_entry(path).unwrap_or((entry, distrust));
    Ok(Held {
        cache,
        entry,
        distrust,
        _lock: lock,
    })
}

impl Held {
    /// Removes the entry (after [`sign_outs`] said `said` of it); the line says what became of it.
    fn remove(self, said: String) -> Result<String, String> {
        self.cache
            .remove()
            .and_then(|()| self.cache.forget_unfinished_login())
            .map_err(|err| format!("{said}, but {err}: remove it by hand"))?;
        Ok(match self.distrust {
            Some(why) => format!("{said}; its cache file was {why}, so others may have read it"),
            None => said,
        })
    }
}

/// "alice@example.com at https://id.example", or "cluster <id>" for a DigitalOcean credential.
fn whose(entry: &Entry) -> String {
    match &entry.credential.sso {
        Some(login) => who(login),
        None => format!("cluster {}", one_line(&entry.cluster_id)),
    }
}

fn who(login: &SsoSession) -> String {
    format!(
        "{} at {}",
        login.email.as_deref().map_or("(no email)".into(), one_line),
        one_line(&login.issuer)
    )
}

/// What becomes of each entry: its login signed out, all at once, by `deadline`; or what a
/// DigitalOcean credential is.
fn sign_outs(held: &[Held], deadline: Instant, timeout: Duration) -> Vec<String> {
    let logins: Vec<Option<SsoSession>> = held
        .iter()
        .map(|h| h.entry.credential.sso.clone())
        .collect();
    let signed_out = http::block_on(async move {
        let tasks: Vec<_> = logins
            .into_iter()
            .map(|login| {
                login.map(|login| {
                    tokio::spawn(async move { sign_out(&login, deadline, timeout).await })
                })
            })
            .collect();
        let mut lines = Vec::new();
        for task in tasks {
            lines.push(match task {
                Some(task) => Some(task.await.unwrap_or_else(|err| format!("{err}"))),
                None => None,
            });
        }
        Ok(lines)
    });
    let signed_out = match signed_out {
        Ok(lines) => lines,
        // No network client at all: every login is removed unrevoked, and each line says so.
        Err(err) => held
            .iter()
            .map(|h| {
                h.entry
                    .credential
                    .sso
                    .as_ref()
                    .map(|login| not_revoked(login, &err.to_string()))
            })
            .collect(),
    };
    held.iter()
        .zip(signed_out)
        .map(|(h, line)| line.unwrap_or_else(|| digitalocean(&h.entry)))
        .collect()
}

/// What removing a DigitalOcean credential means: it cannot be revoked.
fn digitalocean(entry: &Entry) -> String {
    if entry.credential.has_expired(Utc::now()) {
        format!(
            "cluster {}: removed the DigitalOcean credential (it had expired)",
            entry.cluster_id
        )
    } else {
        format!(
            "cluster {}: removed the DigitalOcean credential; DigitalOcean has no revocation for cluster credentials, so it stays valid until {}",
            entry.cluster_id,
            entry.credential.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
        )
    }
}

/// "alice@example.com at https://id.example: signed out, …": the refresh token revoked where
/// the provider can, else why not. Never the token itself.
async fn sign_out(login: &SsoSession, deadline: Instant, timeout: Duration) -> String {
    let Some(token) = &login.refresh_token else {
        return format!("{}: signed out (no refresh token was held)", who(login));
    };
    let not_revoked = |why: &str| not_revoked(login, why);
    let Some(client_id) = &login.client_id else {
        return not_revoked("the cache entry is older than logout and does not name its client");
    };
    let revoked = tokio::time::timeout_at(
        deadline.into(),
        sso::revoke(&login.issuer, client_id, token),
    )
    .await
    .unwrap_or_else(|_| {
        Err(Error::SsoTimeout {
            issuer: login.issuer.clone(),
            seconds: timeout.as_secs(),
        })
    });
    match revoked {
        Ok(Revocation::Revoked) => format!("{}: signed out, refresh token revoked", who(login)),
        Ok(Revocation::NoEndpoint) => {
            not_revoked("the provider lists no revocation_endpoint in its discovery document")
        }
        Ok(Revocation::NotRevoked(why)) => not_revoked(&why),
        Err(err) => not_revoked(&why(&err)),
    }
}

fn not_revoked(login: &SsoSession, why: &str) -> String {
    format!(
        "{}: signed out, but the refresh token could not be revoked ({why}), so it stays valid at the provider until it expires",
        who(login)
    )
}

/// Why a revocation got no answer, shorter than the error's own line (whose hints are for
/// get-credential).
fn why(err: &Error) -> String {
    match err {
        Error::SsoNetwork { url, reason } => format!("cannot reach {}: {reason}", one_line(url)),
        Error::SsoBusy { url, status, .. } => format!("{} answered {status}", one_line(url)),
        Error::SsoTimeout { seconds, .. } => {
            format!("no answer within {seconds} s (--timeout)")
        }
        Error::Sso { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
