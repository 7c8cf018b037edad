//! The arguments of `auth`: DigitalOcean tokens kept in doctl's config file, as `doctl auth`
//! keeps them, so the two tools share tokens and contexts.

use clap::{Args, Subcommand};

use crate::digitalocean::DEFAULT_API_URL;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum AuthCommand {
    /// Store a DigitalOcean API token in doctl's config file, after DigitalOcean has accepted it.
    ///
    /// The token is read from the terminal without echo, or from standard input when that is
    /// not a terminal (`doks-auth auth init < token.txt`); never from the command line, where
    /// other users could see it in `ps`. A token DigitalOcean refuses is not stored.
    Init(AuthInitArgs),
    /// List doctl's auth contexts, the current one marked, with the team and email of each
    /// token where DigitalOcean tells them (never a token).
    #[command(visible_alias = "ls")]
    List(AuthListArgs),
    /// Make a context the current one: commands without --context use its token.
    Switch(AuthContextArg),
    /// Remove a context and its token from doctl's config file.
    Remove(AuthContextArg),
}

#[derive(Debug, Args)]
pub struct AuthInitArgs {
    /// The context to store the token as (doctl lower-cases it) [default: the current
    /// context, else `default`]
    #[arg(long, value_name = "NAME", env = "DIGITALOCEAN_CONTEXT", add = super::complete::doctl_contexts())]
    pub context: Option<String>,

    #[command(flatten)]
    pub api: AuthApiArgs,
}

#[derive(Debug, Args)]
pub struct AuthListArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = super::OutputFormat::Table)]
    pub output: super::OutputFormat,

    /// Do not ask DigitalOcean whose each token is: names only, no network.
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub api: AuthApiArgs,
}

// Where tokens are checked. (Not a doc comment: clap would take it for the `about` of every
// command that flattens these, over their own.)
#[derive(Debug, Args)]
pub struct AuthApiArgs {
    /// DigitalOcean API base URL.
    #[arg(short = 'u', long, value_name = "URL", env = "DIGITALOCEAN_API_URL", default_value = DEFAULT_API_URL)]
    pub api_url: String,

    /// Bound on the whole command, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct AuthContextArg {
    /// The doctl auth context (`default` is the top-level access-token).
    #[arg(long, value_name = "NAME", required = true, add = super::complete::doctl_contexts())]
    pub context: String,
}
