#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

#[cfg(unix)]
use serde_json::json;

use super::*;
#[cfg(unix)]
use crate::kubeconfig::context::Entry;

#[test]
fn an_error_line_splits_into_what_happened_and_what_to_do() {
    assert_eq!(
        split("no answer within 30 s (--timeout); check the network; or raise it"),
        (
            "no answer within 30 s (--timeout)".to_string(),
            "check the network; or raise it".to_string()
        )
    );
    let (detail, fix) = split("no DigitalOcean token: set DIGITALOCEAN_ACCESS_TOKEN");
    assert_eq!(
        detail,
        "no DigitalOcean token: set DIGITALOCEAN_ACCESS_TOKEN"
    );
    assert!(fix.contains("troubleshooting"), "{fix}");
}

#[cfg(unix)]
fn context_in(dir: &Path) -> KubeContext {
    let entry = |name: &str| Entry {
        name: name.into(),
        body: json!({}),
        file: dir.join("config"),
    };
    KubeContext {
        name: "prod".into(),
        context_file: dir.join("config"),
        cluster: entry("c"),
        user: entry("u"),
    }
}

#[cfg(unix)]
fn command_step(dir: &Path, command: &str) -> report::Step {
    let exec = Exec {
        command: command.into(),
        ..Exec::default()
    };
    let mut report = Report::default();
    super::command(&context_in(dir), &exec, &mut report);
    assert_eq!(report.steps.len(), 1);
    report.steps.remove(0)
}

// Execute bits and `sh` on PATH: Unix only.
#[cfg(unix)]
#[test]
fn the_command_must_be_an_executable_file_by_its_absolute_path() {
    use report::Status::{Failed, Ok, Warning};
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("doks-auth");
    std::fs::write(&program, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let plain = dir.path().join("plain");
    std::fs::write(&plain, "").unwrap();

    let ok = command_step(dir.path(), program.to_str().unwrap());
    assert_eq!((ok.status, ok.fix), (Ok, None));
    let relative = command_step(dir.path(), "./doks-auth");
    assert_eq!(relative.status, Warning, "{}", relative.detail);
    assert!(
        relative.detail.contains(program.to_str().unwrap()),
        "{}",
        relative.detail
    );
    let on_path = command_step(dir.path(), "sh");
    assert_eq!(on_path.status, Warning);
    assert!(on_path.detail.contains("Lens"), "{}", on_path.detail);
    for (command, says) in [
        ("/nonexistent/doks-auth", "does not exist"),
        (plain.to_str().unwrap(), "not an executable file"),
        ("doks-auth-nowhere-on-path", "not on PATH"),
        ("", "no command"),
    ] {
        let step = command_step(dir.path(), command);
        assert_eq!(step.status, Failed, "{command}");
        assert!(step.detail.contains(says), "{command}: {}", step.detail);
        assert!(step.fix.unwrap().contains("kubeconfig save"), "{command}");
    }
}
