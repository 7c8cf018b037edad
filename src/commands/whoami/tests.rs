use super::*;

#[test]
fn text_says_every_fact_once_a_line_folded() {
    let identity = Identity {
        context: "prod".into(),
        cluster_id: "bd5f".into(),
        kubernetes: UserInfo {
            username: "alice\u{1b}[2J".into(),
            uid: "".into(),
            groups: vec!["a".into(), "b".into()],
            extra: [("scopes".to_string(), vec!["x".to_string()])].into(),
        },
        digitalocean: Some(DoAccount {
            email: Some("a@example.com".into()),
            team: None,
        }),
        sso: None,
        credential_expires_at: "2026-11-29T12:00:00Z".into(),
    };
    assert_eq!(
        text(&identity),
        "context                prod\n\
         cluster id             bd5f\n\
         username               alice\u{fffd}[2J\n\
         groups                 a, b\n\
         extra scopes           x\n\
         digitalocean email     a@example.com\n\
         digitalocean team      -\n\
         credential expires at  2026-11-29T12:00:00Z\n"
    );
}
