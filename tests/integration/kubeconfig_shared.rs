//! Issue 22: kubeconfigs shared by several files and teams. Two or three files of `KUBECONFIG`
//! define the same names (`do-nyc1-prod`, …) for different clusters, in every order; entries
//! named `""` or with no name at all sit beside ours. `remove` and `save --all --prune` judge
//! each definition in the file that defines it, and what kubectl will use afterwards is asked
//! of kubectl itself. A dry run over every layout leaves every file's bytes and mtime.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::kubeconfig::*;
use crate::support::*;

/// A team's `do-nyc1-<name>` entries for cluster `id`, saved with `--context <team>`, and a
/// context of the team's own that the file makes current.
fn team_file(name: &str, id: &str, team: &str, current: &str) -> String {
    let server = server_of(id);
    format!(
        r#"# {team}'s kubeconfig
apiVersion: v1
kind: Config
clusters:
- name: do-nyc1-{name}
  cluster:
    server: {server}
    certificate-authority-data: {ca}
- name: {team}-home
  cluster:
    server: https://{team}.home.example
users:
- name: do-nyc1-{name}-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: doks-auth
      args: [get-credential, --cluster-id, {id}, --context, {team}, --api-url, API_URL]
      interactiveMode: Never
contexts:
- name: do-nyc1-{name}
  context:
    cluster: do-nyc1-{name}
    user: do-nyc1-{name}-admin
- name: {team}-home
  context:
    cluster: {team}-home
    user: do-nyc1-{name}-admin
current-context: {current}
"#,
        ca = ca_base64()
    )
}

/// Entries named `""`: one with `name: ""`, one with no name key, one with `name: ~` would be
/// a duplicate in kubectl's eyes, so the three kinds get one each.
const UNNAMED: &str = r#"apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://unnamed.example
users:
- name: ""
  user:
    token: someone-elses-token
contexts:
- name: ~
  context:
    cluster: ""
    user: ""
current-context: ""
"#;

struct Layout {
    env: TestEnv,
    api: DoApi,
    files: Vec<PathBuf>,
}

impl Layout {
    /// The files, in `KUBECONFIG` order; an account whose only live cluster is `prod` (team A's).
    fn new(files: &[(&str, String)]) -> Layout {
        let (env, api) = account(&[prod()]);
        doctl_contexts(&env, &["team-a", "team-b"]);
        let files = files
            .iter()
            .map(|(name, text)| {
                let path = env.home().join(name);
                std::fs::write(&path, text.replace("API_URL", &api.url())).unwrap();
                path
            })
            .collect();
        Layout { env, api, files }
    }

    fn kubeconfig(&self) -> std::ffi::OsString {
        std::env::join_paths(&self.files).unwrap()
    }

    fn doks(&self, args: &[&str]) -> Outcome {
        run(self
            .env
            .doks_auth()
            .args(args)
            .args(["--api-url", &self.api.url(), "--context", "team-a"])
            .env("KUBECONFIG", self.kubeconfig()))
    }

    fn kubectl(&self, kubectl: &Path, files: &[&Path], args: &[&str]) -> Outcome {
        run(kubectl_command(kubectl)
            .args(args)
            .env("KUBECONFIG", std::env::join_paths(files).unwrap())
            .env("HOME", self.env.home()))
    }

    /// kubectl's merged view of `files`.
    fn view(&self, files: &[&Path]) -> Value {
        let out = self.kubectl(
            Path::new("kubectl"),
            files,
            &["config", "view", "--raw", "-o", "json"],
        );
        assert_eq!(out.code, Some(0), "kubectl refused: {}", out.stderr);
        out.json()
    }

    /// Every file's bytes and mtime, and the folder's listing.
    fn snapshot(&self) -> (Vec<(Vec<u8>, std::time::SystemTime)>, Vec<PathBuf>) {
        let files = self
            .files
            .iter()
            .map(|p| {
                let meta = std::fs::metadata(p).unwrap();
                (std::fs::read(p).unwrap(), meta.modified().unwrap())
            })
            .collect();
        let mut listing: Vec<PathBuf> = std::fs::read_dir(self.env.home())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        listing.sort();
        (files, listing)
    }
}

fn names_of(view: &Value, key: &str) -> Vec<String> {
    view[key]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|e| e["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every order of `items`.
fn orders<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in orders(&rest) {
            tail.insert(0, first.clone());
            all.push(tail);
        }
    }
    all
}

/// Team A's, team B's and team C's files: the same names, three clusters.
fn teams() -> Vec<(&'static str, String)> {
    vec![
        (
            "teama.yaml",
            team_file("prod", CLUSTER_ID, "team-a", "do-nyc1-prod"),
        ),
        (
            "teamb.yaml",
            team_file("prod", OTHER_CLUSTER_ID, "team-b", "team-b-home"),
        ),
        (
            "teamc.yaml",
            team_file("prod", THIRD_CLUSTER_ID, "team-c", "do-nyc1-prod"),
        ),
    ]
}

/// What `remove` said kubectl's current context now is, checked against every kubectl.
fn check_said_current(layout: &Layout, said: &str) {
    let files: Vec<&Path> = layout.files.iter().map(PathBuf::as_path).collect();
    for kubectl in kubectls() {
        let out = layout.kubectl(&kubectl, &files, &["config", "current-context"]);
        let current = out.stdout.trim();
        if out.code == Some(0) && !current.is_empty() {
            assert!(
                said.contains(&format!("current context {current} ")),
                "{}: kubectl says {current:?}, doks-auth said:\n{said}",
                kubectl.display()
            );
        } else {
            assert!(
                said.contains("no current context"),
                "{}: kubectl has none, doks-auth said:\n{said}",
                kubectl.display()
            );
        }
    }
}

#[test]
fn remove_takes_only_this_clusters_definitions_from_files_that_share_its_names() {
    if !kubectl_available() {
        return;
    }
    let teams = teams();
    let layouts: Vec<Vec<(&str, String)>> = [&teams[..2], &teams[..]]
        .into_iter()
        .flat_map(orders)
        .collect();
    assert_eq!(layouts.len(), 2 + 6);
    for files in layouts {
        let order: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        let layout = Layout::new(&files);
        let before = layout.snapshot();
        let out = layout.doks(&["kubeconfig", "remove", "prod"]);
        assert_eq!(out.code, Some(0), "{order:?}: {}", out.stderr);
        let after = layout.snapshot();
        for (i, path) in layout.files.iter().enumerate() {
            let mine = path.ends_with("teama.yaml");
            assert_eq!(
                before.0[i].0 != after.0[i].0,
                mine,
                "{order:?}: {} changed: {}",
                path.display(),
                out.stderr
            );
            let view = layout.view(&[path]);
            let prod_left = names_of(&view, "clusters").contains(&"do-nyc1-prod".to_string())
                || names_of(&view, "contexts").contains(&"do-nyc1-prod".to_string());
            assert_eq!(prod_left, !mine, "{order:?}: {}: {view}", path.display());
        }
        // Team A's other context pairs its own cluster with the cluster's user: doks-auth never
        // writes that, so it is the team's own, and stays with the user it uses (said).
        let teama = layout.view(&[&layout.env.home().join("teama.yaml")]);
        assert_eq!(names_of(&teama, "contexts"), ["team-a-home"], "{order:?}");
        assert_eq!(
            names_of(&teama, "users"),
            ["do-nyc1-prod-admin"],
            "{order:?}"
        );
        assert_eq!(names_of(&teama, "clusters"), ["team-a-home"], "{order:?}");
        assert!(
            out.stderr.contains("kept context \"team-a-home\" in ")
                && out
                    .stderr
                    .contains(", and the user \"do-nyc1-prod-admin\" it uses"),
            "{order:?}: {}",
            out.stderr
        );
        if order[0] == "teama.yaml" {
            // Team A's file set the current context to the removed one.
            check_said_current(&layout, &out.stderr);
        }
    }
}

#[test]
fn remove_says_the_current_context_kubectl_falls_through_to() {
    if !kubectl_available() {
        return;
    }
    let teams = teams();
    // Team A's file comes first and made its prod current; team B's sets its own.
    let layout = Layout::new(&[teams[0].clone(), teams[1].clone()]);
    let out = layout.doks(&["kubeconfig", "remove", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(!out.stderr.contains("now unset"), "{}", out.stderr);
    assert!(out.stderr.contains("team-b-home"), "{}", out.stderr);
    check_said_current(&layout, &out.stderr);

    // Alone, team A's file sets none after the removal: kubectl has no current context.
    let alone = Layout::new(&[teams[0].clone()]);
    let out = alone.doks(&["kubeconfig", "remove", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    check_said_current(&alone, &out.stderr);
}

#[test]
fn entries_named_empty_or_unnamed_are_never_taken() {
    if !kubectl_available() {
        return;
    }
    let teams = teams();
    for files in orders(&[("unnamed.yaml", UNNAMED.to_string()), teams[0].clone()]) {
        let layout = Layout::new(&files);
        let unnamed = layout.env.home().join("unnamed.yaml");
        let before = std::fs::read(&unnamed).unwrap();
        let out = layout.doks(&["kubeconfig", "remove", "prod"]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        assert_eq!(std::fs::read(&unnamed).unwrap(), before, "{}", out.stderr);
        let view = layout.view(&[&unnamed]);
        assert_eq!(names_of(&view, "clusters"), [""]);
        assert_eq!(names_of(&view, "users"), [""]);
        assert_eq!(names_of(&view, "contexts"), [""]);
    }
    // In one file with ours, too.
    let mixed = teams[0].1.replace(
        "users:\n",
        "users:\n- name: \"\"\n  user:\n    token: someone-elses-token\n",
    );
    let mixed = mixed.replace(
        "contexts:\n",
        "contexts:\n- context:\n    cluster: do-nyc1-prod\n    user: \"\"\n",
    );
    let layout = Layout::new(&[("mixed.yaml", mixed)]);
    let out = layout.doks(&["kubeconfig", "remove", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let view = layout.view(&[&layout.files[0]]);
    // Beside the unnamed ones, only team A's own context and the user it uses stay.
    assert_eq!(
        names_of(&view, "users"),
        ["", "do-nyc1-prod-admin"],
        "{view}"
    );
    assert_eq!(names_of(&view, "contexts"), ["", "team-a-home"], "{view}");
    // The cluster the unnamed context uses stays, and is said to.
    assert!(
        names_of(&view, "clusters").contains(&"do-nyc1-prod".into()),
        "{view}"
    );
    assert!(
        out.stderr
            .contains("kept cluster \"do-nyc1-prod\": context (unnamed) still uses it"),
        "{}",
        out.stderr
    );
}

/// Team A's vanished `do-nyc1-old` (in its file), team B's live one of the same names (in
/// another file, another id and `--context team-b`).
fn prune_files() -> Vec<(&'static str, String)> {
    vec![
        (
            "teama.yaml",
            team_file("old", THIRD_CLUSTER_ID, "team-a", "do-nyc1-old"),
        ),
        (
            "teamb.yaml",
            team_file("old", OTHER_CLUSTER_ID, "team-b", "do-nyc1-old"),
        ),
    ]
}

#[test]
fn prune_takes_only_this_accounts_definitions_in_every_order() {
    if !kubectl_available() {
        return;
    }
    for files in orders(&prune_files()) {
        let order: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        let layout = Layout::new(&files);
        let teamb = layout.env.home().join("teamb.yaml");
        let before = layout.view(&[&teamb]);
        let dry = layout.snapshot();
        let out = layout.doks(&["kubeconfig", "save", "--all", "--prune", "--dry-run"]);
        assert_eq!(out.code, Some(0), "{order:?}: {}", out.stderr);
        assert_eq!(layout.snapshot(), dry, "{order:?}: the dry run wrote");
        assert!(
            out.stderr.contains("would remove context do-nyc1-old"),
            "{}",
            out.stderr
        );
        let out = layout.doks(&["kubeconfig", "save", "--all", "--prune"]);
        assert_eq!(out.code, Some(0), "{order:?}: {}", out.stderr);
        // Team B's entries are all there as they were (a new context may have gone to its file:
        // kubectl puts new entries in the first file).
        let teamb_view = layout.view(&[&teamb]);
        for key in ["clusters", "users", "contexts"] {
            for old in before[key].as_array().unwrap() {
                assert!(
                    teamb_view[key].as_array().unwrap().contains(old),
                    "{order:?}: {old} lost: {}",
                    out.stderr
                );
            }
        }
        assert_eq!(teamb_view["current-context"], "do-nyc1-old", "{order:?}");
        let teama = layout.view(&[&layout.env.home().join("teama.yaml")]);
        assert!(
            !names_of(&teama, "contexts").contains(&"do-nyc1-old".into()),
            "{order:?}: {teama}"
        );
    }
}

#[test]
fn a_dry_run_over_every_layout_leaves_every_file_and_mtime() {
    let teams = teams();
    let unnamed = ("unnamed.yaml", UNNAMED.to_string());
    let mut layouts: Vec<Vec<(&str, String)>> = Vec::new();
    layouts.extend(orders(&teams[..2]));
    layouts.extend(orders(&teams));
    layouts.extend(orders(&prune_files()));
    layouts.extend(orders(&[unnamed.clone(), teams[0].clone()]));
    layouts.extend(orders(&[unnamed, teams[1].clone(), teams[2].clone()]));
    for files in layouts {
        let order: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        let layout = Layout::new(&files);
        for args in [
            &["kubeconfig", "save", "--all", "--prune", "--dry-run"][..],
            &["kubeconfig", "save", "--all", "--dry-run"],
            &["kubeconfig", "save", "prod", "--dry-run"],
            &["kubeconfig", "save", "prod", "--alias", "a", "--dry-run"],
        ] {
            let before = layout.snapshot();
            let out = layout.doks(args);
            // Saving one cluster under names another team's file holds is refused (exit 1).
            assert!(
                matches!(out.code, Some(0 | 1)),
                "{order:?} {args:?}: {}",
                out.stderr
            );
            assert_eq!(
                layout.snapshot(),
                before,
                "{order:?} {args:?}: {}",
                out.stderr
            );
            assert!(
                !layout.env.cache_dir().exists()
                    || cache_entries(&layout.env.cache_dir()).is_empty(),
                "{order:?} {args:?}: a dry run cached a credential"
            );
        }
    }
}
