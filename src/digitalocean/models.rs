//! The parts of DigitalOcean's answers that doks-auth uses, as its OpenAPI models name them.

use serde::{Deserialize, Serialize};

/// The parts of a cluster object (`models/cluster_read.yml`) that doks-auth uses.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Cluster {
    pub id: String,
    pub name: String,
    pub region: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub status: Option<ClusterStatus>,
    #[serde(default)]
    pub sso: Option<ClusterSso>,
}

/// A cluster's single sign-on (`models/sso.yml`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ClusterSso {
    #[serde(default)]
    pub enabled: bool,
    /// Every non-SSO credential is refused.
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub issuer_url: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ClusterStatus {
    #[serde(default)]
    pub state: Option<String>,
}

/// Whom a token belongs to (`GET /v2/account`): what `doctor` and `whoami` show.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct AccountInfo {
    #[serde(default)]
    pub email: Option<String>,
    /// Present only for a token made in a team context.
    #[serde(default)]
    pub team: Option<Team>,
    /// `active`, `warning` or `locked`.
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Team {
    #[serde(default)]
    pub name: Option<String>,
}
