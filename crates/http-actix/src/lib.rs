//! The actix-web inbound adapter of the Users API: routes, handlers, the
//! response envelope, error mapping, JWT authentication and the OpenAPI
//! document. It knows the domain, never the database.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod body;
pub mod context;
pub mod dto;
pub mod envelope;
pub mod error;
pub mod handlers;
pub mod health;
pub mod i18n;
pub mod middleware;
pub mod openapi;
pub mod query;
pub mod rate_limit;
pub mod strict_json;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};

use allmine_domain::history::HistoryService;
use allmine_domain::profiles::ProfileService;
use allmine_domain::usernames::UsernameService;

pub use auth::{JwtIssuer, JwtSettings, JwtVerifier, VerificationKey};
pub use error::{ApiError, Detail, ErrorCode};
pub use health::{Readiness, SharedReadiness};
pub use middleware::envelope_middleware;
pub use openapi::ApiDoc;
pub use rate_limit::{RateLimitSettings, RateLimiters};

/// Largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What the handlers need: the use cases and the token verifier.
#[derive(Debug)]
pub struct ApiState {
    /// Profiles: reading and updating.
    pub profiles: ProfileService,
    /// Usernames: availability and change.
    pub usernames: UsernameService,
    /// The credit history.
    pub history: HistoryService,
    /// User search.
    pub search: allmine_domain::search::SearchService,
    /// Verifies bearer tokens.
    pub tokens: JwtVerifier,
    /// Abuse limits.
    pub limits: rate_limit::RateLimiters,
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
        .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
        .service(
            resource("/api/v1/users/me", "GET, PATCH")
                .route(web::get().to(handlers::me))
                .route(web::patch().to(handlers::update_me)),
        )
        .service(
            resource("/api/v1/users/me/transactions", "GET")
                .route(web::get().to(handlers::transactions)),
        )
        .service(
            resource("/api/v1/users/me/transactions/grouped", "GET")
                .route(web::get().to(handlers::transactions_grouped)),
        )
        .service(
            resource("/api/v1/users/check-username", "POST")
                .route(web::post().to(handlers::check_username)),
        )
        .service(
            resource("/api/v1/users/username", "PATCH")
                .route(web::patch().to(handlers::change_username)),
        )
        .service(
            resource("/api/v1/users/profile/username/{username}", "GET")
                .route(web::get().to(handlers::profile_by_username)),
        )
        .service(
            resource("/api/v1/users/profile/{id}", "GET")
                .route(web::get().to(handlers::profile_by_id)),
        )
        .service(resource("/api/v1/users/{id}/stats", "GET").route(web::get().to(handlers::stats)))
        .service(
            resource("/api/v2/users/search", "GET").route(web::get().to(handlers::search_users)),
        )
        .service(resource("/health/live", "GET").route(web::get().to(health::live)))
        .service(resource("/health/ready", "GET").route(web::get().to(health::ready)))
        .default_service(web::to(handlers::not_found));
}

/// A resource that answers methods it has no route for with 405 in the
/// envelope and `Allow: <allow>`.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move |context: context::RequestContext| {
        std::future::ready(handlers::method_not_allowed(&context, allow))
    }))
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
