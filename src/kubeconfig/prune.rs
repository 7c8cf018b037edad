//! What `save --all --prune` may remove: the entries doks-auth wrote for this account whose
//! cluster is gone. "This account" is what the stanza says of it: the same `--context` (or none)
//! and the same `--api-url` (or none). Users another tool wrote, hand-written ones and those of
//! another doctl context are never candidates.

use serde_json::Value;

use super::Kind;
use super::ownership::{server_is, user_cluster_id};
use super::reader::{self, At};

/// Where a stanza's token comes from, as its args say.
#[derive(Debug, PartialEq, Eq)]
pub struct Account<'a> {
    pub context: Option<&'a str>,
    pub api_url: Option<&'a str>,
}

/// A context of this account whose cluster is gone, and the definitions that go with it; or a
/// user of this account no context uses (`context` is `None`), and the cluster's entries.
#[derive(Debug)]
pub struct Vanished {
    pub context: Option<String>,
    pub user: String,
    pub id: String,
    /// The context, its user and its cluster, each as the context's own file resolves the name;
    /// for a user no context uses, the user and the cluster entry written beside it
    /// ([`super::remove::written_beside`]). [`super::remove::take`] keeps those another context
    /// still uses.
    pub targets: Vec<At>,
}

/// Every context that uses a doks-auth user definition of `account` whose cluster id is not in
/// `live`, and every such user no context uses. Judged per definition: another file's
/// same-named user of another account (team B's `do-nyc1-old`) is not this one's, and neither
/// are the contexts that use it.
pub fn vanished(docs: &[Value], account: &Account, live: &[String]) -> Vec<Vanished> {
    let mut found = Vec::new();
    let gone: Vec<(At, &str)> = reader::all(docs, Kind::User)
        .filter_map(|(at, user)| {
            let id = user_cluster_id(user)?;
            (is_ours(user, account) && !live.iter().any(|l| l.eq_ignore_ascii_case(id)))
                .then_some((at, id))
        })
        .collect();
    for &(user_at, id) in &gone {
        for (at, context) in reader::all(docs, Kind::Context) {
            let refer = |kind, field| {
                reader::meanings(docs, at.file, kind, reader::reference(context, field))
            };
            // The context is this user's when that is what its name means now, and no other
            // than a vanished user of this account would take its place once those are pruned
            // (another team's context whose live user sits in a later file stays).
            // A context of the user's own that uses the stanza stays (and keeps what it uses).
            if super::remove::not_written(context, None).is_some() {
                continue;
            }
            let meant = refer(Kind::User, "user");
            if meant.first() != Some(&user_at)
                || !meant.iter().all(|m| gone.iter().any(|(g, _)| g == m))
            {
                continue;
            }
            let mut targets = vec![at, user_at];
            // The cluster entry goes only when it is the vanished cluster's (its endpoint):
            // another file's same-named entry, or an unnamed one, is someone else's.
            targets.extend(refer(Kind::Cluster, "cluster").into_iter().filter(|&c| {
                reader::get(docs, c)
                    .and_then(|e| e.pointer("/cluster/server"))
                    .and_then(Value::as_str)
                    .is_some_and(|server| server_is(server, id, None))
            }));
            found.push(Vanished {
                context: Some(reader::name_of(context).to_string()),
                user: user_name(docs, user_at),
                id: id.to_string(),
                targets,
            });
        }
    }
    // A user no context uses (its context deleted by hand) goes too, with the cluster entry
    // written beside it.
    for &(user_at, id) in &gone {
        let used = reader::all(docs, Kind::Context).any(|(at, context)| {
            reader::meanings(
                docs,
                at.file,
                Kind::User,
                reader::reference(context, "user"),
            )
            .contains(&user_at)
        });
        if used || found.iter().any(|v| v.targets.contains(&user_at)) {
            continue;
        }
        let mut targets = vec![user_at];
        targets.extend(super::remove::written_beside(docs, user_at, id));
        found.push(Vanished {
            context: None,
            user: user_name(docs, user_at),
            id: id.to_string(),
            targets,
        });
    }
    found
}

fn user_name(docs: &[Value], at: At) -> String {
    reader::get(docs, at)
        .map(reader::name_of)
        .unwrap_or_default()
        .to_string()
}

/// A doks-auth `get-credential` stanza of `account`.
fn is_ours(user: &Value, account: &Account) -> bool {
    let Some(args) = user.pointer("/user/exec/args").and_then(Value::as_array) else {
        return false;
    };
    let args: Vec<&str> = args.iter().filter_map(Value::as_str).collect();
    let flag = |name: &str| {
        args.windows(2)
            .find(|w| w[0] == name)
            .map(|w| w[1])
            .or_else(|| {
                args.iter()
                    .find_map(|a| a.strip_prefix(name)?.strip_prefix('='))
            })
    };
    args.first() == Some(&"get-credential")
        && flag("--sso-issuer-url").is_none()
        && flag("--context") == account.context
        && flag("--api-url") == account.api_url
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const GONE: &str = "bd5f5959-5e1e-4205-a714-a914373942af";
    const LIVE: &str = "7c0ad6a5-31b5-4c29-9a2e-0d2bfbd0c1a7";

    fn user(name: &str, args: &[&str]) -> Value {
        json!({"name": name, "user": {"exec": {"command": "doks-auth", "args": args}}})
    }

    /// As `save --alias` writes it: a cluster and its `-admin` user, nothing else.
    fn context(name: &str, cluster: &str, user: &str) -> Value {
        json!({"name": name, "context": {"cluster": cluster, "user": user}})
    }

    #[test]
    fn only_this_accounts_stanzas_for_vanished_clusters_are_named() {
        let doc = json!({
            "users": [
                user("gone-admin", &["get-credential", "--cluster-id", GONE, "--context", "team-a"]),
                user("live-admin", &["get-credential", "--cluster-id", LIVE, "--context", "team-a"]),
                user("b-admin", &["get-credential", "--cluster-id", GONE, "--context", "team-b"]),
                user("env-admin", &["get-credential", "--cluster-id", GONE]),
                user("doctl-admin", &["kubernetes", "cluster", "kubeconfig", "exec-credential", GONE]),
                user("sso-admin", &["get-credential", "--cluster-id", GONE, "--context", "team-a",
                              "--sso-issuer-url", "https://id.example"]),
            ],
            "contexts": [
                context("c-gone", "gone", "gone-admin"),
                context("c-live", "live", "live-admin"),
                context("c-b", "b", "b-admin"),
                context("c-doctl", "doctl", "doctl-admin"),
            ],
        });
        let account = Account {
            context: Some("team-a"),
            api_url: None,
        };
        let found = vanished(&[doc], &account, &[LIVE.to_string()]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].context.as_deref(), found[0].id.as_str()),
            (Some("c-gone"), GONE)
        );
        let at = |kind, index| At {
            file: 0,
            kind,
            index,
        };
        // No cluster entries: the context names gone, which this file does not define.
        assert_eq!(found[0].targets, [at(Kind::Context, 0), at(Kind::User, 0)]);
    }

    #[test]
    fn the_api_url_and_a_missing_context_count_as_the_account() {
        let doc = json!({
            "users": [
                user("env-admin", &["get-credential", "--cluster-id", GONE]),
                user("staging-admin", &["get-credential", "--cluster-id", GONE, "--api-url=https://x"]),
            ],
            "contexts": [context("c-env", "env", "env-admin"), context("c-st", "staging", "staging-admin")],
        });
        let plain = Account {
            context: None,
            api_url: None,
        };
        let found = vanished(std::slice::from_ref(&doc), &plain, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].context.as_deref(), Some("c-env"));
        let staging = Account {
            context: None,
            api_url: Some("https://x"),
        };
        let found = vanished(&[doc], &staging, &[]);
        assert_eq!(found[0].context.as_deref(), Some("c-st"));
    }

    /// Its context deleted by hand, a vanished cluster's user goes with the cluster entry
    /// doks-auth wrote beside it (by name and endpoint); another server's same-named entry, or
    /// a user of another account, stays.
    #[test]
    fn a_user_no_context_uses_goes_with_its_cluster_entry() {
        let server = |id: &str| format!("https://{id}.k8s.ondigitalocean.com");
        let doc = json!({
            "clusters": [
                {"name": "do-nyc1-old", "cluster": {"server": server(GONE)}},
                {"name": "do-nyc1-old", "cluster": {"server": server(LIVE)}},
                {"name": "mine", "cluster": {"server": server(GONE)}},
            ],
            "users": [
                user("do-nyc1-old-admin", &["get-credential", "--cluster-id", GONE, "--context", "team-a"]),
                user("b-admin", &["get-credential", "--cluster-id", GONE, "--context", "team-b"]),
            ],
        });
        let account = Account {
            context: Some("team-a"),
            api_url: None,
        };
        let found = vanished(&[doc], &account, &[LIVE.to_string()]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].context, None);
        assert_eq!(found[0].user, "do-nyc1-old-admin");
        let at = |kind, index| At {
            file: 0,
            kind,
            index,
        };
        assert_eq!(found[0].targets, [at(Kind::User, 0), at(Kind::Cluster, 0)]);
    }
}
