//! `doks-auth kubeconfig save|show|remove`: the cluster's entries in the user's kubeconfig, with
//! an exec stanza that runs this doks-auth's `get-credential`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use log::warn;

use crate::api::{self, ApiCredentials, Cluster, DEFAULT_API_URL};
use crate::cache::{self, Cache};
use crate::cli::{KubeconfigArgs, KubeconfigCommand, KubeconfigSaveArgs};
use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::kubeconfig::{self, Entries, FileLock, Names};
use crate::settings::{self, Account, ClusterId};

/// get-credential's own default, asked for when `--expiry-seconds` is not given.
const DEFAULT_EXPIRY_SECONDS: u64 = 10800;

pub fn run(command: &KubeconfigCommand) -> anyhow::Result<()> {
    match command {
        KubeconfigCommand::Save(args) => save(args),
        KubeconfigCommand::Show(args) => show(args),
        KubeconfigCommand::Remove(args) => remove(args),
    }
}

/// How the user named the cluster.
#[derive(Debug, PartialEq, Eq)]
enum ClusterRef {
    Id(ClusterId),
    Name(String),
}

impl ClusterRef {
    /// A UUID (DigitalOcean's ids) is an id; anything else is a cluster name.
    fn parse(raw: &str) -> Result<Self> {
        if is_uuid(raw) {
            Ok(ClusterRef::Id(ClusterId::parse(raw)?))
        } else {
            Ok(ClusterRef::Name(raw.to_string()))
        }
    }
}

fn is_uuid(raw: &str) -> bool {
    let groups: Vec<&str> = raw.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What save and show build from DigitalOcean's answers.
struct Fetched {
    account: Account,
    cluster_id: ClusterId,
    entries: Entries,
    /// The credential minted on the way, to seed the cache; or why it cannot be used.
    credential: std::result::Result<Credential, String>,
}

fn save(args: &KubeconfigSaveArgs) -> anyhow::Result<()> {
    let common = &args.common;
    let started = Instant::now();
    let path = kubeconfig::default_path()?;
    let target = kubeconfig::resolve_target(&path);
    // A broken kubeconfig is reported before anything is asked of DigitalOcean.
    kubeconfig::load(&target)?;
    let fetched = fetch(common, started)?;

    let loosened = {
        let _lock = FileLock::acquire(&path)?;
        // Read again under the lock: the file may have changed during the API calls.
        let loaded = kubeconfig::load(&target)?;
        let mut doc = loaded.doc;
        kubeconfig::merge(&mut doc, &fetched.entries, args.set_current_context);
        let text = to_yaml(&doc, &target)?;
        kubeconfig::write(&target, &text, loaded.mode)?
    };
    if let Some(mode) = loosened {
        eprintln!(
            "note: tightened permissions of {} from {mode:o} to 600",
            target.display()
        );
    }
    seed_cache(common, &fetched);
    if common.account.access_token.is_some() {
        eprintln!(
            "note: the --access-token is not written to the kubeconfig; kubectl's get-credential will use DIGITALOCEAN_ACCESS_TOKEN or doctl's config"
        );
    }
    let current = if args.set_current_context {
        " (current context)"
    } else {
        ""
    };
    eprintln!(
        "Saved context {} in {}{current}.",
        fetched.entries.names.context,
        path.display()
    );
    Ok(())
}

fn show(args: &KubeconfigArgs) -> anyhow::Result<()> {
    let fetched = fetch(args, Instant::now())?;
    let doc = kubeconfig::standalone(&fetched.entries);
    let text = kubeconfig::to_yaml(&doc)
        .map_err(|reason| anyhow::anyhow!("cannot render the kubeconfig: {reason}"))?;
    super::print_stdout(&text)
}

fn remove(args: &KubeconfigArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let reference = ClusterRef::parse(&args.cluster)?;
    let path = kubeconfig::default_path()?;
    let target = kubeconfig::resolve_target(&path);
    kubeconfig::load(&target)?;

    let (cluster_id, names, lookup_error) = match reference {
        ClusterRef::Name(name) => {
            let (_, client) = connect(args, started)?;
            let (id, cluster) = api::block_on(by_name(&client, &name))?;
            (id, Some(names(&cluster, args)), None)
        }
        ClusterRef::Id(id) => match lookup(args, &id, started) {
            Ok(cluster) => {
                let names = names(&cluster, args);
                (id, Some(names), None)
            }
            Err(err) if err.is_usage() => return Err(err.into()),
            // A cluster deleted at DigitalOcean (404) or an unreachable API: the entries can
            // still be found by the id in their exec args.
            Err(err) => (id, None, Some(err)),
        },
    };

    let (removed, loosened) = {
        let _lock = FileLock::acquire(&path)?;
        let loaded = kubeconfig::load(&target)?;
        let mut doc = loaded.doc;
        let removed = kubeconfig::remove(&mut doc, names.as_ref(), Some(cluster_id.as_str()));
        let loosened = if removed.is_empty() {
            None
        } else {
            kubeconfig::write(&target, &to_yaml(&doc, &target)?, loaded.mode)?
        };
        (removed, loosened)
    };
    if let Some(err) = lookup_error {
        if removed.is_empty() {
            return Err(err).with_context(|| {
                format!(
                    "no entries for cluster {cluster_id} in {}, and its names could not be looked up",
                    path.display()
                )
            });
        }
        if matches!(&err, Error::Api(api) if api.status == 404) {
            // The usual reason to remove by id: the cluster was deleted. Not worth a warning.
            eprintln!(
                "note: DigitalOcean no longer knows cluster {cluster_id}; removed the entries that name it in their exec args"
            );
        } else {
            warn!(
                "{err}: removed only the entries that name cluster {cluster_id} in their exec args"
            );
        }
    }
    if let Some(mode) = loosened {
        eprintln!(
            "note: tightened permissions of {} from {mode:o} to 600",
            target.display()
        );
    }
    if removed.is_empty() {
        eprintln!("No entries for cluster {cluster_id} in {}.", path.display());
    } else {
        eprintln!("Removed {} from {}.", describe(&removed), path.display());
    }
    if removed.current_context_cleared {
        eprintln!("The current context is now unset.");
    }
    match settings::cache_dir(&args.cache)
        .and_then(|dir| Ok((cache::remove_entries(&dir, Some(&cluster_id))?, dir)))
    {
        Ok((count, dir)) => eprintln!(
            "Removed {} from {}.",
            super::cache::credentials(count),
            dir.display()
        ),
        Err(err) => warn!("{err}: the cluster's cached credentials were not removed"),
    }
    Ok(())
}

/// "context a, cluster b and user c".
fn describe(removed: &kubeconfig::Removed) -> String {
    let mut parts = Vec::new();
    for (kind, names) in [
        ("context", &removed.contexts),
        ("cluster", &removed.clusters),
        ("user", &removed.users),
    ] {
        match names.len() {
            0 => {}
            1 => parts.push(format!("{kind} {}", names[0])),
            _ => parts.push(format!("{kind}s {}", names.join(", "))),
        }
    }
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.concat(),
    }
}

fn to_yaml(doc: &serde_json::Value, path: &std::path::Path) -> Result<String> {
    kubeconfig::to_yaml(doc).map_err(|reason| Error::Kubeconfig {
        path: path.to_path_buf(),
        reason: format!("cannot render it as YAML: {reason}"),
    })
}

fn connect(args: &KubeconfigArgs, started: Instant) -> Result<(Account, api::Client)> {
    let account = Account::from_args(&args.account)?;
    let client = api::Client::new(&account, started)?;
    Ok((account, client))
}

fn lookup(args: &KubeconfigArgs, id: &ClusterId, started: Instant) -> Result<Cluster> {
    let (_, client) = connect(args, started)?;
    api::block_on(client.cluster(id))
}

/// The cluster and a fresh credential for it, as kubeconfig entries. Everything that can be
/// checked locally is checked before the first request.
fn fetch(args: &KubeconfigArgs, started: Instant) -> anyhow::Result<Fetched> {
    let reference = ClusterRef::parse(&args.cluster)?;
    let command = match &args.exec_command {
        Some(command) => command.clone(),
        None => this_executable()?,
    };
    let cache_dir = args
        .cache
        .cache_dir
        .as_deref()
        .map(|dir| {
            // kubectl runs the plugin from wherever it is run: a relative folder would move.
            let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            absolute.into_os_string().into_string().map_err(|_| {
                anyhow::anyhow!("--cache-dir is not UTF-8, so it cannot go into a kubeconfig")
            })
        })
        .transpose()?;
    let (account, client) = connect(args, started)?;
    let expiry_seconds = args.expiry_seconds.unwrap_or(DEFAULT_EXPIRY_SECONDS);
    // One runtime for both requests: reqwest's pooled connections belong to the runtime that
    // opened them.
    let (cluster_id, cluster, answer) = api::block_on(async {
        let (cluster_id, cluster) = match &reference {
            ClusterRef::Id(id) => (id.clone(), client.cluster(id).await?),
            ClusterRef::Name(name) => by_name(&client, name).await?,
        };
        let answer = client.credentials(&cluster_id, expiry_seconds).await?;
        Ok::<_, Error>((cluster_id, cluster, answer))
    })?;
    let credentials_url = format!(
        "{}/v2/kubernetes/clusters/{cluster_id}/credentials",
        account.api_url
    );
    let (server, certificate_authority_data, answer) = endpoint(answer, &credentials_url)?;
    let entries = Entries {
        names: names(&cluster, args),
        server,
        certificate_authority_data,
        command,
        args: exec_args(&cluster_id, args, &account.api_url, cache_dir),
    };
    Ok(Fetched {
        credential: Credential::from_api(answer, Utc::now()),
        account,
        cluster_id,
        entries,
    })
}

/// Takes the server and CA out of the credentials answer; the rest is the credential itself.
fn endpoint(mut answer: ApiCredentials, url: &str) -> Result<(String, String, ApiCredentials)> {
    let missing = |field: &str| Error::UnexpectedResponse {
        url: url.to_string(),
        reason: format!("the answer has no {field}"),
    };
    let server = answer
        .server
        .take()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("server"))?;
    let ca = answer
        .certificate_authority_data
        .take()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("certificate_authority_data"))?;
    Ok((server.trim().to_string(), ca.trim().to_string(), answer))
}

async fn by_name(client: &api::Client, name: &str) -> Result<(ClusterId, Cluster)> {
    let clusters = client.clusters().await?;
    let cluster = pick_by_name(clusters, name)?;
    let id = ClusterId::parse(&cluster.id).map_err(|_| Error::UnexpectedResponse {
        url: "/v2/kubernetes/clusters".into(),
        reason: format!(
            "cluster {:?} has an id that is not a UUID",
            crate::error::one_line(name)
        ),
    })?;
    Ok((id, cluster))
}

fn pick_by_name(clusters: Vec<Cluster>, name: &str) -> Result<Cluster> {
    let (mut matching, others): (Vec<Cluster>, Vec<Cluster>) =
        clusters.into_iter().partition(|c| c.name == name);
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 => {
            let mut known: Vec<String> = others
                .iter()
                .map(|c| crate::error::one_line(&c.name))
                .collect();
            known.sort();
            known.dedup();
            const SHOWN: usize = 20;
            let more = known.len().saturating_sub(SHOWN);
            known.truncate(SHOWN);
            let mut known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            if more > 0 {
                known.push_str(&format!(" and {more} more"));
            }
            Err(Error::ClusterNotFound {
                name: crate::error::one_line(name),
                known,
            })
        }
        count => Err(Error::AmbiguousClusterName {
            name: crate::error::one_line(name),
            count,
            ids: matching
                .iter()
                .map(|c| crate::error::one_line(&c.id))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn names(cluster: &Cluster, args: &KubeconfigArgs) -> Names {
    Names::new(&cluster.region, &cluster.name, args.alias.as_deref())
}

/// The stanza's args: the cluster, plus only what the user asked `save` for explicitly, so the
/// plugin otherwise follows its own defaults (and their improvements) over time. Never a token.
fn exec_args(
    cluster_id: &ClusterId,
    args: &KubeconfigArgs,
    api_url: &str,
    cache_dir: Option<String>,
) -> Vec<String> {
    let mut out = vec![
        "get-credential".to_string(),
        "--cluster-id".to_string(),
        cluster_id.to_string(),
    ];
    if let Some(context) = args.account.context.as_deref().map(str::trim)
        && !context.is_empty()
    {
        out.extend(["--context".to_string(), context.to_string()]);
    }
    if let Some(expiry) = args.expiry_seconds {
        out.extend(["--expiry-seconds".to_string(), expiry.to_string()]);
    }
    if api_url != DEFAULT_API_URL {
        out.extend(["--api-url".to_string(), api_url.to_string()]);
    }
    if let Some(dir) = cache_dir {
        out.extend(["--cache-dir".to_string(), dir]);
    }
    out
}

/// The absolute, symlink-free path of the running doks-auth: kubectl (and GUI clients without
/// the shell's PATH) then find exactly this binary.
fn this_executable() -> anyhow::Result<String> {
    let exe = std::env::current_exe()
        .and_then(|p| std::fs::canonicalize(&p).or(Ok(p)))
        .context("cannot find the path of this doks-auth executable; pass --exec-command")?;
    exe.into_os_string()
        .into_string()
        .map_err(|p: std::ffi::OsString| {
            anyhow::anyhow!(
                "the path of this doks-auth ({}) is not UTF-8; pass --exec-command",
                PathBuf::from(p).display()
            )
        })
}

/// A cache entry for the credential just minted, so the first kubectl command is instant. It
/// is keyed like get-credential's, so it is used when kubectl's get-credential resolves the
/// same token and API URL. A failure only costs that first command a request.
fn seed_cache(args: &KubeconfigArgs, fetched: &Fetched) {
    let credential = match &fetched.credential {
        Ok(credential) => credential,
        Err(reason) => {
            warn!("the credential DigitalOcean sent was not cached: {reason}");
            return;
        }
    };
    let stored = settings::cache_dir(&args.cache).and_then(|dir| {
        Cache::new(dir, &fetched.cluster_id, &fetched.account.fingerprint()).store(credential)
    });
    if let Err(err) = stored {
        warn!("{err}: the credential was not cached; kubectl's first call will fetch one");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{AccountArgs, CacheDirArg};
    use crate::secret::Secret;

    const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

    fn args() -> KubeconfigArgs {
        KubeconfigArgs {
            cluster: "prod".into(),
            alias: None,
            exec_command: None,
            expiry_seconds: None,
            cache: CacheDirArg { cache_dir: None },
            account: AccountArgs {
                access_token: Some(Secret::new("dop_v1_secret")),
                context: None,
                api_url: DEFAULT_API_URL.into(),
                timeout: 30,
            },
        }
    }

    fn cluster(id: &str, name: &str) -> Cluster {
        Cluster {
            id: id.into(),
            name: name.into(),
            region: "nyc1".into(),
            version: String::new(),
            endpoint: None,
            status: None,
        }
    }

    #[test]
    fn uuids_are_ids_and_the_rest_names() {
        assert!(is_uuid(ID));
        assert!(is_uuid(&ID.to_uppercase()));
        for name in [
            "prod",
            "bd5f5959-5e1e-4205-a714",
            "bd5f5959-5e1e-4205-a714-a914373942ag",
            "bd5f5959-5e1e-4205-a714-a914373942af-x",
            "",
        ] {
            assert!(!is_uuid(name), "{name}");
        }
        assert_eq!(
            ClusterRef::parse(ID).unwrap(),
            ClusterRef::Id(ClusterId::parse(ID).unwrap())
        );
        assert_eq!(
            ClusterRef::parse("my cluster").unwrap(),
            ClusterRef::Name("my cluster".into())
        );
    }

    #[test]
    fn names_resolve_to_exactly_one_cluster() {
        let all = || {
            vec![
                cluster("1", "prod"),
                cluster("2", "staging"),
                cluster("3", "dup"),
                cluster("4", "dup"),
            ]
        };
        assert_eq!(pick_by_name(all(), "prod").unwrap().id, "1");
        let err = pick_by_name(all(), "nope").unwrap_err().to_string();
        assert!(err.contains("dup, prod, staging"), "{err}");
        let err = pick_by_name(Vec::new(), "nope").unwrap_err().to_string();
        assert!(err.contains("(clusters: none)"), "{err}");
        let err = pick_by_name(all(), "dup").unwrap_err().to_string();
        assert!(err.contains("2 clusters") && err.contains("3, 4"), "{err}");
        let many: Vec<Cluster> = (0..25).map(|i| cluster("x", &format!("c{i:02}"))).collect();
        let err = pick_by_name(many, "nope").unwrap_err().to_string();
        assert!(err.contains("and 5 more"), "{err}");
    }

    #[test]
    fn exec_args_carry_only_what_was_asked_for() {
        let id = ClusterId::parse(ID).unwrap();
        assert_eq!(
            exec_args(&id, &args(), DEFAULT_API_URL, None),
            ["get-credential", "--cluster-id", ID]
        );
        let mut a = args();
        a.account.context = Some("work".into());
        a.expiry_seconds = Some(3600);
        let got = exec_args(&id, &a, "http://127.0.0.1:8080", Some("/c".into()));
        assert_eq!(
            got,
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
                "/c"
            ]
        );
        assert!(!got.concat().contains("dop_v1"));
    }

    #[test]
    fn server_and_ca_are_required() {
        let answer = |server: Option<&str>, ca: Option<&str>| ApiCredentials {
            server: server.map(str::to_string),
            certificate_authority_data: ca.map(str::to_string),
            ..Default::default()
        };
        let (server, ca, _) = endpoint(answer(Some("https://s"), Some("Q0E=")), "u").unwrap();
        assert_eq!((server.as_str(), ca.as_str()), ("https://s", "Q0E="));
        for (s, c, field) in [
            (None, Some("Q0E="), "no server"),
            (Some("https://s"), None, "no certificate_authority_data"),
            (
                Some("https://s"),
                Some(" "),
                "no certificate_authority_data",
            ),
        ] {
            let err = endpoint(answer(s, c), "u").unwrap_err();
            assert!(
                matches!(&err, Error::UnexpectedResponse { reason, .. } if reason.contains(field)),
                "{err}"
            );
        }
    }

    #[test]
    fn removal_is_described_in_one_sentence() {
        let removed = kubeconfig::Removed {
            clusters: vec!["do-nyc1-prod".into()],
            users: vec!["do-nyc1-prod-admin".into()],
            contexts: vec!["do-nyc1-prod".into(), "prod".into()],
            current_context_cleared: true,
        };
        assert_eq!(
            describe(&removed),
            "contexts do-nyc1-prod, prod, cluster do-nyc1-prod and user do-nyc1-prod-admin"
        );
        let only_user = kubeconfig::Removed {
            users: vec!["u".into()],
            ..Default::default()
        };
        assert_eq!(describe(&only_user), "user u");
    }
}
