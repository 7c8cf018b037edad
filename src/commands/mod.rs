//! One module per subcommand. Each takes its parsed arguments, validates them into settings,
//! and does its work; `anyhow` context is added here, at the edge.

pub mod auth;
pub mod cache;
pub mod clusters;
pub mod completions;
pub mod doctor;
pub mod get_credential;
pub mod kubeconfig;
pub mod login;
pub mod logout;
pub mod whoami;

use std::io::Write;

use anyhow::Context;

/// Writes a command's output; a closed pipe (`| head`) is an error rather than a panic.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// One line on stderr, in doks-auth's voice: every line doks-auth itself prints starts
/// `doks-auth:`, so users (and kubectl, which passes our stderr through) can tell whose it is.
pub(crate) fn say(message: &str) {
    crate::logging::say(format_args!("{message}"));
}

/// Pretty JSON, safe on a terminal: serde_json escapes the C0 controls in strings but writes DEL,
/// the C1 controls (U+009B starts an escape sequence on some terminals) and the bidirectional
/// overrides as they are. Outside strings JSON is ASCII, so each can only be inside a string,
/// where its `\u` escape is the same value: a program reading the output reads the same JSON.
pub(crate) fn terminal_json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    let text = serde_json::to_string_pretty(value).context("cannot render the JSON")?;
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        let hazard =
            matches!(c, '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if hazard {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    Ok(out)
}

/// Columns padded to their widest cell, two spaces apart, no trailing blanks (like kubectl get).
/// Cells are folded onto one line with control characters replaced: cluster names come from the
/// server, and an escape sequence in one must not reach the terminal.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| crate::error::one_line(cell))
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = width.saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `get-credential`'s arguments as it would parse a stanza's (see [`cli::parse_stanza_args`]).
pub(crate) fn credential_args(
    exec: &crate::kubeconfig::context::Exec,
) -> std::result::Result<crate::cli::GetCredentialArgs, String> {
    crate::cli::parse_stanza_args(&exec.args)
}

/// The settings `get-credential` would make of `args`, with `timeout` (the command's own
/// `--timeout`) bounding the source, and no SSO login: `doctor` and `whoami` only look.
pub(crate) fn credential_settings(
    mut args: crate::cli::GetCredentialArgs,
    timeout: std::time::Duration,
) -> crate::error::Result<crate::settings::CredentialSettings> {
    args.account.timeout = timeout.as_secs();
    let mut settings = crate::settings::CredentialSettings::from_request(&args.request())?;
    if let crate::source::Source::Sso(sso) = &mut settings.source {
        sso.may_log_in = false;
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_a_terminal_escapes_what_a_terminal_would_act_on_and_means_the_same() {
        let value = serde_json::json!({"user": "a\u{9b}31m\u{1b}[2J\u{202e}b\u{7f}é"});
        let text = terminal_json(&value).unwrap();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(!text.contains('\u{202e}'), "{text:?}");
        assert!(text.contains('é'), "{text:?}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }

    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["prod".to_string(), "nyc1".to_string(), "x".to_string()],
            vec!["é-staging".to_string(), "ams3".to_string(), "".to_string()],
        ];
        assert_eq!(
            table(&["NAME", "REGION", "S"], &rows),
            "NAME       REGION  S\nprod       nyc1    x\né-staging  ams3\n"
        );
        let hostile = vec![vec!["a\u{1b}[2Jb\nc".to_string()]];
        assert_eq!(table(&["N"], &hostile), "N\na\u{fffd}[2Jb c\n");
    }
}
