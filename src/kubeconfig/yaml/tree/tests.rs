use super::*;

fn root(text: &str) -> Node {
    parse(text).unwrap().root.unwrap()
}

fn slice<'a>(text: &'a str, node: &Node) -> &'a str {
    &text[node.start..node.end]
}

#[test]
fn nodes_cover_their_text_anchors_included() {
    let text = "users: &u\n  - &one\n    name: a\n    user: {token: x}   # c\n  -\n    name: b\n";
    let tree = parse(text).unwrap();
    let Kind::Map { entries, .. } = &tree.root.as_ref().unwrap().kind else {
        panic!()
    };
    let (key, users) = &entries[0];
    assert_eq!(slice(text, key), "users");
    assert_eq!(users.anchor, 1);
    let Kind::Seq { items, flow: false } = &users.kind else {
        panic!()
    };
    assert_eq!(
        slice(text, &items[0]),
        "&one\n    name: a\n    user: {token: x}"
    );
    assert_eq!(slice(text, &items[1]), "name: b");
    assert_eq!(items[1].at, (6, 5));
    assert!(tree.referenced.is_empty());
}

#[test]
fn a_block_scalar_ends_where_the_next_line_starts() {
    let text = "a: |+\n  keep\n\n# c\nb: >-\n  x\n  y\nc: d\n";
    let Kind::Map { entries, .. } = root(text).kind else {
        panic!()
    };
    assert_eq!(slice(text, &entries[0].1), "keep\n\n");
    assert_eq!(slice(text, &entries[1].1), "x\n  y\n");
}

#[test]
fn an_empty_value_is_after_its_colon() {
    let text = "a:\nb:   # c\nc: ~\n";
    let Kind::Map { entries, .. } = root(text).kind else {
        panic!()
    };
    assert_eq!(entries[0].1.start, 2);
    assert_eq!(entries[1].1.start, 5);
    assert!(matches!(&entries[0].1.kind, Kind::Scalar { text, .. } if text.is_empty()));
    assert!(matches!(&entries[2].1.kind, Kind::Scalar { text, .. } if text == "~"));
}

#[test]
fn only_the_first_document_is_parsed() {
    let tree = parse("a: 1\n---\nb: [unclosed\n").unwrap();
    assert!(matches!(tree.root.unwrap().kind, Kind::Map { .. }));
    assert!(parse("").unwrap().root.is_none());
    assert!(parse("# only a comment\n").unwrap().root.is_none());
    assert!(parse("---\n").unwrap().root.is_some());
}

#[test]
fn errors_say_where() {
    assert_eq!(
        parse("a: 1\nb: [x,\n").unwrap_err(),
        "it is not valid YAML (line 2, column 4)"
    );
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    assert!(parse(&deep).is_err());
}

#[test]
fn aliases_are_recorded_and_merge_keys_known() {
    let tree = parse("a: &x {k: v}\nb: {<<: *x, '<<': q, !!merge <<: *x}\n").unwrap();
    assert!(tree.referenced.contains(&1));
    let Kind::Map { entries, .. } = &tree.root.unwrap().kind else {
        panic!()
    };
    let Kind::Map { entries: b, .. } = &entries[1].1.kind else {
        panic!()
    };
    let merges: Vec<bool> = b.iter().map(|(k, _)| k.is_merge_key()).collect();
    assert_eq!(merges, [true, false, true]);
}
