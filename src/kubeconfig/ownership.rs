//! Whose an entry is. Two teams each have a `prod` in nyc1, so doctl's names
//! (`do-nyc1-prod`, …) clash; replacing the other team's entries would point its context at this
//! cluster, and a `kubectl delete` meant for one would land on the other. An entry that belongs
//! to another cluster is never replaced or repointed: its exec args name another cluster id, or
//! its server is another.

use serde_json::Value;

use super::{Entries, Kind, Names, entries, entry_name};
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

/// The first of `names`' entries (as kubectl reads them: first file wins) that belongs to
/// another cluster than `entries`'.
fn taken(docs: &[Value], ours: &Entries, names: &Names) -> Option<Taken> {
    let judge = Judge {
        docs,
        server: &ours.server,
        id: &ours.stanza.cluster_id,
    };
    Kind::ALL.into_iter().find_map(|kind| {
        let name = kind.name(names);
        judge.owner(kind, name).map(|owner| Taken {
            kind,
            name: name.to_string(),
            owner,
        })
    })
}

/// `names` less the entries that belong to another cluster than `id` (left as ""), for
/// `remove`: another team's same-named entries, and other tools', stay.
pub fn owned(docs: &[Value], names: &Names, id: &str, server: Option<&str>) -> Names {
    let judge = Judge {
        docs,
        server: server.unwrap_or_default(),
        id,
    };
    let keep = |kind: Kind| {
        let name = kind.name(names);
        match judge.owner(kind, name) {
            None => name.to_string(),
            Some(_) => String::new(),
        }
    };
    Names {
        cluster: keep(Kind::Cluster),
        user: keep(Kind::User),
        context: keep(Kind::Context),
    }
}

/// Tells whose an entry is, for the cluster `id` at `server` ("" when not known: a DOKS server
/// names its cluster id).
struct Judge<'a> {
    docs: &'a [Value],
    server: &'a str,
    id: &'a str,
}

impl Judge<'_> {
    fn find(&self, kind: Kind, name: &str) -> Option<&Value> {
        self.docs
            .iter()
            .flat_map(|doc| entries(doc, kind.list()))
            .find(|e| entry_name(e) == Some(name))
    }

    /// Who else the entry belongs to; `None` when it is this cluster's or absent.
    fn owner(&self, kind: Kind, name: &str) -> Option<String> {
        match kind {
            Kind::Cluster => self.cluster_owner(name),
            Kind::User => self.user_owner(name),
            Kind::Context => {
                let context = self.find(Kind::Context, name)?;
                let field = |f: &str| {
                    context
                        .pointer(&format!("/context/{f}"))
                        .and_then(Value::as_str)
                };
                field("cluster")
                    .and_then(|c| self.cluster_owner(c))
                    .or_else(|| field("user").and_then(|u| self.user_owner(u)))
            }
        }
    }

    fn cluster_owner(&self, name: &str) -> Option<String> {
        let server = self
            .find(Kind::Cluster, name)?
            .pointer("/cluster/server")
            .and_then(Value::as_str)?;
        (server != self.server && !server.contains(self.id))
            .then(|| format!("server {}", one_line(server)))
    }

    fn user_owner(&self, name: &str) -> Option<String> {
        let user = self.find(Kind::User, name)?;
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
        // A static credential says nothing of its cluster: the contexts that use it do. Only
        // one used by no context, or only by contexts of this cluster, is this cluster's.
        self.docs
            .iter()
            .flat_map(|doc| entries(doc, Kind::Context.list()))
            .filter(|c| c.pointer("/context/user").and_then(Value::as_str) == Some(name))
            .filter_map(|c| c.pointer("/context/cluster").and_then(Value::as_str))
            .find_map(|cluster| self.cluster_owner(cluster))
            .map(|owner| format!("a credential for {owner}"))
    }
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
