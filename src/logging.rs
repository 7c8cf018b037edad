//! stderr logging. Warnings always show; `-v` or `DOKS_AUTH_LOG=debug` adds each step.
//! Only doks-auth's own records are shown, at any level: the HTTP and TLS crates' output is not
//! ours to vet for secrets, and their errors reach the user through ours anyway.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

/// A logger of a few lines rather than env_logger: it is set up on every cache hit, where
/// env_logger's filter parsing and boxed formatter were a tenth of the instructions.
struct Stderr;

static LOGGER: Stderr = Stderr;

impl Log for Stderr {
    fn enabled(&self, meta: &Metadata) -> bool {
        // Records are named by module path: ours start with the crate's name.
        meta.level() <= log::max_level() && meta.target().starts_with("doks_auth")
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            Level::Error => "error",
            Level::Warn => "warning",
            Level::Info => "info",
            Level::Debug | Level::Trace => "debug",
        };
        say(format_args!("{level}: {}", record.args()));
    }

    fn flush(&self) {}
}

pub fn init(verbose: bool) {
    let from_env = crate::environ::var("DOKS_AUTH_LOG")
        .and_then(|level| level.trim().parse::<LevelFilter>().ok());
    let ours = match (verbose, from_env) {
        (true, Some(level)) => level.max(LevelFilter::Debug),
        (true, None) => LevelFilter::Debug,
        (false, Some(level)) => level,
        (false, None) => LevelFilter::Warn,
    };
    // Only main sets it, once; a second call (none today) would keep the first logger.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(ours);
}

/// One line on stderr, `doks-auth: ` first, written in one piece: a browser doks-auth started
/// writes to the same stderr, and its output must not land in the middle of our line.
pub fn say(message: std::fmt::Arguments) {
    let line = format!("doks-auth: {message}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
