//! A fleet behind a proxy: the anonymous limit is keyed by the client's real
//! address only when the TCP peer is a trusted proxy, counted once for the
//! fleet with Redis and per process without it, and a lost Redis degrades
//! to per-process counting without refusing service. The Redis tests NEED
//! the machine's Redis (127.0.0.1:6379 or `TEST_REDIS_URL`) and fail saying
//! so without it; each counts under a prefix of its own.

use std::time::Duration;

use reqwest::StatusCode;

use allmine_http::RateLimitSettings;
use allmine_server::config::RateLimitStore;

use crate::helpers::*;

const THREE: RateLimitSettings = RateLimitSettings {
    username_checks_per_minute: 100_000,
    username_changes_per_minute: 100_000,
    searches_per_minute: 100_000,
    anonymous_profile_reads_per_minute: 3,
};

/// The tests' server is reached from 127.0.0.1: this makes the test client
/// the trusted proxy.
const LOOPBACK_IS_THE_PROXY: &str = "127.0.0.1/32";

/// An anonymous profile read, forwarded for `client` by the proxy (this
/// test). The client itself claimed to be someone else in the left-most
/// entry: only the right-most untrusted hop counts.
async fn read_for(app: &TestApp, client: &str) -> reqwest::Response {
    app.get("/api/v1/users/profile/username/johndoe123")
        .header("X-Forwarded-For", format!("198.51.100.250, {client}"))
        .send()
        .await
        .unwrap()
}

fn remaining(response: &reqwest::Response) -> Option<u32> {
    response
        .headers()
        .get("ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_an_allowance_of_its_own() {
    let app =
        TestApp::spawn_behind_proxies(THREE, "127.0.0.1/32, 10.0.0.0/8", RateLimitStore::Memory)
            .await;
    // Through two proxies: the inner one (10.0.0.7) is trusted and skipped.
    let through_two = || {
        app.get("/api/v1/users/profile/username/johndoe123")
            .header("X-Forwarded-For", "203.0.113.1, 10.0.0.7")
    };
    let response = through_two().send().await.unwrap();
    assert_eq!(remaining(&response), Some(2));
    for left in [1, 0] {
        let response = read_for(&app, "203.0.113.1").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(remaining(&response), Some(left), "the same client");
    }
    let refused = read_for(&app, "203.0.113.1").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().get("retry-after").is_some());

    let other = read_for(&app, "203.0.113.2").await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another client, another budget"
    );
    assert_eq!(remaining(&other), Some(2));

    // RFC 7239's Forwarded names the client too, IPv6 with a port included.
    let forwarded = || {
        app.get("/api/v1/users/profile/username/johndoe123").header(
            "Forwarded",
            r#"for="[2001:db8::5]:4711";proto=https, for=10.0.0.7"#,
        )
    };
    for left in [2, 1, 0] {
        assert_eq!(remaining(&forwarded().send().await.unwrap()), Some(left));
    }
    assert_eq!(
        forwarded().send().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    // Only 10.0.0.0/8 is trusted; the test client connects from 127.0.0.1.
    let app = TestApp::spawn_behind_proxies(THREE, "10.0.0.0/8", RateLimitStore::Memory).await;
    for (i, left) in [2, 1, 0].into_iter().enumerate() {
        // A new made-up client each time: were it believed, none would be limited.
        let response = read_for(&app, &format!("198.51.100.{i}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(remaining(&response), Some(left), "counted against the peer");
    }
    let spoofed = app
        .get("/api/v1/users/profile/username/johndoe123")
        .header("Forwarded", "for=198.51.100.99")
        .header("X-Forwarded-For", "198.51.100.99")
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_malformed_header_from_a_trusted_proxy_counts_the_proxy_and_is_never_an_error() {
    let app =
        TestApp::spawn_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, RateLimitStore::Memory).await;
    for (i, bad) in ["for=\"unterminated", "for=evil.example", "for=300.1.1.1"]
        .into_iter()
        .enumerate()
    {
        let response = app
            .get("/api/v1/users/profile/username/johndoe123")
            .header("Forwarded", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{bad}");
        assert_eq!(remaining(&response), Some(2 - i as u32), "{bad}");
    }
}

#[tokio::test]
async fn with_redis_two_instances_count_one_allowance_per_client_for_the_fleet() {
    let store = redis_store().await;
    let a = TestApp::spawn_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, store.clone()).await;
    let b = a
        .spawn_peer_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, store)
        .await;
    // Split across both instances, the client spends one budget.
    for (app, left) in [(&a, 2), (&b, 1), (&a, 0)] {
        let response = read_for(app, "203.0.113.10").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(remaining(&response), Some(left));
    }
    for app in [&b, &a] {
        let refused = read_for(app, "203.0.113.10").await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=20).contains(&retry), "{retry}");
    }
    // Another client still has a budget of its own, on either instance.
    let other = read_for(&b, "203.0.113.11").await;
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(remaining(&other), Some(2));
}

#[tokio::test]
async fn in_memory_each_instance_counts_its_own_allowance() {
    let a =
        TestApp::spawn_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, RateLimitStore::Memory).await;
    let b = a
        .spawn_peer_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, RateLimitStore::Memory)
        .await;
    for _ in 0..3 {
        assert_eq!(read_for(&a, "203.0.113.20").await.status(), StatusCode::OK);
    }
    assert_eq!(
        read_for(&a, "203.0.113.20").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // B never saw this client: a budget of three again, per process.
    for left in [2, 1, 0] {
        let response = read_for(&b, "203.0.113.20").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(remaining(&response), Some(left));
    }
}

#[tokio::test]
async fn with_redis_unreachable_requests_are_served_limited_per_process_and_readiness_says_so() {
    let store = unreachable_redis_store();
    let a = TestApp::spawn_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, store.clone()).await;
    let b = a
        .spawn_peer_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, store)
        .await;
    for left in [2, 1, 0] {
        let response = read_for(&a, "203.0.113.30").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(remaining(&response), Some(left));
    }
    assert_eq!(
        read_for(&a, "203.0.113.30").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let on_b = read_for(&b, "203.0.113.30").await;
    assert_eq!(on_b.status(), StatusCode::OK, "per process meanwhile");
    assert_eq!(remaining(&on_b), Some(2));

    let mut answer = None;
    for _ in 0..100 {
        let (status, body) = send(a.get("/health/ready")).await;
        if status == StatusCode::OK {
            answer = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let body = answer.expect("ready while Redis is lost");
    let data = assert_ok(StatusCode::OK, &body);
    assert_eq!(data["status"], "ok");
    let detail = data["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("Redis is unreachable"), "{body}");
    assert!(
        logs().contains("the rate limit store is unreachable"),
        "the loss is logged"
    );
}

#[tokio::test]
async fn with_redis_answering_readiness_has_no_detail() {
    let app =
        TestApp::spawn_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, redis_store().await).await;
    let mut answer = None;
    for _ in 0..100 {
        let (status, body) = send(app.get("/health/ready")).await;
        if status == StatusCode::OK {
            answer = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let data = assert_ok(StatusCode::OK, &answer.expect("ready"));
    assert!(data.get("detail").is_none(), "{data}");
}

/// Sends a request with a bad token (which logs a warning inside the
/// request's span, besides the request log line) and returns the log lines
/// of that request.
async fn logged_lines(app: &TestApp, forwarded_for: &str) -> Vec<String> {
    let request_id = format!("fleet-{}", uuid::Uuid::new_v4());
    let response = app
        .get("/api/v1/users/me")
        .bearer_auth("not-a-token")
        .header("X-Request-Id", &request_id)
        .header("X-Forwarded-For", forwarded_for)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    logs()
        .lines()
        .filter(|line| line.contains(&request_id))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_request_log_names_the_forwarded_client_only_behind_a_trusted_proxy() {
    let trusted =
        TestApp::spawn_behind_proxies(THREE, LOOPBACK_IS_THE_PROXY, RateLimitStore::Memory).await;
    let lines = logged_lines(&trusted, "203.0.113.77").await;
    assert!(!lines.is_empty(), "the bad token is logged");
    assert!(
        lines
            .iter()
            .all(|line| line.contains("client=203.0.113.77")),
        "{lines:?}"
    );

    let untrusted =
        TestApp::spawn_behind_proxies(THREE, "10.0.0.0/8", RateLimitStore::Memory).await;
    let lines = logged_lines(&untrusted, "203.0.113.78").await;
    assert!(!lines.is_empty(), "the bad token is logged");
    assert!(
        lines
            .iter()
            .all(|line| line.contains("client=127.0.0.1") && !line.contains("203.0.113.78")),
        "{lines:?}"
    );
}
