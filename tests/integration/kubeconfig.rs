//! `doks-auth kubeconfig save|show|remove`: what goes into the user's kubeconfig, what stays, and
//! that kubectl then really works through it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::*;

/// A third cluster id, for lists longer than two.
const THIRD_CLUSTER_ID: &str = "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";

/// A kubeconfig another tool wrote: other entries, extensions and fields doks-auth knows nothing
/// about, all of which must survive a save.
const EXISTING: &str = r#"apiVersion: v1
kind: Config
clusters:
- name: minikube
  cluster:
    server: https://192.168.49.2:8443
    certificate-authority: /home/u/.minikube/ca.crt
    x-unknown-cluster-field: kept
    extensions:
    - name: cluster_info
      extension:
        provider: minikube.sigs.k8s.io
        version: v1.33.0
users:
- name: minikube
  user:
    client-certificate: /home/u/.minikube/client.crt
    client-key: /home/u/.minikube/client.key
- name: gke-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      provideClusterInfo: true
      installHint: "Install gke-gcloud-auth-plugin"
contexts:
- name: minikube
  context:
    cluster: minikube
    user: minikube
    namespace: default
    extensions:
    - name: context_info
      extension:
        last-update: Mon, 01 Jan 2024 00:00:00 UTC
current-context: minikube
preferences:
  colors: true
extensions:
- name: top-level-extension
  extension:
    anything: [1, 2, 3]
x-custom-tool:
  setting: 1
  nested: {deep: [true, null, "text"]}
"#;

pub(crate) fn prod() -> Value {
    cluster_json(CLUSTER_ID, "prod", "nyc1", "https://prod.k8s.example")
}

pub(crate) fn staging() -> Value {
    cluster_json(
        OTHER_CLUSTER_ID,
        "staging",
        "ams3",
        "https://staging.k8s.example",
    )
}

/// The API server DigitalOcean names for a cluster in its credentials answer.
fn server_of(cluster_id: &str) -> String {
    format!("https://{cluster_id}.k8s.example")
}

fn ca_base64() -> String {
    STANDARD.encode("-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----\n")
}

/// An account with these clusters, each with a token credential.
pub(crate) fn account(clusters: &[Value]) -> (TestEnv, DoApi) {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_clusters(clusters);
    for cluster in clusters {
        let id = cluster["id"].as_str().unwrap();
        api.serve_cluster_credentials(
            id,
            &server_of(id),
            &ca_base64(),
            K8S_TOKEN,
            Duration::hours(3),
        );
    }
    (env, api)
}

/// `doks-auth <args> --api-url <stand-in>` with the token in the environment and KUBECONFIG at
/// `kubeconfig` (or unset, for ~/.kube/config).
pub(crate) fn doks(
    env: &TestEnv,
    api: &DoApi,
    kubeconfig: Option<&Path>,
    args: &[&str],
) -> Command {
    let mut cmd = env.doks_auth();
    cmd.args(args)
        .args(["--api-url", &api.url()])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
    if let Some(path) = kubeconfig {
        cmd.env("KUBECONFIG", path);
    }
    cmd
}

fn save(env: &TestEnv, api: &DoApi, kubeconfig: &Path, args: &[&str]) -> Outcome {
    let mut all = vec!["kubeconfig", "save"];
    all.extend_from_slice(args);
    run_ok(&mut doks(env, api, Some(kubeconfig), &all))
}

fn parse(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
}

fn read_yaml(path: &Path) -> Value {
    parse(&std::fs::read_to_string(path).unwrap())
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn names(doc: &Value, key: &str) -> Vec<String> {
    doc[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} list in {doc}"))
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// The one entry called `name` in the `key` list.
fn entry<'a>(doc: &'a Value, key: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = doc[key]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "{key} {name} in {doc}");
    found[0]
}

fn exec_of<'a>(doc: &'a Value, user: &str) -> &'a Value {
    &entry(doc, "users", user)["user"]["exec"]
}

fn this_binary() -> String {
    std::fs::canonicalize(doks_auth_bin())
        .unwrap()
        .into_os_string()
        .into_string()
        .unwrap()
}

#[test]
fn save_by_name_into_an_absent_kubeconfig_writes_the_three_entries_privately() {
    let (env, api) = account(&[prod(), staging()]);
    // No KUBECONFIG: the default ~/.kube/config, whose folder does not exist yet either.
    let out = run_ok(&mut doks(&env, &api, None, &["kubeconfig", "save", "prod"]));
    let path = env.home().join(".kube/config");

    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("doks-auth: saved context do-nyc1-prod in "),
        "{}",
        out.stderr
    );
    assert_eq!(mode(&path), 0o600);
    let doc = read_yaml(&path);
    assert_eq!(doc["apiVersion"], "v1");
    assert_eq!(doc["kind"], "Config");
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names(&doc, "users"), ["do-nyc1-prod-admin"]);
    assert_eq!(names(&doc, "contexts"), ["do-nyc1-prod"]);
    assert_eq!(
        doc["clusters"][0]["cluster"],
        json!({"server": server_of(CLUSTER_ID), "certificate-authority-data": ca_base64()})
    );
    assert_eq!(
        doc["contexts"][0]["context"],
        json!({"cluster": "do-nyc1-prod", "user": "do-nyc1-prod-admin"})
    );
    assert_eq!(doc["current-context"], "do-nyc1-prod");
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
    assert_eq!(api.credential_requests(OTHER_CLUSTER_ID), 0);
}

#[test]
fn save_by_id_gets_the_cluster_by_id_without_listing() {
    let (env, api) = account(&[prod(), staging()]);
    let path = env.home().join("kubeconfig");
    let out = save(&env, &api, &path, &[OTHER_CLUSTER_ID]);
    assert_eq!(out.stdout, "");

    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "clusters"), ["do-ams3-staging"]);
    assert_eq!(names(&doc, "users"), ["do-ams3-staging-admin"]);
    assert_eq!(names(&doc, "contexts"), ["do-ams3-staging"]);
    assert_eq!(doc["current-context"], "do-ams3-staging");
    assert_eq!(
        doc["clusters"][0]["cluster"]["server"],
        server_of(OTHER_CLUSTER_ID)
    );
    assert_eq!(
        exec_of(&doc, "do-ams3-staging-admin")["args"][2],
        OTHER_CLUSTER_ID
    );
    let paths: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            format!("/v2/kubernetes/clusters/{OTHER_CLUSTER_ID}"),
            format!("/v2/kubernetes/clusters/{OTHER_CLUSTER_ID}/credentials"),
        ]
    );
}

#[test]
fn save_writes_a_v1_exec_stanza_running_this_binary_for_the_cluster() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    save(&env, &api, &path, &["prod"]);

    let doc = read_yaml(&path);
    let exec = exec_of(&doc, "do-nyc1-prod-admin");
    assert_eq!(exec["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(exec["interactiveMode"], "Never");
    assert_eq!(exec["command"], this_binary());
    assert!(Path::new(exec["command"].as_str().unwrap()).is_absolute());
    // Only what save was given: here the (loopback) API URL, never a token.
    assert_eq!(
        exec["args"],
        json!([
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            api.url()
        ])
    );
    let hint = exec["installHint"].as_str().unwrap();
    assert!(
        hint.contains("doks-auth") && hint.contains("kubeconfig save"),
        "{hint}"
    );
    // Nothing else in the user entry: no token, no env carrying one.
    assert_eq!(
        entry(&doc, "users", "do-nyc1-prod-admin")["user"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["exec"]
    );
    assert_eq!(
        exec.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "apiVersion",
            "args",
            "command",
            "installHint",
            "interactiveMode"
        ]
    );
}

#[test]
fn save_passes_on_context_expiry_exec_command_and_cache_dir_only_when_given() {
    let (env, api) = account(&[prod()]);
    // --context reads the token from doctl's config, as doctl does.
    let doctl = env.home().join(".config/doctl");
    std::fs::create_dir_all(&doctl).unwrap();
    std::fs::write(
        doctl.join("config.yaml"),
        format!("access-token: \"\"\nauth-contexts:\n  work: {DO_TOKEN}\ncontext: default\n"),
    )
    .unwrap();
    let path = env.home().join("kubeconfig");
    let mut cmd = env.doks_auth();
    cmd.args([
        "kubeconfig",
        "save",
        "prod",
        "--context",
        "work",
        "--expiry-seconds",
        "600",
        "--exec-command",
        "doks-auth",
        "--cache-dir",
        "my-cache",
        "--api-url",
        &api.url(),
    ])
    .env("KUBECONFIG", &path);
    let out = run_ok(&mut cmd);
    assert_eq!(out.stdout, "");

    let cache_dir = std::fs::canonicalize(env.home()).unwrap().join("my-cache");
    let doc = read_yaml(&path);
    let exec = exec_of(&doc, "do-nyc1-prod-admin");
    assert_eq!(exec["command"], "doks-auth");
    assert_eq!(
        exec["args"],
        json!([
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--context",
            "work",
            "--expiry-seconds",
            "600",
            "--api-url",
            api.url(),
            "--cache-dir",
            cache_dir.to_str().unwrap(),
        ])
    );
    // The lifetime asked of DigitalOcean is the one kubectl's get-credential will ask for.
    let credentials: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.url.path().ends_with("/credentials"))
        .collect();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0].url.query(), Some("expiry_seconds=600"));
    // The cache was seeded where get-credential will look.
    assert_eq!(cache_entry_names(&cache_dir).len(), 1);
    assert!(!env.cache_dir().exists());
}

#[test]
fn save_into_an_existing_kubeconfig_keeps_every_other_entry_and_field() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, EXISTING).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

    let out = save(&env, &api, &path, &["prod"]);
    assert_eq!(out.stdout, "");

    let before = parse(EXISTING);
    let after = read_yaml(&path);
    for (key, ours) in [
        ("clusters", "do-nyc1-prod"),
        ("users", "do-nyc1-prod-admin"),
        ("contexts", "do-nyc1-prod"),
    ] {
        let others: Vec<Value> = after[key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["name"] != ours)
            .cloned()
            .collect();
        assert_eq!(&others, before[key].as_array().unwrap(), "{key}");
        entry(&after, key, ours);
        assert_eq!(after[key].as_array().unwrap().len(), others.len() + 1);
    }
    assert_eq!(after["current-context"], "do-nyc1-prod");
    // Everything at the top level but the lists and current-context, untouched.
    let rest = |doc: &Value| {
        let mut map = doc.as_object().unwrap().clone();
        for key in ["clusters", "users", "contexts", "current-context"] {
            map.remove(key);
        }
        map
    };
    assert_eq!(rest(&after), rest(&before));
    assert_eq!(
        after["x-custom-tool"]["nested"],
        json!({"deep": [true, null, "text"]})
    );
}

#[test]
fn saving_twice_gives_identical_bytes() {
    let (env, api) = account(&[prod(), staging()]);
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, EXISTING).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

    save(&env, &api, &path, &["prod"]);
    let once = std::fs::read(&path).unwrap();
    let out = save(&env, &api, &path, &["prod"]);
    assert_eq!(out.stdout, "");
    let once = String::from_utf8(once).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), once);
    // By id it is the same cluster, so the same bytes again.
    save(&env, &api, &path, &[CLUSTER_ID]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), once);
}

#[test]
fn save_tightens_a_world_readable_kubeconfig_and_says_so() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, EXISTING).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let out = save(&env, &api, &path, &["prod"]);
    assert_eq!(out.stdout, "");
    assert_eq!(mode(&path), 0o600);
    assert!(
        out.stderr
            .contains("doks-auth: note: tightened permissions of")
            && out.stderr.contains("from 644 to 600"),
        "{}",
        out.stderr
    );
    // A file that was already private gets no note.
    let out = save(&env, &api, &path, &["prod"]);
    assert!(!out.stderr.contains("tightened"), "{}", out.stderr);
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn save_shows_no_secret_and_writes_the_do_token_nowhere() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    let from_env = save(&env, &api, &path, &["prod"]);
    // And with the token as an argument, which must not end up in the kubeconfig either.
    let mut cmd = env.doks_auth();
    cmd.args([
        "kubeconfig",
        "save",
        "prod",
        "--access-token",
        DO_TOKEN,
        "--api-url",
        &api.url(),
    ])
    .env("KUBECONFIG", &path);
    let from_flag = run_ok(&mut cmd);
    assert!(
        from_flag
            .stderr
            .contains("the --access-token is not written to the kubeconfig"),
        "{}",
        from_flag.stderr
    );

    for out in [&from_env, &from_flag] {
        assert_eq!(out.stdout, "");
        assert!(!out.stderr.contains(DO_TOKEN), "{}", out.stderr);
        assert!(!out.stderr.contains(K8S_TOKEN), "{}", out.stderr);
    }
    let files = env.files();
    assert!(files.contains(&path), "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(DO_TOKEN),
            "the DigitalOcean token was written to {}",
            file.display()
        );
    }
    // The kubeconfig holds no credential at all; the cache holds only the cluster's.
    assert!(!std::fs::read_to_string(&path).unwrap().contains(K8S_TOKEN));
    let cached = cache_entry_names(&env.cache_dir());
    assert_eq!(cached.len(), 1, "{cached:?}");
    let entry = std::fs::read_to_string(env.cache_dir().join(&cached[0])).unwrap();
    assert!(entry.contains(K8S_TOKEN));
}

#[test]
fn alias_renames_only_the_context() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    let out = save(&env, &api, &path, &["prod", "--alias", "production"]);
    assert!(
        out.stderr
            .contains("doks-auth: saved context production in "),
        "{}",
        out.stderr
    );
    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "contexts"), ["production"]);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names(&doc, "users"), ["do-nyc1-prod-admin"]);
    assert_eq!(
        doc["contexts"][0]["context"],
        json!({"cluster": "do-nyc1-prod", "user": "do-nyc1-prod-admin"})
    );
    assert_eq!(doc["current-context"], "production");
}

#[test]
fn set_current_context_false_leaves_the_current_context_alone() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, EXISTING).unwrap();
    let out = save(&env, &api, &path, &["prod", "--set-current-context=false"]);
    assert!(!out.stderr.contains("(current context)"), "{}", out.stderr);
    let doc = read_yaml(&path);
    assert_eq!(doc["current-context"], "minikube");
    entry(&doc, "contexts", "do-nyc1-prod");

    // The default does switch.
    save(&env, &api, &path, &["prod"]);
    assert_eq!(read_yaml(&path)["current-context"], "do-nyc1-prod");
}

#[test]
fn ambiguous_name_is_an_error_listing_the_ids() {
    let (env, api) = account(&[
        cluster_json(CLUSTER_ID, "dup", "nyc1", "https://a.k8s.example"),
        cluster_json(OTHER_CLUSTER_ID, "dup", "ams3", "https://b.k8s.example"),
    ]);
    let path = env.home().join("kubeconfig");
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "dup"],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("2 clusters are named \"dup\"")
            && out.stderr.contains(CLUSTER_ID)
            && out.stderr.contains(OTHER_CLUSTER_ID)
            && out.stderr.contains("pass the cluster's id instead"),
        "{}",
        out.stderr
    );
    assert!(!path.exists());
    assert_eq!(api.credential_requests(CLUSTER_ID), 0);
    assert_eq!(api.credential_requests(OTHER_CLUSTER_ID), 0);
}

#[test]
fn unknown_name_is_an_error_listing_the_existing_names() {
    let (env, api) = account(&[staging(), prod()]);
    let path = env.home().join("kubeconfig");
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "nope"],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("no cluster named \"nope\" in this account (clusters: prod, staging)"),
        "{}",
        out.stderr
    );
    assert!(!path.exists());
}

#[test]
fn unknown_name_in_an_account_without_clusters_says_there_are_none() {
    let (env, api) = account(&[]);
    let path = env.home().join("kubeconfig");
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod"],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("no cluster named \"prod\"") && out.stderr.contains("(clusters: none)"),
        "{}",
        out.stderr
    );
    assert!(!path.exists());
}

#[test]
fn save_by_name_finds_a_cluster_on_the_second_page() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_cluster_pages(&[
        vec![
            staging(),
            cluster_json(THIRD_CLUSTER_ID, "dev", "fra1", "https://dev.k8s.example"),
        ],
        vec![prod()],
    ]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &server_of(CLUSTER_ID),
        &ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let path = env.home().join("kubeconfig");
    save(&env, &api, &path, &["prod"]);

    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "contexts"), ["do-nyc1-prod"]);
    assert_eq!(exec_of(&doc, "do-nyc1-prod-admin")["args"][2], CLUSTER_ID);
    let pages: Vec<Option<String>> = api
        .requests()
        .iter()
        .filter(|r| r.url.path() == "/v2/kubernetes/clusters")
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(pages, [None, Some("2".to_string())]);
}

#[test]
fn show_prints_a_standalone_kubeconfig_and_writes_nothing() {
    let (env, api) = account(&[prod(), staging()]);
    let path = env.home().join("kubeconfig");
    let out = run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "show", "prod"],
    ));

    assert!(!path.exists(), "show wrote the kubeconfig");
    assert!(!env.home().join(".kube").exists(), "show made ~/.kube");
    assert!(env.files().is_empty(), "{:?}", env.files());
    assert!(!out.stderr.contains(DO_TOKEN) && !out.stderr.contains(K8S_TOKEN));
    assert!(!out.stdout.contains(DO_TOKEN) && !out.stdout.contains(K8S_TOKEN));

    let doc = parse(&out.stdout);
    assert_eq!(names(&doc, "clusters"), ["do-nyc1-prod"]);
    assert_eq!(names(&doc, "users"), ["do-nyc1-prod-admin"]);
    assert_eq!(names(&doc, "contexts"), ["do-nyc1-prod"]);
    assert_eq!(doc["current-context"], "do-nyc1-prod");
    let exec = exec_of(&doc, "do-nyc1-prod-admin");
    assert_eq!(exec["command"], this_binary());
    assert_eq!(
        exec["args"],
        json!([
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            api.url()
        ])
    );

    if !kubectl_available() {
        return;
    }
    let shown = tempfile::tempdir().unwrap();
    let file = shown.path().join("shown.yaml");
    std::fs::write(&file, &out.stdout).unwrap();
    let view = run(env.command("kubectl").args([
        "config",
        "view",
        "--raw",
        "-o",
        "json",
        "--kubeconfig",
        file.to_str().unwrap(),
    ]));
    assert_eq!(view.code, Some(0), "kubectl rejected it: {}", view.stderr);
    let seen = view.json();
    assert_eq!(seen["current-context"], "do-nyc1-prod");
    assert_eq!(
        entry(&seen, "clusters", "do-nyc1-prod")["cluster"]["server"],
        server_of(CLUSTER_ID)
    );
    let seen_exec = exec_of(&seen, "do-nyc1-prod-admin");
    assert_eq!(seen_exec["command"], exec["command"]);
    assert_eq!(seen_exec["args"], exec["args"]);
    assert_eq!(seen_exec["interactiveMode"], "Never");
}

#[test]
fn remove_takes_out_only_that_clusters_entries_and_cached_credentials() {
    let (env, api) = account(&[prod(), staging()]);
    let edited = env.home().join("edited");
    let expected = env.home().join("expected");
    for path in [&edited, &expected] {
        std::fs::write(path, EXISTING).unwrap();
    }
    save(
        &env,
        &api,
        &edited,
        &["prod", "--set-current-context=false"],
    );
    save(
        &env,
        &api,
        &edited,
        &["staging", "--set-current-context=false"],
    );
    // What the file should come back to: the same, as if prod had never been saved.
    save(
        &env,
        &api,
        &expected,
        &["staging", "--set-current-context=false"],
    );
    assert_eq!(cache_entry_names(&env.cache_dir()).len(), 2);

    let out = run_ok(&mut doks(
        &env,
        &api,
        Some(&edited),
        &["kubeconfig", "remove", "prod"],
    ));
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains(
            "doks-auth: removed context do-nyc1-prod, cluster do-nyc1-prod and user do-nyc1-prod-admin"
        ) && out.stderr.contains("doks-auth: removed 1 cached credential from"),
        "{}",
        out.stderr
    );
    assert_eq!(read_yaml(&edited), read_yaml(&expected));
    assert_eq!(read_yaml(&edited)["current-context"], "minikube");
    let left = cache_entry_names(&env.cache_dir());
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with(&format!("{OTHER_CLUSTER_ID}-")),
        "{left:?}"
    );
}

/// The point of it all: after `kubeconfig save`, plain kubectl (no flags, KUBECONFIG from the
/// environment) reaches the cluster through the plugin, on the credential the save cached.
#[test]
fn kubectl_works_through_the_saved_kubeconfig_without_another_credentials_request() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_clusters(&[prod()]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &kube.url,
        &pki.ca_base64(),
        K8S_TOKEN,
        Duration::hours(3),
    );
    let path: PathBuf = env.home().join("kubeconfig");
    save(&env, &api, &path, &["prod"]);
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
    let requests_after_save = api.requests().len();

    let out = run(env
        .command("kubectl")
        .args(["get", "--raw", "/version"])
        .env("KUBECONFIG", &path)
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN));
    assert_eq!(out.code, Some(0), "kubectl failed: {}", out.stderr);
    assert_eq!(out.json()["gitVersion"], "v1.31.1");
    assert!(kube.accepted() >= 1);
    assert_eq!(kube.rejected(), 0);
    // Served from the cache the save seeded: DigitalOcean heard nothing more.
    assert_eq!(api.credential_requests(CLUSTER_ID), 1);
    assert_eq!(api.requests().len(), requests_after_save);
}
