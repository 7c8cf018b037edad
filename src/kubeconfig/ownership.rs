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
    let find = |kind: Kind, name: &str| {
        docs.iter()
            .flat_map(|doc| entries(doc, kind.list()))
            .find(|e| entry_name(e) == Some(name))
    };
    let cluster_owner = |name: &str| {
        let server = find(Kind::Cluster, name)?
            .pointer("/cluster/server")
            .and_then(Value::as_str)?;
        (server != ours.server && !server.contains(ours.stanza.cluster_id.as_str()))
            .then(|| format!("server {}", one_line(server)))
    };
    let user_owner = |name: &str| {
        let id = user_cluster_id(find(Kind::User, name)?)?;
        (!id.eq_ignore_ascii_case(&ours.stanza.cluster_id))
            .then(|| format!("cluster {}", one_line(id)))
    };
    let entry = |kind: Kind, name: &str, owner: Option<String>| {
        owner.map(|owner| Taken {
            kind,
            name: name.to_string(),
            owner,
        })
    };
    let context = find(Kind::Context, &names.context);
    let field = |f: &str| {
        context
            .and_then(|c| c.pointer(&format!("/context/{f}")))
            .and_then(Value::as_str)
    };
    entry(Kind::Cluster, &names.cluster, cluster_owner(&names.cluster))
        .or_else(|| entry(Kind::User, &names.user, user_owner(&names.user)))
        .or_else(|| {
            let owner = field("cluster")
                .and_then(cluster_owner)
                .or_else(|| field("user").and_then(user_owner));
            entry(Kind::Context, &names.context, owner)
        })
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
