//! `get-credential`'s argv without clap. kubectl runs the same exec stanza before every request,
//! and building clap's command tree was most of a cache hit's cost (over 200k of its ~300k
//! instructions). A well-formed `get-credential` argv, as `kubeconfig save` writes it, is read
//! here into the very [`GetCredentialArgs`] clap would give; anything else (help, a typo, a
//! repeated or unknown flag, a missing value, `-v`, an odd spelling clap would also accept) is
//! left to clap, so every message and exit code stays clap's.

use std::ffi::OsString;
use std::path::PathBuf;

use super::{AccountArgs, CacheDirArg, GetCredentialArgs, SsoArgs, SsoGrant};
use crate::digitalocean::DEFAULT_API_URL;
use crate::exec_credential::ApiVersion;
use crate::secret::Secret;

/// The arguments clap would give for `argv` (program name first), or `None` when clap must
/// read it. `env` is the environment clap consults for `--context` and `--api-url`.
pub fn get_credential(
    argv: &[&[u8]],
    env: impl Fn(&str) -> Option<OsString>,
) -> Option<GetCredentialArgs> {
    // Flags are compared as bytes; only values are checked for UTF-8 (clap leaves anything not
    // Unicode to its own error): the UTF-8 check of every word was 0.6k instructions a hit.
    let mut words = argv.get(1..)?.iter().copied();
    if words.next()? != b"get-credential" {
        return None;
    }
    // Values from the environment take clap's rules on emptiness and encoding: left to clap.
    if env("DIGITALOCEAN_CONTEXT").is_some() || env("DIGITALOCEAN_API_URL").is_some() {
        return None;
    }
    let mut seen = Seen::default();
    let mut args = GetCredentialArgs {
        cluster_id: String::new(),
        api_version: None,
        expiry_seconds: 10800,
        refresh_margin: 300,
        cache: CacheDirArg { cache_dir: None },
        no_cache: false,
        sso: SsoArgs {
            sso_issuer_url: None,
            sso_client_id: None,
            sso_local_server_port: crate::sso::DEFAULT_PORT,
            sso_grant: SsoGrant::AuthCode,
            browser_command: None,
            login_timeout: 300,
        },
        account: AccountArgs {
            access_token: None,
            context: None,
            api_url: DEFAULT_API_URL.to_string(),
            timeout: 30,
        },
    };
    while let Some(word) = words.next() {
        let (flag, attached) = match word.iter().position(|&b| b == b'=') {
            Some(eq) if word.starts_with(b"--") => (&word[..eq], Some(&word[eq + 1..])),
            _ => (word, None),
        };
        if flag == b"--no-cache" && attached.is_none() {
            seen.take(Flag::NoCache)?;
            args.no_cache = true;
            continue;
        }
        let which = Flag::named(flag)?;
        seen.take(which)?;
        let value = match attached {
            Some(value) => value,
            None => words.next()?,
        };
        let value = crate::ascii::utf8(value)?;
        // clap reads a leading '-' as the next flag (a missing value), and its empty-value and
        // "-" rules are its own: all left to it.
        if value.is_empty() || value.starts_with('-') {
            return None;
        }
        match which {
            Flag::ClusterId => args.cluster_id = value.to_string(),
            Flag::ApiVersion => {
                args.api_version = Some(match value {
                    "v1" => ApiVersion::V1,
                    "v1beta1" => ApiVersion::V1beta1,
                    _ => return None,
                })
            }
            Flag::ExpirySeconds => args.expiry_seconds = number(value, u64::MAX)?,
            Flag::RefreshMargin => args.refresh_margin = number(value, 366 * 24 * 3600)?,
            Flag::CacheDir => args.cache.cache_dir = Some(PathBuf::from(value)),
            Flag::SsoIssuerUrl => args.sso.sso_issuer_url = Some(value.to_string()),
            Flag::SsoClientId => args.sso.sso_client_id = Some(value.to_string()),
            Flag::SsoLocalServerPort => {
                args.sso.sso_local_server_port = number(value, u16::MAX.into())? as u16
            }
            Flag::SsoGrant => {
                args.sso.sso_grant = match value {
                    "auth-code" => SsoGrant::AuthCode,
                    "device-code" => SsoGrant::DeviceCode,
                    "paste" => SsoGrant::Paste,
                    _ => return None,
                }
            }
            Flag::BrowserCommand => args.sso.browser_command = Some(value.to_string()),
            Flag::LoginTimeout => args.sso.login_timeout = seconds(value)?,
            Flag::AccessToken => args.account.access_token = Some(Secret::new(value)),
            Flag::Context => args.account.context = Some(value.to_string()),
            Flag::ApiUrl => args.account.api_url = value.to_string(),
            Flag::Timeout => args.account.timeout = seconds(value)?,
            Flag::NoCache => return None,
        }
    }
    // clap's required argument, and the SSO pair that requires each other.
    let sso_pair = args.sso.sso_issuer_url.is_some() == args.sso.sso_client_id.is_some();
    (seen.has(Flag::ClusterId) && sso_pair).then_some(args)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flag {
    ClusterId,
    ApiVersion,
    ExpirySeconds,
    RefreshMargin,
    CacheDir,
    NoCache,
    SsoIssuerUrl,
    SsoClientId,
    SsoLocalServerPort,
    SsoGrant,
    BrowserCommand,
    LoginTimeout,
    AccessToken,
    Context,
    ApiUrl,
    Timeout,
}

impl Flag {
    /// The long names, and the three short ones only as separate words (`-c ID`).
    fn named(word: &[u8]) -> Option<Flag> {
        Some(match word {
            b"--cluster-id" | b"-c" => Flag::ClusterId,
            b"--api-version" => Flag::ApiVersion,
            b"--expiry-seconds" => Flag::ExpirySeconds,
            b"--refresh-margin" => Flag::RefreshMargin,
            b"--cache-dir" => Flag::CacheDir,
            b"--sso-issuer-url" => Flag::SsoIssuerUrl,
            b"--sso-client-id" => Flag::SsoClientId,
            b"--sso-local-server-port" => Flag::SsoLocalServerPort,
            b"--sso-grant" => Flag::SsoGrant,
            b"--browser-command" => Flag::BrowserCommand,
            b"--login-timeout" => Flag::LoginTimeout,
            b"--access-token" | b"-t" => Flag::AccessToken,
            b"--context" => Flag::Context,
            b"--api-url" | b"-u" => Flag::ApiUrl,
            b"--timeout" => Flag::Timeout,
            _ => return None,
        })
    }
}

/// Each flag once: clap refuses a repeated one.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn take(&mut self, flag: Flag) -> Option<()> {
        let bit = 1 << flag as u32;
        (self.0 & bit == 0).then(|| self.0 |= bit)
    }

    fn has(&self, flag: Flag) -> bool {
        self.0 & (1 << flag as u32) != 0
    }
}

/// Plain decimal digits up to `max`; clap's parsers accept more spellings (`+5`), and say why
/// they refuse: those are left to it.
fn number(value: &str, max: u64) -> Option<u64> {
    if value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|n| *n <= max)
}

/// `--timeout` and `--login-timeout`: 1 to 3600.
fn seconds(value: &str) -> Option<u64> {
    number(value, 3600).filter(|n| *n >= 1)
}

/// The argv this process was started with, if `get-credential` can skip clap.
pub fn from_process() -> Option<GetCredentialArgs> {
    if let Some(argv) = crate::environ::argv() {
        return get_credential(&argv, crate::environ::var_os);
    }
    let owned: Vec<OsString> = std::env::args_os().collect();
    let argv: Vec<&[u8]> = owned.iter().map(|w| w.as_encoded_bytes()).collect();
    get_credential(&argv, crate::environ::var_os)
}

#[cfg(test)]
mod tests;
