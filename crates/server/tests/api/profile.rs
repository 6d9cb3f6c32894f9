//! GET /api/v1/users/profile/username/{username} and /api/v1/users/profile/{id}.

use crate::helpers::*;

#[tokio::test]
async fn a_username_is_looked_up_ignoring_case() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get("/api/v1/users/profile/username/JohnDoe123")).await;
    let data = assert_ok(status, &body);
    assert_eq!(data["_id"], JOHN);
    assert_eq!(data["username"], "johndoe123");
}

#[tokio::test]
async fn a_malformed_username_is_400_with_the_broken_rule_in_both_languages() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get("/api/v1/users/profile/username/jo")).await;
    let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
    assert_eq!(
        messages,
        [
            "Validation failed",
            "username: a username has at least 3 characters"
        ]
    );

    let (status, body) = send(
        app.get("/api/v1/users/profile/username/jo..hn")
            .header("X-Language", "tr"),
    )
    .await;
    let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
    assert_eq!(
        messages,
        [
            "Doğrulama başarısız oldu",
            "username: kullanıcı adı art arda iki '.' içeremez"
        ]
    );
}

#[tokio::test]
async fn an_unknown_or_reserved_username_is_404() {
    let app = TestApp::spawn().await;
    for name in ["nobody_here", "admin"] {
        let (status, body) = send(app.get(&format!("/api/v1/users/profile/username/{name}"))).await;
        let messages = assert_error(status, &body, 404, "NOT_FOUND");
        assert_eq!(messages, ["Resource not found"]);
    }
}

#[tokio::test]
async fn a_malformed_id_is_400_not_404() {
    let app = TestApp::spawn().await;
    for id in [
        "abc",
        "507F1F77BCF86CD799439011",
        "507f1f77bcf86cd7994390111",
        "507f1f77bcf86cd79943901z",
        "%20",
    ] {
        let (status, body) = send(app.get(&format!("/api/v1/users/profile/{id}"))).await;
        let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
        assert_eq!(messages[0], "Validation failed", "{id}");
        assert!(messages[1].starts_with("id: "), "{id}: {messages:?}");
    }
}

#[tokio::test]
async fn a_well_formed_unknown_id_is_404() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get("/api/v1/users/profile/aaaaaaaaaaaaaaaaaaaaaaaa")).await;
    assert_error(status, &body, 404, "NOT_FOUND");
}

#[tokio::test]
async fn a_private_profile_is_403_for_anonymous_viewers_and_pending_followers() {
    let app = TestApp::spawn().await;
    let anonymous = send(app.get(&format!("/api/v1/users/profile/{JANE_PRIVATE}"))).await;
    assert_eq!(
        assert_error(anonymous.0, &anonymous.1, 403, "PROFILE_PRIVATE"),
        ["This profile cannot be viewed", "This profile is private"]
    );

    let pending = app.token(FAN_PENDING);
    let (status, body) = send(
        app.get("/api/v1/users/profile/username/private_jane")
            .bearer_auth(pending),
    )
    .await;
    assert_eq!(
        assert_error(status, &body, 403, "PROFILE_PRIVATE"),
        ["This profile cannot be viewed", "This profile is private"]
    );

    let (status, body) = send(
        app.get("/api/v1/users/profile/username/private_jane")
            .header("X-Language", "tr"),
    )
    .await;
    assert_eq!(
        assert_error(status, &body, 403, "PROFILE_PRIVATE"),
        ["Bu profil görüntülenemiyor", "Bu profil gizli"]
    );
}

#[tokio::test]
async fn a_private_profile_shows_to_its_accepted_followers_and_its_owner() {
    let app = TestApp::spawn().await;
    for viewer in [FAN_ACCEPTED, JANE_PRIVATE] {
        let (status, body) = send(
            app.get(&format!("/api/v1/users/profile/{JANE_PRIVATE}"))
                .bearer_auth(app.token(viewer)),
        )
        .await;
        assert_eq!(assert_ok(status, &body)["username"], "private_jane");
    }
}

#[tokio::test]
async fn a_block_either_way_is_403_cannot_be_viewed() {
    let app = TestApp::spawn().await;
    let carl_views_bob = send(
        app.get(&format!("/api/v1/users/profile/{BOB_BLOCKER}"))
            .bearer_auth(app.token(CARL_BLOCKED)),
    )
    .await;
    assert_eq!(
        assert_error(
            carl_views_bob.0,
            &carl_views_bob.1,
            403,
            "PROFILE_UNAVAILABLE"
        ),
        ["This profile cannot be viewed"]
    );
    let bob_views_carl = send(
        app.get("/api/v1/users/profile/username/blocked_carl")
            .bearer_auth(app.token(BOB_BLOCKER))
            .header("X-Language", "tr"),
    )
    .await;
    assert_eq!(
        assert_error(
            bob_views_carl.0,
            &bob_views_carl.1,
            403,
            "PROFILE_UNAVAILABLE"
        ),
        ["Bu profil görüntülenemiyor"]
    );
    // Anonymous viewers are not part of the block.
    let (status, body) = send(app.get(&format!("/api/v1/users/profile/{BOB_BLOCKER}"))).await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn a_deactivated_user_is_404_by_id_and_by_username() {
    let app = TestApp::spawn().await;
    for path in [
        format!("/api/v1/users/profile/{GARY_DEACTIVATED}"),
        "/api/v1/users/profile/username/gone_gary".into(),
    ] {
        let (status, body) = send(app.get(&path).bearer_auth(app.token(JOHN))).await;
        assert_error(status, &body, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn an_invalid_token_on_an_optional_route_is_401_never_anonymous() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "Bearer not-a-jwt".to_owned(),
            "Authorization: the token is invalid",
        ),
        (
            format!("Bearer {}", app.expired_token(JOHN)),
            "Authorization: the token has expired",
        ),
        (
            "Basic dXNlcjpwYXNz".to_owned(),
            "Authorization: expected 'Bearer <token>' or the bare token",
        ),
        (
            format!("Bearer {}", app.token(GARY_DEACTIVATED)),
            "Authorization: the account does not exist or is deactivated",
        ),
    ];
    for (header, reason) in cases {
        let (status, body) = send(
            app.get("/api/v1/users/profile/username/johndoe123")
                .header("Authorization", header),
        )
        .await;
        let messages = assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
        assert_eq!(messages, ["Authentication required", reason]);
    }
}

#[tokio::test]
async fn age_comes_from_the_stored_birth_date() {
    let app = TestApp::spawn().await;
    app.sql("UPDATE users SET birth_date = current_date - interval '40 years' WHERE username = 'johndoe123'")
        .await;
    let (status, body) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
    assert_eq!(assert_ok(status, &body)["age"], 40);

    app.sql("UPDATE users SET birth_date = (current_date - interval '40 years' + interval '1 day')::date WHERE username = 'johndoe123'")
        .await;
    let (status, body) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
    assert_eq!(
        assert_ok(status, &body)["age"],
        39,
        "the birthday is tomorrow"
    );
}

#[tokio::test]
async fn absent_optional_fields_are_null_not_missing() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get("/api/v1/users/profile/username/blocked_carl")).await;
    let data = assert_ok(status, &body);
    for field in [
        "profilePhoto",
        "expertise",
        "bio",
        "instagram",
        "snapchat",
        "x",
        "tiktok",
        "facebook",
    ] {
        assert!(
            data.get(field).is_some_and(|v| v.is_null()),
            "{field} in {data}"
        );
    }
    assert_eq!(data["interests"], serde_json::json!([]));
}
