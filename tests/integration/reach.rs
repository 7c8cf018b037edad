//! The connection differential: for a matrix of cluster entries (certificate authorities by data
//! and by relative file, insecure-skip-tls-verify, tls-server-name, proxy-url of every scheme,
//! the proxy environment), real plain kubectl (`get --raw /version`) and `doks-auth whoami`
//! reach the same TLS servers through the same proxies, and each server and proxy must have seen
//! the same from both: the credential sent to the same servers, the same tunnels asked for.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use crate::support::*;

/// One cluster entry: the lines under `cluster:` (server first), the environment kubectl and
/// doks-auth run in, and files beside the kubeconfig.
struct Case {
    name: &'static str,
    cluster: String,
    env: Vec<(&'static str, String)>,
    files: Vec<(&'static str, String)>,
}

/// What the stand-ins saw in one run: which servers got the credential, which tunnels were
/// asked for.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    succeeded: bool,
    credential_at: BTreeSet<&'static str>,
    tunnels: BTreeSet<String>,
}

struct Bed {
    env: TestEnv,
    _api: DoApi,
    api_url: String,
    servers: Vec<(&'static str, Recorder)>,
    proxies: Vec<(&'static str, Proxy)>,
}

impl Bed {
    fn observe(&self, succeeded: bool) -> (Observed, Vec<Option<String>>) {
        let mut credential_at = BTreeSet::new();
        let mut sni = Vec::new();
        for (label, server) in &self.servers {
            for seen in server.take() {
                if seen.authorization.as_deref() == Some(&format!("Bearer {K8S_TOKEN}")) {
                    credential_at.insert(*label);
                }
                sni.push(seen.sni);
            }
        }
        let tunnels = self
            .proxies
            .iter()
            .flat_map(|(label, proxy)| {
                proxy
                    .take()
                    .into_iter()
                    .map(move |t| format!("{label} {t}"))
            })
            .collect();
        (
            Observed {
                succeeded,
                credential_at,
                tunnels,
            },
            sni,
        )
    }

    fn kubeconfig(&self, case: &Case, dir: &std::path::Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in &case.files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let path = dir.join("config");
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
{cluster}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: {bin:?}
      args: [get-credential, --cluster-id, {CLUSTER_ID}, --api-url, {api:?}]
      env: [{{name: DIGITALOCEAN_ACCESS_TOKEN, value: {DO_TOKEN}}}]
      interactiveMode: Never
      provideClusterInfo: true
contexts:
- name: x
  context: {{cluster: c, user: u}}
current-context: x
",
                cluster = case.cluster,
                bin = doks_auth_bin().display().to_string(),
                api = self.api_url,
            ),
        )
        .unwrap();
        path
    }
}

/// Three plain kubectls, oldest to newest: each has its own client-go.
fn plain_kubectls() -> Vec<PathBuf> {
    let plain: Vec<PathBuf> = kubectls()
        .into_iter()
        .filter(|k| k.to_string_lossy().contains("kubectl.1."))
        .collect();
    match plain.len() {
        0..=3 => plain,
        n => vec![plain[0].clone(), plain[n / 2].clone(), plain[n - 1].clone()],
    }
}

#[test]
fn doks_auth_reaches_each_cluster_entry_exactly_as_kubectl_does() {
    let kubectls = plain_kubectls();
    if kubectls.is_empty() {
        return;
    }
    let env = TestEnv::new();
    let api = DoApi::start();
    api.serve_token(CLUSTER_ID, K8S_TOKEN, chrono::Duration::hours(3));
    api.serve_account("sammy@example.com", None);

    let loopback = NamedCert::new(&["127.0.0.1"]);
    let internal = NamedCert::new(&["api.internal"]);
    let by_name = NamedCert::new(&["kube.test"]);
    let stranger = NamedCert::new(&["127.0.0.1"]);
    let names: HashMap<String, String> =
        [("kube.test".to_string(), "127.0.0.1".to_string())].into();
    let a = Recorder::start(&loopback);
    let b = Recorder::start(&internal);
    let c = Recorder::start(&by_name);
    let s = Recorder::start(&stranger);
    let connect = Proxy::start(ProxyKind::Connect, names.clone(), None);
    let socks = Proxy::start(ProxyKind::Socks5, names.clone(), None);
    // An https proxy whose certificate the cluster's CA signed: client-go checks the proxy's
    // certificate with the cluster's TLS settings.
    let tls_proxy = Proxy::start(ProxyKind::TlsConnect, names, Some(&loopback));
    let dead = free_port();
    let (pa, pb, pc, ps) = (a.port, b.port, c.port, s.port);
    let (pconn, psocks, ptls) = (connect.port, socks.port, tls_proxy.port);
    let ca_a = loopback.ca_base64();
    let ca_b = internal.ca_base64();
    let ca_c = by_name.ca_base64();
    let case = |name, cluster: &[String]| Case {
        name,
        cluster: cluster
            .iter()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
            .trim_end()
            .to_string(),
        env: vec![],
        files: vec![],
    };
    let with_env = |mut case: Case, env: &[(&'static str, String)]| {
        case.env = env.to_vec();
        case
    };
    let server = |port: u16| format!("server: https://127.0.0.1:{port}");
    let data = |ca: &str| format!("certificate-authority-data: {ca}");
    let cases = vec![
        case("ca data", &[server(pa), data(&ca_a)]),
        Case {
            files: vec![("pki/ca.pem", loopback.ca_pem.clone())],
            ..case(
                "ca file relative to the kubeconfig",
                &[server(pa), "certificate-authority: pki/ca.pem".into()],
            )
        },
        case(
            "data, and a file that cannot be read",
            &[
                server(pa),
                data(&ca_a),
                "certificate-authority: missing.pem".into(),
            ],
        ),
        Case {
            files: vec![("other.pem", internal.ca_pem.clone())],
            ..case(
                "data and a file",
                &[
                    server(pa),
                    data(&ca_a),
                    "certificate-authority: other.pem".into(),
                ],
            )
        },
        case("another CA", &[server(pa), data(&ca_b)]),
        case("no CA: system roots", &[server(ps)]),
        case(
            "tls-server-name the certificate is not for",
            &[
                server(pa),
                data(&ca_a),
                "tls-server-name: api.other-cluster.internal".into(),
            ],
        ),
        case(
            "tls-server-name the certificate is for",
            &[
                server(pb),
                data(&ca_b),
                "tls-server-name: api.internal".into(),
            ],
        ),
        // An empty tls-server-name is none to client-go; one of blanks is a name no certificate
        // is valid for.
        // Fields as written, as client-go takes them: Go's URL parser refuses blanks around a
        // URL, a path is not trimmed, base64 may be broken into lines but has no blanks.
        case(
            "proxy-url with a blank before it",
            &[
                server(pa),
                data(&ca_a),
                format!("proxy-url: \" http://127.0.0.1:{pconn}\""),
            ],
        ),
        case(
            "server with a blank before it",
            &[format!("server: \" https://127.0.0.1:{pa}\""), data(&ca_a)],
        ),
        case(
            "ca data with blanks around it",
            &[
                server(pa),
                format!("certificate-authority-data: \" {ca_a} \""),
            ],
        ),
        case(
            "ca data in lines",
            &[
                server(pa),
                format!(
                    "certificate-authority-data: |\n      {}",
                    ca_a.as_bytes()
                        .chunks(64)
                        .map(|c| std::str::from_utf8(c).unwrap())
                        .collect::<Vec<_>>()
                        .join("\n      ")
                ),
            ],
        ),
        Case {
            files: vec![("pki/ca.pem", loopback.ca_pem.clone())],
            ..case(
                "ca file with a blank before its path",
                &[server(pa), "certificate-authority: \" pki/ca.pem\"".into()],
            )
        },
        case(
            "tls-server-name empty",
            &[server(pa), data(&ca_a), "tls-server-name: \"\"".into()],
        ),
        case(
            "tls-server-name blank",
            &[server(pa), data(&ca_a), "tls-server-name: \"  \"".into()],
        ),
        case(
            "certificate for another name, no tls-server-name",
            &[server(pb), data(&ca_b)],
        ),
        case(
            "insecure-skip-tls-verify",
            &[server(ps), "insecure-skip-tls-verify: true".into()],
        ),
        case(
            "insecure-skip-tls-verify with a CA",
            &[
                server(pa),
                data(&ca_a),
                "insecure-skip-tls-verify: true".into(),
            ],
        ),
        case(
            "proxy-url dead",
            &[
                server(pa),
                data(&ca_a),
                format!("proxy-url: http://127.0.0.1:{dead}"),
            ],
        ),
        case(
            "proxy-url http",
            &[
                server(pa),
                data(&ca_a),
                format!("proxy-url: http://127.0.0.1:{pconn}"),
            ],
        ),
        case(
            "proxy-url socks5",
            &[
                server(pa),
                data(&ca_a),
                format!("proxy-url: socks5://127.0.0.1:{psocks}"),
            ],
        ),
        case(
            "proxy-url https",
            &[
                server(pa),
                data(&ca_a),
                format!("proxy-url: https://127.0.0.1:{ptls}"),
            ],
        ),
        case(
            "proxy-url ftp",
            &[
                server(pa),
                data(&ca_a),
                format!("proxy-url: ftp://127.0.0.1:{pconn}"),
            ],
        ),
        with_env(
            case(
                "HTTPS_PROXY, server by name",
                &[format!("server: https://kube.test:{pc}"), data(&ca_c)],
            ),
            &[("HTTPS_PROXY", format!("http://127.0.0.1:{pconn}"))],
        ),
        with_env(
            case(
                "https_proxy socks5, server by name",
                &[format!("server: https://kube.test:{pc}"), data(&ca_c)],
            ),
            &[("https_proxy", format!("socks5://127.0.0.1:{psocks}"))],
        ),
        // Go ignores a proxy variable it cannot parse. (0.0.0.0: a name would need DNS.)
        with_env(
            case(
                "HTTPS_PROXY with a blank before it",
                &[
                    format!("server: https://0.0.0.0:{ps}"),
                    "insecure-skip-tls-verify: true".into(),
                ],
            ),
            &[("HTTPS_PROXY", format!(" http://127.0.0.1:{pconn}"))],
        ),
        // NO_PROXY as Go reads it. 0.0.0.0 reaches this machine but is not loopback, so Go
        // consults NO_PROXY for it; a name server bypassed would need DNS, so names are only
        // used where Go proxies.
        with_env(
            case(
                "NO_PROXY address:port, address server",
                &[
                    format!("server: https://0.0.0.0:{ps}"),
                    "insecure-skip-tls-verify: true".into(),
                ],
            ),
            &[
                ("HTTPS_PROXY", format!("http://127.0.0.1:{pconn}")),
                ("NO_PROXY", format!("example.org, 0.0.0.0:{ps}")),
            ],
        ),
        with_env(
            case(
                "NO_PROXY address on another port",
                &[
                    format!("server: https://0.0.0.0:{ps}"),
                    "insecure-skip-tls-verify: true".into(),
                ],
            ),
            &[
                ("HTTPS_PROXY", format!("http://127.0.0.1:{pconn}")),
                ("NO_PROXY", "0.0.0.0:1".into()),
            ],
        ),
        with_env(
            case(
                "no_proxy CIDR, address server",
                &[
                    format!("server: https://0.0.0.0:{ps}"),
                    "insecure-skip-tls-verify: true".into(),
                ],
            ),
            &[
                ("https_proxy", format!("http://127.0.0.1:{pconn}")),
                ("no_proxy", "0.0.0.0/8".into()),
            ],
        ),
        with_env(
            case(
                "NO_PROXY .domain, server the domain itself",
                &[format!("server: https://kube.test:{pc}"), data(&ca_c)],
            ),
            &[
                ("HTTPS_PROXY", format!("http://127.0.0.1:{pconn}")),
                ("NO_PROXY", ".KUBE.test".into()),
            ],
        ),
        with_env(
            case(
                "NO_PROXY name:port on another port",
                &[format!("server: https://kube.test:{pc}"), data(&ca_c)],
            ),
            &[
                ("HTTPS_PROXY", format!("http://127.0.0.1:{pconn}")),
                ("NO_PROXY", "kube.test:1,*.kube.test".into()),
            ],
        ),
        case(
            "proxy-url socks5h",
            &[
                server(pa),
                data(&ca_a),
                format!("proxy-url: socks5h://127.0.0.1:{psocks}"),
            ],
        ),
        with_env(
            case(
                "HTTPS_PROXY dead, loopback server",
                &[server(pa), data(&ca_a)],
            ),
            &[("HTTPS_PROXY", format!("http://127.0.0.1:{dead}"))],
        ),
        with_env(
            case(
                "proxy-url over HTTPS_PROXY",
                &[
                    server(pa),
                    data(&ca_a),
                    format!("proxy-url: http://127.0.0.1:{pconn}"),
                ],
            ),
            &[("HTTPS_PROXY", format!("http://127.0.0.1:{dead}"))],
        ),
    ];
    let bed = Bed {
        env,
        api_url: api.url(),
        _api: api,
        servers: vec![("a", a), ("b", b), ("c", c), ("s", s)],
        proxies: vec![
            ("connect", connect),
            ("socks5", socks),
            ("https", tls_proxy),
        ],
    };
    let mut report = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let kubeconfig = bed.kubeconfig(case, &bed.env.home().join(format!("case{i}")));
        let mut seen_by_kubectl: Option<(Observed, Vec<Option<String>>, String)> = None;
        for kubectl in &kubectls {
            let mut cmd = bed.env.command(kubectl);
            cmd.args(["get", "--raw", "/version", "--request-timeout=5s"])
                .env("KUBECONFIG", &kubeconfig);
            for (k, v) in &case.env {
                cmd.env(k, v);
            }
            let out = run(&mut cmd);
            let (observed, sni) = bed.observe(out.code == Some(0));
            match &seen_by_kubectl {
                None => seen_by_kubectl = Some((observed, sni, out.stderr)),
                Some((first, ..)) => assert_eq!(
                    &observed,
                    first,
                    "{}: {} differs from the other kubectls: {}",
                    case.name,
                    kubectl.display(),
                    out.stderr
                ),
            }
        }
        let (kubectl_saw, kubectl_sni, kubectl_err) = seen_by_kubectl.unwrap();
        let mut cmd = bed.env.doks_auth();
        cmd.args(["whoami", "--timeout", "5"])
            .env("KUBECONFIG", &kubeconfig);
        for (k, v) in &case.env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd);
        let (ours, our_sni) = bed.observe(out.code == Some(0));
        assert_eq!(
            ours, kubectl_saw,
            "{}: doks-auth whoami and kubectl reached the servers differently\nkubectl: {kubectl_err}\ndoks-auth: {}",
            case.name, out.stderr
        );
        if !ours.succeeded {
            // Not reached: one line of ours that says why.
            assert_eq!(
                out.stderr.lines().count(),
                1,
                "{}: {}",
                case.name,
                out.stderr
            );
            assert!(out.stderr.starts_with("doks-auth: "), "{}", out.stderr);
        }
        report.push(format!(
            "{:<50} {:<8} sni kubectl {:?} doks-auth {:?}",
            case.name,
            if ours.succeeded { "reached" } else { "refused" },
            kubectl_sni.first().cloned().flatten(),
            our_sni.first().cloned().flatten()
        ));
    }
    eprintln!("{}", report.join("\n"));
}
