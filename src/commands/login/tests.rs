use serde_json::json;

use super::*;
use crate::cli::SsoGrant;

const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

fn kubeconfig(args: Value) -> Vec<Value> {
    vec![
        json!({"contexts": [{"name": "other", "context": {"user": "nobody"}}]}),
        json!({
            "contexts": [
                {"name": "prod", "context": {"cluster": "c", "user": "prod-admin"}},
                {"name": "other", "context": {"user": "shadowed"}},
                {"name": "plain", "context": {"user": "static"}},
                {"name": "lost", "context": {}}
            ],
            "users": [
                {"name": "prod-admin", "user": {"exec": {"command": "doks-auth", "args": args}}},
                {"name": "static", "user": {"token": "abc"}},
                {"name": "nobody", "user": {"exec": {"command": "doctl", "args": ["kubernetes"]}}}
            ]
        }),
    ]
}

#[test]
fn the_stanza_of_a_context_is_found_as_kubectl_finds_it() {
    let args = json!([
        "get-credential",
        "--cluster-id",
        ID,
        "--sso-issuer-url",
        "https://id",
        "--sso-client-id",
        "c"
    ]);
    let docs = kubeconfig(args);
    assert_eq!(
        exec_args(&docs, "prod").unwrap()[..3],
        ["get-credential", "--cluster-id", ID]
    );
    let why = |context| exec_args(&docs, context).unwrap_err();
    assert!(
        why("other").contains("\"nobody\" does not run `doks-auth get-credential`"),
        "the first file's context wins"
    );
    assert!(why("plain").contains("runs no exec plugin"));
    assert!(why("lost").contains("names no user"));
    assert!(why("missing").contains("no context \"missing\""));
}

#[test]
fn the_stanzas_arguments_are_read_by_get_credentials_parser_and_login_options_win() {
    let stanza = [
        "--cluster-id",
        ID,
        "--sso-issuer-url",
        "https://id",
        "--sso-client-id",
        "c",
        "--sso-local-server-port=9000",
        "--cache-dir",
        "/c",
    ];
    let mut get = get_credential(stanza.map(String::from)).unwrap();
    assert_eq!(get.sso.sso_local_server_port, 9000);
    assert_eq!(get.sso.sso_grant, SsoGrant::AuthCode);
    let login = LoginArgs {
        context: Some("prod".into()),
        cluster_id: None,
        sso_issuer_url: None,
        sso_client_id: None,
        sso_local_server_port: None,
        sso_grant: Some(SsoGrant::Paste),
        browser_command: None,
        login_timeout: Some(60),
        cache_dir: None,
    };
    apply(&login, &mut get);
    assert_eq!(get.sso.sso_grant, SsoGrant::Paste);
    assert_eq!(get.sso.sso_local_server_port, 9000, "kept from the stanza");
    assert_eq!(get.sso.login_timeout, 60);
    assert_eq!(
        get.cache.cache_dir.as_deref(),
        Some(std::path::Path::new("/c"))
    );
    // An argument get-credential does not take: the kind of error, never the argument.
    let kind = get_credential([
        "--access-token".into(),
        "dop_v1_secret".into(),
        "--bogus".into(),
    ])
    .unwrap_err();
    assert!(!kind.to_string().contains("dop_v1_secret"), "{kind}");
}
