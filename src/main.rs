use std::process::ExitCode;

use clap::Parser;
use doks_auth::cli::Cli;

fn main() -> ExitCode {
    doks_auth::process::disable_core_dumps();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => match doks_auth::cli::usage::line(&err) {
            // One line, as every other error: scripts and kubectl's stderr get no block.
            Some(line) => {
                doks_auth::logging::say(format_args!("error: {line}"));
                return ExitCode::from(err.exit_code() as u8);
            }
            None => err.exit(),
        },
    };
    doks_auth::logging::init(cli.verbose);
    match doks_auth::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes, joined with ": ".
            doks_auth::logging::say(format_args!("error: {err:#}"));
            doks_auth::exit_code(&err)
        }
    }
}
