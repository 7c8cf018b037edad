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

/// What [`callback_after_idle_connections`] saw.
struct AfterIdle {
    outcome: Result<Callback>,
    /// From sending the callback to its answer.
    took: Duration,
    status: String,
    /// Whether the server had closed the first idle connection before the callback was sent.
    first_closed: bool,
    idle: Vec<TcpStream>,
}

/// Opens `idle` connections that send nothing (a browser's speculative preconnects, say), then
/// sends the real callback.
fn callback_after_idle_connections(idle: usize) -> AfterIdle {
    crate::http::block_on(async move {
        let loopback = Loopback::bind(0).unwrap();
        let port = loopback.port;
        let client = std::thread::spawn(move || {
            let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let idle: Vec<TcpStream> = (0..idle)
                .map(|_| TcpStream::connect_timeout(&address, Duration::from_secs(5)).unwrap())
                .collect();
            // One that stops halfway through its request line, too.
            let mut half = TcpStream::connect(address).unwrap();
            half.write_all(b"GET /callback?code=half").unwrap();
            // Gives the server time to take them all, and tells whether it closed the first.
            let mut byte = [0u8; 1];
            idle[0]
                .set_read_timeout(Some(Duration::from_secs(1)))
                .unwrap();
            let first_closed = matches!((&idle[0]).read(&mut byte), Ok(0));
            let started = std::time::Instant::now();
            let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(15)))
                .unwrap();
            stream
                .write_all(get("/callback?code=c0de&state=s-123").as_bytes())
                .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            let status = answer.lines().next().unwrap_or_default().to_string();
            (started.elapsed(), status, first_closed, idle, half)
        });
        // Bounded well below the stall, so that a stalled wait fails here rather than later.
        let waited = tokio::time::timeout(Duration::from_secs(5), loopback.wait(STATE, ISSUER));
        let outcome = waited
            .await
            .expect("the callback ended the wait within 5 s");
        let (took, status, first_closed, idle, _half) = client.join().unwrap();
        Ok(AfterIdle {
            outcome,
            took,
            status,
            first_closed,
            idle,
        })
    })
    .unwrap()
}

#[test]
fn idle_connections_do_not_delay_the_callback() {
    let seen = callback_after_idle_connections(5);
    assert_eq!(code(seen.outcome), "c0de");
    assert_eq!(seen.status, "HTTP/1.1 200 OK");
    // Each idle connection held the server for READ_TIMEOUT (10 s) when it served one at a time.
    let took = seen.took;
    assert!(took < Duration::from_secs(3), "the callback took {took:?}");
    assert!(
        !seen.first_closed,
        "within the bound, nobody is closed early"
    );
    // Once the wait is over, the idle connections are closed rather than left open.
    for mut stream in seen.idle {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut byte = [0u8; 1];
        match stream.read(&mut byte) {
            Ok(0) => {}
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("an idle connection is still open: {other:?}"),
        }
    }
}

#[test]
fn more_idle_connections_than_the_bound_close_the_oldest_and_the_callback_still_wins() {
    let seen = callback_after_idle_connections(MAX_CONNECTIONS + 8);
    assert!(seen.first_closed, "the oldest connection makes room");
    assert_eq!(code(seen.outcome), "c0de");
    assert_eq!(seen.status, "HTTP/1.1 200 OK");
    let took = seen.took;
    assert!(took < Duration::from_secs(3), "the callback took {took:?}");
}
