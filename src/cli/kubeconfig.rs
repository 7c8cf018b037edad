//! The `kubeconfig` commands' arguments: which cluster, under which names, and what goes into
//! the exec stanza.

use clap::{Args, Subcommand};

use super::{AccountArgs, CacheDirArg, SsoGrant, complete};

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum KubeconfigCommand {
    /// Add (or update) the cluster in your kubeconfig and make it the current context.
    Save(KubeconfigSaveArgs),
    /// Print the cluster's kubeconfig on stdout; write nothing.
    Show(KubeconfigShowArgs),
    /// Remove the cluster's cluster, user and context entries (and its cached credentials).
    Remove(KubeconfigRemoveArgs),
    /// Switch the kubeconfig's DigitalOcean users to doks-auth, offline: those that run doctl's
    /// exec-credential, and static tokens for DigitalOcean clusters. Nothing else changes.
    Convert(KubeconfigConvertArgs),
}

// Which cluster, under which context name, for which account. (A `///` here would become the
// about text of every subcommand that flattens it.)
#[derive(Debug, Args)]
pub struct KubeconfigArgs {
    /// The cluster's name or UUID.
    #[arg(add = complete::clusters())]
    pub cluster: Option<String>,

    /// Context name to use instead of do-<region>-<name>.
    #[arg(long, value_name = "NAME", value_parser = non_blank)]
    pub alias: Option<String>,

    #[command(flatten)]
    pub cache: CacheDirArg,

    #[command(flatten)]
    pub account: AccountArgs,
}

/// An `--alias`: kubectl reads an empty name as no name at all (`current-context: ""` is none),
/// so a blank alias would write entries no one can select, and match others' unnamed ones.
fn non_blank(alias: &str) -> Result<String, String> {
    match alias.trim().is_empty() {
        true => Err("an alias names the context: it cannot be empty or blank".into()),
        false => Ok(alias.to_string()),
    }
}

impl KubeconfigArgs {
    /// The cluster named on the command line; only `save --all` names none.
    pub fn cluster(&self) -> Result<&str, crate::error::Error> {
        self.cluster
            .as_deref()
            .ok_or(crate::error::Error::NoCluster)
    }
}

// What goes into the exec stanza.
#[derive(Debug, Args)]
pub struct StanzaArgs {
    /// Command the exec stanza runs [default: this doks-auth, by the absolute path it was run
    /// as, symlinks kept, so upgrades through Homebrew, mise or asdf keep working]
    #[arg(long, value_name = "PATH")]
    pub exec_command: Option<String>,

    /// Lifetime of the credentials kubectl will get, in seconds (passed on to get-credential).
    #[arg(long, value_name = "N")]
    pub expiry_seconds: Option<u64>,

    /// How kubectl authenticates: a credential from DigitalOcean (token) or an ID token from
    /// the cluster's identity provider (sso) [default: sso for a cluster with SSO enabled]
    #[arg(long, value_name = "KIND", value_enum)]
    pub auth: Option<AuthKind>,

    /// For SSO: the loopback port of the login callback, written into the stanza (see
    /// get-credential --help).
    #[arg(long, value_name = "N")]
    pub sso_local_server_port: Option<u16>,

    /// For SSO: how to log in, written into the stanza.
    #[arg(long, value_name = "GRANT", value_enum)]
    pub sso_grant: Option<SsoGrant>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthKind {
    Token,
    Sso,
}

#[derive(Debug, Args)]
pub struct KubeconfigConvertArgs {
    /// Print what would be converted; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Command the exec stanzas run [default: this doks-auth, by the absolute path it was run
    /// as]
    #[arg(long, value_name = "PATH")]
    pub exec_command: Option<String>,
}

#[derive(Debug, Args)]
#[command(mut_arg("cluster", |a| a.required(true)),
    about = "Remove the cluster's cluster, user and context entries (and its cached credentials)")]
pub struct KubeconfigRemoveArgs {
    #[command(flatten)]
    pub common: KubeconfigArgs,
}

#[derive(Debug, Args)]
#[command(mut_arg("cluster", |a| a.required(true)),
    about = "Print the cluster's kubeconfig on stdout; write nothing")]
pub struct KubeconfigShowArgs {
    #[command(flatten)]
    pub common: KubeconfigArgs,

    #[command(flatten)]
    pub stanza: StanzaArgs,
}

#[derive(Debug, Args)]
// With --prune alone, what is missing is --all (a cluster and --prune would be refused too).
#[command(mut_arg("cluster", |a| a.required_unless_present_any(["all", "prune"])
    .help("The cluster's name or UUID (none with --all)")),
    about = "Add (or update) the cluster in your kubeconfig and make it the current context")]
pub struct KubeconfigSaveArgs {
    #[command(flatten)]
    pub common: KubeconfigArgs,

    #[command(flatten)]
    pub stanza: StanzaArgs,

    /// Make the new context the current one (the default for one cluster, not for --all);
    /// `--set-current-context=false` leaves the current context as it is.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub set_current_context: Option<bool>,

    /// Save every cluster of the account, in one write; names another cluster owns are skipped.
    #[arg(long, conflicts_with_all = ["cluster", "alias"])]
    pub all: bool,

    /// With --all: also remove the entries doks-auth wrote for this account (same doctl context
    /// and API URL) whose cluster no longer exists, and their cached credentials.
    #[arg(long, requires = "all")]
    pub prune: bool,

    /// Print what would be saved (with --all: added, updated, skipped and removed); write
    /// nothing: no kubeconfig, no cache, no lock.
    #[arg(long)]
    pub dry_run: bool,
}
