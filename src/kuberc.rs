//! kubectl's credential plugin policy (kubectl 1.35 and later), read from kuberc as kubectl reads
//! it: `$KUBERC` (`off` turns kuberc off, as does `KUBECTL_KUBERC=false`), else `~/.kube/kuberc`;
//! `credentialPluginPolicy` is `AllowAll` (or unset), `DenyAll`, or `Allowlist` with
//! `credentialPluginAllowlist` entries (`command:`, formerly `name:`), each a bare name or a
//! path. An entry matches the stanza's command as written, or after both are looked up on PATH
//! (client-go's `exec.LookPath`; no symlink is followed).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::one_line;
use crate::gopath;

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
        // kubectl's home folder is client-go's (on Windows not always the profile folder).
        None => match crate::platform::home_dir() {
            Some(home) => (home.join(".kube").join("kuberc"), false),
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
    // kubectl 1.37 refuses a kuberc with no valid Preference document when it was named
    // ($KUBERC), but only warns and goes on without one at the default place.
    if !explicit && !text.trim().is_empty() && chosen(&text).is_ok_and(|doc| doc.is_none()) {
        return Ok(allow_all(Some(path)));
    }
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

/// The versions of kubectl's `Preference` kind kubectl 1.37 reads; v1alpha1 has no credential
/// plugin fields (kubectl ignores them there as unknown).
const PREFERENCE: [&str; 2] = [
    "kubectl.config.k8s.io/v1beta1",
    "kubectl.config.k8s.io/v1alpha1",
];

/// The policy of a kuberc's text, with client-go's checks of it. As kubectl 1.37: of several
/// YAML documents the first that is a valid `Preference` counts, the others are skipped; none
/// valid is an error (kubectl then runs nothing); a repeated key takes its last value.
pub fn parse(text: &str) -> Result<Policy, String> {
    if text.trim().is_empty() {
        return Ok(Policy::AllowAll);
    }
    let doc = chosen(text)?.ok_or_else(|| {
        "no document in it is a valid kubectl Preference (apiVersion kubectl.config.k8s.io/v1beta1, kind Preference), so kubectl refuses it and runs nothing".to_string()
    })?;
    if doc.get("apiVersion").and_then(Value::as_str) != Some(PREFERENCE[0]) {
        return Ok(Policy::AllowAll);
    }
    policy(&doc)
}

/// The document kubectl takes its preferences from: the first valid `Preference`, if any.
fn chosen(text: &str) -> Result<Option<Value>, String> {
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options)
        .map_err(|_| "it is not YAML".to_string())?;
    Ok(docs.into_iter().find(preference))
}

/// Whether kubectl takes `doc` as its preferences: kind and version, and fields that decode
/// (an allowlist entry naming two different commands in `command:` and `name:` does not).
fn preference(doc: &Value) -> bool {
    let str_or_absent = |v: Option<&Value>| v.is_none_or(|v| v.is_null() || v.is_string());
    doc.get("kind").and_then(Value::as_str) == Some("Preference")
        && doc
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| PREFERENCE.contains(&v))
        && str_or_absent(doc.get("credentialPluginPolicy"))
        && doc
            .get("credentialPluginAllowlist")
            .filter(|v| !v.is_null())
            .is_none_or(|list| {
                list.as_array().is_some_and(|entries| {
                    entries.iter().all(|e| {
                        let (command, name) = (e.get("command"), e.get("name"));
                        str_or_absent(command)
                            && str_or_absent(name)
                            && match (
                                command.and_then(Value::as_str),
                                name.and_then(Value::as_str),
                            ) {
                                (Some(c), Some(n)) => c == n,
                                _ => true,
                            }
                    })
                })
            })
}

/// The policy of kubectl's chosen `Preference` document.
fn policy(doc: &Value) -> Result<Policy, String> {
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
        ("Allowlist", Some(entries)) => match entries.iter().find(|e| gopath::clean(e) != **e) {
            Some(entry) => Err(format!(
                "credentialPluginAllowlist entry {:?} is not a normalized path ({:?}), which kubectl refuses",
                one_line(entry),
                gopath::clean(entry)
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
    let why = match &kuberc.policy {
        Policy::DenyAll => format!(
            "{file} sets credentialPluginPolicy DenyAll: kubectl 1.35 and later will not run {command}"
        ),
        _ => format!(
            "{file}'s credentialPluginAllowlist does not allow {command}: kubectl 1.35 and later will not run it"
        ),
    };
    // `kubectl kuberc set` splits an --allowlist-entry at commas, so such an entry cannot be
    // kept by it: the only way that keeps it is editing the file.
    if let Some(entry) = entries.iter().find(|e| e.contains(',')) {
        return Verdict::Refused {
            why,
            fix: format!(
                "add `- command: {command}` under credentialPluginAllowlist in {file} by hand (`kubectl kuberc set --allowlist-entry` cannot keep the existing entry {:?}: it splits entries at commas)",
                one_line(entry)
            ),
        };
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
    if entry == gopath::clean(command) {
        return true;
    }
    match (look_path(entry), look_path(command)) {
        (Some(entry), Some(command)) => entry == command,
        _ => false,
    }
}

/// Go's `exec.LookPath`: a name with a slash is itself (when executable), else the first
/// executable file of that name on PATH.
fn look_path(name: &str) -> Option<String> {
    let executable = |path: &Path| {
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && crate::platform::is_executable(&m))
    };
    if crate::platform::is_path(name) {
        return executable(Path::new(name)).then(|| gopath::clean(name));
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
