//! PATCH /api/v1/users/me.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn patch_me(app: &TestApp, caller: &str, body: Value) -> (StatusCode, Value) {
    send(
        app.patch("/api/v1/users/me")
            .bearer_auth(app.token(caller))
            .json(&body),
    )
    .await
}

#[tokio::test]
async fn fields_are_set_cleared_or_left_alone_and_the_full_profile_comes_back() {
    let app = TestApp::spawn().await;
    let body = json!({
        "bio": "  Designer and traveller  ",
        "expertise": null,
        "instagram": "https://www.instagram.com/new.insta/?hl=tr",
        "x": "@newx",
        "minutePriceInLiveStream": 7,
        "interests": ["Müzik", "Seyahat"],
        "availabilityStatus": "busy"
    });
    let (status, response) = patch_me(&app, JOHN, body).await;
    let data = assert_ok(status, &response);
    assert_eq!(data["bio"], "Designer and traveller");
    assert!(data["expertise"].is_null());
    assert_eq!(data["instagram"], "new.insta");
    assert_eq!(data["x"], "newx");
    assert_eq!(data["snapchat"], "mysnapchat", "absent fields stay");
    assert_eq!(data["name"], "John");
    assert_eq!(data["minutePriceInLiveStream"], 7);
    assert_eq!(data["interests"], json!(["Müzik", "Seyahat"]));
    assert_eq!(data["availabilityStatus"], "busy");
    assert!(
        data.get("isPrivate").is_some() && data.get("birthDate").is_some(),
        "the /me shape"
    );

    let stored: (Option<String>, Option<String>, i32) =
        sqlx::query_as("SELECT bio, expertise, minute_price_in_live_stream FROM users WHERE username = 'johndoe123'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, (Some("Designer and traveller".into()), None, 7));
}

#[tokio::test]
async fn an_empty_body_changes_nothing_and_answers_the_current_profile() {
    let app = TestApp::spawn().await;
    let (_, before) = send(app.get("/api/v1/users/me").bearer_auth(app.token(JOHN))).await;
    for request in [
        app.patch("/api/v1/users/me").bearer_auth(app.token(JOHN)),
        app.patch("/api/v1/users/me")
            .bearer_auth(app.token(JOHN))
            .json(&json!({})),
    ] {
        let (status, body) = send(request).await;
        assert_eq!(assert_ok(status, &body), before["data"]);
    }
}

#[tokio::test]
async fn a_name_cannot_be_cleared_and_each_failure_names_its_field_in_the_requested_language() {
    let app = TestApp::spawn().await;
    let body = json!({"name": null, "minutePriceInLiveStream": -1, "birthDate": "2015-01-01"});
    let (status, response) = patch_me(&app, JOHN, body.clone()).await;
    let messages = assert_error(status, &response, 400, "VALIDATION_FAILED");
    assert_eq!(
        messages,
        [
            "Validation failed",
            "name: may not be null",
            "birthDate: users must be at least 18 years old",
            "minutePriceInLiveStream: must be an integer from 0 to 100000",
        ]
    );
    let request = app
        .patch("/api/v1/users/me")
        .bearer_auth(app.token(JOHN))
        .header("X-Language", "tr");
    let (status, response) = send(request.json(&body)).await;
    let messages = assert_error(status, &response, 400, "VALIDATION_FAILED");
    assert_eq!(messages[0], "Doğrulama başarısız oldu");
    assert_eq!(messages[1], "name: boş (null) olamaz");
    assert_eq!(app.username_of(JOHN).await, "johndoe123");
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE username = 'johndoe123'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(name, "John", "nothing was applied");
}

#[tokio::test]
async fn unknown_fields_and_username_are_400_not_silently_ignored() {
    let app = TestApp::spawn().await;
    let (status, body) = patch_me(&app, JOHN, json!({"nmae": "Typo", "username": "newname"})).await;
    let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
    assert!(
        messages.contains(&"nmae: is not a field of this request".to_owned()),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"username: change it with PATCH /api/v1/users/username".to_owned()),
        "{messages:?}"
    );
}

#[tokio::test]
async fn rule_breaking_values_are_400() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"name": "   "}),
            "name: must have at least 1 character(s)",
        ),
        (
            json!({"surname": "x".repeat(51)}),
            "surname: must have at most 50 characters",
        ),
        (
            json!({"bio": "ç".repeat(501)}),
            "bio: must have at most 500 characters",
        ),
        (
            json!({"interests": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]}),
            "interests: may hold at most 10 items",
        ),
        (
            json!({"interests": ["Music", "music"]}),
            "interests: \"music\" appears more than once",
        ),
        (
            json!({"birthDate": "1990-02-30"}),
            "birthDate: must be a calendar date written YYYY-MM-DD",
        ),
        (
            json!({"availabilityStatus": "sleeping"}),
            "availabilityStatus: must be one of: available, busy, away, offline",
        ),
        (
            json!({"minutePriceInLiveStream": 100001}),
            "minutePriceInLiveStream: must be an integer from 0 to 100000",
        ),
        (
            json!({"minutePriceInLiveStream": "5"}),
            "minutePriceInLiveStream: must be an integer",
        ),
        (
            json!({"minutePriceInLiveStream": 2.5}),
            "minutePriceInLiveStream: must be an integer",
        ),
        (
            json!({"isPrivate": "yes"}),
            "isPrivate: must be true or false",
        ),
        (json!({"isPrivate": null}), "isPrivate: may not be null"),
        (
            json!({"instagram": "bad..handle"}),
            "instagram: is not a valid Instagram handle",
        ),
        (
            json!({"x": "https://instagram.com/someone"}),
            "x: is a link to another site, not to X",
        ),
        (
            json!({"profilePhotoId": "nope"}),
            "profilePhotoId: must be 24 lowercase hexadecimal characters",
        ),
    ];
    for (body, expected) in cases {
        let (status, response) = patch_me(&app, JOHN, body.clone()).await;
        let messages = assert_error(status, &response, 400, "VALIDATION_FAILED");
        assert_eq!(messages[1..], [expected.to_owned()], "{body}");
    }
}

#[tokio::test]
async fn the_profile_photo_must_be_one_of_the_users_own() {
    let app = TestApp::spawn().await;
    // John's photo, set as Carl's.
    let (status, body) = patch_me(
        &app,
        CARL_BLOCKED,
        json!({"profilePhotoId": "507f1f77bcf86cd799439012"}),
    )
    .await;
    assert_eq!(
        assert_error(status, &body, 400, "VALIDATION_FAILED")[1],
        "profilePhotoId: is not one of your photos"
    );
    let (status, body) = patch_me(&app, JOHN, json!({"profilePhotoId": null})).await;
    assert!(assert_ok(status, &body)["profilePhoto"].is_null());
    let (status, body) = patch_me(
        &app,
        JOHN,
        json!({"profilePhotoId": "507f1f77bcf86cd799439012"}),
    )
    .await;
    assert_eq!(
        assert_ok(status, &body)["profilePhoto"]["_id"],
        "507f1f77bcf86cd799439012"
    );
}

#[tokio::test]
async fn going_private_hides_the_profile_from_strangers_at_once() {
    let app = TestApp::spawn().await;
    let (status, body) = patch_me(&app, JOHN, json!({"isPrivate": true})).await;
    assert_eq!(assert_ok(status, &body)["isPrivate"], true);
    let (status, body) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
    assert_error(status, &body, 403, "PROFILE_PRIVATE");
}

#[tokio::test]
async fn the_update_requires_an_active_callers_token() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.patch("/api/v1/users/me").json(&json!({"bio": "x"}))).await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
    let (status, body) = patch_me(&app, GARY_DEACTIVATED, json!({"bio": "x"})).await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
}

#[tokio::test]
async fn malformed_bodies_get_the_envelope_with_the_right_status() {
    let app = TestApp::spawn().await;
    let request = || app.patch("/api/v1/users/me").bearer_auth(app.token(JOHN));

    let (status, body) = send(request().header("Content-Type", "text/plain").body("bio=x")).await;
    assert_error(status, &body, 415, "UNSUPPORTED_MEDIA_TYPE");

    let (status, body) = send(
        request()
            .header("Content-Type", "application/json")
            .body("{\"bio\": "),
    )
    .await;
    assert_eq!(
        assert_error(status, &body, 400, "VALIDATION_FAILED")[0],
        "Validation failed"
    );

    let (status, body) = send(request().json(&json!(["bio"]))).await;
    assert_eq!(
        assert_error(status, &body, 400, "VALIDATION_FAILED")[1],
        "body: must be a JSON object"
    );

    let huge = json!({"bio": "x".repeat(20_000)});
    let (status, body) = send(request().json(&huge)).await;
    assert_error(status, &body, 413, "PAYLOAD_TOO_LARGE");
}
