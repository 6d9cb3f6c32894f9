//! The demo fixture answers exactly what the published docs show.

use serde_json::Value;

use crate::helpers::{JOHN, TestApp, assert_ok, send};

/// The first JSON object after the curl line of a docs page: its 200 example.
fn docs_success_example(page: &str) -> Value {
    let path = format!(
        "{}/../../../shared/api-docs/{page}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let curl = text.find("curl -X GET").unwrap();
    let start = curl + text[curl..].find('{').unwrap();
    let example: Value = serde_json::Deserializer::from_str(&text[start..])
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
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
    let expected = docs_success_example("000_3c31a4486810f68a.txt");
    assert_eq!(without_timestamp(body), without_timestamp(expected));
}

#[tokio::test]
async fn profile_by_id_equals_the_docs_example_field_for_field() {
    let app = TestApp::spawn().await;
    let (status, body) = send(app.get(&format!("/api/v1/users/profile/{JOHN}"))).await;
    assert_ok(status, &body);
    let expected = docs_success_example("001_8eae9e2883406c32.txt");
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
    let expected = docs_success_example("004_e6df4bf7500102b0.txt");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&data), keys(&expected["data"]));
    assert_eq!(keys(&body), keys(&expected));
}
