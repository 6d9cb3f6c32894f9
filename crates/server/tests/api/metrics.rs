//! Prometheus metrics on a listener of their own: every family after a little
//! load, labels bounded (route templates, never a user's name or id), and
//! nothing of it on the API's port.
//!
//! The recorder belongs to the process, so every app of this test binary
//! counts into it once installed: the assertions ask for "at least", and for
//! labels that only the app under test can have produced.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::helpers::*;

/// One sample of the scrape: its labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of a text exposition, comments left out.
fn parse(scrape: &str) -> Vec<Sample> {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let value = value.parse().unwrap_or_else(|_| panic!("value of {line}"));
            let Some((name, labels)) = series.split_once('{') else {
                return Sample {
                    name: series.to_owned(),
                    labels: BTreeMap::new(),
                    value,
                };
            };
            let labels = labels.strip_suffix('}').unwrap();
            Sample {
                name: name.to_owned(),
                labels: parse_labels(labels),
                value,
            }
        })
        .collect()
}

/// `a="x",b="y"`, where values may hold braces and commas but no quotes.
fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").unwrap();
        let (value, after) = after.split_once('"').unwrap();
        labels.insert(key.to_owned(), value.to_owned());
        rest = after.strip_prefix(',').unwrap_or(after);
    }
    labels
}

/// The value of `name` with at least these labels, summed over the rest.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .collect();
    (!matching.is_empty()).then(|| matching.iter().sum())
}

async fn scrape(app: &TestApp) -> (reqwest::StatusCode, String, String) {
    let address = app.metrics_address.as_ref().unwrap();
    let response = app
        .client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// Reads John's profile by name and scrapes, until `ready` holds (the
/// samplers tick every second), or fails showing the last scrape. The read
/// is repeated each round: one made while the read model was not trusted
/// (its feed held back by a long transaction anywhere in the cluster) went
/// to PostgreSQL and is no hit.
async fn scrape_until(app: &TestApp, ready: impl Fn(&[Sample]) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
        assert_eq!(status, 200);
        let (_, _, text) = scrape(app).await;
        if ready(&parse(&text)) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "the scrape never showed everything:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

const PROFILE_BY_NAME: &str = "/api/v1/users/profile/username/{username}";

#[tokio::test]
async fn after_some_load_the_metrics_listener_shows_every_family_with_bounded_labels() {
    // The only app of this binary with both metrics and a read model: the
    // read model's gauges are its own.
    let app = TestApp::spawn_with_metrics(true).await;
    // A profile by name twice (a miss, then a hit in the read model), one by
    // id, a signed-in read, a search, and a path no route matches that
    // carries a user's name.
    for _ in 0..3 {
        let (status, _) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
        assert_eq!(status, 200);
    }
    let (status, _) = send(app.get(&format!("/api/v1/users/profile/{JOHN}"))).await;
    assert_eq!(status, 200);
    let (status, _) = send(
        app.get("/api/v1/users/me")
            .bearer_auth(app.token(FAN_ACCEPTED)),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        app.get("/api/v2/users/search?query=jo")
            .bearer_auth(app.token(FAN_ACCEPTED)),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(app.get("/api/v1/users/johndoe123/nothing/here")).await;
    assert_eq!(status, 404);

    let text = scrape_until(&app, |samples| {
        let at_least = |name: &str, labels: &[(&str, &str)], least: f64| {
            value(samples, name, labels).is_some_and(|v| v >= least)
        };
        at_least(
            "allmine_http_requests_total",
            &[
                ("route", PROFILE_BY_NAME),
                ("method", "GET"),
                ("status", "200"),
            ],
            3.0,
        ) && at_least(
            "allmine_read_model_lookups_total",
            &[("result", "hit")],
            1.0,
        ) && at_least(
            "allmine_read_model_lookups_total",
            &[("result", "miss")],
            1.0,
        ) && at_least("allmine_read_model_entries", &[], 1.0)
            && at_least("allmine_read_model_bytes", &[], 1.0)
            && at_least("allmine_read_model_trusted", &[], 1.0)
            && at_least(
                "allmine_db_pool_acquire_seconds_count",
                &[("pool", "primary")],
                1.0,
            )
            && at_least(
                "allmine_db_pool_acquire_seconds_count",
                &[("pool", "change_feed")],
                1.0,
            )
            && value(samples, "allmine_change_feed_lag_rows", &[]).is_some()
            && value(samples, "allmine_change_feed_lag_seconds", &[]).is_some_and(|s| s < 1.0)
            && value(samples, "allmine_search_index_lag_rows", &[]).is_some()
    })
    .await;
    let samples = parse(&text);
    let at = |name: &str, labels: &[(&str, &str)]| {
        value(&samples, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?}:\n{text}"))
    };

    // Requests: counted by template, method and status; timed in the
    // budgets' buckets.
    assert!(
        at(
            "allmine_http_requests_total",
            &[("route", "/api/v1/users/profile/{id}")]
        ) >= 1.0
    );
    assert!(
        at(
            "allmine_http_requests_total",
            &[("route", "unmatched"), ("method", "GET"), ("status", "404")]
        ) >= 1.0
    );
    let profile = [("route", PROFILE_BY_NAME), ("method", "GET")];
    assert!(at("allmine_http_request_duration_seconds_count", &profile) >= 3.0);
    assert!(at("allmine_http_request_duration_seconds_sum", &profile) > 0.0);
    let within_20ms = [
        ("route", PROFILE_BY_NAME),
        ("method", "GET"),
        ("le", "0.02"),
    ];
    assert!(
        value(
            &samples,
            "allmine_http_request_duration_seconds_bucket",
            &within_20ms
        )
        .is_some()
    );

    // Pools: the requests' and the read model's feed, sized and probed.
    for pool in ["primary", "change_feed"] {
        let max = at("allmine_db_pool_max_connections", &[("pool", pool)]);
        assert!(max >= 1.0, "{pool}: {max}");
        let idle = at(
            "allmine_db_pool_connections",
            &[("pool", pool), ("state", "idle")],
        );
        let in_use = at(
            "allmine_db_pool_connections",
            &[("pool", pool), ("state", "in_use")],
        );
        assert!(idle + in_use <= max, "{pool}: {idle} + {in_use} > {max}");
    }
    assert!(at("allmine_db_pool_connections", &[("pool", "primary")]) >= 1.0);

    // The read model, and how far it and the search index are behind.
    assert!(at("allmine_read_model_bytes", &[]) > 0.0);
    assert!(at("allmine_change_feed_lag_seconds", &[]) < 1.0);
    assert!(at("allmine_search_index_lag_seconds", &[]) >= 0.0);

    // Bounded labels: routes are templates, and no name or id leaks.
    for sample in &samples {
        if let Some(route) = sample.labels.get("route") {
            assert!(
                route == "unmatched" || route.starts_with('/'),
                "route label {route:?}"
            );
        }
    }
    for secret in ["johndoe123", JOHN, FAN_ACCEPTED, "nothing/here"] {
        assert!(!text.contains(secret), "{secret} is in the scrape:\n{text}");
    }
}

#[tokio::test]
async fn the_metrics_listener_speaks_the_text_format_and_serves_only_metrics() {
    let app = TestApp::spawn_with_metrics(false).await;
    let (status, content_type, text) = scrape(&app).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert!(text.contains("# TYPE "), "{text}");
    let elsewhere = app
        .client
        .get(format!("{}/", app.metrics_address.as_ref().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
}

#[tokio::test]
async fn the_api_port_does_not_serve_metrics() {
    let app = TestApp::spawn_with_metrics(false).await;
    let (status, body) = send(app.get("/metrics")).await;
    assert_error(status, &body, 404, "NOT_FOUND");
}
