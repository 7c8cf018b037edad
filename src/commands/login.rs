//! `doks-auth login`: an SSO login now, from a terminal, cached for the calls that follow, so
//! that tools without a terminal (Lens, IDE plugins, prompt helpers), which start no login of
//! their own after one nobody finished, find a valid one. The settings are get-credential's
//! own, parsed the same way: from the kubeconfig context's exec stanza, or from the flags.

use std::time::Instant;

use anyhow::{anyhow, bail};
use serde_json::Value;

use crate::cli::{Cli, Command, GetCredentialArgs, LoginArgs};
use crate::invoked::CMD;
use crate::kubeconfig::files::{self, Files};
use crate::serve;
use crate::settings::{CacheChoice, CredentialSettings};
use crate::source::Source;

pub fn run(args: &LoginArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut get = match &args.context {
        Some(context) => from_context(context)?,
        None => {
            let given = |flag: &str, value: &Option<String>| {
                value.clone().map(|value| [flag.to_string(), value])
            };
            let argv = [
                given("--cluster-id", &args.cluster_id),
                given("--sso-issuer-url", &args.sso_issuer_url),
                given("--sso-client-id", &args.sso_client_id),
            ];
            get_credential(argv.into_iter().flatten().flatten())
                .map_err(|kind| anyhow!("cannot read the login's options: {kind}"))?
        }
    };
    apply(args, &mut get);
    let mut settings = CredentialSettings::from_request(&get.request())?;
    // A person runs this, at a terminal, whatever KUBERNETES_EXEC_INFO says.
    settings.interactive = true;
    let Source::Sso(sso) = &mut settings.source else {
        bail!(
            "this cluster's credential comes from DigitalOcean with a token, not from a single sign-on login: there is nothing to log in to"
        );
    };
    sso.interactive = true;
    let issuer = sso.issuer.clone();
    let dir = match &settings.cache {
        CacheChoice::Folder(dir) => dir.clone(),
        CacheChoice::Unavailable(err) => bail!("{err}: a login could not be kept"),
        CacheChoice::Off => bail!("the stanza says --no-cache: a login could not be kept"),
    };
    let credential = serve::log_in(&settings, &dir, started)?;
    let login = credential.sso.as_ref();
    let who = login
        .and_then(|login| login.email.as_deref())
        .map_or("(no email)".into(), crate::error::one_line);
    let then = if login.is_some_and(|login| login.refresh_token.is_some()) {
        "then renewed by its refresh token"
    } else {
        "then a new login (the provider gave no refresh token)"
    };
    super::say(&format!(
        "logged in as {who} at {issuer}; cluster {}'s credential is cached until {}, {then}",
        settings.cluster_id,
        credential.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
    ));
    Ok(())
}

/// The options given to `login` replace the stanza's.
fn apply(args: &LoginArgs, get: &mut GetCredentialArgs) {
    if let Some(port) = args.sso_local_server_port {
        get.sso.sso_local_server_port = port;
    }
    if let Some(grant) = args.sso_grant {
        get.sso.sso_grant = grant;
    }
    if let Some(command) = &args.browser_command {
        get.sso.browser_command = Some(command.clone());
    }
    if let Some(seconds) = args.login_timeout {
        get.sso.login_timeout = seconds;
    }
    if let Some(dir) = &args.cache_dir {
        get.cache.cache_dir = Some(dir.clone());
    }
}

/// get-credential's arguments as its own parser reads them. The error is clap's kind of error
/// only: its message could quote an argument, and a stanza's may hold a token.
fn get_credential(
    args: impl IntoIterator<Item = String>,
) -> Result<GetCredentialArgs, clap::error::ErrorKind> {
    let argv = ["doks-auth".to_string(), "get-credential".to_string()]
        .into_iter()
        .chain(args);
    use clap::Parser;
    match Cli::try_parse_from(argv).map_err(|err| err.kind())?.command {
        Command::GetCredential(args) => Ok(args),
        _ => Err(clap::error::ErrorKind::InvalidSubcommand),
    }
}

/// The get-credential arguments of the exec stanza that `context`'s user runs, found as kubectl
/// finds them (the first file that names a context or a user wins).
fn from_context(context: &str) -> anyhow::Result<GetCredentialArgs> {
    let files = Files::from_env()?;
    let docs = files
        .paths()
        .iter()
        .map(|path| files::load(&files::resolve_target(path)).map(|loaded| loaded.doc))
        .collect::<Result<Vec<_>, _>>()?;
    let args = exec_args(&docs, context).map_err(|why| {
        let paths: Vec<String> = files
            .paths()
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        anyhow!("{why} (kubeconfig: {})", paths.join(", "))
    })?;
    let args = args.into_iter().skip(1);
    get_credential(args).map_err(|kind| {
        anyhow!(
            "context {context:?}: its exec args are not ones doks-auth get-credential takes ({kind}); write the stanza again with `{CMD} kubeconfig save`"
        )
    })
}

/// The exec args of `context`'s user, which must begin with `get-credential`.
fn exec_args(docs: &[Value], context: &str) -> Result<Vec<String>, String> {
    let named = |list: &str, name: &str| {
        docs.iter()
            .filter_map(|doc| doc.get(list)?.as_array())
            .flatten()
            .find(|item| item.get("name").and_then(Value::as_str) == Some(name))
    };
    let user = named("contexts", context)
        .ok_or_else(|| format!("no context {context:?}; `kubectl config get-contexts` lists them"))?
        .pointer("/context/user")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("context {context:?} names no user"))?;
    let exec = named("users", user)
        .and_then(|entry| entry.pointer("/user/exec"))
        .ok_or_else(|| format!("context {context:?}: its user {user:?} runs no exec plugin"))?;
    let args: Vec<String> = exec
        .get("args")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|arg| arg.as_str().map(String::from))
        .collect();
    if args.first().map(String::as_str) != Some("get-credential") {
        return Err(format!(
            "context {context:?}: its user {user:?} does not run `doks-auth get-credential` (`{CMD} kubeconfig save` writes such a stanza; `kubeconfig convert` switches doctl's)"
        ));
    }
    Ok(args)
}

#[cfg(test)]
mod tests;
