//! A kubeconfig context as kubectl reads it, for `doctor` and `whoami`, answered by the one
//! reader ([`super::reader`]): the files by kubectl's rules (the first file to define a name
//! wins, and the first to set `current-context`), the context's cluster (with every connection
//! field kubectl honours, [`Connection`]) and user, each with the file that defines it, and what
//! that user runs.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Kind;
use super::files::{self, Files};
use super::reader;
use crate::cluster_client::Connection;
use crate::credential::ClusterId;
use crate::error::{Error, Result, one_line};
use crate::invoked::CMD;

/// One named entry (cluster, user or context) and the file that defines it. Its `Debug` leaves
/// the body out: a user's may hold a token.
pub struct Entry {
    pub name: String,
    pub body: Value,
    pub file: PathBuf,
}

/// A context, its cluster and its user, each as the first file to define it has it.
#[derive(Debug)]
pub struct KubeContext {
    pub name: String,
    pub context_file: PathBuf,
    pub cluster: Entry,
    pub user: Entry,
}

/// What a context's user runs, told apart as `doctor` reports it.
#[derive(Debug, PartialEq, Eq)]
pub enum Auth {
    /// An exec stanza whose first argument is `get-credential`: doks-auth's.
    DoksAuth(Exec),
    /// doctl's `kubernetes cluster kubeconfig exec-credential`.
    Doctl,
    /// A static token for a DigitalOcean cluster (a control-panel download).
    StaticToken,
    /// Anything else: another program, a certificate, nothing. Says which.
    Other(String),
}

/// An exec stanza as kubectl runs it. Its `Debug` shows the env's names only and no argument:
/// either may be a token.
#[derive(Default, PartialEq, Eq)]
pub struct Exec {
    pub command: String,
    pub args: Vec<String>,
    /// `env`: set for the plugin on top of kubectl's own environment.
    pub env: Vec<(String, String)>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Exec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Exec")
            .field("command", &self.command)
            .field("args", &format_args!("<{} redacted>", self.args.len()))
            .field("env", &names)
            .finish()
    }
}

/// The files kubectl reads (`KUBECONFIG`, else `~/.kube/config`), and the context `name` (else
/// the current one) in them. The error says what is missing and in which files.
pub fn load(name: Option<&str>) -> Result<KubeContext> {
    let files = Files::from_env()?;
    let docs: Vec<(PathBuf, Value)> = files
        .paths()
        .iter()
        .map(|path| Ok((path.clone(), files::load(&files::resolve_target(path))?.doc)))
        .collect::<Result<_>>()?;
    find(&docs, name)
}

fn find(docs: &[(PathBuf, Value)], name: Option<&str>) -> Result<KubeContext> {
    let where_ = docs
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let missing = |reason: String| Error::Kubeconfig {
        path: PathBuf::from(&where_),
        reason,
    };
    let values: Vec<Value> = docs.iter().map(|(_, doc)| doc.clone()).collect();
    let name = match name {
        Some(name) => name.to_string(),
        None => reader::current(&values)
            .map(|(_, name)| name.to_string())
            .ok_or_else(|| {
                // With no context at all (no kubeconfig yet), choosing one is no way out.
                missing(match names(docs, "contexts").is_empty() {
                    true => format!(
                        "no contexts yet; save a cluster with `{CMD} kubeconfig save <cluster>` (`{CMD} clusters` lists them)"
                    ),
                    false => "no current context; pass --context NAME, or `kubectl config use-context NAME`".into(),
                })
            })?,
    };
    let context = entry(docs, "contexts", &name).ok_or_else(|| {
        let known = names(docs, "contexts");
        missing(format!(
            "no context {:?} (contexts: {}); see `kubectl config get-contexts`",
            one_line(&name),
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        ))
    })?;
    let field = |key: &str| {
        context
            .body
            .pointer(&format!("/context/{key}"))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let (Some(cluster), Some(user)) = (field("cluster"), field("user")) else {
        return Err(missing(format!(
            "context {:?} names no cluster or no user; run `{CMD} kubeconfig save <cluster>` again",
            one_line(&name)
        )));
    };
    let lookup = |list: &str, kind: &str, wanted: &str| {
        entry(docs, list, wanted).ok_or_else(|| {
            missing(format!(
                "context {:?} uses {kind} {:?}, which no file defines; run `{CMD} kubeconfig save <cluster>` again",
                one_line(&name),
                one_line(wanted)
            ))
        })
    };
    Ok(KubeContext {
        cluster: lookup("clusters", "cluster", &cluster)?,
        user: lookup("users", "user", &user)?,
        context_file: context.file,
        name,
    })
}

/// The definition of `name` in the list `list` kubectl uses (the first file's), with its file.
fn entry(docs: &[(PathBuf, Value)], list: &str, name: &str) -> Option<Entry> {
    let kind = match list {
        "clusters" => Kind::Cluster,
        "users" => Kind::User,
        _ => Kind::Context,
    };
    let values: Vec<Value> = docs.iter().map(|(_, doc)| doc.clone()).collect();
    let at = reader::effective(&values, kind, name)?;
    Some(Entry {
        name: name.to_string(),
        body: reader::get(&values, at)?.clone(),
        file: docs[at.file].0.clone(),
    })
}

fn names(docs: &[(PathBuf, Value)], list: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (_, doc) in docs {
        for e in doc
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = e.get("name").and_then(Value::as_str)
                && !found.iter().any(|n| n == name)
            {
                found.push(one_line(name));
            }
        }
    }
    found
}

impl KubeContext {
    pub fn server(&self) -> Option<&str> {
        self.cluster
            .body
            .pointer("/cluster/server")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// `insecure-skip-tls-verify: true`: kubectl would not check the server's certificate.
    pub fn skips_tls_verify(&self) -> bool {
        self.cluster
            .body
            .pointer("/cluster/insecure-skip-tls-verify")
            == Some(&Value::Bool(true))
    }

    /// The cluster entry's connection fields, for [`crate::cluster_client`], which takes them as
    /// kubectl does. The error says what is missing.
    pub fn connection(&self) -> std::result::Result<Connection, String> {
        let cluster = &self.cluster.body["cluster"];
        // As written, blanks and all: the client refuses a server kubectl would not parse.
        let server = self
            .server()
            .and(cluster.get("server").and_then(Value::as_str))
            .ok_or("the cluster entry has no server")?
            .to_string();
        let text = |key: &str| cluster.get(key).and_then(Value::as_str).map(str::to_string);
        Ok(Connection {
            server,
            certificate_authority: text("certificate-authority"),
            certificate_authority_data: text("certificate-authority-data"),
            insecure_skip_tls_verify: self.skips_tls_verify(),
            tls_server_name: text("tls-server-name"),
            proxy_url: text("proxy-url"),
            dir: self.cluster.file.parent().map(Path::to_path_buf),
        })
    }

    /// What the user runs; the cluster's server tells a control-panel token from others.
    pub fn auth(&self) -> Auth {
        let user = &self.user.body["user"];
        if let Some(exec) = user.get("exec").filter(|e| e.is_object()) {
            let exec = read_exec(exec);
            let program = Path::new(&exec.command)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if exec.args.first().map(String::as_str) == Some("get-credential") {
                return Auth::DoksAuth(exec);
            }
            if program == "doctl" && exec.args.iter().any(|a| a == "exec-credential") {
                return Auth::Doctl;
            }
            return Auth::Other(format!("runs {:?}", one_line(&exec.command)));
        }
        let has = |key: &str| {
            user.get(key)
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty())
        };
        if has("token") || has("tokenFile") {
            return match self.server().is_some_and(is_digitalocean_server) {
                true => Auth::StaticToken,
                false => Auth::Other("holds a static token".into()),
            };
        }
        if has("client-certificate-data") || has("client-certificate") {
            return Auth::Other("holds a client certificate".into());
        }
        Auth::Other("has no exec stanza and no credential".into())
    }
}

/// An exec stanza's fields; a number or boolean in `args` or `env` is taken as the text it was
/// written as, as kubectl's YAML reading into strings does.
fn read_exec(exec: &Value) -> Exec {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    Exec {
        command: exec.get("command").and_then(text).unwrap_or_default(),
        args: exec
            .get("args")
            .and_then(Value::as_array)
            .map(|args| args.iter().filter_map(text).collect())
            .unwrap_or_default(),
        env: exec
            .get("env")
            .and_then(Value::as_array)
            .map(|env| {
                env.iter()
                    .filter_map(|e| {
                        Some((
                            e.get("name").and_then(text)?,
                            e.get("value").and_then(text)?,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// `https://<uuid>.k8s.ondigitalocean.com`, where control-panel kubeconfigs point.
fn is_digitalocean_server(server: &str) -> bool {
    let host = server.strip_prefix("https://").unwrap_or_default();
    let host = host.trim_end_matches('/');
    let host = host.strip_suffix(":443").unwrap_or(host);
    host.strip_suffix(".k8s.ondigitalocean.com")
        .is_some_and(ClusterId::is_uuid)
}

impl Exec {
    /// Sets the stanza's `env` in this process, as kubectl sets it for the plugin, so the token
    /// and everything else is found where `get-credential` would find it.
    ///
    /// # Safety
    /// Only while this process has one thread: nothing may read the environment meanwhile.
    pub unsafe fn apply_env(&self) {
        for (name, value) in &self.env {
            // What set_var would panic on; kubectl could not set it either.
            if name.is_empty() || name.contains(['=', '\0']) || value.contains('\0') {
                continue;
            }
            // SAFETY: the caller's promise: no other thread.
            unsafe { std::env::set_var(name, value) };
        }
    }
}

#[cfg(test)]
mod tests;
