use serde_json::json;

use super::*;

/// `text` read, changed by `change`, written back; the result must read as the changed value.
fn edited(text: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut doc = parse(text).unwrap();
    change(&mut doc);
    let out = rewrite(text, &doc).unwrap();
    assert_eq!(parse(&out).unwrap(), doc, "{out}");
    out
}

fn list<'a>(doc: &'a mut Value, key: &str) -> &'a mut Vec<Value> {
    if !doc[key].is_array() {
        doc[key] = json!([]);
    }
    doc[key].as_array_mut().unwrap()
}

const OURS: &str = "do-nyc1-prod";

fn cluster(server: &str) -> Value {
    json!({"name": OURS, "cluster": {"server": server, "certificate-authority-data": "LS0t"}})
}

const COMMENTED: &str = "\
# written by hand
apiVersion: v1
kind: Config
clusters:
  # kind's cluster
  - name: kind-kind   # the local one
    cluster:
      server: 'https://127.0.0.1:6443'
      x-flag: yes
  - name: do-nyc1-prod
    cluster: {server: https://old.example, insecure-skip-tls-verify: true}
  - cluster:
      server: https://z.example
    name: zeta
users: []
current-context: kind-kind # keep me
preferences: {colors: on}
";

#[test]
fn a_replaced_entry_changes_only_its_own_text() {
    let out = edited(COMMENTED, |doc| {
        list(doc, "clusters")[1] = cluster("https://new.example");
    });
    // A flow mapping stays one: a value replaced, a key taken out with its comma, one added.
    let expected = COMMENTED.replace(
        "    cluster: {server: https://old.example, insecure-skip-tls-verify: true}\n",
        "    cluster: {server: \"https://new.example\", \"certificate-authority-data\": \"LS0t\"}\n",
    );
    assert_eq!(out, expected);
}

#[test]
fn new_entries_go_after_the_last_and_into_empty_lists() {
    let out = edited(COMMENTED, |doc| {
        list(doc, "clusters").push(json!({"name": "new", "cluster": {"server": "yes"}}));
        list(doc, "users").push(json!({"name": "u", "user": {}}));
        doc["current-context"] = "new".into();
        doc["x-added"] = json!({"on": "0x1F"});
    });
    assert!(out.starts_with(&COMMENTED[..COMMENTED.find("users").unwrap() - 1]));
    assert!(
        out.contains("    name: zeta\n  - cluster:\n      server: \"yes\"\n    name: new\nusers:\n- name: u\n  user: {}\ncurrent-context: new # keep me\n"),
        "{out}"
    );
    assert!(
        out.ends_with("preferences: {colors: on}\nx-added:\n  \"on\": \"0x1F\"\n"),
        "{out}"
    );
}

#[test]
fn removed_entries_take_their_lines_and_an_emptied_list_stays_a_list() {
    let out = edited(COMMENTED, |doc| {
        list(doc, "clusters").remove(1);
    });
    assert_eq!(
        out,
        COMMENTED.replace(
            "  - name: do-nyc1-prod\n    cluster: {server: https://old.example, insecure-skip-tls-verify: true}\n",
            ""
        )
    );
    let out = edited(
        "clusters:\n- name: a\n  cluster: {}\n# end\nkind: Config\n",
        |doc| {
            list(doc, "clusters").clear();
        },
    );
    assert_eq!(out, "clusters: []\n# end\nkind: Config\n");
}

#[test]
fn saving_the_same_value_again_changes_nothing() {
    let doc = parse(COMMENTED).unwrap();
    assert_eq!(rewrite(COMMENTED, &doc).unwrap(), COMMENTED);
}

#[test]
fn null_lists_in_every_spelling_are_empty_lists() {
    for null in ["~", "null", "Null", "NULL", ""] {
        let text = format!("users: {null}\nclusters: {null}\ncontexts: {null}\n");
        let doc = parse(&text).unwrap();
        assert!(doc["users"].is_null(), "{null:?}");
        let out = edited(&text, |doc| {
            list(doc, "users").push(json!({"name": "u", "user": {"token": "t"}}));
        });
        assert!(
            out.starts_with("users:\n- name: u\n  user:\n    token: t\nclusters:"),
            "{out}"
        );
    }
}

#[test]
fn only_the_first_document_is_read_and_the_others_are_kept() {
    let text = "current-context: a\nusers: ~\n---\ncurrent-context: b\n--- [broken\n";
    assert_eq!(parse(text).unwrap()["current-context"], "a");
    let out = edited(text, |doc| doc["current-context"] = "c".into());
    assert_eq!(out, text.replacen("a\n", "c\n", 1));
    // An empty first document is where a new one goes.
    let out = edited("---\n---\nkind: Other\n", |doc| {
        doc["kind"] = "Config".into()
    });
    assert!(out.ends_with("---\nkind: Other\n"), "{out}");
}

#[test]
fn line_endings_and_a_byte_order_mark_are_kept() {
    let text = "\u{FEFF}apiVersion: v1\r\nclusters:\r\n- name: a\r\n  cluster: {}\r\n";
    let out = edited(text, |doc| {
        list(doc, "clusters").push(json!({"name": "b", "cluster": {"server": "s"}}));
    });
    assert_eq!(
        out,
        format!("{text}- cluster:\r\n    server: s\r\n  name: b\r\n")
    );
}

#[test]
fn merge_keys_are_read_as_kubectl_reads_them() {
    let text = "\
defaults: &d {namespace: from-defaults, cluster: c1}
contexts:
- name: later-merge-wins
  context: {namespace: explicit, <<: *d}
- name: later-key-wins
  context: {<<: *d, namespace: explicit}
- name: first-of-a-list-wins
  context:
    <<: [{namespace: first}, {namespace: second, user: u2}]
";
    let doc = parse(text).unwrap();
    let namespace = |i: usize| doc["contexts"][i]["context"]["namespace"].clone();
    assert_eq!(namespace(0), "from-defaults");
    assert_eq!(namespace(1), "explicit");
    assert_eq!(namespace(2), "first");
    assert_eq!(doc["contexts"][2]["context"]["user"], "u2");
    // Editing next to them keeps them as they are, and as they read.
    let out = edited(text, |doc| {
        list(doc, "contexts").push(json!({"name": "n", "context": {"cluster": "x"}}));
    });
    assert!(out.starts_with(text), "{out}");
    // An entry that merges is edited by the keys written in it; the merge stays (issue 22).
    let out = edited(text, |doc| {
        doc["contexts"][0]["context"]["user"] = "ours".into();
    });
    let changed: Vec<(&str, &str)> = text
        .lines()
        .zip(out.lines())
        .filter(|(was, now)| was != now)
        .collect();
    assert_eq!(changed.len(), 1, "{out}");
    assert!(
        changed[0]
            .1
            .starts_with("  context: {namespace: explicit, <<: *d, ")
            && changed[0].1.contains("ours"),
        "{out}"
    );
}

#[test]
fn scalars_and_keys_are_read_as_yaml_1_1() {
    let doc = parse(
        "x: {on: push, 0x1F: hex, 1.10: release, 1e6: e, burst: 1_000.5, mask: 0x_1F, \
         rate: 1_0e3, a: 08, b: 0o17, c: '0x1F', d: !!str 1, e: !!float 1, f: 12345678901234567890, \
         g: 99999999999999999999999, h: 2001-12-14, i: .5, j: -0b11, k: ~, l: , m: 1e400}\n",
    )
    .unwrap();
    assert_eq!(
        doc["x"],
        json!({"true": "push", "31": "hex", "1.1": "release", "1e+06": "e", "burst": 1000.5,
               "mask": 31, "rate": 10000.0, "a": 8.0, "b": 15, "c": "0x1F", "d": "1", "e": 1.0,
               "f": 12345678901234567890u64, "g": 1e23, "h": "2001-12-14", "i": 0.5, "j": -3,
               "k": null, "l": null, "m": "1e400"})
    );
}

#[test]
fn a_duplicate_key_is_refused_with_its_place() {
    let err = parse("users: []\nkind: Config\nusers: []\n").unwrap_err();
    assert_eq!(err, "it has a duplicate key (line 3, column 1)");
    // Keys that read the same are duplicates too.
    let err = parse("x:\n  on: 1\n  true: 2\n").unwrap_err();
    assert!(err.contains("duplicate key (line 3, column 3)"), "{err}");
}

#[test]
fn errors_never_quote_the_file() {
    for text in [
        "users: [\n token: dop_v1_secret\n",
        "dop_v1_secret: *missing\n",
        "? [dop_v1_secret]\n: x\n",
        "x: &a [*a]\n",
        "x: {<<: dop_v1_secret}\n",
        "- dop_v1_secret\n",
        "users: dop_v1_secret\n",
    ] {
        let err = parse(text).unwrap_err();
        assert!(!err.contains("dop_v1"), "{err}");
    }
}

#[test]
fn aliases_cannot_blow_up() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    assert!(parse(&text).unwrap_err().contains("too much"));
}

#[test]
fn a_node_an_alias_names_is_never_changed_under_it() {
    let text = "\
clusters:
- &ours
  name: do-nyc1-prod
  cluster: {server: https://old.example}
- name: other
  cluster: {server: https://other.example}
x-backup: *ours
";
    let out = edited(text, |doc| {
        list(doc, "clusters")[0] = cluster("https://new.example");
    });
    // x-backup still reads the old entry, now written out in full.
    assert_eq!(
        parse(&out).unwrap()["x-backup"]["cluster"]["server"],
        "https://old.example"
    );
}

#[test]
fn flow_and_json_files_are_edited_or_written_anew_as_they_read() {
    let json = r#"{"apiVersion": "v1", "kind": "Config", "clusters": [{"name": "a", "cluster": {"server": "https://a"}}], "users": [], "contexts": [], "current-context": "a", "preferences": {"extensions": [{"name": "e", "extension": {"on": 0x1F}}]}}"#;
    let out = edited(json, |doc| doc["current-context"] = "b".into());
    assert_eq!(
        out,
        json.replace(r#""current-context": "a""#, r#""current-context": "b""#)
    );
    let out = edited(json, |doc| {
        list(doc, "clusters").push(cluster("https://new.example"));
    });
    assert!(out.contains("https://new.example"), "{out}");
}

#[test]
fn strings_with_leading_tabs_are_written_so_go_yaml_reads_them() {
    let hint = "\tbrew install helper\n";
    let text = format!(
        "users:\n- name: other\n  user:\n    exec:\n      installHint: {:?}\n- name: ours\n  user: {{}}\n",
        hint
    );
    let out = edited(&text, |doc| {
        doc["users"][1]["user"] = json!({"exec": {"installHint": "a\n\tb\n"}});
        doc["users"][0]["user"]["exec"]["installHint"] = "\tchanged\n".into();
    });
    assert!(!out.contains("\n\t") && !out.contains(": |"), "{out}");
}

#[test]
fn show_writes_a_fresh_document() {
    let doc = json!({"apiVersion": "v1", "users": [{"name": "yes", "user": {"exec": {"args": ["--cluster-id", "0123"], "installHint": "a\nb\n"}}}]});
    assert_eq!(
        to_yaml(&doc),
        "apiVersion: v1\nusers:\n- name: \"yes\"\n  user:\n    exec:\n      args:\n      - --cluster-id\n      - \"0123\"\n      installHint: |\n        a\n        b\n"
    );
    assert_eq!(parse(&to_yaml(&doc)).unwrap(), doc);
}

#[test]
fn text_after_the_first_document_stays_out_of_one_written_anew() {
    // kubectl reads `{ }` and never looks further; nor does doks-auth.
    let text = "{\n }   \"kind\": \"Config\",\n}\n";
    assert_eq!(parse(text).unwrap(), json!({}));
    let out = edited(text, |doc| doc["current-context"] = "x".into());
    assert!(
        out.ends_with("\n...\n   \"kind\": \"Config\",\n}\n"),
        "{out}"
    );
}

#[test]
fn flow_lists_and_json_gain_and_lose_entries_in_place() {
    let text = "clusters: [{name: a, cluster: {}}, {name: b, cluster: {}},  # b\n  {name: c, cluster: {}},]\n";
    let out = edited(text, |doc| {
        let clusters = list(doc, "clusters");
        clusters.remove(1);
        clusters.push(json!({"name": "d", "cluster": {"server": "yes"}}));
    });
    assert_eq!(
        out,
        "clusters: [{name: a, cluster: {}}, {name: c, cluster: {}}, {\"cluster\": {\"server\": \"yes\"}, \"name\": \"d\"},]\n"
    );
    let out = edited(text, |doc| {
        list(doc, "clusters").truncate(1);
    });
    assert_eq!(out, "clusters: [{name: a, cluster: {}},]\n");
    let json = "{\n  \"users\": [\n    {\"name\": \"a\", \"user\": {\"token\": \"t\"}}\n  ]\n}\n";
    let out = edited(json, |doc| {
        doc["users"][0]["user"] = json!({"exec": {"command": "x"}});
        doc["current-context"] = "a".into();
    });
    assert_eq!(
        out,
        "{\n  \"users\": [\n    {\"name\": \"a\", \"user\": {\"exec\": {\"command\": \"x\"}}}\n  ], \"current-context\": \"a\"\n}\n"
    );
}

#[test]
fn a_token_gives_way_to_an_exec_stanza_where_it_stood() {
    let text =
        "users:\n- name: u\n  user:\n    # from the control panel\n    token: dop_v1_x\n# next\n";
    let out = edited(text, |doc| {
        doc["users"][0]["user"] = json!({"exec": {"command": "doks-auth"}});
    });
    assert_eq!(
        out,
        "users:\n- name: u\n  user:\n    # from the control panel\n    exec:\n      command: doks-auth\n# next\n"
    );
}

/// What `rewrite` does by writing the document anew, or by copying a value over an alias,
/// `rewrite_in_place` refuses; what it can change in place it changes as `rewrite` does.
#[test]
fn in_place_only_refuses_to_undo_anchors_and_aliases() {
    let change = |text: &str, f: &dyn Fn(&mut Value)| {
        let mut doc = parse_document(text).unwrap();
        f(&mut doc);
        (rewrite(text, &doc), rewrite_in_place(text, &doc))
    };
    // The anchored value changes: `rewrite` writes the document anew, without the comment.
    let shared = "# c\na: &t x\nb: *t  # same\n";
    let (anew, strict) = change(shared, &|doc| doc["a"] = json!("y"));
    let anew = anew.unwrap();
    assert!(!anew.contains("*t"), "{anew}");
    assert!(strict.unwrap_err().contains("aliases"));
    // A merged key changes: `rewrite` gives it a key of its own, which wins over the `<<`;
    // that copies over what the merge reads, so `rewrite_in_place` refuses.
    let merged = "base: &m\n  k: 1\nteam:\n  <<: *m\n  j: 2\n";
    let (anew, strict) = change(merged, &|doc| doc["team"]["k"] = json!(2));
    assert_eq!(anew.unwrap(), format!("{merged}  k: 2\n"));
    assert!(strict.is_err());
    // A key written beside the merge goes by its lines, either way.
    let (anew, strict) = change(merged, &|doc| {
        doc["team"].as_object_mut().unwrap().remove("j");
    });
    assert_eq!(anew.unwrap(), "base: &m\n  k: 1\nteam:\n  <<: *m\n");
    assert_eq!(strict.unwrap(), "base: &m\n  k: 1\nteam:\n  <<: *m\n");
    // Beside them, the edit is made in place, the same either way.
    let (anew, strict) = change(shared, &|doc| doc["c"] = json!("z"));
    assert_eq!(anew.unwrap(), "# c\na: &t x\nb: *t  # same\nc: z\n");
    assert_eq!(strict.unwrap(), "# c\na: &t x\nb: *t  # same\nc: z\n");
}
