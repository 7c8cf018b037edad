//! The kubeconfig: doks-auth's entries in it, how they are merged in and taken out, and
//! ([`files`]) the files themselves, handled the way kubectl handles them.
//!
//! A kubeconfig is handled as a generic YAML tree ([`serde_json::Value`], see [`yaml`]), not as
//! typed structs, so every field doks-auth does not know (preferences, extensions, other tools'
//! users) survives a save untouched. Keys come out sorted, as `kubectl config` itself writes
//! them, so saving twice gives the same bytes.

pub mod files;
pub mod yaml;

use serde_json::{Map, Value, json};

pub use yaml::{parse, to_yaml};

/// The exec API version written into the user entry; v1 needs `interactiveMode`.
pub const EXEC_API_VERSION: &str = "client.authentication.k8s.io/v1";

/// Shown by kubectl when the exec command cannot be found.
pub const INSTALL_HINT: &str =
    "doks-auth is needed to get credentials for this DigitalOcean Kubernetes cluster.
Install doks-auth (see its README: cargo install --locked --path . from a checkout) and make
sure it is on PATH, then run `doks-auth kubeconfig save <cluster>` again so the kubeconfig
points at it.
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
    /// Whether the command may log in (SSO): then kubectl is told it may use the terminal.
    pub interactive: bool,
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
                // v1 requires the field. A token never prompts. An SSO login needs no stdin
                // (a browser or a device code), so IfAvailable: `Always` would make kubectl
                // refuse to run it without a terminal (Lens, k9s, CI).
                "interactiveMode": if self.interactive { "IfAvailable" } else { "Never" },
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

/// The three kinds of named entry doks-auth writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
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

/// The `current-context`, when set.
fn current_context(doc: &Value) -> Option<&str> {
    doc.get("current-context")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
}

fn set_current_context(doc: &mut Value, name: &str) {
    top(doc).insert("current-context".into(), name.into());
}

/// Adds or replaces one of the cluster's entries, leaving every other entry where it is. A
/// same-named context keeps its other fields (a namespace, say); a same-named cluster or user is
/// replaced whole, since doks-auth owns what is in it.
fn put(doc: &mut Value, kind: Kind, entries: &Entries) {
    let names = &entries.names;
    upsert(
        doc,
        kind.list(),
        kind.field(),
        kind.name(names),
        |old| match kind {
            Kind::Cluster => entries.cluster(),
            Kind::User => entries.user(),
            Kind::Context => {
                let mut context = match old {
                    Some(Value::Object(map)) => map.clone(),
                    _ => Map::new(),
                };
                context.insert("cluster".into(), names.cluster.clone().into());
                context.insert("user".into(), names.user.clone().into());
                Value::Object(context)
            }
        },
    );
}

/// Saves the cluster's entries into the documents of the files kubectl reads (`docs`, in
/// `KUBECONFIG` order), by kubectl's rules: an entry is edited in the first file that defines
/// it, a new one goes to `default`; `current-context` goes to the first file that sets one, else
/// to `default`. A document left as it was needs no writing.
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
        let index = docs
            .iter()
            .position(|doc| current_context(doc).is_some())
            .unwrap_or(default);
        set_current_context(&mut docs[index], &entries.names.context);
    }
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

/// The names of the entries to remove, decided over every file kubectl reads together: a
/// context in one file may use a user or cluster defined in another.
struct Targets {
    clusters: Vec<String>,
    users: Vec<String>,
    contexts: Vec<String>,
}

/// The entries named in `names`, and, when `cluster_id` is given, every user whose exec args name
/// that cluster id, the contexts using them, and the clusters only those contexts used — so a
/// cluster deleted at DigitalOcean (whose names can no longer be looked up) can still be removed.
fn removal_targets(docs: &[Value], names: Option<&Names>, cluster_id: Option<&str>) -> Targets {
    let all = |key: &'static str| docs.iter().flat_map(move |doc| entries(doc, key).iter());
    let mut users: Vec<String> = names.iter().map(|n| n.user.clone()).collect();
    let mut contexts: Vec<String> = names.iter().map(|n| n.context.clone()).collect();
    let mut clusters: Vec<String> = names.iter().map(|n| n.cluster.clone()).collect();
    if let Some(id) = cluster_id {
        for user in all("users") {
            let runs_for_id = user
                .pointer("/user/exec/args")
                .and_then(Value::as_array)
                .is_some_and(|args| args.iter().any(|a| names_cluster_id(a, id)));
            if let Some(name) = entry_name(user).filter(|_| runs_for_id) {
                push_new(&mut users, name);
            }
        }
        let mut used_clusters = Vec::new();
        for context in all("contexts") {
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
            all("contexts").any(|c| {
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
    Targets {
        clusters,
        users,
        contexts,
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
    };
    if current_context(doc).is_some_and(|c| targets.contexts.iter().any(|r| r == c)) {
        set_current_context(doc, "");
        removed.current_context_cleared = true;
    }
    removed
}

/// Removes the cluster's entries from every document of the files kubectl reads: those named in
/// `names`, and, with `cluster_id`, those found by the id (see [`removal_targets`]).
pub fn remove(docs: &mut [Value], names: Option<&Names>, cluster_id: Option<&str>) -> Removed {
    let targets = removal_targets(docs, names, cluster_id);
    let mut removed = Removed::default();
    for doc in docs {
        removed.absorb(take_out_targets(doc, &targets));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

    fn entries(alias: Option<&str>) -> Entries {
        Entries {
            names: Names::new("nyc1", "prod", alias),
            server: "https://bd5f.k8s.ondigitalocean.com".into(),
            certificate_authority_data: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t".repeat(8),
            command: "/usr/local/bin/doks-auth".into(),
            args: vec!["get-credential".into(), "--cluster-id".into(), ID.into()],
            interactive: false,
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
        let removed = remove(
            std::slice::from_mut(&mut doc),
            Some(&Names::new("nyc1", "prod", None)),
            None,
        );
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
        let again = remove(
            std::slice::from_mut(&mut doc),
            Some(&Names::new("nyc1", "prod", None)),
            None,
        );
        assert!(again.is_empty());
        assert!(!again.current_context_cleared);
    }

    #[test]
    fn remove_keeps_current_context_when_it_is_another() {
        let mut doc = parse(EXISTING).unwrap();
        let removed = remove(
            std::slice::from_mut(&mut doc),
            Some(&Names::new("nyc1", "prod", None)),
            None,
        );
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
        let removed = remove(std::slice::from_mut(&mut doc), None, Some(ID));
        assert_eq!(removed.users, ["do-nyc1-prod-admin", "doctl-user"]);
        assert_eq!(removed.contexts, ["do-nyc1-prod", "renamed", "doctl-ctx"]);
        assert_eq!(removed.clusters, ["do-nyc1-prod"]);
        assert!(removed.current_context_cleared);
        assert_eq!(names_in(&doc, "clusters"), ["minikube"]);
        assert_eq!(names_in(&doc, "users"), ["minikube"]);
        assert_eq!(names_in(&doc, "contexts"), ["minikube"]);
    }

    #[test]
    fn save_across_files_edits_where_defined_and_adds_to_the_default() {
        let defines_user =
            parse("users:\n- name: do-nyc1-prod-admin\n  user: {token: old}\n").unwrap();
        let sets_current = parse("current-context: other\n").unwrap();
        let mut docs = vec![empty(), defines_user, sets_current.clone()];
        save(&mut docs, 0, &entries(None), true);
        assert_eq!(names_in(&docs[0], "clusters"), ["do-nyc1-prod"]);
        assert_eq!(names_in(&docs[0], "contexts"), ["do-nyc1-prod"]);
        assert!(names_in(&docs[0], "users").is_empty());
        assert_eq!(names_in(&docs[1], "users"), ["do-nyc1-prod-admin"]);
        assert!(docs[1]["users"][0]["user"].get("token").is_none());
        assert_eq!(docs[0]["current-context"], "");
        assert_eq!(docs[2]["current-context"], "do-nyc1-prod");
        // Without --set-current-context the third file is not touched at all.
        let mut docs = vec![empty(), sets_current.clone()];
        save(&mut docs, 1, &entries(None), false);
        assert_eq!(names_in(&docs[1], "users"), ["do-nyc1-prod-admin"]);
        assert_eq!(docs[0], empty());
    }

    #[test]
    fn remove_across_files_follows_contexts_to_users_in_other_files() {
        let mut first = empty();
        merge(&mut first, &entries(Some("renamed")), true);
        // The user lives in another file than the context that uses it.
        let mut second = empty();
        list(&mut second, "users").append(list(&mut first, "users"));
        let mut docs = vec![first, second];
        let removed = remove(&mut docs, None, Some(ID));
        assert_eq!(removed.users, ["do-nyc1-prod-admin"]);
        assert_eq!(removed.contexts, ["renamed"]);
        assert_eq!(removed.clusters, ["do-nyc1-prod"]);
        assert!(removed.current_context_cleared);
        for doc in &docs {
            for key in ["clusters", "users", "contexts"] {
                assert!(names_in(doc, key).is_empty(), "{key} left in {doc}");
            }
        }
    }

    #[test]
    fn remove_by_id_ignores_other_clusters() {
        let mut doc = parse(EXISTING).unwrap();
        merge(&mut doc, &entries(None), true);
        let before = doc.clone();
        let removed = remove(
            std::slice::from_mut(&mut doc),
            None,
            Some("00000000-0000-0000-0000-000000000000"),
        );
        assert!(removed.is_empty());
        assert_eq!(doc, before);
    }
}
