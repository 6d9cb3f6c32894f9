//! The response envelope every answer is wrapped in, and the page every list
//! answers with.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use allmine_domain::paging::Page;

use crate::context::render_instant;
use crate::error_code::ErrorCode;

/// A successful answer: `{isSuccess, statusCode, data, errors, timestamp}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// Always `true` here.
    #[schema(example = true)]
    pub is_success: bool,
    /// The HTTP status, repeated.
    #[schema(example = 200)]
    pub status_code: u16,
    /// The payload.
    pub data: T,
    /// Always empty on success.
    #[schema(value_type = Vec<String>, example = json!([]))]
    pub errors: [&'static str; 0],
    /// When the answer was made, UTC, millisecond precision.
    #[schema(example = "2026-05-22T16:11:26.806Z")]
    pub timestamp: String,
}

/// A failed answer: `data` is null, `errors` holds the docs' message first and
/// specific reasons after it, and `code` is stable across languages.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    /// Always `false`.
    #[schema(example = false)]
    pub is_success: bool,
    /// The HTTP status, repeated.
    #[schema(example = 400)]
    pub status_code: u16,
    /// Always null.
    #[schema(value_type = Option<Object>, example = json!(null))]
    pub data: (),
    /// The docs' message, then more specific ones, in the request's language.
    #[schema(example = json!(["Validation failed"]))]
    pub errors: Vec<String>,
    /// Machine-readable, the same in every language.
    pub code: ErrorCode,
    /// When the answer was made, UTC, millisecond precision.
    #[schema(example = "2026-01-15T10:30:00.000Z")]
    pub timestamp: String,
}

/// A page of items.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Paged<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// The page number, from 1.
    #[schema(example = 1, minimum = 1)]
    pub page: u32,
    /// The page size.
    #[schema(example = 20, minimum = 1, maximum = 100)]
    pub limit: u32,
    /// All matching items.
    #[schema(example = 57, minimum = 0)]
    pub total: u64,
    /// Pages in all.
    #[schema(example = 3, minimum = 0)]
    pub total_pages: u64,
    /// Whether a later page has items.
    #[schema(example = true)]
    pub has_next: bool,
}

impl<T> Paged<T> {
    /// The page, each item converted by `convert`.
    pub fn new<U>(page: &Page<U>, convert: impl Fn(&U) -> T) -> Self {
        Self {
            items: page.items.iter().map(convert).collect(),
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            total_pages: page.total_pages(),
            has_next: page.has_next(),
        }
    }
}

/// Now, in the envelope's timestamp format.
pub fn timestamp() -> String {
    render_instant(OffsetDateTime::now_utc())
}

/// The envelope of a 200 answer carrying `data`, stamped now.
pub fn success<T: Serialize>(data: T) -> Envelope<T> {
    Envelope {
        is_success: true,
        status_code: StatusCode::OK.as_u16(),
        data,
        errors: [],
        timestamp: timestamp(),
    }
}

/// A 200 answer carrying `data`.
pub fn ok<T: Serialize>(data: T) -> HttpResponse {
    HttpResponse::Ok().json(success(data))
}

/// An error answer with these messages.
pub fn error(code: ErrorCode, errors: Vec<String>) -> HttpResponse {
    let status = code.status();
    HttpResponse::build(status).json(ErrorEnvelope {
        is_success: false,
        status_code: status.as_u16(),
        data: (),
        errors,
        code,
        timestamp: timestamp(),
    })
}
