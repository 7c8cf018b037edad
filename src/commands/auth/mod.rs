//! `doks-auth auth init|list|switch|remove`: DigitalOcean tokens kept where doctl keeps them, in
//! doctl's format ([`doctl_file`]), so a machine without doctl gets a lasting token that kubectl
//! finds in any shell, and doctl and doks-auth keep sharing tokens and contexts.

pub mod doctl_file;
mod prompt;

use std::time::Instant;

use anyhow::bail;
use serde::Serialize;

use crate::cli::{AuthCommand, AuthContextArg, AuthInitArgs, AuthListArgs, OutputFormat};
use crate::digitalocean::{Account, api};
use crate::error::{self, Error, TokenOrigin};
use crate::http;
use crate::invoked::CMD;
use crate::settings;
use doctl_file::{DEFAULT, DoctlFile};

pub fn run(command: &AuthCommand) -> anyhow::Result<()> {
    match command {
        AuthCommand::Init(args) => init(args),
        AuthCommand::List(args) => list(args),
        AuthCommand::Switch(args) => switch(args),
        AuthCommand::Remove(args) => remove(args),
    }
}

/// doctl lower-cases context names (viper's keys are case-insensitive): so does doks-auth, so
/// that a name stored here is the name doctl finds.
fn context_name(raw: &str) -> Result<String, Error> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(Error::InvalidArgs(format!(
            "invalid context name {:?}: give a name of letters, digits and dashes",
            error::one_line(raw)
        )));
    }
    Ok(name)
}

fn init(args: &AuthInitArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    // The file first: one doks-auth cannot edit fails before the token is asked for.
    let file = DoctlFile::load()?;
    let name = match args.context.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(raw) => context_name(raw)?,
        // As `doctl auth init`: the current context's token is replaced.
        None => file.current(),
    };
    let token = prompt::read_token()?;
    let account = settings::account_of(
        &token,
        TokenOrigin::Input,
        &args.api.api_url,
        args.api.timeout,
    )?;
    let whose = match whose(&account, started) {
        Ok(whose) => whose,
        Err(Error::Api(api)) if api.status == 401 => bail!(
            "DigitalOcean refused the token ({}); nothing was stored: copy the whole token again, or create a new one at https://cloud.digitalocean.com/account/api/tokens",
            api.summary()
        ),
        // Authenticated, but not allowed to read the account: a custom-scoped token.
        Err(Error::Api(api)) if api.status == 403 => Whose::default(),
        Err(err) => bail!("cannot check the token with DigitalOcean: {err}; nothing was stored"),
    };
    let path = file.path.clone();
    // Under the lock, on the file as it is now: another edit may have come in meanwhile.
    let (first, current) = file.edit(|file| {
        // A first token becomes the current one; otherwise, as with doctl, `auth switch` does.
        let first = !file.has_current() && file.token(DEFAULT).is_none() && name != DEFAULT;
        file.set_token(&name, &token);
        if first {
            file.set_current(&name);
        }
        file.save()?;
        Ok((first, file.current()))
    })?;
    let mut message = format!(
        "stored the token of {} as doctl context {:?} in {}",
        whose.describe(),
        error::one_line(&name),
        path.display()
    );
    if first {
        message.push_str("; it is now the current context");
    } else if current != name {
        message.push_str(&format!(
            "; use it with --context {name}, or make it the current one with `{CMD} auth switch --context {name}`"
        ));
    }
    super::say(&message);
    Ok(())
}

/// Whom a token belongs to, as DigitalOcean says (folded to one line before it is printed).
#[derive(Default, Serialize)]
struct Whose {
    team: Option<String>,
    email: Option<String>,
}

impl Whose {
    fn describe(&self) -> String {
        match (&self.email, &self.team) {
            (Some(email), Some(team)) => format!(
                "{} (team {})",
                error::one_line(email),
                error::one_line(team)
            ),
            (Some(email), None) => error::one_line(email),
            (None, Some(team)) => format!("team {}", error::one_line(team)),
            (None, None) => {
                "an account DigitalOcean did not name (the token may not read it)".into()
            }
        }
    }
}

fn whose(account: &Account, started: Instant) -> Result<Whose, Error> {
    let client = api::Client::new(account, started)?;
    let (info, _) = http::block_on(client.account())?;
    Ok(Whose {
        team: info.team.and_then(|t| t.name),
        email: info.email,
    })
}

#[derive(Serialize)]
struct Row {
    name: String,
    current: bool,
    team: Option<String>,
    email: Option<String>,
    /// `ok`, `no token`, `unchecked`, or what went wrong (never the token).
    token: String,
}

fn list(args: &AuthListArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = DoctlFile::load()?;
    // doctl reads DIGITALOCEAN_CONTEXT as its `context` setting.
    let current = std::env::var("DIGITALOCEAN_CONTEXT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map_or_else(|| file.current(), |c| c.trim().to_lowercase());
    let mut rows: Vec<Row> = file
        .names()
        .into_iter()
        .map(|name| Row {
            current: name == current,
            token: if file.token(&name).is_some() {
                "unchecked"
            } else {
                "no token"
            }
            .into(),
            name,
            team: None,
            email: None,
        })
        .collect();
    if !args.offline {
        check_all(args, &file, &mut rows, started);
    }
    match args.output {
        OutputFormat::Json => super::print_stdout(&super::terminal_json(&rows)?),
        OutputFormat::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                    vec![
                        if r.current { "*" } else { "" }.into(),
                        r.name.clone(),
                        or_dash(&r.team),
                        or_dash(&r.email),
                        r.token.clone(),
                    ]
                })
                .collect();
            super::print_stdout(&super::table(
                &["CURRENT", "NAME", "TEAM", "EMAIL", "TOKEN"],
                &cells,
            ))
        }
    }
}

/// Asks DigitalOcean whose each token is, all at once, within `--timeout`.
fn check_all(args: &AuthListArgs, file: &DoctlFile, rows: &mut [Row], started: Instant) {
    let mut clients = Vec::new();
    for (i, row) in rows.iter_mut().enumerate() {
        let Some(token) = file.token(&row.name) else {
            continue;
        };
        let origin = TokenOrigin::Doctl {
            context: row.name.clone(),
            path: file.path.clone(),
        };
        let account = settings::account_of(&token, origin, &args.api.api_url, args.api.timeout)
            .and_then(|account| api::Client::new(&account, started));
        match account {
            Ok(client) => clients.push((i, client)),
            Err(err) => row.token = short(&err, &row.name),
        }
    }
    let answers = http::block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, client) in clients {
            tasks.spawn(async move { (i, client.account().await) });
        }
        let mut answers = Vec::new();
        while let Some(done) = tasks.join_next().await {
            if let Ok(answer) = done {
                answers.push(answer);
            }
        }
        Ok(answers)
    });
    for (i, answer) in answers.into_iter().flatten() {
        let row = &mut rows[i];
        match answer {
            Ok((info, _)) => {
                row.token = "ok".into();
                row.team = info.team.and_then(|t| t.name);
                row.email = info.email;
            }
            Err(Error::Api(api)) if api.status == 403 => {
                row.token = "ok (may not read the account)".into()
            }
            Err(err) => row.token = short(&err, &row.name),
        }
    }
}

/// An error in a table cell: what DigitalOcean answered, or the error's first clause.
fn short(err: &Error, name: &str) -> String {
    match err {
        Error::Api(api) if api.status == 401 && name == DEFAULT => {
            format!("refused (401): run `{CMD} auth init` again")
        }
        Error::Api(api) if api.status == 401 => format!(
            "refused (401): run `{CMD} auth init --context {}` again",
            shell_words::quote(&error::one_line(name))
        ),
        Error::Api(api) => api.summary(),
        other => other.to_string(),
    }
}

fn switch(args: &AuthContextArg) -> anyhow::Result<()> {
    let name = context_name(&args.context)?;
    let has_token = DoctlFile::load()?.edit(|file| {
        if !file.has(&name) {
            bail!(unknown(file, &name));
        }
        file.set_current(&name);
        file.save()?;
        Ok(file.token(&name).is_some())
    })?;
    let mut message = format!("now using doctl context {:?}", error::one_line(&name));
    if !has_token {
        message.push_str(&format!(
            ", which has no token yet: run `{CMD} auth init --context {name}`"
        ));
    }
    super::say(&message);
    Ok(())
}

fn remove(args: &AuthContextArg) -> anyhow::Result<()> {
    let name = context_name(&args.context)?;
    let message = DoctlFile::load()?.edit(|file| {
        if !file.remove(&name) {
            bail!(unknown(file, &name));
        }
        let mut message = format!(
            "removed doctl context {:?} from {}",
            error::one_line(&name),
            file.path.display()
        );
        // doctl would leave `context` naming a context that no longer exists, and every command
        // without --context would fail; `default` is what doctl falls back to with none.
        if name != DEFAULT && file.current() == name {
            file.set_current(DEFAULT);
            message.push_str("; the current context is now \"default\"");
        }
        file.save()?;
        Ok(message)
    })?;
    super::say(&message);
    Ok(())
}

fn unknown(file: &DoctlFile, name: &str) -> String {
    let known = file.names();
    format!(
        "no doctl context {:?} in {} (known: {}); `{CMD} auth list` shows them, `{CMD} auth init --context {}` stores a token",
        error::one_line(name),
        file.path.display(),
        error::one_line(&known.join(", ")),
        error::one_line(name),
    )
}

#[cfg(test)]
mod tests;
