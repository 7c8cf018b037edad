use std::io::{Read, Write};
use std::net::TcpStream;

use super::*;

const STATE: &str = "s-123";
const ISSUER: &str = "https://id.example";

fn get(target: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n")
}

/// Sends `requests` to a fresh loopback one after another (each answered before the next) while
/// it waits; returns how the wait ended and each answer's status line ("" for none).
fn serve(requests: &[String]) -> (Result<Callback>, Vec<String>) {
    let requests = requests.to_vec();
    crate::http::block_on(async move {
        let loopback = Loopback::bind(0).unwrap();
        let port = loopback.port;
        let client = std::thread::spawn(move || {
            requests
                .iter()
                .map(|request| {
                    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    // An oversized request may be cut off before it is all written.
                    let _ = stream.write_all(request.as_bytes());
                    let mut answer = String::new();
                    let _ = stream.read_to_string(&mut answer);
                    answer.lines().next().unwrap_or_default().to_string()
                })
                .collect::<Vec<_>>()
        });
        let waited = tokio::time::timeout(Duration::from_secs(10), loopback.wait(STATE, ISSUER));
        let outcome = waited.await.expect("the wait ended");
        Ok((outcome, client.join().unwrap()))
    })
    .unwrap()
}

fn code(outcome: Result<Callback>) -> String {
    match outcome {
        Ok(Callback::Code(code)) => code.expose().to_string(),
        Ok(Callback::Refused(said)) => panic!("refused: {said}"),
        Err(err) => panic!("{err}"),
    }
}

#[test]
fn the_callback_with_this_logins_state_gives_the_code() {
    let (outcome, answers) = serve(&[get("/callback?code=c0de&state=s-123")]);
    assert_eq!(code(outcome), "c0de");
    assert_eq!(answers, ["HTTP/1.1 200 OK"]);
}

#[test]
fn another_or_no_state_is_refused_and_the_wait_goes_on() {
    let (outcome, answers) = serve(&[
        get("/callback?code=forged&state=other"),
        get("/callback?code=forged"),
        get("/callback?code=c0de&state=s-123"),
    ]);
    assert_eq!(code(outcome), "c0de");
    assert_eq!(
        answers,
        [
            "HTTP/1.1 400 Bad Request",
            "HTTP/1.1 400 Bad Request",
            "HTTP/1.1 200 OK"
        ]
    );
}

#[test]
fn other_paths_methods_and_a_missing_code_do_not_end_the_wait() {
    let (outcome, answers) = serve(&[
        get("/favicon.ico"),
        "POST /callback?code=x&state=s-123 HTTP/1.1\r\n\r\n".to_string(),
        get("/callback?state=s-123"),
        get("/callback?code=&state=s-123"),
        get("/callback?code=c0de&state=s-123"),
    ]);
    assert_eq!(code(outcome), "c0de");
    assert_eq!(
        answers,
        [
            "HTTP/1.1 404 Not Found",
            "",
            "HTTP/1.1 400 Bad Request",
            "HTTP/1.1 400 Bad Request",
            "HTTP/1.1 200 OK"
        ]
    );
}

#[test]
fn an_answer_from_another_issuer_ends_the_login_with_an_error() {
    let (outcome, answers) = serve(&[get(
        "/callback?code=c0de&state=s-123&iss=https%3A%2F%2Fevil.example",
    )]);
    let err = outcome.err().expect("refused").to_string();
    assert!(err.contains("another issuer"), "{err}");
    assert!(
        err.contains("evil.example") && !err.contains("c0de"),
        "{err}"
    );
    assert_eq!(answers, ["HTTP/1.1 400 Bad Request"]);
}

#[test]
fn the_issuers_own_iss_is_accepted() {
    let (outcome, _) = serve(&[get(
        "/callback?code=c0de&state=s-123&iss=https%3A%2F%2Fid.example",
    )]);
    assert_eq!(code(outcome), "c0de");
}

#[test]
fn a_denial_ends_the_wait_with_what_the_provider_said() {
    let (outcome, answers) = serve(&[get(
        "/callback?error=access_denied&error_description=User%20said%20no&state=s-123",
    )]);
    match outcome {
        Ok(Callback::Refused(said)) => assert_eq!(said, "access_denied (User said no)"),
        _ => panic!("not refused"),
    }
    assert_eq!(answers, ["HTTP/1.1 200 OK"]);
    let (outcome, _) = serve(&[get("/callback?error=server_error&state=s-123")]);
    assert!(matches!(outcome, Ok(Callback::Refused(said)) if said == "server_error"));
}

#[test]
fn a_long_request_is_read_whole_and_an_oversized_one_dropped() {
    let padding = "p".repeat(4000);
    let (outcome, _) = serve(&[get(&format!(
        "/callback?pad={padding}&code=c0de&state=s-123"
    ))]);
    assert_eq!(code(outcome), "c0de");
    let huge = "p".repeat(MAX_REQUEST_BYTES);
    let (outcome, answers) = serve(&[
        get(&format!("/callback?pad={huge}&code=forged&state=s-123")),
        get("/callback?code=c0de&state=s-123"),
    ]);
    assert_eq!(code(outcome), "c0de");
    assert_eq!(answers, ["", "HTTP/1.1 200 OK"]);
}

#[test]
fn a_port_another_program_listens_on_is_refused_naming_it() {
    crate::http::block_on(async {
        let first = Loopback::bind(0).unwrap();
        let err = Loopback::bind(first.port).err().expect("busy").to_string();
        assert!(err.contains(&first.port.to_string()), "{err}");
        assert!(err.contains("--sso-local-server-port"), "{err}");
        assert_eq!(
            first.redirect_uri(),
            format!("http://localhost:{}/callback", first.port)
        );
        Ok(())
    })
    .unwrap();
}
