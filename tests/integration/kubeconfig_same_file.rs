//! One file twice in `KUBECONFIG`, spelled two ways (`/home/me/config` and `config`, `../me/
//! config`, a symlink to it), whether it exists yet or not. kubectl drops only repeats of the
//! same string and reads the file twice, to no effect; doks-auth reads and locks it once: it
//! used to wait 10 s on its own lock and fail.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::kubeconfig::*;
use crate::support::*;

fn doks_in(env: &TestEnv, api: &DoApi, kubeconfig: &str, args: &[&str]) -> (Outcome, Duration) {
    let started = Instant::now();
    let out = run(doks(env, api, None, args)
        .env("KUBECONFIG", kubeconfig)
        .current_dir(env.home()));
    (out, started.elapsed())
}

fn view(env: &TestEnv, kubeconfig: &str) -> Value {
    run_ok(
        env.command("kubectl")
            .args(["config", "view", "--raw", "-o", "json"])
            .env("KUBECONFIG", kubeconfig)
            .current_dir(env.home()),
    )
    .json()
}

#[test]
fn one_file_spelled_two_ways_in_kubeconfig_is_locked_once() {
    if !kubectl_available() {
        return;
    }
    for (existing, second) in [
        (true, "config"),
        (false, "config"),
        (true, "../HOME/config"),
        (false, "../HOME/config"),
        (true, "link"),
    ] {
        let (env, api) = account(&[prod()]);
        // What the file holds when it is named once.
        let alone = env.home().join("alone");
        save(&env, &api, &alone, &["prod"]);
        let expected = std::fs::read_to_string(&alone).unwrap();
        let home_name = env.home().file_name().unwrap().to_str().unwrap();
        let second = second.replace("HOME", home_name);
        let path = env.home().join("config");
        if existing {
            std::fs::write(&path, "apiVersion: v1\nkind: Config\n").unwrap();
        }
        std::os::unix::fs::symlink(&path, env.home().join("link")).unwrap();
        let kubeconfig = format!("{}:{second}", path.display());
        let what = format!("{kubeconfig} (existing: {existing})");
        let (out, took) = doks_in(&env, &api, &kubeconfig, &["kubeconfig", "save", "prod"]);
        assert_eq!(out.code, Some(0), "{what}: {}", out.stderr);
        assert!(took < Duration::from_secs(5), "{what}: {took:?}");
        let text = std::fs::read_to_string(&path).unwrap();
        if !existing {
            assert_eq!(text, expected, "{what}");
        }
        let seen = view(&env, &kubeconfig);
        assert_eq!(seen, view(&env, path.to_str().unwrap()), "{what}");
        assert_eq!(seen["current-context"], "do-nyc1-prod", "{what}");

        let (out, took) = doks_in(&env, &api, &kubeconfig, &["kubeconfig", "remove", "prod"]);
        assert_eq!(out.code, Some(0), "{what}: {}", out.stderr);
        assert!(took < Duration::from_secs(5), "{what}: {took:?}");
        let seen = view(&env, &kubeconfig);
        assert!(
            seen["contexts"].as_array().is_none_or(|c| c.is_empty()),
            "{what}: {seen}"
        );
        assert!(!Path::new(&format!("{}.lock", path.display())).exists());
    }
}
