//! GET /api/v1/users/me/relationships?ids=...: follows and blocks between the
//! caller and other users, both ways.

use serde_json::{Value, json};

use crate::helpers::*;

/// demo_fan_200: John follows them; they do not follow John.
const FAN_200: &str = "0000000000000000000000c8";

async fn relationships(app: &TestApp, caller: &str, ids: &[&str]) -> Value {
    let (status, body) = send(
        app.get(&format!(
            "/api/v1/users/me/relationships?ids={}",
            ids.join(",")
        ))
        .bearer_auth(app.token(caller)),
    )
    .await;
    assert_ok(status, &body)
}

fn item(id: &str, following: &str, followed_by: bool, blocking: bool, blocked_by: bool) -> Value {
    json!({
        "_id": id,
        "following": following,
        "followedBy": followed_by,
        "blocking": blocking,
        "blockedBy": blocked_by,
    })
}

#[tokio::test]
async fn following_is_none_requested_or_accepted_and_followed_by_counts_accepted_follows() {
    let app = TestApp::spawn().await;
    let data = relationships(&app, JOHN, &[JANE_PRIVATE, FAN_PENDING, FAN_200]).await;
    assert_eq!(
        data,
        json!({"items": [
            item(JANE_PRIVATE, "none", false, false, false),
            item(FAN_PENDING, "accepted", true, false, false),
            item(FAN_200, "accepted", false, false, false),
        ]})
    );

    // demo_fan_001 waits for private_jane to accept.
    let data = relationships(&app, FAN_PENDING, &[JANE_PRIVATE, JOHN]).await;
    assert_eq!(
        data,
        json!({"items": [
            item(JANE_PRIVATE, "requested", false, false, false),
            item(JOHN, "accepted", true, false, false),
        ]})
    );

    // Jane's side: a request waiting for her is not a follower.
    let data = relationships(&app, JANE_PRIVATE, &[FAN_PENDING, FAN_ACCEPTED]).await;
    assert_eq!(
        data,
        json!({"items": [
            item(FAN_PENDING, "none", false, false, false),
            item(FAN_ACCEPTED, "none", true, false, false),
        ]})
    );
}

#[tokio::test]
async fn a_block_is_reported_from_each_side() {
    let app = TestApp::spawn().await;
    assert_eq!(
        relationships(&app, BOB_BLOCKER, &[CARL_BLOCKED]).await,
        json!({"items": [item(CARL_BLOCKED, "none", false, true, false)]})
    );
    assert_eq!(
        relationships(&app, CARL_BLOCKED, &[BOB_BLOCKER]).await,
        json!({"items": [item(BOB_BLOCKER, "none", false, false, true)]})
    );
}

#[tokio::test]
async fn unknown_and_deactivated_users_are_left_out_and_the_order_is_kept() {
    let app = TestApp::spawn().await;
    let data = relationships(
        &app,
        JOHN,
        &[
            GARY_DEACTIVATED,
            FAN_200,
            "aaaaaaaaaaaaaaaaaaaaaaaa",
            JANE_PRIVATE,
            FAN_200,
        ],
    )
    .await;
    let ids: Vec<&str> = data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [FAN_200, JANE_PRIVATE]);
}

#[tokio::test]
async fn a_token_is_required() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get(&format!("/api/v1/users/me/relationships?ids={JOHN}"))).await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
    let (status, body) = send(
        app.get(&format!("/api/v1/users/me/relationships?ids={JOHN}"))
            .bearer_auth(app.token(GARY_DEACTIVATED)),
    )
    .await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
}

#[tokio::test]
async fn ids_are_one_to_a_hundred_well_formed_ids_named_in_both_languages() {
    let app = TestApp::spawn().await;
    let token = app.token(JOHN);
    let hundred: Vec<String> = (1..=100).map(|i| format!("{i:024x}")).collect();
    let (status, body) = send(
        app.get(&format!(
            "/api/v1/users/me/relationships?ids={}",
            hundred.join(",")
        ))
        .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        assert_ok(status, &body)["items"].as_array().unwrap().len(),
        100
    );

    let cases = [
        (
            "".to_owned(),
            "ids: must list from 1 to 100 values, separated by commas",
            "ids: virgülle ayrılmış 1 ile 100 arasında değer içermelidir",
        ),
        (
            "ids=".to_owned(),
            "ids: must list from 1 to 100 values, separated by commas",
            "ids: virgülle ayrılmış 1 ile 100 arasında değer içermelidir",
        ),
        (
            format!("ids={},{}", hundred.join(","), "0000000000000000000000ff"),
            "ids: must list from 1 to 100 values, separated by commas",
            "ids: virgülle ayrılmış 1 ile 100 arasında değer içermelidir",
        ),
        (
            format!("ids={JOHN},xyz"),
            "ids: \"xyz\": must be 24 lowercase hexadecimal characters",
            "ids: \"xyz\": 24 küçük harfli onaltılık karakterden oluşmalıdır",
        ),
        (
            format!("ids={JOHN}&usernames=johndoe123"),
            "usernames: is not a parameter of this endpoint",
            "usernames: bu uç noktanın parametrelerinden biri değil",
        ),
    ];
    for (query, english, turkish) in cases {
        let url = format!("/api/v1/users/me/relationships?{query}");
        let (status, body) = send(app.get(&url).bearer_auth(&token)).await;
        let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
        assert_eq!(messages, ["Validation failed", english], "{query}");
        let (status, body) =
            send(app.get(&url).bearer_auth(&token).header("X-Language", "tr")).await;
        let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
        assert_eq!(messages, ["Doğrulama başarısız oldu", turkish], "{query}");
    }
}
