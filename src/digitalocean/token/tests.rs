use super::*;

const CONFIG: &str = "access-token: dop_v1_default\ncontext: work\nauth-contexts:\n  work: dop_v1_work\n  home: dop_v1_home\noutput: text\n";

fn config_file(text: &str) -> tempfile::TempPath {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file.into_temp_path()
}

fn resolve(
    flag: Option<&str>,
    context: Option<&str>,
    env: &[(&str, &str)],
    path: Option<&Path>,
) -> Result<String> {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    resolve_from(flag, context, &lookup, path).map(|(s, _)| s.expose().to_string())
}

#[test]
fn every_context_is_listed_once_the_environments_first() {
    let file = config_file(CONFIG);
    let env = |name: &str| (name == "DIGITALOCEAN_TOKEN").then(|| "dop_v1_env".to_string());
    let found = every_context_from(&env, Some(&file)).unwrap();
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["$DIGITALOCEAN_TOKEN", "default", "home", "work"]);
    assert_eq!(found[2].1.as_ref().unwrap().0.expose(), "dop_v1_home");
    // A context whose token is unusable is its own error; the others stay.
    let file = config_file("auth-contexts:\n  bad: \"dop v1\"\n  good: dop_v1_good\n");
    let found = every_context_from(&|_| None, Some(&file)).unwrap();
    assert!(matches!(found[0].1, Err(Error::InvalidToken { .. })));
    assert_eq!(found[1].1.as_ref().unwrap().0.expose(), "dop_v1_good");
    assert!(matches!(
        every_context_from(&|_| None, None),
        Err(Error::NoToken)
    ));
}

#[test]
fn precedence_follows_doctl() {
    let path = config_file(CONFIG);
    let env = [
        ("DIGITALOCEAN_ACCESS_TOKEN", "env_access"),
        ("DIGITALOCEAN_TOKEN", "env_token"),
    ];
    let p = Some(path.as_ref());
    assert_eq!(
        resolve(Some("flag"), Some("home"), &env, p).unwrap(),
        "flag"
    );
    assert_eq!(resolve(None, Some("home"), &env, p).unwrap(), "dop_v1_home");
    // doctl's default context is its access token, which the environment overrides; the
    // config file's current context (`work`) does not count then.
    assert_eq!(
        resolve(None, Some("default"), &env, p).unwrap(),
        "env_access"
    );
    assert_eq!(
        resolve(None, Some("default"), &[], p).unwrap(),
        "dop_v1_default"
    );
    assert_eq!(resolve(None, None, &env, p).unwrap(), "env_access");
    assert_eq!(resolve(None, None, &env[1..], p).unwrap(), "env_token");
    assert_eq!(
        resolve(None, None, &[("DIGITALOCEAN_ACCESS_TOKEN", " ")], p).unwrap(),
        "dop_v1_work"
    );
    let no_context = config_file("access-token: dop_v1_default\n");
    assert_eq!(
        resolve(None, None, &[], Some(no_context.as_ref())).unwrap(),
        "dop_v1_default"
    );
}

#[test]
fn the_origin_names_where_the_token_came_from_never_the_token() {
    let path = config_file(CONFIG);
    let p = Some(path.as_ref());
    let origin = |flag, context, env: &[(&str, &str)]| {
        let lookup = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        resolve_from(flag, context, &lookup, p)
            .unwrap()
            .1
            .to_string()
    };
    assert_eq!(origin(Some("dop_v1_flag"), None, &[]), "--access-token");
    assert_eq!(
        origin(None, None, &[("DIGITALOCEAN_TOKEN", "dop_v1_env")]),
        "DIGITALOCEAN_TOKEN"
    );
    let from_file = origin(None, None, &[]);
    assert_eq!(
        from_file,
        format!("doctl context \"work\" in {}", path.display())
    );
    assert!(!from_file.contains("dop_v1"), "{from_file}");
    assert!(origin(None, Some("home"), &[]).starts_with("doctl context \"home\""));
}

#[test]
fn missing_token_and_context_errors_are_helpful() {
    let missing = Path::new("/nonexistent/doctl/config.yaml");
    let err = resolve(None, None, &[], Some(missing))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("DIGITALOCEAN_ACCESS_TOKEN") && err.contains("doks-auth auth init"),
        "{err}"
    );
    let path = config_file(CONFIG);
    let err = resolve(None, Some("nope"), &[], Some(path.as_ref()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"nope\"") && err.contains("default, home, work"),
        "{err}"
    );
    assert!(!err.contains("dop_v1"), "{err}");
    let err = resolve(None, Some("work"), &[], Some(missing))
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn tokens_with_invisible_characters_are_refused_naming_the_source() {
    let path = config_file("access-token: \"dop_v1_se\\u001bcret\"\n");
    for (flag, env, source) in [
        (Some("dop_v1_se\ncret"), vec![], "--access-token"),
        (
            None,
            vec![("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_se cret")],
            "DIGITALOCEAN_ACCESS_TOKEN",
        ),
        (
            None,
            vec![("DIGITALOCEAN_TOKEN", "dop_v1_séCret")],
            "DIGITALOCEAN_TOKEN",
        ),
        (None, vec![], "doctl context \"default\""),
    ] {
        let err = resolve(flag, None, &env, Some(path.as_ref())).unwrap_err();
        let text = err.to_string();
        assert!(err.is_usage(), "{text}");
        assert!(text.contains(source), "{text}");
        assert!(!text.contains("cret"), "{text}");
    }
    // Surrounding white space (a pasted newline) is trimmed, not refused.
    assert_eq!(
        resolve(Some(" dop_v1_ok\n"), None, &[], None).unwrap(),
        "dop_v1_ok"
    );
}

#[test]
fn a_config_with_neither_a_token_nor_a_current_context_means_no_token() {
    // Contexts exist, but none is current and there is no top-level token: the same
    // "no token" error as without a config, not "context default not found".
    let path = config_file("auth-contexts:\n  work: dop_v1_work\n");
    let err = resolve(None, None, &[], Some(path.as_ref())).unwrap_err();
    assert!(matches!(err, Error::NoToken), "{err}");
}

#[test]
fn an_unreadable_config_is_an_error_not_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    // A folder where the file should be: reading fails, and that is not "no config".
    let err = resolve(None, None, &[], Some(dir.path())).unwrap_err();
    assert!(matches!(err, Error::DoctlConfig { .. }), "{err}");
}

#[test]
fn unparsable_config_is_an_error_that_quotes_nothing() {
    let path = config_file("access-token: [dop_v1_secret\n");
    let err = resolve(None, None, &[], Some(path.as_ref()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not doctl's YAML"), "{err}");
    assert!(!err.contains("dop_v1_secret"), "{err}");
}

/// viper lower-cases doctl's keys: `--context Work` finds `work`, `--context work` finds a
/// hand-written `Work`, and `context: WORK` in the file names it too.
#[test]
fn context_names_ignore_case_as_doctl_does() {
    let path = config_file(
        "access-token: dop_v1_default\nauth-contexts:\n  Work: dop_v1_work\n  home: dop_v1_home\ncontext: WORK\n",
    );
    let p = Some(path.as_ref());
    let none = |_: &str| None;
    let token = |context: Option<&str>| {
        resolve_from(None, context, &none, p)
            .unwrap()
            .0
            .expose()
            .to_string()
    };
    assert_eq!(token(Some("work")), "dop_v1_work");
    assert_eq!(token(Some("HOME")), "dop_v1_home");
    assert_eq!(token(None), "dop_v1_work");
    assert_eq!(token(Some("Default")), "dop_v1_default");
}
