use super::*;
use clap::CommandFactory;

#[test]
fn cli_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn debug_of_the_arguments_redacts_the_token() {
    let cli = Cli::parse_from([
        "doks-auth",
        "get-credential",
        "-c",
        "x",
        "--access-token",
        "dop_v1_supersecret",
    ]);
    let shown = format!("{cli:?}");
    assert!(!shown.contains("supersecret"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

fn save(args: &[&str]) -> Result<bool, clap::Error> {
    let argv = ["doks-auth", "kubeconfig", "save", "prod"]
        .iter()
        .chain(args);
    match Cli::try_parse_from(argv)?.command {
        Command::Kubeconfig {
            command: KubeconfigCommand::Save(save),
        } => Ok(save.set_current_context.unwrap_or(true)),
        _ => unreachable!(),
    }
}

#[test]
fn set_current_context_is_a_flag_that_takes_an_optional_value() {
    assert!(save(&[]).unwrap());
    assert!(save(&["--set-current-context"]).unwrap());
    assert!(save(&["--set-current-context=true"]).unwrap());
    assert!(!save(&["--set-current-context=false"]).unwrap());
    assert!(save(&["--set-current-context=maybe"]).is_err());
}

#[test]
fn each_kubeconfig_subcommand_takes_only_its_own_options() {
    let parse = |argv: &[&str]| Cli::try_parse_from(argv).map(|_| ()).map_err(|e| e.kind());
    for sub in ["save", "show"] {
        assert_eq!(
            parse(&["doks-auth", "kubeconfig", sub, "c", "--exec-command", "x"]),
            Ok(())
        );
        assert_eq!(
            parse(&[
                "doks-auth",
                "kubeconfig",
                sub,
                "c",
                "--expiry-seconds",
                "60"
            ]),
            Ok(())
        );
    }
    for flag in [
        "--exec-command",
        "--expiry-seconds",
        "--set-current-context",
    ] {
        assert_eq!(
            parse(&["doks-auth", "kubeconfig", "remove", "c", flag, "1"]),
            Err(clap::error::ErrorKind::UnknownArgument),
            "{flag}"
        );
    }
    assert_eq!(
        parse(&[
            "doks-auth",
            "kubeconfig",
            "show",
            "c",
            "--set-current-context"
        ]),
        Err(clap::error::ErrorKind::UnknownArgument)
    );
}
