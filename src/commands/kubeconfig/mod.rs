//! `doks-auth kubeconfig save|show|remove`: the cluster's entries in the user's kubeconfig, with
//! an exec stanza that runs this doks-auth's `get-credential`. With several files in
//! `KUBECONFIG`, kubectl's rules decide which file each entry is read from and written to.

mod cached;
mod convert;
mod lookup;
mod recreated;
mod report;
mod save_all;

use std::time::Instant;

use anyhow::Context;
use log::warn;
use serde_json::Value;

use crate::cli::{KubeconfigArgs, KubeconfigCommand, KubeconfigSaveArgs, KubeconfigShowArgs};
use crate::digitalocean::clusters::{self, ClusterRef};
use crate::error::{Error, Result};
use crate::http;
use crate::kubeconfig::files::{self, FileLock, Files, Loaded};
use crate::kubeconfig::{self, Removed, writing};

pub fn run(command: &KubeconfigCommand) -> anyhow::Result<()> {
    match command {
        // clap's `requires` does not hold --prune to --all once a cluster is named.
        KubeconfigCommand::Save(args) if args.prune && !args.all => Err(Error::InvalidArgs(
            "--prune works only with --all (it removes the entries of the account's clusters that no longer exist)".into(),
        )
        .into()),
        KubeconfigCommand::Save(args) if args.all => save_all::run(args),
        KubeconfigCommand::Save(args) => save(args),
        KubeconfigCommand::Show(args) => show(args),
        KubeconfigCommand::Remove(args) => remove(&args.common),
        KubeconfigCommand::Convert(args) => convert::run(args),
    }
}

/// The kubeconfig files, each read (a missing one is empty), with where writes really go.
struct Opened {
    files: Files,
    targets: Vec<std::path::PathBuf>,
    loaded: Vec<Loaded>,
}

impl Opened {
    fn read(files: Files) -> Result<Self> {
        let targets: Vec<_> = files
            .paths()
            .iter()
            .map(|p| files::resolve_target(p))
            .collect();
        let loaded = targets
            .iter()
            .map(|t| files::load(t))
            .collect::<Result<_>>()?;
        Ok(Opened {
            files,
            targets,
            loaded,
        })
    }

    fn docs(&self) -> Vec<Value> {
        self.loaded.iter().map(|l| l.doc.clone()).collect()
    }

    /// Writes back each file whose document `docs` changed, changing only the text of what
    /// changed, keeping its owner and reporting a tightened mode; returns their indexes. All of
    /// them or none: every file is checked and staged before any is replaced.
    fn write_changed(&self, docs: &[Value]) -> Result<Vec<usize>> {
        let mut written = Vec::new();
        let mut staged = Vec::new();
        for (index, (doc, loaded)) in docs.iter().zip(&self.loaded).enumerate() {
            if *doc == loaded.doc {
                continue;
            }
            let target = &self.targets[index];
            let failed = |reason| Error::Kubeconfig {
                path: target.clone(),
                reason: format!("{reason}; no file was changed"),
            };
            let (text, anew) = kubeconfig::rewrite_telling(&loaded.text, doc).map_err(failed)?;
            // Not a failure, but the comments and layout there are gone: say so under -v.
            let path = target.display();
            for what in anew {
                log::debug!(
                    "kubeconfig: {path}: wrote anew, without its comments and layout: {what}"
                );
            }
            let old = loaded
                .meta
                .as_ref()
                .map(|meta| (loaded.text.as_str(), meta));
            staged.push(writing::stage(target, &text, old)?);
            written.push(index);
        }
        let tightened = writing::commit(staged)?;
        for (&index, change) in written.iter().zip(tightened) {
            if let Some(change) = change {
                let path = self.targets[index].display();
                super::say(&format!("note: tightened permissions of {path} {change}"));
            }
        }
        Ok(written)
    }

    /// What [`Opened::write_changed`] would write, written nowhere: the indexes of the files
    /// `docs` changed, each permission it would tighten said as a note.
    fn would_write(&self, docs: &[Value]) -> Vec<usize> {
        let changed: Vec<usize> = (0..docs.len())
            .filter(|&i| docs[i] != self.loaded[i].doc)
            .collect();
        for &index in &changed {
            let target = &self.targets[index];
            let meta = self.loaded[index].meta.as_ref();
            if let Some(change) = meta.and_then(|meta| crate::platform::loosened(target, meta)) {
                let path = target.display();
                super::say(&format!(
                    "note: would tighten permissions of {path} {change}"
                ));
            }
        }
        changed
    }

    /// "a", or "a, b and c": the files at these indexes, for messages.
    fn names(&self, indexes: &[usize]) -> String {
        let paths = self.files.paths();
        and_list(indexes.iter().map(|&i| paths[i].display().to_string()))
    }
}

/// Takes kubectl's lock on each file in `indexes`, in order.
fn lock(files: &Files, indexes: &[usize]) -> Result<Vec<FileLock>> {
    indexes
        .iter()
        .map(|&i| FileLock::acquire(&files.paths()[i]))
        .collect()
}

/// Locks the files that exist and the one new entries go to (its index is returned).
fn lock_for_save(files: &Files) -> Result<(Vec<FileLock>, usize)> {
    let default = files.default_index();
    let mut locked = files.existing();
    if !locked.contains(&default) {
        locked.push(default);
        locked.sort();
    }
    Ok((lock(files, &locked)?, default))
}

fn save(args: &KubeconfigSaveArgs) -> anyhow::Result<()> {
    let common = &args.common;
    let started = Instant::now();
    let files = Files::from_env()?;
    // A broken kubeconfig is reported before anything is asked of DigitalOcean.
    Opened::read(files.clone())?;
    let mut fetched = lookup::fetch(common, &args.stanza, started)?;

    // Locked, then read again: the files may have changed during the API calls. A dry run
    // takes no lock: it leaves no file behind, not even for a moment.
    let (locks, default) = match args.dry_run {
        true => (Vec::new(), files.default_index()),
        false => lock_for_save(&files)?,
    };
    let opened = Opened::read(files)?;
    let mut docs = opened.docs();
    fetched.entries.names =
        match kubeconfig::own_names(&docs, &fetched.entries, common.alias.as_deref()) {
            Ok(names) => names,
            Err(Error::EntryTaken { what, way_out }) if common.alias.is_none() => {
                drop(locks);
                let way_out =
                    recreated::way_out(common, &docs, &fetched.entries, started).unwrap_or(way_out);
                return Err(Error::EntryTaken { what, way_out }.into());
            }
            Err(err) => return Err(err.into()),
        };
    let entries = &fetched.entries;
    let set_current = args.set_current_context.unwrap_or(true);
    kubeconfig::save(&mut docs, default, entries, set_current);
    let written: Vec<usize> = match args.dry_run {
        true => opened.would_write(&docs),
        false => opened.write_changed(&docs)?,
    };
    if !args.dry_run {
        lookup::seed_cache(common, &fetched);
    }
    if common.account.access_token.is_some() {
        super::say(
            "note: the --access-token is not written to the kubeconfig; kubectl's get-credential will use DIGITALOCEAN_ACCESS_TOKEN or doctl's config",
        );
    }
    let place = if written.is_empty() {
        opened.names(&[default])
    } else {
        opened.names(&written)
    };
    let notes: Vec<&str> = [
        written.is_empty().then_some("unchanged"),
        set_current.then_some("current context"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    let would = if args.dry_run { "would have " } else { "" };
    // The names are made of the cluster's name and region, which the server chose.
    super::say(&format!(
        "{would}saved context {} in {place}{notes}",
        crate::error::one_line(&entries.names.context)
    ));
    lookup::say_pinned(&fetched.base);
    warn_if_kuberc_refuses(&entries.command);
    Ok(())
}

/// One warning when kuberc's credential plugin policy would stop kubectl running `command`,
/// which was just written into an exec stanza.
pub(super) fn warn_if_kuberc_refuses(command: &str) {
    use crate::kuberc::{self, Verdict};
    match kuberc::load().map(|k| kuberc::verdict(&k, command)) {
        Ok(Verdict::Runs(_)) => {}
        Ok(Verdict::Refused { why, fix }) => super::say(&format!("warning: {why}; {fix}")),
        Err(why) => super::say(&format!(
            "warning: {why}: kubectl 1.35 and later stop there; fix the kuberc, or set KUBERC=off to do without it"
        )),
    }
}

fn show(args: &KubeconfigShowArgs) -> anyhow::Result<()> {
    let fetched = lookup::fetch(&args.common, &args.stanza, Instant::now())?;
    let doc = kubeconfig::standalone(&fetched.entries);
    super::print_stdout(&kubeconfig::to_yaml(&doc))
}

fn remove(args: &KubeconfigArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let reference = ClusterRef::parse(args.cluster()?)?;
    let files = Files::from_env()?;
    Opened::read(files.clone())?;

    let (cluster_id, found, lookup_error) = match reference {
        ClusterRef::Name(name) => {
            let (_, client) = lookup::connect(args, started)?;
            let (id, cluster) = http::block_on(clusters::by_name(&client, &name))?;
            (id, Some(cluster), None)
        }
        ClusterRef::Id(id) => match lookup::lookup(args, &id, started) {
            Ok(cluster) => (id, Some(cluster), None),
            Err(err) if err.is_usage() => return Err(err.into()),
            // A cluster deleted at DigitalOcean (404) or an unreachable API: the entries can
            // still be found by the id in their exec args.
            Err(err) => (id, None, Some(err)),
        },
    };
    let names = found
        .as_ref()
        .map(|cluster| lookup::names(cluster, args))
        .transpose()?;
    let whose = kubeconfig::Whose {
        id: cluster_id.as_str(),
        server: found.as_ref().and_then(|c| c.endpoint.as_deref()),
    };

    // Every file that exists may hold some of the entries; all are read together, since a
    // context in one file may use a user defined in another. Each definition is judged in the
    // file that defines it: same-named entries of another cluster (another team's prod) stay.
    let (removed, changed, opened, docs) = {
        let _locks = lock(&files, &files.existing())?;
        let opened = Opened::read(files)?;
        let mut docs = opened.docs();
        let removed = kubeconfig::remove(&mut docs, names.as_ref(), &whose);
        let changed = opened.write_changed(&docs)?;
        (removed, changed, opened, docs)
    };
    let all: Vec<usize> = (0..opened.loaded.len()).collect();
    if let Some(err) = lookup_error {
        if removed.is_empty() {
            return Err(err).with_context(|| {
                format!(
                    "no entries for cluster {cluster_id} in {}, and its names could not be looked up",
                    opened.names(&all)
                )
            });
        }
        if matches!(&err, Error::Api(api) if api.status == 404) {
            // The usual reason to remove by id: the cluster was deleted. Not worth a warning.
            super::say(&format!(
                "note: DigitalOcean no longer knows cluster {cluster_id}; removed the entries that name it in their exec args"
            ));
        } else {
            warn!(
                "{err}: removed only the entries that name cluster {cluster_id} in their exec args"
            );
        }
    }
    if removed.is_empty() {
        super::say(&format!(
            "no entries for cluster {cluster_id} in {}",
            opened.names(&all)
        ));
    } else {
        super::say(&format!(
            "removed {} from {}",
            describe(&removed),
            opened.names(&changed)
        ));
    }
    opened.report_removal(&removed, &docs, "");
    cached::remove(
        args.cache.cache_dir.as_deref(),
        &removed.stanzas,
        &cluster_id,
    );
    Ok(())
}

/// "context a, cluster b and user c", each name folded onto one line: they were made of a
/// server's cluster name and region.
fn describe(removed: &Removed) -> String {
    let parts = [
        ("context", &removed.contexts),
        ("cluster", &removed.clusters),
        ("user", &removed.users),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .map(|(kind, names)| {
        let names: Vec<String> = names.iter().map(|n| crate::error::one_line(n)).collect();
        match names.as_slice() {
            [one] => format!("{kind} {one}"),
            _ => format!("{kind}s {}", names.join(", ")),
        }
    });
    and_list(parts)
}

/// "a", "a and b", "a, b and c".
fn and_list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_is_described_in_one_sentence() {
        let removed = Removed {
            clusters: vec!["do-nyc1-prod".into()],
            users: vec!["do-nyc1-prod-admin".into()],
            contexts: vec!["do-nyc1-prod".into(), "prod".into()],
            current_changed: true,
            ..Default::default()
        };
        assert_eq!(
            describe(&removed),
            "contexts do-nyc1-prod, prod, cluster do-nyc1-prod and user do-nyc1-prod-admin"
        );
        let only_user = Removed {
            users: vec!["u".into()],
            ..Default::default()
        };
        assert_eq!(describe(&only_user), "user u");
        let words = |n: usize| and_list(["a", "b", "c"][..n].iter().map(|s| s.to_string()));
        assert_eq!(
            [words(0), words(1), words(2), words(3)],
            ["", "a", "a and b", "a, b and c"]
        );
    }
}
