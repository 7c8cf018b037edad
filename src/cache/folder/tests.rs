use super::super::tests::{ACCOUNT, cache, credential};
use super::*;
#[cfg(unix)]
use crate::platform::current_uid;
use std::fs::File;
#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::time::Instant;

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn only_doks_auth_names_are_recognised() {
    let entry = |cluster_id, account| Name {
        cluster_id,
        account,
        kind: Kind::Entry,
    };
    assert_eq!(
        parse_name("abc-def-0123456789abcdef.json"),
        Some(entry("abc-def", ACCOUNT))
    );
    assert_eq!(
        parse_name("abc-0123456789abcdef.lock").map(|n| n.kind),
        Some(Kind::Lock)
    );
    assert_eq!(
        parse_name("abc-0123456789abcdef.login").map(|n| n.kind),
        Some(Kind::Login)
    );
    for other in [
        "package.json",
        "tsconfig.json",
        "yarn.lock",
        "abc-0123456789ABCDEF.json",
        "abc-0123456789abcde.json",
        "abc-0123456789abcdef0.json",
        "-0123456789abcdef.json",
        "a.b-0123456789abcdef.json",
        "abc-0123456789abcdef.txt",
        "abc-0123456789abcdef.logins",
    ] {
        assert_eq!(parse_name(other), None, "{other}");
    }
}

#[cfg(unix)]
#[test]
fn folders_others_can_write_or_own_are_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    assert!(
        check(&dir).is_ok(),
        "a missing folder will be created private"
    );
    ensure(&dir).unwrap();
    assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    for (mode, trusted) in [
        (0o755, true),
        (0o750, true),
        (0o775, false),
        (0o1777, false),
    ] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
        assert_eq!(check(&dir).is_ok(), trusted, "{mode:o}");
        assert_eq!(ensure(&dir).is_ok(), trusted, "{mode:o}");
        // Never tightened: the folder may not be ours to change.
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o7777, mode);
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    if current_uid() == 0 {
        std::os::unix::fs::chown(&dir, Some(4242), None).unwrap();
        let err = check(&dir).unwrap_err().to_string();
        assert!(err.contains("belongs to uid 4242"), "{err}");
        assert!(ensure(&dir).is_err());
    }
    let file = tmp.path().join("f");
    fs::write(&file, b"").unwrap();
    assert!(check(&file).is_err());
    assert!(ensure(&file).is_err());
}

#[test]
fn listing_and_removing_touch_only_our_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("doks-auth");
    assert!(entry_files(&dir).unwrap().is_empty());
    assert_eq!(remove_entries(&dir, None).unwrap(), 0);
    let other = "fedcba9876543210";
    for (cluster, account) in [("abc", ACCOUNT), ("abc", other), ("abc-def", ACCOUNT)] {
        let cache = cache(tmp.path(), cluster, account);
        cache.store(&credential()).unwrap();
        drop(
            cache
                .lock(Instant::now(), Duration::ZERO, "--timeout")
                .unwrap(),
        );
    }
    // What else a folder given as --cache-dir by mistake may hold.
    let foreign = [
        "package.json",
        "yarn.lock",
        "notes.txt",
        "zzz-0123456789abcdef.json", // our name, not our content
        ".tmp-fresh1",               // a write in progress
        ".tmp-notours-at-all",
    ];
    for name in foreign {
        fs::write(dir.join(name), b"{\"keep\": true}").unwrap();
    }
    let old = SystemTime::now() - Duration::from_secs(3600);
    let leftover = dir.join(".tmp-Ab12Cd");
    File::create(&leftover).unwrap().set_modified(old).unwrap();
    assert_eq!(
        entry_files(&dir).unwrap(),
        [
            dir.join(format!("abc-{ACCOUNT}.json")),
            dir.join(format!("abc-def-{ACCOUNT}.json")),
            dir.join(format!("abc-{other}.json")),
            dir.join("zzz-0123456789abcdef.json"),
        ]
    );
    let login = crate::cache::Failure {
        at: chrono::Utc::now(),
        reason: "no login within 300 s".into(),
        next_try: None,
    };
    cache(tmp.path(), "abc", ACCOUNT)
        .remember_unfinished_login(login)
        .unwrap();
    let abc = ClusterId::parse("abc").unwrap();
    assert_eq!(remove_entries(&dir, Some(&abc)).unwrap(), 2);
    assert!(!dir.join(format!("abc-{ACCOUNT}.login")).exists());
    assert!(
        leftover.exists(),
        "a cluster's clear removed temporary files"
    );
    let mut expected: Vec<String> = foreign.iter().map(|n| n.to_string()).collect();
    expected.extend([
        ".tmp-Ab12Cd".into(),
        format!("abc-def-{ACCOUNT}.json"),
        format!("abc-def-{ACCOUNT}.lock"),
    ]);
    expected.sort();
    assert_eq!(names(&dir), expected);

    // A lock some process holds stays: removing it would let a second refresh start.
    let busy = cache(tmp.path(), "abc-def", ACCOUNT);
    let held = busy
        .lock(Instant::now(), Duration::ZERO, "--timeout")
        .unwrap()
        .unwrap();
    assert_eq!(remove_entries(&dir, None).unwrap(), 1);
    let mut expected: Vec<String> = foreign.iter().map(|n| n.to_string()).collect();
    expected.push(format!("abc-def-{ACCOUNT}.lock"));
    expected.sort();
    assert_eq!(names(&dir), expected);
    drop(held);
    assert_eq!(remove_entries(&dir, None).unwrap(), 0);
    let mut expected: Vec<String> = foreign.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(names(&dir), expected);
    for name in foreign {
        assert_eq!(fs::read(dir.join(name)).unwrap(), b"{\"keep\": true}");
    }
}

#[cfg(unix)]
#[test]
fn clear_leaves_what_only_looks_like_a_lock_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("doks-auth");
    ensure(&dir).unwrap();
    let victim = tmp.path().join("victim");
    fs::write(&victim, b"precious").unwrap();
    let link = dir.join(format!("abc-{ACCOUNT}.lock"));
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let fifo = dir.join(format!("def-{ACCOUNT}.lock"));
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    // With a reader at the other end, opening the FIFO for writing succeeds: only its type
    // tells it is no lock file.
    let _reader = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    assert_eq!(remove_entries(&dir, None).unwrap(), 0);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::symlink_metadata(&fifo).is_ok(), "the FIFO was removed");
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    // The symlink was not followed to lock its target either.
    let target = fs::File::open(&victim).unwrap();
    assert!(target.try_lock().is_ok());
    // One that vanished between the listing and the removal is no error.
    assert!(remove_unused_lock(&dir.join("gone.lock")).is_ok());
}

#[test]
fn unreadable_folders_and_files_are_errors_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    fs::write(&file, b"").unwrap();
    // A path below a file: not "missing", and not to be used or listed as empty.
    // (Windows says "not found" for a path below a file, and creating it then fails.)
    #[cfg(unix)]
    assert!(check(&file.join("sub")).is_err());
    assert!(entry_files(&file).is_err());
    assert!(remove_entries(&file, None).is_err());
}

#[test]
fn small_files_are_read_up_to_the_limit_and_say_why_not() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f");
    assert_eq!(read_small_file(&path).unwrap_err(), "no entry");
    let limit = super::super::MAX_ENTRY_BYTES as usize;
    fs::write(&path, vec![b' '; limit]).unwrap();
    assert_eq!(read_small_file(&path).unwrap().1.len(), limit);
    fs::write(&path, vec![b' '; limit + 1]).unwrap();
    assert!(read_small_file(&path).unwrap_err().contains("too large"));
}

#[test]
fn an_entry_is_recognised_by_its_content_too() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "abc", ACCOUNT);
    cache.store(&credential()).unwrap();
    fn name(n: &str) -> Name<'_> {
        parse_name(n).unwrap()
    }
    let ours = format!("abc-{ACCOUNT}.json");
    assert!(holds_entry(cache.path(), &name(&ours)));
    assert!(holds_entry(
        cache.path(),
        &name(&format!("ABC-{ACCOUNT}.json"))
    ));
    assert!(!holds_entry(
        cache.path(),
        &name(&format!("abd-{ACCOUNT}.json"))
    ));
    assert!(!holds_entry(
        cache.path(),
        &name("abc-fedcba9876543210.json")
    ));
    let dir = tmp.path().join("doks-auth");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(cache.path(), dir.join("link")).unwrap();
        assert!(!holds_entry(&dir.join("link"), &name(&ours)));
    }
    fs::create_dir(dir.join("sub")).unwrap();
    assert!(!holds_entry(&dir.join("sub"), &name(&ours)));
}

#[test]
fn temporary_files_are_ours_only_when_named_so_and_old() {
    let tmp = tempfile::tempdir().unwrap();
    let old = SystemTime::now() - Duration::from_secs(120);
    let recent = SystemTime::now() - Duration::from_secs(30);
    for (name, modified, stale) in [
        (".tmp-Ab12Cd", old, true),
        (".tmp-Ab12Cd", recent, false),
        (".tmp-Ab12C", old, false),
        (".tmp-Ab12Cde", old, false),
        (".tmp-Ab12C.", old, false),
        ("x.tmp-Ab12Cd", old, false),
    ] {
        let path = tmp.path().join(name);
        File::create(&path).unwrap().set_modified(modified).unwrap();
        assert_eq!(is_stale_temp_file(&path, name), stale, "{name}");
        fs::remove_file(&path).unwrap();
    }
    let dir = tmp.path().join(".tmp-Ab12Cd");
    fs::create_dir(&dir).unwrap();
    assert!(!is_stale_temp_file(&dir, ".tmp-Ab12Cd"));
}
