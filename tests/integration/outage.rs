//! DigitalOcean slow or down while a usable credential is cached: the refresh attempt is cut
//! short, and for a minute after it failed the cached credential is served without trying again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::network_faults::{never_answers, raw_server, store_due_entry};
use crate::support::*;

fn served_stale(out: &Outcome, says: &str) {
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: warning:") && out.stderr.contains(says),
        "{}",
        out.stderr
    );
}

#[test]
fn an_api_that_never_answers_costs_a_few_seconds_once_then_nothing_for_a_minute() {
    static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
    fn count_and_hang(stream: std::net::TcpStream) {
        CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        never_answers(stream);
    }
    let env = TestEnv::new();
    let url = raw_server(count_and_hang);
    store_due_entry(&env, &url);

    let started = Instant::now();
    let first = run(env
        .get_credential(&url, CLUSTER_ID)
        .args(["--timeout", "30"]));
    let took = started.elapsed();
    served_stale(&first, "did not wait out --timeout");
    assert!(
        took < Duration::from_secs(15),
        "the attempt was not cut short: {took:?}"
    );
    let tried = CONNECTIONS.load(Ordering::SeqCst);
    assert!(tried >= 1);

    let started = Instant::now();
    let second = run(env
        .get_credential(&url, CLUSTER_ID)
        .args(["--timeout", "30"]));
    served_stale(&second, "next try after");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        CONNECTIONS.load(Ordering::SeqCst),
        tried,
        "DigitalOcean was called again within the minute"
    );
    // Reported as expiring in a minute (the credential itself has two), so clients come back.
    let in_a_minute = second.expiration() - chrono::Utc::now();
    assert!(
        (50..=61).contains(&in_a_minute.num_seconds()),
        "{in_a_minute}"
    );
}

#[test]
fn without_a_usable_credential_the_whole_timeout_applies() {
    let env = TestEnv::new();
    let url = raw_server(never_answers);
    let started = Instant::now();
    let out = run(env
        .get_credential(&url, CLUSTER_ID)
        .args(["--timeout", "7"]));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        started.elapsed() >= Duration::from_secs(7),
        "gave up before --timeout"
    );
    assert!(
        out.stderr.contains("(--timeout)") && !out.stderr.contains("still works"),
        "{}",
        out.stderr
    );
}
