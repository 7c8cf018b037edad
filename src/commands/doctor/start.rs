//! A machine where kubectl has nothing to use yet: no kubeconfig, or one without a current
//! context. There is no context to check; the way forward is to save a cluster (after storing a
//! token, when none is found), not to pass --context.

use serde_json::Value;

use crate::digitalocean::token;
use crate::error::Error;
use crate::invoked::CMD;
use crate::kubeconfig::files::{self, Files};

/// What is missing and what to do, when nothing names a context to check; `None` when there is
/// one (or the kubeconfig cannot be read: the context step reports that as it is).
pub(super) fn nothing_to_check(context: Option<&str>) -> Option<(String, String)> {
    if context.is_some() {
        return None;
    }
    let files = Files::from_env().ok()?;
    let mut docs = Vec::new();
    for path in files.paths() {
        let target = files::resolve_target(path);
        if target.exists() {
            docs.push(files::load(&target).ok()?.doc);
        }
    }
    let contexts = |doc: &Value| {
        doc.get("contexts")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let current = docs.iter().any(|doc| {
        doc.get("current-context")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty())
    });
    if current {
        return None;
    }
    let paths: Vec<String> = files
        .paths()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let known: usize = docs.iter().map(contexts).sum();
    let detail = match (docs.is_empty(), known) {
        (true, _) => format!("no kubeconfig yet ({} does not exist)", paths.join(", ")),
        (false, 0) => format!("the kubeconfig ({}) has no contexts", paths.join(", ")),
        (false, n) => format!(
            "the kubeconfig ({}) has {n} context{} but no current one",
            paths.join(", "),
            if n == 1 { "" } else { "s" }
        ),
    };
    let save = format!(
        "run `{CMD} kubeconfig save <cluster>` (`{CMD} clusters` lists them): it adds the cluster and makes it the current context"
    );
    let context = std::env::var("DIGITALOCEAN_CONTEXT").ok();
    let fix = match token::resolve(None, context.as_deref()) {
        Err(Error::NoToken) => format!(
            "no DigitalOcean token is found either: run `{CMD} auth init` to store one, then {}",
            save.trim_start_matches("run ")
        ),
        _ if known > 0 => {
            format!("{save}; or pick one you have with `kubectl config use-context NAME`")
        }
        _ => save,
    };
    Some((detail, fix))
}
