use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use doks_auth::cli::Cli;

fn main() -> ExitCode {
    doks_auth::process::disable_core_dumps();
    // A TAB in a shell set up by `doks-auth completion`; otherwise one environment look-up.
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(doks_auth::commands::completions::VAR)
        .bin("doks-auth")
        .complete();
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
