//! stderr logging. Warnings always show; `-v` or `DOKS_AUTH_LOG=debug` adds each step.
//! Only doks-auth's own records are shown, at any level: the HTTP and TLS crates' output is not
//! ours to vet for secrets, and their errors reach the user through ours anyway.

use std::io::Write;

use log::{Level, LevelFilter};

pub fn init(verbose: bool) {
    let from_env = std::env::var("DOKS_AUTH_LOG")
        .ok()
        .and_then(|level| level.trim().parse::<LevelFilter>().ok());
    let ours = match (verbose, from_env) {
        (true, Some(level)) => level.max(LevelFilter::Debug),
        (true, None) => LevelFilter::Debug,
        (false, Some(level)) => level,
        (false, None) => LevelFilter::Warn,
    };
    env_logger::Builder::new()
        .filter_level(LevelFilter::Off)
        .filter_module("doks_auth", ours)
        .format(|out, record| {
            let level = match record.level() {
                Level::Error => "error",
                Level::Warn => "warning",
                Level::Info => "info",
                Level::Debug | Level::Trace => "debug",
            };
            writeln!(out, "doks-auth: {level}: {}", record.args())
        })
        .target(env_logger::Target::Stderr)
        .init();
}

/// One line on stderr, `doks-auth: ` first, written in one piece: a browser doks-auth started
/// writes to the same stderr, and its output must not land in the middle of our line.
pub fn say(message: std::fmt::Arguments) {
    let line = format!("doks-auth: {message}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
