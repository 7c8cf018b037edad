//! The paste login (`--sso-grant paste`), for a machine whose loopback port no browser can
//! reach and whose provider has no device login (an SSH session): the login URL is printed, the
//! person logs in with a browser anywhere, and pastes back the address that browser was sent
//! to (`http://localhost:<port>/callback?code=…&state=…`, a page that does not load there).
//!
//! The redirect URI is the browser login's own, so nothing changes at the identity provider,
//! and the pasted address is checked by [`check_answer`], exactly as the callback server checks
//! one. It holds the login's code: it is kept as a [`Secret`] and never quoted back.

use std::io::{BufRead, Read};

use reqwest::Url;

use super::SsoSettings;
use super::grant::{AuthRequest, Login};
use super::loopback::{Answer, check_answer};
use super::provider::Provider;
use crate::error::Result;
use crate::invoked::CMD;
use crate::logging;
use crate::platform::stdin_available;
use crate::secret::Secret;

/// Pastes that are not this login's answer, before the login ends.
const TRIES: usize = 3;
/// A login's answer is a few hundred bytes; a line longer than this is not one.
const MAX_LINE_BYTES: u64 = 16 * 1024;

pub async fn login(provider: &Provider, settings: &SsoSettings) -> Result<Login> {
    if !settings.interactive || !stdin_available() {
        return Err(provider.error(format!(
            "--sso-grant paste reads the login's answer from standard input, and there is none \
             (kubectl connects it only when it runs in a terminal and the stanza's \
             interactiveMode is IfAvailable or Always): run the command in a terminal, or \
             `{CMD} login` there"
        )));
    }
    let redirect_uri = format!("http://localhost:{}/callback", settings.port);
    let request = AuthRequest::new(provider, settings, redirect_uri.clone())?;
    logging::say(format_args!(
        "to log in to {}, open this URL in a browser on any machine and log in: {}",
        provider.issuer, request.url
    ));
    let mut attempt = 0;
    loop {
        attempt += 1;
        logging::say(format_args!(
            "then paste the address the browser ends up on ({redirect_uri}?code=…, a page that does not load) and press Enter:"
        ));
        let line = read_line()
            .await
            .map_err(|err| provider.error(format!("cannot read standard input: {err}")))?;
        let why = match line {
            Line::End => {
                return Err(provider.error(
                    "standard input ended before the login's answer was pasted; run the command again in a terminal",
                ));
            }
            Line::TooLong => "that is longer than any login's answer".to_string(),
            Line::Text(text) => match parse(text.expose()) {
                None => not_the_callback(&redirect_uri),
                Some(url) => match check_answer(&url, &request.state, &provider.issuer) {
                    Answer::End(callback) => {
                        return request.finish(provider, settings, callback?).await;
                    }
                    Answer::NotCallback => not_the_callback(&redirect_uri),
                    Answer::OtherState => {
                        "that is another login's answer (its state is not this login's): paste the address this login's URL led to".to_string()
                    }
                    Answer::NoCode => {
                        "that address has neither a code nor an error: copy all of it".to_string()
                    }
                },
            },
        };
        if attempt >= TRIES {
            return Err(provider.error(format!(
                "{why}, and that was the last of {TRIES} tries; run the command again"
            )));
        }
        let left = TRIES - attempt;
        let tries = if left == 1 { "try" } else { "tries" };
        logging::say(format_args!("{why} ({left} more {tries})"));
    }
}

fn not_the_callback(redirect_uri: &str) -> String {
    format!("that is not the address the browser ended up on (it starts {redirect_uri}?)")
}

/// A pasted address, forgiving what copying adds: spaces, quotes, angle brackets, a missing
/// `http://`.
fn parse(text: &str) -> Option<Url> {
    let text = text
        .trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '<' | '>'))
        .trim();
    if text.is_empty() {
        return None;
    }
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
        _ => Url::parse(&format!("http://{text}"))
            .ok()
            .filter(|url| url.host_str().is_some_and(|host| !host.is_empty())),
    }
}

enum Line {
    Text(Secret),
    TooLong,
    End,
}

/// One line of standard input, on a blocking thread so that `--login-timeout` still ends the
/// wait (the runtime does not wait for the thread when it shuts down).
async fn read_line() -> std::io::Result<Line> {
    tokio::task::spawn_blocking(|| read_bounded_line(&mut std::io::stdin().lock()))
        .await
        .unwrap_or_else(|err| Err(std::io::Error::other(err)))
}

/// A line of at most [`MAX_LINE_BYTES`]; a longer one is read to its end and discarded.
fn read_bounded_line(input: &mut impl BufRead) -> std::io::Result<Line> {
    let mut line = Vec::new();
    let n = (&mut *input)
        .take(MAX_LINE_BYTES)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(Line::End);
    }
    if !line.ends_with(b"\n") && n as u64 == MAX_LINE_BYTES {
        loop {
            let mut rest = Vec::new();
            let more = (&mut *input)
                .take(MAX_LINE_BYTES)
                .read_until(b'\n', &mut rest)?;
            if more == 0 || rest.ends_with(b"\n") {
                return Ok(Line::TooLong);
            }
        }
    }
    Ok(Line::Text(Secret::new(String::from_utf8_lossy(&line))))
}

#[cfg(test)]
mod tests;
