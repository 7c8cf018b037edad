//! The one HTTP stack (reqwest on rustls with ring) and the single-threaded runtime it runs on,
//! shared by both credential sources. Only a refresh or a login builds them; a cache hit never
//! does.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result, one_line};

/// Runs the refresh path's async code on a single-threaded runtime built just for it. Building
/// one needs file descriptors (epoll, an eventfd): with none left it is an error, not a panic.
pub fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Runtime(err.to_string()))?;
    let result = runtime.block_on(future);
    // Dropping the runtime would wait for its blocking threads, and a DNS look-up that never
    // answers sits in one: the deadline the future kept would not bound the command.
    runtime.shutdown_background();
    result
}

/// Past this a server's `Retry-After` is taken as this: a day is longer than any credential
/// waits, and the number then stays far from any overflow in time arithmetic.
const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// `Retry-After` as whole seconds from now (delay-seconds or an HTTP-date), at most a day.
pub fn retry_after_secs(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let secs = match value.parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => {
            let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            // Both timestamps lie within chrono's years ±262,143: no overflow.
            (when.timestamp() - Utc::now().timestamp()).max(0) as u64
        }
    };
    Some(secs.min(MAX_RETRY_AFTER_SECS))
}

/// A client that follows no redirect: neither DigitalOcean's API nor a token endpoint sends one,
/// and following one could carry a token or a code to another host.
const POOL_IDLE: Duration = Duration::from_secs(2);

pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    builder(timeout).build()
}

/// [`client`]'s settings, for a caller that adds its own (a cluster's CA, a client certificate).
pub fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    // reqwest takes the process-wide provider; an Err means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = reqwest::Client::builder()
        .user_agent(concat!("doks-auth/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        // A connection idle longer than the server keeps it (5 s for node and Apache) may be
        // closed under a request: a device login polling every 5 s lost its token request that
        // way. Requests that follow each other at once still share their connection.
        .pool_idle_timeout(POOL_IDLE);
    // A bundle that cannot be read or holds no certificate leaves the system's roots: the TLS
    // failure that follows names SSL_CERT_FILE.
    let bundle = crate::platform::ca_file()
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|pem| reqwest::Certificate::from_pem_bundle(&pem).ok())
        .filter(|certs| !certs.is_empty());
    match bundle {
        Some(certs) => builder.tls_certs_only(certs),
        None => builder,
    }
}

/// 127.0.0.0/8, ::1 and `localhost`: the only hosts a token may be sent to in clear text,
/// since the traffic never leaves the machine.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Whether codes and tokens may be sent to `url`: https, or http only on loopback, like
/// `--api-url` (they are bearer secrets). The issuer and every endpoint its discovery document
/// names are held to it. Only http is parsed, so an https URL costs a cache hit nothing.
pub fn is_secure_url(url: &str) -> bool {
    url.strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty())
        || (url.starts_with("http://")
            && reqwest::Url::parse(url).is_ok_and(|url| is_loopback(&url)))
}

/// Whether a rustls error is in the chain. `io::Error::source` skips the error it wraps, so
/// wrapped io errors are opened by hand.
pub fn is_tls_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    tls_error(err).is_some()
}

/// The rustls error in the chain, if there is one.
pub fn tls_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let wrapped = err
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        .map(|inner| inner as &(dyn std::error::Error + 'static));
    wrapped.or_else(|| err.source()).and_then(tls_error)
}

/// reqwest's own message is generic ("error sending request"); the causes say what failed.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(err.to_string());
    }
    one_line(&parts.join(": "))
}

pub enum BodyError {
    TooLarge,
    Transport(reqwest::Error),
}

/// The body, refused once it passes `max` bytes: real answers are a few KiB, and anything far
/// larger is not the server we meant to talk to.
pub async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> std::result::Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A response's `Date` header: when the server answered, by its own clock (RFC 9110's
/// IMF-fixdate, which RFC 2822 parsing reads).
pub fn date_header(headers: &reqwest::header::HeaderMap) -> Option<DateTime<Utc>> {
    let text = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_urls_are_https_or_loopback_http() {
        for good in [
            "https://id.example/token",
            "http://127.0.0.1:5556/token",
            "http://127.8.9.10/jwks",
            "http://[::1]:8080/device",
            "http://localhost/auth",
            "http://LOCALHOST:1/auth",
        ] {
            assert!(is_secure_url(good), "{good}");
        }
        for bad in [
            "http://id.example/token",
            "http://127.0.0.1.evil.example/token",
            "http://localhost.evil.example/",
            "http://[::2]/",
            "http://10.0.0.1/",
            "https://",
            "HTTP://127.0.0.1/",
            "ftp://127.0.0.1/",
            "//id.example/token",
            "",
        ] {
            assert!(!is_secure_url(bad), "{bad}");
        }
    }

    /// A DNS look-up that never answers runs on a blocking thread; the command must not wait for
    /// it once the future has given up.
    #[test]
    fn a_stuck_blocking_thread_does_not_hold_the_command_past_its_deadline() {
        let started = std::time::Instant::now();
        let outcome = block_on(async {
            let stuck = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_secs(20)));
            match tokio::time::timeout(Duration::from_millis(100), stuck).await {
                Ok(_) => Ok("finished"),
                Err(_) => Ok("gave up"),
            }
        });
        assert_eq!(outcome.unwrap(), "gave up");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "waited for the thread"
        );
    }
}
