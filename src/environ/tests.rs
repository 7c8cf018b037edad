use std::process::Command;

use super::*;

/// The variables this process was started with (set by the test below for its child), each
/// read here as std reads it.
#[test]
fn every_variable_reads_as_std_reads_it() {
    let mut names: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .collect();
    // Prefixes and extensions of real names, odd names std looks up itself, and absent ones.
    let more: Vec<String> = names
        .iter()
        .flat_map(|n| {
            [
                n[..n.len() - 1].to_string(),
                format!("{n}X"),
                format!("{n}="),
            ]
        })
        .collect();
    names.extend(more);
    names.extend(["", "=", "A\0B", "DOKS_ENV_TEST_NOT_SET"].map(String::from));
    for name in &names {
        assert_eq!(var_os(name), std::env::var_os(name), "{name:?}");
        assert_eq!(var(name), std::env::var(name).ok(), "{name:?}");
    }
}

/// The same in a child started with a chosen environment: an empty value, a value with `=`, a
/// name that prefixes another and one that extends it, and a non-Unicode value.
#[test]
fn odd_environments_read_as_std_reads_them() {
    if std::env::var_os("DOKS_ENV_TEST_CHILD").is_some() {
        return every_variable_reads_as_std_reads_it();
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe);
    child
        .args([
            "--exact",
            "environ::tests::odd_environments_read_as_std_reads_them",
        ])
        .env_clear()
        .env("DOKS_ENV_TEST_CHILD", "1")
        .env("EMPTY", "")
        .env("EQUALS", "a=b=c")
        .env("HOM", "short")
        .env("HOME", "/home/x")
        .env("HOMEDIR", "/other");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        child.env("BYTES", std::ffi::OsStr::from_bytes(b"\xff\xfe"));
    }
    let status = child.status().unwrap();
    assert!(status.success());
}

/// In a child started with odd words (empty, with spaces, long, many), the words found
/// in place are std's, in order.
#[test]
fn argv_in_place_reads_as_std_reads_it() {
    if std::env::var_os("DOKS_ARGV_TEST_CHILD").is_some() {
        let std_words: Vec<Vec<u8>> = std::env::args_os()
            .map(|w| w.as_encoded_bytes().to_vec())
            .collect();
        assert!(std_words.len() > 10, "{std_words:?}");
        #[cfg(target_os = "linux")]
        assert_eq!(
            argv().expect("found in place"),
            std_words.iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        #[cfg(not(target_os = "linux"))]
        assert_eq!(argv(), None);
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe);
    // Filters of libtest's beside the test's own name; none names another test.
    child
        .args([
            "--exact",
            "environ::tests::argv_in_place_reads_as_std_reads_it",
        ])
        .args(["", "a b", "=", "x=y"])
        .args((0..5).map(|i| "x".repeat(i * 100)))
        .env("DOKS_ARGV_TEST_CHILD", "1");
    // (libtest reads its arguments as Unicode: words that are not are the binary's tests'.)
    let out = child.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "the child ran the test: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Past the limit, and in an empty environment, the answer is std's or none, never another.
#[test]
fn argv_in_place_past_the_limit_is_left_to_std() {
    if std::env::var_os("DOKS_ARGV_TEST_MANY").is_some() {
        assert_eq!(argv(), None, "more than MAX_ARGS words");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "--exact",
            "environ::tests::argv_in_place_past_the_limit_is_left_to_std",
        ])
        .args((0..80).map(|i| format!("w{i}")))
        .env("DOKS_ARGV_TEST_MANY", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
}
