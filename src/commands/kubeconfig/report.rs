//! What a removal (`remove`, `save --all --prune`) tells the user beyond what went: what was
//! kept, and why, and what kubectl's current context is now.

use serde_json::Value;

use super::Opened;
use crate::kubeconfig::{self, Removed};

impl Opened {
    /// What a removal left that the user should know: the entries kept for a context that still
    /// uses them, and, when the removal changed kubectl's current context, what kubectl will use
    /// now (by its rules over every file, `docs` as they are after the removal).
    pub(super) fn report_removal(&self, removed: &Removed, docs: &[Value], would: &str) {
        use crate::error::one_line;
        let file = |i: usize| self.files.paths()[i].display().to_string();
        let several = (self.files.paths().len() > 1).then_some(&file as &dyn Fn(usize) -> String);
        // A context of the user's own, in one line with the entries kept for it.
        for foreign in &removed.foreign {
            let used: Vec<&kubeconfig::Kept> = removed
                .kept
                .iter()
                .filter(|k| k.context == foreign.name && k.context_file == foreign.file)
                .collect();
            // Their file, once when they share one (with several files in KUBECONFIG).
            let one_file = used.windows(2).all(|w| w[0].file == w[1].file);
            let place = |i: usize| several.map(|p| format!(" in {}", p(i))).unwrap_or_default();
            let entries = used.iter().map(|k| {
                let at = if one_file {
                    String::new()
                } else {
                    place(k.file)
                };
                format!("{} {:?}{at}", k.kind, one_line(&k.name))
            });
            let uses = match used.first() {
                None => String::new(),
                Some(k) => format!(
                    ", and the {} it uses{}",
                    super::and_list(entries),
                    if one_file {
                        place(k.file)
                    } else {
                        String::new()
                    }
                ),
            };
            crate::commands::say(&format!(
                "{would}kept context {:?} in {}{uses}: doks-auth did not write that context ({})",
                one_line(&foreign.name),
                file(foreign.file),
                foreign.why
            ));
        }
        let told = |k: &kubeconfig::Kept| {
            removed
                .foreign
                .iter()
                .any(|f| k.context == f.name && k.context_file == f.file)
        };
        for kept in removed.kept.iter().filter(|k| !told(k)) {
            crate::commands::say(&format!("{would}kept {}", kept.describe(several)));
        }
        if !removed.current_changed {
            return;
        }
        let path = |i: usize| self.files.paths()[i].display().to_string();
        let will = if would.is_empty() {
            "now uses"
        } else {
            "would use"
        };
        crate::commands::say(&match kubeconfig::reader::current_context(docs) {
            kubeconfig::Current::Unset => format!(
                "kubectl {} no current context; choose one with `kubectl config use-context NAME`",
                if would.is_empty() {
                    "now has"
                } else {
                    "would have"
                }
            ),
            kubeconfig::Current::Missing(name, file) => format!(
                "kubectl's current context {} {} (set in {}), which no file defines; choose one with `kubectl config use-context NAME`",
                if would.is_empty() {
                    "is now"
                } else {
                    "would be"
                },
                one_line(&name),
                path(file)
            ),
            kubeconfig::Current::Defined(name, file, at) => format!(
                "kubectl {will} the current context {} (set in {}, defined in {}){}",
                one_line(&name),
                path(file),
                path(at.file),
                match removed.current_moved {
                    true => reaches(docs, at, &path, !would.is_empty()),
                    false => String::new(),
                }
            ),
        });
    }
}

/// Where the context at `at` takes kubectl after the removal, its cluster and user read by name
/// over every file: "; kubectl reads its cluster "x" from b.yaml (server https://…) and its user
/// "x-admin" from b.yaml" (the server is the file's text, from anywhere: one line).
fn reaches(
    docs: &[Value],
    at: kubeconfig::reader::At,
    path: &dyn Fn(usize) -> String,
    would: bool,
) -> String {
    use crate::error::one_line;
    use kubeconfig::reader::{effective, get, reference};
    let Some(context) = get(docs, at) else {
        return String::new();
    };
    let read = |kind, field: &str| {
        let name = one_line(reference(context, field));
        match effective(docs, kind, reference(context, field)) {
            None => format!("its {field} {name:?}, which no file defines"),
            Some(found) => {
                let server = match kind {
                    kubeconfig::Kind::Cluster => get(docs, found)
                        .and_then(|c| c.pointer("/cluster/server"))
                        .and_then(Value::as_str)
                        .map(|s| format!(" (server {})", one_line(s)))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                format!("its {field} {name:?} from {}{server}", path(found.file))
            }
        }
    };
    format!(
        "; kubectl {} {} and {}",
        if would { "would read" } else { "now reads" },
        read(kubeconfig::Kind::Cluster, "cluster"),
        read(kubeconfig::Kind::User, "user")
    )
}
