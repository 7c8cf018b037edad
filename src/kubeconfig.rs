//! The kubeconfig file: where it is, how doks-auth's entries are merged into it and taken out of
//! it, and how it is written back.
//!
//! The file is handled as a generic YAML tree ([`serde_json::Value`]), not as typed structs, so
//! every field doks-auth does not know (preferences, extensions, other tools' users) survives a
//! save untouched. Keys come out sorted, as `kubectl config` itself writes them, so saving twice
//! gives the same bytes.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use log::debug;
use serde_json::{Map, Value, json};

use crate::atomic_file;
use crate::error::{Error, Result};

/// The exec API version written into the user entry; v1 needs `interactiveMode`.
pub const EXEC_API_VERSION: &str = "client.authentication.k8s.io/v1";

/// Shown by kubectl when the exec command cannot be found.
pub const INSTALL_HINT: &str =
    "doks-auth is needed to get credentials for this DigitalOcean Kubernetes cluster.
Install doks-auth (see its README: cargo install --path . from a checkout) and make sure it is on
PATH, then run `doks-auth kubeconfig save <cluster>` again so the kubeconfig points at it.
";

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

/// Everything doks-auth writes for one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entries {
    pub names: Names,
    pub server: String,
    /// Base64 PEM, as DigitalOcean sends it and kubeconfig wants it.
    pub certificate_authority_data: String,
    /// The exec stanza's `command` and `args`.
    pub command: String,
    pub args: Vec<String>,
}

impl Entries {
    fn cluster(&self) -> Value {
        json!({
            "server": self.server,
            "certificate-authority-data": self.certificate_authority_data,
        })
    }

    fn user(&self) -> Value {
        json!({
            "exec": {
                "apiVersion": EXEC_API_VERSION,
                "command": self.command,
                "args": self.args,
                "installHint": INSTALL_HINT,
                // doks-auth never prompts; v1 requires the field.
                "interactiveMode": "Never",
            }
        })
    }
}

/// What [`remove`] took out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub clusters: Vec<String>,
    pub users: Vec<String>,
    pub contexts: Vec<String>,
    /// `current-context` named a removed context and was reset to "".
    pub current_context_cleared: bool,
}

impl Removed {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.users.is_empty() && self.contexts.is_empty()
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

/// Parses a kubeconfig; an empty file is an empty config. The error is a reason without any of
/// the file's text, which may hold tokens and keys.
pub fn parse(text: &str) -> std::result::Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(empty());
    }
    let doc: Value = serde_saphyr::from_str(text).map_err(|err| {
        let at = err
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        format!("it is not valid YAML{at}")
    })?;
    match &doc {
        Value::Null => return Ok(empty()),
        Value::Object(map) => {
            for list in ["clusters", "users", "contexts"] {
                if !matches!(map.get(list), None | Some(Value::Null | Value::Array(_))) {
                    return Err(format!("its {list:?} is not a list"));
                }
            }
        }
        _ => return Err("it is not a kubeconfig (the top level is not a mapping)".into()),
    }
    Ok(doc)
}

/// The kubeconfig as YAML text.
pub fn to_yaml(doc: &Value) -> std::result::Result<String, String> {
    let mut options = serde_saphyr::SerializerOptions::default();
    // Keep long single-line values (certificate-authority-data) plain, as kubectl writes them;
    // multi-line ones (installHint) still come out as `|` blocks.
    options.folded_wrap_chars = usize::MAX;
    serde_saphyr::to_string_with_options(doc, options).map_err(|err| err.to_string())
}

/// Adds or replaces the cluster's three entries, leaving every other entry where it is. A
/// same-named context keeps its other fields (a namespace, say); a same-named cluster or user is
/// replaced whole, since doks-auth owns what is in it.
pub fn merge(doc: &mut Value, entries: &Entries, set_current_context: bool) {
    let names = &entries.names;
    upsert(doc, "clusters", "cluster", &names.cluster, |_| {
        entries.cluster()
    });
    upsert(doc, "users", "user", &names.user, |_| entries.user());
    upsert(doc, "contexts", "context", &names.context, |old| {
        let mut context = match old {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        context.insert("cluster".into(), names.cluster.clone().into());
        context.insert("user".into(), names.user.clone().into());
        Value::Object(context)
    });
    if set_current_context {
        top(doc).insert("current-context".into(), names.context.clone().into());
    }
}

/// A kubeconfig with only this cluster's entries, its context current.
pub fn standalone(entries: &Entries) -> Value {
    let mut doc = empty();
    merge(&mut doc, entries, true);
    doc
}

/// Removes the entries named in `names`, and, when `cluster_id` is given, every user whose exec
/// args name that cluster id, the contexts using them, and the clusters only those contexts used
/// — so a cluster deleted at DigitalOcean (whose names can no longer be looked up) can still be
/// removed. `current-context` is reset to "" when it named a removed context.
pub fn remove(doc: &mut Value, names: Option<&Names>, cluster_id: Option<&str>) -> Removed {
    let mut users: Vec<String> = names.iter().map(|n| n.user.clone()).collect();
    let mut contexts: Vec<String> = names.iter().map(|n| n.context.clone()).collect();
    let mut clusters: Vec<String> = names.iter().map(|n| n.cluster.clone()).collect();
    if let Some(id) = cluster_id {
        for user in entries(doc, "users") {
            let runs_for_id = user
                .pointer("/user/exec/args")
                .and_then(Value::as_array)
                .is_some_and(|args| args.iter().any(|a| names_cluster_id(a, id)));
            if let Some(name) = entry_name(user).filter(|_| runs_for_id) {
                push_new(&mut users, name);
            }
        }
        let mut used_clusters = Vec::new();
        for context in entries(doc, "contexts") {
            let user = context.pointer("/context/user").and_then(Value::as_str);
            if let (Some(name), Some(user)) = (entry_name(context), user)
                && users.iter().any(|u| u == user)
            {
                push_new(&mut contexts, name);
                if let Some(cluster) = context.pointer("/context/cluster").and_then(Value::as_str) {
                    push_new(&mut used_clusters, cluster);
                }
            }
        }
        // A cluster entry another (surviving) context still uses is left alone.
        let still_used = |cluster: &str| {
            entries(doc, "contexts").iter().any(|c| {
                entry_name(c).is_some_and(|n| !contexts.iter().any(|r| r == n))
                    && c.pointer("/context/cluster").and_then(Value::as_str) == Some(cluster)
            })
        };
        for cluster in used_clusters {
            if !still_used(&cluster) {
                push_new(&mut clusters, &cluster);
            }
        }
    }
    let mut removed = Removed {
        clusters: take_out(doc, "clusters", &clusters),
        users: take_out(doc, "users", &users),
        contexts: take_out(doc, "contexts", &contexts),
        current_context_cleared: false,
    };
    if let Value::Object(map) = doc {
        let current = map.get("current-context").and_then(Value::as_str);
        if current.is_some_and(|c| removed.contexts.iter().any(|r| r == c)) {
            map.insert("current-context".into(), "".into());
            removed.current_context_cleared = true;
        }
    }
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
    let entry = json!({ "name": name, field: value });
    match position {
        Some(i) => {
            items[i] = entry;
            let mut index = 0;
            items.retain(|e| {
                index += 1;
                index - 1 <= i || entry_name(e) != Some(name)
            });
        }
        None => items.push(entry),
    }
}

/// Removes the entries with these names; returns the names actually found, in file order.
fn take_out(doc: &mut Value, key: &str, names: &[String]) -> Vec<String> {
    let Some(Value::Array(items)) = doc.get_mut(key) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    items.retain(|e| match entry_name(e) {
        Some(name) if names.iter().any(|n| n == name) => {
            push_new(&mut found, name);
            false
        }
        _ => true,
    });
    found
}

/// kubectl's rule: the first non-empty path in `$KUBECONFIG`, else `~/.kube/config`.
pub fn default_path() -> Result<PathBuf> {
    path_from(std::env::var_os("KUBECONFIG"), dirs::home_dir())
}

fn path_from(kubeconfig: Option<OsString>, home: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(first) = kubeconfig
        .as_deref()
        .and_then(|v| std::env::split_paths(v).find(|p| !p.as_os_str().is_empty()))
    {
        return Ok(first);
    }
    home.map(|h| h.join(".kube").join("config"))
        .ok_or_else(|| Error::Kubeconfig {
            path: PathBuf::from("~/.kube/config"),
            reason: "no home directory: set HOME or KUBECONFIG".into(),
        })
}

/// Where writes really go: a symlinked kubeconfig is written at its target, as kubectl does,
/// rather than replaced by a file.
pub fn resolve_target(path: &Path) -> PathBuf {
    if let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    // A dangling symlink: write where it points.
    match fs::read_link(path) {
        Ok(target) => path.parent().unwrap_or(Path::new("")).join(target),
        Err(_) => path.to_path_buf(),
    }
}

/// A kubeconfig as read from disk.
#[derive(Debug)]
pub struct Loaded {
    pub doc: Value,
    /// Permission bits of the existing file; `None` when there was none.
    pub mode: Option<u32>,
}

/// Reads and parses the file; a missing or empty one is an empty config.
pub fn load(path: &Path) -> Result<Loaded> {
    let failed = |reason: String| Error::Kubeconfig {
        path: path.to_path_buf(),
        reason,
    };
    let text = match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| failed("it is not UTF-8 text; fix it or point KUBECONFIG at another file (it was left untouched)".into()))?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Loaded {
                doc: empty(),
                mode: None,
            });
        }
        Err(err) => return Err(failed(format!("cannot read it: {err}"))),
    };
    let mode = fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777);
    let doc = parse(&text).map_err(|reason| {
        failed(format!(
            "{reason}; fix it, or point KUBECONFIG at another file (it was left untouched)"
        ))
    })?;
    Ok(Loaded { doc, mode })
}

/// Replaces the file atomically with `text`, mode 0600 (it holds cluster endpoints and, for other
/// tools' users, secrets), creating a missing folder 0700. Returns the old mode when it was looser
/// than 0600, for the caller to report.
pub fn write(path: &Path, text: &str, old_mode: Option<u32>) -> Result<Option<u32>> {
    let failed = |what: &str, err: std::io::Error| Error::Kubeconfig {
        path: path.to_path_buf(),
        reason: format!("cannot {what}: {err}"),
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|err| failed(&format!("create its folder {}", dir.display()), err))?;
    }
    atomic_file::replace(path, ".doks-auth-kubeconfig-", text.as_bytes())
        .map_err(|err| failed("replace it", err))?;
    debug!("kubeconfig: wrote {}", path.display());
    Ok(old_mode.filter(|m| m & 0o077 != 0))
}

/// kubectl's own lock: `<file>.lock`, created exclusively and removed when done, so doks-auth
/// and `kubectl config` never interleave their read-modify-write of the same file.
pub struct FileLock(PathBuf);

impl FileLock {
    pub fn acquire(path: &Path) -> Result<Self> {
        let mut lock = path.as_os_str().to_owned();
        lock.push(".lock");
        let lock = PathBuf::from(lock);
        if let Some(dir) = lock
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|err| Error::Kubeconfig {
                    path: path.to_path_buf(),
                    reason: format!("cannot create its folder {}: {err}", dir.display()),
                })?;
        }
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&lock)
        {
            Ok(_) => Ok(FileLock(lock)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Kubeconfig {
                path: path.to_path_buf(),
                reason: format!(
                    "it is locked by another program ({} exists); try again, or remove that file if no kubectl is running",
                    lock.display()
                ),
            }),
            Err(err) => Err(Error::Kubeconfig {
                path: path.to_path_buf(),
                reason: format!("cannot create the lock file {}: {err}", lock.display()),
            }),
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

    fn entries(alias: Option<&str>) -> Entries {
        Entries {
            names: Names::new("nyc1", "prod", alias),
            server: "https://bd5f.k8s.ondigitalocean.com".into(),
            certificate_authority_data: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t".repeat(8),
            command: "/usr/local/bin/doks-auth".into(),
            args: vec!["get-credential".into(), "--cluster-id".into(), ID.into()],
        }
    }

    const EXISTING: &str = r#"apiVersion: v1
kind: Config
clusters:
- name: minikube
  cluster:
    server: https://192.168.49.2:8443
    certificate-authority: /home/u/.minikube/ca.crt
    extensions:
    - name: cluster_info
      extension:
        provider: minikube.sigs.k8s.io
- name: do-nyc1-prod
  cluster:
    server: https://old.example
    insecure-skip-tls-verify: true
users:
- name: minikube
  user:
    client-certificate: /home/u/.minikube/client.crt
- name: do-nyc1-prod-admin
  user:
    token: old-token
contexts:
- name: minikube
  context:
    cluster: minikube
    user: minikube
    namespace: default
- name: do-nyc1-prod
  context:
    cluster: do-nyc1-prod
    user: do-nyc1-prod-admin
    namespace: web
current-context: minikube
preferences:
  colors: true
x-custom-tool:
  setting: 1
"#;

    fn names_in(doc: &Value, key: &str) -> Vec<String> {
        super::entries(doc, key)
            .iter()
            .filter_map(entry_name)
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn names_follow_doctl() {
        let names = Names::new("nyc1", "prod", None);
        assert_eq!(names.cluster, "do-nyc1-prod");
        assert_eq!(names.user, "do-nyc1-prod-admin");
        assert_eq!(names.context, "do-nyc1-prod");
        assert_eq!(Names::new("nyc1", "prod", Some("p")).context, "p");
    }

    #[test]
    fn merge_into_empty_gives_a_complete_config() {
        let doc = standalone(&entries(None));
        let yaml = to_yaml(&doc).unwrap();
        let back = parse(&yaml).unwrap();
        assert_eq!(back, doc);
        assert_eq!(doc["current-context"], "do-nyc1-prod");
        assert_eq!(doc["apiVersion"], "v1");
        assert_eq!(doc["kind"], "Config");
        let exec = &doc["users"][0]["user"]["exec"];
        assert_eq!(exec["apiVersion"], EXEC_API_VERSION);
        assert_eq!(exec["interactiveMode"], "Never");
        assert_eq!(exec["command"], "/usr/local/bin/doks-auth");
        assert_eq!(exec["args"], json!(["get-credential", "--cluster-id", ID]));
        assert_eq!(exec["installHint"], INSTALL_HINT);
        assert_eq!(
            doc["clusters"][0]["cluster"]["certificate-authority-data"],
            entries(None).certificate_authority_data
        );
        assert_eq!(
            doc["contexts"][0]["context"],
            json!({"cluster": "do-nyc1-prod", "user": "do-nyc1-prod-admin"})
        );
        // Long base64 stays on one plain line; the hint is a literal block.
        assert!(yaml.contains(&format!(
            "certificate-authority-data: {}\n",
            entries(None).certificate_authority_data
        )));
        assert!(yaml.contains("installHint: |\n"), "{yaml}");
    }

    #[test]
    fn merge_replaces_same_named_entries_and_keeps_the_rest() {
        let mut doc = parse(EXISTING).unwrap();
        merge(&mut doc, &entries(None), true);
        assert_eq!(names_in(&doc, "clusters"), ["minikube", "do-nyc1-prod"]);
        assert_eq!(names_in(&doc, "users"), ["minikube", "do-nyc1-prod-admin"]);
        assert_eq!(names_in(&doc, "contexts"), ["minikube", "do-nyc1-prod"]);
        // Ours replaced whole: no stale token or insecure flag left behind.
        assert_eq!(
            doc["clusters"][1]["cluster"],
            json!({"server": "https://bd5f.k8s.ondigitalocean.com",
                   "certificate-authority-data": entries(None).certificate_authority_data})
        );
        assert!(doc["users"][1]["user"].get("token").is_none());
        // The context keeps its namespace.
        assert_eq!(doc["contexts"][1]["context"]["namespace"], "web");
        assert_eq!(doc["current-context"], "do-nyc1-prod");
        // Unrelated entries and unknown fields are untouched.
        let original = parse(EXISTING).unwrap();
        assert_eq!(doc["clusters"][0], original["clusters"][0]);
        assert_eq!(doc["users"][0], original["users"][0]);
        assert_eq!(doc["contexts"][0], original["contexts"][0]);
        assert_eq!(doc["preferences"], json!({"colors": true}));
        assert_eq!(doc["x-custom-tool"], json!({"setting": 1}));
    }

    #[test]
    fn merge_appends_new_entries_and_can_leave_current_context() {
        let mut doc = parse(EXISTING).unwrap();
        merge(&mut doc, &entries(Some("prod")), false);
        merge(&mut doc, &entries(Some("prod")), false);
        assert_eq!(
            names_in(&doc, "contexts"),
            ["minikube", "do-nyc1-prod", "prod"]
        );
        assert_eq!(doc["current-context"], "minikube");
        assert_eq!(names_in(&doc, "clusters").len(), 2);
    }

    #[test]
    fn saving_twice_gives_the_same_bytes() {
        for start in [
            EXISTING,
            "",
            "apiVersion: v1\nkind: Config\nclusters:\nusers: null\n",
        ] {
            let mut doc = parse(start).unwrap();
            merge(&mut doc, &entries(None), true);
            let once = to_yaml(&doc).unwrap();
            let mut again = parse(&once).unwrap();
            merge(&mut again, &entries(None), true);
            assert_eq!(to_yaml(&again).unwrap(), once);
        }
    }

    #[test]
    fn duplicate_entries_collapse_into_one() {
        let text = "clusters:\n- name: do-nyc1-prod\n  cluster: {server: a}\n- name: other\n  cluster: {server: b}\n- name: do-nyc1-prod\n  cluster: {server: c}\n";
        let mut doc = parse(text).unwrap();
        merge(&mut doc, &entries(None), true);
        assert_eq!(names_in(&doc, "clusters"), ["do-nyc1-prod", "other"]);
    }

    #[test]
    fn parse_rejects_non_kubeconfigs_without_quoting_them() {
        assert_eq!(parse("").unwrap(), empty());
        assert_eq!(parse("# just a comment\n").unwrap(), empty());
        let err = parse("users: [\n  token: dop_v1_secret").unwrap_err();
        assert!(err.starts_with("it is not valid YAML"), "{err}");
        assert!(!err.contains("dop_v1"), "{err}");
        assert!(parse("- a\n- b\n").unwrap_err().contains("not a mapping"));
        assert!(parse("users: {a: 1}\n").unwrap_err().contains("\"users\""));
    }

    #[test]
    fn remove_takes_out_only_the_named_entries() {
        let mut doc = parse(EXISTING).unwrap();
        merge(&mut doc, &entries(None), true);
        let removed = remove(&mut doc, Some(&Names::new("nyc1", "prod", None)), None);
        assert_eq!(removed.clusters, ["do-nyc1-prod"]);
        assert_eq!(removed.users, ["do-nyc1-prod-admin"]);
        assert_eq!(removed.contexts, ["do-nyc1-prod"]);
        assert!(removed.current_context_cleared);
        assert_eq!(doc["current-context"], "");
        let mut expected = parse(EXISTING).unwrap();
        for key in ["clusters", "users", "contexts"] {
            list(&mut expected, key).truncate(1);
        }
        expected["current-context"] = "".into();
        assert_eq!(doc, expected);
        // Nothing left to remove the second time.
        let again = remove(&mut doc, Some(&Names::new("nyc1", "prod", None)), None);
        assert!(again.is_empty());
        assert!(!again.current_context_cleared);
    }

    #[test]
    fn remove_keeps_current_context_when_it_is_another() {
        let mut doc = parse(EXISTING).unwrap();
        let removed = remove(&mut doc, Some(&Names::new("nyc1", "prod", None)), None);
        assert!(!removed.is_empty());
        assert!(!removed.current_context_cleared);
        assert_eq!(doc["current-context"], "minikube");
    }

    #[test]
    fn remove_by_id_finds_entries_under_any_name() {
        let mut doc = parse(EXISTING).unwrap();
        merge(&mut doc, &entries(Some("renamed")), true);
        // A doctl-written user for the same cluster, sharing the minikube cluster entry (which
        // must survive, since minikube's context still uses it).
        list(&mut doc, "users").push(json!({"name": "doctl-user", "user": {"exec": {
            "command": "doctl", "args": ["kubernetes", "cluster", "kubeconfig", "exec-credential", ID.to_uppercase()]}}}));
        list(&mut doc, "contexts").push(json!({"name": "doctl-ctx",
            "context": {"cluster": "minikube", "user": "doctl-user"}}));
        let removed = remove(&mut doc, None, Some(ID));
        assert_eq!(removed.users, ["do-nyc1-prod-admin", "doctl-user"]);
        assert_eq!(removed.contexts, ["do-nyc1-prod", "renamed", "doctl-ctx"]);
        assert_eq!(removed.clusters, ["do-nyc1-prod"]);
        assert!(removed.current_context_cleared);
        assert_eq!(names_in(&doc, "clusters"), ["minikube"]);
        assert_eq!(names_in(&doc, "users"), ["minikube"]);
        assert_eq!(names_in(&doc, "contexts"), ["minikube"]);
    }

    #[test]
    fn remove_by_id_ignores_other_clusters() {
        let mut doc = parse(EXISTING).unwrap();
        merge(&mut doc, &entries(None), true);
        let before = doc.clone();
        let removed = remove(&mut doc, None, Some("00000000-0000-0000-0000-000000000000"));
        assert!(removed.is_empty());
        assert_eq!(doc, before);
    }

    #[test]
    fn path_follows_kubectl() {
        let home = Some(PathBuf::from("/home/u"));
        assert_eq!(
            path_from(None, home.clone()).unwrap(),
            PathBuf::from("/home/u/.kube/config")
        );
        assert_eq!(
            path_from(Some("".into()), home.clone()).unwrap(),
            PathBuf::from("/home/u/.kube/config")
        );
        assert_eq!(
            path_from(Some("::/a/one:/a/two".into()), home.clone()).unwrap(),
            PathBuf::from("/a/one")
        );
        assert!(path_from(None, None).is_err());
    }

    #[test]
    fn write_is_private_and_follows_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real-config");
        fs::write(&real, "apiVersion: v1\n").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o644)).unwrap();
        let link = tmp.path().join("kube").join("config");
        fs::create_dir(tmp.path().join("kube")).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();

        let target = resolve_target(&link);
        assert_eq!(target, fs::canonicalize(&real).unwrap());
        let loaded = load(&target).unwrap();
        assert_eq!(loaded.mode, Some(0o644));
        let loosened = write(&target, "kind: Config\n", loaded.mode).unwrap();
        assert_eq!(loosened, Some(0o644));
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&link).unwrap(), "kind: Config\n");
        assert_eq!(fs::metadata(&real).unwrap().mode() & 0o777, 0o600);
        assert_eq!(write(&target, "kind: Config\n", Some(0o600)).unwrap(), None);
    }

    #[test]
    fn write_creates_a_private_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(".kube").join("config");
        assert_eq!(load(&path).unwrap().doc, empty());
        write(&path, "kind: Config\n", None).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join(".kube")), 0o700);
    }

    #[test]
    fn unparsable_file_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config");
        fs::write(&path, "users: [\n token: dop_v1_secret\n").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("left untouched"), "{err}");
        assert!(!err.contains("dop_v1"), "{err}");
    }

    #[test]
    fn lock_is_exclusive_and_released() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config");
        let held = FileLock::acquire(&path).unwrap();
        assert!(tmp.path().join("config.lock").exists());
        let err = FileLock::acquire(&path).err().unwrap().to_string();
        assert!(err.contains("locked"), "{err}");
        drop(held);
        assert!(!tmp.path().join("config.lock").exists());
        FileLock::acquire(&path).unwrap();
    }
}
