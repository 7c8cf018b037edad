//! The arguments of `login` and `logout`: an SSO login begun or ended by hand.

use std::path::PathBuf;

use clap::Args;

use super::{CacheDirArg, SsoGrant};

// Which SSO login, from the kubeconfig (`--context`) or spelled out; the SSO options given here
// replace the stanza's (`--sso-grant paste` over SSH, say). A plain comment: a doc comment would
// replace the subcommand's own in `--help`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("login").required(true).args(["context", "cluster_id"])))]
pub struct LoginArgs {
    /// The kubeconfig context whose user runs `doks-auth get-credential`: the cluster and its
    /// SSO settings are taken from that exec stanza (the kubeconfig is $KUBECONFIG, else
    /// ~/.kube/config).
    #[arg(long, value_name = "KUBE_CONTEXT", add = super::complete::kube_contexts())]
    pub context: Option<String>,

    /// The cluster's UUID (with --sso-issuer-url and --sso-client-id).
    #[arg(short = 'c', long, value_name = "ID", requires_all = ["sso_issuer_url", "sso_client_id"])]
    pub cluster_id: Option<String>,

    /// The cluster's OpenID issuer.
    #[arg(long, value_name = "URL", requires = "cluster_id")]
    pub sso_issuer_url: Option<String>,

    /// The public client registered for the cluster at the identity provider.
    #[arg(long, value_name = "ID", requires = "cluster_id")]
    pub sso_client_id: Option<String>,

    /// Loopback port for the login callback (see get-credential --help) [default: the
    /// stanza's, else 8080]
    #[arg(long, value_name = "N")]
    pub sso_local_server_port: Option<u16>,

    /// How to log in: auth-code, device-code or paste (see get-credential --help) [default: the
    /// stanza's, else auth-code]
    #[arg(long, value_name = "GRANT", value_enum)]
    pub sso_grant: Option<SsoGrant>,

    /// Program that opens the login URL [default: the stanza's, else $BROWSER, else xdg-open
    /// or open]
    #[arg(long, value_name = "CMD")]
    pub browser_command: Option<String>,

    /// Bound on the login, in seconds [default: the stanza's, else 300]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub login_timeout: Option<u64>,

    /// Cache folder [default: the stanza's, else $KUBECACHEDIR/doks-auth, else
    /// ~/.kube/cache/doks-auth]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Only this cluster's logins and credentials.
    #[arg(short = 'c', long, value_name = "ID")]
    pub cluster_id: Option<String>,

    #[command(flatten)]
    pub cache: CacheDirArg,

    /// Bound on the whole command (every revocation), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}
