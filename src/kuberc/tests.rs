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
            "{head}credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: doks-auth\n- name: /usr/bin/x\n"
        )),
        Ok(Policy::Allowlist(vec![
            "doks-auth".into(),
            "/usr/bin/x".into()
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
    let written = Kuberc {
        path: None,
        policy: Policy::Allowlist(vec!["/x/doks-auth".into()]),
    };
    assert!(matches!(
        verdict(&written, "/x//doks-auth"),
        Verdict::Runs(_)
    ));
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
    assert_eq!(clean("./a//b/./c"), "a/b/c");
    assert_eq!(clean("/a//b"), "/a/b");
}
