//! `kubeconfig remove`'s edit (and `prune`'s): a cluster's definitions out of the files kubectl
//! reads together. What goes is decided per definition, in the file that defines it: another
//! file's same-named entries for another cluster stay.

use std::collections::BTreeSet;

use serde_json::Value;

use super::ownership::Judge;
use super::reader::{self, At, Current};
use super::{Kind, Names, push_new, set_current_context};

/// What [`remove`] took out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub clusters: Vec<String>,
    pub users: Vec<String>,
    pub contexts: Vec<String>,
    /// kubectl's current context before, when the removal changed what it is (or what it
    /// means): the caller says what kubectl will use now.
    pub current_changed: bool,
    /// The current context stays but its cluster or user was removed: kubectl now reaches
    /// whatever another file defines under that name (another team's cluster, say).
    pub current_moved: bool,
    /// Entries of the cluster left in place because another context still uses them.
    pub kept: Vec<Kept>,
    /// The exec args of each removed user: where its stanza kept the credentials
    /// (`--cache-dir`) is read from them, so the cached ones go too.
    pub stanzas: Vec<Vec<String>>,
    /// Contexts that use the cluster's entries but that doks-auth did not write: left in place,
    /// with the entries they use.
    pub foreign: Vec<Foreign>,
}

/// A context of the user's own that uses the cluster's entries, kept ([`not_written`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    pub name: String,
    /// The file that defines it, by index.
    pub file: usize,
    /// Why it is not doks-auth's: "a name and fields of its own: namespace".
    pub why: String,
}

/// Why a context is not one doks-auth wrote, or `None` when it is. `save` writes a context
/// with a cluster `C` and its user `C-admin`, named `C` or as `--alias` said (`names`' context,
/// when known); and nothing else in it but what a user adds to it later (a namespace), which
/// `save` keeps there. Under another name (an alias doks-auth cannot know, as when removing a
/// deleted cluster by id) it is doks-auth's only as `save` writes it, with nothing of its own:
/// `kubectl config set-context prod-system --cluster do-nyc1-prod --user do-nyc1-prod-admin
/// --namespace kube-system` is the user's, and is never deleted.
pub fn not_written(context: &Value, names: Option<&Names>) -> Option<String> {
    let name = reader::name_of(context);
    let (cluster, user) = (
        reader::reference(context, "cluster"),
        reader::reference(context, "user"),
    );
    if cluster.is_empty() || user != format!("{cluster}-admin") {
        return Some(format!(
            "it pairs cluster {:?} with user {:?}, which doks-auth never does",
            crate::error::one_line(cluster),
            crate::error::one_line(user)
        ));
    }
    if name == cluster || names.is_some_and(|n| n.context == name) {
        return None;
    }
    let keys = |value: Option<&Value>, ours: &[&str]| -> Vec<String> {
        value
            .and_then(Value::as_object)
            .map(|map| {
                map.keys()
                    .filter(|k| !ours.contains(&k.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut own = keys(context.get("context"), &["cluster", "user"]);
    own.extend(keys(Some(context), &["name", "context"]));
    (!own.is_empty()).then(|| {
        let own: Vec<String> = own.iter().map(|k| crate::error::one_line(k)).collect();
        format!("a name and fields of its own: {}", own.join(", "))
    })
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
    /// The files that define the kept entry and the context, by index.
    pub file: usize,
    pub context_file: usize,
}

impl Kept {
    /// `cluster "prod": context (unnamed) still uses it`, each with its file (`path` of an
    /// index) when there are several: the context may be another team's, in another file.
    pub fn describe(&self, path: Option<&dyn Fn(usize) -> String>) -> String {
        let named = |name: &str| match name {
            "" => "(unnamed)".to_string(),
            name => format!("{:?}", crate::error::one_line(name)),
        };
        let place = |file: usize| path.map(|p| format!(" in {}", p(file))).unwrap_or_default();
        format!(
            "{} {}{}: context {}{} still uses it",
            self.kind,
            named(&self.name),
            place(self.file),
            named(&self.context),
            place(self.context_file)
        )
    }
}

impl Removed {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.users.is_empty() && self.contexts.is_empty()
    }
}

/// The cluster whose entries go: its id, and its server when DigitalOcean still knows it.
pub struct Whose<'a> {
    pub id: &'a str,
    pub server: Option<&'a str>,
}

/// The definitions of the cluster: those named in `names` that are this cluster's
/// ([`super::ownership::owned`]), every user whose exec args name the cluster id and the cluster
/// entry written beside each ([`written_beside`]), the contexts that use those users (as their
/// own file resolves the name), and those contexts' clusters when their server is this cluster's
/// or unknown — so a cluster deleted at DigitalOcean (whose names can no longer be looked up)
/// can still be removed.
pub fn targets(docs: &[Value], names: Option<&Names>, whose: &Whose) -> BTreeSet<At> {
    let mut targets: BTreeSet<At> = names
        .map(|names| super::ownership::owned(docs, names, whose.id, whose.server))
        .unwrap_or_default()
        .into_iter()
        .collect();
    let judge = Judge::new(docs, whose.id, whose.server);
    let users: Vec<At> = reader::all(docs, Kind::User)
        .filter(|(_, user)| {
            user.pointer("/user/exec/args")
                .and_then(Value::as_array)
                .is_some_and(|args| args.iter().any(|a| names_cluster_id(a, whose.id)))
        })
        .map(|(at, _)| at)
        .collect();
    targets.extend(&users);
    // The cluster entry doks-auth wrote beside each of these users, found so even when no
    // context reaches it any more (its context deleted by hand); `take` keeps it while a
    // context still uses it.
    for &user in &users {
        targets.extend(written_beside(docs, user, whose.id));
    }
    for (at, context) in reader::all(docs, Kind::Context) {
        let refer =
            |kind, field| reader::meanings(docs, at.file, kind, reader::reference(context, field));
        // Every definition its user name may come to mean is one of this cluster's users: once
        // they are gone, it would name nothing. (When another's definition would be next, the
        // context is that other's: another team's, its user kept in a later file.)
        let meant = refer(Kind::User, "user");
        if !meant.is_empty() && meant.iter().all(|u| users.contains(u)) {
            targets.insert(at);
            // A cluster entry reached through a context is this cluster's only by its server: a
            // context of another tool's may use our user, and its cluster is not ours to delete.
            targets.extend(
                refer(Kind::Cluster, "cluster")
                    .into_iter()
                    .filter(|&cluster| judge.owner(cluster).is_none()),
            );
        }
    }
    targets
}

/// The cluster entry `save` wrote beside the user at `user` (`C` for the user `C-admin`) for
/// the cluster `id`: named so, its server that cluster's DigitalOcean endpoint (another file's
/// same-named entry of another cluster, or one of another server, is not).
pub fn written_beside(docs: &[Value], user: At, id: &str) -> Vec<At> {
    let name = reader::get(docs, user).map(reader::name_of).unwrap_or("");
    let Some(cluster) = name.strip_suffix("-admin") else {
        return Vec::new();
    };
    reader::all(docs, Kind::Cluster)
        .filter(|(_, c)| {
            reader::name_of(c) == cluster
                && c.pointer("/cluster/server")
                    .and_then(Value::as_str)
                    .is_some_and(|server| super::ownership::server_is(server, id, None))
        })
        .map(|(at, _)| at)
        .collect()
}

/// Removes the definitions `targets` from the documents, except a cluster or user that a
/// context staying behind uses (kept, and said). A file's `current-context` that meant a removed
/// context is reset to "", but for the one kubectl uses when kubectl read it as another file's
/// context, which stays.
pub fn take(docs: &mut [Value], mut targets: BTreeSet<At>) -> Removed {
    let mut removed = Removed::default();
    let read: &[Value] = docs;
    let pending = &targets;
    let kept: Vec<(At, Kept)> = reader::all(read, Kind::Context)
        .filter(|(at, _)| !targets.contains(at))
        .flat_map(|(at, context)| {
            [(Kind::Cluster, "cluster"), (Kind::User, "user")]
                .into_iter()
                .filter_map(move |(kind, field)| {
                    let name = reader::reference(context, field);
                    // It still needs a target only when nothing else would take its place.
                    let meant = reader::meanings(read, at.file, kind, name);
                    if meant.iter().any(|m| !pending.contains(m)) {
                        return None;
                    }
                    let used = *meant.first()?;
                    Some((
                        used,
                        Kept {
                            kind: field,
                            name: name.to_string(),
                            context: reader::name_of(context).to_string(),
                            file: used.file,
                            context_file: at.file,
                        },
                    ))
                })
        })
        .filter(|(used, _)| pending.contains(used))
        .collect();
    for (used, kept) in kept {
        if targets.remove(&used) {
            removed.kept.push(kept);
        }
    }
    let before = reader::current_context(docs);
    removed.current_changed = matches!(&before, Current::Defined(_, _, at) if targets.contains(at));
    // The context stays, but kubectl reads its cluster and user by name over every file.
    if let Current::Defined(_, _, at) = &before
        && !targets.contains(at)
        && let Some(context) = reader::get(docs, *at)
    {
        removed.current_moved = [(Kind::Cluster, "cluster"), (Kind::User, "user")]
            .into_iter()
            .filter_map(|(kind, field)| {
                reader::effective(docs, kind, reader::reference(context, field))
            })
            .any(|used| targets.contains(&used));
        removed.current_changed |= removed.current_moved;
    }
    // Each file's current-context is judged by what it meant in that file, but the one kubectl
    // uses stays when kubectl took its name to another file's context, which stays: resetting
    // it would leave kubectl with none (issue 22's differential across files).
    let resets: Vec<usize> = (0..docs.len())
        .filter(|&file| !matches!(&before, Current::Defined(_, f, at) if *f == file && !targets.contains(at)))
        .filter(|&file| {
            let name = docs[file]
                .get("current-context")
                .and_then(Value::as_str)
                .unwrap_or("");
            let meant = reader::meanings(docs, file, Kind::Context, name);
            !name.is_empty() && !meant.is_empty() && meant.iter().all(|at| targets.contains(at))
        })
        .collect();
    for (at, entry) in targets
        .iter()
        .filter_map(|&at| Some((at, reader::get(docs, at)?)))
    {
        let list = match at.kind {
            Kind::Cluster => &mut removed.clusters,
            Kind::User => &mut removed.users,
            Kind::Context => &mut removed.contexts,
        };
        if let Some(args) = entry.pointer("/user/exec/args").and_then(Value::as_array) {
            let args = args.iter().filter_map(Value::as_str).map(String::from);
            removed.stanzas.push(args.collect());
        }
        push_new(list, reader::name_of(entry));
    }
    // kubectl's own current context changes only with the file it is taken from.
    if let Current::Defined(_, file, _) = before
        && resets.contains(&file)
    {
        removed.current_changed = true;
    }
    for file in resets {
        set_current_context(&mut docs[file], "");
    }
    // Highest index first, so the lower ones stay where they were.
    for at in targets.iter().rev() {
        if let Some(Value::Array(items)) = docs[at.file].get_mut(at.kind.list())
            && at.index < items.len()
        {
            items.remove(at.index);
        }
    }
    removed
}

/// Removes the cluster's entries from every file kubectl reads (see [`targets`]).
/// A context of the user's own that uses them stays, and so do the entries it uses.
pub fn remove(docs: &mut [Value], names: Option<&Names>, whose: &Whose) -> Removed {
    let mut targets = targets(docs, names, whose);
    let mut foreign = Vec::new();
    targets.retain(|&at| {
        let Some(context) = reader::get(docs, at).filter(|_| at.kind == Kind::Context) else {
            return true;
        };
        let Some(why) = not_written(context, names) else {
            return true;
        };
        foreign.push(Foreign {
            name: reader::name_of(context).to_string(),
            file: at.file,
            why,
        });
        false
    });
    let mut removed = take(docs, targets);
    removed.foreign = foreign;
    removed
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Kept, not_written};
    use crate::kubeconfig::Names;

    #[test]
    fn a_context_is_doks_auths_under_its_names_or_as_save_writes_it() {
        let context =
            |name: &str, fields: serde_json::Value| json!({"name": name, "context": fields});
        let pair = json!({"cluster": "do-nyc1-prod", "user": "do-nyc1-prod-admin"});
        let with_ns =
            json!({"cluster": "do-nyc1-prod", "user": "do-nyc1-prod-admin", "namespace": "dev"});
        let alias = Names::new("nyc1", "prod", Some("p"));
        assert_eq!(
            not_written(&context("do-nyc1-prod", with_ns.clone()), None),
            None
        );
        assert_eq!(
            not_written(&context("p", with_ns.clone()), Some(&alias)),
            None
        );
        assert_eq!(not_written(&context("p", pair.clone()), None), None);
        assert_eq!(
            not_written(&context("prod-system", with_ns), None).as_deref(),
            Some("a name and fields of its own: namespace")
        );
        let mut extra = context("p", pair);
        extra["extensions"] = json!([]);
        assert!(not_written(&extra, None).is_some());
        let home = json!({"cluster": "home", "user": "do-nyc1-prod-admin"});
        assert!(not_written(&context("home", home), None).is_some());
        assert!(not_written(&context("x", json!({"user": "-admin"})), None).is_some());
    }

    #[test]
    fn a_kept_entry_is_said_with_quoted_names_and_files_when_there_are_several() {
        let unnamed = Kept {
            kind: "cluster",
            name: "do-nyc1-prod".into(),
            context: String::new(),
            file: 0,
            context_file: 1,
        };
        assert_eq!(
            unnamed.describe(None),
            "cluster \"do-nyc1-prod\": context (unnamed) still uses it"
        );
        let path = |i: usize| format!("f{i}");
        assert_eq!(
            unnamed.describe(Some(&path)),
            "cluster \"do-nyc1-prod\" in f0: context (unnamed) in f1 still uses it"
        );
    }
}
