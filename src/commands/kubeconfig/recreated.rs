//! A cluster deleted at DigitalOcean and made again under the same name (a new id): the old
//! cluster's entries, this account's own, stand in the way of a single `save`. That `save` does
//! not take them (only `save --all --prune` removes entries by itself); it names the command
//! that does, once it has checked that following it lets the save through.

use std::time::Instant;

use serde_json::Value;

use super::lookup;
use crate::cli::KubeconfigArgs;
use crate::digitalocean::DEFAULT_API_URL;
use crate::error::one_line;
use crate::http;
use crate::invoked::CMD;
use crate::kubeconfig::{self, Entries, Kind, Whose, prune, reader};

/// The way out when the definitions in the way of `entries`' names are this account's (the
/// same `--context` and `--api-url` in their stanza) for clusters it no longer has: the
/// `kubeconfig remove` of each, which then lets this save through. `None` when they are not,
/// when the account's clusters cannot be listed, or when removing them would not be enough.
pub(super) fn way_out(
    args: &KubeconfigArgs,
    docs: &[Value],
    entries: &Entries,
    started: Instant,
) -> Option<String> {
    let stanza = &entries.stanza;
    let account = prune::Account {
        context: stanza.context.as_deref(),
        api_url: stanza.api_url.as_deref(),
    };
    let (_, client) = lookup::connect(args, started).ok()?;
    let live: Vec<String> = http::block_on(client.clusters())
        .ok()?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let names = &entries.names;
    let in_the_way: Vec<reader::At> = [
        (Kind::Cluster, &names.cluster),
        (Kind::User, &names.user),
        (Kind::Context, &names.context),
    ]
    .into_iter()
    .filter_map(|(kind, name)| reader::effective(docs, kind, name))
    .collect();
    let mut ids: Vec<String> = Vec::new();
    for gone in prune::vanished(docs, &account, &live) {
        if gone.targets.iter().any(|t| in_the_way.contains(t)) && !ids.contains(&gone.id) {
            ids.push(gone.id);
        }
    }
    // Advice that, followed, ends in another clash is no way out: the removal is tried first.
    let mut after = docs.to_vec();
    for id in &ids {
        kubeconfig::remove(&mut after, None, &Whose { id, server: None });
    }
    if ids.is_empty() || kubeconfig::own_names(&after, entries, None).is_err() {
        return None;
    }
    let removes: Vec<String> = ids
        .iter()
        .map(|id| format!("`{}`", remove_command(args, id)))
        .collect();
    Some(format!(
        "that cluster no longer exists in this account (deleted, and this one made under its name): remove its entries with {}, then save again",
        removes.join(" and ")
    ))
}

/// `kubeconfig remove <id>` with this run's account (its doctl context, its API), so it reaches
/// the same account the stanza names.
fn remove_command(args: &KubeconfigArgs, id: &str) -> String {
    let mut words: Vec<String> = ["kubeconfig", "remove", id].map(String::from).into();
    if let Some(context) = &args.account.context {
        words.extend(["--context".into(), context.clone()]);
    }
    if args.account.api_url != DEFAULT_API_URL {
        words.extend(["--api-url".into(), args.account.api_url.clone()]);
    }
    let words: Vec<String> = words
        .iter()
        .map(|w| shell_words::quote(&one_line(w)).into_owned())
        .collect();
    format!("{CMD} {}", words.join(" "))
}
