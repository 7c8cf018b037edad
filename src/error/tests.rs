use super::*;

fn api(status: u16) -> ApiError {
    ApiError {
        call: Call::Credentials,
        status,
        id: Some("not_found".into()),
        message: Some("The resource\nyou requested could not be found.".into()),
        request_id: Some("4d9d".into()),
        retry_after: None,
        attempts: 1,
        token_from: Box::new(TokenOrigin::Unknown),
        team: None,
    }
}

#[test]
fn api_error_is_one_line_with_details_and_hint() {
    let text = api(404).to_string();
    assert_eq!(
        text,
        "DigitalOcean API answered 404 Not Found (id not_found, \"The resource you requested could not be found.\", request_id 4d9d): no such cluster for this account: check the id with `doks-auth clusters`"
    );
}

#[test]
fn classification() {
    for status in [429, 500, 502, 503, 504] {
        assert!(Error::Api(api(status)).is_transient(), "{status}");
    }
    for status in [400, 401, 403, 404, 501] {
        assert!(!Error::Api(api(status)).is_transient(), "{status}");
    }
    for status in [401, 403, 404] {
        assert!(Error::Api(api(status)).is_access_denied(), "{status}");
    }
    assert!(!Error::Api(api(500)).is_access_denied());
}

#[test]
fn hints_fit_the_call() {
    let hint = |status, call| {
        ApiError {
            call,
            ..api(status)
        }
        .to_string()
    };
    assert!(hint(403, Call::Credentials).contains("kubernetes:access_cluster"));
    for call in [Call::Cluster, Call::ClusterList] {
        let text = hint(403, call);
        assert!(
            text.contains("kubernetes:read") && !text.contains("access_cluster"),
            "{text}"
        );
    }
    assert!(hint(404, Call::Cluster).contains("no such cluster"));
    let text = hint(404, Call::ClusterList);
    assert!(
        text.contains("--api-url") && !text.contains("no such cluster"),
        "{text}"
    );
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let hostile = "ok\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt.exe\u{7f}";
    let shown = one_line(hostile);
    assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
    assert!(!shown.contains('\u{202e}'), "{shown:?}");
    assert!(shown.starts_with("ok\u{fffd}]0;pwned"), "{shown:?}");
    let mut err = api(500);
    err.message = Some(hostile.into());
    err.id = Some("\u{1b}[31mred".into());
    assert!(!err.to_string().chars().any(|c| c.is_control()));
    assert_eq!(printable("tab\tand\nnewline"), "tab\tand\nnewline");
}

#[test]
fn one_line_folds_and_truncates() {
    assert_eq!(one_line("a\n b\t\tc"), "a b c");
    let long = "é".repeat(300);
    assert!(one_line(&long).chars().count() <= 101);
}
