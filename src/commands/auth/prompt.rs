//! Reading a token from the person at the terminal without showing it, or from a pipe.

use std::io::{BufRead, IsTerminal, Read, Write};

use anyhow::{Context, bail};

use crate::invoked::CMD;
use crate::platform::EchoOff;
use crate::secret::Secret;

/// A token is under 100 characters; more than this on standard input is not one.
const MAX_BYTES: u64 = 4096;

/// The token: typed at the terminal with echo off when standard input is one, else the whole of
/// standard input (one line; blanks around it dropped).
pub fn read_token() -> anyhow::Result<Secret> {
    let text = if std::io::stdin().is_terminal() {
        from_terminal()?
    } else {
        from_pipe()?
    };
    let token = text.trim();
    if token.is_empty() {
        bail!(
            "no token was given; create one at https://cloud.digitalocean.com/account/api/tokens and paste it, or pipe it in (`{CMD} auth init < token-file`)"
        );
    }
    if token.contains(['\n', '\r']) {
        bail!("standard input holds more than one line; give the token alone");
    }
    // It goes into an HTTP header: anything else would fail every request, looking like a
    // network fault. Never quoted: it may be most of a token.
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        bail!(
            "the token has a character no token has (a space, a control character or non-ASCII); copy it again"
        );
    }
    Ok(Secret::new(token))
}

fn from_pipe() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .context("cannot read the token from standard input")?;
    if bytes.len() as u64 > MAX_BYTES {
        bail!(
            "standard input holds more than {MAX_BYTES} bytes, which no token is; give the token alone"
        );
    }
    String::from_utf8(bytes).context("standard input is not text; give the token alone")
}

fn from_terminal() -> anyhow::Result<String> {
    let mut stderr = std::io::stderr().lock();
    let _ = write!(
        stderr,
        "DigitalOcean API token (create one at https://cloud.digitalocean.com/account/api/tokens; input is hidden): "
    );
    let _ = stderr.flush();
    let line = {
        let _quiet = EchoOff::new().map_err(|err| {
            anyhow::anyhow!(
                "cannot turn off the terminal's echo ({err}); pipe the token in instead"
            )
        })?;
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .take(MAX_BYTES)
            .read_line(&mut line)
            .context("cannot read the token from the terminal")?;
        line
    };
    // The Enter that ended the line was not echoed either.
    let _ = writeln!(stderr);
    Ok(line)
}
