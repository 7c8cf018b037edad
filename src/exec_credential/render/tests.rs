use chrono::{NaiveDate, NaiveTime};
use proptest::prelude::*;
use serde::Serialize;

use super::*;
use crate::secret::Secret;

/// What `render` was before it was written by hand: serde_json over the document.
fn by_serde(version: ApiVersion, credential: &Credential, expiration: DateTime<Utc>) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ExecCredential<'a> {
        kind: &'static str,
        api_version: &'static str,
        spec: Spec,
        status: Status<'a>,
    }
    #[derive(Serialize)]
    struct Spec {
        interactive: bool,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Status<'a> {
        expiration_timestamp: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        token: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_certificate_data: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_key_data: Option<&'a str>,
    }
    let doc = ExecCredential {
        kind: "ExecCredential",
        api_version: version.group_version(),
        spec: Spec { interactive: false },
        status: Status {
            expiration_timestamp: expiration.to_rfc3339_opts(SecondsFormat::Secs, true),
            token: credential.token.as_ref().map(|s| s.expose()),
            client_certificate_data: credential.client_certificate.as_ref().map(|s| s.expose()),
            client_key_data: credential.client_key.as_ref().map(|s| s.expose()),
        },
    };
    let mut line = serde_json::to_string(&doc).unwrap();
    line.push('\n');
    line
}

fn credential(token: Option<&str>, cert: Option<&str>, key: Option<&str>) -> Credential {
    let at = DateTime::UNIX_EPOCH;
    Credential {
        token: token.map(Secret::new),
        client_certificate: cert.map(Secret::new),
        client_key: key.map(Secret::new),
        expires_at: at,
        fetched_at: at,
        sso: None,
    }
}

#[test]
fn every_escape_and_odd_character_is_written_as_serde_json_writes_it() {
    let every_byte: String = (0u8..=127).map(char::from).collect();
    let odd = format!("{every_byte}\u{7f}\u{80}\u{9b}é\u{202e}\u{10ffff}\"\\");
    let cred = credential(Some(&odd), Some("-----BEGIN\nCERT\r\n"), Some(""));
    let at = "2026-11-23T12:00:00.999999999Z".parse().unwrap();
    for version in [ApiVersion::V1, ApiVersion::V1beta1] {
        assert_eq!(render(version, &cred, at), by_serde(version, &cred, at));
    }
}

#[test]
fn timestamps_at_the_edges_are_written_as_chrono_writes_them() {
    let cred = credential(Some("tok"), None, None);
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_time(NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap())
        .and_utc();
    for at in [
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
        DateTime::UNIX_EPOCH,
        leap,
        "0000-01-01T00:00:00Z".parse().unwrap(),
        "9999-12-31T23:59:59.5Z".parse().unwrap(),
        "-0001-12-31T23:59:59Z".parse().unwrap(),
        "+10000-01-01T00:00:00Z".parse().unwrap(),
    ] {
        assert_eq!(
            render(ApiVersion::V1, &cred, at),
            by_serde(ApiVersion::V1, &cred, at),
            "{at:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn rendered_by_hand_is_byte_for_byte_what_serde_json_wrote(
        v1 in any::<bool>(),
        token in proptest::option::of(any::<String>()),
        cert in proptest::option::of("[\\x00-\\x7f]{0,40}"),
        key in proptest::option::of(any::<String>()),
        secs in -100_000_000_000i64..300_000_000_000,
        nanos in 0u32..2_000_000_000,
    ) {
        let version = if v1 { ApiVersion::V1 } else { ApiVersion::V1beta1 };
        let cred = credential(token.as_deref(), cert.as_deref(), key.as_deref());
        // Some nanosecond values past 1e9 are leap seconds, valid only at :59.
        let Some(at) = DateTime::from_timestamp(secs, nanos) else { return Ok(()) };
        prop_assert_eq!(render(version, &cred, at), by_serde(version, &cred, at));
    }
}
