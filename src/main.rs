use std::process::ExitCode;

use clap::CommandFactory;
use doks_auth::cli::{Cli, Command};

/// See [`doks_auth::arena`]: a cache hit's allocations cost a pointer bump each.
#[global_allocator]
static ALLOCATOR: doks_auth::arena::Arena = doks_auth::arena::Arena::new();

fn main() -> ExitCode {
    doks_auth::platform::disable_core_dumps();
    // A TAB in a shell set up by `doks-auth completion`; otherwise one environment look-up.
    // Checked here first: `CompleteEnv::complete` reads the working folder (a getcwd) and copies
    // argv before it looks at the variable, on every cache hit.
    if doks_auth::environ::var_os(doks_auth::commands::completions::VAR).is_some() {
        clap_complete::CompleteEnv::with_factory(Cli::command)
            .var(doks_auth::commands::completions::VAR)
            .bin("doks-auth")
            .complete();
    }
    // kubectl's call, as `kubeconfig save` wrote it, without building clap's command tree.
    let cli = match doks_auth::cli::fast::from_process() {
        Some(args) => Cli {
            verbose: false,
            command: Command::GetCredential(args),
        },
        None => match doks_auth::cli::parse() {
            Ok(cli) => cli,
            Err(err) => match doks_auth::cli::usage::line(&err) {
                // One line, as every other error: scripts and kubectl's stderr get no block.
                Some(line) => {
                    doks_auth::logging::say(format_args!("error: {line}"));
                    return ExitCode::from(err.exit_code() as u8);
                }
                None => err.exit(),
            },
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
