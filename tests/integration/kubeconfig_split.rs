//! Another team keeps its context in one file and its cluster and user in another, under the
//! names team A's entries have in a file before them. kubectl reads that context with team A's
//! entries while they exist, and with team B's own once they are gone: `remove` and `save --all
//! --prune` for team A leave it, and never touch (nor chmod) a file holding nothing of A's.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::kubeconfig::*;
use crate::support::*;

/// A team's `do-nyc1-<name>` cluster and user for cluster `id`, saved with `--context <team>`.
fn entries_file(name: &str, id: &str, team: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Config
clusters:
- name: do-nyc1-{name}
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: do-nyc1-{name}-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: doks-auth
      args: [get-credential, --cluster-id, {id}, --context, {team}, --api-url, API_URL]
      interactiveMode: Never
"#,
        server = server_of(id),
        ca = ca_base64()
    )
}

fn context_file(name: &str, current: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: do-nyc1-{name}\n  context:\n    cluster: do-nyc1-{name}\n    user: do-nyc1-{name}-admin\ncurrent-context: \"{current}\"\n"
    )
}

/// Team A's entries and context in one file.
fn whole_file(name: &str, id: &str, team: &str) -> String {
    let entries = entries_file(name, id, team);
    let context = context_file(name, &format!("do-nyc1-{name}"));
    entries + &context["apiVersion: v1\nkind: Config\n".len()..]
}

struct Split {
    env: TestEnv,
    api: DoApi,
    files: Vec<PathBuf>,
}

impl Split {
    /// The files, in `KUBECONFIG` order; team A's account with these live clusters.
    fn new(files: &[(&str, String)], live: &[Value]) -> Split {
        let (env, api) = account(live);
        doctl_contexts(&env, &["team-a", "team-b"]);
        let files = files
            .iter()
            .map(|(name, text)| {
                let path = env.home().join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text.replace("API_URL", &api.url())).unwrap();
                set_mode(&path, 0o644);
                path
            })
            .collect();
        Split { env, api, files }
    }

    fn doks(&self, args: &[&str]) -> Outcome {
        run(self
            .env
            .doks_auth()
            .args(args)
            .args(["--api-url", &self.api.url(), "--context", "team-a"])
            .env("KUBECONFIG", std::env::join_paths(&self.files).unwrap()))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.env.home().join(name)
    }

    fn view(&self, files: &[&Path]) -> Value {
        run_ok(
            self.env
                .command("kubectl")
                .args(["config", "view", "--raw", "-o", "json"])
                .env("KUBECONFIG", std::env::join_paths(files).unwrap()),
        )
        .json()
    }

    fn state(&self, name: &str) -> (String, u32, std::time::SystemTime) {
        let path = self.path(name);
        let meta = std::fs::metadata(&path).unwrap();
        #[cfg(unix)]
        let mode = mode(&path);
        #[cfg(not(unix))] // Windows has no modes
        let mode = 0;
        (
            std::fs::read_to_string(&path).unwrap(),
            mode,
            meta.modified().unwrap(),
        )
    }
}

fn names_in(view: &Value, key: &str) -> Vec<String> {
    view[key]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|e| e["name"].as_str().unwrap_or("").into())
                .collect()
        })
        .unwrap_or_default()
}

const ORDERS: [[&str; 3]; 3] = [
    ["teama.yaml", "teamb-ctx.yaml", "teamb-entries.yaml"],
    ["teama.yaml", "teamb-entries.yaml", "teamb-ctx.yaml"],
    ["teamb-ctx.yaml", "teama.yaml", "teamb-entries.yaml"],
];

#[test]
fn remove_leaves_another_teams_context_whose_entries_sit_in_a_later_file() {
    if !kubectl_available() {
        return;
    }
    for order in ORDERS {
        let files: Vec<(&str, String)> = order
            .iter()
            .map(|&name| {
                let text = match name {
                    "teama.yaml" => whole_file("prod", CLUSTER_ID, "team-a"),
                    "teamb-ctx.yaml" => context_file("prod", ""),
                    _ => entries_file("prod", OTHER_CLUSTER_ID, "team-b"),
                };
                (name, text)
            })
            .collect();
        let split = Split::new(&files, &[prod()]);
        let b_before = [
            split.state("teamb-ctx.yaml"),
            split.state("teamb-entries.yaml"),
        ];
        let out = split.doks(&["kubeconfig", "remove", "prod"]);
        assert_eq!(out.code, Some(0), "{order:?}: {}", out.stderr);
        let b_after = [
            split.state("teamb-ctx.yaml"),
            split.state("teamb-entries.yaml"),
        ];
        assert_eq!(
            b_before, b_after,
            "{order:?}: team B's files touched: {}",
            out.stderr
        );
        // Team A's entries are gone; kubectl now reads team B's context with B's own entries.
        let teama = split.view(&[&split.path("teama.yaml")]);
        assert!(
            names_in(&teama, "contexts").is_empty(),
            "{order:?}: {teama}"
        );
        assert!(names_in(&teama, "users").is_empty(), "{order:?}: {teama}");
        let paths: Vec<&Path> = split.files.iter().map(PathBuf::as_path).collect();
        let all = split.view(&paths);
        assert_eq!(names_in(&all, "contexts"), ["do-nyc1-prod"], "{order:?}");
        assert_eq!(
            all["users"][0]["user"]["exec"]["args"][2], OTHER_CLUSTER_ID,
            "{order:?}: {all}"
        );
        assert!(!out.stderr.contains("kept"), "{order:?}: {}", out.stderr);
    }
}

#[test]
fn prune_leaves_another_teams_context_whose_live_entries_sit_in_a_later_file() {
    if !kubectl_available() {
        return;
    }
    for order in ORDERS {
        let files: Vec<(&str, String)> = order
            .iter()
            .map(|&name| {
                let text = match name {
                    // Team A's old cluster, deleted at DigitalOcean.
                    "teama.yaml" => whole_file("old", THIRD_CLUSTER_ID, "team-a"),
                    "teamb-ctx.yaml" => context_file("old", "do-nyc1-old"),
                    _ => entries_file("old", OTHER_CLUSTER_ID, "team-b"),
                };
                (name, text)
            })
            .collect();
        // No live cluster: nothing is added (to the first file, whoever's it is).
        let split = Split::new(&files, &[]);
        let b_before = [
            split.state("teamb-ctx.yaml"),
            split.state("teamb-entries.yaml"),
        ];
        for dry in [true, false] {
            let mut args = vec!["kubeconfig", "save", "--all", "--prune"];
            if dry {
                args.push("--dry-run");
            }
            let out = split.doks(&args);
            assert_eq!(out.code, Some(0), "{order:?}: {}", out.stderr);
            let b_after = [
                split.state("teamb-ctx.yaml"),
                split.state("teamb-entries.yaml"),
            ];
            assert_eq!(
                b_before, b_after,
                "{order:?}: team B's files touched: {}",
                out.stderr
            );
            let lines: Vec<&str> = out
                .stderr
                .lines()
                .filter(|l| l.contains("remove") && l.contains("do-nyc1-old"))
                .collect();
            assert_eq!(lines.len(), 1, "{order:?}: {}", out.stderr);
        }
        let teama = split.view(&[&split.path("teama.yaml")]);
        assert!(
            names_in(&teama, "contexts").is_empty(),
            "{order:?}: {teama}"
        );
        assert!(names_in(&teama, "users").is_empty(), "{order:?}: {teama}");
        let paths: Vec<&Path> = split.files.iter().map(PathBuf::as_path).collect();
        let all = split.view(&paths);
        assert!(
            names_in(&all, "contexts").contains(&"do-nyc1-old".to_string()),
            "{order:?}: {all}"
        );
    }
}

/// A removal that spans two files (the entries in one, the context in another) changes both or
/// neither: here the second file is a mount point (bound onto itself in a namespace of its own),
/// which a rename cannot replace, so the first file, already replaced, must get its old text back
/// rather than lose the entries the context names, and the error must say so.
#[cfg(target_os = "linux")]
#[test]
fn a_change_to_two_files_that_cannot_write_the_second_changes_neither() {
    if !kubectl_available() {
        return;
    }
    let files = [
        ("teama.yaml", entries_file("prod", CLUSTER_ID, "team-a")),
        ("b/ctx.yaml", context_file("prod", "do-nyc1-prod")),
    ];
    let split = Split::new(&files, &[prod()]);
    let before = [split.state("teama.yaml"), split.state("b/ctx.yaml")];
    let script = r#"
        mount --bind "$CTX" "$CTX" || exit 97
        exec "$BIN" kubeconfig remove prod --api-url "$API" --context team-a
    "#;
    let out = run(split
        .env
        .command("unshare")
        .args(["-rm", "sh", "-c", script])
        .env("CTX", split.path("b/ctx.yaml"))
        .env("BIN", doks_auth_bin())
        .env("API", split.api.url())
        .env("KUBECONFIG", std::env::join_paths(&split.files).unwrap()));
    if no_namespaces(&out) {
        return;
    }
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.starts_with("doks-auth: "), "{}", out.stderr);
    let told = format!(
        "{} had already been rewritten and got its old text, mode and time back",
        split.path("teama.yaml").display()
    );
    assert!(out.stderr.contains(&told), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let after = [split.state("teama.yaml"), split.state("b/ctx.yaml")];
    assert_eq!(before, after, "{}", out.stderr);
    let leftovers: Vec<_> = [split.env.home().to_path_buf(), split.path("b")]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".doks-auth-kubeconfig-") || name.ends_with(".lock"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // And with no mount in the way the same removal goes through in both files.
    let out = split.doks(&["kubeconfig", "remove", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let paths: Vec<&Path> = split.files.iter().map(PathBuf::as_path).collect();
    let all = split.view(&paths);
    assert!(names_in(&all, "contexts").is_empty(), "{all}");
    assert!(names_in(&all, "users").is_empty(), "{all}");
}

/// Team A's cluster and user in the first file, with `current-context` naming team B's context
/// in the second, which kubectl reads with A's entries: removing them leaves the context, now
/// reaching team B's cluster. kubectl then talks to another cluster under the same name, so
/// `remove` says so, as kubectl reads it (review of issue 22, item 4).
#[test]
fn remove_says_when_the_current_context_now_reaches_another_teams_cluster() {
    if !kubectl_available() {
        return;
    }
    let teama = entries_file("prod", CLUSTER_ID, "team-a") + "current-context: do-nyc1-prod\n";
    let files = [
        ("teama.yaml", teama),
        ("teamb.yaml", whole_file("prod", OTHER_CLUSTER_ID, "team-b")),
    ];
    let split = Split::new(&files, &[prod()]);
    let paths: Vec<&Path> = split.files.iter().map(PathBuf::as_path).collect();
    let server = |view: &Value| view["clusters"][0]["cluster"]["server"].clone();
    let minify = |split: &Split| -> Value {
        run_ok(
            split
                .env
                .command("kubectl")
                .args(["config", "view", "--minify", "--raw", "-o", "json"])
                .env("KUBECONFIG", std::env::join_paths(&paths).unwrap()),
        )
        .json()
    };
    assert_eq!(server(&minify(&split)), server_of(CLUSTER_ID));
    let out = split.doks(&["kubeconfig", "remove", "prod"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(server(&minify(&split)), server_of(OTHER_CLUSTER_ID));
    let told = format!(
        "kubectl now reads its cluster \"do-nyc1-prod\" from {} (server {})",
        split.path("teamb.yaml").display(),
        server_of(OTHER_CLUSTER_ID)
    );
    assert!(out.stderr.contains(&told), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("kubectl now uses the current context do-nyc1-prod"),
        "{}",
        out.stderr
    );
}
