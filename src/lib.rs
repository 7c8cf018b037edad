//! doks-auth: a kubectl exec credential plugin for DigitalOcean Kubernetes.
//!
//! The flow of `get-credential`, one module per step:
//! [`cli`] (arguments) → [`settings`] (+ [`token`]) → [`cache`] or [`api`] → [`credential`] →
//! [`exec_credential`] → stdout. The other commands live in [`commands`]; `kubeconfig save`,
//! `show` and `remove` edit the file through [`kubeconfig`].

pub mod api;
pub mod atomic_file;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod credential;
pub mod error;
pub mod exec_credential;
pub mod http;
pub mod kubeconfig;
pub mod logging;
pub mod process;
pub mod secret;
pub mod settings;
pub mod sso;
pub mod token;

use std::process::ExitCode;

use cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::GetCredential(args) => commands::get_credential::run(&args),
        Command::Kubeconfig { command } => commands::kubeconfig::run(&command),
        Command::Clusters(args) => commands::clusters::run(&args),
        Command::Cache { command } => commands::cache::run(&command),
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
