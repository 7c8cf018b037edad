use super::*;
use crate::secret::Secret;

fn login(email: Option<&str>, refresh: bool, client: bool) -> SsoSession {
    SsoSession {
        issuer: "https://id.example".into(),
        client_id: client.then(|| "doks".into()),
        email: email.map(Into::into),
        refresh_token: refresh.then(|| Secret::new("refresh-secret")),
    }
}

/// What logout says of `login`, with a second to revoke it in.
fn say(login: &SsoSession) -> String {
    let later = Instant::now() + Duration::from_secs(1);
    http::block_on(async { Ok(sign_out(login, later, Duration::from_secs(1)).await) }).unwrap()
}

#[test]
fn what_cannot_be_revoked_is_said_without_a_network_call_or_a_secret() {
    let line = say(&login(Some("a@x"), false, true));
    assert_eq!(
        line,
        "a@x at https://id.example: signed out (no refresh token was held)"
    );
    let line = say(&login(Some("a\u{1b}[2J@x"), true, false));
    assert!(
        line.starts_with("a\u{fffd}[2J@x at https://id.example: signed out, but the refresh token could not be revoked (the cache entry is older than logout"),
        "{line}"
    );
    assert!(!line.contains("refresh-secret"), "{line}");
    let line = say(&login(None, false, false));
    assert!(line.starts_with("(no email) at "), "{line}");
}

#[test]
fn failures_to_revoke_are_said_shortly() {
    let err = Error::SsoNetwork {
        url: "https://id.example/revoke\n".into(),
        reason: "connection refused".into(),
    };
    assert_eq!(
        why(&err),
        "cannot reach https://id.example/revoke: connection refused"
    );
    let err = Error::SsoTimeout {
        issuer: "https://id.example".into(),
        seconds: 30,
    };
    assert_eq!(why(&err), "no answer within 30 s (--timeout)");
}
