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

const ISSUER: &str = "https://id.example";

fn discovery(endpoint: &str, url: &str) -> Discovery {
    let mut doc = serde_json::json!({
        "issuer": ISSUER,
        "authorization_endpoint": "https://id.example/authorize",
        "token_endpoint": "https://id.example/token",
        "jwks_uri": "https://id.example/jwks",
    });
    doc[endpoint] = url.into();
    serde_json::from_value(doc).unwrap()
}

const ENDPOINTS: [&str; 4] = [
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "device_authorization_endpoint",
];

#[test]
fn endpoints_must_be_https_unless_on_loopback() {
    for endpoint in ENDPOINTS {
        for good in [
            "https://login.id.example/oauth2/v1/x",
            "http://127.0.0.1:5556/x",
            "http://[::1]/x",
            "http://localhost:8080/x",
        ] {
            assert!(
                check_endpoints(&discovery(endpoint, good), ISSUER).is_ok(),
                "{endpoint} {good}"
            );
        }
        for bad in [
            "http://id.example/x",
            "http://10.0.0.1/x",
            "ftp://id.example/x",
            "/x",
        ] {
            let err = check_endpoints(&discovery(endpoint, bad), ISSUER)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("single sign-on with https://id.example: its discovery document's")
                    && err.contains(&format!("{endpoint} {bad} is not https://"))
                    && err.contains("the provider must serve it over https://"),
                "{err}"
            );
        }
    }
    // No device endpoint is no device endpoint to check.
    let mut doc = discovery("jwks_uri", "https://id.example/jwks");
    doc.device_authorization_endpoint = None;
    assert!(check_endpoints(&doc, ISSUER).is_ok());
}

#[test]
fn an_endpoint_with_control_characters_is_refused_and_never_printed_raw() {
    for endpoint in ENDPOINTS {
        for hostile in [
            "https://id.example/t\u{1b}[31mred",
            "https://id.example/t\u{7}",
            "https://id.example/t\u{9b}31m",
            "https://id.example/a b",
            "http://id.example/\u{1b}]0;title\u{7}",
        ] {
            let err = check_endpoints(&discovery(endpoint, hostile), ISSUER)
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("{endpoint} (")), "{err}");
            assert!(err.contains("is not a URL"), "{err}");
            assert!(!err.chars().any(char::is_control), "{err:?}");
        }
    }
}

#[test]
fn a_refresh_token_is_sent_for_revocation_only_over_https_or_to_this_machine() {
    for secure in [
        "https://id.example/revoke",
        "http://127.0.0.1:5556/revoke",
        "http://localhost/revoke",
        "http://[::1]:9/revoke",
    ] {
        assert!(crate::http::is_secure_url(secure), "{secure}");
    }
    for insecure in [
        "http://id.example/revoke",
        "http://10.0.0.1/revoke",
        "ftp://id.example/revoke",
        "/revoke",
        "",
    ] {
        assert!(!crate::http::is_secure_url(insecure), "{insecure}");
    }
}
