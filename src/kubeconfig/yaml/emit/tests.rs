use serde_json::json;

use super::*;

#[test]
fn plain_only_when_nothing_could_read_it_otherwise() {
    for plain in [
        "do-nyc1-prod",
        "https://x.k8s.ondigitalocean.com:443/a",
        "--cluster-id",
        "-t",
        "LS0tLS1CRUdJTi+/=",
        "/usr/local/bin/doks-auth",
        "client.authentication.k8s.io/v1",
        "a:b",
        "bd5f5959-5e1e",
    ] {
        assert_eq!(string(plain), plain);
    }
    for quoted in [
        "",
        "yes",
        "Yes",
        "ON",
        "off",
        "y",
        "N",
        "null",
        "~",
        "true",
        "1.10",
        "0x1F",
        "08",
        "1_000",
        ".inf",
        "-.inf",
        "-",
        "---",
        "-1",
        "a: b",
        "a #b",
        "a:",
        " a",
        "a ",
        "*a",
        "&a",
        "!a",
        "[a]",
        "{a}",
        "a,b",
        "<<",
        "@a",
        "%a",
        "é",
        "3f8a2b1c-0d4e",
    ] {
        assert!(
            string(quoted).starts_with('"'),
            "{quoted:?} → {}",
            string(quoted)
        );
    }
}

#[test]
fn quoted_strings_escape_what_go_yaml_would_refuse_or_fold() {
    assert_eq!(
        quoted("a\"b\\c\n\t\r\u{7}\u{7F}\u{85}\u{2028}\u{FEFF}é😀"),
        "\"a\\\"b\\\\c\\n\\t\\r\\u0007\\u007F\\u0085\\u2028\\uFEFF\u{e9}😀\""
    );
    // It is a JSON string as well.
    let s = "a\"b\\c\n\t\u{1}\u{85}x";
    assert_eq!(serde_json::from_str::<String>(&quoted(s)).unwrap(), s);
}

#[test]
fn multi_line_text_is_a_literal_block_only_when_safe() {
    let value = |s: &str| after_key(&json!(s), 2, 2, "\n");
    assert_eq!(value("a\nb\n"), " |\n    a\n    b");
    assert_eq!(value("a\n\nb"), " |-\n    a\n\n    b");
    for unsafe_text in [
        "\ta\n", "a\n\tb\n", " a\nb\n", "a\n b\n", "a\n\n", "\na\n", "a\r\nb\n",
    ] {
        assert!(value(unsafe_text).starts_with(" \""), "{unsafe_text:?}");
    }
}

#[test]
fn documents_lists_and_long_keys() {
    let doc = json!({"a": [{"b": 1, "c": [true, null]}, "x"], "d": {}, "e": []});
    assert_eq!(
        document(&doc, "\r\n"),
        "a:\r\n- b: 1\r\n  c:\r\n  - true\r\n  - null\r\n- x\r\nd: {}\r\ne: []\r\n"
    );
    let long = "k".repeat(1500);
    let text = entry(&long, &json!([1]), 2, "\n");
    assert!(
        text.starts_with(&format!("? {long}\n  :\n    - 1")),
        "{text}"
    );
    assert_eq!(flow(&json!({long: 1})), None);
    assert_eq!(
        flow(&json!({"a": ["b", 1.5, false]})).unwrap(),
        "{\"a\": [\"b\", 1.5, false]}"
    );
}
