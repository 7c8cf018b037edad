use super::*;

fn conn(server: &str) -> Connection {
    Connection {
        server: server.into(),
        ..Connection::default()
    }
}

fn refused(conn: &Connection) -> String {
    client(conn, None, Duration::from_secs(1)).unwrap_err().0
}

const PEM: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBZjCCAQygAwIBAgIUb3W5mQ==\n-----END CERTIFICATE-----\n";

#[test]
fn a_server_kubectl_would_not_send_a_credential_to_safely_is_refused() {
    assert!(refused(&conn("http://10.0.0.1:8080")).contains("is http://"));
    assert!(refused(&conn("ftp://10.0.0.1")).contains("neither https nor http"));
    assert!(refused(&conn("10.0.0.1:6443")).contains("not an https:// address"));
    assert!(client(&conn("http://127.0.0.1:8080"), None, Duration::from_secs(1)).is_ok());
    let built = client(
        &conn("https://10.0.0.1:6443/prefix/"),
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    assert_eq!(
        built.url("/version"),
        "https://10.0.0.1:6443/prefix/version"
    );
}

#[test]
fn the_certificate_authority_is_data_or_a_file_relative_to_the_kubeconfig_never_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), PEM).unwrap();
    let mut c = conn("https://s");
    c.certificate_authority = Some("ca.pem".into());
    c.dir = Some(dir.path().to_path_buf());
    assert_eq!(certificate_authority(&c).unwrap().unwrap().len(), 1);
    c.certificate_authority_data = Some(STANDARD.encode(PEM));
    assert!(certificate_authority(&c).unwrap_err().0.contains("both"));
    c.certificate_authority = None;
    c.certificate_authority_data = Some("%%".into());
    assert_eq!(
        certificate_authority(&c).unwrap_err().0,
        "its certificate-authority-data is not base64"
    );
    c.certificate_authority_data = Some(STANDARD.encode("no pem here"));
    assert_eq!(
        certificate_authority(&c).unwrap_err().0,
        "its certificate-authority-data holds no PEM certificate"
    );
    c.certificate_authority_data = None;
    c.certificate_authority = Some("missing.pem".into());
    let err = certificate_authority(&c).unwrap_err().0;
    assert!(
        err.starts_with("cannot read its certificate-authority "),
        "{err}"
    );
    assert!(
        err.contains(&dir.path().join("missing.pem").display().to_string()),
        "{err}"
    );
    assert_eq!(certificate_authority(&conn("https://s")).unwrap(), None);
}

#[test]
fn insecure_with_a_certificate_authority_is_refused_as_kubectl_refuses_it() {
    let mut c = conn("https://s");
    c.insecure_skip_tls_verify = true;
    assert!(client(&c, None, Duration::from_secs(1)).is_ok());
    c.certificate_authority_data = Some(STANDARD.encode(PEM));
    assert!(refused(&c).contains("insecure-skip-tls-verify and a certificate authority"));
}

#[test]
fn a_proxy_url_kubectl_does_not_take_is_refused() {
    let mut c = conn("https://s");
    c.proxy_url = Some("ftp://127.0.0.1:21".into());
    for scheme in ["ftp", "socks5h"] {
        c.proxy_url = Some(format!("{scheme}://127.0.0.1:21"));
        assert!(
            refused(&c).contains(&format!(
                "proxy-url's scheme {scheme:?} is unsupported: kubectl takes only http, https, or socks5"
            )),
            "{scheme}"
        );
    }
    c.proxy_url = Some("::".into());
    assert!(refused(&c).contains("is not a URL"));
    for ok in [
        "http://127.0.0.1:3128",
        "https://127.0.0.1:3128",
        "socks5://127.0.0.1:1080",
    ] {
        c.proxy_url = Some(ok.into());
        assert!(client(&c, None, Duration::from_secs(1)).is_ok(), "{ok}");
    }
    c.tls_server_name = Some("not a name!".into());
    assert!(refused(&c).contains("tls-server-name"));
}

#[test]
fn the_environment_proxy_is_gos_never_for_loopback_and_https_proxy_first() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let url = |u: &str| Url::parse(u).unwrap();
    let set: &[(&str, &str)] = &[("HTTPS_PROXY", "127.0.0.1:3128"), ("https_proxy", "::bad")];
    assert!(
        from_environment(&url("https://kube.test"), &env(set))
            .unwrap()
            .is_some()
    );
    assert!(
        from_environment(&url("https://127.0.0.1:6443"), &env(set))
            .unwrap()
            .is_none()
    );
    assert!(
        from_environment(&url("https://localhost:6443"), &env(set))
            .unwrap()
            .is_none()
    );
    // An http server goes by HTTP_PROXY only.
    assert!(
        from_environment(&url("http://kube.test"), &env(set))
            .unwrap()
            .is_none()
    );
    let lower: &[(&str, &str)] = &[("https_proxy", "socks5://127.0.0.1:1080")];
    assert!(
        from_environment(&url("https://kube.test"), &env(lower))
            .unwrap()
            .is_some()
    );
    // A value Go cannot parse is no proxy to it.
    let blank: &[(&str, &str)] = &[("HTTPS_PROXY", "http://127.0.0.1:3128 ")];
    assert!(
        from_environment(&url("https://kube.test"), &env(blank))
            .unwrap()
            .is_none()
    );
    let bad: &[(&str, &str)] = &[("HTTPS_PROXY", "ftp://127.0.0.1:21")];
    assert!(from_environment(&url("https://kube.test"), &env(bad)).is_err());
    assert!(
        from_environment(&url("https://kube.test"), &env(&[]))
            .unwrap()
            .is_none()
    );
}
