//! How a cache entry is read: on every cache hit, so without the general machinery where a few
//! lines do the same.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

use super::{Entry, Failure};
use crate::credential::{Credential, SsoSession};
use crate::secret::Secret;

/// [`Entry`] as it is read: the same fields, the credential's in line. Deriving `Deserialize`
/// over `flatten` would first buffer every field of the file, then read the credential out of
/// that copy: a third of a cache hit's parse, for nothing.
#[derive(Deserialize)]
pub(super) struct StoredEntry {
    format: u32,
    cluster_id: String,
    account: String,
    token: Option<Secret>,
    client_certificate: Option<Secret>,
    client_key: Option<Secret>,
    #[serde(deserialize_with = "timestamp")]
    expires_at: DateTime<Utc>,
    #[serde(deserialize_with = "timestamp")]
    fetched_at: DateTime<Utc>,
    sso: Option<SsoSession>,
    refresh_failed: Option<Failure>,
}

impl From<StoredEntry> for Entry {
    fn from(stored: StoredEntry) -> Entry {
        Entry {
            format: stored.format,
            cluster_id: stored.cluster_id,
            account: stored.account,
            credential: Credential {
                token: stored.token,
                client_certificate: stored.client_certificate,
                client_key: stored.client_key,
                expires_at: stored.expires_at,
                fetched_at: stored.fetched_at,
                sso: stored.sso,
            },
            refresh_failed: stored.refresh_failed,
        }
    }
}

/// A timestamp as chrono reads one (RFC 3339, relaxed), with a short cut for the shape chrono
/// writes for UTC, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`: chrono's general parser was a third of
/// reading an entry. Anything else, odd or invalid, goes to chrono itself.
fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = Cow::<str>::deserialize(d)?;
    match utc_as_written(&text) {
        Some(at) => Ok(at),
        None => text
            .parse::<DateTime<FixedOffset>>()
            .map(|at| at.with_timezone(&Utc))
            .map_err(serde::de::Error::custom),
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, an optional `.` and one to nine digits, `Z`; no leap second.
fn utc_as_written(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let punctuation = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.len() < 20 || b.last() != Some(&b'Z') || punctuation.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(20..b.len() - 1)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let second = digits(17..19)?;
    if second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
    Some(
        date.and_hms_nano_opt(digits(11..13)?, digits(14..16)?, second, nanos)?
            .and_utc(),
    )
}

pub(super) mod plain;

#[cfg(test)]
mod tests;
