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

use crate::error::{Error, Result};
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

pub fn resolve(flag: Option<&str>, context: Option<&str>) -> Result<Secret> {
    resolve_traced(flag, context).map(|(token, _)| token)
}

/// [`resolve`], with where the token came from (`DIGITALOCEAN_ACCESS_TOKEN`, `doctl context
/// "work" in …`), for `doctor`: never the token itself.
pub fn resolve_traced(flag: Option<&str>, context: Option<&str>) -> Result<(Secret, String)> {
    resolve_from(
        flag,
        context,
        &|name| std::env::var(name).ok(),
        doctl_config_path().as_deref(),
    )
}

/// Every token there is, for `clusters --all-contexts`, each named as the user knows it: the
/// environment's (`$DIGITALOCEAN_ACCESS_TOKEN`, else `$DIGITALOCEAN_TOKEN`), then doctl's
/// `default` and each of its auth contexts. A token that cannot be used is that context's error,
/// not the whole command's.
pub fn every_context() -> Result<Vec<(String, Result<Secret>)>> {
    every_context_from(
        &|name| std::env::var(name).ok(),
        doctl_config_path().as_deref(),
    )
}

fn every_context_from(
    env: &dyn Fn(&str) -> Option<String>,
    config_path: Option<&Path>,
) -> Result<Vec<(String, Result<Secret>)>> {
    let mut found = Vec::new();
    let from_env = ["DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_TOKEN"]
        .into_iter()
        .find_map(|variable| Some((variable, env(variable).filter(|v| !v.trim().is_empty())?)));
    if let Some((variable, token)) = from_env {
        let token = checked(&token, variable.into()).map(|(token, _)| token);
        found.push((format!("${variable}"), token));
    }
    if let Some(path) = config_path
        && let Some(config) = read_config(path)?
    {
        let mut names: Vec<&str> = config
            .auth_contexts
            .iter()
            .flat_map(|c| c.keys().map(String::as_str))
            .filter(|name| *name != "default")
            .collect();
        if config
            .access_token
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty())
        {
            names.insert(0, "default");
        }
        for name in names {
            let token = token_for_context(&config, name, path).map(|(token, _)| token);
            found.push((name.to_string(), token));
        }
    }
    if found.is_empty() {
        return Err(Error::NoToken);
    }
    Ok(found)
}

/// doctl keeps its config in the platform's config folder (`$XDG_CONFIG_HOME` or `~/.config`
/// on Linux, `~/Library/Application Support` on macOS).
pub fn doctl_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("doctl").join("config.yaml"))
}

fn resolve_from(
    flag: Option<&str>,
    context: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    config_path: Option<&Path>,
) -> Result<(Secret, String)> {
    let nonempty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    if let Some(token) = nonempty(flag.map(str::to_string)) {
        debug!("token: from --access-token");
        return checked(&token, "--access-token".into());
    }
    let context = nonempty(context.map(str::to_string));
    // doctl's `default` context is its access token, which DIGITALOCEAN_ACCESS_TOKEN overrides
    // as for no context at all; any other context is read from the config file alone.
    let default_context = context.as_deref() == Some("default");
    if let Some(name) = context.filter(|_| !default_context) {
        let path = config_path.ok_or(Error::NoToken)?;
        let config = read_config(path)?.ok_or_else(|| Error::DoctlConfig {
            path: path.to_path_buf(),
            reason: format!("it does not exist, so context {name:?} cannot be read; run `doctl auth init --context {name}`"),
        })?;
        return token_for_context(&config, &name, path);
    }
    for variable in ["DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_TOKEN"] {
        if let Some(token) = nonempty(env(variable)) {
            debug!("token: from {variable}");
            return checked(&token, variable.into());
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
fn checked(token: &str, origin: String) -> Result<(Secret, String)> {
    let token = token.trim();
    if token.bytes().all(|b| b.is_ascii_graphic()) {
        Ok((Secret::new(token), origin))
    } else {
        Err(Error::InvalidToken { origin })
    }
}

fn token_for_context(config: &DoctlConfig, name: &str, path: &Path) -> Result<(Secret, String)> {
    let token = if name == "default" {
        config.access_token.clone()
    } else {
        config
            .auth_contexts
            .as_ref()
            .and_then(|c| c.get(name).cloned())
    };
    match token.filter(|t| !t.trim().is_empty()) {
        Some(token) => {
            debug!("token: doctl context {name:?} from {}", path.display());
            let origin = format!(
                "doctl context {:?} in {}",
                crate::error::one_line(name),
                path.display()
            );
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
mod tests {
    use super::*;

    const CONFIG: &str = "access-token: dop_v1_default\ncontext: work\nauth-contexts:\n  work: dop_v1_work\n  home: dop_v1_home\noutput: text\n";

    fn config_file(text: &str) -> tempfile::TempPath {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file.into_temp_path()
    }

    fn resolve(
        flag: Option<&str>,
        context: Option<&str>,
        env: &[(&str, &str)],
        path: Option<&Path>,
    ) -> Result<String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        resolve_from(flag, context, &lookup, path).map(|(s, _)| s.expose().to_string())
    }

    #[test]
    fn every_context_is_listed_once_the_environments_first() {
        let file = config_file(CONFIG);
        let env = |name: &str| (name == "DIGITALOCEAN_TOKEN").then(|| "dop_v1_env".to_string());
        let found = every_context_from(&env, Some(&file)).unwrap();
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["$DIGITALOCEAN_TOKEN", "default", "home", "work"]);
        assert_eq!(found[2].1.as_ref().unwrap().expose(), "dop_v1_home");
        // A context whose token is unusable is its own error; the others stay.
        let file = config_file("auth-contexts:\n  bad: \"dop v1\"\n  good: dop_v1_good\n");
        let found = every_context_from(&|_| None, Some(&file)).unwrap();
        assert!(matches!(found[0].1, Err(Error::InvalidToken { .. })));
        assert_eq!(found[1].1.as_ref().unwrap().expose(), "dop_v1_good");
        assert!(matches!(
            every_context_from(&|_| None, None),
            Err(Error::NoToken)
        ));
    }

    #[test]
    fn precedence_follows_doctl() {
        let path = config_file(CONFIG);
        let env = [
            ("DIGITALOCEAN_ACCESS_TOKEN", "env_access"),
            ("DIGITALOCEAN_TOKEN", "env_token"),
        ];
        let p = Some(path.as_ref());
        assert_eq!(
            resolve(Some("flag"), Some("home"), &env, p).unwrap(),
            "flag"
        );
        assert_eq!(resolve(None, Some("home"), &env, p).unwrap(), "dop_v1_home");
        // doctl's default context is its access token, which the environment overrides; the
        // config file's current context (`work`) does not count then.
        assert_eq!(
            resolve(None, Some("default"), &env, p).unwrap(),
            "env_access"
        );
        assert_eq!(
            resolve(None, Some("default"), &[], p).unwrap(),
            "dop_v1_default"
        );
        assert_eq!(resolve(None, None, &env, p).unwrap(), "env_access");
        assert_eq!(resolve(None, None, &env[1..], p).unwrap(), "env_token");
        assert_eq!(
            resolve(None, None, &[("DIGITALOCEAN_ACCESS_TOKEN", " ")], p).unwrap(),
            "dop_v1_work"
        );
        let no_context = config_file("access-token: dop_v1_default\n");
        assert_eq!(
            resolve(None, None, &[], Some(no_context.as_ref())).unwrap(),
            "dop_v1_default"
        );
    }

    #[test]
    fn the_origin_names_where_the_token_came_from_never_the_token() {
        let path = config_file(CONFIG);
        let p = Some(path.as_ref());
        let origin = |flag, context, env: &[(&str, &str)]| {
            let lookup = |name: &str| {
                env.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            };
            resolve_from(flag, context, &lookup, p).unwrap().1
        };
        assert_eq!(origin(Some("dop_v1_flag"), None, &[]), "--access-token");
        assert_eq!(
            origin(None, None, &[("DIGITALOCEAN_TOKEN", "dop_v1_env")]),
            "DIGITALOCEAN_TOKEN"
        );
        let from_file = origin(None, None, &[]);
        assert_eq!(
            from_file,
            format!("doctl context \"work\" in {}", path.display())
        );
        assert!(!from_file.contains("dop_v1"), "{from_file}");
        assert!(origin(None, Some("home"), &[]).starts_with("doctl context \"home\""));
    }

    #[test]
    fn missing_token_and_context_errors_are_helpful() {
        let missing = Path::new("/nonexistent/doctl/config.yaml");
        let err = resolve(None, None, &[], Some(missing))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("DIGITALOCEAN_ACCESS_TOKEN") && err.contains("doctl auth init"),
            "{err}"
        );
        let path = config_file(CONFIG);
        let err = resolve(None, Some("nope"), &[], Some(path.as_ref()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"nope\"") && err.contains("default, home, work"),
            "{err}"
        );
        assert!(!err.contains("dop_v1"), "{err}");
        let err = resolve(None, Some("work"), &[], Some(missing))
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn tokens_with_invisible_characters_are_refused_naming_the_source() {
        let path = config_file("access-token: \"dop_v1_se\\u001bcret\"\n");
        for (flag, env, source) in [
            (Some("dop_v1_se\ncret"), vec![], "--access-token"),
            (
                None,
                vec![("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_se cret")],
                "DIGITALOCEAN_ACCESS_TOKEN",
            ),
            (
                None,
                vec![("DIGITALOCEAN_TOKEN", "dop_v1_séCret")],
                "DIGITALOCEAN_TOKEN",
            ),
            (None, vec![], "doctl context \"default\""),
        ] {
            let err = resolve(flag, None, &env, Some(path.as_ref())).unwrap_err();
            let text = err.to_string();
            assert!(err.is_usage(), "{text}");
            assert!(text.contains(source), "{text}");
            assert!(!text.contains("cret"), "{text}");
        }
        // Surrounding white space (a pasted newline) is trimmed, not refused.
        assert_eq!(
            resolve(Some(" dop_v1_ok\n"), None, &[], None).unwrap(),
            "dop_v1_ok"
        );
    }

    #[test]
    fn a_config_with_neither_a_token_nor_a_current_context_means_no_token() {
        // Contexts exist, but none is current and there is no top-level token: the same
        // "no token" error as without a config, not "context default not found".
        let path = config_file("auth-contexts:\n  work: dop_v1_work\n");
        let err = resolve(None, None, &[], Some(path.as_ref())).unwrap_err();
        assert!(matches!(err, Error::NoToken), "{err}");
    }

    #[test]
    fn an_unreadable_config_is_an_error_not_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be: reading fails, and that is not "no config".
        let err = resolve(None, None, &[], Some(dir.path())).unwrap_err();
        assert!(matches!(err, Error::DoctlConfig { .. }), "{err}");
    }

    #[test]
    fn unparsable_config_is_an_error_that_quotes_nothing() {
        let path = config_file("access-token: [dop_v1_secret\n");
        let err = resolve(None, None, &[], Some(path.as_ref()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not doctl's YAML"), "{err}");
        assert!(!err.contains("dop_v1_secret"), "{err}");
    }
}
