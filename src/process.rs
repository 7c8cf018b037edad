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

/// A process, told apart from a later one that reuses its pid by its start time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    /// Clock ticks after boot (field 22 of `/proc/<pid>/stat`).
    pub start: u64,
}

impl Process {
    /// The process that ran this one (kubectl, k9s, Lens, ...); `None` without `/proc`.
    pub fn parent() -> Option<Process> {
        let pid = std::os::unix::process::parent_id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
        let start = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(19)?
            .parse()
            .ok()?;
        Some(Process { pid, start })
    }
}
