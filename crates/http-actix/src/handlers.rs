//! The handlers: extract, call one use case, map the result.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};

use allmine_domain::UserId;

use crate::ApiState;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::context::RequestContext;
use crate::dto::{OwnProfileResponse, PublicProfile, StatsResponse};
use crate::envelope::{Envelope, ErrorEnvelope, ok};
use crate::error::{ApiError, Detail, ErrorCode};
use crate::openapi::{StandardHeaders, examples};

/// The `{id}` path segment, parsed as a user id: anything but 24 lowercase
/// hex characters is 400, never 404.
#[derive(Debug, Clone, Copy)]
pub struct UserIdPath(pub UserId);

impl FromRequest for UserIdPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = req.match_info().get("id").unwrap_or_default();
        ready(UserId::parse(raw).map(Self).map_err(|reason| {
            ApiError::validation(Detail::InvalidId {
                field: "id",
                reason,
            })
        }))
    }
}

/// Public profile by username.
///
/// Returns the given user's public profile. The username is matched ignoring
/// case. A token is optional; when given it must be valid, and it decides what
/// a private profile shows.
#[utoipa::path(
    get,
    path = "/api/v1/users/profile/username/{username}",
    tag = "Users",
    operation_id = "getProfileByUsername",
    params(("username" = String, Path, description = "The username whose profile to return (any case)", example = "johndoe123"), StandardHeaders),
    security((), ("JWT-auth" = [])),
    responses(
        (status = 200, description = "The profile", body = Envelope<PublicProfile>, example = json!(examples::profile())),
        (status = 400, description = "The username is malformed, or a header is invalid", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "username: a username has at least 3 characters"], "VALIDATION_FAILED"))),
        (status = 401, description = "A token was given but is invalid, expired, or names an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required", "Authorization: the token has expired"], "AUTHENTICATION_REQUIRED"))),
        (status = 403, description = "Blocked either way (PROFILE_UNAVAILABLE) or private (PROFILE_PRIVATE)", body = ErrorEnvelope,
            example = json!(examples::error(403, &["This profile is private"], "PROFILE_PRIVATE"))),
        (status = 404, description = "No active user has this username", body = ErrorEnvelope,
            example = json!(examples::error(404, &["Resource not found"], "NOT_FOUND"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn profile_by_username(
    state: web::Data<ApiState>,
    viewer: MaybeAuthenticated,
    username: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .profiles
        .profile_by_username(viewer.as_ref(), &username)
        .await?;
    Ok(ok(PublicProfile::from(&view)))
}

/// Public profile by id.
///
/// Returns the public profile of the user with this id. A token is optional;
/// when given it must be valid, and it decides what a private profile shows.
#[utoipa::path(
    get,
    path = "/api/v1/users/profile/{id}",
    tag = "Users",
    operation_id = "getProfileById",
    params(("id" = String, Path, description = "The user's id: 24 lowercase hexadecimal characters", example = "507f1f77bcf86cd799439011"), StandardHeaders),
    security((), ("JWT-auth" = [])),
    responses(
        (status = 200, description = "The profile", body = Envelope<PublicProfile>, example = json!(examples::profile())),
        (status = 400, description = "The id is not 24 lowercase hex characters, or a header is invalid", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "id: must be 24 lowercase hexadecimal characters"], "VALIDATION_FAILED"))),
        (status = 401, description = "A token was given but is invalid, expired, or names an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required", "Authorization: the token is invalid"], "AUTHENTICATION_REQUIRED"))),
        (status = 403, description = "Blocked either way (PROFILE_UNAVAILABLE) or private (PROFILE_PRIVATE)", body = ErrorEnvelope,
            example = json!(examples::error(403, &["This profile cannot be viewed"], "PROFILE_UNAVAILABLE"))),
        (status = 404, description = "No active user has this id", body = ErrorEnvelope,
            example = json!(examples::error(404, &["Resource not found"], "NOT_FOUND"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn profile_by_id(
    state: web::Data<ApiState>,
    viewer: MaybeAuthenticated,
    id: UserIdPath,
) -> Result<HttpResponse, ApiError> {
    let view = state.profiles.profile_by_id(viewer.as_ref(), &id.0).await?;
    Ok(ok(PublicProfile::from(&view)))
}

/// Current user's profile.
///
/// The signed-in user's own profile, with the owner-only fields: birth date,
/// privacy flag and when the username may next change (in `X-Timezone`).
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    tag = "Users",
    operation_id = "getMe",
    params(StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The caller's profile", body = Envelope<OwnProfileResponse>, example = json!(examples::own_profile())),
        (status = 400, description = "A header is invalid", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "X-Timezone: must be one of the documented offsets, such as UTC+03:00"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required", "Authorization: a bearer token is required"], "AUTHENTICATION_REQUIRED"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn me(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let own = state.profiles.own_profile(&caller.0).await?;
    Ok(ok(OwnProfileResponse::new(&own, context.timezone)))
}

/// Get user statistics.
///
/// Followers, following and total live streams of a user, under the same
/// privacy rule as the profile.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/stats",
    tag = "Users",
    operation_id = "getUserStats",
    params(("id" = String, Path, description = "The user's id: 24 lowercase hexadecimal characters", example = "507f1f77bcf86cd799439011"), StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The counts", body = Envelope<StatsResponse>, example = json!(examples::stats())),
        (status = 400, description = "The id is not 24 lowercase hex characters, or a header is invalid", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "id: must be 24 lowercase hexadecimal characters"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required"], "AUTHENTICATION_REQUIRED"))),
        (status = 403, description = "Blocked either way (PROFILE_UNAVAILABLE) or private (PROFILE_PRIVATE)", body = ErrorEnvelope,
            example = json!(examples::error(403, &["This profile is private"], "PROFILE_PRIVATE"))),
        (status = 404, description = "No active user has this id", body = ErrorEnvelope,
            example = json!(examples::error(404, &["Resource not found"], "NOT_FOUND"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn stats(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: UserIdPath,
) -> Result<HttpResponse, ApiError> {
    let stats = state.profiles.stats(&caller.0, &id.0).await?;
    Ok(ok(StatsResponse::from(stats)))
}

/// Any path no route matches.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::with(ErrorCode::NotFound, Detail::UnknownRoute))
}

/// A known path asked with a method it does not serve.
pub async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(ErrorCode::MethodNotAllowed))
}
