//! kubectl's credential plugin policy (kubectl 1.35 and later), read from kuberc as kubectl reads
//! it: `$KUBERC` (`off` turns kuberc off, as does `KUBECTL_KUBERC=false`), else `~/.kube/kuberc`;
//! `credentialPluginPolicy` is `AllowAll` (or unset), `DenyAll`, or `Allowlist` with
//! `credentialPluginAllowlist` entries (`command:`, formerly `name:`), each a bare name or a
//! path. An entry matches the stanza's command as written, or after both are looked up on PATH
//! (client-go's `exec.LookPath`; no symlink is followed).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::one_line;

/// What kuberc says of credential plugins.
#[derive(Debug, PartialEq, Eq)]
pub enum Policy {
    /// No kuberc, kuberc turned off, no policy, or `AllowAll`.
    AllowAll,
    DenyAll,
    Allowlist(Vec<String>),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Kuberc {
    /// The file read, if one was.
    pub path: Option<PathBuf>,
    pub policy: Policy,
}

/// Whether kubectl will run a command, and if not, why and what allows it.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Runs(String),
    Refused { why: String, fix: String },
}

/// The kuberc kubectl would read in this environment. The error is a kuberc kubectl refuses
/// too, in a phrase.
pub fn load() -> Result<Kuberc, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if var("KUBECTL_KUBERC").is_some_and(|v| v.eq_ignore_ascii_case("false")) {
        return Ok(allow_all(None));
    }
    let (path, explicit) = match var("KUBERC") {
        Some(off) if off == "off" => return Ok(allow_all(None)),
        Some(path) => (PathBuf::from(path), true),
        None => match dirs::home_dir() {
            Some(home) => (home.join(".kube/kuberc"), false),
            None => return Ok(allow_all(None)),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(allow_all(None));
        }
        Err(err) => return Err(format!("cannot read kuberc {}: {err}", path.display())),
    };
    parse(&text)
        .map(|policy| Kuberc {
            path: Some(path.clone()),
            policy,
        })
        .map_err(|why| format!("kuberc {}: {why}", path.display()))
}

fn allow_all(path: Option<PathBuf>) -> Kuberc {
    Kuberc {
        path,
        policy: Policy::AllowAll,
    }
}

/// The policy of a kuberc's text, with client-go's checks of it.
pub fn parse(text: &str) -> Result<Policy, String> {
    let doc: Value = serde_saphyr::from_str(text).map_err(|_| "it is not YAML".to_string())?;
    let policy = doc
        .get("credentialPluginPolicy")
        .and_then(Value::as_str)
        .unwrap_or("");
    let list = doc
        .get("credentialPluginAllowlist")
        .filter(|v| !v.is_null());
    let entries: Option<Vec<String>> = list.map(|list| {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                e.get("command")
                    .or_else(|| e.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    });
    match (policy, entries) {
        ("" | "AllowAll", None) => Ok(Policy::AllowAll),
        ("DenyAll", None) => Ok(Policy::DenyAll),
        ("" | "AllowAll" | "DenyAll", Some(_)) => Err(format!(
            "credentialPluginAllowlist is set but credentialPluginPolicy is {:?}, which kubectl refuses",
            policy
        )),
        ("Allowlist", None) => {
            Err("credentialPluginPolicy is Allowlist but there is no credentialPluginAllowlist, which kubectl refuses".into())
        }
        ("Allowlist", Some(entries)) if entries.is_empty() || entries.iter().any(String::is_empty) => {
            Err("credentialPluginAllowlist is empty or has an empty entry, which kubectl refuses".into())
        }
        ("Allowlist", Some(entries)) => match entries.iter().find(|e| clean(e) != **e) {
            Some(entry) => Err(format!(
                "credentialPluginAllowlist entry {:?} is not a normalized path ({:?}), which kubectl refuses",
                one_line(entry),
                clean(entry)
            )),
            None => Ok(Policy::Allowlist(entries)),
        },
        (other, _) => Err(format!(
            "credentialPluginPolicy {:?} is not AllowAll, DenyAll or Allowlist",
            one_line(other)
        )),
    }
}

/// Whether kubectl under `kuberc` runs `command` (an exec stanza's, as written).
pub fn verdict(kuberc: &Kuberc, command: &str) -> Verdict {
    let file = kuberc
        .path
        .as_ref()
        .map(|p| format!("kuberc {}", p.display()))
        .unwrap_or_else(|| "kuberc".into());
    let entries = match &kuberc.policy {
        Policy::AllowAll => {
            return Verdict::Runs(match &kuberc.path {
                Some(_) => format!("{file} lets kubectl run every credential plugin"),
                None => "no kuberc sets a credential plugin policy: kubectl runs every credential plugin".into(),
            });
        }
        Policy::DenyAll => &[][..],
        Policy::Allowlist(entries) => entries.as_slice(),
    };
    if let Some(entry) = entries.iter().find(|e| matches(e, command)) {
        return Verdict::Runs(format!(
            "{file}'s credentialPluginAllowlist allows {command} (entry {entry})"
        ));
    }
    let mut allow: Vec<String> = entries.to_vec();
    allow.push(command.to_string());
    let args: Vec<String> = allow
        .iter()
        .map(|e| {
            format!(
                "--allowlist-entry {}",
                shell_words::quote(&format!("command={e}"))
            )
        })
        .collect();
    let why = match &kuberc.policy {
        Policy::DenyAll => format!(
            "{file} sets credentialPluginPolicy DenyAll: kubectl 1.35 and later will not run {command}"
        ),
        _ => format!(
            "{file}'s credentialPluginAllowlist does not allow {command}: kubectl 1.35 and later will not run it"
        ),
    };
    Verdict::Refused {
        why,
        fix: format!(
            "allow it (the entries already there kept): `kubectl kuberc set --section credentialplugin --policy Allowlist {}`",
            args.join(" ")
        ),
    }
}

/// An allowlist entry against the command: as written, else both looked up on PATH.
fn matches(entry: &str, command: &str) -> bool {
    if entry == clean(command) {
        return true;
    }
    match (look_path(entry), look_path(command)) {
        (Some(entry), Some(command)) => entry == command,
        _ => false,
    }
}

/// Go's `filepath.Clean` for what matters here: `./` and doubled slashes.
fn clean(path: &str) -> String {
    if !path.contains('/') {
        return path.to_string();
    }
    let absolute = path.starts_with('/');
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Go's `exec.LookPath`: a name with a slash is itself (when executable), else the first
/// executable file of that name on PATH.
fn look_path(name: &str) -> Option<String> {
    let executable = |path: &Path| {
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && crate::platform::is_executable(&m))
    };
    if name.contains('/') {
        return executable(Path::new(name)).then(|| clean(name));
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|p| executable(p))
        .map(|p| p.display().to_string())
}

#[cfg(test)]
mod tests;
