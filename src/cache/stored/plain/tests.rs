use chrono::{DateTime, Utc};
use proptest::prelude::*;

use super::*;
use crate::cache::Failure;
use crate::credential::SsoSession;

fn by_serde(bytes: &[u8]) -> Option<Entry> {
    serde_json::from_slice(bytes).ok()
}

fn same(a: &Entry, b: &Entry) -> bool {
    a.format == b.format
        && a.cluster_id == b.cluster_id
        && a.account == b.account
        && a.credential == b.credential
        && a.refresh_failed == b.refresh_failed
}

fn at(secs: i64, nanos: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, nanos).unwrap()
}

fn entry(token: Option<String>, cert: Option<String>, key: Option<String>) -> Entry {
    Entry {
        format: 1,
        cluster_id: "bd5f5959-5e1e-4205-a714-a914373942af".into(),
        account: "5fd7a361c977dc36".into(),
        credential: Credential {
            token: token.map(Secret::new),
            client_certificate: cert.map(Secret::new),
            client_key: key.map(Secret::new),
            expires_at: at(1_800_000_000, 123_456_789),
            fetched_at: at(1_799_989_200, 0),
            sso: None,
        },
        refresh_failed: None,
    }
}

#[test]
fn what_doks_auth_writes_for_a_token_is_read_here_as_serde_reads_it() {
    let written = serde_json::to_vec(&entry(Some("kube-token".into()), None, None)).unwrap();
    let plain = super::entry(&written).expect("the plain shape");
    assert!(same(&plain, &by_serde(&written).unwrap()));
}

#[test]
fn escapes_logins_failures_and_odd_spellings_are_left_to_serde() {
    let mut login = entry(Some("id-token".into()), None, None);
    login.credential.sso = Some(SsoSession {
        issuer: "https://id.example".into(),
        client_id: None,
        email: None,
        refresh_token: None,
    });
    let mut failed = entry(Some("t".into()), None, None);
    failed.refresh_failed = Some(Failure {
        at: at(1_800_000_000, 0),
        reason: "down".into(),
        next_try: None,
    });
    let pem = entry(None, Some("-----BEGIN\nX".into()), Some("k\"".into()));
    for written in [login, failed, pem].map(|e| serde_json::to_vec(&e).unwrap()) {
        assert!(super::entry(&written).is_none());
        assert!(by_serde(&written).is_some());
    }
    let good = String::from_utf8(serde_json::to_vec(&entry(Some("t".into()), None, None)).unwrap())
        .unwrap();
    for odd in [
        good.replace(":1,", ": 1,"),
        good.replace(":1,", ":01,"),
        good.replace(":1,", ":2,"),
        good.replace("\"t\"", "null"),
        format!("{good} "),
        good.replace('Z', "+00:00"),
        good.replace("\"account\"", "\"other\":0,\"account\""),
    ] {
        assert!(super::entry(odd.as_bytes()).is_none(), "{odd}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Every entry doks-auth writes: read here only as serde reads it, and the plain ones (no
    /// character JSON escapes) always here.
    #[test]
    fn written_entries_read_here_exactly_as_serde_reads_them(
        token in proptest::option::of(any::<String>()),
        cert in proptest::option::of("[ -~\\n]{0,30}"),
        key in proptest::option::of("[ -~é]{0,30}"),
        expires in 0i64..300_000_000_000, fetched in 0i64..253_402_300_800,
        nanos in 0u32..1_000_000_000,
    ) {
        let mut e = entry(token, cert, key);
        e.credential.expires_at = at(expires, nanos);
        e.credential.fetched_at = at(fetched, 0);
        let written = serde_json::to_vec(&e).unwrap();
        let serde = by_serde(&written).unwrap();
        let plain_text = [&e.credential.token, &e.credential.client_certificate, &e.credential.client_key]
            .iter()
            .filter_map(|s| s.as_ref())
            .all(|s| !s.expose().bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20))
            // Years past 9999 are written with a sign, which chrono's parser reads.
            && expires < 253_402_300_800;
        match super::entry(&written) {
            Some(plain) => prop_assert!(same(&plain, &serde)),
            None => prop_assert!(!plain_text, "a plain entry left to serde"),
        }
    }

    /// Any damage to a written entry: read here only when serde reads the same entry from it.
    #[test]
    fn damaged_entries_are_read_here_only_as_serde_reads_them(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..4),
        token in "[ -~]{0,20}",
    ) {
        let mut bytes = serde_json::to_vec(&entry(Some(token), None, Some("key".into()))).unwrap();
        for (index, kind, byte) in edits {
            let i = index.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => { bytes.remove(i); }
            }
        }
        if let Some(plain) = super::entry(&bytes) {
            let serde = by_serde(&bytes);
            prop_assert!(serde.is_some_and(|s| same(&plain, &s)), "{:?}", String::from_utf8_lossy(&bytes));
        }
    }
}

proptest! {
    /// The word-at-a-time search finds what a byte-at-a-time search finds.
    #[test]
    fn a_word_at_a_time_finds_the_first_quote_backslash_or_control_byte(
        bytes in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), 0u8..0x21, any::<u8>(), 0x20u8..0x7f], 0..40),
        skip in 0usize..40,
    ) {
        let bytes = &bytes[skip.min(bytes.len())..];
        let expected = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        prop_assert_eq!(plain_run(bytes), expected);
    }
}
