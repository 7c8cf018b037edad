//! doctl's config file (`doctl/config.yaml` in the platform's config folder), read and edited
//! as doctl reads it: the `default` context's token is the top-level `access-token`, every
//! other context's is in `auth-contexts`, and `context` names the current one.
//!
//! doctl rewrites the whole file from its settings; doks-auth changes only the text of the keys
//! it changes ([`kubeconfig::rewrite_in_place`], which reads YAML as go-yaml v2 does, as viper does for
//! doctl), so every other key, comment, anchor and spelling survives (or, where an alias reads
//! what changes, nothing is changed). The file is replaced atomically, private (0600), keeping
//! its owner. Each edit reads the file afresh and writes it under a lock
//! ([`DoctlFile::edit`]), so two doks-auth edits at once lose nothing; doctl itself takes no
//! lock, so an edit by doctl at the same moment can still be lost.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::digitalocean::token;
use crate::error::{Error, Result};
use crate::kubeconfig::{self, files};
use crate::platform::{self, atomic_file};
use crate::secret::Secret;

/// doctl's name for the top-level `access-token`.
pub const DEFAULT: &str = "default";
const ACCESS_TOKEN: &str = "access-token";
/// What doctl's config folder comes from (Go's `os.UserConfigDir`), for the error without one.
const CONFIG_VAR: &str = if cfg!(windows) { "%APPDATA%" } else { "HOME" };
const AUTH_CONTEXTS: &str = "auth-contexts";
const CONTEXT: &str = "context";
/// A config file is a few hundred bytes; anything far larger is not doctl's.
const MAX_BYTES: u64 = 1024 * 1024;
/// The lock's file, beside doctl's (doctl never looks at it).
const LOCK_NAME: &str = ".doks-auth-doctl.lock";
/// How long an edit waits for another doks-auth's edit to finish: each takes milliseconds.
const LOCK_WAIT: Duration = Duration::from_secs(10);

pub struct DoctlFile {
    /// Where it is written: a symlinked file at its target.
    pub path: PathBuf,
    text: String,
    doc: Map<String, Value>,
    meta: Option<fs::Metadata>,
}

impl DoctlFile {
    /// doctl's own file; a missing one is an empty config.
    pub fn load() -> Result<Self> {
        let path = token::doctl_config_path().ok_or_else(|| Error::DoctlConfig {
            path: PathBuf::from("doctl/config.yaml"),
            reason: format!("this machine has no config folder (is {CONFIG_VAR} set?)"),
        })?;
        Self::load_from(&path)
    }

    pub fn load_from(path: &Path) -> Result<Self> {
        let path = files::resolve_target(path);
        let failed = |reason: String| Error::DoctlConfig {
            path: path.clone(),
            reason,
        };
        let meta = match fs::metadata(&path) {
            Ok(meta) => Some(meta),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(failed(format!("cannot read it: {err}"))),
        };
        if meta.as_ref().is_some_and(|m| m.len() > MAX_BYTES) {
            return Err(failed("it is over 1 MiB, which no doctl config is".into()));
        }
        let text = match &meta {
            None => String::new(),
            Some(_) => fs::read(&path)
                .map_err(|err| failed(format!("cannot read it: {err}")))
                .and_then(|bytes| {
                    String::from_utf8(bytes).map_err(|_| failed("it is not UTF-8 text".into()))
                })?,
        };
        // The parser's reason names a place, never the file's text (which holds tokens).
        let doc = match kubeconfig::yaml::parse_document(&text) {
            Ok(Value::Null) => Map::new(),
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(failed("its top level is not a mapping; fix it".into())),
            Err(reason) => return Err(failed(format!("{reason}; fix it (it was left untouched)"))),
        };
        if !matches!(
            doc.get(AUTH_CONTEXTS),
            None | Some(Value::Null | Value::Object(_))
        ) {
            return Err(failed(format!(
                "its {AUTH_CONTEXTS} is not a mapping; fix it"
            )));
        }
        Ok(DoctlFile {
            path,
            text,
            doc,
            meta,
        })
    }

    /// Reads the file afresh under doks-auth's lock and hands it to `change`, which edits and
    /// saves it (or fails, and nothing is written); the lock is held until `change` returns.
    pub fn edit<T>(
        self,
        change: impl FnOnce(&mut DoctlFile) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let _held = lock(&self.path)?;
        let mut file = Self::load_from(&self.path)?;
        change(&mut file)
    }

    pub fn exists(&self) -> bool {
        self.meta.is_some()
    }

    /// The current context as doctl sees it in the file: `context`, else `default`.
    pub fn current(&self) -> String {
        match self.doc.get(CONTEXT) {
            // viper's keys ignore case: `context: Work` names `auth-contexts: {work: …}`.
            Some(Value::String(name)) if !name.is_empty() => name.to_lowercase(),
            _ => DEFAULT.into(),
        }
    }

    /// `default` first (doctl always lists it), then the others in order.
    pub fn names(&self) -> Vec<String> {
        let mut names = vec![DEFAULT.to_string()];
        if let Some(Value::Object(contexts)) = self.doc.get(AUTH_CONTEXTS) {
            let mut others: Vec<String> = contexts
                .keys()
                .map(|k| k.to_lowercase())
                .filter(|k| k != DEFAULT)
                .collect();
            others.sort();
            names.extend(others);
        }
        names
    }

    /// The context's token, when it has one.
    pub fn token(&self, name: &str) -> Option<Secret> {
        let value = if name == DEFAULT {
            self.doc.get(ACCESS_TOKEN)
        } else {
            let key = self.key(name)?;
            self.contexts().and_then(|c| c.get(&key))
        };
        match value {
            Some(Value::String(token)) if !token.trim().is_empty() => Some(Secret::new(token)),
            _ => None,
        }
    }

    /// Whether `context` names one (else doctl takes `default`).
    pub fn has_current(&self) -> bool {
        matches!(self.doc.get(CONTEXT), Some(Value::String(name)) if !name.is_empty())
    }

    pub fn has(&self, name: &str) -> bool {
        name == DEFAULT || self.key(name).is_some()
    }

    /// The key in `auth-contexts` doctl reads for `name`: viper lower-cases every key, so a
    /// hand-written `Work` is doctl's `work`.
    fn key(&self, name: &str) -> Option<String> {
        let name = name.to_lowercase();
        self.contexts()?
            .keys()
            .find(|k| k.to_lowercase() == name)
            .cloned()
    }

    fn contexts(&self) -> Option<&Map<String, Value>> {
        self.doc.get(AUTH_CONTEXTS).and_then(Value::as_object)
    }

    pub fn set_token(&mut self, name: &str, token: &Secret) {
        let value = Value::String(token.expose().to_string());
        if name == DEFAULT {
            self.doc.insert(ACCESS_TOKEN.into(), value);
            return;
        }
        // The key as written (`Work`) keeps its place; a new one is written lower-case.
        let key = self.key(name).unwrap_or_else(|| name.to_lowercase());
        let contexts = self
            .doc
            .entry(AUTH_CONTEXTS)
            .or_insert_with(|| Value::Object(Map::new()));
        if !contexts.is_object() {
            // Null (`auth-contexts:` alone): load refused anything else.
            *contexts = Value::Object(Map::new());
        }
        if let Value::Object(map) = contexts {
            map.insert(key, value);
        }
    }

    pub fn set_current(&mut self, name: &str) {
        self.doc.insert(CONTEXT.into(), Value::String(name.into()));
    }

    /// Takes the context's token out, as doctl does: `default`'s token is emptied (doctl always
    /// has a `default`), any other context goes. False when there was no such context.
    pub fn remove(&mut self, name: &str) -> bool {
        if name == DEFAULT {
            if self.doc.contains_key(ACCESS_TOKEN) {
                self.doc
                    .insert(ACCESS_TOKEN.into(), Value::String(String::new()));
            }
            return true;
        }
        let Some(key) = self.key(name) else {
            return false;
        };
        match self.doc.get_mut(AUTH_CONTEXTS) {
            Some(Value::Object(map)) => map.remove(&key).is_some(),
            _ => false,
        }
    }

    /// The new text, other keys and comments as they were. An edit that cannot be made in
    /// place is refused, never made by writing the user's file anew without its comments and
    /// aliases (doctl's own edits do that; ours are asked for by someone who may not expect it).
    pub fn render(&self) -> Result<String> {
        kubeconfig::rewrite_in_place(&self.text, &Value::Object(self.doc.clone())).map_err(
            |reason| Error::DoctlConfig {
                path: self.path.clone(),
                reason,
            },
        )
    }

    /// Replaces the file atomically, 0600, keeping its owner; a missing folder is made 0700.
    pub fn save(&self) -> Result<()> {
        let text = self.render()?;
        let failed = |what: String, err: std::io::Error| Error::DoctlConfig {
            path: self.path.clone(),
            reason: format!("cannot {what}: {err}; it was left as it was"),
        };
        make_folder(&self.path)?;
        let kept = self
            .meta
            .as_ref()
            .and_then(|meta| platform::kept_of(&self.path, meta));
        atomic_file::replace_keeping(&self.path, ".doks-auth-doctl-", text.as_bytes(), kept)
            .map_err(|err| failed("replace it".into(), err))
    }
}

/// The file's folder, made private (0700) when it is missing.
fn make_folder(path: &Path) -> Result<&Path> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.as_os_str().is_empty() && !dir.exists() {
        platform::create_private_dir(dir).map_err(|err| Error::DoctlConfig {
            path: path.to_path_buf(),
            reason: format!(
                "cannot create its folder {}: {err}; it was left as it was",
                dir.display()
            ),
        })?;
    }
    Ok(dir)
}

/// doks-auth's lock on the file at `path` (its target), beside it.
fn lock(path: &Path) -> Result<platform::lock::Held> {
    let lock = make_folder(path)?.join(LOCK_NAME);
    platform::lock::exclusive(&lock, LOCK_WAIT).map_err(|err| Error::DoctlConfig {
        path: path.to_path_buf(),
        reason: format!(
            "cannot take the lock {} for an edit: {err}; nothing was changed, try again",
            lock.display()
        ),
    })
}
