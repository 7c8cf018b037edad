//! `doks-auth cache list|clear`: look into and empty the credential cache. Neither shows a
//! credential: only cluster ids, account fingerprints and times.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use crate::cache::{self, Entry};
use crate::cli::{CacheClearArgs, CacheCommand, CacheListArgs};
use crate::credential::ClusterId;
use crate::credential::SsoSession;
use crate::settings;

pub fn run(command: &CacheCommand) -> anyhow::Result<()> {
    match command {
        CacheCommand::List(args) => list(args),
        CacheCommand::Clear(args) => clear(args),
    }
}

fn list(args: &CacheListArgs) -> anyhow::Result<()> {
    let dir = settings::cache_dir(args.cache.cache_dir.as_deref())?;
    let margin = Duration::seconds(args.refresh_margin as i64);
    let now = Utc::now();
    let mut rows = Vec::new();
    for path in cache::entry_files(&dir)? {
        match cache::read_entry(&path) {
            Ok(entry) => rows.push(row(&entry, margin, now)),
            // Junk or untrusted files are reported, never fatal: the cache must stay inspectable.
            Err(reason) => super::say(&format!(
                "skipped {}: unreadable ({reason})",
                display_name(&path)
            )),
        }
    }
    if rows.is_empty() {
        super::say(&format!("no cached credentials in {}", dir.display()));
        return Ok(());
    }
    rows.sort();
    super::print_stdout(&super::table(
        &[
            "CLUSTER ID",
            "ACCOUNT",
            "EXPIRES AT",
            "TIME LEFT",
            "SERVED",
            "SSO LOGIN",
        ],
        &rows,
    ))
}

fn clear(args: &CacheClearArgs) -> anyhow::Result<()> {
    let cluster = args
        .cluster_id
        .as_deref()
        .map(ClusterId::parse)
        .transpose()?;
    let dir = settings::cache_dir(args.cache.cache_dir.as_deref())?;
    let removed = cache::remove_entries(&dir, cluster.as_ref())?;
    super::say(&format!(
        "removed {} from {}",
        credentials(removed),
        dir.display()
    ));
    Ok(())
}

/// "1 cached credential", "3 cached credentials".
pub(crate) fn credentials(count: usize) -> String {
    let s = if count == 1 { "" } else { "s" };
    format!("{count} cached credential{s}")
}

fn row(entry: &Entry, margin: Duration, now: DateTime<Utc>) -> Vec<String> {
    let credential = &entry.credential;
    vec![
        entry.cluster_id.clone(),
        entry.account.clone(),
        credential
            .expires_at
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        time_left(credential.expires_at - now),
        if credential.is_fresh(margin, now) {
            "yes"
        } else {
            "no"
        }
        .to_string(),
        sso_login(credential.sso.as_ref()),
    ]
}

/// Who is logged in, where, and whether a refresh token renews it without a browser; never a
/// token ([`super::table`] makes the provider's text printable).
fn sso_login(sso: Option<&SsoSession>) -> String {
    let Some(sso) = sso else {
        return "-".into();
    };
    let who = sso.email.as_deref().unwrap_or("(no email)");
    let refresh = if sso.refresh_token.is_some() {
        "yes"
    } else {
        "no"
    };
    format!("{who} at {} (refresh token: {refresh})", sso.issuer)
}

/// "3d 4h", "2h 55m", "4m 10s", "expired": two units are plenty to judge by.
fn time_left(left: Duration) -> String {
    let secs = left.num_seconds();
    if secs <= 0 {
        return "expired".into();
    }
    let (days, hours, minutes) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else {
        format!("{minutes}m {}s", secs % 60)
    }
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::Credential;
    use crate::secret::Secret;

    #[test]
    fn time_left_reads_well() {
        let t = |secs| time_left(Duration::seconds(secs));
        assert_eq!(t(0), "expired");
        assert_eq!(t(-5), "expired");
        assert_eq!(t(42), "0m 42s");
        assert_eq!(t(2 * 3600 + 55 * 60 + 59), "2h 55m");
        assert_eq!(t(3 * 86_400 + 4 * 3600 + 1), "3d 4h");
    }

    #[test]
    fn rows_show_no_secret() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let entry = Entry {
            format: 1,
            cluster_id: "c1".into(),
            account: "0123456789abcdef".into(),
            credential: Credential {
                token: Some(Secret::new("k8s-secret")),
                client_certificate: None,
                client_key: None,
                expires_at: now + Duration::minutes(4),
                fetched_at: now - Duration::hours(3),
                sso: None,
            },
            refresh_failed: None,
        };
        let token_row = row(&entry, Duration::seconds(300), now);
        assert_eq!(
            token_row,
            [
                "c1",
                "0123456789abcdef",
                "2026-11-23 12:04:00 UTC",
                "4m 0s",
                "no",
                "-"
            ]
        );
        let fresh = super::row(&entry, Duration::seconds(60), now);
        assert_eq!(fresh[4], "yes");
        assert!(!token_row.concat().contains("k8s-secret"));
        let sso = Entry {
            credential: Credential {
                sso: Some(SsoSession {
                    issuer: "https://id.example".into(),
                    client_id: Some("doks".into()),
                    email: Some("a@example.com".into()),
                    refresh_token: Some(Secret::new("refresh-secret")),
                }),
                ..entry.credential
            },
            ..entry
        };
        let sso_row = row(&sso, Duration::seconds(300), now);
        assert_eq!(
            sso_row[5],
            "a@example.com at https://id.example (refresh token: yes)"
        );
        assert!(!sso_row.concat().contains("secret"));
    }

    #[test]
    fn counts_are_pluralised() {
        assert_eq!(credentials(0), "0 cached credentials");
        assert_eq!(credentials(1), "1 cached credential");
        assert_eq!(credentials(3), "3 cached credentials");
    }
}
