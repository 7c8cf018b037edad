//! Reading and writing a kubeconfig's YAML text.

use serde_json::Value;

use super::empty;

/// Parses a kubeconfig; an empty file is an empty config. The error is a reason without any of
/// the file's text, which may hold tokens and keys.
pub fn parse(text: &str) -> std::result::Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(empty());
    }
    let doc: Value = serde_saphyr::from_str(text).map_err(|err| {
        let at = err
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        format!("it is not valid YAML{at}")
    })?;
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

/// The kubeconfig as YAML text.
pub fn to_yaml(doc: &Value) -> std::result::Result<String, String> {
    let mut options = serde_saphyr::SerializerOptions::default();
    // Keep long single-line values (certificate-authority-data) plain, as kubectl writes them;
    // multi-line ones (installHint) still come out as `|` blocks.
    options.folded_wrap_chars = usize::MAX;
    serde_saphyr::to_string_with_options(doc, options).map_err(|err| err.to_string())
}
