use super::*;

#[test]
fn backoff_grows_and_stays_bounded() {
    for attempt in 1..=10 {
        let step = BACKOFF_FIRST
            .saturating_mul(1 << (attempt - 1))
            .min(BACKOFF_MAX);
        let wait = backoff(attempt);
        assert!(
            wait >= step / 2 && wait <= step,
            "attempt {attempt}: {wait:?}"
        );
    }
}

#[test]
fn retry_after_accepts_seconds_and_http_dates() {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("retry-after", "7".parse().unwrap());
    assert_eq!(http::retry_after_secs(&headers), Some(7));
    let later = (chrono::Utc::now() + chrono::Duration::seconds(100)).to_rfc2822();
    headers.insert("retry-after", later.parse().unwrap());
    let secs = http::retry_after_secs(&headers).unwrap();
    assert!((98..=100).contains(&secs), "{secs}");
    headers.insert("retry-after", "soon".parse().unwrap());
    assert_eq!(http::retry_after_secs(&headers), None);
    // From outside, bounded: no number past a day, no date from another era breaks anything.
    for huge in [
        "18446744073709551615",
        "99999999999999999999999",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        headers.insert("retry-after", huge.parse().unwrap());
        assert!(
            http::retry_after_secs(&headers).is_none_or(|secs| secs <= 86_400),
            "{huge}"
        );
    }
    headers.insert(
        "retry-after",
        "Thu, 01 Jan 1970 00:00:00 GMT".parse().unwrap(),
    );
    assert_eq!(http::retry_after_secs(&headers), Some(0));
    headers.insert("retry-after", "-5".parse().unwrap());
    assert_eq!(http::retry_after_secs(&headers), None);
}

#[test]
fn json_errors_never_quote_the_body() {
    let err = serde_json::from_slice::<ApiCredentials>(br#"{"token": 12345678}"#).unwrap_err();
    let text = describe_json_error(&err);
    assert!(!text.contains("12345678"), "{text}");
    let err = serde_json::from_slice::<ApiCredentials>(br#"{"token": "abc"#).unwrap_err();
    assert!(describe_json_error(&err).starts_with("truncated JSON"));
}
