//! `doks-auth cache list|clear`: look into and empty the credential cache. Neither shows a
//! credential: only cluster ids, account fingerprints and times.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::cache::{self, Entry};
use crate::cli::{CacheClearArgs, CacheCommand, CacheListArgs, OutputFormat};
use crate::credential::ClusterId;
use crate::credential::SsoSession;
use crate::settings;

mod names;

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
    let names = names::Names::find();
    let mut listed = Vec::new();
    for path in cache::entry_files(&dir)? {
        match cache::read_entry(&path) {
            Ok(entry) => listed.push(Listed::new(&entry, &names, margin)),
            // Junk or untrusted files are reported, never fatal: the cache must stay inspectable.
            Err(reason) => super::say(&format!(
                "skipped {}: unreadable ({reason})",
                display_name(&path)
            )),
        }
    }
    listed.sort_by(|a, b| (&a.cluster_id, &a.account).cmp(&(&b.cluster_id, &b.account)));
    if args.output == OutputFormat::Json {
        return super::print_stdout(&super::terminal_json(&listed)?);
    }
    if listed.is_empty() {
        super::say(&format!("no cached credentials in {}", dir.display()));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = listed.iter().map(|l| l.cells(now)).collect();
    super::print_stdout(&super::table(
        &[
            "CLUSTER ID",
            "CONTEXT",
            "ACCOUNT",
            "EXPIRES AT",
            "TIME LEFT",
            "RENEWS IN",
            "SERVED",
            "SSO LOGIN",
        ],
        &rows,
    ))
}

/// One entry as `cache list` shows it: never a token, a key or a refresh token.
#[derive(Serialize)]
struct Listed {
    cluster_id: String,
    /// The kubeconfig contexts whose user gets this cluster's credentials, and their clusters.
    contexts: Vec<String>,
    clusters: Vec<String>,
    /// The account fingerprint the credential was issued to.
    account: String,
    /// Which token that is, where one found here matches: `doctl context work`, `$DIGITALOCEAN_ACCESS_TOKEN`.
    account_name: Option<String>,
    sso_issuer: Option<String>,
    sso_email: Option<String>,
    sso_refresh_token: bool,
    expires_at: DateTime<Utc>,
    /// From then on the next kubectl command gets a new credential (the refresh margin before expiry).
    renews_at: DateTime<Utc>,
    #[serde(skip)]
    sso_login: String,
}

impl Listed {
    fn new(entry: &Entry, names: &names::Names, margin: Duration) -> Listed {
        let uses = names
            .kube
            .get(&entry.cluster_id)
            .cloned()
            .unwrap_or_default();
        // The stanza's margin is the one get-credential serves by.
        let margin = uses
            .iter()
            .find_map(|u| u.refresh_margin)
            .map_or(margin, |m| Duration::seconds(m.min(366 * 86_400) as i64));
        let credential = &entry.credential;
        let sso = credential.sso.as_ref();
        let mut clusters: Vec<String> = uses.iter().map(|u| u.cluster.clone()).collect();
        clusters.dedup();
        Listed {
            cluster_id: entry.cluster_id.clone(),
            contexts: uses.iter().map(|u| u.context.clone()).collect(),
            clusters,
            account: entry.account.clone(),
            account_name: names.accounts.get(&entry.account).cloned(),
            sso_issuer: sso.map(|s| s.issuer.clone()),
            sso_email: sso.and_then(|s| s.email.clone()),
            sso_refresh_token: sso.is_some_and(|s| s.refresh_token.is_some()),
            expires_at: credential.expires_at,
            renews_at: credential.refresh_at(margin),
            sso_login: sso_login(sso),
        }
    }

    fn cells(&self, now: DateTime<Utc>) -> Vec<String> {
        vec![
            self.cluster_id.clone(),
            match self.contexts.as_slice() {
                [] => "-".into(),
                contexts => contexts.join(","),
            },
            self.account_name
                .clone()
                .unwrap_or_else(|| self.account.clone()),
            self.expires_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            time_left(self.expires_at - now),
            match time_left(self.renews_at - now).as_str() {
                "expired" => "due".into(),
                left => left.into(),
            },
            if now < self.renews_at { "yes" } else { "no" }.to_string(),
            self.sso_login.clone(),
        ]
    }
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
        let row = |entry: &Entry, margin, now| {
            Listed::new(entry, &names::Names::default(), margin).cells(now)
        };
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
                "-",
                "0123456789abcdef",
                "2026-11-23 12:04:00 UTC",
                "4m 0s",
                "due",
                "no",
                "-"
            ]
        );
        let fresh = row(&entry, Duration::seconds(60), now);
        assert_eq!((fresh[5].as_str(), fresh[6].as_str()), ("3m 0s", "yes"));
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
            sso_row[7],
            "a@example.com at https://id.example (refresh token: yes)"
        );
        assert!(!sso_row.concat().contains("secret"));
        let listed = Listed::new(&sso, &names::Names::default(), Duration::seconds(300));
        let json = serde_json::to_string(&listed).unwrap();
        assert!(!json.contains("secret"), "{json}");
    }

    #[test]
    fn counts_are_pluralised() {
        assert_eq!(credentials(0), "0 cached credentials");
        assert_eq!(credentials(1), "1 cached credential");
        assert_eq!(credentials(3), "3 cached credentials");
    }
}
