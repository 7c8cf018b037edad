use super::*;

const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

fn entries(alias: Option<&str>) -> Entries {
    Entries {
        names: Names::new("nyc1", "prod", alias),
        server: "https://bd5f.k8s.ondigitalocean.com".into(),
        certificate_authority_data: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t".repeat(8),
        command: "/usr/local/bin/doks-auth".into(),
        stanza: Stanza {
            cluster_id: ID.into(),
            ..Stanza::default()
        },
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
    token: dop_v1_0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a
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
    let yaml = to_yaml(&doc);
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
        let once = rewrite(start, &doc).unwrap();
        let mut again = parse(&once).unwrap();
        merge(&mut again, &entries(None), true);
        assert_eq!(again, doc);
        assert_eq!(rewrite(&once, &again).unwrap(), once);
    }
}

#[test]
fn duplicate_names_are_refused_as_kubectl_refuses_them() {
    let text = "clusters:\n- name: do-nyc1-prod\n  cluster: {server: a}\n- name: other\n  cluster: {server: b}\n- name: do-nyc1-prod\n  cluster: {server: c}\n";
    let err = parse(text).unwrap_err();
    assert!(err.contains("cluster \"do-nyc1-prod\" twice"), "{err}");
    // A missing name and `name: ~` are both "" to kubectl.
    let err = parse("users:\n- user: {}\n- name: ~\n").unwrap_err();
    assert!(err.contains("user \"\" twice"), "{err}");
    assert!(parse("contexts:\n- name: a\n- name: b\n- {}\n").is_ok());
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
        &Whose {
            id: ID,
            server: Some("https://bd5f.k8s.ondigitalocean.com"),
        },
    );
    assert_eq!(removed.clusters, ["do-nyc1-prod"]);
    assert_eq!(removed.users, ["do-nyc1-prod-admin"]);
    assert_eq!(removed.contexts, ["do-nyc1-prod"]);
    assert!(removed.current_changed);
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
        &Whose {
            id: ID,
            server: Some("https://bd5f.k8s.ondigitalocean.com"),
        },
    );
    assert!(again.is_empty());
    assert!(!again.current_changed);
}

#[test]
fn remove_keeps_current_context_when_it_is_another() {
    let mut doc = parse(EXISTING).unwrap();
    let removed = remove(
        std::slice::from_mut(&mut doc),
        Some(&Names::new("nyc1", "prod", None)),
        &Whose {
            id: ID,
            server: Some("https://old.example"),
        },
    );
    assert!(!removed.is_empty());
    assert!(!removed.current_changed);
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
    // The server as DigitalOcean gives it: a cluster entry reached through a context is this
    // cluster's only by it.
    let whose = Whose {
        id: ID,
        server: Some("https://bd5f.k8s.ondigitalocean.com"),
    };
    let removed = remove(std::slice::from_mut(&mut doc), None, &whose);
    assert_eq!(removed.users, ["do-nyc1-prod-admin"]);
    assert_eq!(removed.contexts, ["do-nyc1-prod", "renamed"]);
    assert_eq!(removed.clusters, ["do-nyc1-prod"]);
    assert!(removed.current_changed);
    // doctl-ctx pairs minikube with doctl's user, which neither tool writes: someone's own
    // context, kept with the user it uses.
    assert_eq!(removed.foreign[0].name, "doctl-ctx");
    assert_eq!(names_in(&doc, "clusters"), ["minikube"]);
    assert_eq!(names_in(&doc, "users"), ["minikube", "doctl-user"]);
    assert_eq!(names_in(&doc, "contexts"), ["minikube", "doctl-ctx"]);
}

#[test]
fn save_across_files_edits_where_defined_and_adds_to_the_default() {
    let defines_user = parse("users:\n- name: do-nyc1-prod-admin\n  user: {token: old}\n").unwrap();
    let sets_current = parse("current-context: other\n").unwrap();
    let mut docs = vec![empty(), defines_user, sets_current.clone()];
    save(&mut docs, 0, &entries(None), true);
    assert_eq!(names_in(&docs[0], "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names_in(&docs[0], "contexts"), ["do-nyc1-prod"]);
    assert!(names_in(&docs[0], "users").is_empty());
    assert_eq!(names_in(&docs[1], "users"), ["do-nyc1-prod-admin"]);
    assert!(docs[1]["users"][0]["user"].get("token").is_none());
    // As `kubectl config use-context` does: into the default file, which kubectl reads first.
    assert_eq!(docs[0]["current-context"], "do-nyc1-prod");
    assert_eq!(docs[2]["current-context"], "other");
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
    let removed = remove(
        &mut docs,
        None,
        &(Whose {
            id: ID,
            server: Some("https://bd5f.k8s.ondigitalocean.com"),
        }),
    );
    assert_eq!(removed.users, ["do-nyc1-prod-admin"]);
    assert_eq!(removed.contexts, ["renamed"]);
    assert_eq!(removed.clusters, ["do-nyc1-prod"]);
    assert!(removed.current_changed);
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
        &(Whose {
            id: "00000000-0000-0000-0000-000000000000",
            server: None,
        }),
    );
    assert!(removed.is_empty());
    assert_eq!(doc, before);
}

#[test]
fn remove_keeps_a_cluster_or_user_another_context_uses() {
    let mut doc = parse(EXISTING).unwrap();
    merge(&mut doc, &entries(None), true);
    list(&mut doc, "contexts").push(json!({"name": "prod-readonly",
        "context": {"cluster": "do-nyc1-prod", "user": "readonly"}}));
    list(&mut doc, "contexts").push(json!({"name": "web",
        "context": {"cluster": "minikube", "user": "do-nyc1-prod-admin"}}));
    let names = Names::new("nyc1", "prod", None);
    // The names' own definitions, without the walk by id (which would take `web` too).
    let targets = super::ownership::owned(
        std::slice::from_ref(&doc),
        &names,
        ID,
        Some("https://bd5f.k8s.ondigitalocean.com"),
    );
    let removed = super::remove::take(
        std::slice::from_mut(&mut doc),
        targets.into_iter().collect(),
    );
    assert_eq!(removed.contexts, ["do-nyc1-prod"]);
    assert!(removed.clusters.is_empty() && removed.users.is_empty());
    let kept = |kind, name: &str, context: &str| Kept {
        kind,
        name: name.into(),
        context: context.into(),
        file: 0,
        context_file: 0,
    };
    assert_eq!(
        removed.kept,
        [
            kept("cluster", "do-nyc1-prod", "prod-readonly"),
            kept("user", "do-nyc1-prod-admin", "web")
        ]
    );
    assert_eq!(names_in(&doc, "clusters"), ["minikube", "do-nyc1-prod"]);
    assert_eq!(names_in(&doc, "users"), ["minikube", "do-nyc1-prod-admin"]);
}

#[test]
fn remove_by_id_leaves_a_cluster_entry_whose_server_is_not_the_clusters() {
    let mut doc = empty();
    merge(&mut doc, &entries(None), true);
    // DigitalOcean no longer knows the cluster, and this server does not name its id.
    let whose = Whose {
        id: ID,
        server: None,
    };
    let removed = remove(std::slice::from_mut(&mut doc), None, &whose);
    assert_eq!(removed.users, ["do-nyc1-prod-admin"]);
    assert_eq!(removed.contexts, ["do-nyc1-prod"]);
    assert!(removed.clusters.is_empty());
    assert_eq!(names_in(&doc, "clusters"), ["do-nyc1-prod"]);
}

#[test]
fn a_removal_of_any_one_kind_is_not_empty() {
    let one = |kind: usize| {
        let mut removed = Removed::default();
        [
            &mut removed.clusters,
            &mut removed.users,
            &mut removed.contexts,
        ][kind]
            .push("x".into());
        removed
    };
    assert!(Removed::default().is_empty());
    for kind in 0..3 {
        assert!(!one(kind).is_empty(), "{kind}");
    }
}
