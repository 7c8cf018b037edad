//! Validated settings: what the command line (or a stanza's arguments) and the environment ask
//! for, checked once, before any file is touched or any request is made. What is asked comes in
//! as plain values (the `…Request` views below, which `cli` fills): the core never sees clap.

use std::path::PathBuf;
use std::time::Duration;

use crate::credential::ClusterId;
use crate::digitalocean::{Account, token};
use crate::error::{Error, Result, TokenOrigin};
use crate::exec_credential::{ApiVersion, Caller};
use crate::http;
use crate::secret::Secret;
use crate::source::Source;
use crate::sso::{Grant, SsoSettings};

/// How to reach DigitalOcean and as whom, as asked: `--access-token`, `--context`, `--api-url`,
/// `--timeout`.
#[derive(Clone, Copy, Debug)]
pub struct AccountRequest<'a> {
    pub access_token: Option<&'a Secret>,
    pub context: Option<&'a str>,
    pub api_url: &'a str,
    pub timeout: u64,
}

/// The SSO options as asked; SSO mode when both `issuer_url` and `client_id` are given.
#[derive(Clone, Copy, Debug)]
pub struct SsoRequest<'a> {
    pub issuer_url: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub local_server_port: u16,
    pub grant: Grant,
    pub browser_command: Option<&'a str>,
    pub login_timeout: u64,
}

/// What `get-credential` is asked, from its command line or a kubeconfig stanza's arguments.
#[derive(Clone, Copy, Debug)]
pub struct CredentialRequest<'a> {
    pub cluster_id: &'a str,
    pub api_version: Option<ApiVersion>,
    pub expiry_seconds: u64,
    pub refresh_margin: u64,
    pub cache_dir: Option<&'a std::path::Path>,
    pub no_cache: bool,
    pub sso: SsoRequest<'a>,
    pub account: AccountRequest<'a>,
}

/// The account a request names, its token found and checked.
pub fn account(args: &AccountRequest) -> Result<Account> {
    let api_url = normalize_api_url(args.api_url)?;
    let flag = args.access_token.map(Secret::expose);
    let (token, origin) = token::resolve(flag, args.context)?;
    Ok(Account {
        api_url,
        token,
        origin,
        timeout: Duration::from_secs(args.timeout),
    })
}

/// The account of a token found by the caller (`auth`'s standard input, one of doctl's
/// contexts), named by `origin` so that a refusal blames that place, not `--access-token`.
pub fn account_of(
    token: &Secret,
    origin: TokenOrigin,
    api_url: &str,
    timeout: u64,
) -> Result<Account> {
    let (token, origin) = token::checked(token.expose(), origin)?;
    Ok(Account {
        api_url: normalize_api_url(api_url)?,
        token,
        origin,
        timeout: Duration::from_secs(timeout),
    })
}

/// One account per token doks-auth can find (see [`token::every_context`]), named by context;
/// a context whose token cannot be used carries its error.
pub fn every_account(args: &AccountRequest) -> Result<Vec<(String, Result<Account>)>> {
    let api_url = normalize_api_url(args.api_url)?;
    let timeout = Duration::from_secs(args.timeout);
    Ok(token::every_context()?
        .into_iter()
        .map(|(name, token)| {
            let account = token.map(|(token, origin)| Account {
                api_url: api_url.clone(),
                token,
                origin,
                timeout,
            });
            (name, account)
        })
        .collect())
}

fn normalize_api_url(raw: &str) -> Result<String> {
    let invalid = |reason: &str| Error::InvalidApiUrl {
        url: crate::error::one_line(raw),
        reason: reason.into(),
    };
    let trimmed = crate::ascii::trim(raw).trim_end_matches('/');
    // DigitalOcean's documents give `https://api.digitalocean.com/v2` as the base; the paths
    // doks-auth requests start with /v2 themselves.
    let trimmed = trimmed.strip_suffix("/v2").unwrap_or(trimmed);
    let base = "expected a base URL such as https://api.digitalocean.com";
    // As bytes: these are ASCII, so a byte equal to one is that character (the `char` search
    // cost every hit some 0.3k instructions).
    if crate::ascii::contains_any(trimmed.as_bytes(), [b'?', b'#', b' ', b'@']) {
        return Err(invalid(base));
    }
    if let Some(rest) = trimmed.strip_prefix("https://") {
        return match rest {
            "" => Err(invalid(base)),
            _ => Ok(trimmed.to_string()),
        };
    }
    if !trimmed.starts_with("http://") {
        return Err(invalid(
            "it must start with https:// (or http:// for a local stand-in)",
        ));
    }
    // Only plain http needs its host looked at (this runs on every cache hit, so https skips
    // the parse): the token may go unencrypted only where it never leaves the machine.
    match reqwest::Url::parse(trimmed) {
        Ok(url) if http::is_loopback(&url) => Ok(trimmed.to_string()),
        Ok(url) if url.host().is_some() => Err(invalid(
            "http:// would send the token unencrypted; use https:// (http:// is only for stand-ins on this machine: 127.0.0.1, ::1, localhost)",
        )),
        _ => Err(invalid(base)),
    }
}

/// An issuer and client id fit to use and to write into a kubeconfig: the issuer a secure URL
/// ([`http::is_secure_url`]), both printable ASCII.
pub fn check_sso(issuer: &str, client_id: &str) -> std::result::Result<(), String> {
    let printable = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    if !http::is_secure_url(issuer) || !printable(issuer) {
        return Err(format!(
            "--sso-issuer-url {:?}: an issuer must be an https:// URL (http:// only on this machine: 127.0.0.1, ::1, localhost)",
            crate::error::one_line(issuer)
        ));
    }
    if !printable(client_id) {
        return Err(
            "--sso-client-id is empty or has a space, control or non-ASCII character".into(),
        );
    }
    Ok(())
}

/// `--cache-dir`, else `$KUBECACHEDIR/doks-auth`, else `~/.kube/cache/doks-auth`: the same root
/// kubectl and other plugins use, so users find every cached credential in one place.
pub fn cache_dir(flag: Option<&std::path::Path>) -> Result<PathBuf> {
    match flag {
        Some(dir) => Ok(dir.to_path_buf()),
        None => default_cache_dir(),
    }
}

/// The cache folder without `--cache-dir`.
pub fn default_cache_dir() -> Result<PathBuf> {
    if let Some(root) = crate::environ::var_os("KUBECACHEDIR").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(root).join("doks-auth"));
    }
    let home = crate::platform::home_dir().ok_or_else(|| Error::Cache {
        path: PathBuf::from("~/.kube/cache/doks-auth"),
        cause: std::io::Error::other("no home directory: set HOME or use --cache-dir"),
    })?;
    // One join rather than three where the separator is '/' (the same path), into a buffer
    // sized for it (`join` copies, then grows the copy).
    #[cfg(unix)]
    return Ok(crate::platform::joined(&home, ".kube/cache/doks-auth"));
    #[cfg(not(unix))]
    Ok(home.join(".kube").join("cache").join("doks-auth"))
}

/// Everything `get-credential` needs, checked.
#[derive(Debug)]
pub struct CredentialSettings {
    pub cluster_id: ClusterId,
    pub version: ApiVersion,
    pub source: Source,
    pub refresh_margin: chrono::Duration,
    pub cache: CacheChoice,
    /// `KUBERNETES_EXEC_INFO`, when a client-go client runs us (not a script calling us): it
    /// may describe the cluster (see [`crate::probe`]).
    pub exec_info: Option<String>,
    /// Whether a person may be there to finish a login (see [`Caller::interactive`]).
    pub interactive: bool,
}

/// Where `get-credential` keeps its credential, if anywhere.
#[derive(Debug)]
pub enum CacheChoice {
    /// `--no-cache`.
    Off,
    /// No folder can be named (no home directory): the credential is served uncached.
    Unavailable(Error),
    Folder(PathBuf),
}

impl CredentialSettings {
    pub fn from_request(args: &CredentialRequest) -> Result<Self> {
        // The order matters: the id is checked before anything else is looked at.
        let cluster_id = ClusterId::parse(args.cluster_id)?;
        let exec_info = crate::environ::var("KUBERNETES_EXEC_INFO");
        let caller = Caller::read(exec_info.as_deref(), args.api_version)?;
        let cache = match cache_dir(args.cache_dir) {
            _ if args.no_cache => CacheChoice::Off,
            Ok(dir) => CacheChoice::Folder(dir),
            Err(err) => CacheChoice::Unavailable(err),
        };
        let source = match (args.sso.issuer_url, args.sso.client_id) {
            (Some(issuer), Some(client_id)) => Source::Sso(sso_settings(
                &args.sso,
                issuer,
                client_id,
                args.account.timeout,
                caller.interactive,
            )?),
            _ => Source::DigitalOcean {
                account: account(&args.account)?,
                expiry_seconds: args.expiry_seconds,
            },
        };
        Ok(CredentialSettings {
            cluster_id,
            version: caller.version,
            source,
            refresh_margin: chrono::Duration::seconds(args.refresh_margin as i64),
            cache,
            exec_info: exec_info.filter(|info| !info.trim().is_empty()),
            interactive: caller.interactive,
        })
    }
}

/// SSO mode's settings.
fn sso_settings(
    args: &SsoRequest,
    issuer: &str,
    client_id: &str,
    timeout: u64,
    interactive: bool,
) -> Result<SsoSettings> {
    check_sso(issuer, client_id).map_err(Error::InvalidSsoArgs)?;
    if args.grant == Grant::Paste && args.local_server_port == 0 {
        // Nothing listens to choose a port: the pasted address must name the registered one.
        return Err(Error::InvalidSsoArgs(
            "--sso-grant paste needs the port registered at the identity provider: --sso-local-server-port 0 (any free port) works only where doks-auth listens for the callback".into(),
        ));
    }
    Ok(SsoSettings {
        issuer: issuer.to_string(),
        client_id: client_id.to_string(),
        port: args.local_server_port,
        grant: args.grant,
        browser_command: args.browser_command.map(str::to_string),
        login_timeout: Duration::from_secs(args.login_timeout),
        timeout: Duration::from_secs(timeout),
        interactive,
        may_log_in: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sso_issuers_must_be_https_or_loopback_and_printable() {
        for good in [
            "https://id.example",
            "http://127.0.0.1:5556",
            "http://localhost:8080/dex",
        ] {
            assert_eq!(check_sso(good, "client"), Ok(()), "{good}");
        }
        for bad in [
            "http://id.example",
            "https://",
            "ftp://id.example",
            "https://id.example/\n",
            "id.example",
        ] {
            assert!(check_sso(bad, "client").is_err(), "{bad}");
        }
        for bad in ["", "a b", "k\u{1b}"] {
            assert!(check_sso("https://id.example", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn uuids_are_accepted() {
        let id = "bd5f5959-5e1e-4205-a714-a914373942af";
        assert_eq!(ClusterId::parse(id).unwrap().as_str(), id);
    }

    #[test]
    fn hostile_ids_are_refused() {
        for bad in [
            "", "../x", "a/b", "a?b", "a%2f", "a b", "a#b", ".", "..", "a\\b", "é", "a\nb",
        ] {
            assert!(ClusterId::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(ClusterId::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn api_urls_are_normalised() {
        assert_eq!(
            normalize_api_url("https://api.digitalocean.com/").unwrap(),
            "https://api.digitalocean.com"
        );
        assert_eq!(
            normalize_api_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_api_url("https://api.digitalocean.com/v2/").unwrap(),
            "https://api.digitalocean.com"
        );
        for local in [
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://[::1]:9",
            "http://localhost:1",
            "http://LOCALHOST",
        ] {
            assert!(normalize_api_url(local).is_ok(), "{local}");
        }
        for bad in [
            "api.digitalocean.com",
            "ftp://x",
            "https://",
            "https://x?y=1",
            "http://api.digitalocean.com",
            "http://128.0.0.1",
            "http://[::2]",
            "http://localhost.example.com",
            "http://10.0.0.1",
            "http://127.0.0.1@evil.example",
        ] {
            let err = normalize_api_url(bad).unwrap_err();
            assert!(err.is_usage(), "{bad}: {err}");
        }
        let err = normalize_api_url("http://api.digitalocean.com").unwrap_err();
        assert!(err.to_string().contains("unencrypted"), "{err}");
    }

    #[test]
    fn fingerprint_separates_accounts_and_hides_the_token() {
        let account = |url: &str, token: &str| Account {
            api_url: url.into(),
            token: Secret::new(token),
            origin: Default::default(),
            timeout: Duration::from_secs(1),
        };
        let a = account("https://api.digitalocean.com", "dop_v1_a").fingerprint();
        assert_eq!(a.len(), Account::FINGERPRINT_LEN);
        assert_eq!(
            a,
            account("https://api.digitalocean.com", "dop_v1_a").fingerprint()
        );
        assert_ne!(
            a,
            account("https://api.digitalocean.com", "dop_v1_b").fingerprint()
        );
        assert_ne!(a, account("http://127.0.0.1:1", "dop_v1_a").fingerprint());
        assert!(!a.contains("dop_v1"));
    }
}
