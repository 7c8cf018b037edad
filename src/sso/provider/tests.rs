use serde_json::json;

use super::*;

fn device(numbers: serde_json::Value) -> DeviceAnswer {
    let mut answer = json!({"device_code": "d", "user_code": "u", "verification_uri": "https://v"});
    answer
        .as_object_mut()
        .unwrap()
        .extend(numbers.as_object().unwrap().clone());
    serde_json::from_value(answer).unwrap()
}

fn numbers(answer: &DeviceAnswer) -> (Option<u64>, Option<u64>) {
    (answer.expires_in, answer.interval)
}

#[test]
fn device_numbers_are_read_whole_however_large() {
    let huge = device(json!({"expires_in": u64::MAX, "interval": u64::MAX}));
    assert_eq!(numbers(&huge), (Some(u64::MAX), Some(u64::MAX)));
    let text = r#"{"device_code":"d","user_code":"u","verification_uri":"v",
                   "expires_in":18446744073709551616,"interval":1e300}"#;
    let beyond: DeviceAnswer = serde_json::from_str(text).unwrap();
    assert_eq!(numbers(&beyond), (Some(u64::MAX), Some(u64::MAX)));
}

#[test]
fn quoted_and_fractional_seconds_are_read_and_nonsense_is_absent() {
    assert_eq!(
        numbers(&device(json!({"expires_in": "900", "interval": " 5 "}))),
        (Some(900), Some(5))
    );
    // Rounded up: a poll never comes sooner than asked.
    assert_eq!(
        numbers(&device(json!({"expires_in": 0.5, "interval": 1.2}))),
        (Some(1), Some(2))
    );
    for nonsense in [
        json!(-1),
        json!(-0.5),
        json!("NaN"),
        json!("inf"),
        json!("-5"),
        json!("soon"),
        json!(null),
        json!(true),
        json!([5]),
        json!({"s": 5}),
    ] {
        let answer = device(json!({"expires_in": nonsense, "interval": nonsense}));
        assert_eq!(numbers(&answer), (None, None), "{nonsense}");
    }
    assert_eq!(numbers(&device(json!({}))), (None, None));
}

#[test]
fn a_refresh_token_is_sent_for_revocation_only_over_https_or_to_this_machine() {
    for secure in [
        "https://id.example/revoke",
        "http://127.0.0.1:5556/revoke",
        "http://localhost/revoke",
        "http://[::1]:9/revoke",
    ] {
        assert!(is_secure(secure), "{secure}");
    }
    for insecure in [
        "http://id.example/revoke",
        "http://10.0.0.1/revoke",
        "ftp://id.example/revoke",
        "/revoke",
        "",
    ] {
        assert!(!is_secure(insecure), "{insecure}");
    }
}
