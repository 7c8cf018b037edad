//! A local, offline demo of doks-auth: `cargo run --example demo`.
//!
//! It starts the same loopback stand-ins the integration tests use (a DigitalOcean API serving
//! one cluster, "demo-cluster" in nyc1, and a TLS Kubernetes API that accepts only the token that
//! cluster's credentials carry), makes a throwaway HOME and KUBECONFIG, runs the real
//! `doks-auth kubeconfig save demo-cluster`, then the real `kubectl get --raw /version` twice
//! through the plugin, and shows that the credential DigitalOcean issued once was served from
//! the cache afterwards. Nothing outside the temporary HOME is read or written.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use support::*;

fn main() -> ExitCode {
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\ndemo failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> Result<(), String> {
    println!("doks-auth demo: everything below runs on loopback, in a temporary HOME.\n");
    build_doks_auth()?;

    // The peers.
    let pki = Pki::new();
    let kube = KubeApi::start(&pki, KubeAuth::Token(K8S_TOKEN.into()));
    let api = DoApi::start();
    api.serve_clusters(&[cluster_json(CLUSTER_ID, "demo-cluster", "nyc1", &kube.url)]);
    api.serve_cluster_credentials(
        CLUSTER_ID,
        &kube.url,
        &pki.ca_base64(),
        K8S_TOKEN,
        chrono::Duration::hours(3),
    );
    let env = TestEnv::new();
    let kubeconfig = env.home().join(".kube").join("config");
    println!("== Stand-ins");
    println!(
        "   DigitalOcean API : {} (cluster demo-cluster, nyc1, id {CLUSTER_ID})",
        api.url()
    );
    println!(
        "   Kubernetes API   : {} (TLS; accepts only the token DigitalOcean issues)",
        kube.url
    );
    println!("   HOME             : {}", env.home().display());
    println!("   KUBECONFIG       : {}\n", kubeconfig.display());

    let shown_token = "DIGITALOCEAN_ACCESS_TOKEN=dop_v1_…";
    let with_account = |cmd: &mut Command| {
        cmd.env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
            .env("KUBECONFIG", &kubeconfig);
    };

    // 1. Save the cluster into the kubeconfig.
    println!("== 1. Add the cluster to the kubeconfig");
    let mut save = env.doks_auth();
    save.args([
        "kubeconfig",
        "save",
        "demo-cluster",
        "--api-url",
        &api.url(),
    ]);
    with_account(&mut save);
    step(
        &format!(
            "{shown_token} doks-auth kubeconfig save demo-cluster --api-url {}",
            api.url()
        ),
        &mut save,
    )?;
    println!("   The kubeconfig it wrote (long base64 lines shortened):");
    let text = std::fs::read_to_string(&kubeconfig).map_err(|e| e.to_string())?;
    for line in text.lines() {
        println!("   | {}", shorten(line, 110));
    }
    report_requests(&api);

    // 2. kubectl through the plugin, twice.
    if kubectl_on_path() {
        for round in ["first", "second"] {
            println!("\n== 2. kubectl through the plugin ({round} call)");
            let mut kubectl = env.command("kubectl");
            kubectl.args(["get", "--raw", "/version"]);
            with_account(&mut kubectl);
            step(
                &format!("{shown_token} kubectl get --raw /version"),
                &mut kubectl,
            )?;
            report_requests(&api);
        }
        println!(
            "   The Kubernetes API accepted {} request(s) and turned away {}.",
            kube.accepted(),
            kube.rejected()
        );
    } else {
        println!(
            "\n== 2. kubectl is not on PATH, so it cannot be shown running the plugin.\n   \
             Install kubectl to see the full flow. Here is what kubectl would run, called directly:"
        );
        for round in ["first", "second"] {
            println!("\n   ({round} call)");
            let mut direct = env.get_credential(&api.url(), CLUSTER_ID);
            direct.env("KUBECONFIG", &kubeconfig);
            step(
                &format!(
                    "{shown_token} doks-auth get-credential --cluster-id {CLUSTER_ID} --api-url {}",
                    api.url()
                ),
                &mut direct,
            )?;
            report_requests(&api);
        }
    }

    // 3. The cache that made the difference.
    println!("\n== 3. The credential cache (no secret is shown)");
    step(
        "doks-auth cache list",
        env.doks_auth().args(["cache", "list"]),
    )?;

    let requests = api.credential_requests(CLUSTER_ID);
    if requests != 1 {
        return Err(format!(
            "expected exactly 1 credentials request to DigitalOcean, saw {requests}"
        ));
    }
    println!(
        "\nDone: DigitalOcean was asked for a credential once, by `kubeconfig save`; every later \
         call was served from ~/.kube/cache/doks-auth."
    );
    Ok(())
}

/// `cargo run --example` builds only the example, so the doks-auth binary next to it may be
/// missing or stale: build it with the same cargo, profile and target folder.
fn build_doks_auth() -> Result<(), String> {
    let bin = doks_auth_bin();
    // The example runs from <target>/<profile>/examples/demo.
    let profile_dir = bin.parent().ok_or("no target folder")?;
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("no profile folder")?;
    let target_dir = profile_dir.parent().ok_or("no target folder")?;
    let cargo = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO")));
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let cargo_profile = match profile {
        "debug" => "dev",
        other => other,
    };
    let mut cmd = Command::new(&cargo);
    cmd.arg("build")
        .arg("--quiet")
        .args(["--bin", "doks-auth", "--profile", cargo_profile])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir);
    // `cargo run` gives this process the package's CARGO_PKG_*, CARGO_MANIFEST_* and the like.
    // Some build scripts (ring's) watch those variables, so passing them on would make this
    // build and the next `cargo run` rebuild each other's dependencies every time.
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let set_by_cargo_run = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || matches!(
                name,
                "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE" | "OUT_DIR"
            );
        if set_by_cargo_run {
            cmd.env_remove(name);
        }
    }
    println!("== 0. Make sure the doks-auth binary is built and current");
    println!(
        "$ cargo build --quiet --bin doks-auth --profile {cargo_profile} --target-dir {}",
        target_dir.display()
    );
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {}: {e}", cargo.display()))?;
    if !status.success() {
        return Err(format!("cargo build failed ({status})"));
    }
    println!(
        "   built {} ({} ms)\n",
        bin.display(),
        started.elapsed().as_millis()
    );
    Ok(())
}

/// Prints the command, runs it, prints what it said; a failure ends the demo.
fn step(shown: &str, cmd: &mut Command) -> Result<Outcome, String> {
    println!("$ {shown}");
    let started = Instant::now();
    let out = run(cmd);
    let took = started.elapsed().as_millis();
    // stdout in full (an ExecCredential is one long line); stderr notes are short anyway.
    for (name, text, max) in [("stdout", &out.stdout, 1000), ("stderr", &out.stderr, 200)] {
        for line in text.lines() {
            println!("   {name}: {}", shorten(line, max));
        }
    }
    println!(
        "   (exit {}, {took} ms)",
        out.code.map_or("signal".into(), |c| c.to_string())
    );
    if out.code != Some(0) {
        return Err(format!("`{shown}` failed"));
    }
    Ok(out)
}

fn report_requests(api: &DoApi) {
    println!(
        "   -> credentials requests DigitalOcean has seen so far: {}",
        api.credential_requests(CLUSTER_ID)
    );
}

fn shorten(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let head: String = line.chars().take(max).collect();
        format!("{head}…")
    }
}
