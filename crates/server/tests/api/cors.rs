//! CORS: off by default; with `CORS_ALLOWED_ORIGINS`, listed origins get
//! preflights answered before routing and every answer's readable headers,
//! any other origin gets no CORS header at all.

use reqwest::header::{HeaderMap, ORIGIN};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use allmine_http::RateLimitSettings;

use crate::helpers::*;

const ALLOWED: &str = "http://127.0.0.1:5173";
const OTHER: &str = "https://evil.example";

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The comma-separated values of a header, lower-cased.
fn list(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}

fn no_cors_headers(headers: &HeaderMap) -> bool {
    headers
        .keys()
        .all(|name| !name.as_str().starts_with("access-control-"))
}

async fn spawn() -> TestApp {
    TestApp::spawn_with_cors(
        &format!("{ALLOWED}, http://localhost:5173"),
        TestApp::GENEROUS,
    )
    .await
}

fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    method: &str,
    headers: &str,
) -> reqwest::RequestBuilder {
    let request = app
        .client
        .request(Method::OPTIONS, format!("{}{path}", app.address))
        .header(ORIGIN, origin)
        .header("Access-Control-Request-Method", method);
    if headers.is_empty() {
        request
    } else {
        request.header("Access-Control-Request-Headers", headers)
    }
}

#[tokio::test]
async fn cors_is_off_by_default_no_header_and_a_preflight_is_the_usual_405() {
    let app = TestApp::spawn().await;
    let response = app
        .get(&format!("/api/v1/users/profile/{JOHN}"))
        .header(ORIGIN, ALLOWED)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        no_cors_headers(response.headers()),
        "{:?}",
        response.headers()
    );

    let response = preflight(&app, "/api/v1/users/me", ALLOWED, "PATCH", "authorization")
        .send()
        .await
        .unwrap();
    assert!(
        no_cors_headers(response.headers()),
        "{:?}",
        response.headers()
    );
    let (status, body) = (response.status(), response.json::<Value>().await.unwrap());
    assert_error(status, &body, 405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn a_preflight_from_a_listed_origin_allows_the_served_methods_and_documented_headers() {
    let app = spawn().await;
    let asked = "authorization, content-type, x-language, x-timezone, x-request-id, x-platform, x-app-version, x-device-id, if-none-match";
    let response = preflight(&app, "/api/v1/users/me", ALLOWED, "PATCH", asked)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "not the 405 envelope");
    let headers = response.headers();
    assert_eq!(text(headers, "access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(text(headers, "access-control-max-age"), Some("3600"));
    assert!(text(headers, "access-control-allow-credentials").is_none());
    let methods = list(headers, "access-control-allow-methods");
    for method in ["get", "post", "patch"] {
        assert!(methods.contains(&method.to_owned()), "{methods:?}");
    }
    let allowed = list(headers, "access-control-allow-headers");
    for header in asked.split(", ") {
        assert!(
            allowed.contains(&header.to_owned()),
            "{header}: {allowed:?}"
        );
    }
    assert!(list(headers, "vary").contains(&"origin".to_owned()));
    assert!(text(headers, "x-request-id").is_some());

    // The second listed origin is allowed too, and gets its own origin back.
    let response = preflight(&app, "/api/v1/users/me", "http://localhost:5173", "GET", "")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        text(response.headers(), "access-control-allow-origin"),
        Some("http://localhost:5173")
    );
}

#[tokio::test]
async fn every_operation_of_the_document_may_be_preflighted() {
    let app = spawn().await;
    let (status, document) = send(app.get("/api-docs/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    let paths = document["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            if !["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            let response = preflight(
                &app,
                path,
                ALLOWED,
                &method.to_ascii_uppercase(),
                "authorization",
            )
            .send()
            .await
            .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{method} {path}");
            let methods = list(response.headers(), "access-control-allow-methods");
            assert!(methods.contains(method), "{method} {path}: {methods:?}");
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked}");
}

#[tokio::test]
async fn a_preflight_from_another_origin_or_for_something_not_served_is_refused_in_the_envelope() {
    let app = spawn().await;
    let cases = [
        (OTHER, "GET", "authorization"),
        // Same host, other port: another origin.
        ("http://127.0.0.1:5174", "GET", ""),
        (ALLOWED, "DELETE", ""),
        (ALLOWED, "GET", "x-not-documented"),
    ];
    for (origin, method, headers) in cases {
        let response = preflight(&app, "/api/v1/users/me", origin, method, headers)
            .send()
            .await
            .unwrap();
        assert!(
            no_cors_headers(response.headers()),
            "{origin} {method} {headers}: {:?}",
            response.headers()
        );
        assert!(text(response.headers(), "x-request-id").is_some());
        let (status, body) = (response.status(), response.json::<Value>().await.unwrap());
        assert_error(status, &body, 400, "VALIDATION_FAILED");
    }
}

#[tokio::test]
async fn a_listed_origin_reads_the_answer_and_its_exposed_headers() {
    let app = spawn().await;
    let response = app
        .get(&format!("/api/v1/users/profile/{JOHN}"))
        .header(ORIGIN, ALLOWED)
        .header("X-Request-Id", "page-1")
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    assert_eq!(text(&headers, "access-control-allow-origin"), Some(ALLOWED));
    assert!(list(&headers, "vary").contains(&"origin".to_owned()));
    let exposed = list(&headers, "access-control-expose-headers");
    for header in [
        "x-request-id",
        "etag",
        "retry-after",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ] {
        assert!(
            exposed.contains(&header.to_owned()),
            "{header}: {exposed:?}"
        );
    }
    assert_eq!(text(&headers, "x-request-id"), Some("page-1"));
    assert!(
        text(&headers, "ratelimit-remaining").is_some(),
        "an anonymous read is counted"
    );
    let (status, body) = (response.status(), response.json::<Value>().await.unwrap());
    assert_eq!(assert_ok(status, &body)["username"], "johndoe123");
}

#[tokio::test]
async fn another_origin_or_none_gets_the_answer_without_any_cors_header() {
    let app = spawn().await;
    let profile = format!("/api/v1/users/profile/{JOHN}");
    for request in [app.get(&profile).header(ORIGIN, OTHER), app.get(&profile)] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            no_cors_headers(response.headers()),
            "{:?}",
            response.headers()
        );
        assert!(list(response.headers(), "vary").contains(&"origin".to_owned()));
    }
}

#[tokio::test]
async fn refusals_carry_the_cors_headers_so_a_page_can_read_them() {
    let limits = RateLimitSettings {
        anonymous_profile_reads_per_minute: 1,
        ..TestApp::GENEROUS
    };
    let app = TestApp::spawn_with_cors(ALLOWED, limits).await;
    let profile = format!("/api/v1/users/profile/{JOHN}");
    let cases = [
        (app.get("/api/v1/users/me"), 401, "AUTHENTICATION_REQUIRED"),
        (app.get("/api/v1/nowhere"), 404, "NOT_FOUND"),
        (
            app.client
                .delete(format!("{}/api/v1/users/me", app.address)),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (
            app.get(&profile).header("X-Timezone", "Europe/Istanbul"),
            400,
            "VALIDATION_FAILED",
        ),
        (app.get(&profile), 200, ""),
        (app.get(&profile), 429, "RATE_LIMITED"),
    ];
    for (request, expected, code) in cases {
        let response = request.header(ORIGIN, ALLOWED).send().await.unwrap();
        let headers = response.headers().clone();
        assert_eq!(
            text(&headers, "access-control-allow-origin"),
            Some(ALLOWED),
            "{expected}: {headers:?}"
        );
        assert!(
            list(&headers, "access-control-expose-headers").contains(&"retry-after".to_owned())
        );
        if expected == 429 {
            assert!(text(&headers, "retry-after").is_some());
        }
        let (status, body) = (response.status(), response.json::<Value>().await.unwrap());
        if expected == 200 {
            assert_ok(status, &body);
        } else {
            assert_error(status, &body, expected, code);
        }
    }
}

#[tokio::test]
async fn preflights_are_neither_rate_limited_nor_counted() {
    let limits = RateLimitSettings {
        anonymous_profile_reads_per_minute: 2,
        ..TestApp::GENEROUS
    };
    let app = TestApp::spawn_with_cors(ALLOWED, limits).await;
    let profile = format!("/api/v1/users/profile/{JOHN}");
    for _ in 0..5 {
        let response = preflight(&app, &profile, ALLOWED, "GET", "x-language")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(text(response.headers(), "ratelimit-remaining").is_none());
    }
    for remaining in ["1", "0"] {
        let response = app
            .get(&profile)
            .header(ORIGIN, ALLOWED)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            text(response.headers(), "ratelimit-remaining"),
            Some(remaining)
        );
    }
}
