//! Property tests through the real server: random JSON bodies to the write
//! endpoints and random query strings to the search and the history. Whatever
//! comes in, the answer is never a 5xx (nor a dropped connection, which a
//! panic would cause) and always the envelope, with `isSuccess` and
//! `statusCode` telling the status.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::StatusCode;
use serde_json::{Map, Value};

use crate::helpers::*;

/// Cases per property: enough to meet every kind of value, few enough that the
/// suite stays fast.
const CASES: u32 = 128;

/// Keys the write endpoints know, plus ones they refuse by name.
const KEYS: &[&str] = &[
    "name",
    "surname",
    "bio",
    "interests",
    "expertise",
    "birthDate",
    "availabilityStatus",
    "minutePriceInLiveStream",
    "instagram",
    "snapchat",
    "x",
    "tiktok",
    "facebook",
    "isPrivate",
    "profilePhotoId",
    "username",
    "newUsername",
];

/// Query parameters the search and the history know, plus others.
const PARAMETERS: &[&str] = &[
    "query",
    "page",
    "limit",
    "type",
    "startDate",
    "endDate",
    "streamId",
    "cursor",
];

/// Text as hostile as it gets: any Unicode (NUL and other controls
/// included), SQL and LIKE metacharacters, look-alikes of valid values, and
/// now and then a string far longer than any field allows.
fn text() -> impl Strategy<Value = String> {
    text_up_to(20_000)
}

/// [`text`], its long strings at most `longest` characters (a URI stops at
/// 65,534 bytes, and `ş` takes six once percent-encoded).
fn text_up_to(longest: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[\\x00-\\x1f'\"%_;\\\\ a-z0-9.@/-]{0,40}",
        2 => prop::sample::select(vec![
            "johndoe123", "JohnDoe123", "admin", "a..b", ".ab", "ab", "available",
            "1998-05-27", "2026-02-30", "507f1f77bcf86cd799439012", "https://instagram.com/x",
            "purchase,gift_sent", "-1", "0", "99999999999999999999", "1e309", "", " ",
            "' OR '1'='1", "%", "_", "\u{0}", "\u{feff}", "\u{202e}",
            // A cursor of John's (the docs' example), and one of version 2.
            "AVB_H3e8-GzXmUOQEQAAAABqEG9wAAAAAGZQ8aLD1OX2p7jJzw",
            "AlB_H3e8-GzXmUOQEQAAAABqEG9wAAAAAGZQ8aLD1OX2p7jJzw",
        ])
        .prop_map(str::to_owned),
        1 => (1usize..longest).prop_map(|n| "ş".repeat(n)),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0i64..=100_001).prop_map(Value::from),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A body as raw bytes: mostly an object of known and unknown keys, else any
/// JSON value, a key given twice, a nesting bomb, a number no double holds,
/// or bytes that are not even UTF-8.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => text(),
    ];
    let object = prop::collection::btree_map(key, json(), 0..6)
        .prop_map(|map| Value::Object(map.into_iter().collect::<Map<_, _>>()).to_string());
    prop_oneof![
        8 => object.prop_map(String::into_bytes),
        2 => json().prop_map(|v| v.to_string().into_bytes()),
        1 => (prop::sample::select(KEYS), json(), json()).prop_map(|(k, a, b)| {
            format!("{{\"{k}\": {a}, \"{k}\": {b}}}").into_bytes()
        }),
        1 => (1usize..200).prop_map(|n| format!("{{\"bio\": {}{}}}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        1 => (prop::sample::select(KEYS), "-?[1-9][0-9]{0,3}e[0-9]{3,4}").prop_map(|(k, n)| {
            format!("{{\"{k}\": {n}}}").into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// A query string: known and unknown parameters, any values, percent-encoded
/// as a client would, and now and then escapes no client should send.
fn query_string() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        4 => prop::sample::select(PARAMETERS).prop_map(str::to_owned),
        1 => text_up_to(100),
    ];
    let value = prop_oneof![
        4 => text_up_to(2_000),
        2 => number().prop_map(|n| n.to_string()),
        1 => Just("%ff%fe%00".to_owned()),
        1 => Just("%zz%".to_owned()),
    ];
    prop::collection::vec((name, value), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(name, value)| {
                let encode = |s: &str| {
                    if s.starts_with('%') {
                        s.to_owned()
                    } else {
                        url_encode(s)
                    }
                };
                format!("{}={}", encode(&name), encode(&value))
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Fails unless the answer is the envelope, below 500, consistent with its status.
fn check_envelope(what: &str, status: StatusCode, text: &str) -> Result<(), TestCaseError> {
    let (what, shown) = (short(what), short(text));
    prop_assert!(status.as_u16() < 500, "{what}: {status} {shown}");
    let body: Value = serde_json::from_str(text)
        .map_err(|_| TestCaseError::fail(format!("{what}: not JSON ({status}): {shown}")))?;
    prop_assert_eq!(&body["statusCode"], status.as_u16(), "{}: {}", what, shown);
    prop_assert_eq!(
        &body["isSuccess"],
        status.is_success(),
        "{}: {}",
        what,
        shown
    );
    prop_assert!(body["timestamp"].is_string(), "{what}: {shown}");
    if status.is_success() {
        prop_assert_eq!(
            &body["errors"],
            &serde_json::json!([]),
            "{}: {}",
            what,
            shown
        );
    } else {
        prop_assert!(body["data"].is_null(), "{what}: {shown}");
        prop_assert!(body["code"].is_string(), "{what}: {shown}");
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        prop_assert!(!errors.is_empty(), "{what}: {shown}");
        prop_assert!(errors.iter().all(Value::is_string), "{what}: {shown}");
    }
    Ok(())
}

/// At most 300 characters of `text`, for failure messages.
fn short(text: &str) -> String {
    match text.char_indices().nth(300) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn random_bodies_to_the_write_endpoints_never_get_a_5xx() {
    let runtime = runtime();
    let app = runtime.block_on(TestApp::spawn());
    let token = app.token(JOHN);
    runner()
        .run(
            &(body(), prop::sample::select(vec!["en", "tr"])),
            |(body, language)| {
                runtime.block_on(async {
                    for (method, path) in [
                        (reqwest::Method::PATCH, "/api/v1/users/me"),
                        (reqwest::Method::POST, "/api/v1/users/check-username"),
                        (reqwest::Method::PATCH, "/api/v1/users/username"),
                    ] {
                        let response = app
                            .client
                            .request(method, format!("{}{path}", app.address))
                            .bearer_auth(&token)
                            .header("Content-Type", "application/json")
                            .header("X-Language", language)
                            .body(body.clone())
                            .send()
                            .await
                            .map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                        let status = response.status();
                        let text = response.text().await.unwrap_or_default();
                        check_envelope(path, status, &text)?;
                    }
                    Ok(())
                })
            },
        )
        .unwrap();
}

#[test]
fn random_query_strings_to_the_search_and_the_history_never_get_a_5xx() {
    let runtime = runtime();
    let app = runtime.block_on(TestApp::spawn());
    let token = app.token(JOHN);
    runner()
        .run(
            &(query_string(), prop::sample::select(vec!["en", "tr"])),
            |(query, language)| {
                runtime.block_on(async {
                    for path in [
                        "/api/v2/users/search",
                        "/api/v1/users/me/transactions",
                        "/api/v1/users/me/transactions/grouped",
                    ] {
                        let url = format!("{}{path}?{query}", app.address);
                        let response = app
                            .client
                            .get(&url)
                            .bearer_auth(&token)
                            .header("X-Language", language)
                            .send()
                            .await
                            .map_err(|e| TestCaseError::fail(format!("{}: {e}", short(&url))))?;
                        let status = response.status();
                        let text = response.text().await.unwrap_or_default();
                        check_envelope(&url, status, &text)?;
                    }
                    Ok(())
                })
            },
        )
        .unwrap();
}
