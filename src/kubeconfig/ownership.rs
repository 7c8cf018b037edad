//! Whose an entry is. Two teams each have a `prod` in nyc1, so doctl's names
//! (`do-nyc1-prod`, …) clash; replacing the other team's entries would point its context at this
//! cluster, and a `kubectl delete` meant for one would land on the other. An entry that belongs
//! to another cluster is never replaced or repointed: its exec args name another cluster id, or
//! its server is another.

use serde_json::Value;

use super::reader::{self, At};
use super::{Entries, Kind, Names};
use crate::credential::ClusterId;
use crate::error::{Error, one_line};

/// The cluster id a user's exec stanza gets credentials for: doks-auth's `--cluster-id`, or the
/// id doctl's `exec-credential` takes as its argument.
pub fn user_cluster_id(user: &Value) -> Option<&str> {
    user.pointer("/user/exec/args")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(|arg| arg.strip_prefix("--cluster-id=").unwrap_or(arg))
        .find(|arg| ClusterId::is_uuid(arg))
}

/// The entries this cluster should be saved under: the usual names, or with `alias` (when those
/// belong to another cluster) names of its own for all three. Neither possible: an error naming
/// the entry in the way, its owner and the way out.
pub fn own_names(docs: &[Value], entries: &Entries, alias: Option<&str>) -> Result<Names, Error> {
    let Some(taken) = taken(docs, entries, &entries.names) else {
        return Ok(entries.names.clone());
    };
    let Some(alias) = alias else {
        return Err(
            taken.error("pass --alias NAME to save this cluster beside it, under names of its own")
        );
    };
    let names = Names::aliased(alias);
    match self::taken(docs, entries, &names) {
        None => Ok(names),
        Some(taken) => Err(taken.error("choose another --alias")),
    }
}

/// The first of `names`' entries, as kubectl reads them (the first file's definition, the one
/// `save` edits), that belongs to another cluster than `entries'`.
fn taken(docs: &[Value], ours: &Entries, names: &Names) -> Option<Taken> {
    let judge = Judge::new(docs, &ours.stanza.cluster_id, Some(&ours.server));
    Kind::ALL.into_iter().find_map(|kind| {
        let name = kind.name(names);
        let at = reader::effective(docs, kind, name)?;
        judge.owner(at).map(|owner| Taken {
            kind,
            name: name.to_string(),
            owner,
        })
    })
}

/// Every definition, in every file, of `names`' entries that is this cluster's, for `remove`:
/// another team's same-named entries in another file, and other tools', stay.
pub fn owned(docs: &[Value], names: &Names, id: &str, server: Option<&str>) -> Vec<At> {
    let judge = Judge::new(docs, id, server);
    Kind::ALL
        .into_iter()
        .flat_map(|kind| {
            reader::all(docs, kind)
                .filter(move |(_, e)| reader::name_of(e) == kind.name(names))
                .map(|(at, _)| at)
        })
        .filter(|&at| judge.owner(at).is_none())
        .collect()
}

/// Tells whose a definition is, for the cluster `id` at `server` (when known: a DOKS server
/// names its cluster id). Each definition is judged where it is defined: a context by the
/// cluster and user its own file gives those names ([`reader::resolve`]).
pub(super) struct Judge<'a> {
    docs: &'a [Value],
    server: Option<&'a str>,
    id: &'a str,
}

impl<'a> Judge<'a> {
    pub(super) fn new(docs: &'a [Value], id: &'a str, server: Option<&'a str>) -> Self {
        Judge { docs, server, id }
    }

    /// Who else the definition belongs to; `None` when it is this cluster's or absent.
    pub(super) fn owner(&self, at: At) -> Option<String> {
        let entry = reader::get(self.docs, at)?;
        match at.kind {
            Kind::Cluster => self.cluster_owner(entry),
            Kind::User => self.user_owner(at, entry),
            Kind::Context => {
                let refer = |kind: Kind, field: &str| {
                    reader::meanings(self.docs, at.file, kind, reader::reference(entry, field))
                };
                // doks-auth writes both names: a context without one (kubectl reads it as "",
                // which may mean someone's unnamed entry) is not provably this cluster's.
                if let Some(field) = ["cluster", "user"]
                    .into_iter()
                    .find(|field| reader::reference(entry, field).is_empty())
                {
                    return Some(format!("a context that names no {field}"));
                }
                let (clusters, users) =
                    (refer(Kind::Cluster, "cluster"), refer(Kind::User, "user"));
                if clusters.is_empty() && users.is_empty() {
                    // It names a cluster and user that no file defines: someone's, whose entries
                    // live elsewhere.
                    return Some("a context whose cluster and user are defined nowhere".into());
                }
                // Each name is judged by every definition it may come to mean: a context whose
                // names would still reach another's definitions once this cluster's are removed
                // (another team's, its cluster and user in a later file) is that other's.
                // The first meaning is the one kubectl reads now; a later one, what it reads once
                // this cluster's are gone: say which, as kubectl would not show it yet.
                let later = |(i, owner): (usize, String)| match i {
                    0 => owner,
                    _ => format!("{owner}, which it reaches once this cluster's entries are gone"),
                };
                let judged = |list: Vec<At>| {
                    list.into_iter()
                        .enumerate()
                        .find_map(|(i, d)| Some((i, self.owner(d)?)))
                };
                judged(clusters).or_else(|| judged(users)).map(later)
            }
        }
    }

    /// A cluster entry is this cluster's when its server is ours or names our id (DNS names and
    /// the id are compared without case, as DNS and DigitalOcean do).
    fn cluster_owner(&self, cluster: &Value) -> Option<String> {
        let Some(server) = cluster
            .pointer("/cluster/server")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
        else {
            return Some("no server: nothing says it is this cluster's".into());
        };
        (!server_is(server, self.id, self.server)).then(|| format!("server {}", one_line(server)))
    }

    fn user_owner(&self, at: At, user: &Value) -> Option<String> {
        if let Some(id) = user_cluster_id(user) {
            return (!id.eq_ignore_ascii_case(self.id))
                .then(|| format!("cluster {}", one_line(id)));
        }
        // Another tool's exec credential (aws, gcloud, kubelogin): never ours to replace. A
        // doks-auth stanza that names no cluster is ours, if broken.
        if let Some(command) = user.pointer("/user/exec/command").and_then(Value::as_str) {
            let ours = std::path::Path::new(command)
                .file_name()
                .is_some_and(|name| name == "doks-auth");
            return (!ours).then(|| format!("a credential run by {}", one_line(command)));
        }
        // A credential of its own (a service account's token, a certificate, a password) is
        // someone's deliberate choice, never ours to delete or repoint. Only a DigitalOcean
        // token (the control panel's download) is what doks-auth's stanza stands for.
        if let Some(what) = own_credential(user) {
            return Some(format!("a credential of its own: {what}"));
        }
        // Such a token says nothing of its cluster: the contexts that use it do. Only one used
        // by no context, or only by contexts of this cluster, is this cluster's.
        reader::all(self.docs, Kind::Context)
            .filter(|(c, e)| {
                reader::resolve(self.docs, c.file, Kind::User, reader::reference(e, "user"))
                    == Some(at)
            })
            .filter_map(|(c, e)| {
                reader::resolve(
                    self.docs,
                    c.file,
                    Kind::Cluster,
                    reader::reference(e, "cluster"),
                )
            })
            .find_map(|cluster| self.cluster_owner(reader::get(self.docs, cluster)?))
            .map(|owner| format!("a credential for {owner}"))
    }
}

/// What a user without an exec stanza holds that is not a DigitalOcean token: a token of another
/// shape, or any other credential kubectl uses; `None` for none, or a DigitalOcean token alone.
/// Impersonation (`as`, `as-groups`, `as-uid`, `as-user-extra`) is no credential: it limits the
/// one beside it, and `save` keeps it there (`put`), so the user stays ours and stays limited.
fn own_credential(user: &Value) -> Option<&'static str> {
    let user = user.get("user")?;
    let set = |field: &str| user.get(field).is_some_and(|v| !v.is_null() && v != "");
    if let Some(field) = super::convert::PREFERRED_OVER_EXEC
        .into_iter()
        .chain(["client-key", "client-key-data"])
        .find(|f| set(f))
    {
        return Some(field);
    }
    match user.get("token").filter(|t| !t.is_null() && *t != "") {
        Some(Value::String(token)) if super::convert::issued_by_digitalocean(token).is_ok() => None,
        Some(_) => Some("a token DigitalOcean did not issue"),
        None => None,
    }
}

/// Where DigitalOcean's cluster endpoints live: `k8s.ondigitalocean.com`, and `k8s.example`,
/// the form of the test stand-ins (`.example` is reserved: no real server has it).
const DIGITALOCEAN_DOMAINS: [&str; 2] = ["k8s.ondigitalocean.com", "k8s.example"];

/// Whether `server` is the cluster `id`'s: the same URL as `ours` (scheme and host without case,
/// the default port and a trailing `/` aside), or DigitalOcean's endpoint for the id
/// (`https://<id>.k8s.ondigitalocean.com`). The id anywhere else (`https://x.example/<id>`,
/// `https://not-<id>.example`, `https://<id>.evil.example`) names another server.
pub fn server_is(server: &str, id: &str, ours: Option<&str>) -> bool {
    let Ok(url) = reqwest::Url::parse(server.trim()) else {
        return false;
    };
    let origin = |url: &reqwest::Url| {
        (
            url.scheme().to_string(),
            url.host_str().map(str::to_ascii_lowercase),
            url.port_or_known_default(),
            url.path().trim_end_matches('/').to_string(),
        )
    };
    let names_id = url
        .host_str()
        .and_then(|host| host.split_once('.'))
        .is_some_and(|(label, domain)| {
            !id.is_empty()
                && label.eq_ignore_ascii_case(id)
                && DIGITALOCEAN_DOMAINS
                    .iter()
                    .any(|d| domain.trim_end_matches('.').eq_ignore_ascii_case(d))
        });
    names_id
        || ours
            .and_then(|o| reqwest::Url::parse(o.trim()).ok())
            .is_some_and(|o| origin(&o) == origin(&url))
}

/// An entry in the way, and whose it is.
struct Taken {
    kind: Kind,
    name: String,
    owner: String,
}

impl Taken {
    fn error(self, way_out: &str) -> Error {
        Error::EntryTaken {
            what: format!(
                "the {} entry {:?} belongs to another cluster ({})",
                self.kind.field(),
                one_line(&self.name),
                self.owner
            ),
            way_out: way_out.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
