//! A cache entry in the one shape doks-auth writes for a token or a client certificate with no
//! escapes in it, read without serde: `{"format":1,"cluster_id":"…","account":"…"`, then
//! `token`, `client_certificate`, `client_key` as present, `expires_at`, `fetched_at`, `}` — no
//! space, no escape, timestamps as chrono writes them. serde_json's reading of the same bytes was
//! 5.3k of a cache hit's 26k instructions. Anything else (an escape, a login's `sso`, a
//! remembered failure, another order, a stray byte) is `None` and goes to serde, which reads it
//! as before; the tests check that whatever is read here is exactly what serde reads.

use super::utc_as_written;
use crate::ascii::json_special as plain_run;
use crate::cache::Entry;
use crate::credential::Credential;
use crate::secret::Secret;

pub(in crate::cache) fn entry(bytes: &[u8]) -> Option<Entry> {
    let text = crate::ascii::utf8(bytes)?;
    let mut at = Cursor { text, at: 0 };
    at.literal(r#"{"format":1,"cluster_id":"#)?;
    let cluster_id = at.string()?;
    at.literal(r#","account":"#)?;
    let account = at.string()?;
    let token = at.optional(r#","token":"#)?;
    let client_certificate = at.optional(r#","client_certificate":"#)?;
    let client_key = at.optional(r#","client_key":"#)?;
    at.literal(r#","expires_at":"#)?;
    let expires_at = utc_as_written(at.string()?)?;
    at.literal(r#","fetched_at":"#)?;
    let fetched_at = utc_as_written(at.string()?)?;
    at.literal("}")?;
    (at.at == text.len()).then_some(())?;
    Some(Entry {
        format: 1,
        cluster_id: cluster_id.to_string(),
        account: account.to_string(),
        credential: Credential {
            token: token.map(Secret::new),
            client_certificate: client_certificate.map(Secret::new),
            client_key: client_key.map(Secret::new),
            expires_at,
            fetched_at,
            sso: None,
        },
        refresh_failed: None,
    })
}

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn literal(&mut self, expected: &str) -> Option<()> {
        crate::ascii::starts_with(&self.text.as_bytes()[self.at..], expected.as_bytes())
            .then(|| self.at += expected.len())
    }

    /// A string without escapes or control characters (which JSON does not allow raw).
    fn string(&mut self) -> Option<&'a str> {
        let rest = &self.text.as_bytes()[self.at..];
        if rest.first() != Some(&b'"') {
            return None;
        }
        let len = plain_run(&rest[1..])?;
        if rest[1 + len] != b'"' {
            return None;
        }
        // Both ends are ASCII quotes: character boundaries.
        let value = &self.text[self.at + 1..self.at + 1 + len];
        self.at += len + 2;
        Some(value)
    }

    /// `Some(None)` when the field is absent, `None` when it is there but not plain.
    fn optional(&mut self, key: &str) -> Option<Option<&'a str>> {
        match self.literal(key) {
            Some(()) => self.string().map(Some),
            None => Some(None),
        }
    }
}

#[cfg(test)]
mod tests;
