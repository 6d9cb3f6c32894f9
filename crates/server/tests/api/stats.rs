//! GET /api/v1/users/{id}/stats.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn stats_are_the_exact_counts() {
    let app = TestApp::spawn().await;
    let (status, body) = send(
        app.get(&format!("/api/v1/users/{JOHN}/stats"))
            .bearer_auth(app.token(CARL_BLOCKED)),
    )
    .await;
    assert_eq!(
        assert_ok(status, &body),
        json!({"followers": 128, "following": 256, "totalLiveStreams": 12})
    );
}

#[tokio::test]
async fn stats_follow_a_new_follow_in_the_same_transaction() {
    let app = TestApp::spawn().await;
    app.sql("INSERT INTO follows (follower_id, followee_id, status) VALUES (decode('507f1f77bcf86cd799439032', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'accepted')")
        .await;
    let (status, body) = send(
        app.get(&format!("/api/v1/users/{JOHN}/stats"))
            .bearer_auth(app.token(JOHN)),
    )
    .await;
    assert_eq!(assert_ok(status, &body)["followers"], 129);
}

#[tokio::test]
async fn stats_require_a_token() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get(&format!("/api/v1/users/{JOHN}/stats"))).await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
}

#[tokio::test]
async fn stats_of_a_malformed_id_are_400_and_of_an_unknown_one_404() {
    let app = TestApp::spawn().await;
    let token = app.token(JOHN);
    let (status, body) = send(app.get("/api/v1/users/not-an-id/stats").bearer_auth(&token)).await;
    assert_error(status, &body, 400, "VALIDATION_FAILED");
    let (status, body) = send(
        app.get("/api/v1/users/bbbbbbbbbbbbbbbbbbbbbbbb/stats")
            .bearer_auth(&token),
    )
    .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = send(
        app.get(&format!("/api/v1/users/{GARY_DEACTIVATED}/stats"))
            .bearer_auth(&token),
    )
    .await;
    assert_error(status, &body, 404, "NOT_FOUND");
}

#[tokio::test]
async fn stats_obey_the_profile_privacy_rule() {
    let app = TestApp::spawn().await;
    let (status, body) = send(
        app.get(&format!("/api/v1/users/{JANE_PRIVATE}/stats"))
            .bearer_auth(app.token(JOHN)),
    )
    .await;
    assert_error(status, &body, 403, "PROFILE_PRIVATE");
    let (status, body) = send(
        app.get(&format!("/api/v1/users/{JANE_PRIVATE}/stats"))
            .bearer_auth(app.token(FAN_ACCEPTED)),
    )
    .await;
    assert_ok(status, &body);
    let (status, body) = send(
        app.get(&format!("/api/v1/users/{BOB_BLOCKER}/stats"))
            .bearer_auth(app.token(CARL_BLOCKED)),
    )
    .await;
    assert_error(status, &body, 403, "PROFILE_UNAVAILABLE");
}

#[tokio::test]
async fn stats_the_caller_may_not_see_open_with_insufficient_permissions_then_say_why() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            JANE_PRIVATE,
            JOHN,
            "en",
            "PROFILE_PRIVATE",
            ["Insufficient permissions", "This profile is private"],
        ),
        (
            JANE_PRIVATE,
            FAN_PENDING,
            "tr",
            "PROFILE_PRIVATE",
            ["Yetersiz yetki", "Bu profil gizli"],
        ),
        (
            BOB_BLOCKER,
            CARL_BLOCKED,
            "en",
            "PROFILE_UNAVAILABLE",
            ["Insufficient permissions", "This profile cannot be viewed"],
        ),
        (
            CARL_BLOCKED,
            BOB_BLOCKER,
            "tr",
            "PROFILE_UNAVAILABLE",
            ["Yetersiz yetki", "Bu profil görüntülenemiyor"],
        ),
    ];
    for (owner, viewer, language, code, expected) in cases {
        let (status, body) = send(
            app.get(&format!("/api/v1/users/{owner}/stats"))
                .bearer_auth(app.token(viewer))
                .header("X-Language", language),
        )
        .await;
        assert_eq!(
            assert_error(status, &body, 403, code),
            expected,
            "{owner} seen by {viewer}"
        );
    }
}
