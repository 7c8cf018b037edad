//! `doks-auth logout`: ends SSO logins for real, each refresh token revoked at its provider
//! (RFC 7009), and removes the cached credentials, all or one cluster's. `cache clear` removes
//! them without revoking anything.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::cache::{self, Cache, Entry};
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
    let (mut ended, mut failed) = (0, 0);
    for path in cache::entry_files(&dir)? {
        let entry = match cache::read_entry(&path) {
            Ok(entry) => entry,
            Err(reason) => {
                super::say(&format!(
                    "skipped {}: unreadable ({reason})",
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
        // Each login has its own bound: one provider that hangs must not cost the others their
        // revocation.
        let deadline = Instant::now() + timeout;
        match end(&dir, &path, entry, (deadline, timeout)) {
            Ok(line) => {
                super::say(&line);
                ended += 1;
            }
            Err(line) => {
                super::say(&line);
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} of the cached credentials in {} could not be removed",
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

/// Ends one entry, under its lock: a refresh in progress could otherwise store a new refresh
/// token after the old one was revoked. The entry as it is then is revoked, then removed.
/// `Ok` or `Err`, the line that says what became of it.
fn end(
    dir: &Path,
    path: &Path,
    entry: Entry,
    (deadline, timeout): (Instant, Duration),
) -> Result<String, String> {
    let name = path.display();
    let cache = ClusterId::parse(&entry.cluster_id)
        .map(|id| Cache::new(dir.to_path_buf(), &id, &entry.account))
        .ok()
        .filter(|cache| cache.path() == path)
        .ok_or_else(|| format!("skipped {name}: it does not hold the entry its name says"))?;
    let lock = cache.lock(deadline, timeout, "--timeout");
    let entry = cache.load_entry().unwrap_or(entry);
    let said = match &entry.credential.sso {
        Some(login) => sign_out(login, deadline, timeout),
        None if entry.credential.has_expired(Utc::now()) => format!(
            "cluster {}: removed the DigitalOcean credential (it had expired)",
            entry.cluster_id
        ),
        None => format!(
            "cluster {}: removed the DigitalOcean credential; DigitalOcean has no revocation for cluster credentials, so it stays valid until {}",
            entry.cluster_id,
            entry.credential.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
        ),
    };
    cache
        .remove()
        .and_then(|()| cache.forget_unfinished_login())
        .map_err(|err| format!("{said}, but {err}: remove it by hand"))?;
    Ok(match lock {
        // Removed all the same: waiting longer could take a login's whole time.
        Err(Error::LockTimeout { .. }) => format!(
            "{said} (a refresh or login held the entry past --timeout: if one was under way, run logout again once it ends)"
        ),
        _ => said,
    })
}

/// "alice@example.com at https://id.example: signed out, …": the refresh token revoked where
/// the provider can, else why not. Never the token itself.
fn sign_out(login: &SsoSession, deadline: Instant, timeout: Duration) -> String {
    let who = format!(
        "{} at {}",
        login.email.as_deref().map_or("(no email)".into(), one_line),
        one_line(&login.issuer)
    );
    let Some(token) = &login.refresh_token else {
        return format!("{who}: signed out (no refresh token was held)");
    };
    let not_revoked = |why: &str| {
        format!(
            "{who}: signed out, but the refresh token could not be revoked ({why}), so it stays valid at the provider until it expires"
        )
    };
    let Some(client_id) = &login.client_id else {
        return not_revoked("the cache entry is older than logout and does not name its client");
    };
    let revoked = http::block_on(async {
        tokio::time::timeout_at(
            deadline.into(),
            sso::revoke(&login.issuer, client_id, token),
        )
        .await
        .unwrap_or_else(|_| {
            Err(Error::SsoTimeout {
                issuer: login.issuer.clone(),
                seconds: timeout.as_secs(),
            })
        })
    });
    match revoked {
        Ok(Revocation::Revoked) => format!("{who}: signed out, refresh token revoked"),
        Ok(Revocation::NoEndpoint) => {
            not_revoked("the provider lists no revocation_endpoint in its discovery document")
        }
        Ok(Revocation::NotRevoked(why)) => not_revoked(&why),
        Err(err) => not_revoked(&why(&err)),
    }
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
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn login(email: Option<&str>, refresh: bool, client: bool) -> SsoSession {
        SsoSession {
            issuer: "https://id.example".into(),
            client_id: client.then(|| "doks".into()),
            email: email.map(Into::into),
            refresh_token: refresh.then(|| Secret::new("refresh-secret")),
        }
    }

    #[test]
    fn what_cannot_be_revoked_is_said_without_a_network_call_or_a_secret() {
        let later = Instant::now() + Duration::from_secs(1);
        let second = Duration::from_secs(1);
        let line = sign_out(&login(Some("a@x"), false, true), later, second);
        assert_eq!(
            line,
            "a@x at https://id.example: signed out (no refresh token was held)"
        );
        let line = sign_out(&login(Some("a\u{1b}[2J@x"), true, false), later, second);
        assert!(
            line.starts_with("a\u{fffd}[2J@x at https://id.example: signed out, but the refresh token could not be revoked (the cache entry is older than logout"),
            "{line}"
        );
        assert!(!line.contains("refresh-secret"), "{line}");
        let line = sign_out(&login(None, false, false), later, second);
        assert!(line.starts_with("(no email) at "), "{line}");
    }

    #[test]
    fn failures_to_revoke_are_said_shortly() {
        let err = Error::SsoNetwork {
            url: "https://id.example/revoke\n".into(),
            reason: "connection refused".into(),
        };
        assert_eq!(
            why(&err),
            "cannot reach https://id.example/revoke: connection refused"
        );
        let err = Error::SsoTimeout {
            issuer: "https://id.example".into(),
            seconds: 30,
        };
        assert_eq!(why(&err), "no answer within 30 s (--timeout)");
    }
}
