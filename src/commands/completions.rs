//! `doks-auth completions <SHELL>`: a completion script, generated from the clap definition so it
//! never falls behind the real options.

use clap::CommandFactory;

use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "doks-auth", &mut script);
    super::print_stdout(&String::from_utf8_lossy(&script))
}
