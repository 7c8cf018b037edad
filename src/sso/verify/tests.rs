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

/// Signs `payload` as it is, for numbers that serde_json's `Value` cannot hold or would write
/// another way.
fn sign_raw(signer: &Signer, payload: &str) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("k1".into());
    let head = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
    let body = URL_SAFE_NO_PAD.encode(payload);
    let message = format!("{head}.{body}");
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &signer.key, Algorithm::ES256).unwrap();
    format!("{message}.{signature}")
}

/// A token whose `exp` and `extra` members (each with its leading comma) are written as given.
fn check_raw(signer: &Signer, exp: &str, extra: &str) -> Result<Verified, Refusal> {
    let payload = format!(
        r#"{{"iss":"{ISSUER}","aud":"{CLIENT}","sub":"alice","email":"a@example.com","exp":{exp}{extra}}}"#
    );
    verify(
        &sign_raw(signer, &payload),
        &signer.jwks,
        ISSUER,
        CLIENT,
        None,
        now(),
    )
}

#[test]
fn fractional_numeric_dates_are_accepted_and_count_by_their_whole_seconds() {
    // RFC 7519 §2: a NumericDate "can represent non-integer values"; the API server reads them.
    let s = signer("k1");
    let t = now().timestamp();
    let verified = check_raw(
        &s,
        &format!("{}.5", t + 1),
        &format!(r#","iat":{}.25"#, t - 1),
    );
    // Counted down to the second, as the API server does: never later than the token's exp.
    assert_eq!(
        verified.unwrap().expires_at,
        now() + chrono::Duration::seconds(1)
    );
    let verified = check_raw(&s, &format!("{}.999", t + 3600), "").unwrap();
    assert_eq!(verified.expires_at, now() + chrono::Duration::hours(1));
    let verified = check_raw(&s, "1e10", &format!(r#","nbf":{}.5"#, t + 60)).unwrap();
    assert_eq!(verified.expires_at.timestamp(), 10_000_000_000);
    let nbf = format!(r#","nbf":{}.5"#, t + 61);
    let reason = refused(check_raw(&s, &format!("{}.5", t + 3600), &nbf));
    assert!(reason.contains("not valid yet"), "{reason}");
    // Nine tenths of a second left, but the API server reads whole seconds: expired already.
    let reason = refused(check_raw(&s, &format!("{t}.9"), ""));
    assert!(reason.contains("expired"), "{reason}");
}

#[test]
fn an_email_that_is_not_a_string_is_taken_as_absent() {
    // Only shown to the user: never a reason to fail a login.
    let s = signer("k1");
    for email in [
        json!(42),
        json!({"a": 1}),
        json!(null),
        json!(["a@b"]),
        json!(true),
    ] {
        let mut c = claims();
        c["email"] = email.clone();
        let verified = check(&s, &c, Some("n0nce")).unwrap_or_else(|r| panic!("{email}: {r:?}"));
        assert_eq!(verified.email, None, "{email}");
    }
}

#[test]
fn time_claims_out_of_range_or_not_numbers_are_refused_naming_the_claim() {
    let s = signer("k1");
    let bad = [
        json!(u64::MAX),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(-1),
        json!(-0.5),
        json!(1e300),
        json!(-1e300),
        // 10000-01-01T00:00:00Z: past what RFC 3339 (kubectl's expirationTimestamp) can write.
        json!(253_402_300_800_i64),
        json!("NaN"),
        json!("Infinity"),
        json!(" 1764400000"),
        json!("9999999999999"),
        json!(true),
        json!([1_764_400_000]),
        json!({"seconds": 1_764_400_000}),
    ];
    for claim in ["exp", "nbf", "iat"] {
        for value in &bad {
            let mut c = claims();
            c[claim] = value.clone();
            let reason = refused(check(&s, &c, None));
            // jsonwebtoken reads exp and nbf too, and a list or object there stops its reading
            // of the claims as a whole.
            let whole = value.is_array() || value.is_object();
            let named = if whole && claim != "iat" {
                "claims cannot be read"
            } else {
                claim
            };
            assert!(reason.contains(named), "{claim}={value}: {reason}");
        }
    }
    // Numbers that serde_json cannot hold in a Value at all, written raw.
    for raw in [
        "18446744073709551616",
        "1e400",
        "-1e400",
        "123456789012345678901234567890",
    ] {
        for claim in ["exp", "nbf", "iat"] {
            let exp = (now().timestamp() + 3600).to_string();
            let result = match claim {
                "exp" => check_raw(&s, raw, ""),
                _ => check_raw(&s, &exp, &format!(r#","{claim}":{raw}"#)),
            };
            assert!(
                matches!(result, Err(Refusal::Invalid(_))),
                "{claim}={raw}: {result:?}"
            );
        }
    }
}

#[test]
fn a_time_claim_in_a_string_of_digits_is_read_as_the_api_server_reads_it() {
    let s = signer("k1");
    let t = now().timestamp();
    let mut c = claims();
    c["exp"] = json!((t + 3600).to_string());
    c["iat"] = json!(format!("{t}.5"));
    let verified = check(&s, &c, None).unwrap_or_else(|r| panic!("{r:?}"));
    assert_eq!(verified.expires_at.timestamp(), t + 3600);
    assert_eq!(verified.issued_at.map(|i| i.timestamp()), Some(t));
}

#[test]
fn a_null_time_claim_is_absent() {
    let s = signer("k1");
    let t = now().timestamp();
    let exp = (t + 60).to_string();
    assert!(check_raw(&s, &exp, r#","nbf":null,"iat":null"#).is_ok());
    let reason = refused(check_raw(&s, "null", ""));
    assert!(reason.contains("no exp claim"), "{reason}");
}

#[test]
fn issued_at_is_the_tokens_iat_when_it_has_a_usable_one() {
    let s = signer("k1");
    let t = now().timestamp();
    assert_eq!(check(&s, &claims(), None).unwrap().issued_at, Some(now()));
    let mut c = claims();
    c["iat"] = json!(t as f64 - 0.5);
    let issued_at = check(&s, &c, None).unwrap().issued_at;
    assert_eq!(issued_at, Some(now() - chrono::Duration::seconds(1)));
    c.as_object_mut().unwrap().remove("iat");
    assert_eq!(check(&s, &c, None).unwrap().issued_at, None);
    // Issued after it expires: no lifetime to bound by it, but the token itself is fine.
    c["iat"] = (t + 7200).into();
    assert_eq!(check(&s, &c, None).unwrap().issued_at, None);
}

#[test]
fn a_number_past_any_float_is_refused_as_unreadable_claims() {
    let s = signer("k1");
    let reason = refused(check_raw(&s, "1e400", ""));
    assert!(reason.contains("claims cannot be read"), "{reason}");
}

#[test]
fn whoami_is_shown_the_claims_of_a_cached_token_and_nothing_odd_fails() {
    let s = signer("k1");
    let mut with_role = claims();
    with_role["team_role"] = json!("owner");
    let read = shown(&sign(&s, Some("k1"), &with_role)).unwrap();
    assert_eq!(read.email.as_deref(), Some("alice@example.com"));
    assert_eq!(read.team_role.as_deref(), Some("owner"));
    assert_eq!(read.expires_at, Some(now() + chrono::Duration::hours(1)));
    // Odd claims are only not shown.
    let odd = json!({"email": 7, "team_role": ["a"], "exp": "soon"});
    assert_eq!(shown(&sign(&s, None, &odd)).unwrap(), Shown::default());
    assert_eq!(shown("not a jwt"), None);
}
