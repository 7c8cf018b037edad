use super::*;
#[cfg(unix)]
use crate::platform::current_uid;
use crate::secret::Secret;
#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, PermissionsExt};

pub(super) const ACCOUNT: &str = "0123456789abcdef";

pub(super) fn credential() -> Credential {
    let now = chrono::Utc::now();
    Credential {
        token: Some(Secret::new("tok")),
        client_certificate: None,
        client_key: None,
        expires_at: now + chrono::Duration::hours(1),
        fetched_at: now,
        sso: None,
    }
}

pub(super) fn cache(dir: &Path, cluster: &str, account: &str) -> Cache {
    Cache::new(
        dir.join("doks-auth"),
        &ClusterId::parse(cluster).unwrap(),
        account,
    )
}

#[test]
fn round_trip_with_private_permissions() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    assert!(cache.load().is_none());
    let stored = credential();
    cache.store(&stored).unwrap();
    assert_eq!(cache.load().unwrap(), stored);
    #[cfg(unix)]
    {
        let mode = |p: &Path| fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(cache.path()), 0o600);
        assert_eq!(mode(&tmp.path().join("doks-auth")), 0o700);
    }
    cache.remove().unwrap();
    assert!(cache.load().is_none());
    cache.remove().unwrap();
}

#[cfg(unix)]
#[test]
fn untrusted_files_are_misses() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    cache.store(&credential()).unwrap();

    fs::set_permissions(cache.path(), fs::Permissions::from_mode(0o644)).unwrap();
    assert!(cache.load().is_none(), "world-readable entry was trusted");
    fs::set_permissions(cache.path(), fs::Permissions::from_mode(0o600)).unwrap();
    assert!(cache.load().is_some());

    // Another user's file, mode 0600 and otherwise perfect (chown needs root, as CI is).
    if current_uid() == 0 {
        std::os::unix::fs::chown(cache.path(), Some(4242), None).unwrap();
        assert!(cache.load().is_none(), "another user's entry was trusted");
        std::os::unix::fs::chown(cache.path(), Some(0), None).unwrap();
        assert!(cache.load().is_some());
    }

    let other = self::cache(tmp.path(), "c1", "fedcba9876543210");
    fs::copy(cache.path(), other.path()).unwrap();
    fs::set_permissions(other.path(), fs::Permissions::from_mode(0o600)).unwrap();
    assert!(other.load().is_none(), "another account's entry was served");
    let renamed = self::cache(tmp.path(), "c2", ACCOUNT);
    fs::copy(cache.path(), renamed.path()).unwrap();
    assert!(
        renamed.load().is_none(),
        "another cluster's entry was served"
    );

    fs::write(cache.path(), b"{\"format\":1,").unwrap();
    assert!(cache.load().is_none());
}

#[test]
fn entries_up_to_64_kib_are_read_and_larger_files_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    // A client-certificate credential: a few KiB of PEM.
    let mut big = credential();
    big.client_certificate = Some(Secret::new("C".repeat(3000)));
    big.client_key = Some(Secret::new("K".repeat(3000)));
    cache.store(&big).unwrap();
    assert_eq!(cache.load(), Some(big.clone()));
    big.client_key = Some(Secret::new("K".repeat(70 * 1024)));
    cache.store(&big).unwrap();
    assert_eq!(cache.load(), None, "a file over 64 KiB was read");
}

#[test]
fn removing_reports_what_it_cannot_remove() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    cache.remove().unwrap(); // nothing there: fine
    fs::create_dir_all(cache.path().join("inside")).unwrap();
    assert!(
        cache.remove().is_err(),
        "a folder in the entry's place was called removed"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_in_place_of_an_entry_is_a_miss_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    cache.store(&credential()).unwrap();
    fs::remove_file(cache.path()).unwrap();
    let path = std::ffi::CString::new(cache.path().as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let (sender, receiver) = std::sync::mpsc::channel();
    let reader = Cache::new(cache.dir.clone(), &ClusterId::parse("c1").unwrap(), ACCOUNT);
    std::thread::spawn(move || sender.send(reader.load().is_none()).unwrap());
    let answer = receiver.recv_timeout(Duration::from_secs(5));
    if answer.is_err() {
        // Unblock the reader before failing, so the test process can end.
        let _ = OpenOptions::new().write(true).open(cache.path());
    }
    assert_eq!(answer, Ok(true), "opening a FIFO entry hung or was served");
}

// Symlinks need a privilege on Windows; the no-follow open is tested in platform.
#[cfg(unix)]
#[test]
fn symlinks_are_neither_read_nor_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    let elsewhere = tmp.path().join("elsewhere.json");
    cache.store(&credential()).unwrap();
    fs::rename(cache.path(), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, cache.path()).unwrap();
    assert!(cache.load().is_none());
    let before = fs::read(&elsewhere).unwrap();
    cache.store(&credential()).unwrap();
    assert_eq!(
        fs::read(&elsewhere).unwrap(),
        before,
        "wrote through the symlink"
    );
    assert!(
        !fs::symlink_metadata(cache.path())
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_at_the_lock_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    fs::create_dir(&cache.dir).unwrap();
    fs::set_permissions(&cache.dir, fs::Permissions::from_mode(0o700)).unwrap();
    let victim = tmp.path().join("victim");
    std::os::unix::fs::symlink(&victim, cache.lock_path()).unwrap();
    let lock = cache
        .lock(Instant::now(), Duration::ZERO, "--timeout")
        .unwrap();
    assert!(lock.is_none(), "a lock was taken through the symlink");
    assert!(!victim.exists(), "the symlink's target was created");
}

#[test]
fn lock_is_exclusive_and_times_out() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    let held = cache
        .lock(Instant::now(), Duration::ZERO, "--timeout")
        .unwrap()
        .unwrap();
    let second = self::cache(tmp.path(), "c1", ACCOUNT);
    let deadline = Instant::now() + Duration::from_millis(50);
    let err = second
        .lock(deadline, Duration::from_secs(7), "--timeout")
        .err()
        .unwrap();
    assert!(
        matches!(err, Error::LockTimeout { seconds: 7, .. }),
        "{err}"
    );
    assert!(err.is_transient(), "a busy lock is a passing condition");
    drop(held);
    assert!(
        second
            .lock(Instant::now(), Duration::ZERO, "--timeout")
            .unwrap()
            .is_some()
    );
}

// On Windows a removed file that is still open keeps its name until closed: no new file
// can take it meanwhile, and the lock is done without (see `Cache::lock`).
#[cfg(unix)]
#[test]
fn a_lock_on_a_file_no_longer_in_the_folder_does_not_count() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    fs::create_dir(&cache.dir).unwrap();
    // Opened, then unlinked by `cache clear` before we lock it.
    let file = cache.open_lock_file().unwrap().unwrap();
    fs::remove_file(cache.lock_path()).unwrap();
    assert!(matches!(cache.attempt(file), Attempt::Unlinked));
    // Opened, then replaced by another file of the same name.
    let file = cache.open_lock_file().unwrap().unwrap();
    fs::remove_file(cache.lock_path()).unwrap();
    let _newer = cache.open_lock_file().unwrap().unwrap();
    assert!(matches!(cache.attempt(file), Attempt::Unlinked));
    // The file in the folder.
    let file = cache.open_lock_file().unwrap().unwrap();
    let taken = cache.attempt(file);
    assert!(matches!(taken, Attempt::Taken(_)));
    let held = cache.lock(Instant::now(), Duration::ZERO, "--timeout");
    assert!(matches!(held, Err(Error::LockTimeout { .. })));
    drop(taken);
}

#[test]
fn an_unfinished_login_is_remembered_until_a_credential_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    assert_eq!(cache.unfinished_login(), None);
    let login = Failure {
        at: chrono::Utc::now(),
        reason: "no login within 300 s".into(),
        next_try: None,
    };
    // The first login of an entry: there is no credential to keep the record with.
    cache.remember_unfinished_login(login.clone()).unwrap();
    assert!(cache.load().is_none());
    assert_eq!(cache.unfinished_login(), Some(login.clone()));
    let record = cache.path().with_extension("login");
    #[cfg(unix)]
    assert_eq!(fs::metadata(&record).unwrap().mode() & 0o777, 0o600);
    // Another cluster's or account's entry knows nothing of it.
    let other = super::tests::cache(tmp.path(), "c2", ACCOUNT);
    assert_eq!(other.unfinished_login(), None);
    fs::copy(&record, other.path().with_extension("login")).unwrap();
    assert_eq!(
        other.unfinished_login(),
        None,
        "a record under another name"
    );
    // Untrusted: ignored.
    #[cfg(unix)]
    {
        fs::set_permissions(&record, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(cache.unfinished_login(), None);
        fs::set_permissions(&record, fs::Permissions::from_mode(0o600)).unwrap();
    }
    // A failed refresh keeps the record; a new credential ends it.
    cache
        .remember_failure(&credential(), login.clone())
        .unwrap();
    assert_eq!(cache.unfinished_login(), Some(login));
    cache.store(&credential()).unwrap();
    assert_eq!(cache.unfinished_login(), None);
    assert!(!record.exists());
    cache.forget_unfinished_login().unwrap();
}

#[test]
fn every_field_of_an_entry_reads_back_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "c1", ACCOUNT);
    let full = Credential {
        client_certificate: Some(Secret::new("-----BEGIN CERTIFICATE-----\nMII\n")),
        client_key: Some(Secret::new("-----BEGIN EC PRIVATE KEY-----\nMHc\n")),
        sso: Some(crate::credential::SsoSession {
            issuer: "https://id.example".into(),
            client_id: Some("kube".into()),
            email: Some("a@example.com".into()),
            refresh_token: Some(Secret::new("rt")),
        }),
        ..credential()
    };
    let failure = Failure {
        at: chrono::Utc::now(),
        reason: "DigitalOcean answered 503".into(),
        next_try: Some(chrono::Utc::now() + chrono::Duration::seconds(90)),
    };
    cache.remember_failure(&full, failure.clone()).unwrap();
    let entry = cache.load_entry().unwrap();
    assert_eq!(entry.credential, full);
    assert_eq!(entry.refresh_failed, Some(failure));
    assert_eq!((entry.format, entry.cluster_id.as_str()), (FORMAT, "c1"));
    // A file from another version, with a field this one does not know and without the
    // optional ones, still reads.
    let json = format!(
        r#"{{"format":1,"cluster_id":"c1","account":"{ACCOUNT}","new_field":[1,{{"a":null}}],"token":"tok","expires_at":"2099-01-01T00:00:00Z","fetched_at":"2026-01-01T00:00:00Z"}}"#
    );
    fs::write(cache.path(), json).unwrap();
    let entry = cache.load_entry().unwrap();
    assert_eq!(entry.credential.token, Some(Secret::new("tok")));
    assert!(entry.credential.sso.is_none() && entry.refresh_failed.is_none());
}
