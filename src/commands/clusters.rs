//! `doks-auth clusters`: the account's clusters, from every page of the list; with
//! `--all-contexts`, those of every token doks-auth can find, one team per context.

use std::time::Instant;

use serde::Serialize;

use crate::cli::{ClustersArgs, OutputFormat};
use crate::digitalocean::api::{self, Cluster};
use crate::error::{self, Error};
use crate::http;
use crate::settings;

/// One cluster as `-o json` prints it: flat, with the state as `status`.
#[derive(Debug, Serialize, PartialEq, Eq)]
struct Row<'a> {
    /// With `--all-contexts`: the doctl auth context (or `$VARIABLE`) that sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'a str>,
    id: &'a str,
    name: &'a str,
    region: &'a str,
    version: &'a str,
    status: Option<&'a str>,
    endpoint: Option<&'a str>,
}

impl<'a> From<&'a Cluster> for Row<'a> {
    fn from(c: &'a Cluster) -> Self {
        Row {
            context: None,
            id: &c.id,
            name: &c.name,
            region: &c.region,
            version: &c.version,
            status: c.status.as_ref().and_then(|s| s.state.as_deref()),
            endpoint: c.endpoint.as_deref().filter(|e| !e.is_empty()),
        }
    }
}

pub fn run(args: &ClustersArgs) -> anyhow::Result<()> {
    if args.all_contexts {
        return all_contexts(args);
    }
    let started = Instant::now();
    let account = settings::account(&args.account.request())?;
    let client = api::Client::new(&account, started)?;
    let clusters = http::block_on(client.clusters())?;
    let rows: Vec<Row> = clusters.iter().map(Row::from).collect();
    print(args, &rows)
}

/// Every context's list, fetched at once; a context that fails gets one line and hides none of
/// the others, and makes the exit status non-zero.
fn all_contexts(args: &ClustersArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let contexts = settings::every_account(&args.account.request())?;
    let names: Vec<String> = contexts
        .iter()
        .map(|(name, _)| error::one_line(name))
        .collect();
    let mut lists: Vec<Result<Vec<Cluster>, Error>> = Vec::new();
    let mut clients = Vec::new();
    for (i, (_, account)) in contexts.into_iter().enumerate() {
        match account.and_then(|account| api::Client::new(&account, started)) {
            Ok(client) => {
                // Replaced by the task's answer; a task that never gives one is not "no clusters".
                lists.push(Err(Error::Runtime("the listing did not finish".into())));
                clients.push((i, client));
            }
            Err(err) => lists.push(Err(err)),
        }
    }
    http::block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, client) in clients {
            tasks.spawn(async move { (i, client.clusters().await) });
        }
        while let Some(done) = tasks.join_next().await {
            // A task only ends by returning: it is never aborted, and a panic aborts the process.
            if let Ok((i, list)) = done {
                lists[i] = list;
            }
        }
        Ok(())
    })?;
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (name, list) in names.iter().zip(&lists) {
        match list {
            Ok(clusters) => rows.extend(clusters.iter().map(|c| Row {
                context: Some(name),
                ..Row::from(c)
            })),
            Err(err) => {
                super::say(&format!(
                    "warning: context {name}: {err}; its clusters are not listed"
                ));
                failed.push(name.as_str());
            }
        }
    }
    print(args, &rows)?;
    if !failed.is_empty() {
        anyhow::bail!(
            "{} of {} contexts could not be listed: {}",
            failed.len(),
            names.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

fn print(args: &ClustersArgs, rows: &[Row]) -> anyhow::Result<()> {
    match args.output {
        OutputFormat::Json => {
            let json = serde_json::to_string_pretty(rows)?;
            super::print_stdout(&format!("{json}\n"))
        }
        OutputFormat::Table if rows.is_empty() => {
            super::say("no clusters in this account");
            Ok(())
        }
        OutputFormat::Table => super::print_stdout(&render_table(rows)),
    }
}

fn render_table(rows: &[Row]) -> String {
    let dash = |v: &str| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.to_string()
        }
    };
    let with_context = rows.iter().any(|r| r.context.is_some());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let context = r.context.map(dash);
            context
                .into_iter()
                .chain([
                    dash(r.name),
                    dash(r.id),
                    dash(r.region),
                    dash(r.version),
                    dash(r.status.unwrap_or("")),
                    dash(r.endpoint.unwrap_or("")),
                ])
                .collect()
        })
        .collect();
    let header = [
        "CONTEXT", "NAME", "ID", "REGION", "VERSION", "STATUS", "ENDPOINT",
    ];
    super::table(&header[usize::from(!with_context)..], &cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digitalocean::api::ClusterStatus;

    fn cluster(name: &str, state: Option<&str>, endpoint: Option<&str>) -> Cluster {
        Cluster {
            id: format!("{name}-id"),
            name: name.into(),
            region: "nyc1".into(),
            version: "1.33.1-do.0".into(),
            endpoint: endpoint.map(str::to_string),
            status: state.map(|s| ClusterStatus {
                state: Some(s.into()),
            }),
            sso: None,
        }
    }

    #[test]
    fn table_and_json_shapes() {
        let clusters = [
            cluster("prod", Some("running"), Some("https://p.k8s")),
            cluster("new", None, None),
        ];
        let rows: Vec<Row> = clusters.iter().map(Row::from).collect();
        assert_eq!(
            render_table(&rows),
            "NAME  ID       REGION  VERSION      STATUS   ENDPOINT\n\
             prod  prod-id  nyc1    1.33.1-do.0  running  https://p.k8s\n\
             new   new-id   nyc1    1.33.1-do.0  -        -\n"
        );
        let json: serde_json::Value = serde_json::to_value(&rows).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"id": "prod-id", "name": "prod", "region": "nyc1", "version": "1.33.1-do.0",
                 "status": "running", "endpoint": "https://p.k8s"},
                {"id": "new-id", "name": "new", "region": "nyc1", "version": "1.33.1-do.0",
                 "status": null, "endpoint": null},
            ])
        );
    }
}
