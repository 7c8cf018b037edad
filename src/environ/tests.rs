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
