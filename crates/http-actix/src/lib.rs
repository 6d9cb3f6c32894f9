//! The actix-web inbound adapter of the Users API: routes, handlers, the
//! response envelope, error mapping, JWT authentication and the OpenAPI
//! document. It knows the domain, never the database.
//!
//! Each resource is one module under [`routes`]; the cross-cutting pieces
//! beside it never import a route: [`envelope`], [`error`] (with its message
//! catalogue), [`error_code`], [`etag`], [`context`], [`i18n`], [`auth`], [`caller`],
//! [`rate_limit`], [`query`], [`body`], [`strict_json`], [`state`],
//! [`docs`], [`middleware`], [`request_metrics`], [`cors`] and [`compression`]. [`openapi`] assembles the
//! document from the routes.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod body;
pub mod caller;
pub mod compression;
pub mod context;
pub mod cors;
pub mod docs;
pub mod envelope;
pub mod error;
pub mod error_code;
pub mod etag;
pub mod i18n;
pub mod middleware;
pub mod openapi;
pub mod query;
pub mod rate_limit;
pub mod request_metrics;
pub mod routes;
pub mod state;
pub mod strict_json;

pub use auth::{JwtIssuer, JwtSettings, JwtVerifier, VerificationKey};
pub use body::{MAX_BODY_BYTES, json_config};
pub use error::{ApiError, Detail, ErrorCode};
pub use middleware::{envelope_middleware, timezone_gate};
pub use openapi::ApiDoc;
pub use rate_limit::{RateLimitSettings, RateLimiters};
pub use request_metrics::record_request_metrics;
pub use routes::configure;
pub use routes::health::{Readiness, SharedReadiness};
pub use state::ApiState;
