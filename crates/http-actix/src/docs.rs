//! The pieces of the OpenAPI document that routes share: the headers every
//! endpoint accepts, the error responses several operations answer with
//! (each declared once here), and the examples' common shapes.

use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, IntoResponses, PartialSchema, ToSchema};

use crate::context::TIMEZONES;
use crate::envelope::ErrorEnvelope;

/// A UTC offset from the documented list; date-times in `data` are rendered in it.
#[derive(Debug)]
pub struct Timezone;

impl PartialSchema for Timezone {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(TIMEZONES.iter().copied()))
            .default(Some("UTC+00:00".into()))
            .into()
    }
}
impl ToSchema for Timezone {}

/// The headers every endpoint accepts. None is required, and none can be
/// null: an absent header takes its default.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct StandardHeaders {
    /// Language of the messages in `errors`: `tr` (any case) for Turkish;
    /// anything else, or no header, means English (`en`).
    #[param(rename = "X-Language", required = false, example = "tr")]
    x_language: String,
    /// Time zone (default: UTC). Date-times in `data` are rendered in it; a
    /// value outside the list is 400.
    #[param(rename = "X-Timezone", value_type = Timezone, required = false)]
    x_timezone: String,
    /// Platform, recorded in the logs (default: web): one of `web`,
    /// `mobile_ios`, `mobile_android`, `admin`, `api`, `unknown`, `all`; other
    /// values are recorded as given.
    #[param(rename = "X-Platform", required = false, example = "web")]
    x_platform: String,
    /// App version, recorded in the logs (optional).
    #[param(rename = "X-App-Version", required = false)]
    x_app_version: String,
    /// Device id, recorded in the logs (optional).
    #[param(rename = "X-Device-ID", required = false)]
    x_device_id: String,
}

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
