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

// The figures come from Unix's wait4 and rusage (measure.rs): on Windows the bench is a stub
// that says so, so that `cargo clippy --all-targets` and `cargo test` build there.
#[cfg(unix)]
#[path = "../../tests/support/mod.rs"]
mod support;

#[cfg(unix)]
use std::path::Path;
#[cfg(unix)]
use std::process::Command;
#[cfg(unix)]
use std::time::Duration;

#[cfg(unix)]
use support::*;

#[cfg(unix)]
mod measure;
#[cfg(unix)]
mod peers;
#[cfg(unix)]
mod save_all;
#[cfg(unix)]
mod sso;

#[cfg(unix)]
use measure::*;
#[cfg(unix)]
use peers::*;

#[cfg(not(unix))]
fn main() {
    eprintln!("the benchmark measures with Unix's wait4 and rusage: run it on Linux");
}

#[cfg(unix)]
fn main() {
    if std::env::var_os(LAUNCH).is_some() {
        launch();
    }
    // BENCH_ONLY=save-all prints section 9 alone.
    if std::env::var("BENCH_ONLY").is_ok_and(|only| only == "save-all") {
        save_all::run();
        return;
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

    // 1. Cache hit against the limit. The entry is fetched through the TLS front, so the hit
    // runs with an https API URL as users' do (an http one, allowed for loopback stand-ins
    // only, costs a URL parse that no user's hit pays); the other sections use the plain one.
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let front = TlsFront::start(&pki, api.address());
    let ca = pki.write_ca(env.home());
    let entries = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(env.cache_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect()
    };
    let before = entries();
    run_ok(
        env.get_credential(&front.url, CLUSTER_ID)
            .env("SSL_CERT_FILE", &ca),
    );
    let entry = entries()
        .into_iter()
        .find(|p| !before.contains(p))
        .expect("the https entry");
    let hit = |bin: &Path| {
        let mut c = env.command(bin);
        c.args([
            "get-credential",
            "--cluster-id",
            CLUSTER_ID,
            "--api-url",
            &front.url,
        ])
        .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN);
        c
    };
    let read = |bin: &Path| {
        let mut c = env.command(bin);
        c.arg(&entry);
        c
    };
    let reader = build_minimal_reader(env.home());
    // The binary users install, and the limit built the same way, when it has been built.
    let statics = match static_doks_auth() {
        Some(bin) => build_static_reader(env.home()).map(|limit| (bin, limit)),
        None => Err("no static build: run `../shared/cross/cross static --release --locked` first (or set DOKS_BENCH_STATIC)".into()),
    };
    let mut pairs: Vec<(&str, Command, Command)> = vec![(
        "as cargo builds it (dynamically linked, PIE)",
        read(&reader),
        hit(&bin),
    )];
    match &statics {
        Ok((bin, limit)) => {
            pairs.push((
                "static musl, not PIE (what users install)",
                read(limit),
                hit(bin),
            ));
            println!(
                "static doks-auth: {} ({:.2} MiB)",
                bin.display(),
                std::fs::metadata(bin).unwrap().len() as f64 / (1024.0 * 1024.0)
            );
        }
        Err(why) => println!("\nstatic build skipped: {}", why.trim()),
    }
    hit_vs_limit(runs(300), &pairs);
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        2,
        "the cache-hit runs called the API"
    );

    // 1b. What counting a client's calls (the refused-credential check) adds to a hit. Each run
    // under valgrind has its own parent, as each kubectl command has.
    let exec_info = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#;
    let plain = instructions(&env.get_credential(&api.url(), CLUSTER_ID));
    let counted = instructions(
        env.get_credential(&api.url(), CLUSTER_ID)
            .env("KUBERNETES_EXEC_INFO", exec_info),
    );
    match (plain, counted) {
        (Some(plain), Some(counted)) => println!(
            "\n## 1b. The refused-credential check on a cache hit\n\ninstructions (callgrind): without KUBERNETES_EXEC_INFO {plain}, with it (the parent's start time read, its call counted) {counted}: +{} ({:+.1}%)",
            counted as i64 - plain as i64,
            (counted as f64 / plain as f64 - 1.0) * 100.0
        ),
        _ => {
            println!("\n## 1b. The refused-credential check\n\nskipped: valgrind is not installed")
        }
    }

    // 2. Cold fetch over loopback HTTPS against curl.
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
            2 + 2 * (runs(300) / 3 + RSS_ROUNDS)
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

    // 6-8. Single sign-on.
    sso::run(&mut || env.get_credential(&api.url(), CLUSTER_ID));

    // 9. save --all.
    save_all::run();
}
