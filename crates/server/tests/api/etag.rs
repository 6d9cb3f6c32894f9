//! Entity tags on the profile reads, the stats and `GET /me`: a weak `ETag`
//! naming the data, 304 with no body for a held tag, the cache headers, and
//! never a 304 for an answer that is not a 200.

use reqwest::header::{ACCEPT_ENCODING, HeaderMap, IF_NONE_MATCH, ORIGIN};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};

use allmine_http::RateLimitSettings;

use crate::helpers::*;

/// A tagged read: its path and, if signed in, whose token it carries.
struct Read {
    path: String,
    caller: Option<&'static str>,
}

impl Read {
    fn new(path: impl Into<String>, caller: Option<&'static str>) -> Self {
        Self {
            path: path.into(),
            caller,
        }
    }

    fn request(&self, app: &TestApp) -> RequestBuilder {
        let request = app.get(&self.path);
        match self.caller {
            Some(id) => request.bearer_auth(app.token(id)),
            None => request,
        }
    }
}

/// John's four tagged reads, signed in as John, and an anonymous one.
fn johns_reads() -> [Read; 5] {
    [
        Read::new(format!("/api/v1/users/profile/{JOHN}"), Some(JOHN)),
        Read::new("/api/v1/users/profile/username/johndoe123", Some(JOHN)),
        Read::new(format!("/api/v1/users/{JOHN}/stats"), Some(JOHN)),
        Read::new("/api/v1/users/me", Some(JOHN)),
        Read::new(format!("/api/v1/users/profile/{JOHN}"), None),
    ]
}

/// Status, headers and the raw body.
async fn fetch(request: RequestBuilder) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The comma-separated values of a header over all its lines, lower-cased.
fn list(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|item| item.trim().to_ascii_lowercase())
        .collect()
}

/// A 200 in the envelope with a weak tag; returns the tag and `data`.
async fn tagged(request: RequestBuilder) -> (String, Value) {
    let (status, headers, body) = fetch(request).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    let data = assert_ok(status, &body);
    let tag = header(&headers, "etag")
        .unwrap_or_else(|| panic!("no ETag: {headers:?}"))
        .to_owned();
    assert!(
        tag.starts_with("W/\"") && tag.ends_with('"') && tag.len() == 4 + 32,
        "{tag}"
    );
    (tag, data)
}

/// The answer to `request` with `If-None-Match: held` is a 304 with no body
/// that repeats `tag` and the cache headers; returns its headers.
async fn assert_not_modified(request: RequestBuilder, held: &str, tag: &str) -> HeaderMap {
    let (status, headers, body) = fetch(request.header(IF_NONE_MATCH, held)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED, "{held}: {headers:?}");
    assert!(
        body.is_empty(),
        "{held}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(header(&headers, "etag"), Some(tag), "{held}");
    assert!(header(&headers, "cache-control").is_some(), "{held}");
    assert!(list(&headers, "vary").contains(&"authorization".to_owned()));
    assert!(header(&headers, "content-type").is_none(), "{headers:?}");
    assert!(
        header(&headers, "content-encoding").is_none(),
        "{headers:?}"
    );
    assert!(header(&headers, "x-request-id").is_some(), "{headers:?}");
    headers
}

#[tokio::test]
async fn the_same_data_read_twice_has_the_same_weak_tag_on_every_tagged_read() {
    let app = TestApp::spawn().await;
    for read in johns_reads() {
        let (first, data) = tagged(read.request(&app)).await;
        let (second, again) = tagged(read.request(&app)).await;
        assert_eq!(first, second, "{}", read.path);
        assert_eq!(data, again, "{}", read.path);
    }
}

#[tokio::test]
async fn signed_in_answers_are_private_no_cache_and_anonymous_ones_no_cache() {
    let app = TestApp::spawn().await;
    for read in johns_reads() {
        let (status, headers, _) = fetch(read.request(&app)).await;
        assert_eq!(status, StatusCode::OK, "{}", read.path);
        let expected = match read.caller {
            Some(_) => "private, no-cache",
            None => "no-cache",
        };
        assert_eq!(
            header(&headers, "cache-control"),
            Some(expected),
            "{}",
            read.path
        );
        let mut vary = vec!["authorization".to_owned()];
        if read.path.ends_with("/me") {
            vary.push("x-timezone".to_owned());
        }
        assert_eq!(list(&headers, "vary"), vary, "{}", read.path);
    }
}

#[tokio::test]
async fn a_held_tag_is_304_with_no_body_and_the_same_headers_even_when_gzip_is_accepted() {
    let app = TestApp::spawn().await;
    for read in johns_reads() {
        let (status, ok_headers, _) = fetch(read.request(&app)).await;
        assert_eq!(status, StatusCode::OK);
        let tag = header(&ok_headers, "etag").unwrap().to_owned();
        let request = read.request(&app).header(ACCEPT_ENCODING, "gzip, br");
        let headers = assert_not_modified(request, &tag, &tag).await;
        for name in ["cache-control", "vary"] {
            assert_eq!(
                list(&headers, name),
                list(&ok_headers, name),
                "{name} of {}",
                read.path
            );
        }
    }
}

#[tokio::test]
async fn if_none_match_compares_weakly_and_takes_a_list_or_any() {
    let app = TestApp::spawn().await;
    let read = Read::new(format!("/api/v1/users/{JOHN}/stats"), Some(FAN_PENDING));
    let (tag, _) = tagged(read.request(&app)).await;
    let strong = tag.trim_start_matches("W/");
    for held in [
        tag.clone(),
        strong.to_owned(),
        format!("\"elsewhere\", {tag}, W/\"older\""),
        format!("W/\"older\",{strong}"),
        "*".to_owned(),
    ] {
        assert_not_modified(read.request(&app), &held, &tag).await;
    }
    for held in [
        "W/\"00000000000000000000000000000000\"",
        "\"elsewhere\", W/\"older\"",
        strong.trim_matches('"'),
        "not a tag at all",
    ] {
        let (again, data) = tagged(read.request(&app).header(IF_NONE_MATCH, held)).await;
        assert_eq!(again, tag, "{held}");
        assert_eq!(
            data,
            json!({"followers": 128, "following": 256, "totalLiveStreams": 12})
        );
    }
}

#[tokio::test]
async fn a_follow_made_in_sql_gives_the_stats_and_the_profile_new_tags() {
    let app = TestApp::spawn().await;
    let stats = Read::new(format!("/api/v1/users/{JOHN}/stats"), Some(CARL_BLOCKED));
    let profile = Read::new(format!("/api/v1/users/profile/{JOHN}"), None);
    let (stats_before, _) = tagged(stats.request(&app)).await;
    let (profile_before, _) = tagged(profile.request(&app)).await;

    app.sql("INSERT INTO follows (follower_id, followee_id, status) VALUES (decode('507f1f77bcf86cd799439032', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'accepted')")
        .await;

    let (stats_after, data) =
        tagged(stats.request(&app).header(IF_NONE_MATCH, &stats_before)).await;
    assert_eq!(data["followers"], 129);
    assert_ne!(stats_after, stats_before);
    let (profile_after, data) =
        tagged(profile.request(&app).header(IF_NONE_MATCH, &profile_before)).await;
    assert_eq!(data["followersCount"], 129);
    assert_ne!(profile_after, profile_before);
    assert_not_modified(stats.request(&app), &stats_after, &stats_after).await;
}

#[tokio::test]
async fn a_name_changed_through_patch_me_gives_me_and_the_profile_new_tags() {
    let app = TestApp::spawn().await;
    let me = Read::new("/api/v1/users/me", Some(JOHN));
    let profile = Read::new(
        "/api/v1/users/profile/username/johndoe123",
        Some(FAN_PENDING),
    );
    let (me_before, _) = tagged(me.request(&app)).await;
    let (profile_before, _) = tagged(profile.request(&app)).await;

    let (status, body) = send(
        app.patch("/api/v1/users/me")
            .bearer_auth(app.token(JOHN))
            .json(&json!({"name": "Johnny"})),
    )
    .await;
    assert_eq!(assert_ok(status, &body)["name"], "Johnny");

    let (me_after, data) = tagged(me.request(&app).header(IF_NONE_MATCH, &me_before)).await;
    assert_eq!(data["name"], "Johnny");
    assert_ne!(me_after, me_before);
    let (profile_after, data) =
        tagged(profile.request(&app).header(IF_NONE_MATCH, &profile_before)).await;
    assert_eq!(data["name"], "Johnny");
    assert_ne!(profile_after, profile_before);
}

#[tokio::test]
async fn me_in_another_time_zone_has_another_tag_when_it_shows_an_instant() {
    let app = TestApp::spawn().await;
    let me = Read::new("/api/v1/users/me", Some(JOHN));
    let (status, body) = send(
        app.patch("/api/v1/users/username")
            .bearer_auth(app.token(JOHN))
            .json(&json!({"newUsername": "john_renamed"})),
    )
    .await;
    assert_ok(status, &body);

    let (utc, data) = tagged(me.request(&app)).await;
    assert!(data["nextUsernameChangeAllowedAt"].is_string(), "{data}");
    let istanbul = || me.request(&app).header("X-Timezone", "UTC+03:00");
    let (local, data) = tagged(istanbul().header(IF_NONE_MATCH, &utc)).await;
    assert!(
        data["nextUsernameChangeAllowedAt"]
            .as_str()
            .unwrap()
            .ends_with("+03:00"),
        "{data}"
    );
    assert_ne!(local, utc);
    assert_not_modified(istanbul(), &local, &local).await;
}

#[tokio::test]
async fn a_followers_tag_of_a_private_profile_gets_other_viewers_the_refusal_not_304() {
    let app = TestApp::spawn().await;
    let profile = format!("/api/v1/users/profile/{JANE_PRIVATE}");
    let stats = format!("/api/v1/users/{JANE_PRIVATE}/stats");
    let (profile_tag, _) = tagged(Read::new(&profile, Some(FAN_ACCEPTED)).request(&app)).await;
    let (stats_tag, _) = tagged(Read::new(&stats, Some(FAN_ACCEPTED)).request(&app)).await;

    for (path, tag) in [(&profile, &profile_tag), (&stats, &stats_tag)] {
        for held in [tag.as_str(), "*"] {
            for viewer in [Some(FAN_PENDING), Some(CARL_BLOCKED), None] {
                let request = Read::new(path, viewer).request(&app);
                let (status, headers, body) = fetch(request.header(IF_NONE_MATCH, held)).await;
                assert!(header(&headers, "etag").is_none(), "{path} {viewer:?}");
                let body: Value = serde_json::from_slice(&body).unwrap();
                match (viewer, path == &stats) {
                    (None, true) => assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED"),
                    _ => assert_error(status, &body, 403, "PROFILE_PRIVATE"),
                };
            }
        }
    }
    // The follower's own cache still revalidates.
    let follower = Read::new(&profile, Some(FAN_ACCEPTED)).request(&app);
    assert_not_modified(follower, &profile_tag, &profile_tag).await;
}

#[tokio::test]
async fn errors_are_never_304_and_carry_no_tag() {
    let app = TestApp::spawn().await;
    let john = app.token(JOHN);
    let cases = [
        (
            app.get("/api/v1/users/profile/bbbbbbbbbbbbbbbbbbbbbbbb"),
            404,
            "NOT_FOUND",
        ),
        (
            app.get(&format!("/api/v1/users/profile/{GARY_DEACTIVATED}")),
            404,
            "NOT_FOUND",
        ),
        (
            app.get("/api/v1/users/profile/username/nobody_here"),
            404,
            "NOT_FOUND",
        ),
        (
            app.get("/api/v1/users/bbbbbbbbbbbbbbbbbbbbbbbb/stats")
                .bearer_auth(&john),
            404,
            "NOT_FOUND",
        ),
        (
            app.get("/api/v1/users/not-an-id/stats").bearer_auth(&john),
            400,
            "VALIDATION_FAILED",
        ),
        (app.get("/api/v1/users/me"), 401, "AUTHENTICATION_REQUIRED"),
        (
            app.get(&format!("/api/v1/users/profile/{BOB_BLOCKER}"))
                .bearer_auth(app.token(CARL_BLOCKED)),
            403,
            "PROFILE_UNAVAILABLE",
        ),
    ];
    for (request, expected, code) in cases {
        let (status, headers, body) = fetch(request.header(IF_NONE_MATCH, "*")).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_error(status, &body, expected, code);
        assert!(header(&headers, "etag").is_none(), "{headers:?}");
    }
}

#[tokio::test]
async fn an_anonymous_304_is_still_counted_against_the_read_limit() {
    let limits = RateLimitSettings {
        anonymous_profile_reads_per_minute: 2,
        ..TestApp::GENEROUS
    };
    let app = TestApp::spawn_with_limits(limits).await;
    let read = Read::new(format!("/api/v1/users/profile/{JOHN}"), None);
    let (tag, _) = tagged(read.request(&app)).await;
    let headers = assert_not_modified(read.request(&app), &tag, &tag).await;
    assert_eq!(header(&headers, "ratelimit-remaining"), Some("0"));
    let (status, headers, body) = fetch(read.request(&app).header(IF_NONE_MATCH, &tag)).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_error(status, &body, 429, "RATE_LIMITED");
    assert!(header(&headers, "etag").is_none());
}

#[tokio::test]
async fn a_listed_origins_page_reads_the_tag_of_a_304() {
    // (That its preflight may ask for If-None-Match: cors.rs.)
    let origin = "http://127.0.0.1:5173";
    let app = TestApp::spawn_with_cors(origin, TestApp::GENEROUS).await;
    let profile = format!("/api/v1/users/profile/{JOHN}");
    let read = || app.get(&profile).header(ORIGIN, origin);
    let (tag, _) = tagged(read()).await;
    let headers = assert_not_modified(read(), &tag, &tag).await;
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some(origin)
    );
    assert!(list(&headers, "access-control-expose-headers").contains(&"etag".to_owned()));
    let vary = list(&headers, "vary");
    for name in ["authorization", "origin"] {
        assert!(vary.contains(&name.to_owned()), "{vary:?}");
    }
}

#[tokio::test]
async fn the_document_shows_if_none_match_the_304_and_the_tag_headers_on_the_tagged_reads_only() {
    let app = TestApp::spawn().await;
    let (status, document) = send(app.get("/api-docs/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    let mut tagged = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            let takes_tags = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-None-Match"));
            assert_eq!(takes_tags, responses["304"].is_object(), "{method} {path}");
            if !takes_tags {
                assert!(responses["200"]["headers"]["ETag"].is_null(), "{path}");
                continue;
            }
            assert!(responses["304"]["content"].is_null(), "{path}: no body");
            for code in ["200", "304"] {
                for name in ["ETag", "Cache-Control", "Vary", "X-Request-Id"] {
                    let header = &responses[code]["headers"][name];
                    assert!(header.is_object(), "{path} {code} {name}");
                }
            }
            tagged.push(format!("{method} {path}"));
        }
    }
    tagged.sort();
    assert_eq!(
        tagged,
        [
            "get /api/v1/users/me",
            "get /api/v1/users/profile/username/{username}",
            "get /api/v1/users/profile/{id}",
            "get /api/v1/users/{id}/stats",
        ]
    );
}
