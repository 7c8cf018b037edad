//! The cached credentials of removed entries: in the folder this command was given (or the
//! default one), and in each removed stanza's own `--cache-dir`, read from its args as
//! `get-credential` reads them. Otherwise a credential saved with `--cache-dir` outlives its
//! entries on disk.

use std::path::{Path, PathBuf};

use log::warn;

use crate::cache;
use crate::credential::ClusterId;
use crate::error::Result;
use crate::settings;

/// The folders to clear: `given` (or the default) first, then each stanza's own, once each.
fn folders(given: Option<&Path>, stanzas: &[Vec<String>]) -> Result<Vec<PathBuf>> {
    let mut dirs = vec![settings::cache_dir(given)?];
    for args in stanzas {
        // A folder the stanza names relative to wherever kubectl runs is nowhere in particular.
        let Some(dir) = crate::cli::parse_stanza_args(args)
            .ok()
            .and_then(|a| a.cache.cache_dir)
            .filter(|d| d.is_absolute())
        else {
            continue;
        };
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    Ok(dirs)
}

/// `remove`'s: the cluster's credentials in each folder, one line each.
pub(super) fn remove(given: Option<&Path>, stanzas: &[Vec<String>], id: &ClusterId) {
    let dirs = match folders(given, stanzas) {
        Ok(dirs) => dirs,
        Err(err) => return warn!("{err}: the cluster's cached credentials were not removed"),
    };
    for dir in dirs {
        match cache::remove_entries(&dir, Some(id)) {
            Ok(count) => crate::commands::say(&format!(
                "removed {} from {}",
                crate::commands::cache::credentials(count),
                dir.display()
            )),
            Err(err) => warn!("{err}: the cluster's cached credentials were not removed"),
        }
    }
}

/// `save --all --prune`'s: the pruned clusters' credentials, in each folder, said only when
/// something cannot be removed.
pub(super) fn prune(given: Option<&Path>, stanzas: &[Vec<String>], ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let removed = folders(given, stanzas).and_then(|dirs| {
        dirs.iter().try_for_each(|dir| {
            ids.iter().try_for_each(|id| {
                let id = ClusterId::parse(id)?;
                cache::remove_entries(dir, Some(&id)).map(drop)
            })
        })
    });
    if let Err(err) = removed {
        warn!("{err}: the removed clusters' cached credentials were not all removed");
    }
}
