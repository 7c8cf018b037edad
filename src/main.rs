use std::process::ExitCode;

use clap::Parser;
use doks_auth::cli::Cli;

fn main() -> ExitCode {
    doks_auth::platform::disable_core_dumps();
    let cli = Cli::parse();
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
