//! clap's own errors (an unknown option, a missing value) in the house style: one line that
//! starts `doks-auth: error:`, instead of clap's block of error, tip, usage and pointer to
//! `--help`. Help and version output are not errors and stay as clap prints them.

/// The line for a usage error, or `None` for what clap prints as help or version.
pub fn line(err: &clap::Error) -> Option<String> {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return None;
    }
    Some(one_line(&err.render().to_string()))
}

/// clap's block, its parts joined with "; ": "error: " dropped (the caller says it), "Usage:"
/// lower-cased, "For more information, try '--help'." kept as "try '--help'".
fn one_line(rendered: &str) -> String {
    let parts: Vec<String> = rendered
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let line = line.strip_prefix("error: ").unwrap_or(line);
            let line = match line.strip_prefix("Usage: ") {
                Some(usage) => format!("usage: {usage}"),
                None => line.to_string(),
            };
            match line.strip_prefix("For more information, ") {
                Some(rest) => rest.trim_end_matches('.').to_string(),
                None => line,
            }
        })
        .collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn error_of(args: &[&str]) -> clap::Error {
        Cli::try_parse_from(args).expect_err("a usage error")
    }

    #[test]
    fn a_usage_error_is_one_line_with_what_went_wrong_and_the_usage() {
        let line = line(&error_of(&["doks-auth", "get-credential", "--bogus"])).unwrap();
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.starts_with("unexpected argument '--bogus' found; "),
            "{line}"
        );
        assert!(
            line.contains("; usage: doks-auth get-credential "),
            "{line}"
        );
        assert!(line.ends_with("; try '--help'"), "{line}");
    }

    #[test]
    fn help_and_version_are_not_errors() {
        for args in [
            &["doks-auth", "--help"][..],
            &["doks-auth", "--version"],
            &["doks-auth", "logout", "--help"],
            &["doks-auth"],
        ] {
            assert_eq!(line(&error_of(args)), None, "{args:?}");
        }
    }
}
