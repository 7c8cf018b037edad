//! What kubectl reads from a YAML tree, as a [`Value`]: kubectl's parser (sigs.k8s.io/yaml over
//! go-yaml v2, a YAML 1.1 reader) is the reference, not the YAML spec. So `yes`, `on` and `y`
//! are booleans, `0x_1F` and `1_000` integers, `1_0e3` a float; a later `<<` merge wins over an
//! earlier key; a key is the text JSON gives it (`on` → `"true"`, `1.10` → `"1.1"`, a float
//! key through a 32-bit float).

use std::collections::{HashMap, HashSet};

use granit_parser::ScalarStyle;
use serde_json::{Map, Number, Value};

use super::tree::{Kind, Node, Tree};

/// How many values aliases may produce in all: a few aliases to aliases cannot blow a small
/// file up into gigabytes.
const BUDGET: usize = 1 << 20;
/// How deeply a value may nest once aliases are expanded.
const MAX_DEPTH: usize = 500;

/// The document's value; `Null` for an empty one.
pub(super) fn value(tree: &Tree) -> Result<Value, String> {
    let Some(root) = &tree.root else {
        return Ok(Value::Null);
    };
    let mut reader = Reader {
        anchors: HashMap::new(),
        budget: BUDGET,
    };
    reader.node(root, 0)
}

/// The text JSON gives a key written as this scalar node; `None` for any other node.
pub(super) fn key_text(node: &Node) -> Option<String> {
    match &node.kind {
        Kind::Scalar { .. } => json_key(&scalar(node)).ok(),
        _ => None,
    }
}

struct Reader {
    /// Each anchor's value and how many values it holds.
    anchors: HashMap<usize, (Value, usize)>,
    budget: usize,
}

impl Reader {
    fn node(&mut self, node: &Node, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(at("it is nested too deeply", node));
        }
        self.spend(1, node)?;
        let value = match &node.kind {
            Kind::Alias(id) => {
                let Some((value, size)) = self.anchors.get(id) else {
                    return Err(at("it has an alias inside the node it names", node));
                };
                let (value, size) = (value.clone(), *size);
                self.spend(size, node)?;
                value
            }
            Kind::Scalar { .. } => scalar(node),
            Kind::Seq { items, .. } => Value::Array(
                items
                    .iter()
                    .map(|item| self.node(item, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Kind::Map { entries, .. } => self.map(entries, depth)?,
        };
        if node.anchor != 0 {
            self.anchors
                .insert(node.anchor, (value.clone(), size(&value)));
        }
        Ok(value)
    }

    /// go-yaml v2 reads a mapping's entries in order, each setting its key: an explicit key
    /// and a merge (`<<`) alike overwrite what came before.
    fn map(&mut self, entries: &[(Node, Node)], depth: usize) -> Result<Value, String> {
        let mut map = Map::new();
        let mut explicit = HashSet::new();
        for (key, value) in entries {
            if key.is_merge_key() {
                for merged in self.merged(value, depth)? {
                    map.extend(merged);
                }
                continue;
            }
            let key_value = self.node(key, depth + 1)?;
            let text = json_key(&key_value).map_err(|why| at(why, key))?;
            if !explicit.insert(text.clone()) {
                return Err(at("it has a duplicate key", key));
            }
            let value = self.node(value, depth + 1)?;
            map.insert(text, value);
        }
        Ok(Value::Object(map))
    }

    /// The mappings a `<<` merges, in the order they are applied: a list of them is applied
    /// last to first, so that its first mapping wins.
    fn merged(&mut self, value: &Node, depth: usize) -> Result<Vec<Map<String, Value>>, String> {
        let wrong = || {
            at(
                "it has a merge key (<<) that does not name a mapping",
                value,
            )
        };
        let Kind::Seq { items, .. } = &value.kind else {
            return match self.node(value, depth + 1)? {
                Value::Object(map) => Ok(vec![map]),
                _ => Err(wrong()),
            };
        };
        // Read in order (an item may alias an earlier one), applied in reverse.
        let mut maps = Vec::new();
        for item in items {
            if !matches!(item.kind, Kind::Map { .. } | Kind::Alias(_)) {
                return Err(wrong());
            }
            match self.node(item, depth + 1)? {
                Value::Object(map) => maps.push(map),
                _ => return Err(wrong()),
            }
        }
        if value.anchor != 0 {
            let list = Value::Array(maps.iter().cloned().map(Value::Object).collect());
            let size = size(&list);
            self.anchors.insert(value.anchor, (list, size));
        }
        maps.reverse();
        Ok(maps)
    }

    fn spend(&mut self, amount: usize, node: &Node) -> Result<(), String> {
        self.budget = self
            .budget
            .checked_sub(amount)
            .ok_or_else(|| at("its aliases expand to too much", node))?;
        Ok(())
    }
}

/// A scalar as go-yaml v2 reads it into an untyped value: a quoted or block scalar is a
/// string unless tagged; a plain one is resolved by YAML 1.1's rules.
fn scalar(node: &Node) -> Value {
    let Kind::Scalar { text, style, tag } = &node.kind else {
        return Value::Null;
    };
    let resolved = match tag.as_deref() {
        None if *style == ScalarStyle::Plain => resolve(text),
        None => return Value::String(text.clone()),
        Some(tag) => match tag.strip_prefix(Node::TAG_YAML) {
            // !!int, !!float, !!bool, !!null: the text is resolved, and must give that type.
            Some(kind @ ("int" | "float" | "bool" | "null")) => {
                let resolved = resolve(text);
                match (kind, &resolved) {
                    ("int", Resolved::Int(_) | Resolved::Uint(_))
                    | ("float", Resolved::Float(_))
                    | ("bool", Resolved::Bool(_))
                    | ("null", Resolved::Null) => resolved,
                    ("float", Resolved::Int(i)) => Resolved::Float(*i as f64),
                    // kubectl refuses the file; any value will do here.
                    _ => Resolved::String,
                }
            }
            // Base64, read as bytes and made text the way Go's JSON encoder does.
            Some("binary") => return binary(text),
            // !!str, !!timestamp, local and unknown tags: the text.
            _ => Resolved::String,
        },
    };
    match resolved {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::from(i),
        Resolved::Uint(u) => Value::from(u),
        // kubectl cannot load a file with .inf or .nan (JSON has no such numbers): the text.
        Resolved::Float(f) => Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.clone())),
        Resolved::String => Value::String(text.clone()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    String,
}

/// go-yaml v2's `resolve` for a plain scalar (resolve.go), step by step.
fn resolve(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match text.as_bytes()[0] {
        b'.' => go_float(text).map_or(Resolved::String, Resolved::Float),
        b'+' | b'-' | b'0'..=b'9' => {
            let plain = text.replace('_', "");
            if let Some(i) = go_int(&plain, 0) {
                return Resolved::Int(i);
            }
            if let Some(u) = go_uint(&plain, 0) {
                return Resolved::Uint(u);
            }
            if yaml_style_float(&plain)
                && let Some(f) = go_float(&plain)
            {
                return Resolved::Float(f);
            }
            let binary = if let Some(digits) = plain.strip_prefix("0b") {
                go_int(digits, 2)
                    .map(Resolved::Int)
                    .or_else(|| go_uint(digits, 2).map(Resolved::Uint))
            } else if let Some(digits) = plain.strip_prefix("-0b") {
                go_int(&format!("-{digits}"), 2).map(Resolved::Int)
            } else {
                None
            };
            binary.unwrap_or(Resolved::String)
        }
        _ => Resolved::String,
    }
}

/// Go's `strconv.ParseInt(s, base, 64)`, `base` 0 (from the prefix) or 2.
fn go_int(s: &str, base: u32) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_uint(digits, base)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(s, base, 64)`, `base` 0 (from the prefix) or 2; no sign.
fn go_uint(s: &str, base: u32) -> Option<u64> {
    let (radix, digits) = match (base, s.as_bytes()) {
        (0, [b'0', prefix, _, ..]) if prefix.eq_ignore_ascii_case(&b'b') => (2, &s[2..]),
        (0, [b'0', prefix, _, ..]) if prefix.eq_ignore_ascii_case(&b'o') => (8, &s[2..]),
        (0, [b'0', prefix, _, ..]) if prefix.eq_ignore_ascii_case(&b'x') => (16, &s[2..]),
        // A leading 0 means octal; "0" alone is zero.
        (0, [b'0', ..]) => (8, &s[1..]),
        (0, _) => (10, s),
        (base, _) => (base, s),
    };
    if digits.is_empty() {
        return (radix == 8 && s == "0").then_some(0);
    }
    if !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseFloat(s, 64)` on the decimal forms go-yaml hands it: out of range is an
/// error, not infinity.
fn go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    // Go reads "inf", "infinity" and "nan", and hex floats, but go-yaml never gets here with
    // them from a text starting with '.', and checks the others' shape first.
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || b".eE+-".contains(&b))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && fraction.bytes().all(|b| b.is_ascii_digit()),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// The JSON key sigs.k8s.io/yaml makes of a key go-yaml read.
fn json_key(key: &Value) -> Result<String, &'static str> {
    Ok(match key {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => float32_key(n.as_f64().unwrap_or_default()),
        Value::Number(n) => n.to_string(),
        Value::Null => return Err("it has a null key"),
        _ => return Err("it has a key that is a list or a mapping"),
    })
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest digits that give the same 32-bit
/// float, in %e form when the exponent is below -4 or at least 6.
fn float32_key(f: f64) -> String {
    let narrow = f as f32;
    if narrow.is_nan() {
        return ".nan".into();
    }
    if narrow.is_infinite() {
        return if narrow > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    // Rust's {:e} gives the same shortest digits: "1.2345675e6", "-0e0".
    let e = format!("{narrow:e}");
    let (mantissa, exponent) = e.split_once('e').unwrap_or((&e, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // Go decides on %e with a precision of 6 for the shortest form.
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{exp_sign}{:02}", exponent.abs());
    }
    let point = exponent + 1;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{whole}.{fraction}")
    };
    format!("{sign}{text}")
}

/// `!!binary`: go-yaml decodes it (Go's decoder skips line breaks); text kubectl cannot
/// decode makes it refuse the file, so any value will do for it.
fn binary(text: &str) -> Value {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    match base64::engine::general_purpose::STANDARD.decode(compact) {
        Ok(bytes) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => Value::String(text.to_string()),
    }
}

fn size(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(size).sum(),
        Value::Object(map) => map.values().map(size).sum(),
        _ => 0,
    }
}

fn at(what: &str, node: &Node) -> String {
    format!("{what} (line {}, column {})", node.at.0, node.at.1)
}

#[cfg(test)]
mod tests;
