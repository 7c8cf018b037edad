//! Where a DigitalOcean token came from: each place has its own way to replace a token the API
//! refuses, so the 401 hint names the place actually used and that way.

use crate::invoked::CMD;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TokenOrigin {
    /// Not known here (an account built by hand).
    #[default]
    Unknown,
    /// `--access-token`.
    Flag,
    /// `DIGITALOCEAN_ACCESS_TOKEN` or `DIGITALOCEAN_TOKEN`, which doctl's config cannot override.
    Env(&'static str),
    /// One of doctl's auth contexts (`default` is its access token).
    Doctl { context: String, path: PathBuf },
    /// Typed at `doks-auth auth init`'s prompt or piped to it: not stored yet.
    Input,
}

/// Where tokens are made: `auth init` (or doctl) only stores one.
const MAKE: &str = "make a new one in DigitalOcean's control panel (API, Tokens)";

impl TokenOrigin {
    /// What to do when the API answers 401 to this token.
    pub fn unauthorized_hint(&self) -> String {
        let refused = "it may be mistyped, expired or revoked";
        match self {
            TokenOrigin::Unknown => format!("check the token: {refused}; {MAKE}"),
            TokenOrigin::Flag => {
                format!(
                    "check the token given with --access-token: {refused}; {MAKE} and pass that"
                )
            }
            TokenOrigin::Env(variable) => format!(
                "check ${variable}: its token is used before doctl's config, and {refused}; {MAKE} and set {variable} to it, or unset {variable} to use doctl's token"
            ),
            TokenOrigin::Input => format!(
                "check the token given to `{CMD} auth init`: {refused}; copy the whole token again, or {MAKE}, and run `{CMD} auth init` again"
            ),
            TokenOrigin::Doctl { context, .. } => {
                let init = if context == "default" {
                    format!("{CMD} auth init")
                } else {
                    format!(
                        "{CMD} auth init --context {}",
                        shell_words::quote(&super::one_line(context))
                    )
                };
                format!(
                    "check {self}: its token may be mistyped, expired or revoked; {MAKE} and store it with `{init}`"
                )
            }
        }
    }
}

/// As the user knows it: `--access-token`, `DIGITALOCEAN_ACCESS_TOKEN`, `doctl context "work"
/// in …/config.yaml`. Never the token.
impl fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenOrigin::Unknown => f.write_str("the token"),
            TokenOrigin::Flag => f.write_str("--access-token"),
            TokenOrigin::Env(variable) => f.write_str(variable),
            TokenOrigin::Input => f.write_str("the token given on standard input"),
            TokenOrigin::Doctl { context, path } => write!(
                f,
                "doctl context {:?} in {}",
                super::one_line(context),
                path.display()
            ),
        }
    }
}
