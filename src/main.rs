use std::process::ExitCode;

use clap::CommandFactory;
use doks_auth::cli::Cli;

/// See [`doks_auth::arena`]: a cache hit's allocations cost a pointer bump each. (`hit-path.ld`
/// finds its block by this name, `ALLOCATOR`, to put it after every other static.)
#[global_allocator]
static ALLOCATOR: doks_auth::arena::Arena = doks_auth::arena::Arena::new();

fn main() -> ExitCode {
    doks_auth::platform::disable_core_dumps();
    // A TAB in a shell set up by `doks-auth completion`; otherwise one environment look-up.
    // Checked here first: `CompleteEnv::complete` reads the working folder (a getcwd) and copies
    // argv before it looks at the variable, on every cache hit.
    if doks_auth::environ::var_os(doks_auth::commands::completions::VAR).is_some() {
        complete();
    }
    // kubectl's call, as `kubeconfig save` wrote it, without building clap's command tree, and
    // straight to get-credential: `run`'s frame, sized for every command, was a page of stack
    // more to fault in on each cache hit.
    if let Some(args) = doks_auth::cli::fast::from_process() {
        doks_auth::logging::init(false);
        return finish(doks_auth::commands::get_credential::run(&args));
    }
    every_other_call()
}

/// The shell's completions (kept out of `main`'s frame, as `every_other_call`).
#[inline(never)]
fn complete() {
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(doks_auth::commands::completions::VAR)
        .bin("doks-auth")
        .complete();
}

/// clap's reading of the command line, then the command (kept out of `main`'s frame: a cache
/// hit never comes here).
#[inline(never)]
fn every_other_call() -> ExitCode {
    let cli = match doks_auth::cli::parse() {
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
    finish(doks_auth::run(cli))
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes, joined with ": ".
            doks_auth::logging::say(format_args!("error: {err:#}"));
            doks_auth::exit_code(&err)
        }
    }
}
