//! What the corpus test compares: kubectl's reading of a kubeconfig, and that reading with the
//! entries a command owns left out.

use crate::support::kubectl;
use std::path::Path;

use serde_json::{Map, Value};

/// The entries a command owns: everything else must read the same before and after.
pub(crate) struct Owned {
    clusters: Vec<String>,
    users: Vec<String>,
    contexts: Vec<String>,
    current_context: bool,
}

impl Owned {
    /// What `save prod` and `remove prod` own: prod's three entries and `current-context`.
    pub(crate) fn ours() -> Self {
        Owned {
            clusters: vec!["do-nyc1-prod".into()],
            users: vec!["do-nyc1-prod-admin".into()],
            contexts: vec!["do-nyc1-prod".into()],
            current_context: true,
        }
    }

    /// What `convert` owns: the users it converted.
    pub(crate) fn users(users: &[&str]) -> Self {
        Owned {
            clusters: Vec::new(),
            users: users.iter().map(|u| u.to_string()).collect(),
            contexts: Vec::new(),
            current_context: false,
        }
    }

    /// (list, name) of each owned entry.
    pub(crate) fn entries(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        for (list, names) in [
            ("clusters", &self.clusters),
            ("users", &self.users),
            ("contexts", &self.contexts),
        ] {
            out.extend(names.iter().map(|n| (list, n.as_str())));
        }
        out
    }
}

/// `kubectl config view --raw -o json` of the file alone; kubectl must load it.
pub(crate) fn view(path: &Path) -> Value {
    let out = kubectl()
        .args(["config", "view", "--raw", "-o", "json"])
        .env("KUBECONFIG", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl cannot load {}: {}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A list of named entries as a map by name (kubectl's order says nothing: it sorts).
pub(crate) fn by_name(view: &Value, list: &str) -> Map<String, Value> {
    view[list]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_string(),
                e.clone(),
            )
        })
        .collect()
}

/// kubectl's reading with the owned entries left out.
pub(crate) fn outside(view: &Value, owned: &Owned) -> Value {
    let mut rest = view.as_object().cloned().unwrap_or_default();
    for (list, names) in [
        ("clusters", &owned.clusters),
        ("users", &owned.users),
        ("contexts", &owned.contexts),
    ] {
        let mut entries = by_name(view, list);
        entries.retain(|name, _| !names.contains(name));
        rest.insert(list.into(), Value::Object(entries));
    }
    if owned.current_context {
        rest.remove("current-context");
    }
    Value::Object(rest)
}

/// Whether the tests run as root (who can give a file to someone else).
#[cfg(unix)]
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
