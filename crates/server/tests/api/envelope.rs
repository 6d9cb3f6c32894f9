//! What every endpoint keeps: the envelope for every answer, the X-* headers,
//! the OpenAPI document and Swagger UI.

use allmine_server::search::{POLL_EVERY, STALE_AFTER};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn an_unknown_route_is_404_in_the_envelope() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get("/api/v1/nothing/here")).await;
    assert_eq!(
        assert_error(status, &body, 404, "NOT_FOUND"),
        ["Resource not found", "No endpoint has this path"]
    );
}

#[tokio::test]
async fn a_wrong_method_is_405_in_the_envelope() {
    let app = TestApp::spawn().await;
    let request = app
        .client
        .delete(format!("{}/api/v1/users/profile/{JOHN}", app.address));
    let (status, body) = send(request.header("X-Language", "tr")).await;
    assert_eq!(
        assert_error(status, &body, 405, "METHOD_NOT_ALLOWED"),
        ["Bu yöntem desteklenmiyor"]
    );
}

#[tokio::test]
async fn a_time_zone_outside_the_list_is_400_and_utc_minus_eight_is_accepted() {
    let app = TestApp::spawn().await;
    for zone in ["UTC+03:15", "Europe/Istanbul", "utc+03:00", ""] {
        let (status, body) = send(
            app.get("/api/v1/users/profile/username/johndoe123")
                .header("X-Timezone", zone),
        )
        .await;
        let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
        assert!(
            messages[1].starts_with("X-Timezone"),
            "{zone}: {messages:?}"
        );
    }
    let (status, body) = send(
        app.get("/api/v1/users/profile/username/johndoe123")
            .header("X-Timezone", "UTC-08:00"),
    )
    .await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn x_timezone_utc_the_docs_default_is_read_as_utc_plus_zero() {
    let app = TestApp::spawn().await;
    app.clock.set(time::macros::datetime!(2026-06-01 12:00 UTC));
    app.sql("UPDATE users SET username_changed_at = TIMESTAMPTZ '2026-05-20 22:30:00.123Z' WHERE username = 'johndoe123'")
        .await;
    for zone in ["UTC", "UTC+00:00"] {
        let request = app.get("/api/v1/users/me").bearer_auth(app.token(JOHN));
        let (status, body) = send(request.header("X-Timezone", zone)).await;
        assert_eq!(
            assert_ok(status, &body)["nextUsernameChangeAllowedAt"],
            "2026-06-19T22:30:00.123Z",
            "{zone}"
        );
    }
}

#[tokio::test]
async fn an_unknown_language_falls_back_to_english() {
    let app = TestApp::spawn().await;
    let (status, body) = send(
        app.get("/api/v1/users/profile/username/nobody_here")
            .header("X-Language", "de"),
    )
    .await;
    assert_eq!(
        assert_error(status, &body, 404, "NOT_FOUND"),
        ["Resource not found"]
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_safe_one_is_echoed() {
    let app = TestApp::spawn().await;
    let response = app
        .get("/api/v1/users/profile/username/johndoe123")
        .send()
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let response = app
        .get("/nowhere")
        .header("X-Request-Id", "client-id-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-id-123");

    let response = app
        .get("/nowhere")
        .header("X-Request-Id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], "bad id with spaces");
}

#[tokio::test]
async fn the_platform_headers_are_accepted() {
    let app = TestApp::spawn().await;
    let request = app
        .get("/api/v1/users/profile/username/johndoe123")
        .header("X-Platform", "mobile_ios")
        .header("X-App-Version", "3.4.1")
        .header("X-Device-ID", "device-42");
    let (status, body) = send(request).await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn a_database_failure_is_500_in_the_envelope_without_driver_detail() {
    let app = TestApp::spawn().await;
    app.sql("ALTER TABLE users RENAME COLUMN bio TO bio_renamed")
        .await;
    let (status, body) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
    assert_eq!(
        assert_error(status, &body, 500, "INTERNAL_ERROR"),
        ["Internal server error"]
    );
    assert!(
        !body.to_string().contains("bio"),
        "leaks driver detail: {body}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_503_in_the_envelope_and_not_ready() {
    let app = TestApp::spawn().await;
    app.db.pool.close().await;
    let (status, body) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
    assert_eq!(
        assert_error(status, &body, 503, "SERVICE_UNAVAILABLE"),
        ["Service temporarily unavailable"]
    );

    let (status, body) = send(app.get("/health/ready")).await;
    assert_error(status, &body, 503, "SERVICE_UNAVAILABLE");
    let (status, body) = send(app.get("/health/live")).await;
    assert_eq!(assert_ok(status, &body)["status"], "ok");
}

#[tokio::test]
async fn readiness_fails_once_the_search_index_cannot_catch_up_for_stale_after() {
    let app = TestApp::spawn().await;
    let mut ready = false;
    for _ in 0..50 {
        if send(app.get("/health/ready")).await.0 == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    assert!(ready, "never ready");

    // The database answers, but the change feed is gone: every catch-up fails.
    sqlx::query("DROP TABLE change_feed CASCADE")
        .execute(&app.db.pool)
        .await
        .unwrap();
    tokio::time::sleep(STALE_AFTER / 2).await;
    let (status, body) = send(app.get("/health/ready")).await;
    assert_eq!(assert_ok(status, &body)["status"], "ok", "stale too soon");

    tokio::time::sleep(STALE_AFTER / 2 + POLL_EVERY * 20).await;
    let (status, body) = send(app.get("/health/ready")).await;
    assert_error(status, &body, 503, "SERVICE_UNAVAILABLE");
    let (status, body) = send(app.get("/health/live")).await;
    assert_eq!(assert_ok(status, &body)["status"], "ok");
}

#[tokio::test]
async fn the_openapi_document_is_3_1_with_every_endpoint_and_the_bearer_scheme() {
    let app = TestApp::spawn().await;
    let (status, doc) = send(app.get("/api-docs/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/api/v1/users/profile/username/{username}",
        "/api/v1/users/profile/{id}",
        "/api/v1/users/me",
        "/api/v1/users/{id}/stats",
    ] {
        let operation = &doc["paths"][path]["get"];
        assert!(operation.is_object(), "{path} missing");
        let headers: Vec<&str> = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "header")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            headers,
            [
                "X-Language",
                "X-Timezone",
                "X-Platform",
                "X-App-Version",
                "X-Device-ID",
                "If-None-Match"
            ],
            "{path}"
        );
        for code in ["200", "400", "401"] {
            let example = &operation["responses"][code]["content"]["application/json"]["example"];
            assert!(example.is_object(), "{path} {code} has no example");
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["JWT-auth"]["scheme"],
        "bearer"
    );
    let codes: Vec<&Value> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    for code in [
        "VALIDATION_FAILED",
        "PROFILE_PRIVATE",
        "PROFILE_UNAVAILABLE",
        "USERNAME_TAKEN",
    ] {
        assert!(codes.iter().any(|c| *c == code), "{code} not listed");
    }
}

#[tokio::test]
async fn swagger_ui_is_served_at_docs() {
    let app = TestApp::spawn().await;
    let response = app.get("/docs/").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.text().await.unwrap().contains("swagger"),
        "not the Swagger UI page"
    );
}
