//! Every dry run over every file of the corpus (real tools' kubeconfigs and the YAML edge cases)
//! writes nothing: each file's bytes, mode and mtime stay, no lock or temporary file is left
//! beside it, and no cache is made (issue 22: "a dry-run pass over every case").

use std::path::Path;
use std::time::SystemTime;

use crate::kubeconfig::*;
use crate::kubeconfig_corpus::{corpus, each, place};
use crate::support::*;

fn state(path: &Path) -> (Vec<u8>, SystemTime, u32) {
    let meta = std::fs::metadata(path).unwrap();
    #[cfg(unix)]
    let mode = mode(path);
    #[cfg(not(unix))] // Windows has no modes
    let mode = 0;
    (std::fs::read(path).unwrap(), meta.modified().unwrap(), mode)
}

fn folder(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_dry_run_leaves_every_corpus_file_as_it_was() {
    let (env, api) = account(&[prod(), staging()]);
    doctl_contexts(&env, &["team-a"]);
    let mut files = corpus(false);
    files.extend(corpus(true));
    let dry_runs: [&[&str]; 3] = [
        &["kubeconfig", "save", "prod", "--dry-run"],
        &["kubeconfig", "save", "--all", "--dry-run"],
        // Pruning needs the doctl context whose clusters these are.
        &[
            "kubeconfig",
            "save",
            "--all",
            "--prune",
            "--dry-run",
            "--context",
            "team-a",
        ],
    ];
    each(&files, |name, original| {
        let path = place(&env, name, original);
        let before = (state(&path), folder(env.home()));
        for args in dry_runs {
            let out = run(&mut doks(&env, &api, Some(&path), args));
            assert_eq!(out.code, Some(0), "{name}: {args:?}: {}", out.stderr);
            assert_eq!(out.stdout, "", "{name}: {args:?}");
            let after = (state(&path), folder(env.home()));
            assert!(
                after == before,
                "{name}: {args:?} changed the file or its folder"
            );
        }
        assert!(
            !env.cache_dir().exists(),
            "{name}: a dry run made the cache"
        );
        std::fs::remove_file(&path).unwrap();
    });
}
