//! `kubeconfig convert`: users that run doctl's `exec-credential`, or hold a static token that
//! DigitalOcean issued for one of its clusters (a control-panel download), switched in place to
//! doks-auth's exec stanza. Offline: everything needed is in the file. Only the credential is
//! replaced: the rest of a converted user (impersonation, `exec.env`, fields doks-auth does not
//! know) stays, as does every other user and everything else in the document.

use std::path::Path;

use serde_json::Value;

use super::stanza::{SsoStanza, Stanza};
use super::{entries, entry_name};
use crate::credential::ClusterId;
use crate::error::one_line;

/// What a converted user ran before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Before {
    Doctl,
    DoctlSso,
    StaticToken,
}

impl Before {
    pub fn describe(self) -> &'static str {
        match self {
            Before::Doctl => "doctl exec-credential",
            Before::DoctlSso => "doctl exec-credential (SSO)",
            Before::StaticToken => "static token",
        }
    }
}

/// What `convert` did, or would do, with each user.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Conversion {
    pub converted: Vec<(String, Before)>,
    /// Users left alone, and why (for `-v`).
    pub skipped: Vec<(String, String)>,
}

/// Converts the users of `doc` that are DigitalOcean's, with `command` as the stanza's command.
pub fn convert(doc: &mut Value, command: &str) -> Conversion {
    let mut outcome = Conversion::default();
    let servers = user_servers(doc);
    let Some(users) = doc.get_mut("users").and_then(Value::as_array_mut) else {
        return outcome;
    };
    for entry in users {
        let Some(name) = entry_name(entry).map(str::to_string) else {
            continue;
        };
        let user = &entry["user"];
        let found = if user.get("exec").is_some_and(|e| !e.is_null()) {
            from_doctl(&user["exec"])
        } else if let Some(token) = static_token(user) {
            from_static(
                user,
                token,
                servers
                    .iter()
                    .filter(|(u, _)| *u == name)
                    .map(|(_, s)| s.as_str()),
            )
        } else {
            Err("neither an exec stanza nor a token".into())
        };
        match found {
            Ok((stanza, before)) => {
                install(&mut entry["user"], &stanza, command, &name);
                outcome.converted.push((name, before));
            }
            Err(why) => outcome.skipped.push((name, why)),
        }
    }
    outcome
}

/// The user's static token as kubectl sees it: a non-empty string (`token: ~` is no token).
fn static_token(user: &Value) -> Option<&str> {
    user.get("token")
        .filter(|t| !t.is_null())
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
}

/// Puts doks-auth's exec stanza in place of the credential it replaces, and nothing else: a
/// deliberately limited user (`as`, `as-groups`) must not become the account's own credential.
fn install(user: &mut Value, stanza: &Stanza, command: &str, name: &str) {
    // A credential was found in it, so it is a mapping.
    let Some(user) = user.as_object_mut() else {
        return;
    };
    match user.get_mut("exec").and_then(Value::as_object_mut) {
        // doctl's stanza: what runs (and the hint about it) is ours; the rest (env, an
        // interactiveMode chosen) is the user's. provideClusterInfo is ours too: doctl writes
        // `false`, which would keep kubectl from naming the cluster and so keep the heal after
        // a revoked credential from ever firing (the stanza must run exactly as `save` writes).
        Some(theirs) => {
            if let Some(what) = stanza.install(theirs, command) {
                log::debug!("{}: replaced {what}", one_line(name));
            }
        }
        None => {
            user.remove("token");
            user.insert("exec".into(), Value::Object(stanza.exec(command)));
        }
    }
}

/// doctl's stanza: `kubernetes cluster kubeconfig exec-credential [flags] <cluster-id>`, run by a
/// command whose file name is `doctl`, wherever it lives.
fn from_doctl(exec: &Value) -> Result<(Stanza, Before), String> {
    let command = exec
        .get("command")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if Path::new(command)
        .file_name()
        .is_none_or(|name| name != "doctl")
    {
        return Err(format!(
            "an exec stanza running {}, not doctl",
            shown(command)
        ));
    }
    let args: Vec<&str> = exec
        .get("args")
        .and_then(Value::as_array)
        .map(|args| args.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(at) = args.iter().position(|a| *a == "exec-credential") else {
        return Err("doctl, but not its exec-credential".into());
    };
    let mut stanza = Stanza::default();
    let (mut issuer, mut client_id, mut port) = (None, None, None);
    let mut ids = Vec::new();
    let mut rest = args[at + 1..].iter();
    while let Some(arg) = rest.next() {
        // As doctl's flag parser (pflag) reads them: `--name value`, `--name=value`, and for a
        // one-letter flag also `-t value`, `-t=value` and `-tvalue`.
        let (flag, inline) = if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => (format!("--{name}"), Some(value)),
                None => (format!("--{long}"), None),
            }
        } else if let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            let letter = short.chars().next().unwrap_or_default();
            let attached = &short[letter.len_utf8()..];
            let attached = attached.strip_prefix('=').unwrap_or(attached);
            (
                format!("-{letter}"),
                Some(attached).filter(|a| !a.is_empty()),
            )
        } else {
            ids.push(*arg);
            continue;
        };
        let mut value = || {
            inline
                .map(str::to_string)
                .or_else(|| rest.next().map(|v| v.to_string()))
                .ok_or_else(|| format!("doctl's {flag} has no value"))
        };
        match flag.as_str() {
            "--version" => {
                value()?;
            }
            "--context" => stanza.context = Some(value()?),
            "--sso-issuer-url" => issuer = Some(value()?),
            "--sso-client-id" => client_id = Some(value()?),
            "--sso-local-server-port" => {
                // Not quoted back: a value out of place may be the token that was meant to
                // follow -t.
                port =
                    Some(value()?.parse::<u16>().map_err(|_| {
                        "doctl's --sso-local-server-port is not a port".to_string()
                    })?);
            }
            "-u" | "--api-url" => stanza.api_url = Some(value()?),
            // The user's own choice, carried over as it was: the same token source.
            "-t" | "--access-token" => stanza.access_token = Some(value()?),
            other => {
                return Err(format!(
                    "doctl's {}, which doks-auth has no counterpart for",
                    shown(other)
                ));
            }
        }
    }
    let [id] = ids[..] else {
        return Err(format!(
            "{} cluster ids in doctl's arguments, not one",
            ids.len()
        ));
    };
    stanza.cluster_id = ClusterId::parse(id)
        .map_err(|_| "doctl's cluster id is not one".to_string())?
        .to_string();
    let before = match (issuer, client_id) {
        (Some(issuer), Some(client_id)) => {
            crate::settings::check_sso(&issuer, &client_id).map_err(|why| {
                if may_hold_token(&issuer) {
                    "doctl's --sso-issuer-url is not an https:// URL".to_string()
                } else {
                    why
                }
            })?;
            stanza.sso = Some(SsoStanza {
                issuer,
                client_id,
                port,
                device_code: false,
            });
            Before::DoctlSso
        }
        (None, None) => Before::Doctl,
        _ => {
            return Err(
                "doctl's SSO flags, but not both --sso-issuer-url and --sso-client-id".into(),
            );
        }
    };
    Ok((stanza, before))
}

/// Credentials kubectl uses instead of an exec stanza, when a user has one of them as well.
/// `tokenFile` holds a token doks-auth cannot judge without reading another file.
pub(super) const PREFERRED_OVER_EXEC: [&str; 6] = [
    "tokenFile",
    "client-certificate",
    "client-certificate-data",
    "username",
    "password",
    "auth-provider",
];

/// A static token is converted only when DigitalOcean issued it, for one DigitalOcean cluster,
/// and nothing kubectl would prefer to the new exec stanza is left next to it.
fn from_static<'a>(
    user: &Value,
    token: &str,
    servers: impl Iterator<Item = &'a str>,
) -> Result<(Stanza, Before), String> {
    let set = |field: &&&str| user.get(**field).is_some_and(|v| !v.is_null() && v != "");
    if let Some(field) = PREFERRED_OVER_EXEC.iter().find(set) {
        return Err(format!(
            "a token next to a {field}, which would keep kubectl from running doks-auth"
        ));
    }
    let found = from_token(servers)?;
    issued_by_digitalocean(token)?;
    Ok(found)
}

/// DigitalOcean's cluster tokens are DigitalOcean API tokens (each one shows in the account's
/// token list): `dop_v1_` (personal) or `doo_v1_` (OAuth) and 64 hex digits, or (older) the 64
/// hex digits alone. Anything else on a DigitalOcean cluster (a service account's JWT, a token
/// made inside the cluster) is someone's deliberate credential, which doks-auth's would replace
/// with the account's own.
pub(super) fn issued_by_digitalocean(token: &str) -> Result<(), String> {
    if is_jwt(token) {
        return Err(
            "a JWT (such as a Kubernetes service-account token), which DigitalOcean does not issue"
                .into(),
        );
    }
    // Before it added the prefixes, DigitalOcean issued the 64 hex digits alone; on a
    // DigitalOcean cluster's server (the caller's check) such a token is DigitalOcean's too.
    let hex = token
        .strip_prefix("dop_v1_")
        .or_else(|| token.strip_prefix("doo_v1_"))
        .unwrap_or(token);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(
            "a token not shaped like DigitalOcean's ([dop_v1_ or doo_v1_ and] 64 hex digits)"
                .into(),
        )
    }
}

/// Three base64url parts joined by dots (the last one empty when unsigned).
fn is_jwt(text: &str) -> bool {
    let base64url = |part: &str| {
        part.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && !parts[1].is_empty()
        && parts.iter().all(|p| base64url(p))
}

/// An argument as a reason may quote it: folded, and never one that is or may carry a token.
fn shown(arg: &str) -> String {
    if may_hold_token(arg) {
        "[hidden: it may hold a token]".into()
    } else {
        format!("{:?}", one_line(arg))
    }
}

/// `-t…` (doctl's token flag, the token attached or not), `--access-token…`, or anything with a
/// token's look: shown under `-v`, it would put the token on the terminal and in logs.
fn may_hold_token(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    (arg.starts_with("-t") && !arg.starts_with("--"))
        || lower.contains("token")
        || ["dop_v1_", "doo_v1_", "dor_v1_"]
            .iter()
            .any(|p| lower.contains(p))
        || is_jwt(arg)
}

/// The cluster a static token is for: every cluster its contexts reach must be one and the same
/// DigitalOcean cluster, `https://<uuid>.k8s.ondigitalocean.com`.
fn from_token<'a>(servers: impl Iterator<Item = &'a str>) -> Result<(Stanza, Before), String> {
    let mut ids: Vec<String> = Vec::new();
    for server in servers {
        let Some(id) = digitalocean_cluster(server) else {
            return Err(format!(
                "a token for {}, not a DigitalOcean cluster",
                one_line(server)
            ));
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    match &ids[..] {
        [id] => Ok((
            Stanza {
                cluster_id: id.clone(),
                ..Stanza::default()
            },
            Before::StaticToken,
        )),
        [] => Err("a token no context uses, so its cluster is unknown".into()),
        _ => Err("a token used for several clusters".into()),
    }
}

/// The id of the DigitalOcean cluster at `server`, which names it by host alone; a scheme and host
/// are read without case, as everywhere (ownership judges servers so too).
fn digitalocean_cluster(server: &str) -> Option<String> {
    let server = server.to_ascii_lowercase();
    let host = server.strip_prefix("https://")?.trim_end_matches('/');
    let host = host.strip_suffix(":443").unwrap_or(host);
    let id = host.strip_suffix(".k8s.ondigitalocean.com")?;
    ClusterId::is_uuid(id).then(|| id.to_ascii_lowercase())
}

/// (user, server) for every context whose user and cluster are both named.
fn user_servers(doc: &Value) -> Vec<(String, String)> {
    let server = |cluster: &str| {
        entries(doc, "clusters")
            .iter()
            .find(|c| entry_name(c) == Some(cluster))
            .and_then(|c| c.pointer("/cluster/server"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    entries(doc, "contexts")
        .iter()
        .filter_map(|context| {
            let user = context.pointer("/context/user")?.as_str()?;
            let cluster = context.pointer("/context/cluster")?.as_str()?;
            Some((user.to_string(), server(cluster).unwrap_or_default()))
        })
        .collect()
}

#[cfg(test)]
mod tests;
