//! doks-auth's exec stanza, the one `kubeconfig save` writes and `kubeconfig convert` writes in
//! place of doctl's or a static token: built here once, for both.

use serde_json::{Map, Value, json};

/// The exec API version written into the user entry; v1 needs `interactiveMode`.
pub const EXEC_API_VERSION: &str = "client.authentication.k8s.io/v1";

/// Shown by kubectl when the exec command cannot be found: every channel doks-auth ships
/// through (tests/dist.rs checks them against the krew manifest, the formula and Cargo.toml).
/// The tap's owner and the releases page come from Cargo.toml's `repository` (build.rs).
/// No line starts with a space: the kubeconfig writer keeps such text out of a `|` block.
pub const INSTALL_HINT: &str = concat!(
    "doks-auth is needed to get credentials for this DigitalOcean Kubernetes cluster. Install it:
- kubectl krew install doks
- brew install ",
    env!("DOKS_AUTH_REPO_OWNER"),
    "/tap/doks-auth
- cargo binstall doks-auth (or: cargo install --locked doks-auth)
- or an archive from ",
    env!("CARGO_PKG_REPOSITORY"),
    "/releases
then save the cluster again, so the kubeconfig points at it:
doks-auth kubeconfig save <cluster> (with krew: kubectl doks kubeconfig save <cluster>)
"
);

/// What `get-credential` is asked for: the cluster, plus only what was asked for explicitly, so
/// the plugin otherwise follows its own defaults (and their improvements) over time. Never a
/// DigitalOcean token of doks-auth's choosing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stanza {
    pub cluster_id: String,
    pub context: Option<String>,
    pub expiry_seconds: Option<u64>,
    /// Only when it is not DigitalOcean's own.
    pub api_url: Option<String>,
    pub cache_dir: Option<String>,
    pub sso: Option<SsoStanza>,
    /// Only when the stanza it replaces had one (a converted doctl `-t`): `save` never writes a
    /// DigitalOcean token into the kubeconfig.
    pub access_token: Option<String>,
    /// With `sso`: `--sso-grant paste` (logins over SSH). Beside [`SsoStanza`] rather than in
    /// it, so that code building one needs no change; it wins over `device_code`.
    pub sso_paste: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoStanza {
    pub issuer: String,
    pub client_id: String,
    pub port: Option<u16>,
    pub device_code: bool,
}

impl Stanza {
    pub fn args(&self) -> Vec<String> {
        let mut out = vec![
            "get-credential".into(),
            "--cluster-id".into(),
            self.cluster_id.clone(),
        ];
        let mut flag = |name: &str, value: String| out.extend([name.to_string(), value]);
        if let Some(context) = self
            .context
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            flag("--context", context.to_string());
        }
        if let Some(expiry) = self.expiry_seconds {
            flag("--expiry-seconds", expiry.to_string());
        }
        if let Some(url) = &self.api_url {
            flag("--api-url", url.clone());
        }
        if let Some(dir) = &self.cache_dir {
            flag("--cache-dir", dir.clone());
        }
        if let Some(sso) = &self.sso {
            flag("--sso-issuer-url", sso.issuer.clone());
            flag("--sso-client-id", sso.client_id.clone());
            if let Some(port) = sso.port {
                flag("--sso-local-server-port", port.to_string());
            }
            if self.sso_paste {
                flag("--sso-grant", "paste".into());
            } else if sso.device_code {
                flag("--sso-grant", "device-code".into());
            }
        }
        if let Some(token) = &self.access_token {
            flag("--access-token", token.clone());
        }
        out
    }

    /// The user entry's `user` mapping: the exec stanza running `command` with these args.
    pub fn user(&self, command: &str) -> Value {
        json!({ "exec": self.exec(command) })
    }

    /// The exec stanza alone, for `convert` to put in place of another one's command.
    pub fn exec(&self, command: &str) -> Map<String, Value> {
        let mut exec = Map::new();
        exec.insert("apiVersion".into(), EXEC_API_VERSION.into());
        exec.insert("command".into(), command.into());
        exec.insert("args".into(), json!(self.args()));
        exec.insert("installHint".into(), INSTALL_HINT.into());
        // v1 requires the field. A token never prompts. An SSO login needs no stdin (a browser
        // or a device code), so IfAvailable: `Always` would make kubectl refuse to run it
        // without a terminal (Lens, k9s, CI).
        let mode = if self.sso.is_some() {
            "IfAvailable"
        } else {
            "Never"
        };
        exec.insert("interactiveMode".into(), mode.into());
        // kubectl then tells get-credential which server it talks to, so a credential the
        // server refuses can be told from a command that merely asks twice (see `probe`).
        exec.insert("provideClusterInfo".into(), true.into());
        exec
    }

    /// Puts this stanza into an exec mapping already there (the user's, or one saved before),
    /// key by key: what runs, with what, and how kubectl talks to it are doks-auth's; `env`
    /// (`kubectl config set-credentials --exec-env`, a proxy the plugin needs) and every key
    /// doks-auth does not write stay. An `interactiveMode` already there stays too, unless the
    /// stanza cannot work with it: kubectl refuses a value it does not know, and a paste login
    /// reads the terminal that `Never` withholds. Returns what was replaced of that, for -v.
    pub fn install(&self, theirs: &mut Map<String, Value>, command: &str) -> Option<String> {
        let mut replaced = None;
        for (key, value) in self.exec(command) {
            if key == "interactiveMode"
                && let Some(chosen) = theirs.get(&key).filter(|v| !v.is_null())
            {
                let known = ["Never", "IfAvailable", "Always"].map(Value::from);
                let paste = self.sso.is_some() && self.sso_paste;
                if known.contains(chosen) && !(paste && chosen == "Never") {
                    continue;
                }
                replaced = Some(format!(
                    "interactiveMode {} (the stanza needs {value})",
                    crate::error::one_line(&chosen.to_string())
                ));
            }
            theirs.insert(key, value);
        }
        replaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

    #[test]
    fn args_carry_only_what_was_asked_for() {
        let mut stanza = Stanza {
            cluster_id: ID.into(),
            ..Stanza::default()
        };
        assert_eq!(stanza.args(), ["get-credential", "--cluster-id", ID]);
        stanza.context = Some(" ".into());
        assert_eq!(stanza.args(), ["get-credential", "--cluster-id", ID]);
        stanza.context = Some("work".into());
        stanza.expiry_seconds = Some(3600);
        stanza.api_url = Some("http://127.0.0.1:8080".into());
        stanza.cache_dir = Some("/c".into());
        stanza.sso = Some(SsoStanza {
            issuer: "https://id.example".into(),
            client_id: "doks".into(),
            port: Some(9000),
            device_code: true,
        });
        assert_eq!(
            stanza.args(),
            [
                "get-credential",
                "--cluster-id",
                ID,
                "--context",
                "work",
                "--expiry-seconds",
                "3600",
                "--api-url",
                "http://127.0.0.1:8080",
                "--cache-dir",
                "/c",
                "--sso-issuer-url",
                "https://id.example",
                "--sso-client-id",
                "doks",
                "--sso-local-server-port",
                "9000",
                "--sso-grant",
                "device-code"
            ]
        );
        let user = stanza.user("/bin/doks-auth");
        assert_eq!(user["exec"]["interactiveMode"], "IfAvailable");
        // A paste login reads the pasted address from the terminal kubectl passes on.
        let paste = Stanza {
            sso_paste: true,
            ..stanza.clone()
        };
        assert_eq!(
            paste.args()[paste.args().len() - 2..],
            ["--sso-grant", "paste"]
        );
        assert_eq!(
            paste.user("/bin/doks-auth")["exec"]["interactiveMode"],
            "IfAvailable"
        );
        assert_eq!(user["exec"]["apiVersion"], EXEC_API_VERSION);
        assert!(user["exec"].get("env").is_none());
        stanza.sso = None;
        assert_eq!(stanza.exec("/bin/doks-auth")["interactiveMode"], "Never");
    }

    #[test]
    fn install_keeps_env_and_a_workable_interactive_mode() {
        let theirs = |mode: &str| match json!({"command": "old", "env": [{"name": "A", "value": "1"}], "interactiveMode": mode})
        {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let token = Stanza {
            cluster_id: ID.into(),
            ..Stanza::default()
        };
        let mut exec = theirs("Always");
        assert_eq!(token.install(&mut exec, "/bin/doks-auth"), None);
        assert_eq!(exec["interactiveMode"], "Always");
        assert_eq!(exec["env"][0]["name"], "A");
        assert_eq!(exec["command"], "/bin/doks-auth");
        assert_eq!(exec["provideClusterInfo"], true);
        // A value kubectl refuses, and Never for a paste login, give way to the stanza's own.
        let mut exec = theirs("Sometimes");
        assert!(token.install(&mut exec, "d").is_some());
        assert_eq!(exec["interactiveMode"], "Never");
        let paste = Stanza {
            sso: Some(SsoStanza {
                issuer: "https://id.example".into(),
                client_id: "doks".into(),
                port: None,
                device_code: false,
            }),
            sso_paste: true,
            ..token
        };
        let mut exec = theirs("Never");
        let said = paste.install(&mut exec, "d").unwrap();
        assert!(said.contains("\"Never\""), "{said}");
        assert_eq!(exec["interactiveMode"], "IfAvailable");
        assert_eq!(exec["env"][0]["value"], "1");
    }
}
