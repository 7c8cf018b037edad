//! ID-token verification (OpenID Connect Core §3.1.3.7), before anything is cached or printed:
//! the signature against the provider's keys, `iss`, `aud`, `exp`, and after a browser login
//! the `nonce`. The signature, `iss` and `aud` checks are jsonwebtoken's; the times are checked
//! here, against the provider's clock rather than this machine's.

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

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

/// What doks-auth needs from a verified ID token.
#[derive(Debug)]
pub struct Verified {
    pub expires_at: DateTime<Utc>,
    pub email: Option<String>,
}

/// Why a token was refused. `UnknownKey` is worth fetching the JWKS once more (the provider
/// may have rotated its keys since it was read).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    UnknownKey,
    Invalid(String),
}

#[derive(Deserialize)]
struct Claims {
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Option<String>,
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
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
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
    // No leeway: kubectl must never be handed a token that has already expired.
    if claims.exp <= now {
        return Err(Refusal::Invalid("it has expired".into()));
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return Err(Refusal::Invalid("it is not valid yet".into()));
    }
    let expires_at = DateTime::from_timestamp(claims.exp, 0)
        .ok_or_else(|| Refusal::Invalid("its exp is out of range".into()))?;
    Ok(Verified {
        expires_at,
        email: claims.email,
    })
}

fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::InvalidSignature => "its signature does not match the provider's keys".into(),
        ErrorKind::InvalidIssuer => "it was issued by another issuer (iss)".into(),
        ErrorKind::InvalidAudience => "it is meant for another client (aud)".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("it has no {claim} claim"),
        ErrorKind::InvalidAlgorithm => "its algorithm does not fit the provider's key".into(),
        _ => "it is malformed".into(),
    }
}

#[cfg(test)]
mod tests;
