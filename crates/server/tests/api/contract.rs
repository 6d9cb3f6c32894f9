//! The demo fixture answers exactly what the published docs show.

use serde_json::Value;

use crate::helpers::{
    BOB_BLOCKER, CARL_BLOCKED, FAN_PENDING, JANE_PRIVATE, JOHN, TestApp, assert_error, assert_ok,
    send,
};

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

/// A docs page's 403 example, committed and checked like the 200s.
fn docs_forbidden_example(fixture: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/api-docs/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let example: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(example["statusCode"], 403, "picked the wrong example");
    example
}

/// An error envelope without what the docs' examples leave out or cannot
/// know: the time, and the stable `code` this API adds.
fn without_timestamp_and_code(mut envelope: Value) -> Value {
    let object = envelope.as_object_mut().unwrap();
    object.remove("timestamp");
    object.remove("code");
    envelope
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

#[tokio::test]
async fn a_private_profile_answers_the_docs_403_example_by_username_and_by_id() {
    let app = TestApp::spawn().await;
    for (path, fixture) in [
        (
            "/api/v1/users/profile/username/private_jane".to_owned(),
            "profile-by-username-403.json",
        ),
        (
            format!("/api/v1/users/profile/{JANE_PRIVATE}"),
            "profile-by-id-403.json",
        ),
    ] {
        let (status, body) = send(app.get(&path).bearer_auth(app.token(FAN_PENDING))).await;
        assert_error(status, &body, 403, "PROFILE_PRIVATE");
        assert_eq!(
            without_timestamp_and_code(body),
            without_timestamp_and_code(docs_forbidden_example(fixture)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_blocked_profile_answers_the_first_message_of_the_docs_403_example_alone() {
    let app = TestApp::spawn().await;
    let docs = docs_forbidden_example("profile-by-id-403.json");
    let (status, body) = send(
        app.get(&format!("/api/v1/users/profile/{BOB_BLOCKER}"))
            .bearer_auth(app.token(CARL_BLOCKED)),
    )
    .await;
    assert_eq!(
        assert_error(status, &body, 403, "PROFILE_UNAVAILABLE"),
        [docs["errors"][0].as_str().unwrap()]
    );
}

#[tokio::test]
async fn stats_refused_open_with_the_docs_403_message_in_the_docs_envelope() {
    let app = TestApp::spawn().await;
    let docs = docs_forbidden_example("stats-403.json");
    for (owner, viewer, code) in [
        (JANE_PRIVATE, JOHN, "PROFILE_PRIVATE"),
        (BOB_BLOCKER, CARL_BLOCKED, "PROFILE_UNAVAILABLE"),
    ] {
        let (status, body) = send(
            app.get(&format!("/api/v1/users/{owner}/stats"))
                .bearer_auth(app.token(viewer)),
        )
        .await;
        let messages = assert_error(status, &body, 403, code);
        assert_eq!(messages[0], docs["errors"][0], "{owner} seen by {viewer}");
        let mut expected = without_timestamp_and_code(docs.clone());
        expected["errors"] = body["errors"].clone();
        assert_eq!(without_timestamp_and_code(body), expected);
    }
}
