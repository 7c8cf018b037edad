//! Issue 22 item 10: the shapes that used to make the editor write a whole list, or the whole
//! document, anew (losing every comment in it) are edited in place: a list item without a
//! `name` (kubectl reads `""`) or with `name: ~`, a top-level `<<` merge key, an unrelated
//! `? key`. Where a rewrite is unavoidable (the list that changes is aliased elsewhere, or
//! written `? key`), `-v` says which file, what and why. Checked on the file's bytes, with
//! `convert` (offline), and against kubectl's own reading.

use std::path::Path;

use serde_json::Value;

use crate::kubeconfig_corpus_views::*;
use crate::support::*;

const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

/// doctl's user for the cluster, as one list item; `convert` changes only this text.
fn doctl_user() -> String {
    format!(
        "- name: do-nyc1-prod-admin   # doctl's\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args: [kubernetes, cluster, kubeconfig, exec-credential, --version=v1beta1, {ID}]\n      command: doctl\n"
    )
}

/// `before` + doctl's user + `after`, converted with `-v`: kubectl reads every other entry as
/// before and the user as doks-auth's; returns the file's text and stderr.
fn convert(before: &str, after: &str) -> (String, String) {
    let env = TestEnv::new();
    let path = env.home().join("config");
    let original = format!("{before}{}{after}", doctl_user());
    std::fs::write(&path, &original).unwrap();
    let was = view(&path);
    let out = run_ok(
        env.doks_auth()
            .args(["-v", "kubeconfig", "convert"])
            .env("KUBECONFIG", &path),
    );
    assert!(
        out.stderr
            .contains("do-nyc1-prod-admin: doctl exec-credential → doks-auth"),
        "{}",
        out.stderr
    );
    let now = view(&path);
    let owned = Owned::users(&["do-nyc1-prod-admin"]);
    assert_eq!(outside(&now, &owned), outside(&was, &owned));
    let exec = &by_name(&now, "users")["do-nyc1-prod-admin"]["user"]["exec"];
    assert_eq!(
        exec["args"],
        serde_json::json!(["get-credential", "--cluster-id", ID])
    );
    (std::fs::read_to_string(&path).unwrap(), out.stderr)
}

/// The text around doctl's user stays byte for byte, and `-v` tells of no rewrite.
fn kept_in_place(before: &str, after: &str) {
    let (text, stderr) = convert(before, after);
    assert!(text.starts_with(before), "{text}");
    assert!(text.ends_with(after), "{text}");
    assert!(!stderr.contains("anew"), "{stderr}");
}

fn rewritten(path: &Path, stderr: &str, what: &str) {
    let line = format!(
        "kubeconfig: {}: wrote anew, without its comments and layout: {what}",
        path.display()
    );
    assert!(stderr.contains(&line), "{line:?} not in:\n{stderr}");
}

#[test]
fn items_without_a_name_or_with_a_null_name_keep_their_list_in_place() {
    if !kubectl_available() {
        return;
    }
    // kubectl refuses two `""` names in one list: one file each.
    kept_in_place(
        "apiVersion: v1\nkind: Config\nusers:\n# unnamed: kubectl reads \"\"\n- user: {token: abc}   # hand\n",
        "# end of users\ncontexts: []\n",
    );
    kept_in_place(
        "users:\n- name: ~\n  # null name\n  user: {token: def}\n",
        "- name: u\n  user:\n    token: ghi   # kept\n",
    );
}

#[test]
fn a_top_level_merge_key_keeps_the_document_in_place() {
    if !kubectl_available() {
        return;
    }
    kept_in_place(
        "# shared\nbase: &d\n  kind: Config   # kept\n  apiVersion: v1\n<<: *d\nclusters: []\nusers:\n# ours\n",
        "contexts: []   # none\n",
    );
}

#[test]
fn an_explicit_key_beside_the_change_keeps_the_document_in_place() {
    if !kubectl_available() {
        return;
    }
    kept_in_place(
        "# explicit\n? kind\n: Config\napiVersion: v1\nusers:\n# ours\n",
        "? contexts   # none\n: []\n",
    );
}

#[test]
fn a_merged_list_that_changes_gets_a_key_of_its_own_and_the_merge_stays() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let path = env.home().join("config");
    let user: String = doctl_user().lines().map(|l| format!("  {l}\n")).collect();
    let original =
        format!("# shared\nbase: &d\n  kind: Config\n  users:\n{user}<<: *d   # team defaults\n");
    std::fs::write(&path, &original).unwrap();
    let was = view(&path);
    let out = run_ok(
        env.doks_auth()
            .args(["-v", "kubeconfig", "convert"])
            .env("KUBECONFIG", &path),
    );
    let text = std::fs::read_to_string(&path).unwrap();
    // The anchored mapping and the merge stay as written; a users key of its own follows.
    assert!(text.starts_with(&original), "{text}");
    assert!(
        text[original.len()..].starts_with("users:\n- name: do-nyc1-prod-admin\n"),
        "{text}"
    );
    assert!(!out.stderr.contains("anew"), "{}", out.stderr);
    let now = view(&path);
    let owned = Owned::users(&["do-nyc1-prod-admin"]);
    assert_eq!(outside(&now, &owned), outside(&was, &owned));
    let exec = &by_name(&now, "users")["do-nyc1-prod-admin"]["user"]["exec"];
    assert_eq!(
        exec["command"],
        Value::String(doks_auth_bin().display().to_string())
    );
}

#[test]
fn an_unavoidable_rewrite_is_told_under_verbose_with_the_file_and_the_reason() {
    if !kubectl_available() {
        return;
    }
    // The users list is aliased elsewhere: changing it in place would change the alias too.
    let env = TestEnv::new();
    let path = env.home().join("config");
    let original = format!(
        "# aliased\nkind: Config\nusers: &u\n{}x-backup: *u\n",
        doctl_user()
    );
    std::fs::write(&path, &original).unwrap();
    let out = run_ok(
        env.doks_auth()
            .args(["-v", "kubeconfig", "convert"])
            .env("KUBECONFIG", &path),
    );
    rewritten(
        &path,
        &out.stderr,
        "the whole document, because it holds an anchor an alias reads (`&name`, `*name`), or an alias",
    );
    let now = view(&path);
    assert_eq!(
        by_name(&now, "users")["do-nyc1-prod-admin"]["user"]["exec"]["args"][2],
        ID
    );
    // A list written `? users` changes: the whole document, said so.
    let (_, stderr) = convert("# explicit\nkind: Config\n? users\n:\n", "");
    assert!(
        stderr.contains("wrote anew, without its comments and layout: the whole document, because a key in it is written as `? key`"),
        "{stderr}"
    );
    // Without -v, nothing is said.
    std::fs::write(&path, &original).unwrap();
    let out = run_ok(
        env.doks_auth()
            .args(["kubeconfig", "convert"])
            .env("KUBECONFIG", &path),
    );
    assert!(!out.stderr.contains("anew"), "{}", out.stderr);
}
