//! Writing kubeconfig files back, all of a change or none of it: a change that spans files
//! (entries in one file of `KUBECONFIG`, the context naming them in another) is staged in every
//! file first — each check and write that can fail — and only then renamed into place; a rename
//! that still fails puts back the files already replaced. Half a removal would leave a context
//! naming entries that are gone, or a token nobody meant to keep.

use std::fs;
use std::path::{Path, PathBuf};

use log::debug;

use crate::error::{Error, Result};
use crate::platform::{self, atomic_file};

const PREFIX: &str = ".doks-auth-kubeconfig-";
/// What a file put back gets back: on Windows its access list stays the rewritten file's (only
/// the read-only flag is a permission std sets there).
const RESTORED: &str = if cfg!(windows) {
    "text and time"
} else {
    "text, mode and time"
};

/// A file as it was: its text, permissions and modification time.
struct Old {
    text: String,
    permissions: fs::Permissions,
    modified: Option<std::time::SystemTime>,
}

/// A file's new text, written beside it and not yet in its place.
pub struct Staged {
    path: PathBuf,
    new: atomic_file::Staged,
    /// What was there, to put back should a later file fail; `None` when there was no file.
    old: Option<Old>,
    /// What the rewrite tightened (a mode looser than 0600, a DACL that let others in).
    pub loosened: Option<String>,
}

/// Prepares replacing `path` (whose text and metadata were `old`) with `text`: mode 0600 (it holds
/// cluster endpoints and, for other tools' users, secrets), the owner and group of the file it
/// replaces kept (root editing a user's kubeconfig through sudo must leave it the user's; on
/// Windows its DACL when private), a missing folder created 0700. Refuses another user's file
/// that a rewrite would take from them (Windows: see `platform::lost_owner`).
pub fn stage(path: &Path, text: &str, old: Option<(&str, &fs::Metadata)>) -> Result<Staged> {
    let failed = |what: &str, err: std::io::Error| Error::Kubeconfig {
        path: path.to_path_buf(),
        reason: format!("cannot {what}: {err}; no file was changed"),
    };
    let dir = atomic_file::folder_of(path);
    if !dir.exists() {
        platform::create_private_dir(dir)
            .map_err(|err| failed(&format!("create its folder {}", dir.display()), err))?;
    }
    // kubectl opens the file it writes, so it refuses one this user may not write (mode 0444,
    // Windows' read-only attribute); a rename over it would succeed, and must not.
    if old.is_some()
        && let Err(err) = fs::OpenOptions::new().write(true).open(path)
        && err.kind() == std::io::ErrorKind::PermissionDenied
    {
        return Err(Error::Kubeconfig {
            path: path.to_path_buf(),
            reason: format!(
                "this user may not write it ({err}), and kubectl would not either; make it writable, or point KUBECONFIG at another file; no file was changed"
            ),
        });
    }
    if let Some(owner) = old.and_then(|_| platform::lost_owner(path)) {
        return Err(Error::Kubeconfig {
            path: path.to_path_buf(),
            reason: format!(
                "it belongs to {owner}, and rewritten by this user it would become this user's alone, locking {owner} out; run the command as {owner}; no file was changed"
            ),
        });
    }
    // Read before the old file is replaced.
    let loosened = old.and_then(|(_, meta)| platform::loosened(path, meta));
    let kept = old.and_then(|(_, meta)| platform::kept_of(path, meta));
    let new = atomic_file::stage(path, PREFIX, text.as_bytes(), kept)
        .map_err(|err| failed("write it", err))?;
    Ok(Staged {
        path: path.to_path_buf(),
        new,
        old: old.map(|(text, meta)| Old {
            text: text.to_string(),
            permissions: meta.permissions(),
            modified: meta.modified().ok(),
        }),
        loosened,
    })
}

/// Puts every staged file in its place. When one cannot be, those already replaced get their old
/// text, permissions and time back (a new file is removed) and the error says so; the ones after
/// it stay untouched.
pub fn commit(staged: Vec<Staged>) -> Result<Vec<Option<String>>> {
    let mut done: Vec<(PathBuf, Option<Old>)> = Vec::new();
    let mut loosened = Vec::new();
    for file in staged {
        let Staged {
            path,
            new,
            old,
            loosened: tightened,
        } = file;
        if let Err(err) = new.commit() {
            return Err(Error::Kubeconfig {
                reason: format!("cannot replace it: {err}; {}", undo(done)),
                path,
            });
        }
        debug!("kubeconfig: wrote {}", path.display());
        done.push((path, old));
        loosened.push(tightened);
    }
    Ok(loosened)
}

/// Puts back the files replaced before a failure, as they were but for their inode (a rename
/// cannot be undone, only written over), and removes those it created; says what came of it.
fn undo(done: Vec<(PathBuf, Option<Old>)>) -> String {
    if done.is_empty() {
        return "no file was changed".into();
    }
    let (mut restored, mut removed, mut lost, mut stayed) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (path, old) in done.iter().rev() {
        let (back, told, failed) = match old {
            // The replacement kept the old owner (and DACL): keep them again.
            Some(old) => (put_back(path, old), &mut restored, &mut lost),
            None => (fs::remove_file(path), &mut removed, &mut stayed),
        };
        match back {
            Ok(()) => told.push(path.display().to_string()),
            Err(err) => failed.push(format!("{} ({err})", path.display())),
        }
    }
    let mut said = Vec::new();
    if !restored.is_empty() {
        said.push(format!(
            "{} had already been rewritten and got its old {RESTORED} back",
            restored.join(", ")
        ));
    }
    if !removed.is_empty() {
        said.push(format!(
            "{} had been created and was removed again",
            removed.join(", ")
        ));
    }
    if !lost.is_empty() {
        said.push(format!(
            "{} had already been rewritten and could not be put back: compare it with what you expect",
            lost.join(", ")
        ));
    }
    if !stayed.is_empty() {
        said.push(format!(
            "{} had been created and could not be removed: remove it, or keep it",
            stayed.join(", ")
        ));
    }
    said.push("no other file was changed".into());
    said.join("; ")
}

/// Writes `old` back over `path`: its text (keeping the owner, and DACL, the replacement kept),
/// then its permissions and modification time.
fn put_back(path: &Path, old: &Old) -> std::io::Result<()> {
    let meta = fs::metadata(path)?;
    let kept = platform::kept_of(path, &meta);
    atomic_file::replace_keeping(path, PREFIX, old.text.as_bytes(), kept)?;
    // The time first: a read-only mode would forbid opening the file to set it.
    if let Some(modified) = old.modified {
        fs::File::options()
            .write(true)
            .open(path)?
            .set_modified(modified)?;
    }
    fs::set_permissions(path, old.permissions.clone())
}

#[cfg(test)]
mod tests;
