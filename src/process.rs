//! Protections for the whole process, set first thing in `main`.

/// A crash must not leave the DigitalOcean token or a credential in a core file. RLIMIT_CORE 0
/// stops ordinary core files; on Linux, "not dumpable" also stops the core-dump helpers that
/// `core_pattern` pipes to (systemd-coredump, apport), which ignore that limit, and keeps other
/// processes of the same user from reading this one's memory through ptrace. Two system calls,
/// cheap enough for the cache-hit path.
pub fn disable_core_dumps() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid pointer to an initialised rlimit; failure leaves the limit as it was.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_DUMPABLE takes one integer argument and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0)
    };
}

/// The effective user id: files and folders doks-auth trusts must belong to it.
pub fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// A process, told apart from a later one that reuses its pid by its start time, and from the
/// program it execs by its command name: the Google Cloud SDK's kubectl dispatcher runs the
/// plugin, then execs a versioned kubectl in the same pid (same start time), which runs it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    /// Clock ticks after boot (field 22 of `/proc/<pid>/stat`).
    pub start: u64,
    /// The command name (field 2), every byte that is not printable ASCII made `_`, so it fits
    /// on a record line.
    pub name: String,
}

impl Process {
    /// The process that ran this one (kubectl, k9s, Lens, ...); `None` without `/proc`.
    pub fn parent() -> Option<Process> {
        let pid = std::os::unix::process::parent_id();
        let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
        Process::from_stat(pid, &stat)
    }

    /// Reads `<pid> (<comm>) <state> ...`. The command name may hold spaces and parentheses: it
    /// runs from the first '(' to the last ')'.
    fn from_stat(pid: u32, stat: &[u8]) -> Option<Process> {
        let open = stat.iter().position(|&b| b == b'(')?;
        let close = stat.iter().rposition(|&b| b == b')')?;
        let name = stat
            .get(open + 1..close)?
            .iter()
            .map(|&b| if b.is_ascii_graphic() { b as char } else { '_' })
            .collect();
        let start = std::str::from_utf8(&stat[close + 1..])
            .ok()?
            .split_whitespace()
            .nth(19)?
            .parse()
            .ok()?;
        Some(Process { pid, start, name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_give_start_time_and_a_printable_name() {
        let rest = "S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 4242 20 21";
        let plain = format!("77 (kubectl.1.27) {rest}");
        assert_eq!(
            Process::from_stat(77, plain.as_bytes()),
            Some(Process {
                pid: 77,
                start: 4242,
                name: "kubectl.1.27".into()
            })
        );
        let odd = format!("77 (a) (b\nc d) {rest}");
        let parsed = Process::from_stat(77, odd.as_bytes()).unwrap();
        assert_eq!((parsed.start, parsed.name.as_str()), (4242, "a)_(b_c_d"));
        assert_eq!(Process::from_stat(77, b"77 (kubectl S 1"), None);
        assert_eq!(Process::from_stat(77, b"77 kubectl) S 1"), None);
    }

    #[test]
    fn the_parent_is_found_with_a_name() {
        let parent = Process::parent().expect("/proc is there on Linux");
        assert_eq!(parent.pid, std::os::unix::process::parent_id());
        assert!(!parent.name.is_empty());
    }
}
