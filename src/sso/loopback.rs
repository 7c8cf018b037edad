//! The loopback server the browser is sent back to after a login (RFC 8252 §7.3): it listens on
//! 127.0.0.1 only, reads each small request on its own task, and ends at the first callback that
//! carries our `state`. Anything else gets a short page and the wait goes on.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use log::debug;
use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{AbortHandle, JoinError, JoinSet};

use crate::error::{Error, Result, one_line};
use crate::secret::Secret;

const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// A browser sends its request at once; a connection that does not is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed accept before the next.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);
/// Connections served at once. Browsers open spare connections that may never send anything
/// (preconnects); beyond this many, the oldest is closed to make room, since the newest is the
/// likeliest to be the browser's redirect.
const MAX_CONNECTIONS: usize = 32;

pub struct Loopback {
    listener: TcpListener,
    pub port: u16,
}

/// How a callback request ends the wait.
pub enum Callback {
    Code(Secret),
    /// The provider said no (`error=`), with what it said.
    Refused(String),
}

impl Loopback {
    /// Listens on 127.0.0.1:`port` (0: any free port). SO_REUSEADDR lets a login reuse the port
    /// of one that just ended (its connections linger in TIME_WAIT), while a port another
    /// program listens on is still refused.
    pub fn bind(port: u16) -> Result<Self> {
        let failed = |err: std::io::Error| Error::LoopbackPort {
            port,
            reason: err.to_string(),
        };
        let socket = TcpSocket::new_v4().map_err(failed)?;
        socket.set_reuseaddr(true).map_err(failed)?;
        socket
            .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .map_err(failed)?;
        let listener = socket.listen(16).map_err(failed)?;
        let port = listener.local_addr().map_err(failed)?.port();
        debug!("sso: listening on 127.0.0.1:{port} for the login callback");
        Ok(Loopback { listener, port })
    }

    /// The redirect URI to register and send: `localhost`, as doctl sends it, so the URI that
    /// admins already registered for doctl matches.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/callback", self.port)
    }

    /// Serves until a callback with `state` arrives. `issuer` is checked against RFC 9207's
    /// `iss` when the provider sends one. Each connection is served on its own task, so one
    /// that is slow or sends nothing cannot hold up the browser's; the first callback that
    /// ends the wait wins, and the others are closed when it returns.
    pub async fn wait(&self, state: &str, issuer: &str) -> Result<Callback> {
        let expected = Arc::new(Expected {
            state: state.to_string(),
            issuer: issuer.to_string(),
        });
        let mut connections = JoinSet::new();
        // Oldest first; finished ones are pruned before any is closed to make room.
        let mut live: VecDeque<AbortHandle> = VecDeque::new();
        loop {
            match poll_fn(|cx| next_event(&self.listener, &mut connections, cx)).await {
                Event::Accepted(Ok(stream)) => {
                    live.retain(|task| !task.is_finished());
                    if live.len() >= MAX_CONNECTIONS
                        && let Some(oldest) = live.pop_front()
                    {
                        debug!(
                            "sso: {MAX_CONNECTIONS} loopback connections open; closing the oldest"
                        );
                        oldest.abort();
                    }
                    live.push_back(connections.spawn(serve(stream, Arc::clone(&expected))));
                }
                Event::Accepted(Err(err)) => {
                    // Out of file descriptors, say: it passes, but retrying at once would spin.
                    debug!("sso: loopback accept failed: {err}");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
                Event::Served(Ok(Ok(Some(done)))) => return Ok(done),
                Event::Served(Ok(Err(err))) => return Err(err),
                Event::Served(Ok(Ok(None))) => {}
                // Closed to make room (a panic would have aborted the process).
                Event::Served(Err(err)) => debug!("sso: a loopback connection ended: {err}"),
            }
        }
    }
}

/// What the callback must carry, shared by the connections' tasks.
struct Expected {
    state: String,
    issuer: String,
}

enum Event {
    Accepted(std::io::Result<TcpStream>),
    Served(std::result::Result<Result<Option<Callback>>, JoinError>),
}

/// A served connection, else a new one. Served ones come first: a callback already read ends
/// the wait before anything else is accepted.
fn next_event(
    listener: &TcpListener,
    connections: &mut JoinSet<Result<Option<Callback>>>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Event> {
    // Ready(None) when there are none: then only the listener can wake this.
    if let Poll::Ready(Some(served)) = connections.poll_join_next(cx) {
        return Poll::Ready(Event::Served(served));
    }
    listener
        .poll_accept(cx)
        .map(|accepted| Event::Accepted(accepted.map(|(stream, _)| stream)))
}

/// One connection: `Ok(None)` means keep waiting.
async fn serve(mut stream: TcpStream, expected: Arc<Expected>) -> Result<Option<Callback>> {
    let (state, issuer) = (expected.state.as_str(), expected.issuer.as_str());
    let Ok(Ok(Some(target))) =
        tokio::time::timeout(READ_TIMEOUT, request_target(&mut stream)).await
    else {
        return Ok(None);
    };
    let Ok(url) = Url::parse("http://localhost").and_then(|base| base.join(&target)) else {
        respond(
            &mut stream,
            400,
            "That is not a request doks-auth understands.",
        )
        .await;
        return Ok(None);
    };
    match check_answer(&url, state, issuer) {
        Answer::NotCallback => {
            respond(
                &mut stream,
                404,
                "Nothing here: doks-auth only waits for /callback.",
            )
            .await;
            Ok(None)
        }
        Answer::OtherState => {
            debug!("sso: refused a callback without this login's state");
            respond(
                &mut stream,
                400,
                "This is not the login doks-auth is waiting for. Start again from kubectl.",
            )
            .await;
            Ok(None)
        }
        Answer::NoCode => {
            respond(&mut stream, 400, "The login answer has no code.").await;
            Ok(None)
        }
        Answer::End(Err(err)) => {
            respond(
                &mut stream,
                400,
                "The login answer came from another issuer.",
            )
            .await;
            Err(err)
        }
        Answer::End(Ok(callback)) => {
            let page = match callback {
                Callback::Refused(_) => "Login failed. You can close this tab.",
                Callback::Code(_) => {
                    "Logged in. You can close this tab and go back to the terminal."
                }
            };
            respond(&mut stream, 200, page).await;
            Ok(Some(callback))
        }
    }
}

/// What a login's answer (the address the provider sends the browser back to) says.
pub enum Answer {
    /// Not `/callback`: no answer at all.
    NotCallback,
    /// Without this login's `state` (RFC 6749 §10.12): a forgery, or another login's answer.
    OtherState,
    /// This login's, but with neither a code nor an error.
    NoCode,
    /// The login's end: its code, the provider's refusal, or (an error) an answer naming
    /// another issuer (RFC 9207), which may be a mix-up attack.
    End(Result<Callback>),
}

/// Checks an answer as the callback server and a pasted address both must: the path, then
/// `state`, then RFC 9207's `iss` when the provider sends one, then an error or the code. The
/// code and state never reach the log.
pub fn check_answer(url: &Url, state: &str, issuer: &str) -> Answer {
    if url.path() != "/callback" {
        return Answer::NotCallback;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    if param("state").as_deref() != Some(state) {
        return Answer::OtherState;
    }
    if let Some(iss) = param("iss")
        && iss != issuer
    {
        return Answer::End(Err(Error::Sso {
            issuer: issuer.to_string(),
            reason: format!(
                "the login answer names another issuer ({}), which may be an attack; try again",
                one_line(&iss)
            ),
        }));
    }
    if let Some(error) = param("error") {
        let said = match param("error_description") {
            Some(text) => format!("{} ({})", one_line(&error), one_line(&text)),
            None => one_line(&error),
        };
        return Answer::End(Ok(Callback::Refused(said)));
    }
    match param("code") {
        Some(code) if !code.is_empty() => Answer::End(Ok(Callback::Code(Secret::new(code)))),
        _ => Answer::NoCode,
    }
}

/// The target of a `GET` request line, once the whole head has arrived.
async fn request_target(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() + n > MAX_REQUEST_BYTES {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Ok(Some(target.to_string())),
        _ => Ok(None),
    }
}

async fn respond(stream: &mut TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>doks-auth</title></head>\
         <body><p>{message}</p></body></html>\n"
    );
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests;
