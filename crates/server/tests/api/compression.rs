//! Compression: answers of 1 KiB or more are compressed in the coding the
//! client asks for; small answers, errors without a body worth it and
//! answers to clients that do not ask are sent plain.

use std::io::Read;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, HeaderMap};
use serde_json::Value;

use crate::helpers::*;

fn encoding(headers: &HeaderMap) -> Option<&str> {
    headers.get(CONTENT_ENCODING).and_then(|v| v.to_str().ok())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

/// The status, headers and raw (still encoded) body of a GET.
async fn raw(request: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_large_answer_is_gzipped_when_asked_and_decodes_to_the_same_json() {
    let app = TestApp::spawn().await;
    let (status, plain_headers, plain) = raw(app.get("/api-docs/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&plain_headers), None, "not asked, not compressed");
    assert!(plain.len() > 1024);

    let (status, headers, gzipped) = raw(app
        .get("/api-docs/openapi.json")
        .header(ACCEPT_ENCODING, "gzip"))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), Some("gzip"));
    assert!(headers.get_all("vary").iter().any(|v| {
        v.to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    }));
    assert!(
        gzipped.len() < plain.len() / 3,
        "{} of {}",
        gzipped.len(),
        plain.len()
    );
    let decoded: Value = serde_json::from_slice(&gunzip(&gzipped)).unwrap();
    assert_eq!(decoded, serde_json::from_slice::<Value>(&plain).unwrap());
}

#[tokio::test]
async fn a_search_page_is_compressed_with_brotli_when_the_client_prefers_it() {
    let app = TestApp::spawn().await;
    let search = || {
        app.get("/api/v2/users/search?query=demo_fan&limit=50")
            .bearer_auth(app.token(JOHN))
    };
    let (status, _, plain) = raw(search()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        plain.len() >= 1024,
        "the demo's first page is {} bytes",
        plain.len()
    );
    let plain: Value = serde_json::from_slice(&plain).unwrap();

    let (status, headers, encoded) =
        raw(search().header(ACCEPT_ENCODING, "gzip, deflate, br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), Some("br"));
    let decoded: Value = serde_json::from_slice(&unbrotli(&encoded)).unwrap();
    // The envelope's timestamp differs from one answer to the next.
    assert_eq!(decoded["data"], plain["data"]);

    let (_, headers, gzipped) = raw(search().header(ACCEPT_ENCODING, "gzip")).await;
    assert_eq!(encoding(&headers), Some("gzip"));
    let decoded: Value = serde_json::from_slice(&gunzip(&gzipped)).unwrap();
    assert_eq!(decoded["data"], plain["data"]);
}

#[tokio::test]
async fn small_answers_and_errors_are_sent_plain_even_when_compression_is_asked() {
    let app = TestApp::spawn().await;
    let requests = [
        ("/health/live", 200),
        ("/api/v1/users/profile/username/johndoe123", 200),
        ("/api/v1/nowhere", 404),
        ("/api/v1/users/me", 401),
    ];
    for (path, expected) in requests {
        let (status, headers, body) = raw(app.get(path).header(ACCEPT_ENCODING, "br, gzip")).await;
        assert_eq!(status.as_u16(), expected, "{path}");
        assert!(body.len() < 1024, "{path}: {} bytes", body.len());
        assert_eq!(encoding(&headers), None, "{path}");
        serde_json::from_slice::<Value>(&body).unwrap();
    }
}

#[tokio::test]
async fn a_client_that_refuses_every_coding_gets_the_plain_answer_not_406() {
    let app = TestApp::spawn().await;
    let (status, headers, body) = raw(app
        .get("/api-docs/openapi.json")
        .header(ACCEPT_ENCODING, "identity;q=0, zstd"))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), None);
    serde_json::from_slice::<Value>(&body).unwrap();
}
