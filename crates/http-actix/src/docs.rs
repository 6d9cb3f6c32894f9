//! The pieces of the OpenAPI document that routes share: the error responses
//! several operations answer with (each declared once here), the examples'
//! common shapes, and (from [`crate::context`]) the headers every endpoint
//! accepts.

use serde_json::{Value, json};
use utoipa::IntoResponses;

use crate::envelope::ErrorEnvelope;

pub use crate::context::StandardHeaders;

/// 401 on an operation that needs a token.
#[derive(Debug, IntoResponses)]
#[response(status = 401, description = "No token, or an invalid or expired one, or an inactive account",
    example = json!(error_example(401, &["Authentication required"], "AUTHENTICATION_REQUIRED")))]
pub struct Unauthenticated(pub ErrorEnvelope);

/// 429 on a rate-limited operation, with the headers that pace the client.
#[derive(Debug, IntoResponses)]
#[response(status = 429, description = "Too many requests: wait `Retry-After` seconds",
    headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Limit" = u32, description = "Requests allowed per minute"), ("RateLimit-Remaining" = u32, description = "Requests left now"), ("RateLimit-Reset" = u64, description = "Seconds until the allowance is full again")),
    example = json!(error_example(429, &["Too many requests", "Try again in 12 seconds"], "RATE_LIMITED")))]
pub struct RateLimited(pub ErrorEnvelope);

/// 503 on an operation that reads the database.
#[derive(Debug, IntoResponses)]
#[response(status = 503, description = "The database is unavailable; retry later",
    example = json!(error_example(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE")))]
pub struct ServiceUnavailable(pub ErrorEnvelope);

/// 413 and 415 on an operation that reads a JSON body.
#[derive(Debug, IntoResponses)]
pub enum BodyRefused {
    /// The body is larger than 16 KiB.
    #[response(status = 413, description = "The body is larger than 16 KiB",
        example = json!(error_example(413, &["Request body is too large"], "PAYLOAD_TOO_LARGE")))]
    TooLarge(ErrorEnvelope),
    /// The body is not JSON.
    #[response(status = 415, description = "The body is not application/json",
        example = json!(error_example(415, &["Unsupported media type"], "UNSUPPORTED_MEDIA_TYPE")))]
    NotJson(ErrorEnvelope),
}

/// A success envelope around `data`, as examples show it.
pub fn success_example(data: Value) -> Value {
    json!({
        "isSuccess": true,
        "statusCode": 200,
        "data": data,
        "errors": [],
        "timestamp": "2026-05-22T16:11:26.806Z"
    })
}

/// An error envelope, as examples show it.
pub fn error_example(status: u16, errors: &[&str], code: &str) -> Value {
    json!({
        "isSuccess": false,
        "statusCode": status,
        "data": null,
        "errors": errors,
        "code": code,
        "timestamp": "2026-01-15T10:30:00.000Z"
    })
}
