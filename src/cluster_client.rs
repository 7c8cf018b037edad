//! The cluster as kubectl reaches it: one HTTP client built from every connection field of a
//! kubeconfig cluster entry that client-go honours, for the heal's probe, `whoami` and `doctor`.
//! A field it cannot honour is an [`Unusable`] and no request at all: a request kubectl would not
//! make could carry the credential where kubectl would never send it.
//!
//! What client-go does, and so what this does:
//! - `certificate-authority-data` or `certificate-authority` (a file, relative to the kubeconfig
//!   that defines the cluster; not both, kubectl refuses that) is then the only trusted root,
//!   else the system's roots are;
//! - `insecure-skip-tls-verify` with a certificate authority is refused (client-go: "specifying a
//!   root certificates file with the insecure flag is not allowed");
//! - `tls-server-name` is the name the server's certificate must be valid for;
//! - `proxy-url` (http, https, socks5) carries every request, even to this machine; without it
//!   `HTTPS_PROXY`/`https_proxy` (`HTTP_PROXY` for an `http://` server) and `NO_PROXY`, as Go's
//!   `ProxyFromEnvironment`, which never proxies `localhost` or a loopback address;
//! - a socks5 proxy is given the host name to resolve, as Go's SOCKS5 dialer does.
//!
//! One difference is left: the TLS server name indication is the server URL's host (none for an
//! address), where Go sends `tls-server-name`. The certificate is still checked against
//! `tls-server-name`, so the credential goes only to a server holding a certificate for it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Url;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use verify::{NamedVerifier, Unverified};

use crate::error::one_line;
use crate::http;

/// A kubeconfig cluster entry's connection fields, as the kubeconfig (or kubectl's
/// `KUBERNETES_EXEC_INFO`) has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    pub server: String,
    /// `certificate-authority`: a PEM file.
    pub certificate_authority: Option<String>,
    /// `certificate-authority-data`: base64 of PEM.
    pub certificate_authority_data: Option<String>,
    pub insecure_skip_tls_verify: bool,
    pub tls_server_name: Option<String>,
    pub proxy_url: Option<String>,
    /// The folder of the kubeconfig that defines the cluster: a relative
    /// `certificate-authority` is taken from there.
    pub dir: Option<PathBuf>,
}

/// Why the cluster cannot be reached as kubectl would reach it: what the entry says, in a
/// phrase that fits after "cluster NAME: ". Never quotes certificate data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unusable(pub String);

/// A client for one cluster and the server's URL, the base of every path asked.
#[derive(Debug)]
pub struct ClusterClient {
    pub client: reqwest::Client,
    pub server: Url,
}

impl ClusterClient {
    /// `path` (starting with `/`) on the server, after any path the server URL has.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.as_str().trim_end_matches('/'))
    }
}

/// A client that reaches `conn` as kubectl does, presenting `identity` (a client certificate and
/// its key, PEM) when there is one.
pub fn client(
    conn: &Connection,
    identity: Option<&[u8]>,
    timeout: Duration,
) -> Result<ClusterClient, Unusable> {
    let unusable = |reason: String| Unusable(reason);
    // Go's url.Parse refuses blanks around a URL (this parser would strip them): kubectl
    // reaches nothing.
    if conn.server.trim() != conn.server {
        return Err(unusable(format!(
            "its server {:?} has blanks around it, which kubectl refuses",
            one_line(&conn.server)
        )));
    }
    let server = Url::parse(&conn.server)
        .ok()
        .filter(|url| url.host_str().is_some())
        .ok_or_else(|| {
            unusable(format!(
                "its server {:?} is not an https:// address",
                one_line(&conn.server)
            ))
        })?;
    match server.scheme() {
        "https" => {}
        "http" if http::is_loopback(&server) => {}
        "http" => {
            return Err(unusable(format!(
                "its server {} is http://: the credential would cross the network unencrypted, and doks-auth sends it only over https (or to this machine)",
                one_line(server.as_str())
            )));
        }
        other => {
            return Err(unusable(format!(
                "its server's scheme {:?} is neither https nor http",
                one_line(other)
            )));
        }
    }
    let roots = certificate_authority(conn)?;
    if conn.insecure_skip_tls_verify && roots.is_some() {
        return Err(unusable(
            "it sets both insecure-skip-tls-verify and a certificate authority, which kubectl refuses (\"specifying a root certificates file with the insecure flag is not allowed\")".into(),
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = if conn.insecure_skip_tls_verify {
        Arc::new(Unverified(provider.clone()))
    } else {
        let inner: Arc<dyn ServerCertVerifier> = match roots {
            Some(roots) => {
                let mut store = rustls::RootCertStore::empty();
                let (added, _) = store.add_parsable_certificates(roots);
                if added == 0 {
                    return Err(unusable(
                        "its certificate authority holds no certificate that can be used".into(),
                    ));
                }
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(store),
                    provider.clone(),
                )
                .build()
                .map_err(|err| unusable(format!("its certificate authority: {err}")))?
            }
            None => Arc::new(
                rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|err| {
                    unusable(format!(
                        "this system's certificate roots cannot be read: {err}"
                    ))
                })?,
            ),
        };
        // client-go takes an empty tls-server-name as none and any other text as the name,
        // blanks included: no certificate is valid for "  ", so kubectl reaches nothing.
        let name = match conn.tls_server_name.as_deref() {
            Some(name) if !name.is_empty() => {
                Some(ServerName::try_from(name.to_string()).map_err(|_| {
                    unusable(format!(
                        "its tls-server-name {:?} is not a host name",
                        one_line(name)
                    ))
                })?)
            }
            _ => None,
        };
        Arc::new(NamedVerifier { inner, name })
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| unusable(format!("no TLS version to offer: {err}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut tls = match identity {
        Some(pem) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<_, _>>()
                .map_err(|_| unusable("the client certificate is not PEM".into()))?;
            let key = PrivateKeyDer::from_pem_slice(pem)
                .map_err(|_| unusable("the client certificate's key is not PEM".into()))?;
            builder.with_client_auth_cert(chain, key).map_err(|err| {
                unusable(format!(
                    "the client certificate and key cannot be used: {}",
                    crate::tls_words::describe(&err, crate::tls_words::Whose::Ours).0
                ))
            })?
        }
        None => builder.with_no_client_auth(),
    };
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut builder = http::builder(timeout).tls_backend_preconfigured(tls);
    builder = match proxy(conn, &server)? {
        Some(proxy) => builder.proxy(proxy),
        None => builder.no_proxy(),
    };
    let client = builder
        .build()
        .map_err(|err| unusable(format!("no client: {}", http::error_chain(&err))))?;
    Ok(ClusterClient { client, server })
}

/// The certificate authority's PEM certificates, from `-data` or the file.
fn certificate_authority(
    conn: &Connection,
) -> Result<Option<Vec<CertificateDer<'static>>>, Unusable> {
    // As written: kubectl trims neither a path nor base64 (Go's decoder skips only line breaks).
    let nonempty = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    let (pem, field) = match (
        nonempty(&conn.certificate_authority_data),
        nonempty(&conn.certificate_authority),
    ) {
        // kubectl's own check of the kubeconfig stops there.
        (Some(_), Some(_)) => {
            return Err(Unusable(
                "it sets both certificate-authority-data and certificate-authority, which kubectl refuses".into(),
            ));
        }
        (Some(data), None) => (
            STANDARD
                .decode(data.replace(['\r', '\n'], ""))
                .map_err(|_| Unusable("its certificate-authority-data is not base64".into()))?,
            "certificate-authority-data",
        ),
        (None, Some(file)) => {
            let path = match &conn.dir {
                Some(dir) => crate::gopath::resolve_in(dir, &file),
                None => PathBuf::from(&file),
            };
            let pem = std::fs::read(&path).map_err(|err| {
                Unusable(format!(
                    "cannot read its certificate-authority {}: {err}",
                    path.display()
                ))
            })?;
            (pem, "certificate-authority")
        }
        (None, None) => return Ok(None),
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|_| Unusable(format!("its {field} is not PEM")))?;
    if certs.is_empty() {
        return Err(Unusable(format!("its {field} holds no PEM certificate")));
    }
    Ok(Some(certs))
}

/// The proxy kubectl would use for `server`, or none.
fn proxy(conn: &Connection, server: &Url) -> Result<Option<reqwest::Proxy>, Unusable> {
    if let Some(url) = conn.proxy_url.as_deref().filter(|u| !u.is_empty()) {
        // Go's url.Parse refuses blanks around a URL (this parser would strip them), and so
        // kubectl refuses the entry.
        let parsed = Some(url)
            .filter(|u| u.trim() == *u)
            .and_then(|u| Url::parse(u).ok())
            .filter(|u| u.host_str().is_some())
            .ok_or_else(|| Unusable(format!("its proxy-url {:?} is not a URL", one_line(url))))?;
        // client-go's check of the kubeconfig takes socks5 but not socks5h (which Go's proxy
        // environment does take): kubectl refuses the entry before any request.
        if !matches!(parsed.scheme(), "http" | "https" | "socks5") {
            return Err(Unusable(format!(
                "its proxy-url's scheme {:?} is unsupported: kubectl takes only http, https, or socks5, and refuses it too",
                one_line(parsed.scheme())
            )));
        }
        return proxy_to(parsed, "its proxy-url").map(Some);
    }
    from_environment(server, &|name| std::env::var(name).ok())
}

/// Go's `ProxyFromEnvironment` (which client-go uses when the entry has no `proxy-url`).
fn from_environment(
    server: &Url,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<reqwest::Proxy>, Unusable> {
    let first = |names: [&'static str; 2]| {
        names
            .into_iter()
            .find_map(|name| var(name).filter(|v| !v.is_empty()).map(|v| (name, v)))
    };
    let names = match server.scheme() {
        "https" => ["HTTPS_PROXY", "https_proxy"],
        _ => ["HTTP_PROXY", "http_proxy"],
    };
    // Go never sends a request for localhost or a loopback address through a proxy.
    if http::is_loopback(server) {
        return Ok(None);
    }
    let Some((name, value)) = first(names) else {
        return Ok(None);
    };
    // Go reads a value without a scheme or host ("host:port") as http://host:port, and one it
    // cannot parse (blanks around it, which this parser would strip) as no proxy at all:
    // kubectl then goes straight to the server, and so does this.
    let parsed = Some(value.as_str())
        .filter(|v| v.trim() == *v)
        .and_then(|v| {
            Url::parse(v)
                .ok()
                .filter(|u| u.host_str().is_some())
                .or_else(|| {
                    Url::parse(&format!("http://{v}"))
                        .ok()
                        .filter(|u| u.host_str().is_some())
                })
        });
    let Some(parsed) = parsed else {
        log::debug!(
            "{name} {:?} is not a URL: not used, as kubectl does not",
            one_line(&value)
        );
        return Ok(None);
    };
    let no_proxy = first(["NO_PROXY", "no_proxy"]).map(|(_, v)| v);
    let port = server.port_or_known_default().unwrap_or(443);
    let host = server.host_str().unwrap_or_default();
    if no_proxy.is_some_and(|list| no_proxy::bypasses(&list, host, port)) {
        return Ok(None);
    }
    proxy_to(parsed, name).map(Some)
}

/// A proxy for every request, by the schemes client-go takes.
fn proxy_to(mut url: Url, field: &str) -> Result<reqwest::Proxy, Unusable> {
    match url.scheme() {
        "http" | "https" => {}
        // Go's SOCKS5 dialer hands the proxy the host name; reqwest does that for socks5h.
        "socks5" | "socks5h" => {
            let rest = url.as_str().split_once("://").map(|(_, r)| r.to_string());
            url = rest
                .and_then(|rest| Url::parse(&format!("socks5h://{rest}")).ok())
                .ok_or_else(|| Unusable(format!("{field} cannot be used")))?;
        }
        other => {
            return Err(Unusable(format!(
                "{field}'s scheme {:?} is not http, https or socks5 (kubectl refuses it too)",
                one_line(other)
            )));
        }
    }
    reqwest::Proxy::all(url).map_err(|err| {
        Unusable(format!(
            "{field} cannot be used: {}",
            http::error_chain(&err)
        ))
    })
}

mod no_proxy;
mod verify;

#[cfg(test)]
mod tests;
