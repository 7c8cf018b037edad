use super::*;
use crate::sso::loopback::Callback;

const STATE: &str = "this-logins-state";
const ISSUER: &str = "https://id.example";

fn answer(pasted: &str) -> Option<Answer> {
    parse(pasted).map(|url| check_answer(&url, STATE, ISSUER))
}

#[test]
fn what_copying_adds_around_an_address_is_forgiven() {
    for pasted in [
        "http://localhost:8080/callback?code=c&state=this-logins-state",
        "  'http://localhost:8080/callback?code=c&state=this-logins-state'\n",
        "<http://localhost:8080/callback?code=c&state=this-logins-state>",
        "localhost:8080/callback?code=c&state=this-logins-state",
    ] {
        match answer(pasted) {
            Some(Answer::End(Ok(Callback::Code(code)))) => assert_eq!(code.expose(), "c"),
            _ => panic!("{pasted:?} not read as this login's code"),
        }
    }
    assert!(parse("").is_none());
    assert!(parse("   \n").is_none());
}

#[test]
fn a_pasted_address_is_checked_as_the_callback_server_checks_one() {
    let is = |pasted: &str, want: &str| {
        let got = match answer(pasted) {
            None => "unreadable",
            Some(Answer::NotCallback) => "not callback",
            Some(Answer::OtherState) => "other state",
            Some(Answer::NoCode) => "no code",
            Some(Answer::End(Ok(Callback::Code(_)))) => "code",
            Some(Answer::End(Ok(Callback::Refused(_)))) => "refused",
            Some(Answer::End(Err(_))) => "error",
        };
        assert_eq!(got, want, "{pasted}");
    };
    is(
        "http://localhost:8080/?code=c&state=this-logins-state",
        "not callback",
    );
    is(
        "https://id.example/authorize?state=this-logins-state",
        "not callback",
    );
    is(
        "http://localhost:8080/callback?code=c&state=forged",
        "other state",
    );
    is("http://localhost:8080/callback?code=c", "other state");
    is(
        "http://localhost:8080/callback?state=this-logins-state",
        "no code",
    );
    is(
        "http://localhost:8080/callback?code=&state=this-logins-state",
        "no code",
    );
    is(
        "http://localhost:8080/callback?error=access_denied&state=this-logins-state",
        "refused",
    );
    is(
        "http://localhost:8080/callback?code=c&state=this-logins-state&iss=https%3A%2F%2Fid.example",
        "code",
    );
    // RFC 9207: an answer naming another issuer ends the login, as at the callback server.
    is(
        "http://localhost:8080/callback?code=c&state=this-logins-state&iss=https%3A%2F%2Fevil.example",
        "error",
    );
    // The state is checked first: another login's answer from another issuer is only that.
    is(
        "http://localhost:8080/callback?code=c&state=x&iss=https%3A%2F%2Fevil.example",
        "other state",
    );
}

#[test]
fn lines_are_read_whole_up_to_a_bound_and_the_end_is_told_apart() {
    let mut input = std::io::Cursor::new(b"first\nsecond".to_vec());
    let text = |line: Line| match line {
        Line::Text(text) => text.expose().to_string(),
        Line::TooLong => "<too long>".into(),
        Line::End => "<end>".into(),
    };
    assert_eq!(text(read_bounded_line(&mut input).unwrap()), "first\n");
    assert_eq!(text(read_bounded_line(&mut input).unwrap()), "second");
    assert_eq!(text(read_bounded_line(&mut input).unwrap()), "<end>");
    let long = "x".repeat(3 * MAX_LINE_BYTES as usize);
    let mut input = std::io::Cursor::new(format!("{long}\nnext\n").into_bytes());
    assert_eq!(text(read_bounded_line(&mut input).unwrap()), "<too long>");
    assert_eq!(text(read_bounded_line(&mut input).unwrap()), "next\n");
    let mut input = std::io::Cursor::new(long.into_bytes());
    assert_eq!(text(read_bounded_line(&mut input).unwrap()), "<too long>");
    assert_eq!(text(read_bounded_line(&mut input).unwrap()), "<end>");
}
