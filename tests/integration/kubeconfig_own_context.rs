//! A context the user made with kubectl on doks-auth's cluster and user (`kubectl config
//! set-context prod-system --cluster do-nyc1-prod --user do-nyc1-prod-admin --namespace
//! kube-system`) is the user's: `remove` (by name, or by id once the cluster is gone) and `save
//! --all --prune` leave it, keep the entries it uses, and say so in one line naming its file.
//! The contexts doks-auth wrote go: under its name (a namespace added with `set-context
//! --current` and all, which `save` keeps there) or an alias, as `save` writes them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::kubeconfig::*;
use crate::support::*;

struct Layout {
    env: TestEnv,
    api: DoApi,
    ours: PathBuf,
    mine: PathBuf,
}

impl Layout {
    /// `ours` saved by doks-auth with `save_args`, then `mine` made by plain kubectl.
    fn new(save_args: &[&str]) -> Layout {
        let (env, api) = account(&[prod()]);
        doctl_contexts(&env, &["team-a"]);
        let ours = env.home().join("ours.yaml");
        save(&env, &api, &ours, save_args);
        let mine = env.home().join("mine.yaml");
        std::fs::write(&mine, "apiVersion: v1\nkind: Config\n").unwrap();
        let layout = Layout {
            env,
            api,
            ours,
            mine,
        };
        let kubectl = [
            "config",
            "set-context",
            "prod-system",
            "--cluster",
            "do-nyc1-prod",
            "--user",
            "do-nyc1-prod-admin",
            "--namespace",
            "kube-system",
        ];
        layout.kubectl(&[&layout.mine], &kubectl);
        layout
    }

    fn both(&self) -> std::ffi::OsString {
        std::env::join_paths([&self.ours, &self.mine]).unwrap()
    }

    fn doks(&self, args: &[&str]) -> Outcome {
        run_ok(doks(&self.env, &self.api, None, args).env("KUBECONFIG", self.both()))
    }

    fn kubectl(&self, files: &[&Path], args: &[&str]) -> Outcome {
        run_ok(
            self.env
                .command("kubectl")
                .args(args)
                .env("KUBECONFIG", std::env::join_paths(files).unwrap()),
        )
    }

    fn view(&self) -> Value {
        let args = ["config", "view", "--raw", "-o", "json"];
        self.kubectl(&[&self.ours, &self.mine], &args).json()
    }

    /// The line that says the user's context and its entries were kept.
    fn kept_line(&self) -> String {
        format!(
            "doks-auth: kept context \"prod-system\" in {}, and the cluster \"do-nyc1-prod\" and user \"do-nyc1-prod-admin\" it uses in {}: doks-auth did not write that context (a name and fields of its own: namespace)\n",
            self.mine.display(),
            self.ours.display()
        )
    }

    /// Only the user's context is left, whole: kubectl still reaches the cluster through it.
    fn check_kept(&self, mine_before: &[u8]) {
        assert_eq!(std::fs::read(&self.mine).unwrap(), mine_before);
        let view = self.view();
        assert_eq!(names(&view, "contexts"), ["prod-system"], "{view}");
        assert_eq!(names(&view, "clusters"), ["do-nyc1-prod"], "{view}");
        assert_eq!(names(&view, "users"), ["do-nyc1-prod-admin"], "{view}");
        let minified = self
            .kubectl(
                &[&self.ours, &self.mine],
                &[
                    "config",
                    "view",
                    "--raw",
                    "-o",
                    "json",
                    "--minify",
                    "--context",
                    "prod-system",
                ],
            )
            .json();
        assert_eq!(
            minified["clusters"][0]["cluster"]["server"],
            server_of(CLUSTER_ID)
        );
        assert_eq!(minified["users"][0]["user"]["exec"]["args"][2], CLUSTER_ID);
    }
}

#[test]
fn remove_keeps_a_context_the_user_made_on_our_cluster_and_user() {
    if !kubectl_available() {
        return;
    }
    for by in ["prod", CLUSTER_ID] {
        let layout = Layout::new(&["prod"]);
        let mine_before = std::fs::read(&layout.mine).unwrap();
        let out = layout.doks(&["kubeconfig", "remove", by]);
        assert!(
            out.stderr.contains(&format!(
                "doks-auth: removed context do-nyc1-prod from {}\n",
                layout.ours.display()
            )),
            "{by}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&layout.kept_line()),
            "{by}: {}",
            out.stderr
        );
        layout.check_kept(&mine_before);
    }
}

#[test]
fn remove_takes_the_contexts_doks_auth_wrote_a_namespace_added_or_an_alias() {
    if !kubectl_available() {
        return;
    }
    // doks-auth's own context, given a namespace by `set-context --current`; and one saved under
    // an alias, by its alias and by a remove that does not know it.
    for (save_args, remove_args) in [
        (&["prod"][..], &["prod"][..]),
        (&["prod", "--alias", "prod"], &["prod", "--alias", "prod"]),
        (&["prod", "--alias", "prod"], &["prod"]),
    ] {
        let layout = Layout::new(save_args);
        if save_args.len() == 1 {
            let args = ["config", "set-context", "--current", "--namespace", "dev"];
            layout.kubectl(&[&layout.ours], &args);
        }
        let mine_before = std::fs::read(&layout.mine).unwrap();
        let mut args = vec!["kubeconfig", "remove"];
        args.extend_from_slice(remove_args);
        let out = layout.doks(&args);
        assert!(
            out.stderr.contains(&layout.kept_line()),
            "{save_args:?}: {}",
            out.stderr
        );
        let ours = layout.kubectl(&[&layout.ours], &["config", "view", "-o", "json"]);
        assert!(
            ours.json()["contexts"]
                .as_array()
                .is_none_or(|c| c.is_empty()),
            "{save_args:?} {remove_args:?}: {}",
            ours.stdout
        );
        layout.check_kept(&mine_before);
    }
}

#[test]
fn prune_keeps_a_context_the_user_made_on_a_vanished_clusters_entries() {
    if !kubectl_available() {
        return;
    }
    let layout = Layout::new(&["prod", "--context", "team-a"]);
    // prod is deleted at DigitalOcean: the account lists no cluster.
    layout.api.reset();
    layout.api.serve_clusters(&[]);
    let mine_before = std::fs::read(&layout.mine).unwrap();
    for dry in [true, false] {
        let mut args = vec![
            "kubeconfig",
            "save",
            "--all",
            "--prune",
            "--context",
            "team-a",
        ];
        if dry {
            args.push("--dry-run");
        }
        let out = layout.doks(&args);
        let removed = if dry { "would remove" } else { "removed" };
        assert!(
            out.stderr.contains(&format!(
                "doks-auth: {removed} context do-nyc1-prod (cluster {CLUSTER_ID} no longer exists)"
            )),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("still uses it"), "{}", out.stderr);
    }
    layout.check_kept(&mine_before);
}
