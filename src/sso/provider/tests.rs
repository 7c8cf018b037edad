use super::*;

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
