use std::ffi::OsString;

use proptest::prelude::*;

use super::*;
use crate::cli::{Cli, Command};
use clap::Parser;

/// What clap makes of `words` (after the program name), when it is a get-credential.
fn clap_reads(words: &[&str]) -> Option<GetCredentialArgs> {
    let argv = std::iter::once("doks-auth").chain(words.iter().copied());
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            verbose: false,
            command: Command::GetCredential(args),
        }) => Some(args),
        _ => None,
    }
}

fn fast_reads(words: &[&str]) -> Option<GetCredentialArgs> {
    let argv: Vec<&[u8]> = std::iter::once("doks-auth")
        .chain(words.iter().copied())
        .map(str::as_bytes)
        .collect();
    get_credential(&argv, |name| std::env::var_os(name))
}

/// Debug redacts the token, so it is compared on its own.
fn same(a: &GetCredentialArgs, b: &GetCredentialArgs) -> bool {
    let token = |x: &GetCredentialArgs| {
        x.account
            .access_token
            .as_ref()
            .map(|t| t.expose().to_string())
    };
    format!("{a:?}") == format!("{b:?}") && token(a) == token(b)
}

#[test]
fn stanzas_as_kubeconfig_save_writes_them_skip_clap_and_read_the_same() {
    let id = "bd5f5959-5e1e-4205-a714-a914373942af";
    let stanzas: &[&[&str]] = &[
        &["get-credential", "--cluster-id", id],
        &[
            "get-credential",
            "--cluster-id",
            id,
            "--context",
            "work",
            "--expiry-seconds",
            "3600",
            "--api-url",
            "http://127.0.0.1:9",
            "--cache-dir",
            "/tmp/c",
        ],
        &[
            "get-credential",
            "--cluster-id",
            id,
            "--sso-issuer-url",
            "https://id.example",
            "--sso-client-id",
            "kube",
            "--sso-local-server-port",
            "18000",
            "--sso-grant",
            "paste",
        ],
        &[
            "get-credential",
            "--cluster-id",
            id,
            "--access-token",
            "dop_v1_x",
            "--api-version",
            "v1",
            "--no-cache",
        ],
        &[
            "get-credential",
            "-c",
            id,
            "-t",
            "dop_v1_x",
            "-u",
            "https://api.example",
            "--timeout=3600",
            "--refresh-margin=0",
            "--login-timeout",
            "1",
            "--browser-command",
            "firefox --new-window",
            "--sso-grant=device-code",
            "--sso-issuer-url=https://id",
            "--sso-client-id=c",
        ],
    ];
    for words in stanzas {
        let fast = fast_reads(words).unwrap_or_else(|| panic!("{words:?} went to clap"));
        let clap = clap_reads(words).expect("clap reads it");
        assert!(same(&fast, &clap), "{words:?}:\n{fast:?}\n{clap:?}");
    }
}

#[test]
fn anything_else_is_left_to_clap() {
    let id = "bd5f5959-5e1e-4205-a714-a914373942af";
    let others: &[&[&str]] = &[
        &[],
        &["get-credential"],
        &["get-credential", "--help"],
        &["get-credential", "--cluster-id", id, "-v"],
        &["-v", "get-credential", "--cluster-id", id],
        &["get-credential", "--cluster-id", id, "--cluster-id", id],
        &["get-credential", "--cluster-id"],
        &["get-credential", "--cluster-id", "--no-cache"],
        &["get-credential", "--cluster-id=", "--no-cache"],
        &["get-credential", "-c=x"],
        &["get-credential", "-cx"],
        &["get-credential", "--cluster-id", id, "--no-cache=true"],
        &["get-credential", "--cluster-id", id, "--timeout", "0"],
        &["get-credential", "--cluster-id", id, "--timeout", "+5"],
        &["get-credential", "--cluster-id", id, "--api-version", "V1"],
        &[
            "get-credential",
            "--cluster-id",
            id,
            "--sso-issuer-url",
            "https://id",
        ],
        &[
            "get-credential",
            "--cluster-id",
            id,
            "--sso-local-server-port",
            "65536",
        ],
        &["get-credential", "--cluster-id", id, "extra"],
        &["get-credential", "--cluster-id", id, "--"],
        &["get-credential", "--cluster-id", id, "--cluster"],
        &["kubeconfig", "show", id],
    ];
    for words in others {
        assert!(fast_reads(words).is_none(), "{words:?} skipped clap");
    }
}

#[test]
fn the_environment_clap_reads_is_left_to_clap() {
    let argv: Vec<&[u8]> = ["doks-auth", "get-credential", "-c", "x"]
        .into_iter()
        .map(str::as_bytes)
        .collect();
    for variable in ["DIGITALOCEAN_CONTEXT", "DIGITALOCEAN_API_URL"] {
        let env = |name: &str| (name == variable).then(|| OsString::from("work"));
        assert!(get_credential(&argv, env).is_none(), "{variable}");
    }
    assert!(get_credential(&argv, |_| None).is_some());
}

const FLAGS: &[&str] = &[
    "--cluster-id",
    "-c",
    "--api-url",
    "-u",
    "--api-version",
    "--no-cache",
    "--expiry-seconds",
    "--refresh-margin",
    "--timeout",
    "--sso-issuer-url",
    "--sso-client-id",
    "--sso-grant",
    "--sso-local-server-port",
    "--login-timeout",
    "--cache-dir",
    "--access-token",
    "-t",
    "--context",
    "--browser-command",
    "-v",
    "--help",
    "--bogus",
    "--",
    "-",
];

const VALUES: &[&str] = &[
    "abc",
    "https://x",
    "v1",
    "v1beta1",
    "V1",
    "0",
    "1",
    "10",
    "+5",
    "-5",
    "007",
    "99999999999999999999",
    "18446744073709551615",
    "31622400",
    "31622401",
    "3600",
    "3601",
    "paste",
    "device-code",
    "auth-code",
    "65535",
    "65536",
    "",
    "-",
    "--no-cache",
    "x y",
    "a=b",
    "/tmp/c",
    "get-credential",
    "true",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Whatever the fast reader accepts, clap reads the same way: flags and values drawn from
    /// the valid, the out-of-range and the odd, as separate words or `--flag=value`.
    #[test]
    fn what_skips_clap_is_what_clap_would_read(
        picks in proptest::collection::vec((0..FLAGS.len(), 0..VALUES.len(), any::<bool>()), 0..7),
        with_id in any::<bool>(),
        lead in prop_oneof![9 => Just("get-credential"), 1 => Just("kubeconfig")],
    ) {
        let mut words: Vec<String> = vec![lead.to_string()];
        if with_id {
            words.extend(["--cluster-id".to_string(), "abc".to_string()]);
        }
        for (flag, value, attach) in picks {
            let (flag, value) = (FLAGS[flag], VALUES[value]);
            match (attach, flag) {
                (true, _) => words.push(format!("{flag}={value}")),
                (false, "--no-cache" | "-v" | "--help" | "--" | "-") => words.push(flag.into()),
                (false, _) => words.extend([flag.to_string(), value.to_string()]),
            }
        }
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        if let Some(fast) = fast_reads(&words) {
            let clap = clap_reads(&words);
            prop_assert!(clap.is_some(), "{:?}: clap refuses it", words);
            let clap = clap.unwrap();
            prop_assert!(same(&fast, &clap), "{:?}:\n{:?}\n{:?}", words, fast, clap);
        }
    }
}
