//! The disk side of the cache: folders that cannot be used, planted symlinks, leftover locks and
//! junk. The credential still reaches kubectl; nothing outside the cache folder is written.

#[cfg(unix)]
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;

use crate::support::*;

#[cfg(unix)]
fn served_with_one_warning(out: &Outcome) {
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("doks-auth: warning:") && out.stderr.contains("not cached"),
        "{}",
        out.stderr
    );
}

#[test]
#[cfg(unix)]
fn an_unusable_cache_folder_still_serves_the_credential_with_a_warning() {
    let (env, api) = serving_a_token();

    // A regular file where the folder should be.
    let file = env.home().join("not-a-dir");
    std::fs::write(&file, b"keep me").unwrap();
    served_with_one_warning(&run(env
        .get_credential(&api.url(), CLUSTER_ID)
        .arg("--cache-dir")
        .arg(&file)));
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");

    // A folder that cannot be created: below a file.
    served_with_one_warning(&run(env
        .get_credential(&api.url(), CLUSTER_ID)
        .arg("--cache-dir")
        .arg(file.join("sub"))));

    // A folder nobody may write to: /proc refuses even root (tests often run as root).
    served_with_one_warning(&run(env
        .get_credential(&api.url(), CLUSTER_ID)
        .args(["--cache-dir", "/proc/doks-auth-test"])));

    // A read-only folder of our own, where permissions apply (not to root).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        let ro = env.home().join("ro");
        std::fs::create_dir(&ro).unwrap();
        set_mode(&ro, 0o500);
        served_with_one_warning(&run(env
            .get_credential(&api.url(), CLUSTER_ID)
            .arg("--cache-dir")
            .arg(&ro)));
    }
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        if unsafe { libc::geteuid() } != 0 {
            4
        } else {
            3
        }
    );
}

#[test]
#[cfg(unix)]
fn a_symlinked_entry_is_replaced_not_written_through() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = env.only_cache_entry();

    // Someone plants a symlink to a file of theirs where the entry was.
    let victim = env.home().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    std::fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink(&victim, &entry).unwrap();

    let out = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        2,
        "the symlink was read as an entry"
    );
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"precious",
        "wrote through the symlink"
    );
    assert!(
        std::fs::symlink_metadata(&entry)
            .unwrap()
            .file_type()
            .is_file()
    );
}

#[test]
fn a_leftover_lock_file_does_not_block() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let lock = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "lock"))
        .unwrap();
    // The lock file stays after every refresh; make the entry stale so the next call needs it.
    for entry in std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
    {
        if entry.extension().is_some_and(|x| x == "json") {
            std::fs::remove_file(entry).unwrap();
        }
    }
    assert!(lock.exists());
    let started = Instant::now();
    run_ok(
        env.get_credential(&api.url(), CLUSTER_ID)
            .args(["--timeout", "5"]),
    );
    assert!(
        started.elapsed() < StdDuration::from_secs(4),
        "blocked on a lock nobody holds"
    );
    assert_eq!(api.credential_requests(CLUSTER_ID), 2);
}

#[test]
fn a_folder_full_of_junk_still_works() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let dir = env.cache_dir();
    for i in 0..500 {
        std::fs::write(
            dir.join(format!("junk-{i}.json")),
            format!("{{not json {i}"),
        )
        .unwrap();
    }
    std::fs::create_dir(dir.join("a-directory.json")).unwrap();
    std::fs::write(dir.join(".tmp-leftover"), b"half a file").unwrap();
    let out = run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    assert_eq!(out.stderr, "");
    assert_eq!(out.json()["status"]["token"], K8S_TOKEN);
    assert_eq!(
        api.credential_requests(CLUSTER_ID),
        1,
        "junk beside the entry caused a refetch"
    );
    // The other cluster's first fetch is not disturbed either.
    api.serve_token(OTHER_CLUSTER_ID, K8S_TOKEN, Duration::hours(3));
    run_ok(&mut env.get_credential(&api.url(), OTHER_CLUSTER_ID));
    assert!(dir_has_entry_for(&dir, OTHER_CLUSTER_ID));
}

fn dir_has_entry_for(dir: &Path, cluster: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let name = e.unwrap().file_name().into_string().unwrap();
        name.starts_with(cluster) && name.ends_with(".json")
    })
}

#[test]
#[cfg(unix)]
fn a_folder_others_can_write_is_not_used_nor_changed() {
    let (env, api) = serving_a_token();
    let shared = env.home().join("shared");
    std::fs::create_dir(&shared).unwrap();
    set_mode(&shared, 0o1777);
    let out = run(env
        .get_credential(&api.url(), CLUSTER_ID)
        .arg("--cache-dir")
        .arg(&shared));
    served_with_one_warning(&out);
    assert!(
        out.stderr.contains("other users can write"),
        "{}",
        out.stderr
    );
    let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o7777;
    assert_eq!(
        mode, 0o1777,
        "the sticky, world-writable folder was changed"
    );
    assert_eq!(
        std::fs::read_dir(&shared).unwrap().count(),
        0,
        "wrote into it"
    );
}

#[test]
#[cfg(unix)]
fn a_folder_of_another_user_is_not_used() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root to give a folder to another user");
        return;
    }
    let (env, api) = serving_a_token();
    let theirs = env.home().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    set_mode(&theirs, 0o700);
    std::os::unix::fs::chown(&theirs, Some(4242), Some(4242)).unwrap();
    let out = run(env
        .get_credential(&api.url(), CLUSTER_ID)
        .arg("--cache-dir")
        .arg(&theirs));
    served_with_one_warning(&out);
    assert!(out.stderr.contains("belongs to uid 4242"), "{}", out.stderr);
    assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 0);
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&theirs).unwrap());
    assert_eq!(owner, 4242, "the folder was taken over");
}

#[test]
#[cfg(unix)]
fn a_user_without_a_home_gets_the_credential_uncached() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root to run as a uid with no passwd entry");
        return;
    }
    let (env, api) = serving_a_token();
    // The checkout may sit in a folder only root can enter: run a copy from one anyone can.
    let open = tempfile::Builder::new()
        .prefix("doks-auth-uid-")
        .tempdir()
        .unwrap();
    set_mode(open.path(), 0o755);
    let bin = open.path().join("doks-auth");
    std::fs::copy(doks_auth_bin(), &bin).unwrap();
    set_mode(&bin, 0o755);
    // As on OpenShift or in some CI: an arbitrary uid, no passwd entry, no HOME.
    let mut cmd = env.command(&bin);
    cmd.args([
        "get-credential",
        "--cluster-id",
        CLUSTER_ID,
        "--api-url",
        &api.url(),
    ])
    .env("DIGITALOCEAN_ACCESS_TOKEN", DO_TOKEN)
    .env_remove("HOME")
    .current_dir("/");
    std::os::unix::process::CommandExt::uid(&mut cmd, 4242);
    let out = run(&mut cmd);
    served_with_one_warning(&out);
    assert!(out.stderr.contains("no home directory"), "{}", out.stderr);
}

#[test]
#[cfg(unix)]
fn a_fifo_at_the_lock_name_does_not_hang_the_command() {
    let (env, api) = serving_a_token();
    run_ok(&mut env.get_credential(&api.url(), CLUSTER_ID));
    let entry = env.only_cache_entry();
    let lock = entry.with_extension("lock");
    std::fs::remove_file(&entry).unwrap();
    std::fs::remove_file(&lock).unwrap();
    let fifo = std::ffi::CString::new(lock.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let started = Instant::now();
    let out = run(env
        .get_credential(&api.url(), CLUSTER_ID)
        .args(["--timeout", "5"]));
    served_with_one_warning(&out);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    assert!(started.elapsed() < StdDuration::from_secs(5));
    assert!(
        std::fs::symlink_metadata(&lock)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert!(!entry.exists(), "nothing cached without a lock");
}
