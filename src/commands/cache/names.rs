//! What `cache list` can say about an entry beyond its file: the kubeconfig contexts and cluster
//! whose user runs `doks-auth get-credential` for its cluster, and which token (doctl context or
//! environment variable) its account fingerprint is. All of it read locally, none of it secret;
//! whatever cannot be read is left out, never an error (the cache must stay inspectable).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::cli;
use crate::digitalocean::DEFAULT_API_URL;
use crate::kubeconfig::{files, ownership};
use crate::settings::{self, AccountRequest};

/// One kubeconfig context that uses a cluster's credentials.
#[derive(Clone, Debug, Default)]
pub struct KubeUse {
    pub context: String,
    pub cluster: String,
    /// The stanza's `--refresh-margin`, the one get-credential serves by.
    pub refresh_margin: Option<u64>,
}

#[derive(Default)]
pub struct Names {
    /// By cluster id.
    pub kube: BTreeMap<String, Vec<KubeUse>>,
    /// Account fingerprint → the token's name as the user knows it.
    pub accounts: BTreeMap<String, String>,
}

impl Names {
    pub fn find() -> Names {
        let docs = kubeconfigs();
        let mut names = Names::default();
        let mut api_urls = vec![DEFAULT_API_URL.to_string()];
        for doc in &docs {
            for user in list(doc, "users") {
                let (Some(id), Some(user_name)) = (
                    ownership::user_cluster_id(user),
                    user.get("name").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let parsed = user
                    .pointer("/user/exec/args")
                    .and_then(|a| serde_json::from_value::<Vec<String>>(a.clone()).ok())
                    .and_then(|args| cli::parse_stanza_args(&args).ok());
                if let Some(args) = &parsed {
                    api_urls.push(args.account.api_url.clone());
                }
                for context in docs.iter().flat_map(|d| list(d, "contexts")) {
                    if context.pointer("/context/user").and_then(Value::as_str) != Some(user_name) {
                        continue;
                    }
                    let text = |p: &str| {
                        context
                            .pointer(p)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    names.kube.entry(id.to_string()).or_default().push(KubeUse {
                        context: text("/name"),
                        cluster: text("/context/cluster"),
                        refresh_margin: parsed.as_ref().map(|a| a.refresh_margin),
                    });
                }
            }
        }
        api_urls.sort();
        api_urls.dedup();
        for api_url in &api_urls {
            let request = AccountRequest {
                access_token: None,
                context: None,
                api_url,
                timeout: 1,
            };
            for (name, account) in settings::every_account(&request).unwrap_or_default() {
                if let Ok(account) = account {
                    let name = match name.strip_prefix('$') {
                        Some(_) => name,
                        None => format!("doctl context {name}"),
                    };
                    names.accounts.entry(account.fingerprint()).or_insert(name);
                }
            }
        }
        names
    }
}

/// Every kubeconfig kubectl would read that can be read.
fn kubeconfigs() -> Vec<Value> {
    let Ok(files) = files::Files::from_env() else {
        return Vec::new();
    };
    files
        .paths()
        .iter()
        .filter_map(|path| files::load(&files::resolve_target(path)).ok())
        .map(|loaded| loaded.doc)
        .collect()
}

fn list<'a>(doc: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    doc.get(key).and_then(Value::as_array).into_iter().flatten()
}
