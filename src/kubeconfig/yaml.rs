//! Reading and writing a kubeconfig's YAML text.
//!
//! The tree is a [`serde_json::Value`], which would rewrite scalars it holds as numbers or
//! booleans in their canonical form (`1.10` → `1.1`, `0x1F` → `31`, `yes` → `true`) and cannot
//! hold `.inf` at all. Such a scalar, when its written form is not the canonical one, is kept in
//! the tree as a *raw* string: [`RAW`] followed by the text as written, which [`to_yaml`] puts
//! back verbatim. doks-auth never reads those fields, so the marker is invisible to it. A string
//! of the file's own that starts with [`RAW`] gets a second one, taken off again on the way out.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::{NonFiniteFloatPolicy, Spanned};

use super::empty;

/// Starts a raw scalar's string: a Unicode noncharacter, which no kubeconfig has a reason to
/// hold.
const RAW: char = '\u{FDD0}';

/// Parses a kubeconfig; an empty file is an empty config. The error is a reason without any of
/// the file's text, which may hold tokens and keys.
pub fn parse(text: &str) -> std::result::Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(empty());
    }
    let node: Spanned<Node> =
        serde_saphyr::from_str_with_options(text, options()).map_err(|err| {
            let at = err
                .location()
                .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
                .unwrap_or_default();
            format!("it is not valid YAML{at}")
        })?;
    let doc = to_value(node, text);
    match &doc {
        Value::Null => return Ok(empty()),
        Value::Object(map) => {
            for list in ["clusters", "users", "contexts"] {
                if !matches!(map.get(list), None | Some(Value::Null | Value::Array(_))) {
                    return Err(format!("its {list:?} is not a list"));
                }
            }
        }
        _ => return Err("it is not a kubeconfig (the top level is not a mapping)".into()),
    }
    Ok(doc)
}

/// The kubeconfig as YAML text, raw scalars as they were written.
pub fn to_yaml(doc: &Value) -> std::result::Result<String, String> {
    let mut options = serde_saphyr::SerializerOptions::default();
    // Keep long single-line values (certificate-authority-data) plain, as kubectl writes them;
    // multi-line ones (installHint) still come out as `|` blocks.
    options.folded_wrap_chars = usize::MAX;
    // Raw scalars go out as plain placeholder words, swapped for their text afterwards; the
    // words' stem is one that no string in the document contains.
    let mut stem = String::from("doksraw");
    while mentions(doc, &stem) {
        stem.push('x');
    }
    let mut raws = Vec::new();
    let doc = with_placeholders(doc, &stem, &mut raws);
    let mut text =
        serde_saphyr::to_string_with_options(&doc, options).map_err(|err| err.to_string())?;
    for (i, raw) in raws.iter().enumerate() {
        text = text.replacen(&placeholder(&stem, i), raw, 1);
    }
    Ok(text)
}

/// Whether kubectl reads `value` as null: `null` itself, or a null written another way (`~`,
/// `Null`, `NULL`), which the tree keeps as a raw scalar to write it back as it was.
pub fn is_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s
            .strip_prefix(RAW)
            .is_some_and(|raw| !raw.starts_with(RAW) && reads_as(raw) == Some(Scalar::Null)),
        _ => false,
    }
}

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    // `.inf` and `.nan` are kept (as raw scalars) rather than refused.
    options.non_finite_float_policy = NonFiniteFloatPolicy::PassThrough;
    options
}

/// `stem<i>z`: the `z` keeps `…1z` from matching inside `…10z`.
fn placeholder(stem: &str, i: usize) -> String {
    format!("{stem}{i}z")
}

fn mentions(value: &Value, stem: &str) -> bool {
    match value {
        Value::String(s) => s.contains(stem),
        Value::Array(items) => items.iter().any(|v| mentions(v, stem)),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains(stem) || mentions(v, stem)),
        _ => false,
    }
}

fn with_placeholders(value: &Value, stem: &str, raws: &mut Vec<String>) -> Value {
    match value {
        Value::String(s) => match s.strip_prefix(RAW) {
            Some(escaped) if escaped.starts_with(RAW) => Value::String(escaped.to_string()),
            // Written out only if it still reads as one scalar: text that came from elsewhere
            // (a server's answer) cannot slip YAML structure into the file this way.
            Some(raw) if reads_as(raw).is_some() => {
                raws.push(raw.to_string());
                Value::String(placeholder(stem, raws.len() - 1))
            }
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| with_placeholders(v, stem, raws))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), with_placeholders(v, stem, raws)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// A YAML node whose children carry their place in the source text.
enum Node {
    Map(Vec<(String, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    String(String),
    Scalar(Scalar),
}

/// A non-string scalar; floats compare by bits, so `.nan` equals itself.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
}

impl Scalar {
    /// The value, unless it is a float JSON cannot hold.
    fn value(self) -> Option<Value> {
        Some(match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::from(i),
            Scalar::Uint(u) => Value::from(u),
            Scalar::Float(bits) => Value::Number(Number::from_f64(f64::from_bits(bits))?),
        })
    }
}

/// The tree as a [`Value`], with raw scalars where their text must be kept.
fn to_value(node: Spanned<Node>, source: &str) -> Value {
    match node.value {
        Node::Map(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k, to_value(v, source)))
                .collect::<Map<_, _>>(),
        ),
        Node::Seq(items) => Value::Array(items.into_iter().map(|v| to_value(v, source)).collect()),
        Node::String(s) if s.starts_with(RAW) => Value::String(format!("{RAW}{s}")),
        Node::String(s) => Value::String(s),
        Node::Scalar(scalar) => {
            // `defined`, so an alias gives the anchored scalar's text.
            let span = node.defined.span();
            let written = span
                .byte_offset()
                .zip(span.byte_len())
                .and_then(|(at, len)| source.get(at as usize..(at + len) as usize));
            let value = scalar.value();
            match written.filter(|text| is_raw(text, scalar, value.as_ref())) {
                Some(text) => Value::String(format!("{RAW}{text}")),
                // A float JSON cannot hold, and no text to keep: null, as serde_json does.
                None => value.unwrap_or(Value::Null),
            }
        }
    }
}

/// Whether `text`, the scalar as written, must be kept: it is not what writing `value` gives,
/// and on its own it still reads as the same scalar (a tag such as `!!float 1` is not part of
/// the text, and `1` alone would read as an integer).
/// `value` is `None` for a float JSON cannot hold (`.inf`): only its text can keep it.
fn is_raw(text: &str, scalar: Scalar, value: Option<&Value>) -> bool {
    let canonical = value.map(|v| serde_saphyr::to_string(v).unwrap_or_default());
    canonical.as_deref().map(str::trim_end) != Some(text) && reads_as(text) == Some(scalar)
}

/// The non-string scalar `text` reads as on its own, if it is one line of printable ASCII
/// with no comment.
fn reads_as(text: &str) -> Option<Scalar> {
    let printable = text.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
    if text.trim().is_empty() || !printable || text.contains('#') {
        return None;
    }
    match serde_saphyr::from_str_with_options::<Node>(text, options()) {
        Ok(Node::Scalar(scalar)) => Some(scalar),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML node")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Scalar::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Scalar::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Scalar::Bool(b)))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
        Ok(Node::Scalar(Scalar::Int(i)))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
        Ok(Node::Scalar(Scalar::Uint(u)))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Node, E> {
        Ok(Node::Scalar(Scalar::Float(f.to_bits())))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        to_yaml(&parse(text).unwrap()).unwrap()
    }

    #[test]
    fn scalars_in_unknown_fields_are_written_as_they_were() {
        let text = "preferences:\n  a: 1.10\n  b: 0x1F\n  c: yes\n  d: 010\n  e: ~\n  f: -.inf\n  \
                    g: 12345678901234567890123\n  h: 1e3\n  i: .NaN\n";
        let out = round_trip(text);
        for line in text.lines().skip(1) {
            assert!(out.contains(line), "{line:?} lost in:\n{out}");
        }
    }

    #[test]
    fn canonical_scalars_and_strings_stay_values() {
        let doc = parse("a: 1.5\nb: true\nc: 7\nd: '1.10'\ne: null\n").unwrap();
        assert_eq!(doc["a"], 1.5);
        assert_eq!(doc["b"], true);
        assert_eq!(doc["c"], 7);
        assert_eq!(doc["d"], "1.10");
        assert_eq!(doc["e"], Value::Null);
        assert_eq!(
            to_yaml(&doc).unwrap(),
            "a: 1.5\nb: true\nc: 7\nd: \"1.10\"\ne: null\n"
        );
    }

    #[test]
    fn every_spelling_of_null_is_null() {
        let doc = parse("a: ~\nb: Null\nc: NULL\nd: null\ne:\nf: '~'\ng: 0\nh: \"\"\n").unwrap();
        for key in ["a", "b", "c", "d", "e"] {
            assert!(is_null(&doc[key]), "{key}: {:?}", doc[key]);
        }
        for key in ["f", "g", "h"] {
            assert!(!is_null(&doc[key]), "{key}: {:?}", doc[key]);
        }
        // A string of the file's own that merely starts with the marker is not null.
        assert!(!is_null(&parse("a: \"\u{FDD0}~\"\n").unwrap()["a"]));
    }

    #[test]
    fn a_tag_or_an_alias_does_not_change_what_a_scalar_means() {
        // The tag is not part of the scalar's text: `1` alone is an integer, so it is not kept.
        let doc = parse("a: !!float 1\nb: &x 1.50\nc: *x\n").unwrap();
        assert_eq!(doc["a"], 1.0);
        let out = to_yaml(&doc).unwrap();
        assert!(
            out.contains("b: 1.50\n") && out.contains("c: 1.50\n"),
            "{out}"
        );
    }

    #[test]
    fn placeholders_never_clash_with_the_documents_own_strings() {
        let text = "a: [doksraw0z]\nb: 1.10\nc: doksrawx0z\nd: [0x1F]\n";
        let out = round_trip(text);
        assert_eq!(parse(&out).unwrap(), parse(text).unwrap());
        assert!(
            out.contains("- doksraw0z\n") && out.contains("b: 1.10\n"),
            "{out}"
        );
        assert!(
            out.contains("c: doksrawx0z\n") && out.contains("- 0x1F\n"),
            "{out}"
        );
    }

    #[test]
    fn a_string_starting_with_the_marker_stays_a_string() {
        let text = "a: \"\u{FDD0}1.10\"\nb: 1.10\n";
        let out = round_trip(text);
        assert_eq!(parse(&out).unwrap(), parse(text).unwrap(), "{out}");
        assert!(out.contains("b: 1.10\n"), "{out}");
        assert!(!out.contains("a: 1.10"), "{out}");
    }

    #[test]
    fn only_a_single_scalar_is_ever_written_raw() {
        // Text that did not come from parsing (a server's answer) and carries the marker.
        for text in [
            "1\nkind: Injected",
            "{a: 1}",
            "1 # x",
            "[1]",
            "b: 2",
            "",
            "1\r",
        ] {
            let doc = serde_json::json!({ "a": format!("{RAW}{text}") });
            let out = to_yaml(&doc).unwrap();
            let back: Value = serde_saphyr::from_str(&out).unwrap();
            assert_eq!(back, doc, "{out}");
        }
    }
}
