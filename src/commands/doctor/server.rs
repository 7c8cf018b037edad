//! `doctor`'s steps 7 and 8: the API server takes the credential, and this machine's clock
//! agrees with the servers'.

use super::Bounds;
use super::report::{Clocks, Flow, Report, offset, stop_with};
use crate::credential::Credential;
use crate::error::one_line;
use crate::http;
use crate::invoked::CMD;
use crate::kube_api::{self, Answered, KubeError};
use crate::kubeconfig::context::KubeContext;
use crate::settings::CredentialSettings;
use crate::source::Source;

/// Clocks closer than this agree (a `Date` header has whole seconds, and answers take time).
const CLOCK_TOLERANCE: chrono::Duration = chrono::Duration::seconds(60);

/// Step 7: the API server, by the kubeconfig's server and CA, takes the credential.
pub(super) fn check(
    ctx: &KubeContext,
    settings: &CredentialSettings,
    credential: &Credential,
    bounds: &Bounds,
    report: &mut Report,
    clocks: &mut Clocks,
) -> Flow {
    let conn = match ctx.connection() {
        Ok(conn) => conn,
        Err(reason) => {
            return report.stop(
                "api-server",
                format!("cluster {}: {reason}", ctx.cluster.name),
                format!("run `{CMD} kubeconfig save <cluster>` again"),
            );
        }
    };
    let asked = http::block_on(async {
        Ok(kube_api::review(
            &ctx.cluster.name,
            &conn,
            credential,
            bounds.deadline(),
            bounds.timeout,
        )
        .await)
    });
    let review = match asked {
        Ok(Ok(review)) => review,
        Ok(Err(KubeError::Unauthorized { server_date, .. })) => {
            clocks.api_server = offset(server_date);
            return report.stop(
                "api-server",
                format!(
                    "{} refused the credential (401 Unauthorized) that {} issued",
                    one_line(&conn.server),
                    issued_by(settings)
                ),
                refused_fix(settings),
            );
        }
        // Never split the error's text: a server's words could pass for our advice.
        Ok(Err(err)) => {
            let (detail, fix) = err.explain();
            return report.stop("api-server", detail, fix);
        }
        Err(err) => return stop_with(report, "api-server", &err),
    };
    clocks.api_server = offset(review.server_date);
    let server = &one_line(&conn.server);
    let (detail, mut fix) = match (&review.user, review.answered) {
        (Some(user), Answered::Version(version)) => (
            format!(
                "{server} takes the credential: user {}, groups {} (SelfSubjectReview {version})",
                one_line(&user.username),
                one_line(&user.groups.join(", "))
            ),
            None,
        ),
        (_, Answered::NoReview(403)) => (
            format!(
                "{server} takes the credential, but may not say for whom (403 to SelfSubjectReview)"
            ),
            Some("ask the cluster's admin: every authenticated user may normally make one".into()),
        ),
        _ => (
            format!(
                "{server} takes the credential, but has no SelfSubjectReview to say for whom (Kubernetes before 1.27)"
            ),
            None,
        ),
    };
    if ctx.skips_tls_verify() {
        fix = Some("remove insecure-skip-tls-verify from the cluster entry: kubectl does not check this server's certificate, so anyone in between could take the credential".into());
    }
    match fix {
        None if review.user.is_some() => report.ok("api-server", detail),
        fix => report.warn("api-server", detail, fix),
    }
    Ok(())
}

/// Who gives this context its credential.
pub(super) fn issued_by(settings: &CredentialSettings) -> String {
    match &settings.source {
        Source::DigitalOcean { .. } => "DigitalOcean".into(),
        Source::Sso(sso) => sso.issuer.clone(),
    }
}

/// What to try when the cluster refuses a credential its issuer gave.
fn refused_fix(settings: &CredentialSettings) -> String {
    let id = &settings.cluster_id;
    match &settings.source {
        Source::DigitalOcean { .. } => format!(
            "drop the cached credential (`{CMD} cache clear --cluster-id {id}`) and run doctor again; if it is refused again, the kubeconfig's server may be another cluster's (run `{CMD} kubeconfig save <cluster>`), or this account's access to the cluster was removed"
        ),
        Source::Sso(_) => format!(
            "check that the cluster's SSO issuer and client id are the stanza's (`{CMD} kubeconfig save <cluster>` writes them), then `{CMD} cache clear --cluster-id {id}` and log in again with any kubectl command"
        ),
    }
}

/// Step 8: this machine's clock against each server that said its time. Runs after a stop too.
pub fn clocks(report: &mut Report, clocks: &Clocks) {
    let known: Vec<(&str, chrono::Duration)> = [
        ("DigitalOcean's", clocks.digitalocean),
        ("the API server's", clocks.api_server),
    ]
    .into_iter()
    .filter_map(|(name, offset)| Some((name, offset?)))
    .collect();
    if known.is_empty() {
        return;
    }
    let off: Vec<String> = known
        .iter()
        .filter(|(_, offset)| offset.abs() > CLOCK_TOLERANCE)
        .map(|(name, offset)| {
            let way = if *offset > chrono::Duration::zero() {
                "ahead of"
            } else {
                "behind"
            };
            format!("{} {way} {name}", span(offset.abs()))
        })
        .collect();
    let names: Vec<&str> = known.iter().map(|(name, _)| *name).collect();
    if off.is_empty() {
        return report.ok(
            "clocks",
            format!(
                "this machine's clock agrees with {} (within a minute)",
                names.join(" and ")
            ),
        );
    }
    report.warn(
        "clocks",
        format!(
            "this machine's clock is {}: doks-auth judges lifetimes by the servers' clocks, but other tools may not",
            off.join(" and ")
        ),
        Some("set the clock right, e.g. turn on NTP (`timedatectl set-ntp true`)".into()),
    );
}

/// "2 h 0 min", "5 min 3 s", "75 s" rounded to what matters.
fn span(d: chrono::Duration) -> String {
    let secs = d.num_seconds();
    match secs {
        s if s >= 3600 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s if s >= 120 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests;
