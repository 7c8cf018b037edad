//! `doks-auth whoami`: who you are, as the cluster sees you (a `SelfSubjectReview`, what `kubectl
//! auth whoami` asks for) and as DigitalOcean (the token's account) or the identity provider (the
//! ID token's claims) does. The credential is got as `get-credential` gets it; no login starts.

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use chrono::{DateTime, SecondsFormat, Utc};
use log::warn;
use serde::Serialize;

use crate::cli::{InspectArgs, ReportFormat};
use crate::credential::Credential;
use crate::digitalocean::Account;
use crate::digitalocean::api::{self, AccountInfo};
use crate::error::{Error, one_line};
use crate::http;
use crate::invoked::CMD;
use crate::kube_api::{self, KubeError, UserInfo};
use crate::kubeconfig::context::{self, Auth};
use crate::serve;
use crate::source::Source;

#[derive(Debug, Serialize)]
struct Identity {
    context: String,
    cluster_id: String,
    /// As `kubectl auth whoami -o json` shows `status.userInfo`.
    kubernetes: UserInfo,
    /// For a DigitalOcean token; `null` for single sign-on.
    digitalocean: Option<DoAccount>,
    /// For single sign-on; `null` for a DigitalOcean token.
    sso: Option<SsoUser>,
    credential_expires_at: String,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
struct DoAccount {
    email: Option<String>,
    team: Option<String>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
struct SsoUser {
    issuer: String,
    email: Option<String>,
    team_role: Option<String>,
    expires_at: Option<String>,
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn run(args: &InspectArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let timeout = Duration::from_secs(args.timeout);
    let ctx = context::load(args.context.as_deref())?;
    let Auth::DoksAuth(exec) = ctx.auth() else {
        anyhow::bail!(
            "context {}'s user {} does not run doks-auth; `{CMD} doctor --context {}` says what it runs and what to do",
            one_line(&ctx.name),
            one_line(&ctx.user.name),
            shell_words::quote(&one_line(&ctx.name))
        );
    };
    // SAFETY: nothing has started a thread yet: no runtime, no HTTP client, no child process.
    unsafe { exec.apply_env() };
    let stanza = super::credential_args(&exec).map_err(|kind| {
        anyhow!(
            "user {} runs doks-auth with arguments get-credential does not take ({kind}); run `{CMD} kubeconfig save <cluster>` again",
            one_line(&ctx.user.name)
        )
    })?;
    let settings = super::credential_settings(stanza, timeout)?;
    let conn = ctx.connection().map_err(|reason| {
        anyhow!(
            "cluster {} in the kubeconfig: {reason}; run `{CMD} kubeconfig save <cluster>` again",
            one_line(&ctx.cluster.name)
        )
    })?;
    let served = serve::credential(&settings, started)?;
    let review = http::block_on(async {
        Ok(kube_api::review(
            &ctx.cluster.name,
            &conn,
            &served.credential,
            started + timeout,
            timeout,
        )
        .await)
    })?
    .map_err(|err| match err {
        // The only answers whose message says nothing of what to do.
        KubeError::Unauthorized { .. } | KubeError::Status { .. } => anyhow!(
            "{err}; `{CMD} doctor --context {}` checks each step and says what to try",
            shell_words::quote(&one_line(&ctx.name))
        ),
        other => other.into(),
    })?;
    let kubernetes = review.user.with_context(|| {
        format!(
            "{} takes the credential but does not say whom for (it answers no SelfSubjectReview: Kubernetes before 1.27, or RBAC forbids it to this user)",
            one_line(&conn.server)
        )
    })?;
    let (digitalocean, sso) = match &settings.source {
        Source::DigitalOcean { account, .. } => (Some(account_of(account, started)?), None),
        Source::Sso(sso) => (None, Some(sso_user(&sso.issuer, &served.credential))),
    };
    let identity = Identity {
        context: ctx.name.clone(),
        cluster_id: settings.cluster_id.to_string(),
        kubernetes,
        digitalocean,
        sso,
        credential_expires_at: rfc3339(served.credential.expires_at),
    };
    let output = match args.output {
        ReportFormat::Json => super::terminal_json(&identity)?,
        ReportFormat::Text => text(&identity),
    };
    super::print_stdout(&output)
}

/// `GET /v2/account`. A token that may not read the account (a 403) still says who it is not:
/// the fields are null, with a warning.
fn account_of(account: &Account, started: Instant) -> anyhow::Result<DoAccount> {
    let client = api::Client::new(account, started)?;
    let found = |info: AccountInfo| DoAccount {
        email: info.email,
        team: info.team.and_then(|t| t.name),
    };
    match http::block_on(client.account()) {
        Ok((info, _)) => Ok(found(info)),
        Err(Error::Api(api)) if api.status == 403 => {
            warn!("{api}");
            Ok(DoAccount {
                email: None,
                team: None,
            })
        }
        Err(err) => Err(err.into()),
    }
}

/// The claims of the ID token `get-credential` verified before it cached it.
fn sso_user(issuer: &str, credential: &Credential) -> SsoUser {
    let shown = credential
        .token
        .as_ref()
        .and_then(|token| crate::sso::shown_claims(token.expose()))
        .unwrap_or_default();
    SsoUser {
        issuer: issuer.to_string(),
        email: shown
            .email
            .or_else(|| credential.sso.as_ref().and_then(|s| s.email.clone())),
        team_role: shown.team_role,
        expires_at: shown.expires_at.map(rfc3339),
    }
}

/// The same facts, one a line, each folded onto its line (they come from servers).
fn text(identity: &Identity) -> String {
    let user = &identity.kubernetes;
    let mut lines: Vec<(String, String)> = vec![
        ("context".into(), identity.context.clone()),
        ("cluster id".into(), identity.cluster_id.clone()),
        ("username".into(), user.username.clone()),
    ];
    if !user.uid.is_empty() {
        lines.push(("uid".into(), user.uid.clone()));
    }
    lines.push(("groups".into(), user.groups.join(", ")));
    for (key, values) in &user.extra {
        lines.push((format!("extra {key}"), values.join(", ")));
    }
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    if let Some(account) = &identity.digitalocean {
        lines.push(("digitalocean email".into(), or_none(&account.email)));
        lines.push(("digitalocean team".into(), or_none(&account.team)));
    }
    if let Some(sso) = &identity.sso {
        lines.push(("sso issuer".into(), sso.issuer.clone()));
        lines.push(("sso email".into(), or_none(&sso.email)));
        lines.push(("sso team role".into(), or_none(&sso.team_role)));
        lines.push(("sso expires at".into(), or_none(&sso.expires_at)));
    }
    lines.push((
        "credential expires at".into(),
        identity.credential_expires_at.clone(),
    ));
    let lines: Vec<(String, String)> = lines
        .into_iter()
        .map(|(k, v)| (one_line(&k), crate::error::folded(&v)))
        .collect();
    let width = lines
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    lines
        .iter()
        .map(|(key, value)| {
            let pad = width - key.chars().count();
            format!("{key}{}  {value}\n", " ".repeat(pad))
        })
        .collect()
}

#[cfg(test)]
mod tests;
