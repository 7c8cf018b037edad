//! `doks-auth kubeconfig convert [--dry-run]`: the DigitalOcean users of the kubeconfig that
//! `save` writes to, switched to doks-auth in place (see [`kubeconfig::convert`]). Offline: no
//! request, no cache seeded; the first kubectl command fetches a credential as usual.

use log::debug;

use super::{Opened, lock, lookup};
use crate::cli::KubeconfigConvertArgs;
use crate::error::one_line;
use crate::kubeconfig::{self, files::Files};

pub(super) fn run(args: &KubeconfigConvertArgs) -> anyhow::Result<()> {
    let command = match &args.exec_command {
        Some(command) => command.clone(),
        None => lookup::this_executable()?,
    };
    let files = Files::from_env()?;
    let default = files.default_index();
    let _lock = if args.dry_run {
        None
    } else {
        Some(lock(&files, &[default])?)
    };
    let opened = Opened::read(files)?;
    let mut docs = opened.docs();
    let outcome = kubeconfig::convert(&mut docs[default], &command);
    // User names are the file's text, which may have come from a server (a downloaded kubeconfig).
    for (user, why) in &outcome.skipped {
        debug!("{}: left as it is: {why}", one_line(user));
    }
    // Said once written (or, on a dry run, as what would be): a write that fails converted none.
    let tell = || {
        for (user, before) in &outcome.converted {
            super::super::say(&format!(
                "{}: {} → doks-auth",
                one_line(user),
                before.describe()
            ));
        }
    };
    let place = opened.names(&[default]);
    let count = match outcome.converted.len() {
        1 => "1 user".to_string(),
        n => format!("{n} users"),
    };
    if outcome.converted.is_empty() {
        super::super::say(&format!("nothing to convert in {place}"));
    } else if args.dry_run {
        tell();
        opened.would_write(&docs);
        super::super::say(&format!(
            "would convert {count} in {place} (--dry-run: nothing written)"
        ));
    } else {
        opened.write_changed(&docs)?;
        tell();
        super::super::say(&format!("converted {count} in {place}"));
    }
    if !outcome.converted.is_empty() {
        super::warn_if_kuberc_refuses(&command);
    }
    Ok(())
}
