//! The kubeconfig: doks-auth's entries in it, how they are merged in and taken out, and
//! ([`files`]) the files themselves, handled the way kubectl handles them.
//!
//! A kubeconfig is handled as a generic tree ([`serde_json::Value`]) read as kubectl reads it,
//! not as typed structs: the commands change that tree, and [`yaml::rewrite`] then changes in
//! the file's text only what changed in it, so every other entry, field, comment and spelling
//! (other tools' users, extensions, preferences) stays byte for byte, and saving twice gives
//! the same bytes.

pub mod context;
mod convert;
pub mod files;
pub mod ownership;
pub mod prune;
pub mod reader;
pub mod remove;
pub mod stanza;
pub mod writing;
pub mod yaml;

use serde_json::{Map, Value, json};

use crate::error::Error;

pub use convert::{Before, Conversion, convert};
pub use ownership::own_names;
pub use reader::{At, Current};
pub use remove::{Kept, Removed, Whose, remove};
pub use stanza::{EXEC_API_VERSION, INSTALL_HINT, SsoStanza, Stanza};
pub use yaml::{parse, rewrite, rewrite_in_place, rewrite_telling, to_yaml};

/// The names of one cluster's three entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    pub cluster: String,
    pub user: String,
    pub context: String,
}

impl Names {
    /// doctl's names (`do-<region>-<name>`, user `…-admin`), so contexts survive a switch of
    /// tools; `alias` renames only the context.
    pub fn new(region: &str, cluster_name: &str, alias: Option<&str>) -> Self {
        let cluster = format!("do-{region}-{cluster_name}");
        Names {
            user: format!("{cluster}-admin"),
            context: alias.map_or_else(|| cluster.clone(), str::to_string),
            cluster,
        }
    }
}

impl Names {
    /// [`Names::new`] for a cluster as DigitalOcean describes it. Its name and region become
    /// kubeconfig names that kubectl prints raw (`config get-contexts`, prompts that show the
    /// context): anything but letters, digits, `-`, `.` and `_` is refused.
    pub fn of_cluster(region: &str, name: &str, alias: Option<&str>) -> Result<Self, Error> {
        let fit = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        };
        if !fit(region) || !fit(name) {
            return Err(Error::UnexpectedResponse {
                url: "/v2/kubernetes/clusters".into(),
                reason: format!(
                    "the cluster {} in {} has a name or region that cannot be a kubeconfig name (only letters, digits, '-', '.' and '_')",
                    crate::error::one_line(name),
                    crate::error::one_line(region)
                ),
            });
        }
        Ok(Names::new(region, name, alias))
    }

    /// With `--alias` when the usual names belong to another cluster: all three named after it.
    pub fn aliased(alias: &str) -> Self {
        Names {
            cluster: alias.to_string(),
            user: format!("{alias}-admin"),
            context: alias.to_string(),
        }
    }
}

/// Everything doks-auth writes for one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entries {
    pub names: Names,
    pub server: String,
    /// Base64 PEM, as DigitalOcean sends it and kubeconfig wants it.
    pub certificate_authority_data: String,
    /// The exec stanza: the command it runs, and what it asks `get-credential` for.
    pub command: String,
    pub stanza: Stanza,
}

impl Entries {
    fn cluster(&self) -> Value {
        json!({
            "server": self.server,
            "certificate-authority-data": self.certificate_authority_data,
        })
    }
}

/// What a fresh kubeconfig starts as (what kubectl writes for an empty config).
pub fn empty() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [],
        "users": [],
        "contexts": [],
        "current-context": "",
        "preferences": {},
    })
}

/// The three kinds of named entry doks-auth writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Cluster,
    User,
    Context,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Cluster, Kind::User, Kind::Context];

    fn list(self) -> &'static str {
        match self {
            Kind::Cluster => "clusters",
            Kind::User => "users",
            Kind::Context => "contexts",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Kind::Cluster => "cluster",
            Kind::User => "user",
            Kind::Context => "context",
        }
    }

    fn name(self, names: &Names) -> &str {
        match self {
            Kind::Cluster => &names.cluster,
            Kind::User => &names.user,
            Kind::Context => &names.context,
        }
    }
}

/// Whether the document has an entry of this kind with this name.
fn defines(doc: &Value, kind: Kind, name: &str) -> bool {
    entries(doc, kind.list())
        .iter()
        .any(|e| entry_name(e) == Some(name))
}

fn set_current_context(doc: &mut Value, name: &str) {
    top(doc).insert("current-context".into(), name.into());
}

/// Adds or updates one of the cluster's entries, leaving every other entry where it is. Only
/// the fields doks-auth owns are written (a cluster's server and CA data, a user's exec stanza,
/// a context's cluster and user); every other key stays: a `proxy-url` or `tls-server-name`, a
/// context's namespace, and a user's impersonation (`as`, `as-groups`, …), which limits what
/// the credential may do and must never be widened by a save. What would conflict with the
/// written fields goes, said under -v: another CA source next to the CA data, and a credential
/// kubectl would use instead of the exec stanza (the DigitalOcean token the stanza replaces).
fn put(doc: &mut Value, kind: Kind, entries: &Entries) {
    let names = &entries.names;
    let name = kind.name(names);
    upsert(doc, kind.list(), kind.field(), name, |old| {
        let mut map = match old {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        let (owned, conflicting): (Map<String, Value>, &[&str]) = match kind {
            Kind::Cluster => (as_map(entries.cluster()), &CLUSTER_CONFLICTS),
            Kind::User => (Map::new(), &USER_CONFLICTS),
            Kind::Context => (
                as_map(json!({"cluster": names.cluster, "user": names.user})),
                &[],
            ),
        };
        for key in conflicting {
            if map.remove(*key).is_some() {
                log::debug!(
                    "kubeconfig: dropped {key} from the {} entry {:?}: the fields doks-auth writes replace it",
                    kind.field(),
                    crate::error::one_line(name)
                );
            }
        }
        if kind == Kind::User {
            // Key by key: the user's `env` and other exec keys stay (see `Stanza::install`).
            let exec = map.entry("exec").or_insert(Value::Null);
            if !exec.is_object() {
                *exec = Value::Object(Map::new());
            }
            if let Some(what) = exec
                .as_object_mut()
                .and_then(|exec| entries.stanza.install(exec, &entries.command))
            {
                log::debug!(
                    "kubeconfig: replaced {what} in the user entry {:?}",
                    crate::error::one_line(name)
                );
            }
        } else {
            map.extend(owned);
        }
        Value::Object(map)
    });
}

/// A cluster's fields that contradict the CA data doks-auth writes (kubectl refuses a cluster
/// with both a CA and `insecure-skip-tls-verify`, and warns of two CA sources).
const CLUSTER_CONFLICTS: [&str; 2] = ["certificate-authority", "insecure-skip-tls-verify"];

/// A user's credentials other than the exec stanza: kubectl would send them instead of (or
/// beside) doks-auth's. A user holding one that DigitalOcean did not issue is not ours
/// ([`ownership`]), so what goes here is a DigitalOcean token, or what sat beside our stanza.
const USER_CONFLICTS: [&str; 9] = [
    "token",
    "tokenFile",
    "client-certificate",
    "client-certificate-data",
    "client-key",
    "client-key-data",
    "username",
    "password",
    "auth-provider",
];

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Saves the cluster's entries into the documents of the files kubectl reads (`docs`, in
/// `KUBECONFIG` order), by kubectl's rules: an entry is edited in the first file that defines
/// it, a new one goes to `default`; `current-context` as [`set_current`] says. A document left
/// as it was needs no writing.
pub fn save(docs: &mut [Value], default: usize, entries: &Entries, set_current: bool) {
    for kind in Kind::ALL {
        let name = kind.name(&entries.names);
        let index = docs
            .iter()
            .position(|doc| defines(doc, kind, name))
            .unwrap_or(default);
        put(&mut docs[index], kind, entries);
    }
    if set_current {
        self::set_current(docs, default, &entries.names.context);
    }
}

/// Sets `current-context` as `kubectl config use-context` does (client-go's
/// `writeCurrentContext`): nothing when kubectl's current context is already `context`, else in
/// `default` (the first file that exists), which kubectl reads first. Another file that sets
/// one (a team's shared file) is left untouched.
pub fn set_current(docs: &mut [Value], default: usize, context: &str) {
    if reader::current(docs).is_some_and(|(_, current)| current == context) {
        return;
    }
    set_current_context(&mut docs[default], context);
}

/// Whether any of the documents has any of these three entries.
pub fn defines_any(docs: &[Value], names: &Names) -> bool {
    docs.iter().any(|doc| {
        Kind::ALL
            .into_iter()
            .any(|kind| defines(doc, kind, kind.name(names)))
    })
}

/// [`save`] into a single file's document.
pub fn merge(doc: &mut Value, entries: &Entries, set_current: bool) {
    save(std::slice::from_mut(doc), 0, entries, set_current);
}

/// A kubeconfig with only this cluster's entries, its context current.
pub fn standalone(entries: &Entries) -> Value {
    let mut doc = empty();
    merge(&mut doc, entries, true);
    doc
}

fn push_new(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

fn top(doc: &mut Value) -> &mut Map<String, Value> {
    if !doc.is_object() {
        *doc = empty();
    }
    match doc {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

fn list<'a>(doc: &'a mut Value, key: &str) -> &'a mut Vec<Value> {
    let slot = top(doc).entry(key).or_insert(Value::Null);
    if !slot.is_array() {
        // `parse` accepts only a list or null here; null (`clusters:`) becomes an empty list.
        *slot = Value::Array(Vec::new());
    }
    match slot {
        Value::Array(items) => items,
        _ => unreachable!("just made an array"),
    }
}

fn entries<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn entry_name(entry: &Value) -> Option<&str> {
    entry.get("name").and_then(Value::as_str)
}

/// Replaces the first entry called `name` in place (dropping any later duplicates, which kubectl
/// would reject), or appends one.
fn upsert(
    doc: &mut Value,
    key: &str,
    field: &str,
    name: &str,
    make: impl FnOnce(Option<&Value>) -> Value,
) {
    let items = list(doc, key);
    let position = items.iter().position(|e| entry_name(e) == Some(name));
    let value = make(position.and_then(|i| items[i].get(field)));
    match position {
        Some(i) => {
            match items[i].as_object_mut() {
                // The item's other keys (kubectl reads none, but they are someone's) stay.
                Some(item) => {
                    item.insert(field.into(), value);
                }
                None => items[i] = json!({ "name": name, field: value }),
            }
            let mut index = 0;
            items.retain(|e| {
                index += 1;
                index - 1 <= i || entry_name(e) != Some(name)
            });
        }
        None => items.push(json!({ "name": name, field: value })),
    }
}

#[cfg(test)]
mod tests;
