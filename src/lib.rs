//! doks-auth: a kubectl exec credential plugin for DigitalOcean Kubernetes.
//!
//! The flow of `get-credential`, one module per step:
//! [`cli`] (arguments) → [`settings`] → [`serve`]: the [`cache`], or a [`source`]
//! ([`digitalocean`] or [`sso`]) → [`credential`] → [`exec_credential`] → stdout.
//! The other commands live in [`commands`]; `kubeconfig save`, `show` and `remove` edit the file
//! through [`kubeconfig`]. [`credential`], [`error`] and [`secret`] are the small shared types
//! that every step may import; nothing imports a step above it.

pub mod arena;
pub mod ascii;
pub mod cache;
pub mod cli;
pub mod cluster_client;
pub mod commands;
pub mod credential;
pub mod digitalocean;
pub mod environ;
pub mod error;
pub mod exec_credential;
pub mod gopath;
pub mod http;
pub mod invoked;
pub mod kube_api;
pub mod kubeconfig;
pub mod kuberc;
pub mod logging;
pub mod platform;
pub mod probe;
pub mod secret;
pub mod serve;
pub mod settings;
pub mod source;
pub mod sso;
pub mod tls_words;

use std::process::ExitCode;

use cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::GetCredential(args) => commands::get_credential::run(&args),
        Command::Kubeconfig { command } => commands::kubeconfig::run(&command),
        Command::Clusters(args) => commands::clusters::run(&args),
        Command::Login(args) => commands::login::run(&args),
        Command::Logout(args) => commands::logout::run(&args),
        Command::Cache { command } => commands::cache::run(&command),
        Command::Doctor(args) => commands::doctor::run(&args),
        Command::Whoami(args) => commands::whoami::run(&args),
        Command::Auth { command } => commands::auth::run(&command),
        Command::Completions { shell } => commands::completions::run(shell),
    }
}

/// 2 for a usage error (as clap exits for one), 1 for everything else.
pub fn exit_code(err: &anyhow::Error) -> ExitCode {
    match err.downcast_ref::<error::Error>() {
        Some(err) if err.is_usage() => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}
