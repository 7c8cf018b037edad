//! A machine where kubectl has nothing to use yet: no kubeconfig, or one without a current
//! context. There is no context to check; the way forward is to save a cluster (after storing a
//! token, when none is found), not to pass --context.

use serde_json::Value;

use crate::digitalocean::token;
use crate::error::{Error, one_line};
use crate::invoked::CMD;
use crate::kubeconfig::files::{self, Files};

/// What is missing and what to do, when nothing names a context to check, or the context asked
/// for has no kubeconfig at all to be in; `None` when there is one to check (or the kubeconfig
/// cannot be read: the context step reports that as it is).
pub(super) fn nothing_to_check(context: Option<&str>) -> Option<(String, String)> {
    let files = Files::from_env().ok()?;
    let mut docs = Vec::new();
    for path in files.paths() {
        let target = files::resolve_target(path);
        if target.exists() {
            docs.push(files::load(&target).ok()?.doc);
        }
    }
    let paths: Vec<String> = files
        .paths()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let save = &format!(
        "`{CMD} kubeconfig save <cluster>` (`{CMD} clusters` lists them): it adds the cluster and makes it the current context"
    );
    if let Some(name) = context {
        // A kubeconfig that exists is the context step's to search, naming the contexts it has.
        if !docs.is_empty() {
            return None;
        }
        let detail = format!(
            "no kubeconfig yet ({} does not exist), so no context {:?}",
            paths.join(", "),
            one_line(name)
        );
        let save = format!(
            "{save}; `--alias {}` gives the context that name",
            shell_words::quote(&one_line(name))
        );
        return Some((detail, then_save(&save, None)));
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
    let or_use = (known > 0).then_some("pick one you have with `kubectl config use-context NAME`");
    Some((detail, then_save(save, or_use)))
}

/// Run `save` (a command and what it does), after storing a token when `kubeconfig save` would
/// find none; `or` is another way forward once there is a token.
fn then_save(save: &str, or: Option<&str>) -> String {
    let context = std::env::var("DIGITALOCEAN_CONTEXT").ok();
    match token::resolve(None, context.as_deref()) {
        Err(Error::NoToken) => {
            format!(
                "no DigitalOcean token is found either: run `{CMD} auth init` to store one, then {save}"
            )
        }
        // DIGITALOCEAN_CONTEXT names a context doctl's config does not have: that name is the
        // one `kubeconfig save` will look for, so it is the one to store.
        Err(Error::UnknownContext { name, .. }) => format!(
            "DIGITALOCEAN_CONTEXT names doctl auth context {name:?}, which has no token yet: run `{CMD} auth init --context {}` to store one, then {save}",
            shell_words::quote(&name)
        ),
        _ => match or {
            Some(or) => format!("run {save}; or {or}"),
            None => format!("run {save}"),
        },
    }
}
