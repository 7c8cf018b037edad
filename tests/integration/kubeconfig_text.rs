//! The kubeconfig's text: a save changes only the bytes of doks-auth's own entries and
//! `current-context`; files kubectl reads are read (null lists, a second document), and what
//! it cannot read is refused in one line, the file untouched.

use std::path::Path;

use crate::kubeconfig::*;
use crate::kubeconfig_corpus_views::by_name;
use crate::support::*;

const HAND_WRITTEN: &str = "\
# My kubeconfig. Production first; keep the comments.
kind: Config
apiVersion: v1
current-context: 'lab'   # the lab by default
clusters:
  - name: lab   # under my desk
    cluster: {server: 'https://192.168.1.20:6443', insecure-skip-tls-verify: yes}
users:
  # rotated every 90 days
  - name: lab
    user:
      token: \"lab-token\"
contexts: []
x-tool: {version: 1.10, mask: 0x1F}
# end
";

/// What save adds, at the indentation of the list it goes into.
fn our_cluster(indent: &str) -> String {
    format!(
        "{indent}- cluster:\n{indent}    certificate-authority-data: {}\n{indent}    server: {}\n{indent}  name: do-nyc1-prod\n",
        ca_base64(),
        server_of(CLUSTER_ID)
    )
}

fn our_user(indent: &str, api: &DoApi) -> String {
    let pad = format!("{indent}      ");
    let hint: String = INSTALL_HINT_LINES
        .iter()
        .map(|line| format!("{pad}  {line}\n"))
        .collect();
    format!(
        "{indent}- name: do-nyc1-prod-admin\n{indent}  user:\n{indent}    exec:\n{pad}apiVersion: client.authentication.k8s.io/v1\n\
         {pad}args:\n{pad}- get-credential\n{pad}- --cluster-id\n{pad}- {CLUSTER_ID}\n{pad}- --api-url\n{pad}- {}\n\
         {pad}command: {}\n{pad}installHint: |\n{hint}{pad}interactiveMode: Never\n{pad}provideClusterInfo: true\n",
        api.url(),
        // A Windows path's backslashes make doks-auth quote it, as JSON would.
        if this_binary().contains('\\') {
            serde_json::to_string(&this_binary()).unwrap()
        } else {
            this_binary()
        }
    )
}

const INSTALL_HINT_LINES: [&str; 7] = [
    "doks-auth is needed to get credentials for this DigitalOcean Kubernetes cluster. Install it:",
    "- kubectl krew install doks",
    "- brew install doks-auth/tap/doks-auth",
    "- cargo binstall doks-auth (or: cargo install --locked doks-auth)",
    "- or an archive from https://github.com/doks-auth/doks-auth/releases",
    "then save the cluster again, so the kubeconfig points at it:",
    "doks-auth kubeconfig save <cluster> (with krew: kubectl doks kubeconfig save <cluster>)",
];

#[test]
fn a_save_changes_only_the_bytes_of_its_own_entries() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    std::fs::write(&path, HAND_WRITTEN).unwrap();
    save(&env, &api, &path, &["prod"]);
    let expected = HAND_WRITTEN
        .replace("'lab'   #", "do-nyc1-prod   #")
        .replace(
            "users:\n",
            &format!("{}users:\n", our_cluster("  ")),
        )
        .replace(
            "      token: \"lab-token\"\n",
            &format!("      token: \"lab-token\"\n{}", our_user("  ", &api)),
        )
        .replace(
            "contexts: []\n",
            "contexts:\n- context:\n    cluster: do-nyc1-prod\n    user: do-nyc1-prod-admin\n  name: do-nyc1-prod\n",
        );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    // And removing it again gives back the file, but for what kubectl reads the same.
    run_ok(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "remove", "prod"],
    ));
    let back = HAND_WRITTEN.replace("'lab'   #", "\"\"   #");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), back);
}

#[test]
fn only_the_first_document_is_read_and_the_others_are_kept_as_they_were() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    let rest = "---\n# not read by kubectl\ncurrent-context: second\n--- [broken\n";
    std::fs::write(&path, format!("apiVersion: v1\nkind: Config\n{rest}")).unwrap();
    save(&env, &api, &path, &["prod"]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("apiVersion: v1\nkind: Config\n"), "{text}");
    assert!(text.ends_with(&format!("\n{rest}")), "{text}");
    if kubectl_available() {
        let out = run_ok(
            env.command("kubectl")
                .args(["config", "current-context"])
                .env("KUBECONFIG", &path),
        );
        assert_eq!(out.stdout.trim(), "do-nyc1-prod");
    }
}

#[test]
fn a_second_file_with_several_documents_does_not_block_saving_into_the_first() {
    let (env, api) = account(&[prod()]);
    let first = env.home().join("first");
    let second = env.home().join("second");
    std::fs::write(
        &first,
        "apiVersion: v1\nkind: Config\nusers: ~\nclusters: Null\ncontexts: NULL\n",
    )
    .unwrap();
    let other = "users:\n- name: u\n  user: {token: t}\n---\nkind: Config\n";
    std::fs::write(&second, other).unwrap();
    let out = run_ok(doks(&env, &api, None, &["kubeconfig", "save", "prod"]).env(
        "KUBECONFIG",
        std::env::join_paths([&first, &second]).unwrap(),
    ));
    assert!(
        out.stderr.contains(&format!(
            "saved context do-nyc1-prod in {}",
            first.display()
        )),
        "{}",
        out.stderr
    );
    assert_eq!(names(&read_yaml(&first), "clusters"), ["do-nyc1-prod"]);
    assert_eq!(std::fs::read_to_string(&second).unwrap(), other);
}

#[test]
fn a_duplicate_key_is_refused_with_its_place_and_the_file_left_alone() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    let text = "apiVersion: v1\nusers:\n- name: a\n  user:\n    token: dop_v1_secret\n    token: dop_v1_other\n";
    std::fs::write(&path, text).unwrap();
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod"],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let line = format!(
        "doks-auth: error: kubeconfig {}: it has a duplicate key (line 6, column 5); fix it, or point KUBECONFIG at another file (it was left untouched)",
        path.display()
    );
    assert!(out.stderr.contains(&line), "{}", out.stderr);
    assert!(!out.stderr.contains("dop_v1"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert!(
        api.requests().is_empty(),
        "asked DigitalOcean before reading the file"
    );
}

/// A kubeconfig that never ends a line with a line break, written by a Windows tool, keeps its
/// line ends; a byte-order mark stays first.
#[test]
fn line_ends_and_a_byte_order_mark_are_kept() {
    let (env, api) = account(&[prod()]);
    let path: &Path = &env.home().join("config");
    std::fs::write(
        path,
        "\u{FEFF}apiVersion: v1\r\nkind: Config\r\nusers: []\r\n",
    )
    .unwrap();
    save(&env, &api, path, &["prod"]);
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.starts_with(
            "\u{FEFF}apiVersion: v1\r\nkind: Config\r\nusers:\r\n- name: do-nyc1-prod-admin\r\n"
        ),
        "{text:?}"
    );
    assert!(!text.replace("\r\n", "").contains('\n'), "{text:?}");
}

/// kubectl's parser breaks lines at U+2028 (and U+0085, U+2029); doks-auth's does not. Edited,
/// such a file could become one kubectl cannot load: it is refused instead, untouched.
#[test]
fn a_unicode_line_break_is_refused_and_the_file_left_alone() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    let text = "apiVersion: v1\nkind: Config\nusers:\n- name: kind\n  user: {token: t}   # kind\u{2028}current-context: kind\n";
    std::fs::write(&path, text).unwrap();
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "save", "prod"],
    ));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("line 5 holds a Unicode line break"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// Another tool's context that uses doks-auth's user: removing the cluster takes the user and
/// that context, never the other tool's cluster entry.
#[test]
fn remove_never_deletes_a_cluster_entry_of_another_server() {
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    save(&env, &api, &path, &["prod"]);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text = text.replace(
        "clusters:\n",
        "clusters:\n- name: kind-kind\n  cluster: {server: 'https://127.0.0.1:39999'}\n",
    );
    text = text.replace(
        "contexts:\n",
        "contexts:\n- name: kind-kind\n  context: {cluster: kind-kind, user: do-nyc1-prod-admin}\n",
    );
    std::fs::write(&path, &text).unwrap();
    let out = run(&mut doks(
        &env,
        &api,
        Some(&path),
        &["kubeconfig", "remove", "prod"],
    ));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let doc = read_yaml(&path);
    assert_eq!(names(&doc, "clusters"), ["kind-kind"], "{}", out.stderr);
}

/// A flow list whose lines are indented with tabs, as kubectl reads it (issue 22, item 11).
const FLOW_TABS: &str = "apiVersion: v1\nkind: Config\nclusters: [\n\t{name: kind, cluster: {server: \"https://127.0.0.1:6443\"}},\n\t{name: two,\n\t\tcluster: {server: \"https://127.0.0.2:6443\"}}\n]\n# keep me\nusers: []\ncontexts: [{name: kind, context: {cluster: kind, user: kind}}]\ncurrent-context: kind\n";

#[test]
fn a_flow_list_indented_with_tabs_is_read_as_kubectl_reads_it_and_edited_in_place() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    std::fs::write(&path, FLOW_TABS).unwrap();
    let before = crate::kubeconfig_corpus_views::view(&path);
    save(&env, &api, &path, &["prod", "--set-current-context=false"]);
    let text = std::fs::read_to_string(&path).unwrap();
    // In place: every byte up to the last cluster is as it was, the new one follows it.
    let kept = "clusters: [\n\t{name: kind, cluster: {server: \"https://127.0.0.1:6443\"}},\n\t{name: two,\n\t\tcluster: {server: \"https://127.0.0.2:6443\"}}";
    let head = &FLOW_TABS[..FLOW_TABS.find(kept).unwrap() + kept.len()];
    assert!(text.starts_with(head), "{text}");
    assert!(text.contains("\n]\n# keep me\n"), "{text}");
    let after = crate::kubeconfig_corpus_views::view(&path);
    let (before, mut clusters) = (by_name(&before, "clusters"), by_name(&after, "clusters"));
    assert!(clusters.remove("do-nyc1-prod").is_some());
    assert_eq!((clusters, before.len()), (before, 2));
    assert_eq!(after["current-context"], "kind");
    assert_eq!(after["contexts"].as_array().unwrap().len(), 2);
}

/// A file that names our user twice (kubectl refuses it: "duplicate name … in list"), the second
/// a service account's token pasted in: save, remove and convert refuse it in one line naming
/// the file and the name, and leave it as it was, the token with it.
#[test]
fn a_name_defined_twice_in_a_list_is_refused_and_the_file_left_alone() {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(&[prod()]);
    let path = env.home().join("config");
    save(&env, &api, &path, &["prod"]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.trim_end().ends_with("provideClusterInfo: true"),
        "{text}"
    );
    let text =
        format!("{text}- name: do-nyc1-prod-admin\n  user: {{token: my-service-account-token}}\n");
    std::fs::write(&path, &text).unwrap();
    let kubectl = run(env
        .command("kubectl")
        .args(["config", "view"])
        .env("KUBECONFIG", &path));
    assert!(
        kubectl
            .stderr
            .contains("duplicate name \"do-nyc1-prod-admin\" in list"),
        "{}",
        kubectl.stderr
    );
    let asked = api.requests().len();
    let line = format!(
        "doks-auth: error: kubeconfig {}: it defines the user \"do-nyc1-prod-admin\" twice in \"users\", which kubectl refuses (duplicate name in list); remove or rename one; fix it, or point KUBECONFIG at another file (it was left untouched)\n",
        path.display()
    );
    for args in [
        &["kubeconfig", "save", "prod"][..],
        &["kubeconfig", "save", "prod", "--dry-run"],
        &["kubeconfig", "save", "--all"],
        &["kubeconfig", "remove", "prod"],
        &["kubeconfig", "convert"],
    ] {
        let out = match args[1] {
            // Offline: no --api-url.
            "convert" => run(env.doks_auth().args(args).env("KUBECONFIG", &path)),
            _ => run(&mut doks(&env, &api, Some(&path), args)),
        };
        assert_eq!(out.code, Some(1), "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr, line, "{args:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{args:?}");
    }
    assert_eq!(api.requests().len(), asked, "asked DigitalOcean first");
}
