//! Stand-ins for the ways kubectl reaches a cluster, for the connection differential: a TLS
//! server with a certificate for chosen names that records every request it sees, an HTTP
//! CONNECT proxy (plain or behind TLS) and a SOCKS5 proxy, each recording where it was asked
//! to connect. Proxies resolve only the names they are given: nothing looks up DNS.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::*;

/// A CA and a server certificate for `names` (DNS names or IP addresses), all fresh.
pub struct NamedCert {
    pub ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

impl NamedCert {
    pub fn new(names: &[&str]) -> NamedCert {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "reach test CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        NamedCert {
            ca_pem: ca_cert.pem(),
            cert_der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        }
    }

    pub fn ca_base64(&self) -> String {
        STANDARD.encode(&self.ca_pem)
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        runtime();
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(self.cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())),
            )
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

/// One request as a [`Recorder`] saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// The TLS server name the client indicated.
    pub sni: Option<String>,
}

type Log<T> = Arc<Mutex<Vec<T>>>;

/// A TLS "API server" that answers `/version` and `SelfSubjectReview`s to anyone and records
/// each request.
pub struct Recorder {
    pub port: u16,
    seen: Log<Seen>,
}

impl Recorder {
    pub fn start(cert: &NamedCert) -> Recorder {
        Recorder::answering(cert, None)
    }

    /// A recorder that answers every request with `answer` (status, JSON body) when given.
    pub fn answering(cert: &NamedCert, answer: Option<(u16, Value)>) -> Recorder {
        use http_body_util::Full;
        use hyper::body::Bytes;
        use hyper::{Request, Response};

        let acceptor = cert.acceptor();
        let listener = runtime()
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Log<Seen> = Arc::default();
        let log = seen.clone();
        runtime().spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, log, answer) = (acceptor.clone(), log.clone(), answer.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let sni = tls.get_ref().1.server_name().map(str::to_string);
                    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        log.lock().unwrap().push(Seen {
                            method: req.method().to_string(),
                            path: req.uri().path().to_string(),
                            authorization: req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string),
                            sni: sni.clone(),
                        });
                        let (status, body) = if let Some(answer) = answer.clone() {
                            answer
                        } else if req.uri().path() == "/version" {
                            (200, json!({"major": "1", "minor": "31", "gitVersion": "v1.31.1"}))
                        } else if req.uri().path().ends_with("/selfsubjectreviews") {
                            (201, json!({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                                         "status": {"userInfo": token_user()}}))
                        } else {
                            (404, json!({"kind": "Status", "code": 404}))
                        };
                        let response = Response::builder()
                            .status(status)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(body.to_string())))
                            .unwrap();
                        async move { Ok::<_, std::convert::Infallible>(response) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Recorder { port, seen }
    }

    /// What it saw since the last call.
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// Which kind of proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// HTTP `CONNECT`, in clear text.
    Connect,
    /// HTTP `CONNECT` inside TLS (a `https://` proxy), with the given certificate.
    TlsConnect,
    Socks5,
}

/// A proxy that records every target it is asked for (`host:port`, as asked).
pub struct Proxy {
    pub port: u16,
    targets: Log<String>,
}

impl Proxy {
    /// A proxy of `kind`, resolving only the names in `hosts` (others must be addresses);
    /// `cert` is its TLS certificate for [`ProxyKind::TlsConnect`].
    pub fn start(
        kind: ProxyKind,
        hosts: HashMap<String, String>,
        cert: Option<&NamedCert>,
    ) -> Proxy {
        let acceptor = cert.map(NamedCert::acceptor);
        let listener = runtime()
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets: Log<String> = Arc::default();
        let log = targets.clone();
        let hosts = Arc::new(hosts);
        runtime().spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (log, hosts, acceptor) = (log.clone(), hosts.clone(), acceptor.clone());
                tokio::spawn(async move {
                    match (kind, acceptor) {
                        (ProxyKind::TlsConnect, Some(acceptor)) => {
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                let _ = connect(tls, &log, &hosts).await;
                            }
                        }
                        (ProxyKind::Socks5, _) => {
                            let _ = socks5(tcp, &log, &hosts).await;
                        }
                        _ => {
                            let _ = connect(tcp, &log, &hosts).await;
                        }
                    }
                });
            }
        });
        Proxy { port, targets }
    }

    /// The targets asked for since the last call.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.targets.lock().unwrap())
    }
}

/// `host:port` to a loopback socket address, by the proxy's own table: never DNS.
fn resolve(target: &str, hosts: &HashMap<String, String>) -> Option<String> {
    let (host, port) = target.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match hosts.get(host) {
        Some(ip) => Some(format!("{ip}:{port}")),
        None => host
            .parse::<std::net::IpAddr>()
            .ok()
            .map(|_| target.to_string()),
    }
}

async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    mut client: S,
    log: &Log<String>,
    hosts: &HashMap<String, String>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    log.lock().unwrap().push(target.clone());
    let Some(addr) = resolve(&target, hosts) else {
        return client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
    };
    let mut upstream = tokio::net::TcpStream::connect(addr).await?;
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

async fn socks5(
    mut client: tokio::net::TcpStream,
    log: &Log<String>,
    hosts: &HashMap<String, String>,
) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; greeting[1] as usize];
    client.read_exact(&mut methods).await?;
    client.write_all(&[5, 0]).await?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await?;
            let mut name = vec![0u8; len[0] as usize];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    log.lock().unwrap().push(target.clone());
    let Some(addr) = resolve(&target, hosts) else {
        return client.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]).await;
    };
    let mut upstream = tokio::net::TcpStream::connect(addr).await?;
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
