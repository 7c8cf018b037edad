//! The differential test of issue 19: real kubeconfigs (tests/kubeconfigs: as kind, minikube,
//! k3s, EKS, GKE, AKS, Rancher, OpenShift, Teleport, Lens, doctl and the DigitalOcean control
//! panel write them, and YAML edge cases) through `kubeconfig save` (new and existing entries),
//! `remove` and `convert` with the real binary, against the DigitalOcean stand-in. kubectl's
//! own reading (`kubectl config view --raw -o json`) before and after must be the same outside
//! the entries the command owns; the file must stay loadable, a second run must leave the same
//! bytes, mode and owner stay, comment lines survive. doks-auth's reading of every file must
//! agree with kubectl's.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::kubeconfig::*;
use crate::kubeconfig_corpus_views::*;
use crate::support::*;

/// Files whose entries doks-auth owns cannot be changed in place (an alias elsewhere names
/// one): the document is written anew, as it reads, without its comments.
const WRITTEN_ANEW: &[&str] = &["edge-anchored-ours.yaml"];

/// The users `convert` converts, by file; none in the others.
const CONVERTED: &[(&str, &[&str])] = &[
    (
        "doctl.yaml",
        &["do-ams3-staging-admin", "do-nyc1-prod-admin"],
    ),
    ("do-control-panel.yaml", &["do-nyc1-prod-admin"]),
    // A certificate user with `token: ~` (or NULL) is no token user (case 5).
    ("edge-cert-null-token.yaml", &["do-ams3-staging-admin"]),
    // The control panel's DigitalOcean token on a DigitalOcean cluster.
    ("edge-existing-odd.yaml", &["do-nyc1-prod-admin"]),
    ("edge-flow.yaml", &["do-nyc1-prod-admin"]),
];

/// The corpus, by file name: the files of real tools, or the YAML edge cases (`edge-*`).
pub(crate) fn corpus(edge_cases: bool) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kubeconfigs");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .filter(|(name, _)| name.starts_with("edge-") == edge_cases)
        .collect();
    files.sort();
    assert!(files.len() >= 12, "the corpus shrank: {}", files.len());
    files
}

/// Runs `check` on every file, and fails naming every file it failed on.
pub(crate) fn each(files: &[(String, Vec<u8>)], check: impl Fn(&str, &[u8])) {
    let failed: Vec<&str> = files
        .iter()
        .filter(|(name, bytes)| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(name, bytes))).is_err()
        })
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(failed.is_empty(), "failed on {failed:?} (see above)");
}

/// The file written where the command will find it: private, and (as root) someone else's.
pub(crate) fn place(env: &TestEnv, name: &str, bytes: &[u8]) -> PathBuf {
    let path = env.home().join(name);
    std::fs::write(&path, bytes).unwrap();
    set_mode(&path, 0o600);
    #[cfg(unix)]
    if is_root() {
        std::os::unix::fs::chown(&path, Some(4242), Some(4343)).unwrap();
    }
    path
}

/// What every written file must still be: private, its owner's, and its comment lines and
/// top-level keys there, in order (unless written anew).
fn check_file(name: &str, path: &Path, original: &[u8]) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o600, "{name}: mode");
        if is_root() {
            assert_eq!((meta.uid(), meta.gid()), (4242, 4343), "{name}: owner");
        }
    }
    if WRITTEN_ANEW.contains(&name) {
        return;
    }
    let text = std::fs::read_to_string(path).unwrap();
    let original = String::from_utf8_lossy(original);
    let comments = original.lines().filter(|l| l.trim_start().starts_with('#'));
    in_order(name, &text, comments, |line| line.to_string());
    in_order(
        name,
        &text,
        original.lines().filter_map(top_level_key),
        |key| format!("{key}:"),
    );
}

/// `wanted` (made into what a line of `text` starts with by `start`) all start lines of `text`,
/// in that order.
fn in_order<'a>(
    name: &str,
    text: &str,
    wanted: impl Iterator<Item = &'a str>,
    start: impl Fn(&str) -> String,
) {
    let mut lines = text.lines();
    for want in wanted {
        let start = start(want);
        assert!(
            lines.any(|l| l.starts_with(&start)),
            "{name}: {start:?} lost or moved:\n{text}"
        );
    }
}

/// The key a line of a block document's top level starts with.
fn top_level_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once(':')?;
    let nested = key.is_empty() || key.starts_with([' ', '-', '#', '{', '}', '[', '\u{FEFF}']);
    (!nested).then_some(key)
}

/// doks-auth's reading agrees with kubectl's on every field both have.
fn check_reading(name: &str, path: &Path, kubectl: &Value) {
    let ours = doks_auth::kubeconfig::parse(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{name}: doks-auth cannot read what kubectl reads: {e}"));
    for list in ["clusters", "users", "contexts"] {
        let theirs = by_name(kubectl, list);
        let mine = by_name(&ours, list);
        assert_eq!(
            theirs.keys().collect::<Vec<_>>(),
            mine.keys().collect::<Vec<_>>(),
            "{name}: {list}"
        );
        for (entry, value) in &theirs {
            agree(&format!("{name}: {list} {entry}"), value, &mine[entry]);
        }
    }
    let current = ours["current-context"].as_str().unwrap_or_default();
    assert_eq!(kubectl["current-context"], current, "{name}");
}

/// Equal wherever both have a key (kubectl adds defaults, and drops fields it does not know).
fn agree(what: &str, theirs: &Value, ours: &Value) {
    match (theirs, ours) {
        (Value::Object(theirs), Value::Object(ours)) => {
            for (key, value) in theirs {
                if let Some(mine) = ours.get(key) {
                    agree(&format!("{what}.{key}"), value, mine);
                }
            }
        }
        (Value::Array(theirs), Value::Array(ours)) if theirs.len() == ours.len() => {
            for (i, (a, b)) in theirs.iter().zip(ours).enumerate() {
                agree(&format!("{what}[{i}]"), a, b);
            }
        }
        // kubectl's JSON writes the float 1.0 as 1.
        (Value::Number(theirs), Value::Number(ours)) => {
            assert_eq!(theirs.as_f64(), ours.as_f64(), "{what}")
        }
        _ => assert_eq!(theirs, ours, "{what}"),
    }
}

fn save_prod(env: &TestEnv, api: &DoApi, path: &Path) -> Outcome {
    run_ok(&mut doks(
        env,
        api,
        Some(path),
        &["kubeconfig", "save", "prod"],
    ))
}

#[test]
fn kubeconfigs_of_real_tools_read_the_same_after_save_and_remove() {
    save_and_remove(false);
}

#[test]
fn yaml_edge_cases_read_the_same_after_save_and_remove() {
    save_and_remove(true);
}

fn save_and_remove(edge_cases: bool) {
    if !kubectl_available() {
        return;
    }
    let (env, api) = account(&[prod()]);
    let ours = Owned::ours();
    each(&corpus(edge_cases), |name, original| {
        let path = place(&env, name, original);
        let before = view(&path);
        check_reading(name, &path, &before);

        // save: a new entry, or one already there (doctl's, the control panel's).
        let out = save_prod(&env, &api, &path);
        assert!(
            out.stderr.contains("saved context do-nyc1-prod"),
            "{name}: {}",
            out.stderr
        );
        let saved = view(&path);
        assert_eq!(
            outside(&saved, &ours),
            outside(&before, &ours),
            "{name}: save"
        );
        check_ours(name, &before, &saved);
        check_file(name, &path, original);
        check_reading(name, &path, &saved);
        let once = std::fs::read(&path).unwrap();
        save_prod(&env, &api, &path);
        assert!(
            std::fs::read(&path).unwrap() == once,
            "{name}: a second save changed bytes"
        );

        // remove: the file as it was, outside doks-auth's entries.
        let out = run_ok(&mut doks(
            &env,
            &api,
            Some(&path),
            &["kubeconfig", "remove", "prod"],
        ));
        let removed = view(&path);
        assert_eq!(
            outside(&removed, &ours),
            outside(&before, &ours),
            "{name}: remove"
        );
        for (list, entry) in ours.entries() {
            let kept = format!("kept {} {entry:?}:", &list[..list.len() - 1]);
            assert!(
                !by_name(&removed, list).contains_key(entry) || out.stderr.contains(&kept),
                "{name}: {list} {entry} left: {}",
                out.stderr
            );
        }
        check_file(name, &path, original);
        check_reading(name, &path, &removed);
        let once = std::fs::read(&path).unwrap();
        run_ok(&mut doks(
            &env,
            &api,
            Some(&path),
            &["kubeconfig", "remove", "prod"],
        ));
        assert!(
            std::fs::read(&path).unwrap() == once,
            "{name}: a second remove changed bytes"
        );
    });
}

/// doks-auth's entries after a save: its cluster and stanza; the context keeps what else it had.
fn check_ours(name: &str, before: &Value, after: &Value) {
    let cluster = &by_name(after, "clusters")["do-nyc1-prod"]["cluster"];
    assert_eq!(cluster["server"], server_of(CLUSTER_ID), "{name}");
    assert_eq!(cluster["certificate-authority-data"], ca_base64(), "{name}");
    let exec = &by_name(after, "users")["do-nyc1-prod-admin"]["user"]["exec"];
    assert_eq!(exec["command"], this_binary(), "{name}");
    assert_eq!(exec["args"][2], CLUSTER_ID, "{name}");
    assert_eq!(after["current-context"], "do-nyc1-prod", "{name}");
    let context = |view: &Value| -> Option<Map<String, Value>> {
        let mut context = by_name(view, "contexts")
            .get("do-nyc1-prod")?
            .get("context")?
            .as_object()?
            .clone();
        let ours = (context.remove("cluster"), context.remove("user"));
        assert!(ours.0.is_some() && ours.1.is_some(), "{name}");
        Some(context)
    };
    let now = context(after).unwrap();
    assert_eq!(
        by_name(after, "contexts")["do-nyc1-prod"]["context"]["user"],
        "do-nyc1-prod-admin"
    );
    if let Some(was) = context(before) {
        assert_eq!(now, was, "{name}: the context's other fields");
    }
}

#[test]
fn convert_changes_only_the_credential_of_digitalocean_users() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let mut files = corpus(false);
    files.extend(corpus(true));
    each(&files, |name, original| {
        let path = place(&env, name, original);
        let before = view(&path);
        let out = run_ok(
            env.doks_auth()
                .args(["kubeconfig", "convert"])
                .env("KUBECONFIG", &path),
        );
        let mut converted: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.ends_with("→ doks-auth"))
            .filter_map(|l| l.strip_prefix("doks-auth: ")?.split(": ").next())
            .collect();
        converted.sort();
        let expected = CONVERTED
            .iter()
            .find(|(file, _)| *file == name)
            .map_or(&[][..], |(_, users)| users);
        assert_eq!(converted, expected, "{name}: {}", out.stderr);
        if converted.is_empty() {
            assert!(
                std::fs::read(&path).unwrap() == original,
                "{name}: changed by a no-op"
            );
            return;
        }
        let after = view(&path);
        let owned = Owned::users(&converted);
        assert_eq!(
            outside(&after, &owned),
            outside(&before, &owned),
            "{name}: convert"
        );
        for user in &converted {
            let strip = |view: &Value| {
                let mut user = by_name(view, "users")[*user]["user"]
                    .as_object()
                    .unwrap()
                    .clone();
                let exec = user.remove("exec");
                user.remove("token");
                (user, exec)
            };
            let ((kept, exec), (was, _)) = (strip(&after), strip(&before));
            assert_eq!(kept, was, "{name}: {user} lost more than its credential");
            assert_eq!(exec.unwrap()["command"], this_binary(), "{name}: {user}");
        }
        check_file(name, &path, original);
        check_reading(name, &path, &after);
        let once = std::fs::read(&path).unwrap();
        run_ok(
            env.doks_auth()
                .args(["kubeconfig", "convert"])
                .env("KUBECONFIG", &path),
        );
        assert!(
            std::fs::read(&path).unwrap() == once,
            "{name}: a second convert changed bytes"
        );
    });
}
