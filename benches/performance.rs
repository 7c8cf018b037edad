//! `cargo bench --bench performance`: the figures behind the README's Performance section.
//!
//! Every comparison runs the contenders interleaved (A, B, A, B, …) so that a noisy neighbour
//! hurts both alike, and reports medians. CPU time comes from the kernel (`wait4`'s rusage) for
//! each child process. Peak memory does too, but not for children of this process: at `exec`
//! the kernel folds the high-water mark of the memory the child started with into its
//! `ru_maxrss`, and a child spawned from this large process starts with this process's memory
//! (std spawns with vfork), so even `/bin/true` would read several MiB. Peak RSS is therefore
//! measured as GNU time does, from a small launcher: this same binary, re-run with
//! `DOKS_BENCH_LAUNCH=1` before it has set anything up, spawning the command and reporting its
//! `ru_maxrss`. The launcher's own floor (`/bin/true` through it) is printed beside the figures.
//! Nothing here is asserted: it prints figures.
//!
//! Set BENCH_RUNS to change the number of rounds (default 300 for the fast cases).

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// What the kernel says about one finished child.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: i64,
}

fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// Runs a command to completion, output discarded, and measures it.
#[allow(clippy::zombie_processes)] // reaped by wait4, which std's Child::wait cannot replace
fn measure(cmd: &mut Command) -> Sample {
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

const LAUNCH: &str = "DOKS_BENCH_LAUNCH";
/// Launcher runs per contender for its peak RSS (the largest is reported).
const RSS_ROUNDS: usize = 10;

/// Launcher mode: spawn argv[1..] with output discarded, wait, print its peak RSS in KiB.
fn launch() -> ! {
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
fn peak_rss_kib(cmd: &Command, rounds: usize) -> i64 {
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

fn wait4(pid: i32) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it in for a child of ours.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert!(got > 0, "wait4 failed");
    (status, usage)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn percentile(values: &[Duration], p: f64) -> Duration {
    let mut v = values.to_vec();
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

struct Row {
    name: String,
    wall: Duration,
    cpu: Duration,
    rss_kib: i64,
}

/// Runs each contender `runs` times, interleaved, and summarises them.
fn compare(runs: usize, contenders: &mut [(&str, &mut dyn FnMut() -> Command)]) -> Vec<Row> {
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

fn print_rows(title: &str, rows: &[Row]) {
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

fn runs(default: usize) -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The "limit": a minimal Rust program that reads one file and prints it, built like ours.
fn build_minimal_reader(dir: &Path) -> PathBuf {
    let src = dir.join("read_file.rs");
    std::fs::write(
        &src,
        "use std::io::Write;\nfn main() {\n    let path = std::env::args_os().nth(1).unwrap();\n    let bytes = std::fs::read(path).unwrap();\n    std::io::stdout().lock().write_all(&bytes).unwrap();\n}\n",
    )
    .unwrap();
    let out = dir.join("read_file");
    let status = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args([
            "--edition",
            "2021",
            "-C",
            "opt-level=3",
            "-C",
            "panic=abort",
            "-C",
            "lto",
            "-C",
            "codegen-units=1",
            "-C",
            "strip=symbols",
            "-o",
        ])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("rustc");
    assert!(status.success());
    out
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn main() {
    if std::env::var_os(LAUNCH).is_some() {
        launch();
    }
    let env = TestEnv::new();
    let pki = Pki::new();
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, chrono::Duration::hours(3));
    let bin = doks_auth_bin();
    println!("# doks-auth benchmarks");
    println!(
        "\nmachine: {} cores, {}; doks-auth binary {:.2} MiB ({}); runs per case: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap()
                    .trim()
                    .to_string())
            )
            .unwrap_or_else(|| "unknown CPU".into()),
        std::fs::metadata(&bin).unwrap().len() as f64 / (1024.0 * 1024.0),
        bin.display(),
        runs(300),
    );
    println!(
        "peak RSS floor of the launcher itself (/bin/true through it): {:.1} MiB; wait4 on /bin/true spawned straight from this process reads {:.1} MiB",
        peak_rss_kib(&Command::new("/bin/true"), RSS_ROUNDS) as f64 / 1024.0,
        measure(&mut Command::new("/bin/true")).max_rss_kib as f64 / 1024.0,
    );

    // 1. Cache hit against the limit.
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    let reader = build_minimal_reader(env.home());
    let rows = compare(
        runs(300),
        &mut [
            ("minimal Rust program printing the cache file", &mut || {
                let mut c = env.command(&reader);
                c.arg(&entry);
                c
            }),
            ("doks-auth get-credential (cache hit)", &mut || {
                env.get_credential(&api.url(), CLUSTER_ID)
            }),
        ],
    );
    print_rows(
        "1. Cache hit vs the limit (target: ≤ 2.0x wall, < 8 MiB RSS)",
        &rows,
    );
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        1,
        "the cache-hit runs called the API"
    );

    // 2. Cold fetch over loopback HTTPS against curl.
    let front = TlsFront::start(&pki, api.address());
    let ca = pki.write_ca(env.home());
    let url = format!(
        "{}/v2/kubernetes/clusters/{CLUSTER_ID}/credentials?expiry_seconds=10800",
        front.url
    );
    if which("curl").is_some() {
        let rows = compare(
            runs(300) / 3,
            &mut [
                ("curl (same request, same CA)", &mut || {
                    let mut c = env.command("curl");
                    c.args(["-sf", "--cacert"]).arg(&ca).args([
                        "-H",
                        &format!("Authorization: Bearer {DO_TOKEN}"),
                        &url,
                    ]);
                    c
                }),
                ("doks-auth get-credential --no-cache", &mut || {
                    let mut c = env.get_credential(&front.url, CLUSTER_ID);
                    c.arg("--no-cache").env("SSL_CERT_FILE", &ca);
                    c
                }),
            ],
        );
        print_rows(
            "2. Cold fetch over loopback HTTPS vs curl (target: ≤ 1.5x CPU)",
            &rows,
        );
        // Both contenders really made their request, every round (timed and RSS rounds).
        assert_eq!(
            api.credential_requests(CLUSTER_ID),
            1 + 2 * (runs(300) / 3 + RSS_ROUNDS)
        );
    } else {
        println!("\n## 2. Cold fetch vs curl\n\nskipped: curl is not installed");
    }

    // 3. A peer: aws eks get-token (offline, dummy credentials).
    match aws_cli(env.home()) {
        Some(aws) => {
            let rows = compare(
                runs(300) / 15,
                &mut [
                    ("doks-auth get-credential (cache hit)", &mut || {
                        env.get_credential(&api.url(), CLUSTER_ID)
                    }),
                    ("aws eks get-token", &mut || {
                        let mut c = env.command(&aws);
                        c.args([
                            "eks",
                            "get-token",
                            "--cluster-name",
                            "bench",
                            "--region",
                            "us-east-1",
                        ])
                        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
                        .env(
                            "AWS_SECRET_ACCESS_KEY",
                            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        );
                        c
                    }),
                ],
            );
            print_rows("3. A peer: aws eks get-token", &rows);
        }
        None => println!(
            "\n## 3. A peer: aws eks get-token\n\nskipped: awscli is not installed and could not be installed from PyPI"
        ),
    }

    // 4. The herd.
    println!("\n## 4. The herd: N processes started together\n");
    println!("| N | cache | API requests | p50 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    for n in [10, 50, 200] {
        let herd_env = TestEnv::new();
        let herd_api = DoApi::start();
        herd_api.serve_token_after(
            CLUSTER_ID,
            K8S_TOKEN,
            chrono::Duration::hours(3),
            Duration::from_millis(50),
        );
        for cache in ["empty", "warm"] {
            let latencies = herd(n, || herd_env.get_credential(&herd_api.url(), CLUSTER_ID));
            println!(
                "| {n} | {cache} | {} | {} | {} | {} |",
                herd_api.credential_requests(CLUSTER_ID),
                ms(percentile(&latencies, 0.5)),
                ms(percentile(&latencies, 0.99)),
                ms(percentile(&latencies, 1.0)),
            );
        }
    }
    println!(
        "\n(API requests counts all requests for that N so far: the empty row's 1 is the herd's single request, the warm row adds none when every process hit the cache. The stand-in answers after 50 ms.)"
    );

    // 5. End to end through kubectl.
    if which("kubectl").is_some() {
        let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
        let args = [
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            &api.url(),
        ];
        let plugin = env.home().join("plugin.kubeconfig");
        std::fs::write(
            &plugin,
            exec_kubeconfig(
                &kube.url,
                &pki.ca_base64(),
                "client.authentication.k8s.io/v1",
                &args,
                &[("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)],
            ),
        )
        .unwrap();
        let static_token = env.home().join("static.kubeconfig");
        std::fs::write(
            &static_token,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: t\n  user:\n    token: {K8S_TOKEN}\ncontexts:\n- name: t\n  context: {{cluster: t, user: t}}\ncurrent-context: t\n",
                kube.url,
                pki.ca_base64()
            ),
        )
        .unwrap();
        let kubectl = |config: &Path| {
            let mut c = env.command("kubectl");
            c.args(["get", "--raw", "/version"])
                .env("KUBECONFIG", config);
            c
        };
        let rows = compare(
            runs(300) / 3,
            &mut [
                ("kubectl get --raw /version, static token", &mut || {
                    kubectl(&static_token)
                }),
                (
                    "kubectl get --raw /version, doks-auth exec (warm cache)",
                    &mut || kubectl(&plugin),
                ),
            ],
        );
        print_rows(
            "5. End to end: what the plugin adds to a kubectl command",
            &rows,
        );
        println!(
            "\nplugin overhead per kubectl command: {}",
            ms(rows[1].wall.saturating_sub(rows[0].wall))
        );
    } else {
        println!("\n## 5. End to end\n\nskipped: kubectl is not installed");
    }
}

/// Starts `n` processes at once and returns each one's start-to-exit latency.
#[allow(clippy::zombie_processes)] // reaped by waitpid(-1), which reports them as they finish
fn herd(n: usize, mut make: impl FnMut() -> Command) -> Vec<Duration> {
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

/// `aws` from PATH, or from a virtualenv this benchmark makes under target/ (PyPI is reachable).
fn aws_cli(scratch: &Path) -> Option<PathBuf> {
    if let Some(aws) = which("aws") {
        return Some(aws);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-awscli");
    let aws = venv.join("bin/aws");
    if !aws.is_file() {
        eprintln!(
            "installing awscli into {} for the peer comparison…",
            venv.display()
        );
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "awscli"])
                .current_dir(scratch)
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
    }
    aws.is_file().then_some(aws)
}
