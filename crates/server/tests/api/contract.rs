//! The demo fixture answers exactly what the published docs show.

use serde_json::Value;

use crate::helpers::{JOHN, TestApp, assert_ok, send};

/// A docs page's 200 example, as committed under `tests/fixtures/api-docs/`
/// (`.ci/docs-fixtures` extracts them from the published docs and CI checks
/// that they have not drifted).
fn docs_success_example(fixture: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/api-docs/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let example: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(example["statusCode"], 200, "picked the wrong example");
    example
}

fn without_timestamp(mut envelope: Value) -> Value {
    envelope.as_object_mut().unwrap().remove("timestamp");
    envelope
}

#[tokio::test]
async fn profile_by_username_equals_the_docs_example_field_for_field() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get("/api/v1/users/profile/username/johndoe123")).await;
    assert_ok(status, &body);
    let expected = docs_success_example("profile-by-username.json");
    assert_eq!(without_timestamp(body), without_timestamp(expected));
}

#[tokio::test]
async fn profile_by_id_equals_the_docs_example_field_for_field() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get(&format!("/api/v1/users/profile/{JOHN}"))).await;
    assert_ok(status, &body);
    let expected = docs_success_example("profile-by-id.json");
    assert_eq!(without_timestamp(body), without_timestamp(expected));
}

#[tokio::test]
async fn stats_have_the_docs_shape() {
    let app = TestApp::spawn().await;
    let token = app.token(JOHN);
    let (status, body) = send(
        app.get(&format!("/api/v1/users/{JOHN}/stats"))
            .bearer_auth(token),
    )
    .await;
    let data = assert_ok(status, &body);
    let expected = docs_success_example("stats.json");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&data), keys(&expected["data"]));
    assert_eq!(keys(&body), keys(&expected));
}
