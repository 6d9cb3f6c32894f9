//! The actix-web inbound adapter of the Users API: routes, handlers, the
//! response envelope, error mapping, JWT authentication and the OpenAPI
//! document. It knows the domain, never the database.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod context;
pub mod dto;
pub mod envelope;
pub mod error;
pub mod handlers;
pub mod health;
pub mod i18n;
pub mod middleware;
pub mod openapi;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};

use allmine_domain::profiles::ProfileService;

pub use auth::{JwtIssuer, JwtSettings, JwtVerifier, VerificationKey};
pub use error::{ApiError, Detail, ErrorCode};
pub use health::{Readiness, SharedReadiness};
pub use middleware::envelope_middleware;
pub use openapi::ApiDoc;

/// Largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What the handlers need: the use cases and the token verifier.
#[derive(Debug)]
pub struct ApiState {
    /// The profile read path.
    pub profiles: ProfileService,
    /// Verifies bearer tokens.
    pub tokens: JwtVerifier,
}

/// Registers the API's routes, extractor settings and fallbacks.
///
/// The app must also be wrapped in [`envelope_middleware`] and given
/// `web::Data<ApiState>` and `web::Data<SharedReadiness>`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .app_data(json_config())
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .service(get("/api/v1/users/me", handlers::me))
        .service(get(
            "/api/v1/users/profile/username/{username}",
            handlers::profile_by_username,
        ))
        .service(get("/api/v1/users/profile/{id}", handlers::profile_by_id))
        .service(get("/api/v1/users/{id}/stats", handlers::stats))
        .service(get("/health/live", health::live))
        .service(get("/health/ready", health::ready))
        .default_service(web::to(handlers::not_found));
}

/// A GET resource that answers other methods with 405 in the envelope.
fn get<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler))
        .default_service(web::to(handlers::method_not_allowed))
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

fn path_error(error: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::validation(Detail::InvalidQuery(error.to_string())).into()
}

fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::validation(Detail::InvalidQuery(error.to_string())).into()
}
