//! The command line, as clap parses it. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::digitalocean::DEFAULT_API_URL;
use crate::exec_credential::ApiVersion;
use crate::secret::Secret;

mod auth;
mod complete;
pub mod fast;
mod kubeconfig;
mod requests;
mod session;
pub mod usage;
pub use auth::{AuthCommand, AuthContextArg, AuthInitArgs, AuthListArgs};
pub use kubeconfig::{
    AuthKind, KubeconfigArgs, KubeconfigCommand, KubeconfigConvertArgs, KubeconfigRemoveArgs,
    KubeconfigSaveArgs, KubeconfigShowArgs, StanzaArgs,
};
pub use session::{LoginArgs, LogoutArgs};

/// What `--version` prints after the name: the release, the commit it was built from and the
/// target it was built for (set by build.rs), e.g. `0.1.0 (commit a67cae0b1c2d,
/// x86_64-unknown-linux-musl)`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("DOKS_AUTH_COMMIT"),
    ", ",
    env!("DOKS_AUTH_TARGET"),
    ")"
);

/// kubectl credential plugin for DigitalOcean Kubernetes (DOKS).
///
/// kubectl runs `doks-auth get-credential` through the exec stanza that `doks-auth kubeconfig
/// save` writes. Credentials are cached under ~/.kube/cache/doks-auth and handed back from
/// there, in about a millisecond, until shortly before they expire.
#[derive(Debug, Parser)]
#[command(
    name = "doks-auth",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Log each step to stderr (never a token or a credential). Also DOKS_AUTH_LOG=debug.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// `defer`: a subcommand's arguments are built only when it runs. kubectl runs get-credential on
/// every command, and building every other subcommand's flags and help was a third of a cache hit.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Print an ExecCredential for a cluster on stdout (what kubectl runs).
    GetCredential(GetCredentialArgs),
    /// Write, show or remove a cluster's entries in your kubeconfig, or convert doctl's.
    Kubeconfig {
        #[command(subcommand)]
        command: KubeconfigCommand,
    },
    /// List the account's Kubernetes clusters.
    Clusters(ClustersArgs),
    /// Log in to an SSO cluster's identity provider now and cache the ID token, so that tools
    /// without a terminal (Lens, IDE plugins, prompt helpers) find a valid login.
    ///
    /// The cluster and its SSO settings come from a kubeconfig context's exec stanza
    /// (--context) or from the flags; SSO options given here replace the stanza's
    /// (--sso-grant paste over SSH, say). It always logs in anew.
    Login(LoginArgs),
    /// End SSO logins for real: revoke each refresh token at the identity provider, then remove
    /// the cached credentials (all, or one cluster's).
    Logout(LogoutArgs),
    /// Inspect or clear the credential cache.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Check a kubeconfig context step by step, from the kubeconfig to the API server, and say
    /// what to do about what fails (exit 1 when a check failed).
    Doctor(InspectArgs),
    /// Who you are, as the cluster and DigitalOcean (or the identity provider) see you.
    Whoami(InspectArgs),
    /// Store, list, switch and remove DigitalOcean tokens, in doctl's config file.
    Auth {
        #[command(subcommand)]
        command: AuthCommand,
    },
    /// Print a shell completion script: on TAB it asks doks-auth for subcommands, flags, your
    /// clusters and your contexts.
    #[command(visible_alias = "completion", after_help = COMPLETION_INSTALL)]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// Per-user installs, no root: the README shows the same lines (a test holds them together).
const COMPLETION_INSTALL: &str = "\
Install it for yourself, no root needed (then open a new shell):
bash, with bash-completion (which loads it on the first TAB after doks-auth):
  mkdir -p ~/.local/share/bash-completion/completions
  doks-auth completion bash > ~/.local/share/bash-completion/completions/doks-auth
bash without bash-completion:
  echo 'source <(doks-auth completion bash)' >> ~/.bashrc
zsh:
  echo 'source <(doks-auth completion zsh)' >> ~/.zshrc
fish:
  mkdir -p ~/.config/fish/completions
  doks-auth completion fish > ~/.config/fish/completions/doks-auth.fish
PowerShell:
  New-Item -ItemType Directory -Force (Split-Path $PROFILE)
  doks-auth completion powershell >> $PROFILE
elvish:
  mkdir -p ~/.config/elvish
  echo 'eval (doks-auth completion elvish | slurp)' >> ~/.config/elvish/rc.elv";

// How to reach DigitalOcean and as whom; shared by every command that calls the API. Plain
// comments on flattened structs: clap would take a doc comment as the command's own about.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// DigitalOcean API token. Prefer DIGITALOCEAN_ACCESS_TOKEN or doctl's config: arguments are
    /// visible to other users in `ps`.
    #[arg(short = 't', long, value_name = "TOKEN", hide_env_values = true)]
    pub access_token: Option<Secret>,

    /// doctl auth context whose token to use (from doctl's config.yaml).
    #[arg(long, value_name = "NAME", env = "DIGITALOCEAN_CONTEXT", add = complete::doctl_contexts())]
    pub context: Option<String>,

    /// DigitalOcean API base URL.
    #[arg(short = 'u', long, value_name = "URL", env = "DIGITALOCEAN_API_URL", default_value = DEFAULT_API_URL)]
    pub api_url: String,

    /// Bound on the whole command, retries and waits included, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// Up to a year: anything longer means the same, and keeps time arithmetic far from overflow.
fn margin_seconds() -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64).range(0..=366 * 24 * 3600)
}

#[derive(Debug, Args)]
pub struct CacheDirArg {
    /// Cache folder [default: $KUBECACHEDIR/doks-auth, else ~/.kube/cache/doks-auth]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GetCredentialArgs {
    /// The cluster's UUID.
    #[arg(short = 'c', long, value_name = "ID")]
    pub cluster_id: String,

    /// ExecCredential version to answer in when kubectl does not say (it says through
    /// KUBERNETES_EXEC_INFO, which wins) [default: v1beta1]
    #[arg(long, value_name = "V", value_enum)]
    pub api_version: Option<ApiVersion>,

    /// Lifetime to ask DigitalOcean for, in seconds; 0 takes DigitalOcean's default (7 days).
    #[arg(long, value_name = "N", default_value_t = 10800)]
    pub expiry_seconds: u64,

    /// Stop handing back a cached credential this many seconds before it expires (never more
    /// than half its lifetime).
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = margin_seconds())]
    pub refresh_margin: u64,

    #[command(flatten)]
    pub cache: CacheDirArg,

    /// Always fetch a new credential; read and write no cache.
    #[arg(long)]
    pub no_cache: bool,

    #[command(flatten)]
    pub account: AccountArgs,

    // Last: its help heading applies to every option that follows it.
    #[command(flatten)]
    pub sso: SsoArgs,
}

// Single sign-on: with both `--sso-issuer-url` and `--sso-client-id`, the credential is an ID
// token from the cluster's OpenID provider, and no DigitalOcean token is read.
#[derive(Debug, Args)]
#[command(next_help_heading = "Single sign-on (SSO clusters)")]
pub struct SsoArgs {
    /// The cluster's OpenID issuer (with --sso-client-id: SSO mode).
    #[arg(long, value_name = "URL", requires = "sso_client_id")]
    pub sso_issuer_url: Option<String>,

    /// The public client registered for the cluster at the identity provider.
    #[arg(long, value_name = "ID", requires = "sso_issuer_url")]
    pub sso_client_id: Option<String>,

    /// Loopback port for the login callback; the redirect URI is
    /// http://localhost:<PORT>/callback and must be registered exactly so (8080 is doctl's). 0
    /// takes any free port: only for providers that accept any loopback port (RFC 8252).
    #[arg(long, value_name = "N", default_value_t = crate::sso::DEFAULT_PORT)]
    pub sso_local_server_port: u16,

    /// How to log in: auth-code opens a browser; device-code (RFC 8628) prints a URL and a code
    /// to enter on any device, for machines without a browser (SSH, containers); paste prints
    /// the login URL and reads back, on standard input, the address the browser ends up on
    /// (over SSH, where the provider has no device login).
    #[arg(long, value_name = "GRANT", value_enum, default_value_t = SsoGrant::AuthCode)]
    pub sso_grant: SsoGrant,

    /// Program that opens the login URL (split as a shell would, the URL appended) [default:
    /// $BROWSER, else xdg-open or open].
    #[arg(long, value_name = "CMD")]
    pub browser_command: Option<String>,

    /// Bound on an interactive login, in seconds (other kubectl commands wait for it).
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub login_timeout: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SsoGrant {
    AuthCode,
    DeviceCode,
    Paste,
}

#[derive(Debug, Args)]
pub struct ClustersArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// List the clusters of every doctl auth context (and of the environment's token), with a
    /// CONTEXT column: one team per context.
    #[arg(long, conflicts_with_all = ["access_token", "context"])]
    pub all_contexts: bool,

    #[command(flatten)]
    pub account: AccountArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

// `doctor` and `whoami`: a kubeconfig context, looked at as kubectl would use it.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The kubeconfig context [default: the current one]
    #[arg(long, value_name = "KUBE_CONTEXT", add = complete::kube_contexts())]
    pub context: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,

    /// Bound on the whole command, every request included, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum CacheCommand {
    /// One row per cached credential: cluster, kubeconfig context, account, expiry, when it is
    /// renewed, whether it is served (never a secret).
    List(CacheListArgs),
    /// Remove cached credentials: all of them, or one cluster's.
    Clear(CacheClearArgs),
}

#[derive(Debug, Args)]
pub struct CacheListArgs {
    /// The refresh margin to judge "served now" by, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = margin_seconds())]
    pub refresh_margin: u64,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub cache: CacheDirArg,
}

#[derive(Debug, Args)]
pub struct CacheClearArgs {
    /// Only this cluster's entries.
    #[arg(short = 'c', long, value_name = "ID")]
    pub cluster_id: Option<String>,

    #[command(flatten)]
    pub cache: CacheDirArg,
}

/// The process's own arguments, its usage lines naming the command as it was run (`kubectl doks
/// kubeconfig save …` under krew's link; see [`crate::invoked`]).
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let mut matches = Cli::command()
        .bin_name(crate::invoked::name())
        .try_get_matches()?;
    Cli::from_arg_matches_mut(&mut matches)
}

/// An exec stanza's arguments (`get-credential …`) as `get-credential` would parse them, for
/// `doctor` and `whoami`. The error is the kind of clap's error only: its message may quote an
/// argument, and an argument may be a token.
pub fn parse_stanza_args(args: &[String]) -> Result<GetCredentialArgs, String> {
    let argv = std::iter::once("doks-auth").chain(args.iter().map(String::as_str));
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Command::GetCredential(args),
            ..
        }) => Ok(args),
        Ok(_) => Err("not get-credential's".into()),
        Err(err) => Err(err.kind().to_string()),
    }
}

/// `--api-version`'s values. Implemented here, not derived on the type, so that clap stays
/// inside `cli`.
impl clap::ValueEnum for ApiVersion {
    fn value_variants<'a>() -> &'a [Self] {
        &[ApiVersion::V1, ApiVersion::V1beta1]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V1beta1 => "v1beta1",
        }))
    }
}

#[cfg(test)]
mod tests;
