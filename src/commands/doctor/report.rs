//! What `doctor` found: one entry per step, printed one line each, or as JSON.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::split;
use crate::error::{Error, folded};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warning,
    Failed,
}

impl Status {
    fn mark(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Failed => "failed",
        }
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Step {
    pub name: &'static str,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do: for every failure, and for a warning that has a remedy.
    pub fix: Option<String>,
}

/// A later step that cannot run without this one: the checks stop here.
#[derive(Debug)]
pub struct Stop;

pub type Flow = Result<(), Stop>;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// The context looked at, or asked for with --context.
    pub context: Option<String>,
    pub steps: Vec<Step>,
}

impl Report {
    pub fn ok(&mut self, name: &'static str, detail: impl Into<String>) {
        self.push(name, Status::Ok, detail.into(), None);
    }

    pub fn warn(&mut self, name: &'static str, detail: impl Into<String>, fix: Option<String>) {
        self.push(name, Status::Warning, detail.into(), fix);
    }

    /// A failure that later steps can do without.
    pub fn fail(&mut self, name: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.push(name, Status::Failed, detail.into(), Some(fix.into()));
    }

    /// A failure that later steps need: `Err(Stop)`, for `?`.
    pub fn stop(
        &mut self,
        name: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Flow {
        self.fail(name, detail, fix);
        Err(Stop)
    }

    fn push(&mut self, name: &'static str, status: Status, detail: String, fix: Option<String>) {
        self.steps.push(Step {
            name,
            status,
            detail,
            fix,
        });
    }

    /// The names of the steps that failed.
    pub fn failed(&self) -> Vec<&'static str> {
        self.steps
            .iter()
            .filter(|s| s.status == Status::Failed)
            .map(|s| s.name)
            .collect()
    }

    /// One line per step: mark, name, what was found, and what to do. Every part is folded
    /// onto the line with control characters replaced: much of it comes from servers and from
    /// kubeconfig files written by others.
    pub fn text(&self) -> String {
        let width = self.steps.iter().map(|s| s.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for step in &self.steps {
            let mut line = format!(
                "{:<7}  {:<width$}  {}",
                step.status.mark(),
                step.name,
                folded(&step.detail)
            );
            if let Some(fix) = &step.fix {
                line.push_str(" — fix: ");
                line.push_str(&folded(fix));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// How far this machine's clock is ahead of each server's (negative: behind).
#[derive(Debug, Default)]
pub struct Clocks {
    pub digitalocean: Option<chrono::Duration>,
    pub api_server: Option<chrono::Duration>,
}

pub fn offset(server_date: Option<DateTime<Utc>>) -> Option<chrono::Duration> {
    server_date.map(|date| Utc::now() - date)
}

/// "what happened" and "what to do" of an error.
pub fn explain(err: &Error) -> (String, String) {
    match err {
        Error::Api(api) => (api.summary(), api.hint()),
        other => split(&other.to_string()),
    }
}

pub fn stop_with(report: &mut Report, name: &'static str, err: &Error) -> Flow {
    let (detail, fix) = explain(err);
    report.stop(name, detail, fix)
}

pub fn when(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_is_one_line_with_its_fix_and_json_has_the_four_fields() {
        let mut report = Report::default();
        report.ok("context", "prod");
        report.warn("clocks", "off\nby 2 h", None);
        assert!(
            report
                .stop("account", "401 \u{1b}[2J", "check the token")
                .is_err()
        );
        assert_eq!(
            report.text(),
            "ok       context  prod\n\
             warning  clocks   off by 2 h\n\
             failed   account  401 \u{fffd}[2J — fix: check the token\n"
        );
        assert_eq!(report.failed(), ["account"]);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["steps"][2],
            serde_json::json!({"name": "account", "status": "failed",
                               "detail": "401 \u{1b}[2J", "fix": "check the token"})
        );
        assert_eq!(json["steps"][0]["fix"], serde_json::Value::Null);
    }
}
