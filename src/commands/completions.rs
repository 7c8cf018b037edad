//! `doks-auth completions <SHELL>`: a completion script, generated from the clap definition so it
//! never falls behind the real options.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

pub fn run(shell: Shell) -> anyhow::Result<()> {
    super::print_stdout(&script(shell))
}

fn script(shell: Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "doks-auth", &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        // clap_complete 4.5 escapes the '-' of "doks-auth" one way where it works out which
        // subcommand is being typed (`doks__auth__subcmd__kubeconfig`) and another where it
        // offers that subcommand's words (`doks__subcmd__auth__subcmd__kubeconfig`), so nothing
        // below the top level completed. Make the two agree.
        Shell::Bash => script.replace("doks__subcmd__auth", "doks__auth"),
        _ => script,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_states_are_named_alike_where_set_and_where_matched() {
        let script = script(Shell::Bash);
        assert!(!script.contains("doks__subcmd__auth"));
        assert!(script.contains("cmd=\"doks__auth__subcmd__kubeconfig\""));
        assert!(script.contains("\n        doks__auth__subcmd__kubeconfig)\n"));
    }

    /// Windows users' shell: PowerShell registers a completer for the command, subcommands
    /// included (`doks-auth completions powershell >> $PROFILE`).
    #[test]
    fn powershell_completes_doks_auth_and_its_subcommands() {
        let script = script(Shell::PowerShell);
        assert!(script.contains("Register-ArgumentCompleter -Native -CommandName 'doks-auth'"));
        assert!(script.contains("'doks-auth;kubeconfig'"), "{script}");
    }
}
