//! Running commands and reading what the kernel says about them: CPU and wall time, peak RSS
//! through a small launcher, start-to-exit latency of a herd, and instruction counts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What the kernel says about one finished child.
#[derive(Clone, Copy)]
pub(crate) struct Sample {
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_kib: i64,
}

pub(crate) fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// Runs a command to completion, output discarded, and measures it.
#[allow(clippy::zombie_processes)] // reaped by wait4, which std's Child::wait cannot replace
pub(crate) fn measure(cmd: &mut Command) -> Sample {
    let started = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let (status, usage) = wait4(child.id() as i32);
    let wall = started.elapsed();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed"
    );
    Sample {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
    }
}

pub(crate) const LAUNCH: &str = "DOKS_BENCH_LAUNCH";
/// Launcher runs per contender for its peak RSS (the largest is reported).
pub(crate) const RSS_ROUNDS: usize = 10;

/// Launcher mode: spawn argv[1..] with output discarded, wait, print its peak RSS in KiB.
pub(crate) fn launch() -> ! {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let child = Command::new(&args[0])
        .args(&args[1..])
        .env_remove(LAUNCH)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let (status, usage) = wait4(child.id() as i32);
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    println!("{} {}", usage.ru_maxrss, if ok { "ok" } else { "failed" });
    std::process::exit(0)
}

/// Peak RSS of `cmd` in KiB, through the launcher; the largest of `rounds` runs.
pub(crate) fn peak_rss_kib(cmd: &Command, rounds: usize) -> i64 {
    (0..rounds)
        .map(|_| {
            let mut launcher = Command::new(std::env::current_exe().unwrap());
            launcher.env_clear();
            for (key, value) in cmd.get_envs() {
                if let Some(value) = value {
                    launcher.env(key, value);
                }
            }
            if let Some(dir) = cmd.get_current_dir() {
                launcher.current_dir(dir);
            }
            let out = launcher
                .env(LAUNCH, "1")
                .arg(cmd.get_program())
                .args(cmd.get_args())
                .output()
                .expect("launcher");
            let text = String::from_utf8_lossy(&out.stdout);
            let (kib, outcome) = text.trim().split_once(' ').expect("launcher output");
            assert_eq!(outcome, "ok", "{cmd:?} failed under the launcher");
            kib.parse::<i64>().unwrap()
        })
        .max()
        .unwrap()
}

pub(crate) fn wait4(pid: i32) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it in for a child of ours.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert!(got > 0, "wait4 failed");
    (status, usage)
}

pub(crate) fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

pub(crate) fn percentile(values: &[Duration], p: f64) -> Duration {
    let mut v = values.to_vec();
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

pub(crate) struct Row {
    pub name: String,
    pub wall: Duration,
    pub cpu: Duration,
    pub rss_kib: i64,
}

/// Runs each contender `runs` times, interleaved, and summarises them.
pub(crate) fn compare(
    runs: usize,
    contenders: &mut [(&str, &mut dyn FnMut() -> Command)],
) -> Vec<Row> {
    // A small BENCH_RUNS divided for the slow cases must still leave one round.
    let runs = runs.max(1);
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); contenders.len()];
    for _ in 0..runs {
        for (i, (_, make)) in contenders.iter_mut().enumerate() {
            samples[i].push(measure(&mut make()));
        }
    }
    contenders
        .iter_mut()
        .zip(samples)
        .map(|((name, make), s)| Row {
            name: name.to_string(),
            wall: median(s.iter().map(|x| x.wall).collect()),
            cpu: median(s.iter().map(|x| x.cpu).collect()),
            rss_kib: peak_rss_kib(&make(), RSS_ROUNDS),
        })
        .collect()
}

pub(crate) fn print_rows(title: &str, rows: &[Row]) {
    println!("\n## {title}\n");
    println!(
        "| command | median wall | median CPU (user+sys) | peak RSS (launcher) | wall vs first | CPU vs first |"
    );
    println!("|---|---|---|---|---|---|");
    let base = &rows[0];
    for row in rows {
        println!(
            "| {} | {} | {} | {:.1} MiB | {:.2}x | {:.2}x |",
            row.name,
            ms(row.wall),
            ms(row.cpu),
            row.rss_kib as f64 / 1024.0,
            row.wall.as_secs_f64() / base.wall.as_secs_f64(),
            row.cpu.as_secs_f64() / base.cpu.as_secs_f64().max(1e-9),
        );
    }
}

pub(crate) fn runs(default: usize) -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts `n` processes at once and returns each one's start-to-exit latency.
#[allow(clippy::zombie_processes)] // reaped by waitpid(-1), which reports them as they finish
pub(crate) fn herd(n: usize, mut make: impl FnMut() -> Command) -> Vec<Duration> {
    let mut started: HashMap<i32, Instant> = HashMap::new();
    let mut children = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let child = make()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        started.insert(child.id() as i32, t);
        children.push(child);
    }
    let mut latencies = Vec::new();
    while !started.is_empty() {
        let (pid, status) = {
            let mut status = 0;
            // SAFETY: waits for any child of ours; all are in `started`.
            let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
            (pid, status)
        };
        assert!(pid > 0, "waitpid failed");
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "a herd member failed"
        );
        if let Some(t) = started.remove(&pid) {
            latencies.push(t.elapsed());
        }
    }
    drop(children);
    latencies
}

pub(crate) fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Instructions the command executes, counted by callgrind: the same for the same binary and
/// inputs whatever else the machine does, so it can compare paths a few percent apart, which
/// wall time on a shared machine cannot. None without valgrind.
pub(crate) fn instructions(cmd: &Command) -> Option<u64> {
    which("valgrind")?;
    let mut grind = Command::new("valgrind");
    grind
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .stdout(Stdio::null());
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            grind.env(key, value);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        grind.current_dir(dir);
    }
    let out = grind.output().ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let count = text.lines().find_map(|l| l.split("Collected : ").nth(1))?;
    count.trim().parse().ok()
}

/// Drops `file`'s pages from the page cache (`posix_fadvise(DONTNEED)`): the next run reads it
/// from disk. Linux only (macOS has no `posix_fadvise`); elsewhere the pages stay.
#[cfg(target_os = "linux")]
pub(crate) fn evict(file: &Path) {
    use std::os::fd::AsRawFd;
    if let Ok(f) = std::fs::File::open(file) {
        // Written pages not yet on disk would stay.
        let _ = f.sync_data();
        // SAFETY: an advice on a descriptor we hold open; it changes no memory of ours.
        unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn evict(_file: &Path) {}

/// A new command like `cmd` (std's Command is not Clone): program, arguments, environment and
/// folder.
pub(crate) fn fresh(cmd: &Command) -> Command {
    let mut new = Command::new(cmd.get_program());
    new.args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => new.env(key, value),
            None => new.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        new.current_dir(dir);
    }
    new
}

/// Section 1: each pair is (how both were built, the limit program, a doks-auth cache hit). All
/// of them run interleaved in one loop, so load from other work on the machine falls on every
/// contender alike; each doks-auth hit is then compared with the limit built its own way, in
/// median wall time and in instructions (callgrind).
pub(crate) fn hit_vs_limit(runs: usize, pairs: &[(&str, Command, Command)]) {
    let commands: Vec<&Command> = pairs.iter().flat_map(|(_, a, b)| [a, b]).collect();
    // Every program starts as read from disk, whatever wrote it: how a file came into the page
    // cache changes how many pages one fault maps (the same doks-auth bytes took 30 faults a
    // hit just after `strip` wrote them, 52 once read back from disk), and a user's binary was
    // written by an installer long before. Then one run of each, as the disk's read-ahead leaves
    // it for every run after.
    for cmd in &commands {
        evict(Path::new(cmd.get_program()));
        measure(&mut fresh(cmd));
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); commands.len()];
    for _ in 0..runs.max(1) {
        for (i, cmd) in commands.iter().enumerate() {
            samples[i].push(measure(&mut fresh(cmd)).wall);
        }
    }
    let walls: Vec<Duration> = samples.into_iter().map(median).collect();
    let counts: Vec<Option<u64>> = commands.iter().map(|c| instructions(c)).collect();
    let rss: Vec<i64> = commands
        .iter()
        .map(|c| peak_rss_kib(c, RSS_ROUNDS))
        .collect();
    println!(
        "\n## 1. Cache hit vs the limit (goal for the static build: ≤ 1.15x wall, ≤ 2x instructions)\n"
    );
    println!(
        "All {} commands below ran interleaved, {} rounds; wall is the median, instructions are callgrind's count of one run.\n",
        commands.len(),
        runs.max(1)
    );
    println!(
        "| build | limit program: wall, instructions | doks-auth hit: wall, instructions, peak RSS | wall ratio | instruction ratio |"
    );
    println!("|---|---|---|---|---|");
    let count = |c: Option<u64>| c.map_or("n/a".to_string(), |c| format!("{:.1}k", c as f64 / 1e3));
    for (i, (name, _, _)) in pairs.iter().enumerate() {
        let (l, d) = (2 * i, 2 * i + 1);
        let ratio = match (counts[l], counts[d]) {
            (Some(l), Some(d)) => format!("{:.2}x", d as f64 / l as f64),
            _ => "n/a (no valgrind)".into(),
        };
        println!(
            "| {name} | {}, {} | {}, {}, {:.1} MiB | {:.2}x | {ratio} |",
            ms(walls[l]),
            count(counts[l]),
            ms(walls[d]),
            count(counts[d]),
            rss[d] as f64 / 1024.0,
            walls[d].as_secs_f64() / walls[l].as_secs_f64(),
        );
    }
}
