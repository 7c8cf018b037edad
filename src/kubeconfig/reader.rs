//! The one reader of the files kubectl reads together: every definition where it is defined,
//! and the answers kubectl would give — which context is current, and which cluster and user a
//! name means, from which file. `remove`, `prune`, `save`, `doctor` and `whoami` ask it.
//!
//! kubectl's rules (client-go's `clientcmd`): a name missing or `~` is `""`; the first file
//! that defines a name wins; the first file that sets a non-empty `current-context` sets it.
//! One file defining a name twice is refused by kubectl, so within a file the first counts.

use serde_json::Value;

use super::{Kind, entries};

/// One definition: the item at `index` of the `kind` list in the file at `file` (in `KUBECONFIG`
/// order). Entries are judged and removed as definitions, never by name across files: two files
/// may define the same name for different clusters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct At {
    pub file: usize,
    pub kind: Kind,
    pub index: usize,
}

/// An entry's name as kubectl reads it: a missing or null name is `""`.
pub fn name_of(entry: &Value) -> &str {
    entry.get("name").and_then(Value::as_str).unwrap_or("")
}

/// A context's `cluster` or `user` reference as kubectl reads it (missing is `""`).
pub fn reference<'a>(context: &'a Value, field: &str) -> &'a str {
    context
        .get("context")
        .and_then(|c| c.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Every definition of `kind`, in kubectl's order (file, then position).
pub fn all(docs: &[Value], kind: Kind) -> impl Iterator<Item = (At, &Value)> {
    docs.iter().enumerate().flat_map(move |(file, doc)| {
        entries(doc, kind.list())
            .iter()
            .enumerate()
            .map(move |(index, e)| (At { file, kind, index }, e))
    })
}

/// The definition at `at`.
pub fn get(docs: &[Value], at: At) -> Option<&Value> {
    entries(docs.get(at.file)?, at.kind.list()).get(at.index)
}

/// The definition kubectl uses for `name`: the first file's.
pub fn effective(docs: &[Value], kind: Kind, name: &str) -> Option<At> {
    all(docs, kind)
        .find(|(_, e)| name_of(e) == name)
        .map(|(at, _)| at)
}

/// What a reference made in `file` means to the one who wrote it: that file's own definition
/// when it has one, else the one kubectl uses. Ownership is judged by this, so a context is
/// judged with its own file's cluster and user.
pub fn resolve(docs: &[Value], file: usize, kind: Kind, name: &str) -> Option<At> {
    meanings(docs, file, kind, name).into_iter().next()
}

/// Every definition a reference made in `file` may come to mean: that file's own, when it has
/// one; else every file's definition of the name, in kubectl's order. The first is what it
/// means now ([`resolve`]); once that one is removed, kubectl reads the next. A context that
/// keeps its cluster and user in another file than the first one defining those names (another
/// team's, split in two files) means the first now, and its own once the first is gone.
pub fn meanings(docs: &[Value], file: usize, kind: Kind, name: &str) -> Vec<At> {
    let own = docs.get(file).and_then(|doc| {
        entries(doc, kind.list())
            .iter()
            .position(|e| name_of(e) == name)
    });
    match own {
        Some(index) => vec![At { file, kind, index }],
        None => all(docs, kind)
            .filter(|(at, e)| at.file != file && name_of(e) == name)
            .map(|(at, _)| at)
            .collect(),
    }
}

/// The `current-context` kubectl uses, and the file that sets it.
pub fn current(docs: &[Value]) -> Option<(usize, &str)> {
    docs.iter().enumerate().find_map(|(file, doc)| {
        let name = doc.get("current-context")?.as_str()?;
        (!name.is_empty()).then_some((file, name))
    })
}

/// What `kubectl config current-context` would say and where the context comes from.
#[derive(Debug, PartialEq, Eq)]
pub enum Current {
    /// No file sets one.
    Unset,
    /// Set (in the file at the index) to a context that no file defines.
    Missing(String, usize),
    /// Set to a context defined in the file at `At`.
    Defined(String, usize, At),
}

/// kubectl's current context, told as [`Current`].
pub fn current_context(docs: &[Value]) -> Current {
    match current(docs) {
        None => Current::Unset,
        Some((file, name)) => match effective(docs, Kind::Context, name) {
            None => Current::Missing(name.to_string(), file),
            Some(at) => Current::Defined(name.to_string(), file, at),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_missing_or_null_name_is_the_empty_name() {
        assert_eq!(name_of(&json!({"cluster": {}})), "");
        assert_eq!(name_of(&json!({"name": null})), "");
        assert_eq!(name_of(&json!({"name": "a"})), "a");
    }

    #[test]
    fn a_reference_prefers_its_own_file_and_else_the_first_definition() {
        let a = json!({"clusters": [{"name": "x", "cluster": {"server": "a"}}]});
        let b = json!({"clusters": [{"name": "y"}, {"name": "x", "cluster": {"server": "b"}}]});
        let c = json!({"contexts": []});
        let docs = [a, b, c];
        let at = |file, index| At {
            file,
            kind: Kind::Cluster,
            index,
        };
        assert_eq!(effective(&docs, Kind::Cluster, "x"), Some(at(0, 0)));
        assert_eq!(resolve(&docs, 1, Kind::Cluster, "x"), Some(at(1, 1)));
        assert_eq!(resolve(&docs, 2, Kind::Cluster, "x"), Some(at(0, 0)));
        assert_eq!(resolve(&docs, 2, Kind::Cluster, "z"), None);
    }

    #[test]
    fn the_first_file_that_sets_a_current_context_sets_it() {
        let docs = [
            json!({"current-context": ""}),
            json!({"current-context": "b", "contexts": [{"name": "b"}]}),
            json!({"current-context": "c"}),
        ];
        assert_eq!(current(&docs), Some((1, "b")));
        assert!(matches!(current_context(&docs), Current::Defined(n, 1, _) if n == "b"));
        assert_eq!(current_context(&docs[2..]), Current::Missing("c".into(), 0));
        assert_eq!(current_context(&docs[..1]), Current::Unset);
    }
}
