//! Looking the cluster up at DigitalOcean and building the entries `save` and `show` write: the
//! cluster's names, its server and CA, and the exec stanza that runs this doks-auth.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use log::warn;

use crate::cache::Cache;
use crate::cli::{AuthKind, KubeconfigArgs, SsoGrant, StanzaArgs};
use crate::credential::ClusterId;
use crate::credential::Credential;
use crate::digitalocean::answer::ApiCredentials;
use crate::digitalocean::api::{self, Cluster};
use crate::digitalocean::clusters::{ClusterRef, by_name, endpoint};
use crate::digitalocean::{Account, DEFAULT_API_URL};
use crate::error::{Error, Result, TokenOrigin};
use crate::http;
use crate::kubeconfig::{Entries, Names, SsoStanza, Stanza};
use crate::settings;

/// get-credential's own default, asked for when `--expiry-seconds` is not given.
const DEFAULT_EXPIRY_SECONDS: u64 = 10800;

/// What save and show build from DigitalOcean's answers.
pub(super) struct Fetched {
    account: Account,
    cluster_id: ClusterId,
    pub(super) entries: Entries,
    /// The credential minted on the way, to seed the cache, or why it cannot be used; none for
    /// SSO, whose first kubectl command logs in.
    credential: Option<std::result::Result<Credential, String>>,
    /// What the stanza was built from, for [`say_pinned`].
    pub(super) base: Base,
}

pub(super) fn connect(args: &KubeconfigArgs, started: Instant) -> Result<(Account, api::Client)> {
    let account = settings::account(&args.account.request())?;
    let client = api::Client::new(&account, started)?;
    Ok((account, client))
}

/// A token read from doctl's current auth context (no `--context` given) is pinned into the
/// stanza as `--context NAME`, as doctl pins its own: otherwise a later `doctl auth switch`
/// hands kubectl another team's token, which cannot reach this cluster.
pub(super) fn pin_doctl_context(base: &mut Base, account: &Account) {
    if base.context.is_some() {
        return;
    }
    if let TokenOrigin::Doctl { context, .. } = &account.origin {
        base.context = Some(context.clone());
        base.pinned = true;
    }
}

/// The one line that says a context was pinned, once the entries are written.
pub(super) fn say_pinned(base: &Base) {
    if let (true, Some(context)) = (base.pinned, &base.context) {
        let context = crate::error::one_line(context);
        crate::commands::say(&format!(
            "note: the token is doctl's current context {context}, so the stanza keeps to it (--context {}); pass --context NAME to choose another",
            shell_words::quote(&context)
        ));
    }
}

pub(super) fn lookup(args: &KubeconfigArgs, id: &ClusterId, started: Instant) -> Result<Cluster> {
    let (_, client) = connect(args, started)?;
    http::block_on(client.cluster(id))
}

/// What every stanza of one command shares: the command it runs and what it asks for.
#[derive(Clone)]
pub(super) struct Base {
    command: String,
    cache_dir: Option<String>,
    context: Option<String>,
    expiry_seconds: Option<u64>,
    auth: Option<AuthKind>,
    sso_local_server_port: Option<u16>,
    sso_grant: Option<SsoGrant>,
    /// `context` is doctl's current one, taken without `--context` (see [`pin_doctl_context`]).
    pinned: bool,
}

impl Base {
    /// The command every stanza runs.
    pub(super) fn command(&self) -> &str {
        &self.command
    }
}

/// Checks what can be checked locally, before the first request.
pub(super) fn base(args: &KubeconfigArgs, stanza: &StanzaArgs) -> anyhow::Result<Base> {
    // A token stanza has no login to tune: the flags would be dropped without a word.
    if stanza.auth == Some(crate::cli::AuthKind::Token)
        && let Some(flag) = [
            stanza.sso_grant.map(|_| "--sso-grant"),
            stanza
                .sso_local_server_port
                .map(|_| "--sso-local-server-port"),
        ]
        .into_iter()
        .flatten()
        .next()
    {
        return Err(Error::InvalidArgs(format!(
            "{flag} is for --auth sso; a --auth token stanza has no login: leave it out"
        ))
        .into());
    }
    let command = match &stanza.exec_command {
        Some(command) => command.clone(),
        None => this_executable()?,
    };
    let cache_dir = args
        .cache
        .cache_dir
        .as_deref()
        .map(|dir| {
            // kubectl runs the plugin from wherever it is run: a relative folder would move.
            let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            absolute.into_os_string().into_string().map_err(|_| {
                anyhow::anyhow!("--cache-dir is not UTF-8, so it cannot go into a kubeconfig")
            })
        })
        .transpose()?;
    Ok(Base {
        command,
        cache_dir,
        context: args.account.context.clone(),
        expiry_seconds: stanza.expiry_seconds,
        auth: stanza.auth,
        sso_local_server_port: stanza.sso_local_server_port,
        sso_grant: stanza.sso_grant,
        pinned: false,
    })
}

/// The cluster and a fresh credential for it, as kubeconfig entries. Everything that can be
/// checked locally is checked before the first request.
pub(super) fn fetch(
    args: &KubeconfigArgs,
    stanza: &StanzaArgs,
    started: Instant,
) -> anyhow::Result<Fetched> {
    let reference = ClusterRef::parse(args.cluster()?)?;
    let mut base = base(args, stanza)?;
    let (account, client) = connect(args, started)?;
    pin_doctl_context(&mut base, &account);
    // One runtime for every request: reqwest's pooled connections belong to the runtime that
    // opened them.
    let fetched = http::block_on(async {
        let found = async {
            let (cluster_id, cluster) = match &reference {
                ClusterRef::Id(id) => (id.clone(), client.cluster(id).await?),
                ClusterRef::Name(name) => by_name(&client, name).await?,
            };
            let names = names(&cluster, args)?;
            fetch_entries(&client, &account, &base, cluster_id, &cluster, names).await
        };
        match found.await {
            Ok(fetched) => Ok(fetched),
            Err(err) => Err(client.with_team(err).await),
        }
    })?;
    Ok(fetched)
}

/// One cluster's entries, under `names`: its server and CA from DigitalOcean, and a credential
/// minted on the way (none for SSO).
pub(super) async fn fetch_entries(
    client: &api::Client,
    account: &Account,
    base: &Base,
    cluster_id: ClusterId,
    cluster: &Cluster,
    names: Names,
) -> Result<Fetched> {
    let expiry_seconds = base.expiry_seconds.unwrap_or(DEFAULT_EXPIRY_SECONDS);
    let answer = match sso_of(cluster, base.auth)? {
        None => Answer::Token(client.credentials(&cluster_id, expiry_seconds).await?),
        Some(sso) => Answer::Sso(sso, client.sso_kubeconfig(&cluster_id).await?),
    };
    let url = |path: &str| {
        format!(
            "{}/v2/kubernetes/clusters/{cluster_id}/{path}",
            account.api_url
        )
    };
    let mut exec = Stanza {
        cluster_id: cluster_id.to_string(),
        context: base.context.clone(),
        expiry_seconds: base.expiry_seconds,
        api_url: (account.api_url != DEFAULT_API_URL).then(|| account.api_url.clone()),
        cache_dir: base.cache_dir.clone(),
        sso: None,
        access_token: None,
        sso_paste: false,
    };
    let (server, certificate_authority_data, credential) = match answer {
        Answer::Token(answer) => {
            let (server, ca, answer) = endpoint(answer, &url("credentials"))?;
            let credential = answer.into_credential(Utc::now(), expiry_seconds);
            (server, ca, Some(credential))
        }
        Answer::Sso((issuer, client_id), yaml) => {
            let (server, ca) = sso_endpoint(&yaml, &url("kubeconfig?type=sso"))?;
            exec.sso = Some(SsoStanza {
                issuer,
                client_id,
                port: base.sso_local_server_port,
                device_code: base.sso_grant == Some(SsoGrant::DeviceCode),
            });
            exec.sso_paste = base.sso_grant == Some(SsoGrant::Paste);
            // No credential to seed: the first kubectl command logs in.
            (server, ca, None)
        }
    };
    let entries = Entries {
        names,
        server,
        certificate_authority_data,
        command: base.command.clone(),
        stanza: exec,
    };
    Ok(Fetched {
        credential,
        account: account.clone(),
        cluster_id,
        entries,
        base: base.clone(),
    })
}

/// What DigitalOcean gave for the stanza: a credential (and the endpoint with it), or for SSO
/// the issuer and client, and DigitalOcean's own SSO kubeconfig (for the endpoint).
enum Answer {
    Token(ApiCredentials),
    Sso((String, String), String),
}

/// The issuer and client id when the stanza is to use SSO: `--auth`, else the cluster's own
/// default (SSO when enabled). A choice the cluster cannot honour is a clear error.
fn sso_of(cluster: &Cluster, auth: Option<AuthKind>) -> Result<Option<(String, String)>> {
    let sso = cluster.sso.as_ref().filter(|s| s.enabled);
    let name = crate::error::one_line(&cluster.name);
    match (auth, sso) {
        (Some(AuthKind::Token), Some(sso)) if sso.required => Err(Error::InvalidSsoArgs(format!(
            "cluster {name:?} requires single sign-on, so a DigitalOcean credential (--auth token) would be refused; leave out --auth"
        ))),
        (Some(AuthKind::Token), _) | (None, None) => Ok(None),
        (Some(AuthKind::Sso), None) => Err(Error::InvalidSsoArgs(format!(
            "cluster {name:?} has no single sign-on, so --auth sso cannot work; leave out --auth"
        ))),
        (_, Some(sso)) => {
            let issuer = sso.issuer_url.clone().unwrap_or_default();
            let client_id = sso.client_id.clone().unwrap_or_default();
            settings::check_sso(&issuer, &client_id).map_err(|reason| {
                Error::UnexpectedResponse {
                    url: format!(
                        "/v2/kubernetes/clusters/{}",
                        crate::error::one_line(&cluster.id)
                    ),
                    reason: format!("the cluster's sso settings cannot be used: {reason}"),
                }
            })?;
            Ok(Some((issuer, client_id)))
        }
    }
}

/// The server and CA of the first cluster in DigitalOcean's SSO kubeconfig.
fn sso_endpoint(yaml: &str, url: &str) -> Result<(String, String)> {
    let unexpected = |reason: &str| Error::UnexpectedResponse {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let doc = crate::kubeconfig::parse(yaml).map_err(|reason| unexpected(&reason))?;
    let cluster = &doc["clusters"][0]["cluster"];
    let field = |name: &str| {
        cluster[name]
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| unexpected(&format!("the kubeconfig has no {name}")))
    };
    Ok((field("server")?, field("certificate-authority-data")?))
}

pub(super) fn names(cluster: &Cluster, args: &KubeconfigArgs) -> Result<Names> {
    Names::of_cluster(&cluster.region, &cluster.name, args.alias.as_deref())
}

/// The absolute path this doks-auth was run as, symlinks kept: `~/.local/bin/doks-auth`, not
/// the versioned folder a package manager (Homebrew, mise, asdf) links it to, so an upgrade that
/// moves the link keeps every saved context working. kubectl (and GUI clients without the
/// shell's PATH) then find it wherever they run.
pub(super) fn this_executable() -> anyhow::Result<String> {
    // Windows shells pass argv[0] as typed, often without `.exe`, which kubectl would then not
    // run: there the path of the running executable is used (with `.exe`).
    let arg0 = std::env::args_os().next().filter(|_| cfg!(unix));
    let exe = invoked_as(arg0, std::env::var_os("PATH"), std::env::current_dir().ok())
        .or_else(|| std::env::current_exe().ok())
        .context("cannot find the path of this doks-auth executable; pass --exec-command")?;
    stable(exe)
        .into_os_string()
        .into_string()
        .map_err(|p: std::ffi::OsString| {
            anyhow::anyhow!(
                "the path of this doks-auth ({}) is not UTF-8; pass --exec-command",
                PathBuf::from(p).display()
            )
        })
}

/// krew's link for a binary run by its path in krew's store (by hand, or because the system
/// reports the link's target: Windows may), when that link is this very binary. The store path
/// is removed by `kubectl krew upgrade`; the link is repointed to the new version.
fn stable(exe: PathBuf) -> PathBuf {
    let Some(link) = crate::invoked::krew_link(&exe) else {
        return exe;
    };
    // Opening the link follows it (a symlink, as krew makes, or a copy would not match).
    let is_this =
        std::fs::File::open(&link).is_ok_and(|target| crate::platform::is_same_file(&target, &exe));
    if is_this { link } else { exe }
}

/// `argv[0]` made absolute as the shell found it: a path with a slash is taken against the
/// working folder; a bare name is looked up in PATH, as the shell did.
fn invoked_as(
    arg0: Option<std::ffi::OsString>,
    path: Option<std::ffi::OsString>,
    cwd: Option<PathBuf>,
) -> Option<PathBuf> {
    let arg0 = PathBuf::from(arg0?);
    let is_executable =
        |p: &PathBuf| std::fs::metadata(p).is_ok_and(|m| crate::platform::is_executable(&m));
    let found = if arg0.as_os_str().as_encoded_bytes().contains(&b'/') {
        arg0
    } else {
        std::env::split_paths(&path?)
            .map(|dir| dir.join(&arg0))
            .find(is_executable)?
    };
    let absolute = if found.is_absolute() {
        found
    } else {
        cwd?.join(found)
    };
    // Drop `./` components; `..` stays, since taking it out could step over a symlink.
    let tidy = std::path::absolute(&absolute).unwrap_or(absolute);
    is_executable(&tidy).then_some(tidy)
}

/// A cache entry for the credential just minted, so the first kubectl command is instant. It
/// is keyed like get-credential's, so it is used when kubectl's get-credential resolves the
/// same token and API URL. A failure only costs that first command a request.
pub(super) fn seed_cache(args: &KubeconfigArgs, fetched: &Fetched) {
    let credential = match &fetched.credential {
        None => return,
        Some(Ok(credential)) => credential,
        Some(Err(reason)) => {
            warn!("the credential DigitalOcean sent was not cached: {reason}");
            return;
        }
    };
    let stored = settings::cache_dir(args.cache.cache_dir.as_deref()).and_then(|dir| {
        Cache::new(dir, &fetched.cluster_id, &fetched.account.fingerprint()).store(credential)
    });
    if let Err(err) = stored {
        warn!("{err}: the credential was not cached; kubectl's first call will fetch one");
    }
}

#[cfg(test)]
mod tests;
