//! The ExecCredential line, written by hand: it is printed on every cache hit, where serde_json's
//! serializer and chrono's formatter cost more than the bytes they write. The output is
//! byte for byte what `serde_json::to_string` of the document wrote before (the tests compare the
//! two on arbitrary credentials): the same field order, the same escapes.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};

use super::ApiVersion;
use crate::credential::Credential;

/// The compact JSON line for stdout. `expiration` is when kubectl should come back for a new
/// credential, which is earlier than when the server stops accepting this one.
pub fn render(version: ApiVersion, credential: &Credential, expiration: DateTime<Utc>) -> String {
    let fields = [
        ("token", &credential.token),
        ("clientCertificateData", &credential.client_certificate),
        ("clientKeyData", &credential.client_key),
    ];
    let values: usize = fields
        .iter()
        .filter_map(|(_, value)| value.as_ref())
        .map(|value| value.expose().len() + 32)
        .sum();
    let mut line = String::with_capacity(200 + values);
    line.push_str(r#"{"kind":"ExecCredential","apiVersion":""#);
    line.push_str(version.group_version());
    line.push_str(r#"","spec":{"interactive":false},"status":{"expirationTimestamp":""#);
    timestamp(&mut line, expiration);
    line.push('"');
    for (name, value) in fields {
        if let Some(value) = value {
            line.push_str(",\"");
            line.push_str(name);
            line.push_str("\":");
            string(&mut line, value.expose());
        }
    }
    line.push_str("}}\n");
    line
}

/// RFC 3339 in whole seconds with `Z`, as chrono's `to_rfc3339_opts(Secs, true)` writes it;
/// years outside 0..=9999 (which chrono writes with a sign) are left to chrono.
fn timestamp(out: &mut String, at: DateTime<Utc>) {
    let (date, time) = (at.date_naive(), at.time());
    if !(0..=9999).contains(&date.year()) {
        out.push_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true));
        return;
    }
    let mut text = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for slot in text[at..at + width].iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, date.year() as u32);
    put(5, 2, date.month());
    put(8, 2, date.day());
    put(11, 2, time.hour());
    put(14, 2, time.minute());
    // A leap second (nanoseconds past 1e9) reads 60, as chrono writes it.
    put(17, 2, time.second() + time.nanosecond() / 1_000_000_000);
    out.push_str(std::str::from_utf8(&text).expect("ASCII digits"));
}

/// A JSON string as serde_json writes one: `"` and `\` escaped, the C0 controls as `\b \t \n \f
/// \r` or `\u00xx` (lower-case hex); everything else, DEL and non-ASCII included, as it is.
fn string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let bytes = text.as_bytes();
    let mut start = 0;
    // What needs an escape is exactly what `json_special` looks for, eight bytes at a time.
    while let Some(run) = crate::ascii::json_special(&bytes[start..]) {
        let i = start + run;
        let byte = bytes[i];
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x09 => "\\t",
            0x0a => "\\n",
            0x0c => "\\f",
            0x0d => "\\r",
            _ => "",
        };
        // `byte` is ASCII, so `i` is a character boundary.
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests;
