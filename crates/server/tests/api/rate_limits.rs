//! Abuse limits: 429 in the envelope with Retry-After, and RateLimit-* headers
//! on every limited response.

use reqwest::StatusCode;
use serde_json::json;

use allmine_http::RateLimitSettings;

use crate::helpers::*;

const TIGHT: RateLimitSettings = RateLimitSettings {
    username_checks_per_minute: 3,
    username_changes_per_minute: 2,
    searches_per_minute: 3,
    anonymous_profile_reads_per_minute: 3,
};

fn header(response: &reqwest::Response, name: &str) -> Option<u64> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn username_checks_are_limited_per_user_with_headers_on_every_response() {
    let app = TestApp::spawn_with_limits(TIGHT).await;
    let check = |caller: &'static str| {
        app.post("/api/v1/users/check-username")
            .bearer_auth(app.token(caller))
            .json(&json!({"username": "some_name"}))
    };
    for remaining in [2, 1, 0] {
        let response = check(JOHN).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "ratelimit-limit"), Some(3));
        assert_eq!(header(&response, "ratelimit-remaining"), Some(remaining));
        assert!(header(&response, "ratelimit-reset").is_some());
    }
    let refused = check(JOHN).header("X-Language", "tr").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after = header(&refused, "retry-after").unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_eq!(header(&refused, "ratelimit-remaining"), Some(0));
    assert_eq!(header(&refused, "ratelimit-reset"), Some(retry_after));
    let (status, body) = (refused.status(), refused.json().await.unwrap());
    let messages = assert_error(status, &body, 429, "RATE_LIMITED");
    assert_eq!(
        messages,
        [
            "Çok fazla istek".to_owned(),
            format!("{retry_after} saniye sonra tekrar deneyin")
        ]
    );

    // Another user has an allowance of their own.
    assert_eq!(
        check(CARL_BLOCKED).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn username_changes_and_searches_are_limited_per_user() {
    let app = TestApp::spawn_with_limits(TIGHT).await;
    let rename = |name: &str| {
        app.patch("/api/v1/users/username")
            .bearer_auth(app.token(CARL_BLOCKED))
            .json(&json!({"newUsername": name}))
    };
    let statuses = [
        rename("carl_a").send().await.unwrap().status(),
        rename("carl_b").send().await.unwrap().status(),
        rename("carl_c").send().await.unwrap().status(),
    ];
    assert_eq!(statuses[2], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");

    let search = || {
        app.get("/api/v2/users/search?query=john")
            .bearer_auth(app.token(JOHN))
    };
    for _ in 0..3 {
        assert_eq!(search().send().await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(
        search().send().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn anonymous_profile_reads_are_limited_per_address_but_signed_in_reads_are_not() {
    let app = TestApp::spawn_with_limits(TIGHT).await;
    let read = || app.get("/api/v1/users/profile/username/johndoe123");
    for _ in 0..3 {
        let response = read().send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, "ratelimit-remaining").is_some());
    }
    let refused = read().send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&refused, "retry-after").is_some());
    for _ in 0..5 {
        let response = read()
            .bearer_auth(app.token(CARL_BLOCKED))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            header(&response, "ratelimit-limit").is_none(),
            "signed-in reads are not counted"
        );
    }
}
