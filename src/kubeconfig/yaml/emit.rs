//! Values written as YAML that kubectl's parser (go-yaml v2, YAML 1.1) and doks-auth's reader
//! read back exactly: a string is plain only when no YAML 1.1 or 1.2 reader could take it for
//! anything else (`yes`, `0x1F`, `1.10`, `~` are quoted, keys too), multi-line text is a `|`
//! block only when no line could trouble a reader (a leading tab or space, a control
//! character), and everything else is double-quoted with escapes. Numbers, booleans and null
//! are written as JSON writes them, which both readers take for the same number.

use std::fmt::Write;

use serde_json::Value;

/// Longest key written as a simple key: YAML caps those at 1024 characters.
const SIMPLE_KEY_MAX: usize = 1000;

/// The whole document, at column 0, each line ending in `nl`.
pub(super) fn document(value: &Value, nl: &str) -> String {
    match value {
        Value::Object(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| format!("{}{nl}", entry(k, v, 0, nl)))
            .collect(),
        _ => format!("{}{nl}", flow(value).unwrap_or_else(|| "{}".into())),
    }
}

/// One mapping entry at column `indent`: `key: value`, its first line not indented (the
/// caller places it), the rest at their columns; no line break at the end.
pub(super) fn entry(key: &str, value: &Value, indent: usize, nl: &str) -> String {
    let written = string(key);
    if written.chars().count() <= SIMPLE_KEY_MAX {
        return format!("{written}:{}", after_key(value, indent, indent, nl));
    }
    // An explicit key; its value's list is indented, not compact, under a lone `:`.
    let pad = " ".repeat(indent);
    format!(
        "? {written}{nl}{pad}:{}",
        after_key(value, indent, indent + 2, nl)
    )
}

/// What follows `key:` for a key at column `indent`: ` scalar`, ` |` and its lines, or the
/// entries (at `indent + 2`) or items (at `seq_indent`) on the lines below.
pub(super) fn after_key(value: &Value, indent: usize, seq_indent: usize, nl: &str) -> String {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let pad = " ".repeat(indent + 2);
            map.iter()
                .map(|(k, v)| format!("{nl}{pad}{}", entry(k, v, indent + 2, nl)))
                .collect()
        }
        Value::Array(items) if !items.is_empty() => {
            let pad = " ".repeat(seq_indent);
            items
                .iter()
                .map(|item| format!("{nl}{pad}-{}", after_dash(item, seq_indent, nl)))
                .collect()
        }
        Value::String(s) => match literal(s) {
            Some(block) => block_lines(&block, indent + 2, nl),
            None => format!(" {}", string(s)),
        },
        _ => format!(" {}", flow(value).unwrap_or_default()),
    }
}

/// What follows `-` for an item whose dash is at column `indent`.
pub(super) fn after_dash(value: &Value, indent: usize, nl: &str) -> String {
    let inner = indent + 2;
    match value {
        Value::Object(map) if !map.is_empty() => {
            let pad = " ".repeat(inner);
            let mut out = String::new();
            for (i, (k, v)) in map.iter().enumerate() {
                if i == 0 {
                    out.push(' ');
                } else {
                    write!(out, "{nl}{pad}").unwrap_or_default();
                }
                out.push_str(&entry(k, v, inner, nl));
            }
            out
        }
        Value::Array(items) if !items.is_empty() => {
            let pad = " ".repeat(inner);
            items
                .iter()
                .map(|item| format!("{nl}{pad}-{}", after_dash(item, inner, nl)))
                .collect()
        }
        Value::String(s) => match literal(s) {
            Some(block) => block_lines(&block, inner, nl),
            None => format!(" {}", string(s)),
        },
        _ => format!(" {}", flow(value).unwrap_or_default()),
    }
}

/// The value on one line, as JSON (which is YAML 1.1 and 1.2 flow alike, strings escaped as
/// [`quoted`] does); `None` when a key is too long for a flow mapping.
pub(super) fn flow(value: &Value) -> Option<String> {
    Some(match value {
        Value::Object(map) => {
            let mut parts = Vec::new();
            for (k, v) in map {
                if k.chars().count() > SIMPLE_KEY_MAX {
                    return None;
                }
                parts.push(format!("{}: {}", quoted(k), flow(v)?));
            }
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(flow).collect();
            format!("[{}]", parts?.join(", "))
        }
        Value::String(s) => quoted(s),
        // JSON's numbers, true, false and null read the same in YAML 1.1 and 1.2.
        other => other.to_string(),
    })
}

/// A string as a scalar in block context: plain when that is plainly safe, else quoted.
pub(super) fn string(s: &str) -> String {
    if plain_safe(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// Plain only for text that starts with a letter, `/` or `--`/`-x`, holds only letters, digits
/// and `-._/:@+=`, does not end in `:` and is no YAML 1.1 word (`yes`, `on`, `null`, …): no
/// YAML reader takes such a text for anything but itself.
fn plain_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    let dash_ok = |b: Option<&u8>| b.is_some_and(|b| *b == b'-' || b.is_ascii_alphabetic());
    let starts = first.is_ascii_alphabetic()
        || first == b'/'
        || (first == b'-' && dash_ok(bytes.get(1)) && !s.starts_with("---"));
    starts
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-._/:@+=".contains(b))
        && !s.ends_with(':')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "yes" | "n" | "no" | "true" | "false" | "on" | "off" | "null"
        )
}

/// A double-quoted scalar that is also a JSON string: only printable characters are written
/// as they are (go-yaml refuses others anywhere in a file, and reads U+2028, U+2029 and U+0085
/// as line breaks), the rest escaped.
pub(super) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            // Every character outside the printable set is in the Basic Multilingual Plane.
            c => write!(out, "\\u{:04X}", c as u32).unwrap_or_default(),
        }
    }
    out.push('"');
    out
}

/// YAML 1.1's printable set, less what either reader treats as a break or a byte-order mark.
fn printable(c: char) -> bool {
    matches!(c, ' '..='~')
        || (c >= '\u{A0}'
            && !matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
            ))
}

/// A `|` block's header and lines, for text that reads back exactly that way: lines of
/// printable characters, none starting with a space or a tab (which go-yaml would take for
/// indentation), the first not empty, at most one line break at the end.
struct Literal<'a> {
    header: &'static str,
    lines: Vec<&'a str>,
}

fn literal(s: &str) -> Option<Literal<'_>> {
    if !s.contains('\n') || s.ends_with("\n\n") {
        return None;
    }
    let (body, header) = match s.strip_suffix('\n') {
        Some(body) => (body, "|"),
        None => (s, "|-"),
    };
    let lines: Vec<&str> = body.split('\n').collect();
    let fits = |line: &&str| !line.starts_with(' ') && line.chars().all(printable);
    (lines.first().is_some_and(|l| !l.is_empty()) && lines.iter().all(fits))
        .then_some(Literal { header, lines })
}

fn block_lines(block: &Literal, indent: usize, nl: &str) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!(" {}", block.header);
    for line in &block.lines {
        if line.is_empty() {
            out.push_str(nl);
        } else {
            write!(out, "{nl}{pad}{line}").unwrap_or_default();
        }
    }
    out
}

#[cfg(test)]
mod tests;
