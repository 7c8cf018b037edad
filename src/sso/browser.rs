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

fn start(command: &str, url: &str) -> bool {
    let mut words = match shell_words::split(command) {
        Ok(words) if !words.is_empty() => words,
        _ => {
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
