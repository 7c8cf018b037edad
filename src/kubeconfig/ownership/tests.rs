use serde_json::{Value, json};

use super::*;
use crate::kubeconfig::Stanza;

const A: &str = "bd5f5959-5e1e-4205-a714-a914373942af";
const B: &str = "7c0ad6a5-31b5-4c29-9a2e-0d2bfbd0c1a7";

/// Cluster `id`'s entries as `save` builds them, under doctl's names for prod in nyc1.
fn ours(id: &str) -> Entries {
    Entries {
        names: Names::new("nyc1", "prod", None),
        server: format!("https://{id}.k8s.ondigitalocean.com"),
        certificate_authority_data: "LS0t".into(),
        command: "/usr/local/bin/doks-auth".into(),
        stanza: Stanza {
            cluster_id: id.into(),
            ..Stanza::default()
        },
    }
}

/// A kubeconfig holding cluster `id` saved under `names`.
fn saved(id: &str, names: &Names) -> Value {
    let mut doc = crate::kubeconfig::empty();
    let mut entries = ours(id);
    entries.names = names.clone();
    crate::kubeconfig::merge(&mut doc, &entries, true);
    doc
}

#[test]
fn the_same_cluster_keeps_its_names_and_a_new_one_takes_free_ones() {
    let usual = Names::new("nyc1", "prod", None);
    let doc = saved(A, &usual);
    assert_eq!(
        own_names(std::slice::from_ref(&doc), &ours(A), None).unwrap(),
        usual
    );
    assert_eq!(own_names(&[], &ours(B), None).unwrap(), usual);
    // An alias, with the usual names free, renames only the context (as doctl's does).
    let mut aliased = ours(A);
    aliased.names = Names::new("nyc1", "prod", Some("p"));
    assert_eq!(
        own_names(&[doc], &aliased, Some("p")).unwrap(),
        aliased.names
    );
}

#[test]
fn another_clusters_entries_are_never_taken_over() {
    let doc = saved(A, &Names::new("nyc1", "prod", None));
    let err = own_names(std::slice::from_ref(&doc), &ours(B), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "the cluster entry \"do-nyc1-prod\" belongs to another cluster (server https://bd5f"
        ) && err.contains("nothing was changed")
            && err.contains("--alias NAME"),
        "{err}"
    );
    // With --alias, all three get names of their own; saving again with it finds them.
    let names = own_names(std::slice::from_ref(&doc), &ours(B), Some("prod-b")).unwrap();
    assert_eq!(names, Names::aliased("prod-b"));
    assert_eq!(
        (names.user.as_str(), names.cluster.as_str()),
        ("prod-b-admin", "prod-b")
    );
    let mut both = doc;
    let mut b = ours(B);
    b.names = names.clone();
    crate::kubeconfig::merge(&mut both, &b, false);
    assert_eq!(
        own_names(std::slice::from_ref(&both), &ours(B), Some("prod-b")).unwrap(),
        names
    );
    // A third team's prod: an alias already another cluster's is refused too.
    let c = "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
    let err = own_names(&[both], &ours(c), Some("prod-b"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"prod-b\"") && err.contains("another --alias"),
        "{err}"
    );
}

#[test]
fn each_kind_of_entry_is_judged_by_what_it_points_at() {
    let usual = Names::new("nyc1", "prod", None);
    // Only the user is another cluster's (a doctl stanza for B).
    let mut doc = saved(A, &usual);
    doc["clusters"] = json!([]);
    doc["users"][0]["user"] = json!({"exec": {"command": "doctl", "args":
        ["kubernetes", "cluster", "kubeconfig", "exec-credential", "--version=v1beta1", B]}});
    let err = own_names(&[doc], &ours(A), None).unwrap_err().to_string();
    assert!(
        err.contains("user entry \"do-nyc1-prod-admin\"") && err.contains(B),
        "{err}"
    );
    // Only the context: it points at a cluster entry of another server.
    let mut doc = saved(A, &usual);
    doc["users"] = json!([]);
    doc["contexts"][0]["context"]["cluster"] = json!("other");
    doc["clusters"] = json!([{"name": "other", "cluster": {"server": "https://10.0.0.1:6443"}}]);
    let err = own_names(&[doc], &ours(A), None).unwrap_err().to_string();
    assert!(err.contains("context entry \"do-nyc1-prod\""), "{err}");
    // A DigitalOcean token says nothing of its cluster: it is not another's.
    let mut doc = saved(A, &usual);
    doc["users"][0]["user"] = json!({ "token": format!("dop_v1_{}", "0a".repeat(32)) });
    assert!(own_names(&[doc], &ours(A), None).is_ok());
}

#[test]
fn kubectl_reads_the_first_file_that_defines_a_name() {
    let usual = Names::new("nyc1", "prod", None);
    let first = saved(A, &usual);
    let second = saved(B, &usual);
    assert!(own_names(&[first.clone(), second.clone()], &ours(A), None).is_ok());
    assert!(own_names(&[second, first], &ours(A), None).is_err());
}

#[test]
fn a_user_names_its_cluster_in_either_form() {
    let user = |args: Value| json!({"name": "u", "user": {"exec": {"args": args}}});
    assert_eq!(
        user_cluster_id(&user(json!(["get-credential", "--cluster-id", A]))),
        Some(A)
    );
    assert_eq!(
        user_cluster_id(&user(json!([format!("--cluster-id={B}")]))),
        Some(B)
    );
    assert_eq!(user_cluster_id(&user(json!(["get-credential"]))), None);
    assert_eq!(
        user_cluster_id(&json!({"name": "u", "user": {"token": "t"}})),
        None
    );
}

#[test]
fn a_cluster_entry_is_ours_by_its_exact_server_or_one_that_names_our_id() {
    let usual = Names::new("nyc1", "prod", None);
    let mut entries = ours(A);
    entries.server = "https://10.1.1.1:6443".into();
    let mut doc = crate::kubeconfig::empty();
    crate::kubeconfig::merge(&mut doc, &entries, true);
    // The same server, though it does not name the cluster id.
    assert_eq!(
        own_names(std::slice::from_ref(&doc), &entries, None).unwrap(),
        usual
    );
    // Another server that names neither.
    doc["clusters"][0]["cluster"]["server"] = json!("https://10.2.2.2:6443");
    assert!(own_names(std::slice::from_ref(&doc), &entries, None).is_err());
    // Another address that names our id (DigitalOcean's endpoint for it).
    doc["clusters"][0]["cluster"]["server"] = json!(format!("https://{A}.k8s.ondigitalocean.com"));
    assert!(own_names(&[doc], &entries, None).is_ok());
}

#[test]
fn remove_keeps_only_the_names_that_are_this_clusters() {
    let usual = Names::new("nyc1", "prod", None);
    let doc = saved(A, &usual);
    assert_eq!(owned(std::slice::from_ref(&doc), &usual, A, None).len(), 3);
    assert!(owned(&[doc], &usual, B, None).is_empty());
}

#[test]
fn another_tools_exec_and_a_static_credential_of_another_cluster_are_not_ours() {
    let usual = Names::new("nyc1", "prod", None);
    let with_user = |user: Value| {
        let mut doc = saved(A, &usual);
        doc["users"][0]["user"] = user;
        doc
    };
    // aws eks get-token under our user's name.
    let aws = with_user(json!({"exec": {"command": "/usr/bin/aws", "args": ["eks", "get-token"]}}));
    let err = own_names(&[aws], &ours(A), None).unwrap_err().to_string();
    assert!(err.contains("a credential run by /usr/bin/aws"), "{err}");
    // A doks-auth stanza that names no cluster is ours, if broken.
    let broken = with_user(json!({"exec": {"command": "/opt/bin/doks-auth"}}));
    assert!(own_names(&[broken], &ours(A), None).is_ok());
    // A token, certificate or password of its own is never ours, whoever uses it.
    for user in [
        json!({"token": "t"}),
        json!({"token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}),
        json!({"client-key-data": "a2V5"}),
        json!({"username": "u", "password": "p"}),
    ] {
        let err = own_names(&[with_user(user.clone())], &ours(A), None).unwrap_err();
        assert!(
            err.to_string().contains("a credential of its own"),
            "{user}: {err}"
        );
    }
    // A DigitalOcean token (the control panel's download) that only our context uses is ours;
    // one another cluster's context uses is not.
    let do_token = format!("dop_v1_{}", "0a".repeat(32));
    let mut doc = with_user(json!({ "token": do_token }));
    assert!(own_names(std::slice::from_ref(&doc), &ours(A), None).is_ok());
    doc["clusters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "eks", "cluster": {"server": "https://10.0.0.1:6443"}}));
    doc["contexts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "eks", "context": {"cluster": "eks", "user": "do-nyc1-prod-admin"}}));
    let err = own_names(&[doc], &ours(A), None).unwrap_err().to_string();
    assert!(
        err.contains("a credential for server https://10.0.0.1:6443"),
        "{err}"
    );
}

#[test]
fn a_server_is_ours_by_its_whole_host_label_or_the_same_origin() {
    let id = "bd5f5959-5e1e-4205-a714-a914373942af";
    for ours in [
        "https://bd5f5959-5e1e-4205-a714-a914373942af.k8s.ondigitalocean.com",
        "HTTPS://BD5F5959-5E1E-4205-A714-A914373942AF.k8s.ondigitalocean.com/",
    ] {
        assert!(server_is(ours, id, None), "{ours}");
    }
    for theirs in [
        "https://x.example/bd5f5959-5e1e-4205-a714-a914373942af",
        "https://not-bd5f5959-5e1e-4205-a714-a914373942af.example",
        "https://bd5f5959-5e1e-4205-a714-a914373942afx.example",
        "https://bd5f5959-5e1e-4205-a714-a914373942af.evil.example",
        "https://bd5f5959-5e1e-4205-a714-a914373942af.k8s.ondigitalocean.com.evil.example",
        "not a url bd5f5959-5e1e-4205-a714-a914373942af",
    ] {
        assert!(!server_is(theirs, id, None), "{theirs}");
    }
    // The same origin: the default port and a trailing slash aside, host without case.
    assert!(server_is(
        "https://X.example:443/",
        id,
        Some("https://x.example")
    ));
    assert!(!server_is(
        "https://x.example:6443",
        id,
        Some("https://x.example")
    ));
    assert!(!server_is(
        "http://x.example",
        id,
        Some("https://x.example")
    ));
}

/// A context alone in the first file, its names defined by cluster A's entries and then by
/// cluster B's: kubectl reads it as A's now, and as B's once A's are gone, so it is not A's to
/// take; the refusal says it is B's only once A's entries are gone (review of issue 22, 6a).
#[test]
fn a_context_another_cluster_reaches_later_is_refused_saying_so() {
    let names = Names::new("nyc1", "prod", None);
    let mut context_only = saved(A, &names);
    context_only["clusters"] = json!([]);
    context_only["users"] = json!([]);
    let mut entries_a = saved(A, &names);
    entries_a["contexts"] = json!([]);
    let mut entries_b = saved(B, &names);
    entries_b["contexts"] = json!([]);
    let docs = [context_only, entries_a, entries_b];
    let at = At {
        file: 0,
        kind: Kind::Context,
        index: 0,
    };
    let owner = Judge::new(&docs, A, None).owner(at).expect("not A's");
    assert!(owner.contains(B), "{owner}");
    assert!(
        owner.ends_with("which it reaches once this cluster's entries are gone"),
        "{owner}"
    );
}
