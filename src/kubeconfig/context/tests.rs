use serde_json::json;

use super::*;
use crate::cluster_client::Connection;

const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";

fn doc(value: Value) -> (PathBuf, Value) {
    (PathBuf::from("/k/a"), value)
}

fn two_files() -> Vec<(PathBuf, Value)> {
    let first = json!({
        "current-context": "",
        "contexts": [{"name": "prod", "context": {"cluster": "c", "user": "u"}}],
        "users": [{"name": "u", "user": {"exec": {"command": "/bin/doks-auth",
            "args": ["get-credential", "--cluster-id", ID, "--expiry-seconds", 600],
            "env": [{"name": "DIGITALOCEAN_CONTEXT", "value": "work"}]}}}],
    });
    let second = json!({
        "current-context": "prod",
        "contexts": [{"name": "prod", "context": {"cluster": "other", "user": "other"}}],
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
        "users": [{"name": "u", "user": {"token": "ignored"}}],
    });
    vec![
        (PathBuf::from("/k/first"), first),
        (PathBuf::from("/k/second"), second),
    ]
}

#[test]
fn names_and_the_current_context_follow_kubectl_across_files() {
    let docs = two_files();
    // The first file sets an empty current-context, which kubectl takes as unset.
    let ctx = find(&docs, None).unwrap();
    assert_eq!(ctx.name, "prod");
    assert_eq!(ctx.context_file, PathBuf::from("/k/first"));
    assert_eq!(ctx.cluster.file, PathBuf::from("/k/second"));
    assert_eq!(
        ctx.user.file,
        PathBuf::from("/k/first"),
        "the first definition wins"
    );
    assert_eq!(ctx.server(), Some("https://127.0.0.1:6443"));
    let Auth::DoksAuth(exec) = ctx.auth() else {
        panic!("{:?}", ctx.auth())
    };
    assert_eq!(
        exec.args,
        [
            "get-credential",
            "--cluster-id",
            ID,
            "--expiry-seconds",
            "600"
        ]
    );
    assert_eq!(exec.env, [("DIGITALOCEAN_CONTEXT".into(), "work".into())]);
    let args = crate::cli::parse_stanza_args(&exec.args).unwrap();
    assert_eq!((args.cluster_id.as_str(), args.expiry_seconds), (ID, 600));
}

#[test]
fn what_is_missing_is_named() {
    let docs = two_files();
    let err = find(&docs, Some("nope")).unwrap_err().to_string();
    assert!(
        err.contains("no context \"nope\" (contexts: prod)"),
        "{err}"
    );
    assert!(err.contains("/k/first, /k/second"), "{err}");
    let none = [doc(json!({"contexts": []}))];
    let err = find(&none, None).unwrap_err().to_string();
    assert!(
        err.contains("no contexts yet; save a cluster with"),
        "{err}"
    );
    let unchosen = [doc(json!({"contexts": [{"name": "x", "context": {}}]}))];
    let err = find(&unchosen, None).unwrap_err().to_string();
    assert!(
        err.contains("no current context; pass --context NAME"),
        "{err}"
    );
    let dangling = [doc(json!({
        "contexts": [{"name": "x", "context": {"cluster": "gone", "user": "u"}}],
        "users": [{"name": "u", "user": {}}],
    }))];
    let err = find(&dangling, Some("x")).unwrap_err().to_string();
    assert!(
        err.contains("uses cluster \"gone\", which no file defines"),
        "{err}"
    );
}

fn auth_of(user: Value, server: &str) -> Auth {
    let docs = [doc(json!({
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": user}],
    }))];
    find(&docs, Some("x")).unwrap().auth()
}

#[test]
fn users_are_told_apart() {
    let do_server = format!("https://{ID}.k8s.ondigitalocean.com");
    let doctl = json!({"exec": {"command": "/snap/bin/doctl",
        "args": ["kubernetes", "cluster", "kubeconfig", "exec-credential", "--version=v1beta1", ID]}});
    assert_eq!(auth_of(doctl, &do_server), Auth::Doctl);
    assert_eq!(
        auth_of(json!({"token": "dop"}), &do_server),
        Auth::StaticToken
    );
    assert_eq!(
        auth_of(json!({"token": "t"}), "https://k8s.example"),
        Auth::Other("holds a static token".into())
    );
    assert_eq!(
        auth_of(
            json!({"exec": {"command": "aws", "args": ["eks"]}}),
            &do_server
        ),
        Auth::Other("runs \"aws\"".into())
    );
    assert_eq!(
        auth_of(json!({}), &do_server),
        Auth::Other("has no exec stanza and no credential".into())
    );
}

#[test]
fn debug_shows_no_token_of_a_user() {
    let docs = [doc(json!({
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": {"server": "https://s"}}],
        "users": [{"name": "u", "user": {"exec": {"command": "doks-auth",
            "args": ["get-credential", "--access-token", "dop_v1_secret"],
            "env": [{"name": "DIGITALOCEAN_TOKEN", "value": "dop_v1_env"}]}}}],
    }))];
    let ctx = find(&docs, Some("x")).unwrap();
    let shown = format!("{ctx:?} {:?}", ctx.auth());
    assert!(!shown.contains("dop_v1"), "{shown}");
    assert!(shown.contains("DIGITALOCEAN_TOKEN"), "{shown}");
}

#[test]
fn stanza_arguments_that_do_not_parse_are_not_quoted() {
    let exec = Exec {
        command: "doks-auth".into(),
        args: vec!["get-credential".into(), "dop_v1_secret".into()],
        env: vec![],
    };
    let err = crate::cli::parse_stanza_args(&exec.args).unwrap_err();
    assert!(!err.contains("dop_v1_secret"), "{err}");
    assert!(!err.is_empty());
}

#[test]
fn the_connection_has_every_field_kubectl_reaches_the_cluster_by() {
    let dir = tempfile::tempdir().unwrap();
    let with = |cluster: Value| KubeContext {
        name: "x".into(),
        context_file: dir.path().join("config"),
        cluster: Entry {
            name: "c".into(),
            body: json!({ "cluster": cluster }),
            file: dir.path().join("config"),
        },
        user: Entry {
            name: "u".into(),
            body: json!({}),
            file: dir.path().join("config"),
        },
    };
    let all = with(
        json!({"server": " https://s ", "certificate-authority-data": "UEVN",
        "certificate-authority": "ca.pem", "insecure-skip-tls-verify": true,
        "tls-server-name": "api.internal", "proxy-url": "socks5://127.0.0.1:1080"}),
    );
    assert_eq!(
        all.connection().unwrap(),
        Connection {
            // As written: kubectl does not trim it, so the cluster client refuses it.
            server: " https://s ".into(),
            certificate_authority: Some("ca.pem".into()),
            certificate_authority_data: Some("UEVN".into()),
            insecure_skip_tls_verify: true,
            tls_server_name: Some("api.internal".into()),
            proxy_url: Some("socks5://127.0.0.1:1080".into()),
            dir: Some(dir.path().to_path_buf()),
        }
    );
    assert!(all.skips_tls_verify());
    let bare = with(json!({"server": "https://s"})).connection().unwrap();
    assert_eq!(
        (
            bare.certificate_authority,
            bare.insecure_skip_tls_verify,
            bare.proxy_url
        ),
        (None, false, None)
    );
    assert!(
        with(json!({}))
            .connection()
            .unwrap_err()
            .contains("no server")
    );
}
