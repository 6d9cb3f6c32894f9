//! POST /api/v1/users/check-username and PATCH /api/v1/users/username.

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

use crate::helpers::*;

async fn check(app: &TestApp, caller: &str, username: &str) -> (StatusCode, Value) {
    send(
        app.post("/api/v1/users/check-username")
            .bearer_auth(app.token(caller))
            .json(&json!({ "username": username })),
    )
    .await
}

async fn rename(app: &TestApp, caller: &str, new_username: &str) -> (StatusCode, Value) {
    send(
        app.patch("/api/v1/users/username")
            .bearer_auth(app.token(caller))
            .json(&json!({ "newUsername": new_username })),
    )
    .await
}

async fn rename_in(
    app: &TestApp,
    caller: &str,
    new_username: &str,
    zone: &str,
) -> (StatusCode, Value) {
    let request = app
        .patch("/api/v1/users/username")
        .bearer_auth(app.token(caller))
        .header("X-Timezone", zone);
    send(request.json(&json!({ "newUsername": new_username }))).await
}

#[tokio::test]
async fn a_free_name_is_available_exactly_as_the_docs_show() {
    let app = TestApp::spawn().await;
    let (status, body) = check(&app, JOHN, "brand_new_name").await;
    assert_eq!(assert_ok(status, &body), json!({"available": true}));
}

#[tokio::test]
async fn a_taken_name_ignoring_case_is_unavailable_with_available_suggestions() {
    let app = TestApp::spawn().await;
    app.add_user("johndoe1231").await;
    let (status, body) = check(&app, CARL_BLOCKED, "JohnDoe123").await;
    let data = assert_ok(status, &body);
    assert_eq!(data["available"], false);
    assert_eq!(data["reason"], "taken");
    let suggestions: Vec<String> = data["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(suggestions.len(), 3);
    assert!(
        !suggestions.contains(&"johndoe1231".to_owned()),
        "a taken name was suggested"
    );
    for suggestion in &suggestions {
        assert!(
            suggestion.starts_with("johndoe123") || suggestion.ends_with("johndoe123"),
            "{suggestion}"
        );
        let (status, body) = check(&app, CARL_BLOCKED, suggestion).await;
        assert_eq!(assert_ok(status, &body)["available"], true, "{suggestion}");
    }
}

#[tokio::test]
async fn the_callers_own_name_is_reported_as_current() {
    let app = TestApp::spawn().await;
    let (status, body) = check(&app, JOHN, "JOHNDOE123").await;
    let data = assert_ok(status, &body);
    assert_eq!(
        (data["available"].clone(), data["reason"].clone()),
        (json!(false), json!("current"))
    );
}

#[tokio::test]
async fn reserved_names_and_their_disguises_are_unavailable() {
    let app = TestApp::spawn().await;
    for name in ["admin", "Adm1n", "supp0rt", "all.mine"] {
        let (status, body) = check(&app, JOHN, name).await;
        assert_eq!(assert_ok(status, &body)["reason"], "reserved", "{name}");
    }
}

#[tokio::test]
async fn a_malformed_name_is_400_with_the_rule_it_broke() {
    let app = TestApp::spawn().await;
    let (status, body) = check(&app, JOHN, ".john").await;
    assert_eq!(
        assert_error(status, &body, 400, "VALIDATION_FAILED"),
        [
            "Validation failed",
            "username: a username may not start or end with '.'"
        ]
    );
    let (status, body) = send(
        app.post("/api/v1/users/check-username")
            .bearer_auth(app.token(JOHN))
            .json(&json!({})),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_FAILED");
    let (status, body) = send(
        app.post("/api/v1/users/check-username")
            .json(&json!({"username": "x_y_z"})),
    )
    .await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
}

#[tokio::test]
async fn a_first_change_answers_the_docs_shape_and_records_history_and_hold() {
    let app = TestApp::spawn().await;
    let now = datetime!(2026-11-23 21:30:00.250 UTC);
    app.clock.set(now);
    let (status, body) = rename_in(&app, JOHN, "John.Doe", "UTC+03:00").await;
    let data = assert_ok(status, &body);
    assert_eq!(
        data,
        json!({
            "success": true,
            "oldUsername": "johndoe123",
            "newUsername": "John.Doe",
            "nextChangeAllowedAt": "2026-12-24T00:30:00.250+03:00"
        })
    );
    assert_eq!(app.username_of(JOHN).await, "John.Doe");
    let history: (String, String) =
        sqlx::query_as("SELECT old_username, new_username FROM username_history")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(history, ("johndoe123".into(), "John.Doe".into()));

    let (status, body) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = send(app.get("/api/v1/users/profile/username/john.doe")).await;
    assert_eq!(assert_ok(status, &body)["_id"], JOHN);
}

#[tokio::test]
async fn the_next_change_waits_thirty_days_to_the_millisecond() {
    let app = TestApp::spawn().await;
    let t0 = datetime!(2026-03-01 08:00:00.000 UTC);
    app.clock.set(t0);
    assert_eq!(rename(&app, JOHN, "second_name").await.0, StatusCode::OK);

    app.clock
        .set(t0 + Duration::days(29) + Duration::hours(23) + Duration::minutes(59));
    let (status, body) = rename_in(&app, JOHN, "third_name", "UTC+03:00").await;
    let messages = assert_error(status, &body, 409, "USERNAME_CHANGE_COOLDOWN");
    assert_eq!(
        messages,
        [
            "Resource already exists or cannot be changed in its current state",
            "The username can be changed once every 30 days; the next change is allowed at 2026-03-31T11:00:00.000+03:00",
        ]
    );
    let request = app
        .patch("/api/v1/users/username")
        .bearer_auth(app.token(JOHN))
        .header("X-Language", "tr");
    let (status, body) = send(request.json(&json!({"newUsername": "third_name"}))).await;
    let messages = assert_error(status, &body, 409, "USERNAME_CHANGE_COOLDOWN");
    assert_eq!(
        messages[0],
        "Kaynak zaten mevcut veya mevcut durumunda değiştirilemez"
    );
    assert!(
        messages[1].contains("2026-03-31T08:00:00.000Z"),
        "{messages:?}"
    );

    app.clock
        .set(t0 + Duration::days(30) - Duration::milliseconds(1));
    assert_eq!(
        rename(&app, JOHN, "third_name").await.0,
        StatusCode::CONFLICT
    );
    app.clock.set(t0 + Duration::days(30));
    let (status, body) = rename(&app, JOHN, "third_name").await;
    assert_eq!(assert_ok(status, &body)["newUsername"], "third_name");
}

#[tokio::test]
async fn a_change_of_case_only_is_allowed_and_keeps_the_cooldown_clock() {
    let app = TestApp::spawn().await;
    let t0 = datetime!(2026-03-01 08:00:00.000 UTC);
    app.clock.set(t0);
    rename(&app, JOHN, "johndoe_two").await;
    app.clock.set(t0 + Duration::days(5));
    let (status, body) = rename(&app, JOHN, "JohnDoe_Two").await;
    let data = assert_ok(status, &body);
    assert_eq!(data["newUsername"], "JohnDoe_Two");
    assert_eq!(data["nextChangeAllowedAt"], "2026-03-31T08:00:00.000Z");
}

/// `nextUsernameChangeAllowedAt` of `GET /me` and of `PATCH /me`.
async fn next_change_in_me(app: &TestApp) -> Value {
    let (status, body) = send(app.get("/api/v1/users/me").bearer_auth(app.token(JOHN))).await;
    let read = assert_ok(status, &body)["nextUsernameChangeAllowedAt"].clone();
    let request = app.patch("/api/v1/users/me").bearer_auth(app.token(JOHN));
    let (status, body) = send(request.json(&json!({"bio": "still me"}))).await;
    let updated = assert_ok(status, &body)["nextUsernameChangeAllowedAt"].clone();
    assert_eq!(read, updated, "GET and PATCH /me disagree");
    read
}

#[tokio::test]
async fn the_next_change_instant_is_null_when_allowed_now_and_the_same_after_every_kind_of_change()
{
    let app = TestApp::spawn().await;
    let t0 = datetime!(2026-03-01 08:00:00.000 UTC);
    let next = json!("2026-03-31T08:00:00.000Z");
    // (when, new name, what the change and /me then say)
    let steps = [
        (t0, "JohnDoe123", Value::Null),   // case only, never renamed
        (t0, "john_second", next.clone()), // a counted change
        (t0 + Duration::days(5), "John_Second", next.clone()), // case only, in the cooldown
        (t0 + Duration::days(6), "johndoe123", next.clone()), // taking the held name back
        (t0 + Duration::days(30), "JOHNDOE123", Value::Null), // case only, cooldown over
    ];
    app.clock.set(t0);
    assert_eq!(next_change_in_me(&app).await, Value::Null);
    for (when, name, expected) in steps {
        app.clock.set(when);
        let (status, body) = rename(&app, JOHN, name).await;
        let answered = &assert_ok(status, &body)["nextChangeAllowedAt"];
        assert_eq!(*answered, expected, "{name}");
        assert_eq!(next_change_in_me(&app).await, expected, "/me after {name}");
    }
}

#[tokio::test]
async fn exactly_the_current_name_is_409() {
    let app = TestApp::spawn().await;
    let (status, body) = rename(&app, JOHN, "johndoe123").await;
    assert_error(status, &body, 409, "USERNAME_UNCHANGED");
}

#[tokio::test]
async fn taken_reserved_and_malformed_names_are_refused() {
    let app = TestApp::spawn().await;
    let (status, body) = rename(&app, CARL_BLOCKED, "JOHNDOE123").await;
    assert_eq!(
        assert_error(status, &body, 409, "USERNAME_TAKEN")[1],
        "newUsername: this username is taken"
    );
    for name in ["adm1n", "supp0rt", "all.mine"] {
        let (status, body) = rename(&app, CARL_BLOCKED, name).await;
        assert_error(status, &body, 409, "USERNAME_RESERVED");
    }
    let (status, body) = rename(&app, CARL_BLOCKED, "no spaces").await;
    assert_eq!(
        assert_error(status, &body, 400, "VALIDATION_FAILED")[1],
        "newUsername: a username may only hold the letters a-z, digits, '_' and '.', not ' '"
    );
    assert_eq!(app.username_of(CARL_BLOCKED).await, "blocked_carl");
}

#[tokio::test]
async fn a_given_up_name_is_held_for_fourteen_days_for_its_former_owner_only() {
    let app = TestApp::spawn().await;
    let t0 = datetime!(2026-03-01 08:00:00.000 UTC);
    app.clock.set(t0);
    assert_eq!(rename(&app, JOHN, "john_moved").await.0, StatusCode::OK);

    let (status, body) = rename(&app, CARL_BLOCKED, "johndoe123").await;
    assert_error(status, &body, 409, "USERNAME_HELD");
    let (status, body) = check(&app, CARL_BLOCKED, "johndoe123").await;
    assert_eq!(assert_ok(status, &body)["reason"], "held");

    // The former owner may take it back, cooldown or not, and keeps the cooldown clock.
    app.clock.set(t0 + Duration::days(3));
    let (status, body) = rename(&app, JOHN, "johndoe123").await;
    assert_eq!(
        assert_ok(status, &body)["nextChangeAllowedAt"],
        "2026-03-31T08:00:00.000Z"
    );

    // john_moved is now held for John; after 14 days anyone may take it.
    app.clock
        .set(t0 + Duration::days(3) + Duration::days(14) - Duration::seconds(1));
    assert_eq!(
        rename(&app, CARL_BLOCKED, "john_moved").await.0,
        StatusCode::CONFLICT
    );
    app.clock.set(t0 + Duration::days(3) + Duration::days(14));
    assert_eq!(
        rename(&app, CARL_BLOCKED, "john_moved").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_deactivated_caller_is_401() {
    let app = TestApp::spawn().await;
    let (status, body) = rename(&app, GARY_DEACTIVATED, "gary_returns").await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
    let (status, body) = check(&app, GARY_DEACTIVATED, "gary_returns").await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
}

#[tokio::test]
async fn unknown_body_fields_and_wrong_media_types_are_refused() {
    let app = TestApp::spawn().await;
    let request = app
        .patch("/api/v1/users/username")
        .bearer_auth(app.token(JOHN));
    let (status, body) = send(request.json(&json!({"newUsername": "okay_name", "extra": 1}))).await;
    assert_error(status, &body, 400, "VALIDATION_FAILED");
    let request = app
        .patch("/api/v1/users/username")
        .bearer_auth(app.token(JOHN));
    let (status, body) = send(
        request
            .header("Content-Type", "text/plain")
            .body("okay_name"),
    )
    .await;
    assert_error(status, &body, 415, "UNSUPPORTED_MEDIA_TYPE");
}

const RACERS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn when_many_users_race_for_one_free_name_exactly_one_gets_it() {
    let app = TestApp::spawn().await;
    let mut racers = Vec::new();
    for n in 0..RACERS {
        racers.push(app.add_user(&format!("racer_{n}")).await);
    }
    let requests = racers.iter().map(|id| {
        app.patch("/api/v1/users/username")
            .bearer_auth(app.token(id))
            .json(&json!({"newUsername": "The_Prize"}))
            .send()
    });
    let statuses: Vec<u16> = futures_statuses(requests).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        RACERS - 1,
        "{statuses:?}"
    );

    let owners: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE username_key = 'the_prize'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(owners, 1);
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM username_history")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(history, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn when_one_user_sends_many_changes_at_once_exactly_one_succeeds() {
    let app = TestApp::spawn().await;
    let requests = (0..RACERS).map(|n| {
        app.patch("/api/v1/users/username")
            .bearer_auth(app.token(JOHN))
            .json(&json!({"newUsername": format!("john_attempt_{n}")}))
            .send()
    });
    let responses = futures::future::join_all(requests).await;
    let mut winners = Vec::new();
    let mut statuses = Vec::new();
    for response in responses {
        let response = response.unwrap();
        statuses.push(response.status().as_u16());
        let body: Value = response.json().await.unwrap();
        if body["isSuccess"] == true {
            winners.push(body["data"]["newUsername"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(winners.len(), 1, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(app.username_of(JOHN).await, winners[0]);
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM username_history")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(history, 1, "one change, one history row");
    let claims: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM username_claims WHERE user_id = decode('507f1f77bcf86cd799439011', 'hex') AND held_until IS NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(claims, 1, "John holds exactly one current name");
}

async fn futures_statuses(
    requests: impl Iterator<
        Item = impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
    >,
) -> Vec<u16> {
    futures::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect()
}
