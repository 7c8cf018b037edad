use super::*;

#[test]
fn a_review_without_optional_fields_has_them_empty() {
    let answer: ReviewAnswer = serde_json::from_str(
        r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1",
            "status":{"userInfo":{"username":"alice"}}}"#,
    )
    .unwrap();
    let user = answer.status.unwrap().user_info.unwrap();
    assert_eq!(
        user,
        UserInfo {
            username: "alice".into(),
            ..UserInfo::default()
        }
    );
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        serde_json::json!({"username": "alice", "uid": "", "groups": [], "extra": {}})
    );
}

#[test]
fn server_text_in_errors_is_one_printable_line() {
    let err = KubeError::Unauthorized {
        url: "https://127.0.0.1:6443/apis/x".into(),
        message: Some("Unauthorized\n\u{1b}[2Jgone".into()),
        server_date: None,
    };
    let text = err.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(
        text.contains("refused the credential (401 Unauthorized, saying \"Unauthorized"),
        "{text}"
    );
    let bare = KubeError::Status {
        url: "u".into(),
        status: 500,
        message: None,
    };
    assert_eq!(
        bare.to_string(),
        "the Kubernetes API server at u answered 500"
    );
}
