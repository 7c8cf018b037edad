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

/// A word marking the child: libtest takes it as one more filter, which names no test.
const CHILD: &str = "argv-test-child";

/// Runs `test` alone in a child of this test binary, with `words` after its name (more
/// filters for libtest, naming no other test) and `env` as its whole environment, and checks
/// that it ran and passed. Off Unix the child keeps this environment (Windows programs need
/// theirs), with `env` added.
fn in_child(test: &str, words: &[String], env: &[(&str, &str)]) {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args(["--exact", test, CHILD]).args(words);
    #[cfg(unix)]
    child.env_clear();
    let out = child.envs(env.iter().copied()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}"
    );
}

fn is_child() -> bool {
    std::env::args().any(|word| word == CHILD)
}

/// The words std reads, as bytes.
fn std_words() -> Vec<Vec<u8>> {
    std::env::args_os()
        .map(|w| w.as_encoded_bytes().to_vec())
        .collect()
}

/// In a child started with odd words (empty, with spaces or `=`, long), the words found in
/// place are std's, in order (off Linux there are none: std is asked).
#[test]
fn argv_in_place_reads_as_std_reads_it() {
    if !is_child() {
        let mut words: Vec<String> = ["", "a b", "=", "x=y"].map(String::from).to_vec();
        words.extend((0..5).map(|i| "x".repeat(i * 100)));
        return in_child(
            "environ::tests::argv_in_place_reads_as_std_reads_it",
            &words,
            &[("HOME", "/home/x")],
        );
    }
    let std_words = std_words();
    assert_eq!(std_words.len(), 13, "{std_words:?}");
    #[cfg(target_os = "linux")]
    assert_eq!(
        argv().expect("found in place"),
        std_words.iter().map(Vec::as_slice).collect::<Vec<_>>()
    );
    #[cfg(not(target_os = "linux"))]
    assert_eq!(argv(), None);
}

/// With no environment at all, `environ` is the null that ends it: the words are still found.
#[cfg(target_os = "linux")]
#[test]
fn argv_in_place_reads_without_an_environment() {
    if !is_child() {
        return in_child(
            "environ::tests::argv_in_place_reads_without_an_environment",
            &[],
            &[],
        );
    }
    assert!(std::env::vars_os().next().is_none());
    let std_words = std_words();
    assert_eq!(
        argv().expect("found in place"),
        std_words.iter().map(Vec::as_slice).collect::<Vec<_>>()
    );
}

/// Past the limit the answer is none (std is asked), never another.
#[test]
fn argv_in_place_past_the_limit_is_left_to_std() {
    if !is_child() {
        let words: Vec<String> = (0..80).map(|i| format!("w{i}")).collect();
        return in_child(
            "environ::tests::argv_in_place_past_the_limit_is_left_to_std",
            &words,
            &[],
        );
    }
    assert!(std_words().len() > 64);
    assert_eq!(argv(), None, "more than MAX_ARGS words");
}
