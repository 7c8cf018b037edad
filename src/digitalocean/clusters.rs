//! Finding a cluster: by id or by name (through the whole cluster list), and the API server and
//! CA that come with its credentials.

use super::answer::ApiCredentials;
use super::api::{Client, Cluster};
use crate::credential::ClusterId;
use crate::error::{Error, Result};

/// How the user named the cluster.
#[derive(Debug, PartialEq, Eq)]
pub enum ClusterRef {
    Id(ClusterId),
    Name(String),
}

impl ClusterRef {
    /// A UUID (DigitalOcean's ids) is an id; anything else is a cluster name.
    pub fn parse(raw: &str) -> Result<Self> {
        if ClusterId::is_uuid(raw) {
            Ok(ClusterRef::Id(ClusterId::parse(raw)?))
        } else {
            Ok(ClusterRef::Name(raw.to_string()))
        }
    }
}

/// The one cluster called `name`, with its id.
pub async fn by_name(client: &Client, name: &str) -> Result<(ClusterId, Cluster)> {
    let clusters = client.clusters().await?;
    let cluster = pick_by_name(clusters, name)?;
    let id = ClusterId::parse(&cluster.id).map_err(|_| Error::UnexpectedResponse {
        url: "/v2/kubernetes/clusters".into(),
        reason: format!(
            "cluster {:?} has an id that is not a UUID",
            crate::error::one_line(name)
        ),
    })?;
    Ok((id, cluster))
}

fn pick_by_name(clusters: Vec<Cluster>, name: &str) -> Result<Cluster> {
    let (mut matching, others): (Vec<Cluster>, Vec<Cluster>) =
        clusters.into_iter().partition(|c| c.name == name);
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 => {
            let mut known: Vec<String> = others
                .iter()
                .map(|c| crate::error::one_line(&c.name))
                .collect();
            known.sort();
            known.dedup();
            const SHOWN: usize = 20;
            let more = known.len().saturating_sub(SHOWN);
            known.truncate(SHOWN);
            let mut known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            if more > 0 {
                known.push_str(&format!(" and {more} more"));
            }
            Err(Error::ClusterNotFound {
                name: crate::error::one_line(name),
                known,
            })
        }
        count => Err(Error::AmbiguousClusterName {
            name: crate::error::one_line(name),
            count,
            ids: matching
                .iter()
                .map(|c| crate::error::one_line(&c.id))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Takes the server and CA out of the credentials answer; the rest is the credential itself.
pub fn endpoint(mut answer: ApiCredentials, url: &str) -> Result<(String, String, ApiCredentials)> {
    let missing = |field: &str| Error::UnexpectedResponse {
        url: url.to_string(),
        reason: format!("the answer has no {field}"),
    };
    let server = answer
        .server
        .take()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("server"))?;
    let ca = answer
        .certificate_authority_data
        .take()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("certificate_authority_data"))?;
    Ok((server.trim().to_string(), ca.trim().to_string(), answer))
}

#[cfg(test)]
mod tests;
