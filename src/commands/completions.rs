//! `doks-auth completion <SHELL>` (also `completions`): the script that hooks the shell to
//! doks-auth's dynamic completion, as `kubectl completion` and `doctl completion` do. On TAB the
//! shell asks doks-auth itself (`_DOKS_AUTH_COMPLETE=<shell> doks-auth -- <words>`, answered in `main`
//! before anything else runs), so subcommands and flags never fall behind the binary, and
//! values are live: cluster names from the API, doctl's and the kubeconfig's contexts.

use clap_complete::Shell;
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};

/// The variable that turns a run of doks-auth into a completion request: a name of our own, so a
/// `COMPLETE` some other tool left in the environment cannot turn kubectl's `get-credential`
/// into a completion script on stdout.
pub const VAR: &str = "_DOKS_AUTH_COMPLETE";

pub fn run(shell: Shell) -> anyhow::Result<()> {
    super::print_stdout(&script(shell, &completer())?)
}

/// How the script runs doks-auth: as it was run now, by name from PATH or by its absolute path
/// (symlinks kept, so an upgrade through a package manager keeps working).
fn completer() -> String {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let path = std::path::PathBuf::from(argv0);
    if path.components().count() > 1
        && let Ok(dir) = std::env::current_dir()
    {
        return dir.join(path).to_string_lossy().into_owned();
    }
    "doks-auth".into()
}

fn script(shell: Shell, completer: &str) -> anyhow::Result<String> {
    let adapter: &dyn EnvCompleter = match shell {
        Shell::Bash => &Bash,
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Elvish => &Elvish,
        Shell::PowerShell => &Powershell,
        other => anyhow::bail!("no completion for {other}"),
    };
    let mut script = Vec::new();
    adapter.write_registration(VAR, "doks-auth", "doks-auth", completer, &mut script)?;
    let script = String::from_utf8_lossy(&script).into_owned();
    // Whatever the completer's process says on stderr (the shell's own "No such file or
    // directory" when the doks-auth the script names is gone, a crash) would land in the middle
    // of the line being typed: bash and fish send it to /dev/null, as clap's zsh script does.
    match shell {
        Shell::Bash => quiet(
            &script,
            r#"-- "${words[@]}" \"#,
            r#"-- "${words[@]}" 2>/dev/null \"#,
        ),
        Shell::Fish => quiet(
            &script,
            "(commandline --current-token))",
            "(commandline --current-token) 2>/dev/null)",
        ),
        _ => Ok(script),
    }
}

/// `script` with its one `call` (the end of the completer's command line) replaced by `quiet`.
fn quiet(script: &str, call: &str, quiet: &str) -> anyhow::Result<String> {
    if script.matches(call).count() != 1 {
        // clap_complete's template changed: better no script than one that scribbles on TAB.
        anyhow::bail!(
            "this doks-auth cannot quiet the completion script of its own clap_complete; please report it"
        );
    }
    Ok(script.replace(call, quiet))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_calls_doks_auth_back_with_the_variable_set() {
        let script = script(Shell::Bash, "/opt/bin/doks-auth").unwrap();
        assert!(script.contains("COMPLETE=\"bash\""), "{script}");
        assert!(script.contains("/opt/bin/doks-auth"), "{script}");
        assert!(
            script.contains("-F _clap_complete_doks_auth doks-auth"),
            "{script}"
        );
    }

    /// What the completer's process writes to stderr never reaches the terminal on TAB.
    #[test]
    fn bash_and_fish_send_the_completers_stderr_to_dev_null() {
        let bash = script(Shell::Bash, "/opt/bin/doks-auth").unwrap();
        assert!(
            bash.contains(r#""/opt/bin/doks-auth" -- "${words[@]}" 2>/dev/null \"#),
            "{bash}"
        );
        let fish = script(Shell::Fish, "/opt/bin/doks-auth").unwrap();
        assert!(
            fish.contains("(commandline --current-token) 2>/dev/null)"),
            "{fish}"
        );
    }

    /// Windows users' shell: PowerShell registers a completer for the command that calls
    /// doks-auth back (`doks-auth completion powershell >> $PROFILE`).
    #[test]
    fn powershell_registers_a_completer_that_calls_doks_auth_back() {
        let script = script(Shell::PowerShell, "C:\\bin\\doks-auth.exe").unwrap();
        assert!(script.contains("Register-ArgumentCompleter"), "{script}");
        assert!(script.contains("doks-auth"), "{script}");
        assert!(script.contains(VAR), "{script}");
    }
}
