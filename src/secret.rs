//! A wrapper that keeps secrets out of logs, errors and panics.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A DigitalOcean token or an issued cluster credential.
///
/// `Debug` prints a placeholder and there is deliberately no `Display`: the only way to the
/// text is [`Secret::expose`], which makes every use of a secret easy to find and review.
/// Serialisation is transparent because the cache file (0600) must hold the credential itself.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret text itself. Call only where the secret must leave the process: an HTTP
    /// header, stdout for kubectl, or the 0600 cache file.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// For clap: `--access-token` is parsed straight into a `Secret`, so no `Debug` of the parsed
/// arguments can show it.
impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// Lower-case hex of a digest's bytes, for the fingerprints that stand in for a secret (cache
/// file names). Built in one allocation: it runs on every cache hit.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Written as bytes: `String::push` checks each char's UTF-8 length (0.2k a hit).
    let mut out = vec![0; bytes.len() * 2];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 15)];
    }
    // SAFETY: every byte is one of DIGITS, all ASCII (`from_utf8` checked them for 0.1k).
    unsafe { String::from_utf8_unchecked(out) }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("dop_v1_supersecret");
        let shown = format!("{secret:?} {:?} {:#?}", Some(&secret), vec![secret.clone()]);
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn serialises_transparently_for_the_cache_file() {
        let secret = Secret::new("abc");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"abc\"");
        let back: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(back.expose(), "abc");
    }
}
