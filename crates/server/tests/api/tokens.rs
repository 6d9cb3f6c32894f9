//! Hostile tokens: every one is 401 in the envelope, logged at warn without
//! the token itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use time::OffsetDateTime;

use allmine_http::{JwtSettings, VerificationKey};

use crate::helpers::*;

const PRIVATE_KEY: &[u8] = include_bytes!("../fixtures/test-rs256-private.pem");
const PUBLIC_KEY: &[u8] = include_bytes!("../fixtures/test-rs256-public.pem");
const ISSUER: &str = "allmine-tests";
const AUDIENCE: &str = "allmine-api";

/// A server that accepts RS256 tokens from ISSUER for AUDIENCE only.
async fn rs256_app() -> TestApp {
    TestApp::spawn_with_jwt(JwtSettings {
        key: VerificationKey::Rs256(PUBLIC_KEY.to_vec()),
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
        leeway_secs: 30,
    })
    .await
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn valid_claims() -> Value {
    json!({"sub": JOHN, "exp": now() + 3600, "iat": now(), "iss": ISSUER, "aud": AUDIENCE})
}

fn rs256(claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(PRIVATE_KEY).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).unwrap()
}

fn with(claims: Value, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut claims = claims;
    change(claims.as_object_mut().unwrap());
    claims
}

fn unsigned(claims: &Value) -> String {
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap());
    format!(
        "{}.{}.",
        part(&json!({"alg": "none", "typ": "JWT"})),
        part(claims)
    )
}

async fn me(app: &TestApp, authorization: &str) -> (reqwest::StatusCode, Value) {
    send(
        app.get("/api/v1/users/me")
            .header("Authorization", authorization),
    )
    .await
}

#[tokio::test]
async fn a_valid_rs256_token_is_accepted() {
    let app = rs256_app().await;
    let (status, body) = me(&app, &format!("Bearer {}", rs256(&valid_claims()))).await;
    assert_eq!(assert_ok(status, &body)["_id"], JOHN);
}

#[tokio::test]
async fn every_hostile_token_is_401_and_never_logged() {
    let app = rs256_app().await;
    let claims = valid_claims();
    let confusion = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(PUBLIC_KEY),
    )
    .unwrap();
    let mut tampered = rs256(&claims);
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let huge = rs256(&with(claims.clone(), |c| {
        c.insert("pad".into(), json!("x".repeat(7 * 1024)));
    }));
    assert!(huge.len() > 7 * 1024);

    let cases: Vec<(&str, String)> = vec![
        ("alg none", format!("Bearer {}", unsigned(&claims))),
        (
            "HS256 signed with the RS256 public key",
            format!("Bearer {confusion}"),
        ),
        ("a wrong signature", format!("Bearer {tampered}")),
        (
            "expired",
            format!(
                "Bearer {}",
                rs256(&with(claims.clone(), |c| {
                    c.insert("exp".into(), json!(now() - 3600));
                }))
            ),
        ),
        (
            "nbf in the future",
            format!(
                "Bearer {}",
                rs256(&with(claims.clone(), |c| {
                    c.insert("nbf".into(), json!(now() + 3600));
                }))
            ),
        ),
        (
            "no exp",
            format!(
                "Bearer {}",
                rs256(&with(claims.clone(), |c| {
                    c.remove("exp");
                }))
            ),
        ),
        (
            "a wrong iss",
            format!(
                "Bearer {}",
                rs256(&with(claims.clone(), |c| {
                    c.insert("iss".into(), json!("someone-else"));
                }))
            ),
        ),
        (
            "a wrong aud",
            format!(
                "Bearer {}",
                rs256(&with(claims.clone(), |c| {
                    c.insert("aud".into(), json!("another-api"));
                }))
            ),
        ),
        (
            "a sub that is not a user id",
            format!(
                "Bearer {}",
                rs256(&with(claims.clone(), |c| {
                    c.insert("sub".into(), json!("admin"));
                }))
            ),
        ),
        (
            "a deleted user",
            format!(
                "Bearer {}",
                rs256(&with(claims.clone(), |c| {
                    c.insert("sub".into(), json!("aaaaaaaaaaaaaaaaaaaaaaaa"));
                }))
            ),
        ),
        (
            "a deactivated user",
            format!(
                "Bearer {}",
                rs256(&with(claims.clone(), |c| {
                    c.insert("sub".into(), json!(GARY_DEACTIVATED));
                }))
            ),
        ),
        ("a 7 KB token", format!("Bearer {huge}")),
        ("the wrong header form", format!("Token {}", rs256(&claims))),
        (
            "two tokens",
            format!("Bearer {} {}", rs256(&claims), rs256(&claims)),
        ),
        ("basic auth", "Basic am9objpwYXNzd29yZA==".to_owned()),
        ("garbage", "Bearer !!!.???.###".to_owned()),
    ];
    for (case, authorization) in &cases {
        let (status, body) = me(&app, authorization).await;
        let messages = assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
        assert_eq!(messages[0], "Authentication required", "{case}");
        // Also where a token is optional: never silently anonymous.
        let (status, body) = send(
            app.get("/api/v1/users/profile/username/johndoe123")
                .header("Authorization", authorization),
        )
        .await;
        assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
    }

    let logs = logs();
    assert!(logs.contains("WARN"), "rejections are logged at warn");
    assert!(logs.contains("rejected bearer token"), "{logs}");
    for (case, authorization) in &cases {
        let token = authorization.split_whitespace().last().unwrap();
        let signature = token.rsplit('.').next().unwrap();
        assert!(
            signature.len() < 8 || !logs.contains(signature),
            "the token of case {case:?} was logged"
        );
        assert!(
            !logs.contains(token),
            "the token of case {case:?} was logged"
        );
    }
}
