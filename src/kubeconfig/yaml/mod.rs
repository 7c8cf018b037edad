//! A kubeconfig's YAML text: read as kubectl reads it, and edited by changing only the text of
//! what changed.
//!
//! kubectl's parser is the reference: sigs.k8s.io/yaml over go-yaml v2, which reads YAML 1.1
//! (`yes` is true, `0x_1F` is 31, a later `<<` merge wins, `on:` is the key `"true"`) and only
//! the first document of a file. [`tree`] parses that document into nodes that know where
//! their text is, [`reading`] reads them as go-yaml v2 does into a [`Value`], [`edit`] writes a
//! changed value back into the text in place, and [`emit`] writes new values in a form both
//! readers take the same way.
//!
//! [`rewrite`] checks its own work: the new text must read back as exactly the value asked
//! for, or the whole document is written anew from the value ([`rewrite_in_place`] refuses
//! instead); a text that still does not read back is refused, and the file left as it was.

mod edit;
mod emit;
mod flow_tabs;
mod lines;
mod reading;
mod tree;

use serde_json::Value;

use super::empty;

/// Parses a kubeconfig's first document as kubectl reads it; an empty one is an empty config.
/// The error is a reason with a place, without any of the file's text, which may hold tokens
/// and keys.
pub fn parse(text: &str) -> Result<Value, String> {
    // go-yaml v2 breaks lines at these too; our parser (YAML 1.2) does not. Where they stand
    // raw, the two would read different documents, and an edit could break the file for kubectl.
    if let Some(at) = text.find(['\u{85}', '\u{2028}', '\u{2029}']) {
        let line = text[..at].lines().count().max(1);
        return Err(format!(
            "line {line} holds a Unicode line break (U+0085, U+2028 or U+2029), which kubectl reads as a new line and doks-auth does not; replace it with an ordinary line break, or write it as an escape in a quoted string"
        ));
    }
    let doc = reading::value(&tree::parse(text)?)?;
    match &doc {
        Value::Null => return Ok(empty()),
        Value::Object(map) => {
            for list in ["clusters", "users", "contexts"] {
                // kubectl reads null (`~`, `Null`, nothing) as an empty list.
                if !matches!(map.get(list), None | Some(Value::Null | Value::Array(_))) {
                    return Err(format!("its {list:?} is not a list"));
                }
                duplicate_name(map.get(list), list)?;
            }
        }
        _ => return Err("it is not a kubeconfig (the top level is not a mapping)".into()),
    }
    Ok(doc)
}

/// kubectl refuses a file whose list names an entry twice ("duplicate name … in list"; a
/// missing or null name is `""`): editing the first would leave a file kubectl still refuses,
/// and dropping the later one would lose someone's entry (a token pasted in under our name).
fn duplicate_name(items: Option<&Value>, list: &str) -> Result<(), String> {
    let Some(Value::Array(items)) = items else {
        return Ok(());
    };
    let mut seen = std::collections::HashSet::new();
    for item in items {
        let name = match item.get("name") {
            None | Some(Value::Null) => "",
            Some(Value::String(name)) => name,
            // kubectl refuses the file for that name itself.
            Some(_) => continue,
        };
        if !seen.insert(name) {
            let kind = list.trim_end_matches('s');
            return Err(format!(
                "it defines the {kind} {:?} twice in {list:?}, which kubectl refuses (duplicate name in list); remove or rename one",
                crate::error::one_line(name)
            ));
        }
    }
    Ok(())
}

/// Any YAML file's first document as go-yaml v2 reads it (doctl reads its config through viper,
/// over the same parser); `Null` for an empty one. Errors as [`parse`]'s, without the file's text.
pub fn parse_document(text: &str) -> Result<Value, String> {
    if text.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        // parse's error for these names the line.
        return parse(text);
    }
    reading::value(&tree::parse(text)?)
}

/// A kubeconfig written anew, as `kubectl config` writes one: block style, keys in order.
pub fn to_yaml(doc: &Value) -> String {
    emit::document(doc, "\n")
}

/// `text` changed so that it reads as `doc`, changing only what differs; everything else
/// (comments, key order, anchors, other documents) stays byte for byte.
pub fn rewrite(text: &str, doc: &Value) -> Result<String, String> {
    rewrite_with(text, doc, true).map(|(text, _)| text)
}

/// [`rewrite`], and what it wrote anew rather than in place, each with the reason (`the whole
/// document, because …`, `its "users" value, because …`): those lost their comments and layout.
pub fn rewrite_telling(text: &str, doc: &Value) -> Result<(String, Vec<String>), String> {
    rewrite_with(text, doc, true)
}

/// [`rewrite`] without its last resort: a change that cannot be made in place (inside a node
/// an alias names, which would change what the alias reads too), or only by turning an alias
/// into a copy of what it reads, is refused with the reason, rather than made by writing the
/// document anew without its comments, anchors and aliases.
pub fn rewrite_in_place(text: &str, doc: &Value) -> Result<String, String> {
    rewrite_with(text, doc, false).map(|(text, _)| text)
}

fn rewrite_with(text: &str, doc: &Value, anew: bool) -> Result<(String, Vec<String>), String> {
    let tree = tree::parse(text)?;
    let old = reading::value(&tree)?;
    // Lines added end as the file's first line does.
    let crlf = text.find('\n').is_some_and(|i| text[..i].ends_with('\r'));
    let nl = if crlf { "\r\n" } else { "\n" };
    let Some(root) = tree.root.as_ref().filter(|_| !old.is_null()) else {
        return fresh(text, &tree, doc, nl).map(|text| (text, Vec::new()));
    };
    let editor = || edit::Editor::new(text, nl, &tree.referenced);
    let in_place = if anew { editor() } else { editor().strict() };
    if let Ok(edited) = in_place.in_place(root, &old, doc)
        && reads_as(&edited.text, doc)
    {
        return Ok((edited.text, edited.anew));
    }
    if !anew {
        return Err(if tree.referenced.is_empty() {
            "the change cannot be made in place, and writing the file anew would lose its comments and layout; nothing was changed: make the change by hand".into()
        } else {
            "the change touches what its YAML anchors and aliases (&name, *name) share, so it cannot be made in place without undoing them, and writing the file anew would lose its comments, anchors and aliases; nothing was changed: write out each alias the change touches as the value it stands for, then run the command again".into()
        });
    }
    match editor().whole(root, doc) {
        // The edit in place did not read back as asked: how, the editor cannot tell.
        Ok(edited) if reads_as(&edited.text, doc) => Ok((
            edited.text,
            vec![
                "the whole document, because an edit in place would not read back as intended"
                    .into(),
            ],
        )),
        _ => Err(cannot()),
    }
}

/// A document written where there was none, or only an empty one.
fn fresh(text: &str, tree: &tree::Tree, doc: &Value, nl: &str) -> Result<String, String> {
    let candidate = match &tree.root {
        // An empty document (`---` alone) is replaced where it stands, others kept after it.
        Some(root) => {
            edit::Editor::new(text, nl, &tree.referenced)
                .whole(root, doc)
                .map_err(|_| cannot())?
                .text
        }
        // Only blanks: just the document. Comments: kept above it.
        None if text.trim().is_empty() => emit::document(doc, nl),
        None => {
            let mut out = text.to_string();
            if !out.ends_with('\n') {
                out.push_str(nl);
            }
            out + &emit::document(doc, nl)
        }
    };
    if reads_as(&candidate, doc) {
        Ok(candidate)
    } else {
        Err(cannot())
    }
}

fn reads_as(text: &str, doc: &Value) -> bool {
    tree::parse(text)
        .and_then(|tree| reading::value(&tree))
        .is_ok_and(|value| value == *doc)
}

fn cannot() -> String {
    "doks-auth could not write it in a form that reads back exactly as intended (please report this)"
        .into()
}

#[cfg(test)]
mod tests;
