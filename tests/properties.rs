//! Property tests (proptest) on the parts that take untrusted input: cache files, DigitalOcean's
//! answers, cluster ids, and the kubeconfig merge.

use chrono::{Duration, Utc};
use doks_auth::cache::Cache;
use doks_auth::credential::{ClusterId, Credential};
use doks_auth::digitalocean::answer::ApiCredentials;
use doks_auth::exec_credential::{self, ApiVersion};
use doks_auth::kubeconfig::{self, Entries, Names};
use doks_auth::secret::Secret;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Any JSON value, with keys drawn mostly from the names doks-auth looks for.
fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("token".to_string()),
        Just("expires_at".to_string()),
        Just("client_certificate_data".to_string()),
        Just("client_key_data".to_string()),
        Just("server".to_string()),
        Just("format".to_string()),
        Just("cluster_id".to_string()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        Just(Value::from("2026-11-23T15:00:00.889080521Z")),
        Just(Value::from(
            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
        )),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn cache_in(dir: &std::path::Path) -> Cache {
    Cache::new(
        dir.join("doks-auth"),
        &ClusterId::parse("c1").unwrap(),
        "acct",
    )
}

fn write_private(path: &std::path::Path, bytes: &[u8]) {
    use doks_auth::platform;
    platform::create_private_dir(path.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(path);
    let mut file = platform::private_file(std::fs::OpenOptions::new().write(true).create_new(true))
        .open(path)
        .unwrap();
    std::io::Write::write_all(&mut file, bytes).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_as_a_cache_file_are_a_miss(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(tmp.path());
        write_private(cache.path(), &bytes);
        prop_assert!(cache.load().is_none());
    }

    /// A real entry with one field replaced by any JSON: served only while it is still this
    /// cluster's and account's entry in the current format, and then exactly as written.
    #[test]
    fn a_cache_entry_with_any_one_field_changed_is_a_miss_or_served_as_written(
        field in 0usize..7,
        value in arb_json(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(tmp.path());
        let now = Utc::now();
        cache.store(&Credential {
            token: Some(Secret::new("t")),
            client_certificate: None,
            client_key: None,
            expires_at: now + Duration::hours(1),
            fetched_at: now,
            sso: None,
        }).unwrap();
        let mut doc: Value = serde_json::from_slice(&std::fs::read(cache.path()).unwrap()).unwrap();
        let name = ["format", "cluster_id", "account", "token", "expires_at", "fetched_at", "client_key"][field];
        doc[name] = value;
        write_private(cache.path(), &serde_json::to_vec(&doc).unwrap());
        if let Some(credential) = cache.load() {
            prop_assert_eq!(&doc["format"], 1);
            prop_assert_eq!(&doc["cluster_id"], "c1");
            prop_assert_eq!(&doc["account"], "acct");
            let expires: chrono::DateTime<Utc> = doc["expires_at"].as_str().unwrap().parse().unwrap();
            prop_assert_eq!(credential.expires_at, expires);
            prop_assert_eq!(credential.token.as_ref().map(|t| t.expose()), doc["token"].as_str());
        }
    }

    #[test]
    fn a_cache_entry_cut_short_anywhere_is_a_miss(fraction in 0.0f64..1.0) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache_in(tmp.path());
        let now = Utc::now();
        cache.store(&Credential {
            token: Some(Secret::new("t")),
            client_certificate: None,
            client_key: None,
            expires_at: now + Duration::hours(1),
            fetched_at: now,
            sso: None,
        }).unwrap();
        let whole = std::fs::read(cache.path()).unwrap();
        let cut = (whole.len() as f64 * fraction) as usize;
        write_private(cache.path(), &whole[..cut]);
        prop_assert!(cache.load().is_none());
    }

    #[test]
    fn any_api_answer_is_an_error_or_a_valid_exec_credential(doc in arb_json()) {
        let now: chrono::DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let Ok(answer) = serde_json::from_value::<ApiCredentials>(doc) else { return Ok(()) };
        match answer.into_credential(now, 10800) {
            Err(reason) => {
                prop_assert!(!reason.is_empty());
                prop_assert!(!reason.contains('\n'));
            }
            Ok(credential) => {
                let line = exec_credential::render(ApiVersion::V1, &credential, credential.refresh_at(Duration::seconds(300)));
                let out: Value = serde_json::from_str(&line).unwrap();
                let status = &out["status"];
                let has_token = status["token"].is_string();
                let has_pair = status["clientCertificateData"].is_string() && status["clientKeyData"].is_string();
                prop_assert!(has_token || has_pair);
                prop_assert_eq!(status["clientCertificateData"].is_string(), status["clientKeyData"].is_string());
                let expiry: chrono::DateTime<Utc> = status["expirationTimestamp"].as_str().unwrap().parse().unwrap();
                prop_assert!(expiry > now - Duration::seconds(1));
            }
        }
    }

    #[test]
    fn one_bad_field_in_a_good_answer_never_panics(field in 0usize..4, value in arb_json()) {
        let mut doc = json!({
            "token": "tok",
            "expires_at": "2026-11-23T15:00:00Z",
            "client_certificate_data": null,
            "client_key_data": null,
        });
        let name = ["token", "expires_at", "client_certificate_data", "client_key_data"][field];
        doc[name] = value;
        let now: chrono::DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        if let Ok(answer) = serde_json::from_value::<ApiCredentials>(doc) {
            let _ = answer.into_credential(now, 10800);
        }
    }

    #[test]
    fn accepted_cluster_ids_are_safe_in_paths_and_urls(raw in ".{0,40}") {
        if let Ok(id) = ClusterId::parse(&raw) {
            let id = id.as_str();
            prop_assert!(!id.is_empty());
            prop_assert!(!id.contains(['/', '\\', '%', '?', '#', '.']));
            prop_assert!(!id.chars().any(char::is_whitespace));
            prop_assert!(id.split('/').all(|seg| seg != "." && seg != ".."));
        }
    }

    #[test]
    fn every_uuid_is_accepted(uuid in "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}") {
        let id = ClusterId::parse(&uuid).unwrap();
        prop_assert_eq!(id.as_str(), uuid.as_str());
    }
}

/// A kubeconfig list entry: a name drawn from a small set (so it sometimes collides with the
/// saved names) and arbitrary content.
fn arb_entry(kind: &'static str) -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        Just("do-nyc1-prod".to_string()),
        Just("do-nyc1-prod-admin".to_string()),
        "[a-z]{1,6}"
    ];
    (name, arb_yaml_safe()).prop_map(move |(name, body)| json!({"name": name, kind: body}))
}

/// Values that survive YAML and back: strings that look like other types included.
fn arb_yaml_safe() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        prop_oneof![
            Just("yes"),
            Just("null"),
            Just("~"),
            Just("0123"),
            Just("1e3"),
            Just("true"),
            Just(""),
            Just("a: b"),
            Just("- x"),
            Just("#c")
        ]
        .prop_map(Value::from),
        "[ -~]{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z-]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_kubeconfig() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(arb_entry("cluster"), 0..4),
        prop::collection::vec(arb_entry("user"), 0..4),
        prop::collection::vec(arb_entry("context"), 0..4),
        arb_yaml_safe(),
        "[a-z-]{0,12}",
    )
        .prop_map(|(clusters, users, contexts, extra, current)| {
            // kubectl refuses a file that defines a name twice in a list, and so does doks-auth.
            let (clusters, users, contexts) = (unique(clusters), unique(users), unique(contexts));
            json!({
                "apiVersion": "v1", "kind": "Config",
                "clusters": clusters, "users": users, "contexts": contexts,
                "current-context": current, "preferences": {"colors": true},
                "x-unknown-field": extra,
            })
        })
}

/// The first entry of each name.
fn unique(list: Vec<Value>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    list.into_iter()
        .filter(|e| seen.insert(e["name"].clone().to_string()))
        .collect()
}

fn entries() -> Entries {
    Entries {
        names: Names::new("nyc1", "prod", None),
        server: "https://bd5f5959.k8s.ondigitalocean.com".into(),
        certificate_authority_data: "LS0tLS1CRUdJTg==".into(),
        command: "/usr/local/bin/doks-auth".into(),
        stanza: kubeconfig::Stanza {
            cluster_id: "bd5f5959-5e1e-4205-a714-a914373942af".into(),
            ..Default::default()
        },
    }
}

fn others(doc: &Value, list: &str, saved: &str) -> Vec<Value> {
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] != saved)
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn merge_is_idempotent_and_keeps_everything_it_does_not_name(original in arb_kubeconfig()) {
        let entries = entries();
        let text = kubeconfig::to_yaml(&original);
        prop_assert_eq!(&kubeconfig::parse(&text).unwrap(), &original);
        let mut once = original.clone();
        kubeconfig::merge(&mut once, &entries, true);
        let mut twice = once.clone();
        kubeconfig::merge(&mut twice, &entries, true);
        prop_assert_eq!(&once, &twice);

        let names = &entries.names;
        for (list, saved) in [("clusters", &names.cluster), ("users", &names.user), ("contexts", &names.context)] {
            prop_assert_eq!(others(&once, list, saved), others(&original, list, saved));
            let saved_count = once[list].as_array().unwrap().iter().filter(|e| &e["name"] == saved).count();
            prop_assert!(saved_count >= 1);
        }
        prop_assert_eq!(&once["x-unknown-field"], &original["x-unknown-field"]);
        prop_assert_eq!(&once["preferences"], &original["preferences"]);
        prop_assert_eq!(&once["current-context"], names.context.as_str());

        // And what is written reads back as the same document, the same bytes the second time.
        let written = kubeconfig::rewrite(&text, &once).unwrap();
        prop_assert_eq!(&kubeconfig::parse(&written).unwrap(), &once);
        prop_assert_eq!(kubeconfig::rewrite(&written, &twice).unwrap(), written);
    }
}

/// Kubeconfig texts with YAML's odd corners, for [`any_text_is_refused_or_saved_into`] to cut
/// up and splice together.
const TEXTS: &[&str] = &[
    include_str!("kubeconfigs/edge-comments.yaml"),
    include_str!("kubeconfigs/edge-anchors.yaml"),
    include_str!("kubeconfigs/edge-merge-keys.yaml"),
    include_str!("kubeconfigs/edge-scalars.yaml"),
    include_str!("kubeconfigs/edge-flow.yaml"),
    include_str!("kubeconfigs/edge-existing-odd.yaml"),
    include_str!("kubeconfigs/edge-quoted-keys.yaml"),
    include_str!("kubeconfigs/edge-json.yaml"),
    include_str!("kubeconfigs/doctl.yaml"),
    include_str!("kubeconfigs/edge-cert-null-token.yaml"),
];

/// A text from [`TEXTS`], with a few of its lines dropped, repeated or taken from another one,
/// and a few characters put in.
fn arb_text() -> impl Strategy<Value = String> {
    let edit = (
        0usize..64,
        0usize..4,
        0usize..8,
        "[-:#&*!|>?\\[\\]{}, \t\n'\"a~<]{0,3}",
    );
    (0..TEXTS.len(), prop::collection::vec(edit, 0..6)).prop_map(|(base, edits)| {
        let mut lines: Vec<String> = TEXTS[base].lines().map(str::to_string).collect();
        for (at, what, from, chars) in edits {
            let at = at % (lines.len() + 1);
            let other: Vec<&str> = TEXTS[from % TEXTS.len()].lines().collect();
            match what {
                0 if at < lines.len() => drop(lines.remove(at)),
                1 => lines.insert(at, other[at % other.len()].to_string()),
                2 if at < lines.len() => {
                    let line = &mut lines[at];
                    let cut = line
                        .char_indices()
                        .nth(at % (line.len() + 1))
                        .map_or(line.len(), |(i, _)| i);
                    line.insert_str(cut, &chars);
                }
                _ => lines.insert(at, chars),
            }
        }
        lines.join("\n") + "\n"
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the text, doks-auth either refuses to read it (in one line) or saves into it,
    /// removes from it and converts it, and what it writes reads back as the document it
    /// meant: never a panic, never a text it read but cannot write.
    #[test]
    fn any_text_is_refused_or_saved_into(text in arb_text()) {
        let Ok(original) = kubeconfig::parse(&text) else {
            return Ok(());
        };
        let entries = entries();
        let mut saved = original.clone();
        kubeconfig::merge(&mut saved, &entries, true);
        let mut removed = original.clone();
        kubeconfig::remove(
            std::slice::from_mut(&mut removed),
            Some(&entries.names),
            &kubeconfig::Whose {
                id: &entries.stanza.cluster_id,
                server: Some(&entries.server),
            },
        );
        let mut converted = original;
        kubeconfig::convert(&mut converted, "/usr/local/bin/doks-auth");
        for doc in [saved, removed, converted] {
            let written = kubeconfig::rewrite(&text, &doc).unwrap();
            prop_assert_eq!(&kubeconfig::parse(&written).unwrap(), &doc);
            prop_assert_eq!(kubeconfig::rewrite(&written, &doc).unwrap(), written);
        }
    }
}
