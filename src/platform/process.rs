//! The process itself: core dumps off, set first thing in `main`, and which process ran this one
//! (read from `/proc` on Linux, `proc_pidinfo` on macOS, a Toolhelp snapshot on Windows).

/// A crash must not leave the DigitalOcean token or a credential in a core file. RLIMIT_CORE 0
/// stops ordinary core files; on Linux, "not dumpable" also stops the core-dump helpers that
/// `core_pattern` pipes to (systemd-coredump, apport), which ignore that limit, and keeps other
/// processes of the same user from reading this one's memory through ptrace. Two system calls,
/// cheap enough for the cache-hit path. macOS has the limit too. Windows has no per-process
/// switch: its error reporting keeps no dump unless an administrator turned LocalDumps on.
#[cfg(unix)]
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

#[cfg(windows)]
pub fn disable_core_dumps() {}

/// A process, told apart from a later one that reuses its pid by its start time, and from the
/// program it execs by its command name: the Google Cloud SDK's kubectl dispatcher runs the
/// plugin, then execs a versioned kubectl in the same pid (same start time), which runs it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    /// When it started, in the platform's own unit: clock ticks after boot on Linux (field 22
    /// of `/proc/<pid>/stat`), microseconds since 1970 on macOS, 100 ns since 1601 on Windows.
    pub start: u64,
    /// The command name (field 2 of the stat line; on Windows the executable's name), every byte
    /// that is not printable ASCII made `_`, so it fits on a record line.
    pub name: String,
}

impl Process {
    /// The process that ran this one (kubectl, k9s, Lens, ...); `None` when that cannot be told.
    #[cfg(target_os = "linux")]
    pub fn parent() -> Option<Process> {
        let pid = std::os::unix::process::parent_id();
        let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
        Process::from_stat(pid, &stat)
    }

    #[cfg(target_os = "macos")]
    pub fn parent() -> Option<Process> {
        let pid = std::os::unix::process::parent_id();
        // SAFETY: proc_bsdinfo is plain data; all zeroes is a valid value.
        let mut info: libc::proc_bsdinfo = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::proc_bsdinfo>() as libc::c_int;
        // SAFETY: the buffer is `size` bytes of writable memory that lives through the call.
        let filled = unsafe {
            libc::proc_pidinfo(
                pid as libc::c_int,
                libc::PROC_PIDTBSDINFO,
                0,
                (&raw mut info).cast(),
                size,
            )
        };
        if filled != size {
            return None;
        }
        // pbi_name is the longer name (up to 32 bytes), pbi_comm the first 16 bytes of it.
        let name = if info.pbi_name[0] != 0 {
            &info.pbi_name[..]
        } else {
            &info.pbi_comm[..]
        };
        let name: Vec<u8> = name
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        Some(Process {
            pid,
            start: info.pbi_start_tvsec * 1_000_000 + info.pbi_start_tvusec,
            name: printable(&name),
        })
    }

    #[cfg(windows)]
    pub fn parent() -> Option<Process> {
        let (pid, start, name) = super::windows::parent_process()?;
        Some(Process {
            pid,
            start,
            name: printable(name.as_bytes()),
        })
    }

    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    pub fn parent() -> Option<Process> {
        None
    }

    /// Reads `<pid> (<comm>) <state> ...`. The command name may hold spaces and parentheses: it
    /// runs from the first '(' to the last ')'.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    fn from_stat(pid: u32, stat: &[u8]) -> Option<Process> {
        let open = stat.iter().position(|&b| b == b'(')?;
        let close = stat.iter().rposition(|&b| b == b')')?;
        let name = printable(stat.get(open + 1..close)?);
        let start = std::str::from_utf8(&stat[close + 1..])
            .ok()?
            .split_whitespace()
            .nth(19)?
            .parse()
            .ok()?;
        Some(Process { pid, start, name })
    }
}

fn printable(name: &[u8]) -> String {
    name.iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '_' })
        .collect()
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

    /// This test runs itself as a child, which reports its parent: this process, found with a
    /// start time and its executable's name, the same on a second look.
    #[cfg(any(target_os = "linux", target_os = "macos", windows))]
    #[test]
    fn the_parent_is_found_with_a_name() {
        const CHILD: &str = "DOKS_AUTH_TEST_PARENT_CHILD";
        if std::env::var_os(CHILD).is_some() {
            let parent =
                Process::parent().expect("the parent is known on Linux, macOS and Windows");
            assert_eq!(Process::parent().as_ref(), Some(&parent));
            // Straight to stdout: the test harness captures println!.
            let line = format!("PARENT {} {} {}\n", parent.pid, parent.start, parent.name);
            std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes()).unwrap();
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "platform::process::tests::the_parent_is_found_with_a_name",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .split("PARENT ")
            .nth(1)
            .and_then(|rest| rest.lines().next())
            .expect(&stdout);
        let mut words = line.splitn(3, ' ');
        let pid: u32 = words.next().unwrap().parse().unwrap();
        let start: u64 = words.next().unwrap().parse().unwrap();
        let name = words.next().unwrap();
        assert_eq!(pid, std::process::id());
        assert!(start > 0);
        let file_name = exe.file_name().unwrap().to_string_lossy();
        // Linux keeps the first 15 bytes of the name; macOS's long name is 32 bytes.
        assert!(
            file_name.starts_with(name) && !name.is_empty(),
            "{name} is not {file_name}"
        );
    }
}
