//! `kubeconfig save --all [--prune] [--dry-run]`: every cluster of the account, fetched at once
//! (a few at a time), written in one locked, atomic write of the kubeconfig, with the names and
//! stanza `save` uses. No credential is cached: the first kubectl command fetches as usual.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::lookup::{self, Base, Fetched};
use super::{Opened, lock_for_save};
use crate::cli::KubeconfigSaveArgs;
use crate::credential::ClusterId;
use crate::digitalocean::api::{self, Cluster};
use crate::digitalocean::{Account, DEFAULT_API_URL};
use crate::error::{Error, Result, one_line};
use crate::http;
use crate::invoked::CMD;
use crate::kubeconfig::files::Files;
use crate::kubeconfig::{self, Names, prune};

/// Requests in flight at once: enough to hide the API's latency, few enough to stay well inside
/// its rate limit.
const AT_ONCE: usize = 16;

pub(super) fn run(args: &KubeconfigSaveArgs) -> anyhow::Result<()> {
    let common = &args.common;
    if args.prune && common.account.context.is_none() {
        // An entry saved without --context follows whatever token the environment holds then:
        // it may be another account's, and its cluster would look gone from this one.
        return Err(Error::InvalidArgs(
            "--prune needs --context (the doctl context whose clusters these are): entries saved without one could belong to any token".into(),
        )
        .into());
    }
    let started = Instant::now();
    let files = Files::from_env()?;
    Opened::read(files.clone())?;
    let mut base = lookup::base(common, &args.stanza)?;
    let command = base.command().to_string();
    let (account, client) = lookup::connect(common, started)?;
    lookup::pin_doctl_context(&mut base, &account);
    let (clusters, fetched) = http::block_on(fetch_all(client, account.clone(), base.clone()))?;

    // A dry run takes no lock either: it leaves no file behind, not even for a moment.
    let (_locks, default) = match args.dry_run {
        true => (Vec::new(), files.default_index()),
        false => lock_for_save(&files)?,
    };
    let opened = Opened::read(files)?;
    let mut docs = opened.docs();
    let dry = args.dry_run;
    let skipped = if dry { "would be skipped" } else { "skipped" };
    let mut counts = Counts::default();
    // Pruned first: a vanished cluster's entries (provably this account's) may be in the way of
    // a cluster recreated under its name, which one run then saves, as a second run would.
    let (pruned, removal) = match args.prune {
        true => prune_vanished(
            &mut docs,
            &account,
            common.account.context.as_deref(),
            &clusters,
            dry,
        ),
        false => Default::default(),
    };
    counts.removed = pruned.len();
    let mut first_context = None;
    for (cluster, result) in clusters.iter().zip(fetched) {
        let label = format!(
            "{} in {}",
            one_line(&cluster.name),
            one_line(&cluster.region)
        );
        let fetched = match result {
            Ok(fetched) => fetched,
            Err(err) => {
                super::super::say(&format!("warning: {label}: {err}; {skipped}"));
                counts.failed += 1;
                continue;
            }
        };
        let mut entries = fetched.entries;
        match kubeconfig::own_names(&docs, &entries, None) {
            Ok(names) => entries.names = names,
            Err(crate::error::Error::EntryTaken { what, .. }) => {
                // --all takes no --alias: the way out is to save that one cluster by itself.
                super::super::say(&format!(
                    "{label}: {skipped}: kubeconfig: {what}; to save it beside it, run `{}`",
                    save_one(args, &cluster.id)
                ));
                counts.skipped += 1;
                continue;
            }
            Err(err) => {
                super::super::say(&format!("{label}: {skipped}: {err}"));
                counts.skipped += 1;
                continue;
            }
        }
        let before = docs.clone();
        let existed = kubeconfig::defines_any(&before, &entries.names);
        kubeconfig::save(&mut docs, default, &entries, false);
        first_context.get_or_insert_with(|| entries.names.context.clone());
        let context = one_line(&entries.names.context);
        if docs == before {
            counts.unchanged += 1;
        } else if existed {
            super::super::say(&format!(
                "{} context {context} ({label})",
                did(dry, "updated", "would update")
            ));
            counts.updated += 1;
        } else {
            super::super::say(&format!(
                "{} context {context} ({label})",
                did(dry, "added", "would add")
            ));
            counts.added += 1;
        }
    }
    if let (Some(true), Some(context)) = (args.set_current_context, &first_context) {
        let entries_of_first = docs.clone();
        kubeconfig::set_current(&mut docs, default, context);
        if docs != entries_of_first {
            super::super::say(&format!(
                "{} {}",
                did(dry, "current context:", "would set the current context to"),
                one_line(context)
            ));
        }
    }
    if args.prune {
        opened.report_removal(&removal, &docs, if dry { "would be " } else { "" });
    }
    if args.dry_run {
        opened.would_write(&docs);
    } else {
        opened.write_changed(&docs)?;
        let given = common.cache.cache_dir.as_deref();
        super::cached::prune(given, &removal.stanzas, &pruned);
    }
    super::super::say(&counts.summary(clusters.len(), args.dry_run));
    if !clusters.is_empty() {
        lookup::say_pinned(&base);
        super::warn_if_kuberc_refuses(&command);
    }
    if counts.failed > 0 {
        anyhow::bail!(
            "{} of {} clusters could not be fetched (see above); run the command again",
            counts.failed,
            clusters.len()
        );
    }
    Ok(())
}

/// The account's clusters, then each one's entries, [`AT_ONCE`] at a time, in list order.
async fn fetch_all(
    client: api::Client,
    account: Account,
    base: Base,
) -> Result<(Vec<Cluster>, Vec<Result<Fetched>>)> {
    let clusters = client.clusters().await?;
    let shared = Arc::new((client, account, base));
    let mut results: Vec<Option<Result<Fetched>>> = clusters.iter().map(|_| None).collect();
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = 0;
    loop {
        while tasks.len() < AT_ONCE && next < clusters.len() {
            let (i, cluster, shared) = (next, clusters[next].clone(), Arc::clone(&shared));
            tasks.spawn(async move {
                let (client, account, base) = &*shared;
                // Checked as `save` checks them: the names are printed by kubectl raw.
                let checked = Names::of_cluster(&cluster.region, &cluster.name, None)
                    .and_then(|names| Ok((names, ClusterId::parse(&cluster.id)?)));
                let result = match checked {
                    Ok((names, id)) => {
                        lookup::fetch_entries(client, account, base, id, &cluster, names).await
                    }
                    Err(err) => Err(err),
                };
                (i, result)
            });
            next += 1;
        }
        match tasks.join_next().await {
            Some(Ok((i, result))) => results[i] = Some(result),
            // A task is never aborted, and a panic aborts the process (release builds).
            Some(Err(_)) => {}
            None => break,
        }
    }
    let results = results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(crate::error::Error::Runtime(
                    "a fetch did not finish".into(),
                ))
            })
        })
        .collect();
    Ok((clusters, results))
}

/// Removes the entries of this account's vanished clusters; returns their cluster ids and what
/// was taken out (reported once the run's saves are done, on the documents as they end).
fn prune_vanished(
    docs: &mut [Value],
    account: &Account,
    context: Option<&str>,
    clusters: &[Cluster],
    dry: bool,
) -> (Vec<String>, kubeconfig::Removed) {
    let live: Vec<String> = clusters.iter().map(|c| c.id.clone()).collect();
    let api_url = (account.api_url != DEFAULT_API_URL).then_some(account.api_url.as_str());
    let whose = prune::Account { context, api_url };
    let vanished = prune::vanished(docs, &whose, &live);
    let targets = vanished
        .iter()
        .flat_map(|v| v.targets.iter().copied())
        .collect();
    let removed = kubeconfig::remove::take(docs, targets);
    let mut ids = Vec::new();
    for gone in vanished {
        let what = match &gone.context {
            Some(context) => format!("context {}", one_line(context)),
            None => format!("user {}, which no context used", one_line(&gone.user)),
        };
        super::super::say(&format!(
            "{} {what} (cluster {} no longer exists)",
            did(dry, "removed", "would remove"),
            gone.id
        ));
        if !ids.contains(&gone.id) {
            ids.push(gone.id);
        }
    }
    (ids, removed)
}

/// What a line says was done, or with --dry-run would be.
fn did<'a>(dry_run: bool, done: &'a str, would: &'a str) -> &'a str {
    if dry_run { would } else { done }
}

#[derive(Default)]
struct Counts {
    added: usize,
    updated: usize,
    unchanged: usize,
    skipped: usize,
    failed: usize,
    removed: usize,
}

impl Counts {
    fn summary(&self, total: usize, dry_run: bool) -> String {
        if self.added + self.updated + self.skipped + self.failed + self.removed == 0 {
            return match total {
                0 => "nothing changed: this account has no clusters".into(),
                1 => "nothing changed: the account's one cluster is saved already".into(),
                _ => format!(
                    "nothing changed: the {total} clusters of this account are saved already"
                ),
            };
        }
        let removed = if self.removed > 0 {
            format!("; {} removed", self.removed)
        } else {
            String::new()
        };
        let dry = if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        };
        format!(
            "{total} {}: {} added, {} updated, {} unchanged, {} skipped{}{removed}{dry}",
            if total == 1 { "cluster" } else { "clusters" },
            self.added,
            self.updated,
            self.unchanged,
            self.skipped + self.failed,
            if self.failed > 0 {
                format!(" ({} could not be fetched)", self.failed)
            } else {
                String::new()
            }
        )
    }
}

/// The command that saves one cluster under an alias with what this run was given (the token's
/// context, the API, the stanza's options), so the way out reaches the same account and writes
/// the same stanza.
fn save_one(args: &KubeconfigSaveArgs, id: &str) -> String {
    let (common, stanza) = (&args.common, &args.stanza);
    let mut words: Vec<String> = ["kubeconfig", "save", id, "--alias", "NAME"]
        .map(String::from)
        .into();
    let mut flag = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            words.extend([name.to_string(), value]);
        }
    };
    flag("--context", common.account.context.clone());
    let api_url = &common.account.api_url;
    flag(
        "--api-url",
        (api_url != DEFAULT_API_URL).then(|| api_url.clone()),
    );
    flag(
        "--cache-dir",
        common
            .cache
            .cache_dir
            .as_ref()
            .map(|d| d.display().to_string()),
    );
    flag("--exec-command", stanza.exec_command.clone());
    flag(
        "--expiry-seconds",
        stanza.expiry_seconds.map(|s| s.to_string()),
    );
    use crate::cli::{AuthKind, SsoGrant};
    let auth = stanza.auth.map(|a| match a {
        AuthKind::Token => "token",
        AuthKind::Sso => "sso",
    });
    flag("--auth", auth.map(String::from));
    let grant = stanza.sso_grant.map(|g| match g {
        SsoGrant::AuthCode => "auth-code",
        SsoGrant::DeviceCode => "device-code",
        SsoGrant::Paste => "paste",
    });
    flag("--sso-grant", grant.map(String::from));
    flag(
        "--sso-local-server-port",
        stanza.sso_local_server_port.map(|p| p.to_string()),
    );
    let words: Vec<String> = words
        .iter()
        .map(|w| shell_words::quote(&one_line(w)).into_owned())
        .collect();
    format!("{CMD} {}", words.join(" "))
}
