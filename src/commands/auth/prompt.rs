//! Reading a token from the person at the terminal without showing it, or from a pipe.

use std::io::{BufRead, Read, Write};

use anyhow::{Context, bail};

use crate::secret::Secret;

/// A token is under 100 characters; more than this on standard input is not one.
const MAX_BYTES: u64 = 4096;

/// The token: typed at the terminal with echo off when standard input is one, else the whole of
/// standard input (one line; blanks around it dropped).
pub fn read_token() -> anyhow::Result<Secret> {
    // SAFETY: isatty only looks at the descriptor.
    let text = if unsafe { libc::isatty(libc::STDIN_FILENO) } == 1 {
        from_terminal()?
    } else {
        from_pipe()?
    };
    let token = text.trim();
    if token.is_empty() {
        bail!(
            "no token was given; create one at https://cloud.digitalocean.com/account/api/tokens and paste it, or pipe it in (`doks-auth auth init < token-file`)"
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
        let _quiet = EchoOff::new()?;
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

/// The terminal's echo, off while this lives (the Enter too); restored on drop, even on an
/// error. Ctrl-C still interrupts: the shell restores the terminal of a job a signal ended.
struct EchoOff(libc::termios);

impl EchoOff {
    fn new() -> anyhow::Result<Self> {
        // SAFETY: termios is plain data, filled in by tcgetattr before it is read.
        let mut old: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut old) } != 0 {
            bail!(
                "cannot turn off the terminal's echo ({}); pipe the token in instead",
                std::io::Error::last_os_error()
            );
        }
        let mut quiet = old;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
        // SAFETY: a valid termios for the same descriptor.
        if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSAFLUSH, &quiet) } != 0 {
            bail!(
                "cannot turn off the terminal's echo ({}); pipe the token in instead",
                std::io::Error::last_os_error()
            );
        }
        Ok(EchoOff(old))
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: the settings tcgetattr gave for this descriptor.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSAFLUSH, &self.0) };
    }
}
