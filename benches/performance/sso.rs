//! Single sign-on against the tests' real OpenID provider (oidc-provider on node, tests/sso/):
//! the cache hit beside the token path's, a refresh-token refresh beside curl making the same
//! token request, and a herd on an empty cache.

use std::process::Command;

use chrono::{Duration as ChronoDuration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::measure::*;
use crate::support::*;

pub fn run(token_hit: &mut dyn FnMut() -> Command) {
    if which("node").is_none() || which("npm").is_none() {
        println!("\n## 6-8. Single sign-on\n\nskipped: node and npm are not installed");
        return;
    }
    provider_installed();
    cache_hit(token_hit);
    refresh_vs_curl();
    herd_of_twenty();
}

/// Section 6: the SSO hit must cost what the token hit costs: no discovery, no runtime, no TLS.
/// Both run as `kubeconfig save` writes them: the SSO stanza names the issuer and client only.
fn cache_hit(token_hit: &mut dyn FnMut() -> Command) {
    let op = Op::start(json!({}));
    run_ok(&mut op.get_credential("login"));
    let sso_hit = || {
        let mut c = op.env.doks_auth();
        c.args(["get-credential", "--cluster-id", CLUSTER_ID])
            .args(["--sso-issuer-url", &op.issuer, "--sso-client-id", CLIENT_ID]);
        c
    };
    let rows = compare(
        runs(300),
        &mut [
            ("get-credential, token cache hit", token_hit),
            ("get-credential, SSO cache hit", &mut || sso_hit()),
        ],
    );
    print_rows(
        "6. SSO cache hit vs token cache hit (target: within 1.05x)",
        &rows,
    );
    match (instructions(&token_hit()), instructions(&sso_hit())) {
        (Some(token), Some(sso)) => println!(
            "\ninstructions (callgrind, whole process): token hit {token}, SSO hit {sso}: {:.3}x",
            sso as f64 / token as f64
        ),
        _ => println!("\ninstructions: skipped (valgrind is not installed)"),
    }
    assert_eq!(op.browsers(), 1, "an SSO cache hit opened a browser");
}

/// Section 7: a refresh is discovery, the refresh-token grant and the JWKS over one TLS connection, then
/// the ID token checked. curl makes only the token request, so the gap is all SSO overhead.
fn refresh_vs_curl() {
    if which("curl").is_none() {
        println!("\n## 7. SSO refresh vs curl\n\nskipped: curl is not installed");
        return;
    }
    // Refresh tokens are kept, not rotated, so curl and doks-auth can each use the same one
    // every round.
    let op = Op::start(json!({"rotateRefresh": false}));
    run_ok(&mut op.get_credential("login"));
    let path = op.env.only_cache_entry();
    let refresh_token = op.entry()["sso"]["refresh_token"]
        .as_str()
        .expect("the login gave a refresh token")
        .to_string();
    let discovery: Value = serde_json::from_str(
        &run_ok(
            Command::new("curl")
                .args(["-sSf", "--cacert"])
                .arg(&op.ca)
                .arg(format!("{}/.well-known/openid-configuration", op.issuer)),
        )
        .stdout,
    )
    .unwrap();
    let token_endpoint = discovery["token_endpoint"].as_str().unwrap().to_string();
    // Before each doks-auth round the cached ID token is made due, so the round refreshes.
    let make_due = || {
        let mut entry: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // An hour-long lifetime with 30 s left: inside the 5-minute margin, not expired.
        let now = Utc::now();
        let stamp = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        entry["fetched_at"] = stamp(now - ChronoDuration::hours(1)).into();
        entry["expires_at"] = stamp(now + ChronoDuration::seconds(30)).into();
        std::fs::write(&path, entry.to_string()).unwrap();
    };
    let before = op.token_requests("refresh_token 200");
    let rows = compare(
        runs(300) / 3,
        &mut [
            ("curl (the same refresh-token request)", &mut || {
                let mut c = op.env.command("curl");
                c.args(["-sSf", "--cacert"]).arg(&op.ca).args([
                    "-d",
                    "grant_type=refresh_token",
                    "-d",
                    &format!("refresh_token={refresh_token}"),
                    "-d",
                    &format!("client_id={CLIENT_ID}"),
                    &token_endpoint,
                ]);
                c
            }),
            ("doks-auth get-credential (SSO refresh)", &mut || {
                make_due();
                op.get_credential("login")
            }),
        ],
    );
    print_rows(
        "7. SSO refresh by refresh token vs curl (target: ≤ 1.5x CPU)",
        &rows,
    );
    // Every round of both contenders made its request: timed rounds each, the RSS rounds
    // (one command run RSS_ROUNDS times) once each for curl and once for doks-auth, whose later
    // RSS rounds find the entry it refreshed.
    let refreshes = op.token_requests("refresh_token 200") - before;
    assert_eq!(refreshes, (2 * (runs(300) / 3) + RSS_ROUNDS + 1) as u64);
    assert_eq!(op.browsers(), 1, "a refresh opened a browser");
}

/// Section 8: twenty processes on an empty cache: one browser, one token request, the rest wait.
fn herd_of_twenty() {
    let op = Op::start(json!({}));
    let latencies = herd(20, || op.get_credential("login"));
    println!("\n## 8. SSO herd: 20 processes on an empty cache\n");
    println!("| browsers opened | code grants | p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} | {} |",
        op.browsers(),
        op.token_requests("authorization_code 200"),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(percentile(&latencies, 1.0)),
    );
    println!(
        "\n(the login itself is the scripted browser on node: its start-up is most of the time)"
    );
}
