//! The stable error codes: the same in every language, each with its HTTP
//! status. Their messages are in the error module's catalogue.

use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// A stable, machine-readable error code: the same in every language, so that
/// clients never parse localised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: the request is malformed or a value breaks a rule.
    ValidationFailed,
    /// 401: no token, or a token that is invalid, expired or names no active user.
    AuthenticationRequired,
    /// 403: the caller may not do this.
    InsufficientPermissions,
    /// 403: one of the two users has blocked the other.
    ProfileUnavailable,
    /// 403: the profile is private and the caller is not an accepted follower.
    ProfilePrivate,
    /// 404: no such resource or route.
    NotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 409: the username is in use by someone else.
    UsernameTaken,
    /// 409: the username is reserved for the platform (or made to look like such a name).
    UsernameReserved,
    /// 409: the username was given up by someone else less than 14 days ago.
    UsernameHeld,
    /// 409: the new username is exactly the current one.
    UsernameUnchanged,
    /// 409: the last username change was less than 30 days ago.
    UsernameChangeCooldown,
    /// 409: the resource already exists or cannot change in its current state.
    Conflict,
    /// 413: the body is larger than the limit.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429: too many requests.
    RateLimited,
    /// 500: an unexpected failure on our side (logged with the request id).
    InternalError,
    /// 503: a dependency is unavailable; retrying later may work.
    ServiceUnavailable,
}

impl ErrorCode {
    /// The HTTP status this code is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::ValidationFailed => StatusCode::BAD_REQUEST,
            Self::AuthenticationRequired => StatusCode::UNAUTHORIZED,
            Self::InsufficientPermissions | Self::ProfileUnavailable | Self::ProfilePrivate => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UsernameTaken
            | Self::UsernameReserved
            | Self::UsernameHeld
            | Self::UsernameUnchanged
            | Self::UsernameChangeCooldown
            | Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The code for a status the framework produced on its own.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::AuthenticationRequired,
            403 => Self::InsufficientPermissions,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            429 => Self::RateLimited,
            503 => Self::ServiceUnavailable,
            400..=499 => Self::ValidationFailed,
            _ => Self::InternalError,
        }
    }
}
