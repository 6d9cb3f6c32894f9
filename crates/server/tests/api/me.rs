//! GET /api/v1/users/me.

use crate::helpers::*;

#[tokio::test]
async fn without_a_token_me_is_401_in_the_requested_language() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get("/api/v1/users/me")).await;
    assert_eq!(
        assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED"),
        [
            "Authentication required",
            "Authorization: a bearer token is required"
        ]
    );
    let (status, body) = send(app.get("/api/v1/users/me").header("X-Language", "tr")).await;
    assert_eq!(
        assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED"),
        [
            "Kimlik doğrulaması gerekli",
            "Authorization: bir erişim belirteci gereklidir"
        ]
    );
}

#[tokio::test]
async fn me_adds_the_owner_only_fields_to_the_public_profile() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get("/api/v1/users/me").bearer_auth(app.token(JOHN))).await;
    let data = assert_ok(status, &body);
    assert_eq!(data["_id"], JOHN);
    assert_eq!(data["followersCount"], 128);
    assert_eq!(data["isPrivate"], false);
    assert!(
        data["nextUsernameChangeAllowedAt"].is_null(),
        "never renamed: may rename now"
    );
    let birth: String = sqlx::query_scalar(
        "SELECT to_char(birth_date, 'YYYY-MM-DD') FROM users WHERE username = 'johndoe123'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(data["birthDate"], birth);
}

#[tokio::test]
async fn a_bare_token_without_bearer_is_accepted_as_the_docs_promise() {
    let app = TestApp::spawn().await;
    let (status, body) = send(
        app.get("/api/v1/users/me")
            .header("Authorization", app.token(JOHN)),
    )
    .await;
    assert_eq!(assert_ok(status, &body)["username"], "johndoe123");
}

#[tokio::test]
async fn the_next_username_change_is_rendered_in_the_requested_time_zone() {
    let app = TestApp::spawn().await;
    app.sql("UPDATE users SET username_changed_at = TIMESTAMPTZ '2026-11-20 22:30:00.123Z' WHERE username = 'johndoe123'")
        .await;
    // Only meaningful while that change is less than 30 days old.
    let now = time::OffsetDateTime::now_utc();
    assert!(
        now < time::macros::datetime!(2026-12-20 22:30 UTC),
        "move the fixture date forward"
    );

    let request = app.get("/api/v1/users/me").bearer_auth(app.token(JOHN));
    let (status, body) = send(request.header("X-Timezone", "UTC+03:00")).await;
    assert_eq!(
        assert_ok(status, &body)["nextUsernameChangeAllowedAt"],
        "2026-12-21T01:30:00.123+03:00"
    );

    let (status, body) = send(app.get("/api/v1/users/me").bearer_auth(app.token(JOHN))).await;
    assert_eq!(
        assert_ok(status, &body)["nextUsernameChangeAllowedAt"],
        "2026-12-20T22:30:00.123Z"
    );

    let request = app.get("/api/v1/users/me").bearer_auth(app.token(JOHN));
    let (status, body) = send(request.header("X-Timezone", "UTC-09:30")).await;
    assert_eq!(
        assert_ok(status, &body)["nextUsernameChangeAllowedAt"],
        "2026-12-20T13:00:00.123-09:30"
    );
}

#[tokio::test]
async fn a_token_for_a_deactivated_or_unknown_user_is_401() {
    let app = TestApp::spawn().await;
    for id in [GARY_DEACTIVATED, "aaaaaaaaaaaaaaaaaaaaaaaa"] {
        let (status, body) = send(app.get("/api/v1/users/me").bearer_auth(app.token(id))).await;
        let messages = assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
        assert_eq!(
            messages[1],
            "Authorization: the account does not exist or is deactivated"
        );
    }
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_401() {
    let app = TestApp::spawn().await;
    let forged = allmine_http::JwtIssuer::hs256(
        &secrecy::SecretString::from("another-secret-another-secret-99".to_owned()),
        None,
        None,
    )
    .issue(
        &allmine_domain::UserId::parse(JOHN).unwrap(),
        time::OffsetDateTime::now_utc(),
        time::Duration::hours(1),
    )
    .unwrap();
    let (status, body) = send(app.get("/api/v1/users/me").bearer_auth(forged)).await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
}
