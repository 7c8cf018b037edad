//! `doks-auth kubeconfig save|show|remove`: the cluster's entries in the user's kubeconfig, with
//! an exec stanza that runs this doks-auth's `get-credential`. With several files in
//! `KUBECONFIG`, kubectl's rules decide which file each entry is read from and written to.

mod lookup;

use std::time::Instant;

use anyhow::Context;
use log::warn;
use serde_json::Value;

use crate::api;
use crate::cache;
use crate::cli::{KubeconfigArgs, KubeconfigCommand, KubeconfigSaveArgs, KubeconfigShowArgs};
use crate::error::{Error, Result};
use crate::kubeconfig::files::{self, FileLock, Files, Loaded};
use crate::kubeconfig::{self, Kind, Removed};
use crate::settings;
use lookup::ClusterRef;

pub fn run(command: &KubeconfigCommand) -> anyhow::Result<()> {
    match command {
        KubeconfigCommand::Save(args) => save(args),
        KubeconfigCommand::Show(args) => show(args),
        KubeconfigCommand::Remove(args) => remove(args),
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

    /// The first file that defines an entry of this kind and name (kubectl reads that one).
    fn defining(&self, kind: Kind, name: &str) -> Option<usize> {
        self.loaded
            .iter()
            .position(|l| kubeconfig::defines(&l.doc, kind, name))
    }

    /// Writes file `index` back, keeping its owner; reports a tightened mode.
    fn write(&self, index: usize, doc: &Value) -> Result<()> {
        let target = &self.targets[index];
        let text = kubeconfig::to_yaml(doc).map_err(|reason| Error::Kubeconfig {
            path: target.clone(),
            reason: format!("cannot render it as YAML: {reason}"),
        })?;
        if let Some(mode) = files::write(target, &text, self.loaded[index].meta.as_ref())? {
            super::say(&format!(
                "note: tightened permissions of {} from {mode:o} to 600",
                target.display()
            ));
        }
        Ok(())
    }
}

/// Takes kubectl's lock on each file in `indexes`, in order.
fn lock(files: &Files, indexes: &[usize]) -> Result<Vec<FileLock>> {
    indexes
        .iter()
        .map(|&i| FileLock::acquire(&files.paths()[i]))
        .collect()
}

fn save(args: &KubeconfigSaveArgs) -> anyhow::Result<()> {
    let common = &args.common;
    let started = Instant::now();
    let files = Files::from_env()?;
    // A broken kubeconfig is reported before anything is asked of DigitalOcean.
    Opened::read(files.clone())?;
    let fetched = lookup::fetch(common, &args.stanza, started)?;
    let entries = &fetched.entries;

    // Lock the files that exist and the one new entries go to, then read again: they may have
    // changed during the API calls.
    let default = files.default_index();
    let mut candidates: Vec<usize> = (0..files.paths().len())
        .filter(|&i| i == default || std::fs::symlink_metadata(&files.paths()[i]).is_ok())
        .collect();
    candidates.dedup();
    let _locks = lock(&files, &candidates)?;
    let opened = Opened::read(files)?;
    // kubectl's rules: an entry is edited in the file that defines it, a new one goes to the
    // default file; current-context goes to the first file that sets one, else the default.
    let mut docs: Vec<Option<Value>> = vec![None; opened.loaded.len()];
    let mut edit = |index: usize, change: &dyn Fn(&mut Value)| {
        let doc = docs[index].get_or_insert_with(|| opened.loaded[index].doc.clone());
        change(doc);
    };
    for kind in Kind::ALL {
        let index = opened
            .defining(kind, kind.name(&entries.names))
            .unwrap_or(default);
        edit(index, &|doc| kubeconfig::put(doc, kind, entries));
    }
    if args.set_current_context {
        let index = opened
            .loaded
            .iter()
            .position(|l| kubeconfig::current_context(&l.doc).is_some())
            .unwrap_or(default);
        edit(index, &|doc| {
            kubeconfig::set_current_context(doc, &entries.names.context)
        });
    }
    let mut written = Vec::new();
    for (index, doc) in docs.iter().enumerate() {
        if let Some(doc) = doc
            .as_ref()
            .filter(|d| **d != opened.loaded[index].doc || opened.loaded[index].meta.is_none())
        {
            opened.write(index, doc)?;
            written.push(index);
        }
    }
    lookup::seed_cache(common, &fetched);
    if common.account.access_token.is_some() {
        super::say(
            "note: the --access-token is not written to the kubeconfig; kubectl's get-credential will use DIGITALOCEAN_ACCESS_TOKEN or doctl's config",
        );
    }
    let current = if args.set_current_context {
        " (current context)"
    } else {
        ""
    };
    let place = if written.is_empty() {
        format!("{} (unchanged)", opened.files.describe(&[default]))
    } else {
        opened.files.describe(&written)
    };
    super::say(&format!(
        "saved context {} in {place}{current}",
        entries.names.context
    ));
    Ok(())
}

fn show(args: &KubeconfigShowArgs) -> anyhow::Result<()> {
    let fetched = lookup::fetch(&args.common, &args.stanza, Instant::now())?;
    let doc = kubeconfig::standalone(&fetched.entries);
    let text = kubeconfig::to_yaml(&doc)
        .map_err(|reason| anyhow::anyhow!("cannot render the kubeconfig: {reason}"))?;
    super::print_stdout(&text)
}

fn remove(args: &KubeconfigArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let reference = ClusterRef::parse(&args.cluster)?;
    let files = Files::from_env()?;
    Opened::read(files.clone())?;

    let (cluster_id, names, lookup_error) = match reference {
        ClusterRef::Name(name) => {
            let (_, client) = lookup::connect(args, started)?;
            let (id, cluster) = api::block_on(lookup::by_name(&client, &name))?;
            (id, Some(lookup::names(&cluster, args)), None)
        }
        ClusterRef::Id(id) => match lookup::lookup(args, &id, started) {
            Ok(cluster) => {
                let names = lookup::names(&cluster, args);
                (id, Some(names), None)
            }
            Err(err) if err.is_usage() => return Err(err.into()),
            // A cluster deleted at DigitalOcean (404) or an unreachable API: the entries can
            // still be found by the id in their exec args.
            Err(err) => (id, None, Some(err)),
        },
    };

    // Every file that exists may hold some of the entries; all are read together, since a
    // context in one file may use a user defined in another.
    let existing: Vec<usize> = (0..files.paths().len())
        .filter(|&i| std::fs::symlink_metadata(&files.paths()[i]).is_ok())
        .collect();
    let mut removed = Removed::default();
    let mut changed = Vec::new();
    {
        let _locks = lock(&files, &existing)?;
        let opened = Opened::read(files.clone())?;
        let docs: Vec<&Value> = opened.loaded.iter().map(|l| &l.doc).collect();
        let targets = kubeconfig::removal_targets(&docs, names.as_ref(), Some(cluster_id.as_str()));
        for &index in &existing {
            let mut doc = opened.loaded[index].doc.clone();
            let taken = kubeconfig::take_out_targets(&mut doc, &targets);
            if !taken.is_empty() || taken.current_context_cleared {
                opened.write(index, &doc)?;
                changed.push(index);
            }
            removed.absorb(taken);
        }
    }
    let all: Vec<usize> = (0..files.paths().len()).collect();
    if let Some(err) = lookup_error {
        if removed.is_empty() {
            return Err(err).with_context(|| {
                format!(
                    "no entries for cluster {cluster_id} in {}, and its names could not be looked up",
                    files.describe(&all)
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
            files.describe(&all)
        ));
    } else {
        super::say(&format!(
            "removed {} from {}",
            describe(&removed),
            files.describe(&changed)
        ));
    }
    if removed.current_context_cleared {
        super::say("the current context is now unset");
    }
    match settings::cache_dir(&args.cache)
        .and_then(|dir| Ok((cache::remove_entries(&dir, Some(&cluster_id))?, dir)))
    {
        Ok((count, dir)) => super::say(&format!(
            "removed {} from {}",
            super::cache::credentials(count),
            dir.display()
        )),
        Err(err) => warn!("{err}: the cluster's cached credentials were not removed"),
    }
    Ok(())
}

/// "context a, cluster b and user c".
fn describe(removed: &Removed) -> String {
    let mut parts = Vec::new();
    for (kind, names) in [
        ("context", &removed.contexts),
        ("cluster", &removed.clusters),
        ("user", &removed.users),
    ] {
        match names.len() {
            0 => {}
            1 => parts.push(format!("{kind} {}", names[0])),
            _ => parts.push(format!("{kind}s {}", names.join(", "))),
        }
    }
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.concat(),
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
            current_context_cleared: true,
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
    }
}
