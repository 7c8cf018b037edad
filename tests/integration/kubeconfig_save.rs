//! `doks-auth kubeconfig save`: the entries and exec stanza it writes, what it keeps of an existing
//! kubeconfig, and what it never writes.

use std::path::Path;

use serde_json::{Value, json};

use crate::kubeconfig::*;
use crate::support::*;

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
    #[cfg(unix)]
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
    // kubectl tells get-credential the server: a refused credential is then checked there.
    assert_eq!(exec["provideClusterInfo"], true);
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
            "interactiveMode",
            "provideClusterInfo"
        ]
    );
}

#[test]
fn save_passes_on_context_expiry_exec_command_and_cache_dir_only_when_given() {
    let (env, api) = account(&[prod()]);
    // --context reads the token from doctl's config, as doctl does.
    let doctl = env.home().join(".config").join("doctl");
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

    let cache_dir = canonical(env.home()).join("my-cache");
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
    set_mode(&path, 0o600);

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
    set_mode(&path, 0o600);

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
#[cfg(unix)]
fn save_tightens_a_world_readable_kubeconfig_and_says_so() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("kubeconfig");
    std::fs::write(&path, EXISTING).unwrap();
    set_mode(&path, 0o644);

    let out = save(&env, &api, &path, &["prod"]);
    assert_eq!(out.stdout, "");
    #[cfg(unix)]
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
    #[cfg(unix)]
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
