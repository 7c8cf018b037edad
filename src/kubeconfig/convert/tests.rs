use serde_json::json;

use super::*;

const ID: &str = "bd5f5959-5e1e-4205-a714-a914373942af";
const OTHER: &str = "3f8a2b1c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
/// A token as DigitalOcean issues them: an API token, prefix and 64 hex digits.
const DO_TOKEN: &str = "dop_v1_5f3c1a9e7b2d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";
/// A Kubernetes service-account token's shape: a JWT.
const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpjaSJ9.c2lnbmF0dXJl";

fn doctl(command: &str, args: &[&str]) -> Value {
    json!({"command": command, "args": args, "env": null})
}

fn exec_credential<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["kubernetes", "cluster", "kubeconfig", "exec-credential"];
    args.extend_from_slice(rest);
    args
}

fn stanza(result: Result<(Stanza, Before), String>) -> Vec<String> {
    result.unwrap().0.args()
}

#[test]
fn doctl_flags_in_either_form_carry_over() {
    let with = exec_credential;
    assert_eq!(
        stanza(from_doctl(&doctl(
            "/usr/bin/doctl",
            &with(&["--context", "work", "-t", "dop_v1_x", ID])
        ))),
        [
            "get-credential",
            "--cluster-id",
            ID,
            "--context",
            "work",
            "--access-token",
            "dop_v1_x"
        ]
    );
    assert_eq!(
        stanza(from_doctl(&doctl(
            "doctl",
            &with(&["--api-url=http://127.0.0.1:1", "--version", "v1beta1", ID])
        ))),
        [
            "get-credential",
            "--cluster-id",
            ID,
            "--api-url",
            "http://127.0.0.1:1"
        ]
    );
    let sso = from_doctl(&doctl(
        "doctl",
        &with(&[
            "--sso-issuer-url",
            "https://id.example",
            "--sso-client-id=c",
            ID,
        ]),
    ))
    .unwrap();
    assert_eq!(sso.1, Before::DoctlSso);
    assert_eq!(sso.0.sso.unwrap().port, None);
}

#[test]
fn what_cannot_be_carried_over_is_left_alone_with_a_reason() {
    let with = exec_credential;
    let why = |exec: Value| from_doctl(&exec).unwrap_err();
    assert!(why(doctl("aws", &with(&[ID]))).contains("not doctl"));
    assert!(why(doctl("/opt/doctl-wrapper", &with(&[ID]))).contains("not doctl"));
    assert!(
        why(doctl("doctl", &["compute", "droplet", "list"])).contains("not its exec-credential")
    );
    assert!(why(doctl("doctl", &with(&["--config", "/x", ID]))).contains("--config"));
    assert!(why(doctl("doctl", &with(&[ID, OTHER]))).contains("2 cluster ids"));
    assert!(why(doctl("doctl", &with(&[]))).contains("0 cluster ids"));
    assert!(why(doctl("doctl", &with(&["../x"]))).contains("not one"));
    assert!(why(doctl("doctl", &with(&["--context"]))).contains("no value"));
    assert!(why(doctl("doctl", &with(&["--sso-client-id=c", ID]))).contains("not both"));
    assert!(why(doctl("doctl", &with(&["--sso-local-server-port=x", ID]))).contains("not a port"));
    let http = why(doctl(
        "doctl",
        &with(&[
            "--sso-issuer-url=http://id.example",
            "--sso-client-id=c",
            ID,
        ]),
    ));
    assert!(!http.is_empty());
}

#[test]
fn a_static_token_must_reach_exactly_one_digitalocean_cluster() {
    let server = |id: &str| format!("https://{id}.k8s.ondigitalocean.com");
    let one = server(ID);
    assert_eq!(
        stanza(from_token([one.as_str(), one.as_str()].into_iter())),
        ["get-credential", "--cluster-id", ID]
    );
    assert_eq!(
        digitalocean_cluster(&format!("{one}:443/")).as_deref(),
        Some(ID)
    );
    assert_eq!(
        digitalocean_cluster(&server(&ID.to_uppercase())).as_deref(),
        Some(ID)
    );
    let upper = format!("HTTPS://{}.K8S.ONDIGITALOCEAN.COM:443", ID.to_uppercase());
    assert_eq!(digitalocean_cluster(&upper).as_deref(), Some(ID));
    let two = server(OTHER);
    assert!(
        from_token([one.as_str(), two.as_str()].into_iter())
            .unwrap_err()
            .contains("several")
    );
    assert!(
        from_token(std::iter::empty())
            .unwrap_err()
            .contains("no context")
    );
    for not_ours in [
        "http://x.k8s.ondigitalocean.com".to_string(),
        format!("http://{ID}.k8s.ondigitalocean.com"),
        format!("https://{ID}.k8s.ondigitalocean.com.evil.example"),
        "https://abc.k8s.ondigitalocean.com".to_string(),
        format!("https://{ID}x.k8s.ondigitalocean.com"),
    ] {
        assert_eq!(digitalocean_cluster(&not_ours), None, "{not_ours}");
    }
}

#[test]
fn convert_rewrites_only_digitaloceans_users() {
    let mut doc = json!({
        "clusters": [{"name": "c", "cluster": {"server": format!("https://{ID}.k8s.ondigitalocean.com")}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "t"}}],
        "users": [
            {"name": "t", "user": {"token": DO_TOKEN}},
            {"name": "d", "user": {"exec": doctl("doctl", &["kubernetes", "cluster", "kubeconfig", "exec-credential", OTHER])}},
            {"name": "cert", "user": {"client-certificate-data": "x"}},
            {"user": {"token": DO_TOKEN}},
        ],
    });
    let before_cert = doc["users"][2].clone();
    let outcome = convert(&mut doc, "/bin/doks-auth");
    assert_eq!(
        outcome.converted,
        [
            ("t".to_string(), Before::StaticToken),
            ("d".to_string(), Before::Doctl)
        ]
    );
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(
        doc["users"][0]["user"]["exec"]["args"],
        json!(["get-credential", "--cluster-id", ID])
    );
    assert!(doc["users"][0]["user"].get("token").is_none());
    assert_eq!(doc["users"][2], before_cert);
    assert_eq!(doc["users"][3]["user"]["token"], DO_TOKEN);
    assert_eq!(convert(&mut doc, "/bin/doks-auth").converted, []);
}

fn do_server(id: &str) -> String {
    format!("https://{id}.k8s.ondigitalocean.com")
}

/// A document whose users all reach the DigitalOcean cluster [`ID`].
fn on_digitalocean(users: Value) -> Value {
    let names: Vec<Value> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| json!({"name": u["name"], "context": {"cluster": "c", "user": u["name"]}}))
        .collect();
    json!({
        "clusters": [{"name": "c", "cluster": {"server": do_server(ID)}}],
        "contexts": names,
        "users": users,
    })
}

#[test]
fn a_converted_user_keeps_everything_but_the_credential() {
    let limited = json!({
        "as": "view-only-bot",
        "as-groups": ["readonly"],
        "as-uid": "1001",
        "as-user-extra": {"reason": ["audit"]},
        "x-unknown": {"kept": true},
    });
    let mut token_user = limited.clone();
    token_user["token"] = DO_TOKEN.into();
    let mut doctl_user = limited.clone();
    doctl_user["exec"] = json!({
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "doctl",
        "args": exec_credential(&[ID]),
        "env": [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}],
        "interactiveMode": "Always",
        "provideClusterInfo": true,
        "installHint": "install doctl",
        "x-exec-unknown": 1,
    });
    let mut doc = on_digitalocean(json!([
        {"name": "token", "user": token_user},
        {"name": "doctl", "user": doctl_user},
    ]));
    let outcome = convert(&mut doc, "/bin/doks-auth");
    assert_eq!(outcome.converted.len(), 2, "{outcome:?}");
    for (i, name) in ["token", "doctl"].iter().enumerate() {
        let user = &doc["users"][i]["user"];
        for (key, value) in limited.as_object().unwrap() {
            assert_eq!(&user[key], value, "{name}: {key}");
        }
        let exec = &user["exec"];
        assert_eq!(exec["command"], "/bin/doks-auth", "{name}");
        assert_eq!(exec["apiVersion"], super::super::EXEC_API_VERSION, "{name}");
        assert_eq!(exec["args"], json!(["get-credential", "--cluster-id", ID]));
        assert_eq!(exec["installHint"], super::super::INSTALL_HINT, "{name}");
        assert!(user.get("token").is_none(), "{name}");
    }
    let exec = &doc["users"][1]["user"]["exec"];
    assert_eq!(exec["env"][0]["name"], "HTTPS_PROXY");
    assert_eq!(exec["interactiveMode"], "Always");
    assert_eq!(exec["provideClusterInfo"], true);
    assert_eq!(exec["x-exec-unknown"], 1);
    assert_eq!(doc["users"][0]["user"]["exec"]["interactiveMode"], "Never");
}

#[test]
fn only_tokens_shaped_like_digitaloceans_are_converted() {
    let hex = &DO_TOKEN["dop_v1_".len()..];
    assert_eq!(issued_by_digitalocean(DO_TOKEN), Ok(()));
    assert_eq!(issued_by_digitalocean(&format!("doo_v1_{hex}")), Ok(()));
    assert_eq!(issued_by_digitalocean(hex), Ok(()));
    assert!(issued_by_digitalocean(JWT).unwrap_err().contains("JWT"));
    assert!(issued_by_digitalocean(&format!("{JWT}.")).is_err());
    for not_ours in [
        format!("dor_v1_{hex}"),
        format!("dop_v1_{}", &hex[1..]),
        format!("dop_v1_{hex}0"),
        format!("dop_v1_{}g", &hex[1..]),
        hex[1..].to_string(),
        format!("{hex}0"),
        "abcdef.0123456789abcdef".to_string(),
        "on-cluster-static-token".to_string(),
        "\u{FDD0}0x1F".to_string(),
    ] {
        let why = issued_by_digitalocean(&not_ours).unwrap_err();
        assert!(
            why.contains("not shaped like DigitalOcean's"),
            "{not_ours}: {why}"
        );
    }
    let mut doc = on_digitalocean(json!([
        {"name": "ci-bot", "user": {"token": JWT}},
        {"name": "made-in-cluster", "user": {"token": "abcdef.0123456789abcdef"}},
    ]));
    let before = doc.clone();
    let outcome = convert(&mut doc, "/bin/doks-auth");
    assert_eq!(outcome.converted, []);
    assert_eq!(doc, before);
    assert!(outcome.skipped[0].1.contains("JWT"), "{outcome:?}");
    for (_, why) in &outcome.skipped {
        assert!(!why.contains("eyJ") && !why.contains("abcdef"), "{why}");
    }
}

#[test]
fn a_token_next_to_a_credential_kubectl_prefers_is_left_alone() {
    for field in [
        "tokenFile",
        "client-certificate-data",
        "username",
        "auth-provider",
    ] {
        let mut doc = on_digitalocean(json!([
            {"name": "u", "user": {"token": DO_TOKEN, field: "x"}},
        ]));
        let before = doc.clone();
        let outcome = convert(&mut doc, "/bin/doks-auth");
        assert_eq!(outcome.converted, [], "{field}");
        assert!(outcome.skipped[0].1.contains(field), "{outcome:?}");
        assert_eq!(doc, before, "{field}");
    }
}

#[test]
fn a_null_token_in_any_spelling_is_no_token() {
    for null in ["~", "null", "Null", "NULL", ""] {
        let text = format!(
            "clusters:\n- name: c\n  cluster:\n    server: {}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: cert\nusers:\n- name: cert\n  user:\n    client-certificate: /c.crt\n    client-key: /c.key\n    token: {null}\n",
            do_server(ID)
        );
        let mut doc = super::super::parse(&text).unwrap();
        let before = doc.clone();
        let outcome = convert(&mut doc, "/bin/doks-auth");
        assert_eq!(outcome.converted, [], "token: {null}");
        assert_eq!(doc, before, "token: {null}");
        assert!(outcome.skipped[0].1.contains("neither"), "{outcome:?}");
        // A null exec stanza is no exec stanza either: the token beside it is converted.
        let text = text
            .replace(
                "    client-certificate: /c.crt\n    client-key: /c.key\n",
                "",
            )
            .replace(
                &format!("token: {null}"),
                &format!("exec: {null}\n    token: {DO_TOKEN}"),
            );
        let mut doc = super::super::parse(&text).unwrap();
        let outcome = convert(&mut doc, "/bin/doks-auth");
        assert_eq!(
            outcome.converted,
            [("cert".into(), Before::StaticToken)],
            "exec: {null}"
        );
    }
}

#[test]
fn no_reason_quotes_an_argument_that_may_hold_a_token() {
    const SECRET: &str = "dop_v1_SECRET";
    let with = exec_credential;
    // The attached short form is doctl's -t, carried over like the others.
    for form in [
        vec!["-tdop_v1_SECRET"],
        vec!["-t=dop_v1_SECRET"],
        vec!["--access-token=dop_v1_SECRET"],
        vec!["--access-token", SECRET],
    ] {
        let mut rest = form.clone();
        rest.push(ID);
        let (stanza, _) = from_doctl(&doctl("doctl", &with(&rest))).unwrap();
        assert_eq!(stanza.access_token.as_deref(), Some(SECRET), "{form:?}");
    }
    for rest in [
        vec!["-tdop_v1_SECRET", "--config", "/x", ID],
        vec!["--tdop_v1_SECRET", ID],
        vec!["--access-tokendop_v1_SECRET", ID],
        vec!["--sso-local-server-port", SECRET, ID],
        vec!["--sso-local-server-port", "-tdop_v1_SECRET", ID],
        vec![
            "--sso-issuer-url",
            "-tdop_v1_SECRET",
            "--sso-client-id",
            "c",
            ID,
        ],
        vec!["-t"],
    ] {
        let why = from_doctl(&doctl("doctl", &with(&rest))).unwrap_err();
        assert!(!why.contains("SECRET"), "{rest:?}: {why}");
    }
    let why = from_doctl(&doctl(SECRET, &with(&[ID]))).unwrap_err();
    assert!(!why.contains("SECRET"), "{why}");
    // Other arguments are still named, folded onto one line.
    let why = from_doctl(&doctl("doctl", &with(&["--bogus\u{1b}[31m", ID]))).unwrap_err();
    assert!(why.contains("--bogus") && !why.contains('\u{1b}'), "{why}");
    let why = from_doctl(&doctl("doctl", &with(&["-c", "/x", ID]))).unwrap_err();
    assert!(why.contains("\"-c\""), "{why}");
}
