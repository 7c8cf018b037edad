//! Property test: any string doks-auth writes into a kubeconfig — as a value or a key, on one
//! line or several, with tabs, leading blanks, YAML 1.1 words, indicators, control and
//! non-ASCII characters — is read back by real kubectl (go-yaml v2) exactly as it was, in each
//! form the writer uses: a fresh document, a value replaced in a block mapping, a value replaced
//! inside a flow mapping. Many strings go through one kubectl call.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use doks_auth::kubeconfig;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Words and characters a YAML writer must not get wrong.
const WORDS: &[&str] = &[
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "N",
    "~",
    "null",
    "Null",
    "true",
    "FALSE",
    "0x1F",
    "0x_1F",
    "0o17",
    "017",
    "08",
    "1_000",
    "1.10",
    "1e3",
    "1_0e3",
    ".5",
    "+.inf",
    ".NaN",
    "-0",
    "0b101",
    "2001-12-14",
    "12:30:00",
    "<<",
    "-",
    "--",
    "---",
    "...",
    "- x",
    "a: b",
    "a:",
    "#c",
    "a #c",
    "*a",
    "&a",
    "!a",
    "!!str",
    "|",
    ">",
    "%x",
    "@x",
    "`x",
    "'",
    "\"",
    "\\",
    "{}",
    "[]",
    ",",
    "?",
    ":",
    "= ",
];

fn arb_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(String::from),
        3 => "[ -~]{0,10}",
        2 => prop::sample::select(&["\t", "\n", " ", "\r\n", "\r", "\n\n", " \t"][..])
            .prop_map(String::from),
        1 => "[\u{0}-\u{1f}\u{7f}-\u{a0}\u{2028}\u{2029}\u{feff}\u{fffe}é世😀]{1,2}",
    ]
}

fn arb_string() -> impl Strategy<Value = String> {
    prop::collection::vec(arb_piece(), 0..5).prop_map(|pieces| pieces.concat())
}

/// Strings as keys and values of one mapping, and all the values again as a list.
fn arb_mapping() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((arb_string(), arb_string()), 1..40).prop_map(|pairs| {
        let mut map: Map<String, Value> = pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        let values = pairs.into_iter().map(|(_, v)| Value::from(v)).collect();
        map.insert("__all-values".into(), Value::Array(values));
        map
    })
}

/// A kubeconfig written by hand, with a place for strings in each form the writer uses.
const BASE: &str = "\
# by hand
apiVersion: v1
kind: Config
clusters:
- name: flow
  cluster: {server: 'https://flow.example', extensions: [{name: x, extension: {}}]}
- name: block
  cluster:
    server: https://block.example   # kept
    extensions:
    - name: x
      extension: {}
preferences: {}
";

fn extension(map: &Map<String, Value>) -> Value {
    json!([{"name": "x", "extension": map}])
}

/// The kubectl to ask: on Windows the real `kubectl.exe` that CI names in `DOKS_KUBECTL_WINDOWS`
/// (Wine's PATH has none), elsewhere `kubectl` from PATH.
fn kubectl_program() -> OsString {
    std::env::var_os("DOKS_KUBECTL_WINDOWS")
        .filter(|_| cfg!(windows))
        .unwrap_or_else(|| "kubectl".into())
}

/// kubectl's reading of these files together; `None` when there is no kubectl to ask (CI
/// must have one).
fn kubectl_view(files: &[&Path]) -> Option<Value> {
    let joined = std::env::join_paths(files).unwrap();
    let out = match Command::new(kubectl_program())
        .args(["config", "view", "--raw", "-o", "json"])
        .env("KUBECONFIG", joined)
        .output()
    {
        Ok(out) => out,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "\n\n!!!!! kubectl is not on PATH: the writer was NOT checked by kubectl !!!!!\n\n"
            );
            return None;
        }
        Err(err) => panic!("kubectl is not on PATH: CI must run this test ({err})"),
    };
    assert!(
        out.status.success(),
        "kubectl refused the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn cluster_extension<'a>(view: &'a Value, name: &str) -> &'a Value {
    let cluster = view["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no cluster {name} in {view}"));
    &cluster["cluster"]["extensions"][0]["extension"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_string_written_reads_back_the_same_in_kubectl(
        in_flow in arb_mapping(),
        in_block in arb_mapping(),
        in_preferences in arb_mapping(),
        fresh in arb_mapping(),
    ) {
        // Edited in place: inside a flow mapping, in a block mapping, a top-level value.
        let mut doc = kubeconfig::parse(BASE).unwrap();
        doc["clusters"][0]["cluster"]["extensions"] = extension(&in_flow);
        doc["clusters"][1]["cluster"]["extensions"] = extension(&in_block);
        doc["preferences"] = json!({"extensions": extension(&in_preferences)});
        let edited = kubeconfig::rewrite(BASE, &doc).unwrap();
        prop_assert!(edited.starts_with("# by hand\n"), "{}", edited);
        prop_assert!(edited.contains("server: https://block.example   # kept\n"), "{}", edited);
        prop_assert_eq!(&kubeconfig::parse(&edited).unwrap(), &doc);
        // Written anew, as `show` and a first save write.
        let new = json!({"clusters": [{"name": "fresh", "cluster": {
            "server": "https://fresh.example", "extensions": extension(&fresh)}}]});
        let written = kubeconfig::to_yaml(&new);
        prop_assert_eq!(&kubeconfig::parse(&written).unwrap(), &new);

        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("edited"), dir.path().join("fresh"));
        std::fs::write(&first, &edited).unwrap();
        std::fs::write(&second, &written).unwrap();
        let Some(view) = kubectl_view(&[&first, &second]) else {
            return Ok(());
        };
        prop_assert_eq!(cluster_extension(&view, "flow"), &Value::Object(in_flow));
        prop_assert_eq!(cluster_extension(&view, "block"), &Value::Object(in_block));
        prop_assert_eq!(cluster_extension(&view, "fresh"), &Value::Object(fresh));
        prop_assert_eq!(
            &view["preferences"]["extensions"][0]["extension"],
            &Value::Object(in_preferences)
        );
    }
}
