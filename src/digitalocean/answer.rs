//! DigitalOcean's answer to `GET /v2/kubernetes/clusters/{id}/credentials`, checked and decoded
//! into the [`Credential`] that the cache and kubectl share.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use log::debug;
use serde::Deserialize;

use crate::credential::Credential;
use crate::secret::Secret;

/// Asked for more, the lifetime is still bounded by this: it keeps date arithmetic in range.
const MAX_LIFETIME_SECONDS: u64 = 10 * 365 * 86400;
/// What DigitalOcean gives when asked for `expiry_seconds=0`: its default, and longest, lifetime.
const DEFAULT_LIFETIME_SECONDS: u64 = 7 * 86400;
/// How far DigitalOcean's clock may put the lifetime past what was asked before it is doubted.
const SLACK: Duration = Duration::seconds(60);
/// A `Date` this close to this machine's clock is believed even when the answer disagrees with
/// it: clocks are hours off after a suspend, not years.
const PLAUSIBLE_SKEW: Duration = Duration::days(1);

/// `GET /v2/kubernetes/clusters/{id}/credentials`, as sent. No field is required by the spec.
/// Secrets are wrapped, so `Debug` shows no credential.
#[derive(Debug, Default, Deserialize)]
pub struct ApiCredentials {
    pub server: Option<String>,
    pub certificate_authority_data: Option<String>,
    pub client_certificate_data: Option<Secret>,
    pub client_key_data: Option<Secret>,
    pub token: Option<Secret>,
    pub expires_at: Option<String>,
    /// When DigitalOcean answered, by its own clock: the response's `Date` header.
    #[serde(skip)]
    pub server_date: Option<DateTime<Utc>>,
}

impl ApiCredentials {
    /// Checks and decodes DigitalOcean's answer, received at `fetched_at` by this machine's
    /// clock, for a request of `expiry_seconds`. The error is a reason for an "unexpected
    /// response" message; it never quotes a credential.
    ///
    /// The lifetime is judged by DigitalOcean's clock (`expires_at` against the `Date` header,
    /// else the lifetime asked for), then counted from `fetched_at`: a machine whose clock is
    /// hours off still gets a credential it can use, and stops using it when the server does.
    pub fn into_credential(
        self,
        fetched_at: DateTime<Utc>,
        expiry_seconds: u64,
    ) -> Result<Credential, String> {
        let answer = self;
        let token = answer.token.filter(|t| !t.expose().is_empty());
        let (client_certificate, client_key) =
            match (answer.client_certificate_data, answer.client_key_data) {
                (Some(cert), Some(key)) => (
                    Some(decode_pem("client_certificate_data", &cert)?),
                    Some(decode_pem("client_key_data", &key)?),
                ),
                (Some(_), None) => {
                    return Err("client_certificate_data came without client_key_data".into());
                }
                (None, Some(_)) => {
                    return Err("client_key_data came without client_certificate_data".into());
                }
                (None, None) => (None, None),
            };
        if token.is_none() && client_certificate.is_none() {
            return Err("the answer holds neither a token nor a client certificate".into());
        }
        let raw_expiry = answer.expires_at.ok_or("the answer has no expires_at")?;
        // The value is not quoted back: a confused server could have put anything there.
        let expires_at = DateTime::parse_from_rfc3339(&raw_expiry)
            .map_err(|_| "expires_at is not an RFC 3339 timestamp".to_string())?
            .with_timezone(&Utc);
        let lifetime = lifetime(expires_at, answer.server_date, fetched_at, expiry_seconds)?;
        Ok(Credential {
            token,
            client_certificate,
            client_key,
            expires_at: fetched_at
                .checked_add_signed(lifetime)
                .ok_or("expires_at is out of range")?,
            fetched_at,
            sso: None,
        })
    }
}

/// How long the credential lasts, counted from this machine's clock, and never more than was
/// asked (`expiry_seconds`, 7 days for 0):
/// - by DigitalOcean's clock (`expires_at` against its `Date` header) when the two fit what was
///   asked; a `Date` within a day of ours that says the credential is over is believed;
/// - else by this machine's clock (`expires_at` against it): a `Date` from another decade is
///   ignored (said under `-v`) rather than making a credential last for decades or fail at once;
/// - without a `Date` and with a lifetime asked for, that lifetime: a clock hours fast must not
///   refuse a fresh credential.
fn lifetime(
    expires_at: DateTime<Utc>,
    server_date: Option<DateTime<Utc>>,
    fetched_at: DateTime<Utc>,
    expiry_seconds: u64,
) -> Result<Duration, String> {
    let asked = match expiry_seconds {
        0 => DEFAULT_LIFETIME_SECONDS,
        asked => asked.min(MAX_LIFETIME_SECONDS),
    };
    let ceiling = Duration::seconds(asked as i64);
    let expired =
        || format!("the credential expired at {expires_at} already, before it was issued");
    if let Some(server_date) = server_date {
        // The Date header counts whole seconds, rounded down: a second less, to be safe.
        let by_server = expires_at - server_date - Duration::seconds(1);
        if by_server > Duration::zero() && by_server <= ceiling + SLACK {
            return Ok(by_server.min(ceiling));
        }
        if (server_date - fetched_at).abs() <= PLAUSIBLE_SKEW {
            if by_server <= Duration::zero() {
                return Err(expired());
            }
            return Ok(ceiling);
        }
        debug!(
            "DigitalOcean's Date header ({}) is more than a day off this machine's clock and does not fit expires_at ({expires_at}): ignored, this machine's clock judges",
            server_date.format("%Y-%m-%d %H:%M:%S UTC")
        );
    }
    let by_ours = expires_at - fetched_at;
    if by_ours > Duration::zero() {
        return Ok(by_ours.min(ceiling));
    }
    if server_date.is_none() && expiry_seconds > 0 {
        return Ok(ceiling);
    }
    Err(expired())
}

fn decode_pem(field: &str, data: &Secret) -> Result<Secret, String> {
    let bytes = STANDARD
        .decode(data.expose().trim())
        .map_err(|_| format!("{field} is not valid base64"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{field} does not decode to PEM text"))?;
    if !text.contains("-----BEGIN ") {
        return Err(format!("{field} does not decode to PEM text"));
    }
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn answer() -> ApiCredentials {
        ApiCredentials {
            token: Some(Secret::new("k8s-token")),
            expires_at: Some("2026-11-23T15:00:00.889080521Z".into()),
            server_date: Some(now()),
            ..Default::default()
        }
    }

    #[test]
    fn token_answer_with_nanosecond_expiry() {
        let cred = answer().into_credential(now(), 10800).unwrap();
        assert_eq!(cred.token.unwrap().expose(), "k8s-token");
        assert_eq!(
            cred.expires_at.to_rfc3339(),
            "2026-11-23T14:59:59.889080521+00:00",
            "three hours by DigitalOcean's clock, less a second for the Date header's rounding"
        );
    }

    #[test]
    fn the_lifetime_is_judged_by_digitaloceans_clock_and_counted_from_ours() {
        for skew in [Duration::hours(4), Duration::hours(-4), Duration::zero()] {
            let local = now() + skew;
            let cred = answer().into_credential(local, 10800).unwrap();
            assert_eq!(cred.fetched_at, local);
            assert_eq!(
                cred.expires_at,
                local + Duration::hours(3) + Duration::nanoseconds(889_080_521)
                    - Duration::seconds(1),
                "skew {skew}"
            );
        }
    }

    #[test]
    fn without_a_date_header_the_lifetime_asked_for_counts() {
        let mut a = answer();
        a.server_date = None;
        let local = now() + Duration::hours(4);
        let cred = a.into_credential(local, 3600).unwrap();
        assert_eq!(cred.expires_at, local + Duration::hours(1));
        let mut a = answer();
        a.server_date = None;
        // DigitalOcean's default lifetime (0): only our clock is left to judge by.
        let cred = a.into_credential(now(), 0).unwrap();
        assert_eq!(
            cred.expires_at,
            "2026-11-23T15:00:00.889080521Z"
                .parse::<DateTime<Utc>>()
                .unwrap()
        );
        let mut a = answer();
        a.server_date = None;
        assert!(a.into_credential(now(), u64::MAX).is_ok());
    }

    #[test]
    fn a_date_from_another_decade_is_ignored_and_the_lifetime_never_exceeds_what_was_asked() {
        for date in [
            "2001-01-01T00:00:00Z",
            "2050-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
        ] {
            let mut a = answer();
            a.server_date = Some(date.parse().unwrap());
            let cred = a.into_credential(now(), 10800).unwrap();
            assert_eq!(cred.expires_at, now() + Duration::hours(3), "Date {date}");
        }
        // Asked for DigitalOcean's default (0): 7 days at most, whatever the clocks say.
        let mut a = answer();
        a.server_date = Some("2001-01-01T00:00:00Z".parse().unwrap());
        a.expires_at = Some("2026-12-23T12:00:00Z".into());
        let cred = a.into_credential(now(), 0).unwrap();
        assert_eq!(cred.expires_at, now() + Duration::days(7));
        // A Date in the future, expires_at still ahead of our clock: by our clock.
        let mut a = answer();
        a.server_date = Some("2050-01-01T00:00:00Z".parse().unwrap());
        let cred = a.into_credential(now(), 0).unwrap();
        assert_eq!(
            cred.expires_at,
            now() + Duration::hours(3) + Duration::nanoseconds(889_080_521)
        );
        // A few seconds past the request, as a Date rounded the other way gives: bounded.
        let mut a = answer();
        a.expires_at = Some("2026-11-23T15:00:30Z".into());
        let cred = a.into_credential(now(), 10800).unwrap();
        assert_eq!(cred.expires_at, now() + Duration::hours(3));
    }

    #[test]
    fn an_ignored_date_leaves_expires_at_judged_by_our_clock_and_a_believable_one_its_verdict() {
        // Ten minutes left by every clock but a Date from 2001: ten minutes, not the 3 h asked.
        let mut a = answer();
        a.expires_at = Some("2026-11-23T12:10:00Z".into());
        a.server_date = Some("2001-01-01T00:00:00Z".parse().unwrap());
        let cred = a.into_credential(now(), 10800).unwrap();
        assert_eq!(cred.expires_at, now() + Duration::minutes(10));
        // Over ten minutes ago by DigitalOcean's own clock, ours an hour slow: refused.
        let mut a = answer();
        a.expires_at = Some("2026-11-23T11:50:00Z".into());
        let err = a
            .into_credential(now() - Duration::hours(1), 10800)
            .unwrap_err();
        assert!(err.contains("expired"), "{err}");
        // Seven days by DigitalOcean's clock, thirty asked, a Date from 2001: seven days.
        let mut a = answer();
        a.expires_at = Some("2026-11-30T12:00:00Z".into());
        a.server_date = Some("2001-01-01T00:00:00Z".parse().unwrap());
        let cred = a.into_credential(now(), 30 * 86400).unwrap();
        assert_eq!(cred.expires_at, now() + Duration::days(7));
    }

    #[test]
    fn the_extreme_dates_a_server_can_send_give_no_panic() {
        for (expires, date) in [
            ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"),
            ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
            ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59Z"),
        ] {
            for asked in [0, 1, 10800, u64::MAX] {
                let mut a = answer();
                a.expires_at = Some(expires.into());
                a.server_date = Some(date.parse().unwrap());
                if let Ok(cred) = a.into_credential(now(), asked) {
                    assert!(
                        cred.expires_at <= now() + Duration::days(3651),
                        "{expires} {date}"
                    );
                }
            }
        }
    }

    #[test]
    fn certificate_answer_is_decoded_to_pem() {
        let mut a = answer();
        a.token = None;
        a.client_certificate_data = Some(Secret::new(STANDARD.encode(CERT_PEM)));
        a.client_key_data = Some(Secret::new(STANDARD.encode(KEY_PEM)));
        let cred = a.into_credential(now(), 10800).unwrap();
        assert_eq!(cred.client_certificate.unwrap().expose(), CERT_PEM);
        assert_eq!(cred.client_key.unwrap().expose(), KEY_PEM);
    }

    #[test]
    fn malformed_answers_are_rejected_without_quoting_secrets() {
        type Change = Box<dyn Fn(&mut ApiCredentials)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|a| a.token = None), "neither a token"),
            (
                Box::new(|a| a.token = Some(Secret::new(""))),
                "neither a token",
            ),
            (Box::new(|a| a.expires_at = None), "no expires_at"),
            (
                Box::new(|a| a.expires_at = Some("tomorrow".into())),
                "not an RFC 3339",
            ),
            (
                Box::new(|a| a.expires_at = Some("2020-01-01T00:00:00Z".into())),
                "expired",
            ),
            (
                Box::new(|a| {
                    a.client_certificate_data = Some(Secret::new(STANDARD.encode(CERT_PEM)))
                }),
                "without client_key_data",
            ),
            (
                Box::new(|a| {
                    a.client_certificate_data = Some(Secret::new("!!secret!!"));
                    a.client_key_data = Some(Secret::new(STANDARD.encode(KEY_PEM)));
                }),
                "not valid base64",
            ),
            (
                Box::new(|a| {
                    a.client_certificate_data = Some(Secret::new(STANDARD.encode("secret junk")));
                    a.client_key_data = Some(Secret::new(STANDARD.encode(KEY_PEM)));
                }),
                "does not decode to PEM",
            ),
        ];
        for (change, expected) in cases {
            let mut a = answer();
            change(&mut a);
            let err = a.into_credential(now(), 10800).unwrap_err();
            assert!(err.contains(expected), "{err}");
            assert!(
                !err.contains("secret") && !err.contains("k8s-token"),
                "{err}"
            );
        }
    }
}
