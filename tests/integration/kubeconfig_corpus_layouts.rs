//! The differential corpus across files (issue 22): `KUBECONFIG` layouts of two and three files
//! (tests/kubeconfigs/layouts, every order) that define the same cluster, user and context
//! names for different clusters and teams (stanzas with `--context team-b`), with entries named
//! `""`, `~` and unnamed. Team A runs `remove prod`, `save prod` and `save --all --prune` with
//! `--context team-a`; a plain kubectl (`kubectl.1.NN`) reads each file, and all of them as
//! `KUBECONFIG`, before and after: only team A's definitions of the clusters the command owns
//! may change, every other entry reads as it did. A dry run over every layout first leaves
//! every file's bytes and mtime, and the folder's listing.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::kubeconfig::*;
use crate::support::*;

/// Team A's vanished cluster (in teama.yaml): what `--prune` takes.
const VANISHED_A: &str = "5e7a1c2d-9b3f-4e8a-a6d1-2c4b6d8e0f13";

struct Layout {
    env: TestEnv,
    api: DoApi,
    files: Vec<PathBuf>,
}

impl Layout {
    fn new(names: &[&str]) -> Layout {
        let (env, api) = account(&[prod()]);
        let doctl = env.home().join(".config").join("doctl");
        std::fs::create_dir_all(&doctl).unwrap();
        let contexts = "auth-contexts:\n  team-a: T\n  team-b: T\n  team-c: T\n";
        std::fs::write(doctl.join("config.yaml"), contexts.replace('T', DO_TOKEN)).unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kubeconfigs/layouts");
        let files = names
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(dir.join(name)).unwrap();
                let path = env.home().join(name);
                let text = text.replace("API_URL", &api.url());
                std::fs::write(&path, text.replace("CA_DATA", &ca_base64())).unwrap();
                path
            })
            .collect();
        Layout { env, api, files }
    }

    /// `doks-auth <args>` as team A (`convert` is offline and takes no account).
    fn doks(&self, args: &[&str]) -> Outcome {
        let mut cmd = self.env.doks_auth();
        cmd.args(args)
            .env("KUBECONFIG", std::env::join_paths(&self.files).unwrap());
        if args[1] != "convert" {
            cmd.args(["--api-url", &self.api.url(), "--context", "team-a"]);
        }
        run(&mut cmd)
    }

    /// A plain kubectl's view of `files` (the dispatcher when there is none).
    fn view(&self, files: &[PathBuf]) -> Value {
        let kubectl = kubectls().pop().unwrap_or_else(|| "kubectl".into());
        let out = run(kubectl_command(&kubectl)
            .args(["config", "view", "--raw", "-o", "json"])
            .env("KUBECONFIG", std::env::join_paths(files).unwrap())
            .env("HOME", self.env.home()));
        assert_eq!(out.code, Some(0), "{}: {}", kubectl.display(), out.stderr);
        out.json()
    }

    /// kubectl's reading of each file alone, then of all of them.
    fn views(&self) -> Vec<Value> {
        let mut views: Vec<Value> = self
            .files
            .iter()
            .map(|f| self.view(std::slice::from_ref(f)))
            .collect();
        views.push(self.view(&self.files));
        views
    }

    /// Every file's bytes and mtime, and the folder's listing (no lock or temp file left).
    fn snapshot(&self) -> (Vec<(Vec<u8>, SystemTime)>, Vec<PathBuf>) {
        let files = self
            .files
            .iter()
            .map(|p| {
                (
                    std::fs::read(p).unwrap(),
                    std::fs::metadata(p).unwrap().modified().unwrap(),
                )
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

/// Every layout: teams A and B, A and C, and all three, in every order.
fn layouts() -> Vec<Vec<&'static str>> {
    let mut all = Vec::new();
    for names in [
        &["teama.yaml", "teamb.yaml"][..],
        &["teama.yaml", "teamc.yaml"],
        &["teama.yaml", "teamb.yaml", "teamc.yaml"],
    ] {
        all.extend(orders(names));
    }
    assert_eq!(all.len(), 2 + 2 + 6);
    all
}

fn orders(items: &[&'static str]) -> Vec<Vec<&'static str>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in orders(&rest) {
            tail.insert(0, first);
            all.push(tail);
        }
    }
    all
}

/// Whether a kubectl entry of `list` is team A's, for one of the cluster `ids`: its server,
/// its stanza's `--cluster-id` with `--context team-a`, or a team-A context (marked by its
/// namespace) whose user is one of those.
fn owned(list: &str, entry: &Value, ids: &[&str]) -> bool {
    match list {
        "clusters" => ids
            .iter()
            .any(|id| entry["cluster"]["server"] == server_of(id)),
        "users" => {
            let args = entry["user"]["exec"]["args"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let has = |s: &str| args.iter().any(|a| a == s);
            ids.iter().any(|id| has(id)) && (has("team-a") || !has("--context"))
        }
        _ => {
            let user = entry["context"]["user"].as_str().unwrap_or_default();
            entry["context"]["namespace"] == "team-a"
                && ids
                    .iter()
                    .any(|id| user == format!("do-nyc1-{}-admin", name_of(id)))
        }
    }
}

fn name_of(id: &str) -> &str {
    if id == CLUSTER_ID { "prod" } else { "old" }
}

fn entries(view: &Value, list: &str) -> Vec<Value> {
    view[list].as_array().cloned().unwrap_or_default()
}

/// Every entry of `before` that is not owned reads the same in `after`; every entry of `after`
/// is owned, was in `before`, or is one of `defined` (a definition some file held, which the
/// removal of a same-named owned one uncovered in the merged view).
fn only_owned_changed(what: &str, before: &Value, after: &Value, ids: &[&str], defined: &[Value]) {
    for list in ["clusters", "users", "contexts"] {
        let (was, now) = (entries(before, list), entries(after, list));
        for entry in &was {
            assert!(
                owned(list, entry, ids) || now.contains(entry),
                "{what}: {list}: {entry} changed or went"
            );
        }
        for entry in &now {
            let known = was.contains(entry)
                || defined
                    .iter()
                    .any(|view| entries(view, list).contains(entry));
            assert!(
                owned(list, entry, ids) || known,
                "{what}: {list}: {entry} appeared"
            );
        }
    }
}

/// Runs `args` on every layout and checks kubectl's reading of every file and of the layout:
/// only team A's entries of `ids` changed; the current context stays unless it was one of them
/// (or `save` set it).
fn differential(args: &[&str], ids: &[&str], succeeds: impl Fn(&[&str]) -> bool) {
    if !kubectl_available() {
        return;
    }
    for names in layouts() {
        let layout = Layout::new(&names);
        let (before, bytes) = (layout.views(), layout.snapshot());
        let out = layout.doks(args);
        let what = format!("{names:?} {args:?}");
        if !succeeds(&names) {
            // Refused (a name another team's file holds): nothing written.
            assert_eq!(out.code, Some(1), "{what}: {}", out.stderr);
            assert_eq!(layout.snapshot(), bytes, "{what}: refused, but wrote");
            continue;
        }
        assert_eq!(out.code, Some(0), "{what}: {}", out.stderr);
        let after = layout.views();
        let files = &before[..names.len()];
        for (i, (was, now)) in before.iter().zip(&after).enumerate() {
            let what = format!("{what} {}", names.get(i).unwrap_or(&"(all)"));
            only_owned_changed(&what, was, now, ids, files);
            let current = was["current-context"].as_str().unwrap_or_default();
            let owned_current = entries(was, "contexts")
                .iter()
                .any(|c| c["name"] == current && owned("contexts", c, ids));
            let set =
                args[1] == "save" && args[2] != "--all" && now["current-context"] == "do-nyc1-prod";
            assert!(
                owned_current || set || now["current-context"] == was["current-context"],
                "{what}: current-context {} became {}",
                was["current-context"],
                now["current-context"]
            );
        }
    }
}

#[test]
fn remove_changes_only_team_as_definitions_in_every_layout() {
    differential(&["kubeconfig", "remove", "prod"], &[CLUSTER_ID], |_| true);
}

#[test]
fn save_all_prune_changes_only_team_as_definitions_in_every_layout() {
    differential(
        &["kubeconfig", "save", "--all", "--prune"],
        &[CLUSTER_ID, VANISHED_A],
        |_| true,
    );
}

#[test]
fn save_changes_only_team_as_definitions_or_nothing_in_every_layout() {
    // Saved where team A's file defines the names first; refused where another team's does.
    differential(&["kubeconfig", "save", "prod"], &[CLUSTER_ID], |names| {
        names[0] == "teama.yaml"
    });
}

#[test]
fn dry_runs_leave_every_files_bytes_and_mtime_in_every_layout() {
    for names in layouts() {
        let layout = Layout::new(&names);
        for args in [
            &["kubeconfig", "save", "prod", "--dry-run"][..],
            &["kubeconfig", "save", "--all", "--dry-run"],
            &["kubeconfig", "save", "--all", "--prune", "--dry-run"],
            &["kubeconfig", "convert", "--dry-run"],
        ] {
            let before = layout.snapshot();
            let out = layout.doks(args);
            let what = format!("{names:?} {args:?}");
            assert!(matches!(out.code, Some(0 | 1)), "{what}: {}", out.stderr);
            assert_eq!(layout.snapshot(), before, "{what}: {}", out.stderr);
            assert!(
                !layout.env.cache_dir().exists()
                    || cache_entries(&layout.env.cache_dir()).is_empty(),
                "{what}: a dry run cached a credential"
            );
        }
    }
}
