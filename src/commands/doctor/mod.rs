//! `doks-auth doctor`: walks a kubeconfig context the way kubectl uses it — the context, the
//! exec command, where the credential comes from, DigitalOcean (or the identity provider), the
//! cluster, the cache and the credential itself (obtained exactly as `get-credential` obtains
//! it), the API server, and the clocks — and says, one line a step, what is wrong and what to do.
//!
//! It changes nothing on disk but what `get-credential` would (a credential it fetched goes into
//! the cache), starts no login, and is bounded by `--timeout` as a whole.

mod credential;
mod remote;
mod report;
mod server;
mod start;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::cli::{InspectArgs, ReportFormat};
use crate::digitalocean::token;
use crate::error::Error;
use crate::gopath;
use crate::secret::Secret;
use crate::source::Source;

use crate::invoked::CMD;
use crate::kubeconfig::context::{self, Auth, Exec, KubeContext};
use report::{Flow, Report, Stop};

/// What every step works within: the command's one deadline.
pub(super) struct Bounds {
    started: Instant,
    timeout: Duration,
}

impl Bounds {
    fn deadline(&self) -> Instant {
        self.started + self.timeout
    }
}

pub fn run(args: &InspectArgs) -> anyhow::Result<()> {
    let bounds = Bounds {
        started: Instant::now(),
        timeout: Duration::from_secs(args.timeout),
    };
    let mut report = Report::default();
    let mut clocks = report::Clocks::default();
    // A stop ends the walk, but the clocks are still compared with whatever answered: a clock
    // far off is a likely cause of the failure that stopped it.
    let _: Flow = diagnose(args, &bounds, &mut report, &mut clocks);
    server::clocks(&mut report, &clocks);
    let output = match args.output {
        ReportFormat::Text => report.text(),
        ReportFormat::Json => super::terminal_json(&report)?,
    };
    super::print_stdout(&output)?;
    match report.failed().as_slice() {
        [] => Ok(()),
        failed => anyhow::bail!(
            "{} of {} {} failed ({}); each says what to do",
            failed.len(),
            report.steps.len(),
            if report.steps.len() == 1 {
                "check"
            } else {
                "checks"
            },
            failed.join(", ")
        ),
    }
}

fn diagnose(
    args: &InspectArgs,
    bounds: &Bounds,
    report: &mut Report,
    clocks: &mut report::Clocks,
) -> Flow {
    // The context asked for is named even when the kubeconfig has no such context.
    report.context = args.context.clone();
    if let Some((detail, fix)) = start::nothing_to_check(args.context.as_deref()) {
        return report.stop("context", detail, fix);
    }
    let ctx = match context::load(args.context.as_deref()) {
        Ok(ctx) => ctx,
        Err(Error::Kubeconfig { path, reason }) => {
            let (detail, fix) = split(&reason);
            return report.stop("context", format!("{}: {detail}", path.display()), fix);
        }
        Err(err) => return report.stop("context", err.to_string(), "fix the kubeconfig"),
    };
    report.context = Some(ctx.name.clone());
    let exec = uses_doks_auth(&ctx, report)?;
    // SAFETY: nothing has started a thread yet: no runtime, no HTTP client, no child process.
    unsafe { exec.apply_env() };
    let args = match super::credential_args(&exec) {
        Ok(args) => args,
        Err(kind) => {
            return report.stop(
                "context",
                format!(
                    "user {} runs doks-auth with arguments get-credential does not take ({kind})",
                    ctx.user.name
                ),
                format!("run `{CMD} kubeconfig save <cluster>` again to rewrite the user"),
            );
        }
    };
    report.ok(
        "context",
        format!(
            "{}: cluster {}, user {} (in {})",
            ctx.name,
            ctx.cluster.name,
            ctx.user.name,
            ctx.context_file.display()
        ),
    );
    command(&ctx, &exec, report);
    kuberc(&ctx, &exec, report);

    // Where the token comes from is worked out again here only to name it: the settings below
    // resolve it as get-credential does.
    let origin = match &args.sso.sso_issuer_url {
        Some(_) => None,
        None => {
            let flag = args.account.access_token.as_ref().map(Secret::expose);
            token::resolve_traced(flag, args.account.context.as_deref())
                .ok()
                .map(|(_, origin)| origin.to_string())
        }
    };
    let settings = match super::credential_settings(args, bounds.timeout) {
        Ok(settings) => settings,
        Err(err) => {
            let (detail, fix) = split(&err.to_string());
            return report.stop("source", detail, fix);
        }
    };
    let from_stanza = |origin: &str| exec.env.iter().any(|(name, _)| name == origin);
    report.ok(
        "source",
        match (&settings.source, origin) {
            (Source::Sso(sso), _) => format!(
                "single sign-on: issuer {}, client {}",
                sso.issuer, sso.client_id
            ),
            (Source::DigitalOcean { account, .. }, Some(origin)) => format!(
                "a DigitalOcean token from {origin}{}, for {}",
                if from_stanza(&origin) {
                    " (set by the user's exec env)"
                } else {
                    ""
                },
                account.api_url
            ),
            (Source::DigitalOcean { account, .. }, None) => {
                format!("a DigitalOcean token, for {}", account.api_url)
            }
        },
    );
    remote::check(&ctx, &settings, bounds, report, clocks)?;
    let credential = credential::check(&ctx, &settings, bounds, report)?;
    server::check(&ctx, &settings, &credential, bounds, report, clocks)
}

/// Step 1's second half: the user must run doks-auth, and a doctl user or a control-panel token
/// is one `kubeconfig convert` away.
fn uses_doks_auth(ctx: &KubeContext, report: &mut Report) -> Result<Exec, Stop> {
    let user = &ctx.user.name;
    let convert = &format!(
        "`{CMD} kubeconfig convert` switches it (and every other DigitalOcean user in the file) to doks-auth"
    );
    let save = &format!("`{CMD} kubeconfig save <cluster>` writes a user that runs doks-auth");
    let (detail, fix) = match ctx.auth() {
        Auth::DoksAuth(exec) => return Ok(exec),
        Auth::Doctl => (
            format!("user {user} runs doctl's exec-credential, not doks-auth"),
            convert,
        ),
        Auth::StaticToken => (
            format!(
                "user {user} holds a static token (a control-panel download): it stops working when it expires"
            ),
            convert,
        ),
        Auth::Other(what) => (
            format!("user {user} {what}: it does not run doks-auth"),
            save,
        ),
    };
    report.fail("context", detail, fix);
    Err(Stop)
}

/// Whether two paths name one file (a hard link counts, as Go's `os.SameFile` counts it).
fn same_file(a: &Path, b: &Path) -> bool {
    std::fs::File::open(a).is_ok_and(|file| crate::platform::is_same_file(&file, b))
}

/// Step 2: the command kubectl will run. A bare name is found only on the PATH of whoever runs
/// kubectl; GUI clients such as Lens often have another PATH, so only an absolute path is ok.
fn command(ctx: &KubeContext, exec: &Exec, report: &mut Report) {
    let resave = &format!(
        "run `{CMD} kubeconfig save <cluster>` again: it writes this doks-auth's absolute path (or pass --exec-command PATH)"
    );
    let name = exec.command.as_str();
    let is_executable =
        |path: &Path| std::fs::metadata(path).is_ok_and(|m| crate::platform::is_executable(&m));
    if name.is_empty() {
        return report.fail(
            "command",
            format!("user {}'s exec stanza has no command", ctx.user.name),
            resave,
        );
    }
    if !crate::platform::is_path(name) {
        // As Go's LookPath, which kubectl runs it by: PATHEXT on Windows (`doks-auth` is
        // `doks-auth.exe`), and nothing found relative to the current folder.
        return match gopath::look_path(name, same_file) {
            gopath::Looked::Found(path) => report.warn(
                "command",
                format!(
                    "{name} is found on this shell's PATH ({}), but not by a path: GUI clients such as Lens may not have this PATH",
                    path.display()
                ),
                Some(resave.into()),
            ),
            gopath::Looked::Dot(path) => report.fail(
                "command",
                format!(
                    "{name} is found as {}, relative to the current folder, which kubectl refuses to run (Go runs no program found there)",
                    path.display()
                ),
                resave,
            ),
            gopath::Looked::NotFound => {
                report.fail("command", format!("{name} is not on PATH"), resave)
            }
        };
    }
    // What kubectl runs: the command joined to the kubeconfig's folder when it holds this
    // platform's separator (Go's rules, not Rust's), with `PATHEXT`'s extensions on Windows.
    let resolved = gopath::resolve_command_of(&ctx.user.file, name);
    if !gopath::is_abs(&resolved.to_string_lossy()) {
        return report.fail(
            "command",
            format!(
                "{name} is relative to whatever folder kubectl is started in: kubectl joins a command to the kubeconfig's folder only when it holds {}",
                std::path::MAIN_SEPARATOR
            ),
            resave,
        );
    }
    let Some(path) = gopath::find_executable(&resolved) else {
        return report.fail(
            "command",
            format!("{} does not exist", resolved.display()),
            resave,
        );
    };
    if !is_executable(&path) {
        return report.fail(
            "command",
            format!("{} is not an executable file", path.display()),
            format!("make it executable (chmod +x), or {resave}"),
        );
    }
    let this = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let note = if path.canonicalize().ok() == this {
        " (this doks-auth)"
    } else {
        ""
    };
    if gopath::is_abs(name) {
        report.ok("command", format!("{}{note}", path.display()));
    } else {
        report.warn(
            "command",
            format!(
                "{name} is relative: kubectl finds it as {}{note}, from the kubeconfig's folder",
                path.display()
            ),
            Some(resave.into()),
        );
    }
}

/// Step 3: kubectl 1.35 and later run the command only if kuberc's credential plugin policy
/// lets them.
fn kuberc(ctx: &KubeContext, exec: &Exec, report: &mut Report) {
    // kubectl checks the command as it resolved it against the kubeconfig's folder.
    let command = gopath::resolve_command_of(&ctx.user.file, &exec.command)
        .display()
        .to_string();
    match crate::kuberc::load().map(|kuberc| crate::kuberc::verdict(&kuberc, &command)) {
        Ok(crate::kuberc::Verdict::Runs(detail)) => report.ok("kuberc", detail),
        Ok(crate::kuberc::Verdict::Refused { why, fix }) => report.fail("kuberc", why, fix),
        Err(why) => report.fail(
            "kuberc",
            format!("{why}: kubectl 1.35 and later stop there"),
            "fix the kuberc, or set KUBERC=off to do without it",
        ),
    }
}

/// An error line in the house style, "what happened; what to do", as the report's detail and
/// fix; a line without "; " is all detail, with a general fix.
fn split(line: &str) -> (String, String) {
    match line.split_once("; ") {
        Some((detail, fix)) => (detail.to_string(), fix.to_string()),
        None => (
            line.to_string(),
            format!("see `{CMD} get-credential --help` and the README's troubleshooting section"),
        ),
    }
}

#[cfg(test)]
mod tests;
