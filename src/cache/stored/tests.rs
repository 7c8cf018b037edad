use proptest::prelude::*;

use super::*;
use chrono::Timelike;

fn chrono_reads(text: &str) -> Option<DateTime<Utc>> {
    text.parse::<DateTime<FixedOffset>>()
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[test]
fn timestamps_chrono_writes_take_the_short_cut_and_read_the_same() {
    let now = Utc::now();
    for at in [
        now,
        now.with_nanosecond(0).unwrap(),
        now.with_nanosecond(120_000_000).unwrap(),
        "2024-02-29T23:59:59.000000001Z".parse().unwrap(),
    ] {
        let text = serde_json::to_value(at).unwrap();
        let text = text.as_str().unwrap();
        assert_eq!(utc_as_written(text), Some(at), "{text}");
    }
}

#[test]
fn other_spellings_are_left_to_chrono() {
    for text in [
        "2026-01-01T00:00:00+00:00",
        "2026-01-01 00:00:00Z",
        "2026-01-01t00:00:00z",
        "2026-01-01T00:00:60Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.1234567890Z",
        "+2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00",
        "",
    ] {
        assert_eq!(utc_as_written(text), None, "{text}");
    }
    let entry = |at: &str| {
        format!(
            r#"{{"format":1,"cluster_id":"c","account":"a","expires_at":"{at}","fetched_at":"2026-01-01T00:00:00Z"}}"#
        )
    };
    let read =
        |at: &str| serde_json::from_str::<Entry>(&entry(at)).map(|e| e.credential.expires_at);
    assert_eq!(
        read("2026-01-01T02:00:00+02:00").unwrap(),
        chrono_reads("2026-01-01T00:00:00Z").unwrap()
    );
    assert!(read("2026-02-30T00:00:00Z").is_err());
}

proptest! {
    /// Wherever the short cut answers, chrono gives the same instant; and for every shape it
    /// takes (no leap second, at most nine digits of fraction) it answers exactly when chrono
    /// does.
    #[test]
    fn the_short_cut_agrees_with_chrono(
        y in 0u32..10000, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..62,
        s in 0u32..62, frac in proptest::option::of("[0-9]{1,10}"),
    ) {
        let short_shape = s <= 59 && frac.as_ref().is_none_or(|f| f.len() <= 9);
        let text = format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}Z",
            frac.map(|f| format!(".{f}")).unwrap_or_default()
        );
        let fast = utc_as_written(&text);
        if fast.is_some() || short_shape {
            prop_assert_eq!(fast, chrono_reads(&text), "{}", text);
        }
    }
}
