//! Starting the user's browser on the login URL. The browser is never waited for, and its
//! output goes to stderr: kubectl reads our stdout as the credential.

use std::process::{Command, Stdio};

use log::{debug, warn};

/// Opens `url` with `command` (split into words as a shell would, the URL appended), else with
/// each entry of `$BROWSER` (colon-separated, semicolon on Windows, tried in order; `%s` stands
/// for the URL), else with the system's default browser (xdg-open, macOS's open, the Windows
/// shell). Returns whether one started.
pub fn open(url: &str, command: Option<&str>) -> bool {
    if let Some(command) = command {
        return start(command, url);
    }
    if let Ok(list) = std::env::var("BROWSER") {
        return list
            .split(crate::platform::BROWSER_LIST_SEPARATOR)
            .filter(|entry| !entry.trim().is_empty())
            .any(|entry| start(entry, url));
    }
    crate::platform::open_in_default_browser(url, |command| start(command, url))
}

/// The command's words. On Windows a command naming an existing file is that one path: POSIX
/// splitting would eat the backslashes of `C:\Program Files\Mozilla Firefox\firefox.exe`.
fn words(command: &str, whole_if_a_file: bool) -> Option<Vec<String>> {
    let trimmed = command.trim();
    if whole_if_a_file && std::path::Path::new(trimmed).is_file() {
        return Some(vec![trimmed.to_string()]);
    }
    shell_words::split(command).ok().filter(|w| !w.is_empty())
}

fn start(command: &str, url: &str) -> bool {
    let mut words = match words(command, cfg!(windows)) {
        Some(words) => words,
        None => {
            warn!("cannot read the browser command {command:?}: unbalanced quotes?");
            return false;
        }
    };
    if words.iter().any(|w| w.contains("%s")) {
        words.iter_mut().for_each(|w| *w = w.replace("%s", url));
    } else {
        words.push(url.to_string());
    }
    let to_stderr = crate::platform::stderr_for_child;
    let started = Command::new(&words[0])
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(to_stderr())
        .stderr(to_stderr())
        .spawn();
    match started {
        Ok(mut child) => {
            debug!("sso: started the browser {:?}", words[0]);
            // Reaped in the background, so it leaves no zombie while the login goes on.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(err) => {
            debug!("sso: cannot start the browser {:?}: {err}", words[0]);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_naming_a_file_is_one_path_where_asked_else_shell_words() {
        let dir = tempfile::tempdir().unwrap();
        // What a Windows path looks like to POSIX splitting: spaces and backslashes.
        let exe = dir
            .path()
            .join(r"Program Files\Mozilla Firefox\firefox.exe");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::write(&exe, "").unwrap();
        let exe = exe.to_str().unwrap();
        assert_eq!(words(exe, true), Some(vec![exe.to_string()]));
        assert_ne!(words(exe, false), Some(vec![exe.to_string()]));
        assert_eq!(
            words("firefox --new-window", true),
            Some(vec!["firefox".to_string(), "--new-window".to_string()]),
            "not a file: split as a shell would"
        );
        assert_eq!(words("'unbalanced", true), None);
        assert_eq!(words("  ", true), None);
    }
}
