//! `doctor`'s steps past the kubeconfig and the source: DigitalOcean (or the identity provider)
//! and the cluster. [`credential`](super::credential) and [`server`](super::server) follow.

use super::Bounds;
use super::report::{Clocks, Flow, Report, offset, stop_with};
use crate::credential::ClusterId;
use crate::digitalocean::Account;
use crate::digitalocean::api::{self, AccountInfo, Cluster};
use crate::error::{Error, one_line};
use crate::http;
use crate::invoked::CMD;
use crate::kubeconfig::context::KubeContext;
use crate::settings::CredentialSettings;
use crate::source::Source;
use crate::sso::{self, SsoSettings};

/// DigitalOcean's account and cluster steps (or the identity provider's), after the source.
pub fn check(
    ctx: &KubeContext,
    settings: &CredentialSettings,
    bounds: &Bounds,
    report: &mut Report,
    clocks: &mut Clocks,
) -> Flow {
    match &settings.source {
        Source::DigitalOcean { account, .. } => {
            digitalocean(ctx, account, &settings.cluster_id, bounds, report, clocks)?
        }
        Source::Sso(sso) => issuer(sso, bounds, report)?,
    }
    Ok(())
}

/// Steps 4 and 5 for a token: whom it belongs to, and the cluster it is for.
fn digitalocean(
    ctx: &KubeContext,
    account: &Account,
    cluster_id: &ClusterId,
    bounds: &Bounds,
    report: &mut Report,
    clocks: &mut Clocks,
) -> Flow {
    let client = match api::Client::new(account, bounds.started) {
        Ok(client) => client,
        Err(err) => return stop_with(report, "account", &err),
    };
    // One runtime for both: reqwest's pooled connection belongs to the runtime that opened it.
    let answers = http::block_on(async {
        // The clock is compared as the answer arrives, before the next request's time.
        let who = client
            .account()
            .await
            .map(|(info, date)| (info, offset(date)));
        Ok((who, client.cluster(cluster_id).await))
    });
    let (who, cluster) = match answers {
        Ok(answers) => answers,
        Err(err) => return stop_with(report, "account", &err),
    };
    match who {
        Ok((info, offset)) => {
            clocks.digitalocean = offset;
            account_found(&info, report);
        }
        // The account's fields need scopes kubectl does not: the token may still be good.
        Err(Error::Api(api)) if api.status == 403 => {
            report.warn("account", api.summary(), Some(api.hint()))
        }
        Err(err) => return stop_with(report, "account", &err),
    }
    match cluster {
        Ok(cluster) => cluster_found(ctx, &cluster, report),
        Err(Error::Api(api)) if api.status == 403 => report.warn(
            "cluster",
            format!("{}: the cluster cannot be looked up", api.summary()),
            Some(format!(
                "{}; kubectl itself needs only kubernetes:access_cluster",
                api.hint()
            )),
        ),
        Err(err) => return stop_with(report, "cluster", &err),
    }
    Ok(())
}

fn account_found(info: &AccountInfo, report: &mut Report) {
    let email = info.email.as_deref().map_or("no email".into(), one_line);
    let team = info
        .team
        .as_ref()
        .and_then(|t| t.name.as_deref())
        .map(|name| format!(", team {}", one_line(name)))
        .unwrap_or_default();
    let detail = format!("the token works: account {email}{team}");
    match info.status.as_deref() {
        Some(status @ ("locked" | "warning")) => report.warn(
            "account",
            format!("{detail}, status {status}"),
            Some("see the account's notifications in DigitalOcean's control panel".into()),
        ),
        _ => report.ok("account", detail),
    }
}

/// Step 5: the cluster exists for this account, is running, and is where the kubeconfig says.
fn cluster_found(ctx: &KubeContext, cluster: &Cluster, report: &mut Report) {
    let state = cluster
        .status
        .as_ref()
        .and_then(|s| s.state.as_deref())
        .unwrap_or("in no known state");
    let mut detail = format!(
        "{} in {}, Kubernetes {}, {}",
        one_line(&cluster.name),
        one_line(&cluster.region),
        one_line(&cluster.version),
        one_line(state)
    );
    let resave = format!(
        "run `{CMD} kubeconfig save {}` again",
        one_line(&cluster.name)
    );
    let sso_required = cluster
        .sso
        .as_ref()
        .is_some_and(|s| s.enabled && s.required);
    if sso_required {
        return report.fail(
            "cluster",
            format!(
                "{detail}; it requires single sign-on, so it refuses a DigitalOcean credential"
            ),
            format!(
                "{resave}: it writes a user that logs in through the cluster's identity provider"
            ),
        );
    }
    let trimmed = |url: &str| url.trim().trim_end_matches('/').to_ascii_lowercase();
    let moved = match (cluster.endpoint.as_deref(), ctx.server()) {
        (Some(endpoint), Some(server)) if !endpoint.trim().is_empty() => {
            trimmed(endpoint) != trimmed(server)
        }
        _ => false,
    };
    if moved {
        detail.push_str(&format!(
            "; its endpoint is {}, not the kubeconfig's server",
            one_line(cluster.endpoint.as_deref().unwrap_or_default())
        ));
    }
    match state {
        "running" if !moved => report.ok("cluster", detail),
        "running" => report.warn("cluster", detail, Some(resave)),
        "provisioning" | "upgrading" | "degraded" => report.warn(
            "cluster",
            detail,
            Some("wait until it is running (see DigitalOcean's control panel)".into()),
        ),
        _ => report.fail(
            "cluster",
            detail,
            "see the cluster in DigitalOcean's control panel",
        ),
    }
}

/// Step 4 for single sign-on: the issuer answers its discovery document.
fn issuer(sso: &SsoSettings, bounds: &Bounds, report: &mut Report) -> Flow {
    match http::block_on(sso::discover(
        &sso.issuer,
        bounds.deadline(),
        bounds.timeout,
    )) {
        Ok(()) => {
            report.ok(
                "issuer",
                format!("{} answers its discovery document", sso.issuer),
            );
            Ok(())
        }
        Err(err) => stop_with(report, "issuer", &err),
    }
}

#[cfg(test)]
mod tests;
