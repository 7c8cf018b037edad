//! ID-token verification (OpenID Connect Core §3.1.3.7), before anything is cached or printed:
//! the signature against the provider's keys, `iss`, `aud`, `exp`, and after a browser login
//! the `nonce`. The signature, `iss` and `aud` checks are jsonwebtoken's; the times are checked
//! here, against the provider's clock rather than this machine's.

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

/// Public-key algorithms only: an HMAC "key" from a JWKS would let anyone who read the JWKS
/// sign tokens, and `none` is not in jsonwebtoken's list at all.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];
/// How early a token may be used before its `nbf`: clocks at the provider differ a little.
const LEEWAY_SECS: i64 = 60;
/// The range of a time claim, in seconds since 1970: up to 9999-12-31T23:59:59Z, the last
/// second RFC 3339 (kubectl's `expirationTimestamp`) can write. Anything outside is a provider's
/// mistake or an attack, and would overflow the time arithmetic that follows.
const LATEST: i64 = 253_402_300_799;

/// What doks-auth needs from a verified ID token.
#[derive(Debug)]
pub struct Verified {
    pub expires_at: DateTime<Utc>,
    /// The token's `iat`; `None` when it has none, or one after its `exp` (no lifetime to
    /// bound by it).
    pub issued_at: Option<DateTime<Utc>>,
    /// `None` too when the claim is not a string: it is only shown, never a reason to refuse.
    pub email: Option<String>,
}

/// Why a token was refused. `UnknownKey` is worth fetching the JWKS once more (the provider
/// may have rotated its keys since it was read).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    UnknownKey,
    Invalid(String),
}

/// The claims read here. Times and `email` are taken as any JSON value and judged one by one,
/// so that one odd claim gets its own reason (or, for `email`, none) instead of "malformed".
#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    exp: Value,
    #[serde(default)]
    nbf: Value,
    #[serde(default)]
    iat: Value,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Value,
    /// DigitalOcean's claim: the user's role in the team. Only shown (`whoami`).
    #[serde(default)]
    team_role: Value,
}

/// What `whoami` shows of an ID token.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Shown {
    pub email: Option<String>,
    pub team_role: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The claims `whoami` shows, read from an ID token that [`verify`] passed before it was cached
/// or printed: its signature is not checked again, which would need the provider, and a claim
/// that cannot be read is only not shown. `None` for what is not a JWT at all.
pub fn shown(token: &str) -> Option<Shown> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    let mut validation = Validation::new(header.alg);
    validation.insecure_disable_signature_validation();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&[]), &validation)
        .ok()?
        .claims;
    let text = |value: &Value| value.as_str().map(str::to_string);
    Some(Shown {
        email: text(&claims.email),
        team_role: text(&claims.team_role),
        expires_at: numeric_date("exp", &claims.exp)
            .ok()
            .flatten()
            .and_then(|secs| DateTime::from_timestamp(secs, 0)),
    })
}

/// Checks `token` as an ID token from `issuer` for `client_id`. `nonce` is the one sent with the
/// authorization request, when there was one. `now` is the time by the provider's clock: a
/// machine hours off still takes a token that the cluster (whose clock agrees with the
/// provider's) takes, and refuses one that it refuses.
pub fn verify(
    token: &str,
    keys: &JwkSet,
    issuer: &str,
    client_id: &str,
    nonce: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Verified, Refusal> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| Refusal::Invalid("it is not a signed JWT".into()))?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err(Refusal::Invalid(format!(
            "it is signed with {:?}, not with a public-key algorithm",
            header.alg
        )));
    }
    let candidates: Vec<_> = keys
        .keys
        .iter()
        .filter(|jwk| match &header.kid {
            Some(kid) => jwk.common.key_id.as_deref() == Some(kid),
            None => true,
        })
        .collect();
    if candidates.is_empty() {
        return Err(Refusal::UnknownKey);
    }
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    // `exp` is required too, but read by check_claims: jsonwebtoken's reading takes a
    // fractional or out-of-range one for a missing one.
    validation.set_required_spec_claims(&["iss", "aud", "sub"]);
    // By this machine's clock these would refuse good tokens when it is fast and pass expired
    // ones when it is slow; check_claims does them by the provider's.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let mut last = Refusal::UnknownKey;
    for jwk in candidates {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
            Ok(data) => return check_claims(data.claims, nonce, now.timestamp()),
            Err(err) => last = Refusal::Invalid(describe(err.kind())),
        }
    }
    Err(last)
}

fn check_claims(claims: Claims, nonce: Option<&str>, now: i64) -> Result<Verified, Refusal> {
    if let Some(expected) = nonce
        && claims.nonce.as_deref() != Some(expected)
    {
        return Err(Refusal::Invalid(
            "its nonce is not the one doks-auth sent (a replayed or injected login)".into(),
        ));
    }
    let exp = numeric_date("exp", &claims.exp)?
        .ok_or_else(|| Refusal::Invalid("it has no exp claim".into()))?;
    let nbf = numeric_date("nbf", &claims.nbf)?;
    let iat = numeric_date("iat", &claims.iat)?;
    // No leeway: kubectl must never be handed a token that has already expired.
    if exp <= now {
        return Err(Refusal::Invalid("it has expired".into()));
    }
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECS)) {
        return Err(Refusal::Invalid("it is not valid yet".into()));
    }
    let time = |secs| {
        DateTime::from_timestamp(secs, 0)
            .ok_or_else(|| Refusal::Invalid("its times are out of range".into()))
    };
    Ok(Verified {
        expires_at: time(exp)?,
        issued_at: iat.filter(|&iat| iat <= exp).map(time).transpose()?,
        email: claims.email.as_str().map(str::to_string),
    })
}

/// A time claim (RFC 7519 NumericDate: a JSON number of seconds since 1970, fractions allowed)
/// as whole seconds, rounded down as the Kubernetes API server reads it, so that the expiry
/// doks-auth reports is never later than the cluster's. `null` counts as absent. A string that
/// holds a number is read as that number, as the API server's go-oidc does (Go's json.Number);
/// any other string or type, or a time outside 1970–9999, is refused.
fn numeric_date(claim: &str, value: &Value) -> Result<Option<i64>, Refusal> {
    let not_a_number = || Refusal::Invalid(format!("its {claim} claim is not a number of seconds"));
    let number = match value {
        Value::Null => return Ok(None),
        Value::Number(number) => number.clone(),
        Value::String(text) => text.parse().map_err(|_| not_a_number())?,
        _ => return Err(not_a_number()),
    };
    let secs = match (number.as_i64(), number.as_f64()) {
        (Some(whole), _) => Some(whole),
        // serde_json's floats are finite; the range check comes before the cast, which then
        // cannot saturate.
        (None, Some(fraction)) if (0.0..=LATEST as f64).contains(&fraction.floor()) => {
            Some(fraction.floor() as i64)
        }
        _ => None,
    };
    match secs {
        Some(secs) if (0..=LATEST).contains(&secs) => Ok(Some(secs)),
        _ => Err(Refusal::Invalid(format!(
            "its {claim} claim ({number}) is not a time between 1970 and 9999"
        ))),
    }
}

fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::InvalidSignature => "its signature does not match the provider's keys".into(),
        ErrorKind::InvalidIssuer => "it was issued by another issuer (iss)".into(),
        ErrorKind::InvalidAudience => "it is meant for another client (aud)".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("it has no {claim} claim"),
        ErrorKind::InvalidAlgorithm => "its algorithm does not fit the provider's key".into(),
        // The header was read already: this is the claims. jsonwebtoken reads exp, nbf and sub
        // itself, and stops at a list or object in their place.
        ErrorKind::Json(_) => {
            "its claims cannot be read (a claim of the wrong type, or a number beyond any float)"
                .into()
        }
        _ => "it is malformed".into(),
    }
}

#[cfg(test)]
mod tests;
