use super::*;

#[test]
fn the_policy_is_read_with_client_gos_checks() {
    let head = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n";
    assert_eq!(parse(head), Ok(Policy::AllowAll));
    assert_eq!(
        parse(&format!("{head}credentialPluginPolicy: AllowAll\n")),
        Ok(Policy::AllowAll)
    );
    assert_eq!(
        parse(&format!("{head}credentialPluginPolicy: DenyAll\n")),
        Ok(Policy::DenyAll)
    );
    assert_eq!(
        parse(&format!(
            "{head}credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: doks-auth\n- name: other-tool\n"
        )),
        Ok(Policy::Allowlist(vec![
            "doks-auth".into(),
            "other-tool".into()
        ]))
    );
    for bad in [
        "credentialPluginPolicy: Allowlist\n",
        "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist: []\n",
        "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- other: x\n",
        "credentialPluginPolicy: DenyAll\ncredentialPluginAllowlist:\n- command: x\n",
        "credentialPluginPolicy: Sometimes\n",
        "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: /x/./doks-auth\n",
        "[",
    ] {
        assert!(parse(&format!("{head}{bad}")).is_err(), "{bad}");
    }
}

#[test]
fn a_refusal_gives_the_command_that_allows_it_keeping_the_entries() {
    let kuberc = Kuberc {
        path: Some("/h/.kube/kuberc".into()),
        policy: Policy::Allowlist(vec!["/opt/other tool".into()]),
    };
    let Verdict::Refused { why, fix } = verdict(&kuberc, "/x/doks-auth") else {
        panic!("allowed")
    };
    assert!(why.contains("does not allow /x/doks-auth"), "{why}");
    assert!(
        fix.ends_with("`kubectl kuberc set --section credentialplugin --policy Allowlist --allowlist-entry 'command=/opt/other tool' --allowlist-entry 'command=/x/doks-auth'`"),
        "{fix}"
    );
    let denied = Kuberc {
        path: None,
        policy: Policy::DenyAll,
    };
    assert!(matches!(
        verdict(&denied, "/x/doks-auth"),
        Verdict::Refused { .. }
    ));
    // A command matches its entry once cleaned (with `/` as the separator: Unix's paths).
    let written = Kuberc {
        path: None,
        policy: Policy::Allowlist(vec!["/x/doks-auth".into()]),
    };
    assert_eq!(
        matches!(verdict(&written, "/x//doks-auth"), Verdict::Runs(_)),
        cfg!(unix)
    );
    assert!(matches!(
        verdict(
            &Kuberc {
                path: None,
                policy: Policy::AllowAll
            },
            "x"
        ),
        Verdict::Runs(_)
    ));
}

/// Unix-only: `sh` and `/`-rooted paths (Windows' PATHEXT look-up is not modelled; see
/// docs/platforms.md).
#[cfg(unix)]
#[test]
fn a_bare_entry_matches_a_path_only_through_path_look_up() {
    // `sh` is on every PATH; a path to it matches the bare entry only where PATH finds it.
    let sh = look_path("sh").expect("sh on PATH");
    assert!(matches("sh", &sh));
    assert!(!matches("sh", "/nonexistent/sh"));
    assert!(!matches(
        "nonexistent-tool-x",
        "/nonexistent/nonexistent-tool-x"
    ));
    assert_eq!(crate::gopath::clean("./a//b/./c"), "a/b/c");
    assert_eq!(crate::gopath::clean("/a//b"), "/a/b");
}

#[test]
fn documents_versions_and_repeated_keys_are_read_as_kubectl_1_37_reads_them() {
    let beta = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n";
    let alpha = "apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\n";
    let deny = format!("{beta}credentialPluginPolicy: DenyAll\n");
    // Not kubectl's Preference: no valid preferences, kubectl runs nothing.
    for other in [
        "apiVersion: kubectl.config.k8s.io/v1\nkind: Preference\ncredentialPluginPolicy: DenyAll\n",
        "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Other\ncredentialPluginPolicy: DenyAll\n",
        "credentialPluginPolicy: DenyAll\n",
        "# only a comment\n",
    ] {
        assert!(parse(other).is_err(), "{other}");
    }
    assert_eq!(parse(""), Ok(Policy::AllowAll));
    // v1alpha1 has no credential plugin fields: kubectl ignores them.
    assert_eq!(
        parse(&format!("{alpha}credentialPluginPolicy: DenyAll\n")),
        Ok(Policy::AllowAll)
    );
    // The last of a repeated key.
    assert_eq!(
        parse(&format!("{deny}credentialPluginPolicy: AllowAll\n")),
        Ok(Policy::AllowAll)
    );
    assert_eq!(
        parse(&format!(
            "{beta}credentialPluginPolicy: AllowAll\ncredentialPluginPolicy: DenyAll\n"
        )),
        Ok(Policy::DenyAll)
    );
    // The first valid document counts.
    assert_eq!(
        parse(&format!(
            "{deny}---\n{beta}credentialPluginPolicy: AllowAll\n"
        )),
        Ok(Policy::DenyAll)
    );
    assert_eq!(parse(&format!("{beta}---\n{deny}")), Ok(Policy::AllowAll));
    assert_eq!(parse(&format!("{alpha}---\n{deny}")), Ok(Policy::AllowAll));
    assert_eq!(
        parse(&format!("apiVersion: v1\nkind: Config\n---\n{deny}")),
        Ok(Policy::DenyAll)
    );
    // An entry naming two commands makes its document invalid; the same one twice is fine.
    let both = |c: &str, n: &str| {
        format!(
            "{beta}credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: {c}\n  name: {n}\n"
        )
    };
    assert!(parse(&both("tool-a", "tool-b")).is_err());
    assert_eq!(
        parse(&both("tool-a", "tool-a")),
        Ok(Policy::Allowlist(vec!["tool-a".into()]))
    );
    assert_eq!(
        parse(&format!("{}---\n{deny}", both("tool-a", "tool-b"))),
        Ok(Policy::DenyAll)
    );
    // `..` is not normalized: kubectl refuses the entry.
    assert!(parse(&format!("{beta}credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: /x/../y/doks-auth\n")).is_err());
}

#[test]
fn an_entry_with_a_comma_is_not_given_a_kuberc_set_command_that_would_split_it() {
    let kuberc = Kuberc {
        path: Some("/h/.kube/kuberc".into()),
        policy: Policy::Allowlist(vec!["/opt/a,b".into()]),
    };
    let Verdict::Refused { fix, .. } = verdict(&kuberc, "/usr/bin/doks-auth") else {
        panic!("runs");
    };
    assert!(!fix.contains("kubectl kuberc set --section"), "{fix}");
    assert!(fix.contains("by hand") && fix.contains("/opt/a,b"), "{fix}");
}

/// kubectl.exe 1.37 refuses every command under a kuberc whose allowlist names the plugin with
/// `/` ("non-normalized file path"): doctor must not call that kuberc fine.
#[cfg(windows)]
#[test]
fn a_windows_entry_written_with_slashes_is_refused_as_kubectl_refuses_it() {
    let beta = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n";
    let with = |entry: &str| {
        format!(
            "{beta}credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: {entry}\n"
        )
    };
    assert!(parse(&with("C:/bin/doks-auth.exe")).is_err());
    assert_eq!(
        parse(&with(r"C:\bin\doks-auth.exe")),
        Ok(Policy::Allowlist(vec![r"C:\bin\doks-auth.exe".into()]))
    );
}
