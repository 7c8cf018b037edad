use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

use super::*;

const ISSUER: &str = "https://id.example";
const CLIENT: &str = "doks";

/// An ES256 signing key and the JWKS that publishes it under `kid`.
struct Signer {
    key: EncodingKey,
    jwks: JwkSet,
}

fn signer(kid: &str) -> Signer {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = pair.public_key().as_ref(); // 0x04 || x || y
    let jwks = json!({"keys": [{
        "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
    }]});
    Signer {
        key: EncodingKey::from_ec_der(pkcs8.as_ref()),
        jwks: serde_json::from_value(jwks).unwrap(),
    }
}

fn now() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn claims() -> Value {
    let t = now().timestamp();
    json!({"iss": ISSUER, "aud": CLIENT, "sub": "alice", "email": "alice@example.com",
           "iat": t, "exp": t + 3600, "nonce": "n0nce"})
}

fn sign(signer: &Signer, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&header, claims, &signer.key).unwrap()
}

fn check(signer: &Signer, claims: &Value, nonce: Option<&str>) -> Result<Verified, Refusal> {
    verify(
        &sign(signer, Some("k1"), claims),
        &signer.jwks,
        ISSUER,
        CLIENT,
        nonce,
        now(),
    )
}

fn refused(result: Result<Verified, Refusal>) -> String {
    match result {
        Err(Refusal::Invalid(reason)) => reason,
        other => panic!("not refused as invalid: {other:?}"),
    }
}

#[test]
fn a_good_token_gives_its_expiry_and_email() {
    let s = signer("k1");
    let verified = check(&s, &claims(), Some("n0nce")).unwrap();
    assert_eq!(verified.expires_at, now() + chrono::Duration::hours(1));
    assert_eq!(verified.email.as_deref(), Some("alice@example.com"));
    // Device logins and refreshes send no nonce to compare.
    assert!(check(&s, &claims(), None).is_ok());
}

#[test]
fn issuer_audience_and_subject_are_checked() {
    let s = signer("k1");
    let with = |key: &str, value: Value| {
        let mut c = claims();
        c[key] = value;
        c
    };
    let reason = refused(check(&s, &with("iss", json!("https://evil.example")), None));
    assert!(reason.contains("another issuer"), "{reason}");
    let reason = refused(check(&s, &with("aud", json!("another")), None));
    assert!(reason.contains("another client"), "{reason}");
    let mut no_sub = claims();
    no_sub.as_object_mut().unwrap().remove("sub");
    let reason = refused(check(&s, &no_sub, None));
    assert!(reason.contains("no sub claim"), "{reason}");
}

#[test]
fn times_are_judged_by_the_clock_given_and_exp_has_no_leeway() {
    let s = signer("k1");
    let t = now().timestamp();
    let at = |exp: i64, nbf: Option<i64>| {
        let mut c = claims();
        c["exp"] = exp.into();
        if let Some(nbf) = nbf {
            c["nbf"] = nbf.into();
        }
        c
    };
    assert!(refused(check(&s, &at(t, None), None)).contains("expired"));
    assert!(check(&s, &at(t + 1, None), None).is_ok());
    assert!(refused(check(&s, &at(t + 3600, Some(t + 61)), None)).contains("not valid yet"));
    assert!(check(&s, &at(t + 3600, Some(t + 60)), None).is_ok());
    // Hours from this machine's clock, but right by the provider's: accepted.
    let token = sign(&s, Some("k1"), &claims());
    let hours_ago = now() - chrono::Duration::hours(4);
    assert!(verify(&token, &s.jwks, ISSUER, CLIENT, None, hours_ago).is_ok());
    let later = now() + chrono::Duration::hours(4);
    assert!(verify(&token, &s.jwks, ISSUER, CLIENT, None, later).is_err());
}

#[test]
fn the_nonce_must_be_ours_when_we_sent_one() {
    let s = signer("k1");
    let reason = refused(check(&s, &claims(), Some("another")));
    assert!(reason.contains("nonce"), "{reason}");
    let mut none = claims();
    none.as_object_mut().unwrap().remove("nonce");
    assert!(refused(check(&s, &none, Some("n0nce"))).contains("nonce"));
}

#[test]
fn keys_are_found_by_kid_and_other_keys_do_not_verify() {
    let (s, other) = (signer("k1"), signer("k2"));
    let token = sign(&s, Some("k1"), &claims());
    assert_eq!(
        verify(&token, &other.jwks, ISSUER, CLIENT, None, now()).unwrap_err(),
        Refusal::UnknownKey
    );
    // Without a kid every published key is tried.
    let unnamed = sign(&s, None, &claims());
    assert!(verify(&unnamed, &s.jwks, ISSUER, CLIENT, None, now()).is_ok());
    let reason = refused(verify(&unnamed, &other.jwks, ISSUER, CLIENT, None, now()));
    assert!(reason.contains("signature"), "{reason}");
}

#[test]
fn hmac_and_garbage_are_refused() {
    let s = signer("k1");
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let hmac =
        jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(b"published")).unwrap();
    let reason = refused(verify(&hmac, &s.jwks, ISSUER, CLIENT, None, now()));
    assert!(reason.contains("public-key"), "{reason}");
    let reason = refused(verify("not.a.jwt", &s.jwks, ISSUER, CLIENT, None, now()));
    assert!(reason.contains("not a signed JWT"), "{reason}");
}
