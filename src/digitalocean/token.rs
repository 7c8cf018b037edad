//! Where the DigitalOcean token comes from, in doctl's order of precedence, so a machine set up
//! for doctl needs nothing more:
//! 1. `--access-token`;
//! 2. with `--context` / `DIGITALOCEAN_CONTEXT`, that context in doctl's config file;
//! 3. `DIGITALOCEAN_ACCESS_TOKEN` (doctl's variable), then `DIGITALOCEAN_TOKEN` (pydo's, Terraform's);
//! 4. doctl's config file: its current `context`, else its `access-token`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use log::debug;
use serde::Deserialize;

use crate::error::{Error, Result, TokenOrigin};
use crate::secret::Secret;

/// The parts of `doctl/config.yaml` that hold tokens. doctl calls its top-level token context
/// "default".
#[derive(Deserialize)]
struct DoctlConfig {
    #[serde(rename = "access-token")]
    access_token: Option<String>,
    context: Option<String>,
    #[serde(rename = "auth-contexts")]
    auth_contexts: Option<BTreeMap<String, String>>,
}

/// A token and where it came from.
pub type Found = (Secret, TokenOrigin);

pub fn resolve(flag: Option<&str>, context: Option<&str>) -> Result<(Secret, TokenOrigin)> {
    resolve_traced(flag, context)
}

/// [`resolve`], with where the token came from (`DIGITALOCEAN_ACCESS_TOKEN`, `doctl context
/// "work" in …`), for `doctor`: never the token itself.
pub fn resolve_traced(flag: Option<&str>, context: Option<&str>) -> Result<(Secret, TokenOrigin)> {
    let env = crate::environ::var;
    // doctl's config is named only when the flag and the environment have no token: a cache
    // hit with DIGITALOCEAN_ACCESS_TOKEN looks up no more than its answer needs. Without a path
    // `resolve_from` reaches the config only to say NoToken, so the second pass is the same
    // resolution with the path.
    match resolve_from(flag, context, &env, None) {
        Err(Error::NoToken) => resolve_from(flag, context, &env, doctl_config_path().as_deref()),
        resolved => resolved,
    }
}

/// Every token there is, for `clusters --all-contexts`, each named as the user knows it: the
/// environment's (`$DIGITALOCEAN_ACCESS_TOKEN`, else `$DIGITALOCEAN_TOKEN`), then doctl's
/// `default` and each of its auth contexts. A token that cannot be used is that context's error,
/// not the whole command's.
pub fn every_context() -> Result<Vec<(String, Result<Found>)>> {
    every_context_from(
        &|name| std::env::var(name).ok(),
        doctl_config_path().as_deref(),
    )
}

fn every_context_from(
    env: &dyn Fn(&str) -> Option<String>,
    config_path: Option<&Path>,
) -> Result<Vec<(String, Result<Found>)>> {
    let mut found = Vec::new();
    let from_env = ["DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_TOKEN"]
        .into_iter()
        .find_map(|variable| Some((variable, env(variable).filter(|v| !v.trim().is_empty())?)));
    if let Some((variable, token)) = from_env {
        let token = checked(&token, TokenOrigin::Env(variable));
        found.push((format!("${variable}"), token));
    }
    // An unreadable doctl config is that source's error; the environment's token still lists.
    let config = match config_path.map(read_config).transpose() {
        Ok(config) => config.flatten(),
        Err(err) => {
            found.push(("doctl config".to_string(), Err(err)));
            None
        }
    };
    if let (Some(path), Some(config)) = (config_path, config) {
        let mut names: Vec<String> = config
            .auth_contexts
            .iter()
            .flat_map(|c| c.keys().map(|k| k.to_lowercase()))
            .filter(|name| name != "default")
            .collect();
        if config
            .access_token
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty())
        {
            names.insert(0, "default".to_string());
        }
        for name in names {
            let token = token_for_context(&config, &name, path);
            found.push((name.to_string(), token));
        }
    }
    if found.is_empty() {
        return Err(Error::NoToken);
    }
    Ok(found)
}

/// doctl keeps its config in the platform's config folder (`$XDG_CONFIG_HOME` or `~/.config`
/// on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).
pub fn doctl_config_path() -> Option<PathBuf> {
    crate::platform::doctl_config_dir().map(|dir| dir.join("config.yaml"))
}

fn resolve_from(
    flag: Option<&str>,
    context: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    config_path: Option<&Path>,
) -> Result<(Secret, TokenOrigin)> {
    let nonempty = |value: Option<String>| value.filter(|v| !crate::ascii::trim(v).is_empty());
    if let Some(token) = nonempty(flag.map(str::to_string)) {
        debug!("token: from --access-token");
        return checked(&token, TokenOrigin::Flag);
    }
    let context = nonempty(context.map(str::to_string));
    // doctl's `default` context is its access token, which DIGITALOCEAN_ACCESS_TOKEN overrides
    // as for no context at all; any other context is read from the config file alone.
    let default_context = context
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("default"));
    if let Some(name) = context.filter(|_| !default_context) {
        let path = config_path.ok_or(Error::NoToken)?;
        // No file is no such context: the same error, so every caller offers `auth init`.
        let config = read_config(path)?.ok_or_else(|| Error::UnknownContext {
            name: crate::error::one_line(&name.to_lowercase()),
            path: path.to_path_buf(),
            known: "none, the file does not exist".into(),
        })?;
        return token_for_context(&config, &name, path);
    }
    for variable in ["DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_TOKEN"] {
        if let Some(token) = nonempty(env(variable)) {
            debug!("token: from {variable}");
            return checked(&token, TokenOrigin::Env(variable));
        }
    }
    let Some(path) = config_path else {
        return Err(Error::NoToken);
    };
    let Some(config) = read_config(path)? else {
        return Err(Error::NoToken);
    };
    match config
        .context
        .as_deref()
        .filter(|c| !c.is_empty() && !default_context)
    {
        Some(name) => token_for_context(&config, name, path),
        None => token_for_context(&config, "default", path),
    }
}

/// A token goes into an HTTP header: anything but visible ASCII (a pasted newline, a control
/// character, a space inside) would fail every request, looking like a network fault. Refuse it
/// here, naming where it came from and never quoting it.
pub fn checked(token: &str, origin: TokenOrigin) -> Result<(Secret, TokenOrigin)> {
    let token = crate::ascii::trim(token);
    if crate::ascii::all_graphic(token.as_bytes()) {
        Ok((Secret::new(token), origin))
    } else {
        Err(Error::InvalidToken {
            origin: origin.to_string(),
        })
    }
}

fn token_for_context(
    config: &DoctlConfig,
    name: &str,
    path: &Path,
) -> Result<(Secret, TokenOrigin)> {
    // viper, which reads doctl's config, lower-cases every key: `--context Work` and
    // `auth-contexts: {work: …}` (or the reverse) are one context to doctl, and so here.
    let name = name.to_lowercase();
    let name = name.as_str();
    let token = if name == "default" {
        config.access_token.clone()
    } else {
        config.auth_contexts.as_ref().and_then(|c| {
            c.iter()
                .find(|(key, _)| key.to_lowercase() == name)
                .map(|(_, token)| token.clone())
        })
    };
    match token.filter(|t| !t.trim().is_empty()) {
        Some(token) => {
            debug!("token: doctl context {name:?} from {}", path.display());
            let origin = TokenOrigin::Doctl {
                context: name.to_string(),
                path: path.to_path_buf(),
            };
            checked(&token, origin)
        }
        None if name == "default" => Err(Error::NoToken),
        None => {
            let mut known: Vec<&str> = config
                .auth_contexts
                .iter()
                .flat_map(|c| c.keys().map(String::as_str))
                .collect();
            if config.access_token.is_some() {
                known.insert(0, "default");
            }
            Err(Error::UnknownContext {
                name: crate::error::one_line(name),
                path: path.to_path_buf(),
                // Names from the user's file, but printed: folded like any other text.
                known: if known.is_empty() {
                    "none".into()
                } else {
                    crate::error::one_line(&known.join(", "))
                },
            })
        }
    }
}

/// `Ok(None)` when the file does not exist. Parse errors are summarised without the parser's
/// text, which could quote a token from the file.
fn read_config(path: &Path) -> Result<Option<DoctlConfig>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(Error::DoctlConfig {
                path: path.to_path_buf(),
                reason: err.to_string(),
            });
        }
    };
    serde_saphyr::from_str(&text)
        .map(Some)
        .map_err(|_| Error::DoctlConfig {
            path: path.to_path_buf(),
            reason:
                "it is not doctl's YAML (access-token, context, auth-contexts); fix or remove it"
                    .into(),
        })
}

#[cfg(test)]
mod tests;
