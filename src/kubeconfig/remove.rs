//! `kubeconfig remove`'s edit: a cluster's entries out of every file kubectl reads together.

use serde_json::Value;

use super::{Names, current_context, entries, entry_name, push_new, set_current_context, take_out};

/// What [`remove`] took out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub clusters: Vec<String>,
    pub users: Vec<String>,
    pub contexts: Vec<String>,
    /// `current-context` named a removed context and was reset to "".
    pub current_context_cleared: bool,
    /// Entries of the cluster left in place because another context still uses them.
    pub kept: Vec<Kept>,
}

/// A cluster or user entry `remove` left, and the context that still uses it: without it,
/// kubectl would quietly send that context's requests to localhost:8080, or without a
/// credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// "cluster" or "user".
    pub kind: &'static str,
    pub name: String,
    pub context: String,
}

impl Removed {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.users.is_empty() && self.contexts.is_empty()
    }
}

/// The names of the entries to remove, decided over every file kubectl reads together: a
/// context in one file may use a user or cluster defined in another.
struct Targets {
    clusters: Vec<String>,
    users: Vec<String>,
    contexts: Vec<String>,
    kept: Vec<Kept>,
}

/// The entries named in `names`, and, when `cluster_id` is given, every user whose exec args name
/// that cluster id, the contexts using them, and the clusters those contexts use — so a cluster
/// deleted at DigitalOcean (whose names can no longer be looked up) can still be removed. A
/// cluster or user that a context staying behind uses is not among them.
fn removal_targets(docs: &[Value], names: Option<&Names>, cluster: Option<&Whose>) -> Targets {
    let all = |key: &'static str| docs.iter().flat_map(move |doc| entries(doc, key).iter());
    let mut users: Vec<String> = names.iter().map(|n| n.user.clone()).collect();
    let mut contexts: Vec<String> = names.iter().map(|n| n.context.clone()).collect();
    let mut clusters: Vec<String> = names.iter().map(|n| n.cluster.clone()).collect();
    if let Some(&Whose { id, server }) = cluster {
        // A cluster entry reached through a context is this cluster's only by its server: a
        // context of another tool's may use our user, and its cluster is not ours to delete.
        let is_ours = |name: &str| {
            all("clusters")
                .find(|c| entry_name(c) == Some(name))
                .and_then(|c| c.pointer("/cluster/server").and_then(Value::as_str))
                .is_none_or(|s| s.contains(id) || Some(s) == server)
        };
        for user in all("users") {
            let runs_for_id = user
                .pointer("/user/exec/args")
                .and_then(Value::as_array)
                .is_some_and(|args| args.iter().any(|a| names_cluster_id(a, id)));
            if let Some(name) = entry_name(user).filter(|_| runs_for_id) {
                push_new(&mut users, name);
            }
        }
        for context in all("contexts") {
            let user = context.pointer("/context/user").and_then(Value::as_str);
            if let (Some(name), Some(user)) = (entry_name(context), user)
                && users.iter().any(|u| u == user)
            {
                push_new(&mut contexts, name);
                if let Some(cluster) = context.pointer("/context/cluster").and_then(Value::as_str)
                    && is_ours(cluster)
                {
                    push_new(&mut clusters, cluster);
                }
            }
        }
    }
    // A cluster or user entry another (surviving) context still uses is left alone, and said.
    let mut kept = Vec::new();
    let lists = [
        ("cluster", "clusters", &mut clusters),
        ("user", "users", &mut users),
    ];
    for (kind, list, targets) in lists {
        targets.retain(|name| {
            let using = all("contexts").find(|c| {
                entry_name(c).is_some_and(|n| !contexts.iter().any(|r| r == n))
                    && c.pointer(&format!("/context/{kind}"))
                        .and_then(Value::as_str)
                        == Some(name.as_str())
            });
            let Some(context) = using.and_then(entry_name) else {
                return true;
            };
            // Said only of an entry that is there to keep.
            if all(list).any(|e| entry_name(e) == Some(name.as_str())) {
                kept.push(Kept {
                    kind,
                    name: name.clone(),
                    context: context.to_string(),
                });
            }
            false
        });
    }
    Targets {
        clusters,
        users,
        contexts,
        kept,
    }
}

/// Takes the targets out of one document; `current-context` is reset to "" when it named a
/// removed context.
fn take_out_targets(doc: &mut Value, targets: &Targets) -> Removed {
    let mut removed = Removed {
        clusters: take_out(doc, "clusters", &targets.clusters),
        users: take_out(doc, "users", &targets.users),
        contexts: take_out(doc, "contexts", &targets.contexts),
        current_context_cleared: false,
        kept: Vec::new(),
    };
    if current_context(doc).is_some_and(|c| targets.contexts.iter().any(|r| r == c)) {
        set_current_context(doc, "");
        removed.current_context_cleared = true;
    }
    removed
}

/// Removes the cluster's entries from every document of the files kubectl reads: those named in
/// `names`, and, with `cluster_id`, those found by the id (see [`removal_targets`]).
/// The cluster whose entries go: its id, and its server when DigitalOcean still knows it.
pub struct Whose<'a> {
    pub id: &'a str,
    pub server: Option<&'a str>,
}

pub fn remove(docs: &mut [Value], names: Option<&Names>, cluster: Option<&Whose>) -> Removed {
    let targets = removal_targets(docs, names, cluster);
    let mut removed = Removed::default();
    for doc in docs {
        removed.absorb(take_out_targets(doc, &targets));
    }
    removed.kept = targets.kept;
    removed
}

impl Removed {
    /// Adds what another file gave up.
    fn absorb(&mut self, other: Removed) {
        for (mine, theirs) in [
            (&mut self.clusters, other.clusters),
            (&mut self.users, other.users),
            (&mut self.contexts, other.contexts),
        ] {
            for name in theirs {
                push_new(mine, &name);
            }
        }
        self.current_context_cleared |= other.current_context_cleared;
    }
}

/// `--cluster-id <id>` (as doks-auth writes it), `--cluster-id=<id>`, or a bare id (doctl's
/// `exec-credential <id>`).
fn names_cluster_id(arg: &Value, id: &str) -> bool {
    arg.as_str().is_some_and(|a| {
        a.eq_ignore_ascii_case(id)
            || a.strip_prefix("--cluster-id=")
                .is_some_and(|v| v.eq_ignore_ascii_case(id))
    })
}
