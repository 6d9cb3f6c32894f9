//! GET /api/v1/users?ids=... and ?usernames=...: several profiles in one
//! request, each answered as the single profile read answers it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use allmine_http::RateLimitSettings;

use crate::helpers::*;

const UNKNOWN: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";

fn by_ids(app: &TestApp, ids: &[&str]) -> reqwest::RequestBuilder {
    app.get(&format!("/api/v1/users?ids={}", ids.join(",")))
}

/// The single read's answer for `id`: the profile, or the error's code.
async fn single(app: &TestApp, id: &str, token: Option<&str>) -> Result<Value, String> {
    let request = app.get(&format!("/api/v1/users/profile/{id}"));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let (status, body) = send(request).await;
    if status == StatusCode::OK {
        Ok(body["data"].clone())
    } else {
        Err(body["code"].as_str().unwrap().to_owned())
    }
}

#[tokio::test]
async fn a_batch_shows_each_visible_profile_as_the_single_read_does_in_the_order_asked() {
    let app = TestApp::spawn().await;
    let asked = [
        CARL_BLOCKED,
        JOHN,
        JANE_PRIVATE,
        FAN_PENDING,
        GARY_DEACTIVATED,
        UNKNOWN,
        BOB_BLOCKER,
    ];
    let (status, body) = send(by_ids(&app, &asked)).await;
    let data = assert_ok(status, &body);

    let mut items = Vec::new();
    let mut unavailable = Vec::new();
    for id in asked {
        match single(&app, id, None).await {
            Ok(profile) => items.push(profile),
            Err(code) => unavailable.push(json!({"id": id, "code": code})),
        }
    }
    assert_eq!(data["items"], json!(items));
    assert_eq!(data["unavailable"], json!(unavailable));
    let order: Vec<&str> = data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [CARL_BLOCKED, JOHN, FAN_PENDING, BOB_BLOCKER]);
}

#[tokio::test]
async fn each_unavailable_code_is_the_one_the_single_read_answers_that_viewer() {
    let app = TestApp::spawn().await;
    let token = app.token(CARL_BLOCKED);
    let asked = [BOB_BLOCKER, JANE_PRIVATE, GARY_DEACTIVATED, UNKNOWN, JOHN];
    let (status, body) = send(by_ids(&app, &asked).bearer_auth(&token)).await;
    let data = assert_ok(status, &body);
    assert_eq!(
        data["unavailable"],
        json!([
            {"id": BOB_BLOCKER, "code": "PROFILE_UNAVAILABLE"},
            {"id": JANE_PRIVATE, "code": "PROFILE_PRIVATE"},
            {"id": GARY_DEACTIVATED, "code": "NOT_FOUND"},
            {"id": UNKNOWN, "code": "NOT_FOUND"},
        ])
    );
    for entry in data["unavailable"].as_array().unwrap() {
        let id = entry["id"].as_str().unwrap();
        assert_eq!(
            single(&app, id, Some(&token)).await.unwrap_err(),
            entry["code"],
            "{id}"
        );
    }
    assert_eq!(data["items"][0]["_id"], JOHN);

    // An accepted follower sees the private profile; one still waiting does not.
    let (status, body) =
        send(by_ids(&app, &[JANE_PRIVATE]).bearer_auth(app.token(FAN_ACCEPTED))).await;
    let data = assert_ok(status, &body);
    assert_eq!(data["items"][0]["_id"], JANE_PRIVATE);
    assert_eq!(data["unavailable"], json!([]));
    let (status, body) =
        send(by_ids(&app, &[JANE_PRIVATE]).bearer_auth(app.token(FAN_PENDING))).await;
    let data = assert_ok(status, &body);
    assert_eq!(
        data["unavailable"],
        json!([{"id": JANE_PRIVATE, "code": "PROFILE_PRIVATE"}])
    );
}

#[tokio::test]
async fn usernames_match_in_any_case_answer_once_and_are_named_as_written() {
    let app = TestApp::spawn().await;
    let (status, body) =
        send(app.get(
            "/api/v1/users?usernames=PRIVATE_JANE,%20JohnDoe123%20,admin,nobody_here,johndoe123",
        ))
        .await;
    let data = assert_ok(status, &body);
    let john = single(&app, JOHN, None).await.unwrap();
    assert_eq!(data["items"], json!([john]));
    assert_eq!(
        data["unavailable"],
        json!([
            {"username": "PRIVATE_JANE", "code": "PROFILE_PRIVATE"},
            {"username": "admin", "code": "NOT_FOUND"},
            {"username": "nobody_here", "code": "NOT_FOUND"},
        ])
    );
}

#[tokio::test]
async fn the_viewer_sees_their_own_private_profile_in_a_batch() {
    let app = TestApp::spawn().await;
    let (status, body) = send(
        app.get("/api/v1/users?usernames=private_jane")
            .bearer_auth(app.token(JANE_PRIVATE)),
    )
    .await;
    let data = assert_ok(status, &body);
    assert_eq!(data["items"][0]["_id"], JANE_PRIVATE);
}

#[tokio::test]
async fn malformed_values_are_400_naming_each_in_both_languages() {
    let app = TestApp::spawn().await;
    let upper = JOHN.to_uppercase();
    let (status, body) = send(by_ids(&app, &[JOHN, "12345", &upper, "12345"])).await;
    let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
    assert_eq!(
        messages,
        [
            "Validation failed".to_owned(),
            "ids: \"12345\": must be 24 lowercase hexadecimal characters".to_owned(),
            format!("ids: \"{upper}\": may only hold the characters 0-9 and a-f"),
        ]
    );

    let (status, body) = send(
        app.get("/api/v1/users?usernames=johndoe123,jo,john..doe")
            .header("X-Language", "tr"),
    )
    .await;
    let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
    assert_eq!(
        messages,
        [
            "Doğrulama başarısız oldu",
            "usernames: \"jo\": kullanıcı adı en az 3 karakter olmalıdır",
            "usernames: \"john..doe\": kullanıcı adı art arda iki '.' içeremez",
        ]
    );

    let (status, body) = send(app.get("/api/v1/users?usernames=no%20spaces")).await;
    let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
    assert_eq!(
        messages[1],
        "usernames: \"no spaces\": a username may only hold the letters a-z, digits, '_' and '.', not ' '"
    );
}

/// `n` distinct well-formed ids.
fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{i:024x}")).collect()
}

#[tokio::test]
async fn a_batch_names_one_to_a_hundred_users_by_exactly_one_of_ids_and_usernames() {
    let app = TestApp::spawn().await;
    let hundred = ids(100).join(",");
    let (status, body) = send(app.get(&format!("/api/v1/users?ids={hundred}"))).await;
    let data = assert_ok(status, &body);
    let shown = data["items"].as_array().unwrap().len();
    let withheld = data["unavailable"].as_array().unwrap().len();
    assert_eq!(shown + withheld, 100);
    // 101 values are too many, even when one of them is given twice.
    let repeated = format!("{hundred},{}", ids(1)[0]);
    let (status, body) = send(app.get(&format!("/api/v1/users?ids={repeated}"))).await;
    assert_error(status, &body, 400, "VALIDATION_FAILED");

    let cases = [
        (
            "ids=".to_owned(),
            "ids: must list from 1 to 100 values, separated by commas",
            "ids: virgülle ayrılmış 1 ile 100 arasında değer içermelidir",
        ),
        (
            format!("ids={}", ids(101).join(",")),
            "ids: must list from 1 to 100 values, separated by commas",
            "ids: virgülle ayrılmış 1 ile 100 arasında değer içermelidir",
        ),
        (
            format!("ids={JOHN}&usernames=johndoe123"),
            "usernames: may not be given together with ids",
            "usernames: ids ile birlikte verilemez",
        ),
        (
            String::new(),
            "ids: is required (or usernames instead)",
            "ids: zorunludur (ya da onun yerine usernames)",
        ),
        (
            format!("ids={JOHN}&sort=name"),
            "sort: is not a parameter of this endpoint",
            "sort: bu uç noktanın parametrelerinden biri değil",
        ),
    ];
    for (query, english, turkish) in cases {
        let url = format!("/api/v1/users?{query}");
        let (status, body) = send(app.get(&url)).await;
        let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
        assert_eq!(messages, ["Validation failed", english], "{query}");
        let (status, body) = send(app.get(&url).header("X-Language", "tr")).await;
        let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
        assert_eq!(messages, ["Doğrulama başarısız oldu", turkish], "{query}");
    }
}

#[tokio::test]
async fn an_invalid_token_is_401_never_read_as_anonymous() {
    let app = TestApp::spawn().await;
    let (status, body) = send(by_ids(&app, &[JOHN]).bearer_auth("not-a-token")).await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
    let (status, body) = send(by_ids(&app, &[JOHN]).bearer_auth(app.expired_token(JOHN))).await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
}

fn remaining(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn anonymous_batches_count_each_user_asked_against_the_profile_read_limit() {
    let app = TestApp::spawn_with_limits(RateLimitSettings {
        anonymous_profile_reads_per_minute: 5,
        ..TestApp::GENEROUS
    })
    .await;
    let three = [JOHN, JANE_PRIVATE, UNKNOWN];

    let response = by_ids(&app, &three).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(remaining(&response), Some(2), "three users, three reads");

    // Three more do not fit in the two left: refused whole, nothing taken.
    let refused = by_ids(&app, &three).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().get("retry-after").is_some());
    let single = app
        .get(&format!("/api/v1/users/profile/{JOHN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(single.status(), StatusCode::OK);
    assert_eq!(remaining(&single), Some(1), "the refusal took nothing");

    // Repeats count once; a 400 counts nothing.
    let (status, _) = send(by_ids(&app, &[JOHN, "bad"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let response = by_ids(&app, &[JOHN, JOHN]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(remaining(&response), Some(0));

    // Signed in, nothing is counted.
    let response = by_ids(&app, &three)
        .bearer_auth(app.token(CARL_BLOCKED))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(remaining(&response), None);
}

#[tokio::test]
async fn an_anonymous_batch_larger_than_the_whole_allowance_is_refused() {
    let app = TestApp::spawn_with_limits(RateLimitSettings {
        anonymous_profile_reads_per_minute: 5,
        ..TestApp::GENEROUS
    })
    .await;
    let six: Vec<String> = ids(6);
    let six: Vec<&str> = six.iter().map(String::as_str).collect();
    let (status, body) = send(by_ids(&app, &six)).await;
    let messages = assert_error(status, &body, 429, "RATE_LIMITED");
    assert_eq!(messages, ["Too many requests", "Try again in 60 seconds"]);
    // It took nothing: the whole allowance is still there.
    let response = by_ids(&app, &six[..5]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(remaining(&response), Some(0));
}
