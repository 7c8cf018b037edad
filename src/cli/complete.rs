//! Completion that knows your clusters and contexts (clap_complete's dynamic completion: the
//! shell runs `_DOKS_AUTH_COMPLETE=<shell> doks-auth -- <words>` on TAB). Each source is bounded by a short
//! timeout and silent on failure: a TAB that cannot ask offers nothing rather than an error.

use std::time::{Duration, Instant};

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use serde_json::Value;

use crate::digitalocean::{DEFAULT_API_URL, api, token};
use crate::http;
use crate::kubeconfig::files::{self, Files};
use crate::settings::{self, AccountRequest};

/// Bound on asking DigitalOcean for the cluster names: a TAB must not hang.
const API_WAIT: Duration = Duration::from_secs(3);

/// `kubeconfig save <TAB>`: the account's cluster names, with the token get-credential would use
/// (DIGITALOCEAN_CONTEXT, DIGITALOCEAN_ACCESS_TOKEN, doctl's current context) and
/// DIGITALOCEAN_API_URL when set.
pub fn clusters() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let api_url =
            std::env::var("DIGITALOCEAN_API_URL").unwrap_or_else(|_| DEFAULT_API_URL.to_string());
        let context = std::env::var("DIGITALOCEAN_CONTEXT").ok();
        let request = AccountRequest {
            access_token: None,
            context: context.as_deref(),
            api_url: &api_url,
            timeout: API_WAIT.as_secs(),
        };
        let listed = settings::account(&request)
            .and_then(|account| api::Client::new(&account, Instant::now()))
            .and_then(|client| http::block_on(client.clusters()));
        candidates(listed.unwrap_or_default().into_iter().map(|c| c.name))
    })
}

/// `--context <TAB>` where it names a doctl auth context.
pub fn doctl_contexts() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let names = token::every_context().unwrap_or_default();
        candidates(
            names
                .into_iter()
                .map(|(name, _)| name)
                // The environment's token and an unreadable file are not contexts.
                .filter(|name| !name.starts_with('$') && name != "doctl config"),
        )
    })
}

/// `doctor --context <TAB>`, `whoami`, `login`: the kubeconfig's contexts.
pub fn kube_contexts() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let Ok(files) = Files::from_env() else {
            return Vec::new();
        };
        let docs = files
            .paths()
            .iter()
            .filter_map(|path| files::load(&files::resolve_target(path)).ok());
        let names: Vec<String> = docs
            .flat_map(|loaded| {
                let contexts = loaded
                    .doc
                    .get("contexts")
                    .and_then(Value::as_array)
                    .cloned();
                contexts.into_iter().flatten()
            })
            .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        candidates(names.into_iter())
    })
}

/// Only names a shell can take as they are: they come from servers and files, and the shell
/// puts them on the command line (an escape sequence or a space would do harm or split).
fn candidates(names: impl Iterator<Item = String>) -> Vec<CompletionCandidate> {
    let mut names: Vec<String> = names
        .filter(|n| {
            !n.is_empty()
                && n.len() <= 253
                && n.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'-' | b'.' | b'_' | b'@' | b':' | b'/')
                })
        })
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(CompletionCandidate::new).collect()
}
