//! Stress, bounded in count and time: processes killed mid-refresh, and many readers racing a
//! writer.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::Value;

use crate::support::*;

#[test]
fn a_process_killed_mid_refresh_does_not_block_the_next() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let mut victim = env.refresh_in_progress(&api, StdDuration::from_secs(30));
    victim.kill().unwrap(); // SIGKILL: no destructor, no cleanup
    victim.wait().unwrap();

    api.reset();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    let started = Instant::now();
    let out = run_ok(
        env.get_credential(&api.url(), CLUSTER_ID)
            .args(["--timeout", "10"]),
    );
    assert!(
        started.elapsed() < StdDuration::from_secs(5),
        "the next call waited {:?}",
        started.elapsed()
    );
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    let entry: Value = serde_json::from_slice(&std::fs::read(env.only_cache_entry()).unwrap())
        .expect("the cache entry is whole");
    assert_eq!(entry["cluster_id"], CLUSTER_ID);
    let leftovers: Vec<_> = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Makes the entry due for refresh (4 minutes left, inside the default 5-minute margin) with an
/// atomic rename, as doks-auth itself writes, so readers never see the test's own write torn.
fn age_atomically(path: &Path) {
    let mut entry: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let now = Utc::now();
    entry["fetched_at"] = (now - Duration::minutes(56))
        .to_rfc3339_opts(SecondsFormat::Nanos, true)
        .into();
    entry["expires_at"] = (now + Duration::minutes(4))
        .to_rfc3339_opts(SecondsFormat::Nanos, true)
        .into();
    let tmp = path.with_extension("aging");
    std::fs::write(&tmp, serde_json::to_vec(&entry).unwrap()).unwrap();
    set_mode(&tmp, 0o600);
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn hundreds_of_readers_racing_refreshes_never_see_a_torn_entry() {
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, Duration::hours(1));
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = env.only_cache_entry();

    let done = AtomicBool::new(false);
    let refreshes = AtomicUsize::new(0);
    let reads = AtomicUsize::new(0);
    std::thread::scope(|s| {
        // The writer: again and again, make the entry due and let doks-auth refresh it.
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                age_atomically(&entry);
                run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
                refreshes.fetch_add(1, Ordering::SeqCst);
            }
        });
        // Readers with no margin: the aged entry is still good for them, so each one is a hit
        // that reads whatever file is there at that instant.
        let readers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..75 {
                        let out = run_ok(
                            env.get_credential(&api.url(), CLUSTER_ID)
                                .args(["--refresh-margin", "0"]),
                        );
                        assert_eq!(out.stderr, "");
                        assert_eq!(
                            out.json()["status"]["token"],
                            K8S_TOKEN,
                            "a reader got {:?}",
                            out.stdout
                        );
                        reads.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for reader in readers {
            reader.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
    });
    assert_eq!(reads.load(Ordering::SeqCst), 300);
    let refreshes = refreshes.load(Ordering::SeqCst);
    assert!(
        refreshes >= 3,
        "only {refreshes} refreshes raced the readers"
    );
    // Every API request came from the writer: no reader ever missed.
    assert_eq!(api.credential_requests(CLUSTER_ID), 1 + refreshes);
}

#[test]
fn cache_clear_during_a_refresh_keeps_the_lock_so_no_second_refresh_starts() {
    let env = TestEnv::new();
    let api = DoApi::start();
    let mut first = env.refresh_in_progress(&api, StdDuration::from_secs(2));
    let lock = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "lock"))
        .unwrap();
    run_ok(env.doks_auth().args(["cache", "clear"]));
    assert!(
        lock.exists(),
        "cache clear removed the lock of a refresh in progress"
    );
    // A second process now waits for the first instead of refreshing beside it.
    let second = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert!(first.wait().unwrap().success());
    assert_eq!(second.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        1,
        "two refreshes ran at once"
    );
}
