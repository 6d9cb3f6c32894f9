//! Request bodies: the JSON-object extractor every body-reading route uses,
//! and the framework's JSON settings, answering each failure in the envelope.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::JsonPayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde_json::{Map, Value};

use crate::error::{ApiError, Detail, ErrorCode};
use crate::strict_json;

/// Largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A JSON object body of at most [`MAX_BODY_BYTES`]. An empty body reads
/// as `{}`; a non-empty one must be `application/json`, and is read by
/// [`strict_json`]: UTF-8, nested at most 32 levels, no key twice, no number
/// too large to read.
#[derive(Debug, Clone, Default)]
pub struct JsonObject(pub Map<String, Value>);

impl FromRequest for JsonObject {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let essence = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json"
                    || (essence.starts_with("application/") && essence.ends_with("+json"))
            });
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|error| {
                if error.as_response_error().status_code().as_u16() == 413 {
                    ApiError::new(ErrorCode::PayloadTooLarge)
                } else {
                    ApiError::validation(Detail::MalformedBody(error.to_string()))
                }
            })?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Self::default());
            }
            if !is_json {
                return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
            }
            match strict_json::parse(&bytes) {
                Ok(Value::Object(object)) => Ok(Self(object)),
                Ok(_) => Err(ApiError::validation(Detail::NotAnObject)),
                Err(problem) => Err(ApiError::validation(Detail::Json(problem))),
            }
        })
    }
}

/// JSON bodies: at most [`MAX_BODY_BYTES`], `application/json` only, and every
/// failure as the envelope naming what is wrong.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(json_error)
}

fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge)
        }
        JsonPayloadError::ContentType => ApiError::new(ErrorCode::UnsupportedMediaType),
        JsonPayloadError::Deserialize(inner) => {
            ApiError::validation(Detail::MalformedBody(inner.to_string()))
        }
        other => ApiError::validation(Detail::MalformedBody(other.to_string())),
    };
    api_error.into()
}
