//! The public contract is reviewed like code: the OpenAPI document the server
//! serves must equal the committed `tests/fixtures/openapi.json`, so every
//! change to it shows in a diff. After a deliberate change, rewrite the file
//! with `UPDATE_OPENAPI_SNAPSHOT=1 cargo test -p allmine-server --test api openapi`
//! and review `git diff`.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{JOHN, TestApp, assert_error, assert_ok, send};

/// Lines of context shown around the first difference.
const CONTEXT: usize = 6;

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi.json")
}

#[tokio::test]
async fn the_served_openapi_document_equals_the_committed_snapshot() {
    let app = TestApp::spawn().await;
    let (status, doc) = send(app.get("/api-docs/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    let served = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = snapshot_path();
    if std::env::var_os("UPDATE_OPENAPI_SNAPSHOT").is_some_and(|v| v == "1") {
        std::fs::write(&path, &served).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}; create it with UPDATE_OPENAPI_SNAPSHOT=1",
            path.display()
        )
    });
    if committed != served {
        panic!(
            "the served OpenAPI document differs from {}:\n{}\n\
             If the change is intended, rerun with UPDATE_OPENAPI_SNAPSHOT=1 and review `git diff`.",
            path.display(),
            first_difference(&committed, &served)
        );
    }
}

/// The first line that differs, with a few lines of context, `-` committed and
/// `+` served.
fn first_difference(committed: &str, served: &str) -> String {
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = served.lines().collect();
    let at = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    let from = at.saturating_sub(CONTEXT);
    let mut out = format!("first difference at line {}:\n", at + 1);
    for line in &old[from..at] {
        out.push_str(&format!("  {line}\n"));
    }
    for line in old.iter().skip(at).take(CONTEXT) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in new.iter().skip(at).take(CONTEXT) {
        out.push_str(&format!("+ {line}\n"));
    }
    out
}

/// The schema a `$ref` of the served document points to.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn each_paged_endpoint_states_its_own_limit_bounds_and_the_server_keeps_them() {
    let app = TestApp::spawn().await;
    let token = app.token(JOHN);
    let (_, doc) = send(app.get("/api-docs/openapi.json")).await;
    for (path, expected) in [
        ("/api/v2/users/search", 50),
        ("/api/v1/users/me/transactions", 100),
        ("/api/v1/users/me/transactions/grouped", 100),
    ] {
        let operation = &doc["paths"][path]["get"];
        let parameter = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap();
        let answer = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        let page_limit = &resolve(&doc, answer)["properties"]["data"]["properties"]["limit"];
        let page_name = answer["$ref"].as_str().unwrap().replace("Envelope_", "");
        let page_ref = json!({ "$ref": page_name });
        let page = &resolve(&doc, &page_ref)["properties"]["limit"];
        for stated in [&parameter["schema"], page_limit, page] {
            assert_eq!(stated["minimum"], 1, "{path}: {stated}");
            assert_eq!(stated["maximum"], expected, "{path}: {stated}");
        }

        let get = |limit: u32| {
            app.get(&format!("{path}?limit={limit}"))
                .bearer_auth(&token)
        };
        let (status, body) = send(get(expected)).await;
        assert_eq!(assert_ok(status, &body)["limit"], expected, "{path}");
        let (status, body) = send(get(expected + 1)).await;
        let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
        assert_eq!(
            messages[1],
            format!("limit: must be from 1 to {expected}"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn interests_are_declared_unique_and_a_repeated_interest_is_refused() {
    let app = TestApp::spawn().await;
    let (_, doc) = send(app.get("/api-docs/openapi.json")).await;
    let schemas = &doc["components"]["schemas"];
    for schema in ["ProfileUpdateBody", "PublicProfile"] {
        assert_eq!(
            schemas[schema]["properties"]["interests"]["uniqueItems"], true,
            "{schema}"
        );
    }
    let (status, body) = send(
        app.patch("/api/v1/users/me")
            .bearer_auth(app.token(JOHN))
            .json(&json!({"interests": ["music", "Music"]})),
    )
    .await;
    let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
    assert!(messages[1].starts_with("interests: "), "{messages:?}");
}
