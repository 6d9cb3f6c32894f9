//! Liveness and readiness probes.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::envelope::{Envelope, ErrorEnvelope, ok};
use crate::error::{ApiError, ErrorCode};

/// `GET`: is the process alive?
pub const LIVE: &str = "/health/live";
/// `GET`: can the service answer API requests now?
pub const READY: &str = "/health/ready";

/// Whether the service's dependencies are ready to serve (the database is
/// reachable, indexes have caught up, …). Implemented by the server.
#[async_trait::async_trait]
pub trait Readiness: Send + Sync {
    /// `Ok` when ready; the error says what is not.
    async fn check(&self) -> Result<(), String>;

    /// What an operator should know while the service is ready anyway (a
    /// dependency it works without, for now); `None` when all is well.
    async fn detail(&self) -> Option<String> {
        None
    }
}

/// The readiness probe the app asks.
pub type SharedReadiness = Arc<dyn Readiness>;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when healthy.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// On a ready answer, what works in a degraded way meanwhile (for
    /// example rate limits counted per process while Redis is unreachable);
    /// absent when all is well.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub detail: Option<String>,
}

/// Liveness: the process serves HTTP.
#[utoipa::path(get, path = LIVE, tag = "Health", operation_id = "live",
    responses((status = 200, description = "The process is alive", body = Envelope<HealthStatus>)))]
pub async fn live() -> HttpResponse {
    ok(HealthStatus {
        status: "ok",
        detail: None,
    })
}

/// Readiness: the service can answer API requests now.
#[utoipa::path(get, path = READY, tag = "Health", operation_id = "ready",
    responses(
        (status = 200, description = "Ready", body = Envelope<HealthStatus>),
        (status = 503, description = "A dependency is not ready", body = ErrorEnvelope),
    ))]
pub async fn ready(readiness: web::Data<SharedReadiness>) -> Result<HttpResponse, ApiError> {
    match readiness.check().await {
        Ok(()) => Ok(ok(HealthStatus {
            status: "ok",
            detail: readiness.detail().await,
        })),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            Err(ApiError::new(ErrorCode::ServiceUnavailable))
        }
    }
}
