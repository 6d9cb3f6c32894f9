//! The handlers: extract, call one use case, map the result.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};

use allmine_domain::UserId;

use crate::ApiState;
use crate::auth::Authenticated;
use crate::body::{self, JsonObject};
use crate::context::RequestContext;
use crate::dto::{
    ChangeUsernameBody, CheckUsernameBody, FoundUser, GroupedEntry, OwnProfileResponse, Paged,
    ProfileUpdateBody, PublicProfile, StatsResponse, Transaction, UsernameAvailability,
    UsernameChangedResponse,
};
use crate::envelope::{Envelope, ErrorEnvelope, ok};
use crate::error::{ApiError, Detail, ErrorCode};
use crate::openapi::{HistoryParams, SearchParams, StandardHeaders, examples};
use crate::query;
use crate::rate_limit::{LimitedCaller, LimitedViewer, Searches, UsernameChanges, UsernameChecks};

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
    params(("username" = String, Path, description = "The username whose profile to return (any case): 3-30 letters, digits, `_` and `.`, no `.` first, last or doubled", min_length = 3, max_length = 30, pattern = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$", example = "johndoe123"), StandardHeaders),
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
        (status = 429, description = "Too many requests: wait `Retry-After` seconds", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Limit" = u32, description = "Requests allowed per minute"), ("RateLimit-Remaining" = u32, description = "Requests left now"), ("RateLimit-Reset" = u64, description = "Seconds until the allowance is full again")),
            example = json!(examples::error(429, &["Too many requests", "Try again in 12 seconds"], "RATE_LIMITED"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn profile_by_username(
    state: web::Data<ApiState>,
    viewer: LimitedViewer,
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
    params(("id" = String, Path, description = "The user's id: 24 lowercase hexadecimal characters", pattern = "^[0-9a-f]{24}$", example = "507f1f77bcf86cd799439011"), StandardHeaders),
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
        (status = 429, description = "Too many requests: wait `Retry-After` seconds", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Limit" = u32, description = "Requests allowed per minute"), ("RateLimit-Remaining" = u32, description = "Requests left now"), ("RateLimit-Reset" = u64, description = "Seconds until the allowance is full again")),
            example = json!(examples::error(429, &["Too many requests", "Try again in 12 seconds"], "RATE_LIMITED"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn profile_by_id(
    state: web::Data<ApiState>,
    viewer: LimitedViewer,
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
    params(("id" = String, Path, description = "The user's id: 24 lowercase hexadecimal characters", pattern = "^[0-9a-f]{24}$", example = "507f1f77bcf86cd799439011"), StandardHeaders),
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

/// A known path asked with a method it does not serve: 405 in the envelope,
/// with the `Allow` header listing the methods it does serve (RFC 9110).
pub fn method_not_allowed(context: &RequestContext, allow: &'static str) -> HttpResponse {
    let code = ErrorCode::MethodNotAllowed;
    let mut response = crate::envelope::error(
        code,
        ApiError::new(code).messages(context.language, context.timezone),
    );
    response.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_static(allow),
    );
    response
}

/// Update profile (partial).
///
/// Partially updates the signed-in user's basic information. An absent field
/// stays as it is; `null` clears bio, expertise, interests, social handles and
/// the photo, and is refused elsewhere. Answers the full updated profile, the
/// same shape as `GET /api/v1/users/me`; an empty body changes nothing.
#[utoipa::path(
    patch,
    path = "/api/v1/users/me",
    tag = "Users",
    operation_id = "updateMe",
    params(StandardHeaders),
    request_body(content = ProfileUpdateBody, description = "The fields to change; an empty body (or `{}`) changes nothing", content_type = "application/json",
        example = json!({"bio": "Designer and traveller", "instagram": "@my.insta", "minutePriceInLiveStream": 5, "expertise": null})),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The updated profile", body = Envelope<OwnProfileResponse>, example = json!(examples::own_profile())),
        (status = 400, description = "A field breaks its rule, is unknown, or has the wrong type; each failure names its field", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "birthDate: users must be at least 18 years old", "nmae: is not a field of this request"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required"], "AUTHENTICATION_REQUIRED"))),
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorEnvelope,
            example = json!(examples::error(413, &["Request body is too large"], "PAYLOAD_TOO_LARGE"))),
        (status = 415, description = "The body is not application/json", body = ErrorEnvelope,
            example = json!(examples::error(415, &["Unsupported media type"], "UNSUPPORTED_MEDIA_TYPE"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn update_me(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: Authenticated,
    body: JsonObject,
) -> Result<HttpResponse, ApiError> {
    let request = body::profile_update(body.0)?;
    let own = state.profiles.update_profile(&caller.0, request).await?;
    Ok(ok(OwnProfileResponse::new(&own, context.timezone)))
}

/// Username availability check.
///
/// Checks whether the given username can be used by the caller, ignoring case.
/// When it cannot, says why (`taken`, `reserved`, `held`: recently given up by
/// someone else, `current`: the caller's own name) and suggests up to three
/// available names derived from it.
#[utoipa::path(
    post,
    path = "/api/v1/users/check-username",
    tag = "Users",
    operation_id = "checkUsername",
    params(StandardHeaders),
    request_body(content = CheckUsernameBody, content_type = "application/json", example = json!({"username": "johndoe123"})),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "Whether the name is available", body = Envelope<UsernameAvailability>,
            example = json!(examples::success(serde_json::json!({"available": true})))),
        (status = 400, description = "The name breaks a format rule (named)", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "username: a username may not start or end with '.'"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required"], "AUTHENTICATION_REQUIRED"))),
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorEnvelope,
            example = json!(examples::error(413, &["Request body is too large"], "PAYLOAD_TOO_LARGE"))),
        (status = 415, description = "The body is not application/json", body = ErrorEnvelope,
            example = json!(examples::error(415, &["Unsupported media type"], "UNSUPPORTED_MEDIA_TYPE"))),
        (status = 429, description = "Too many requests: wait `Retry-After` seconds", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Limit" = u32, description = "Requests allowed per minute"), ("RateLimit-Remaining" = u32, description = "Requests left now"), ("RateLimit-Reset" = u64, description = "Seconds until the allowance is full again")),
            example = json!(examples::error(429, &["Too many requests", "Try again in 12 seconds"], "RATE_LIMITED"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn check_username(
    state: web::Data<ApiState>,
    caller: LimitedCaller<UsernameChecks>,
    body: JsonObject,
) -> Result<HttpResponse, ApiError> {
    let username = body::only_string(body.0, "username")?;
    let check = state.usernames.check(&caller.0, &username).await?;
    Ok(ok(UsernameAvailability::from(check)))
}

/// Change username.
///
/// Changes the caller's username: at once if it never changed, then once every
/// 30 days. A change of case only is always allowed and keeps the cooldown. The
/// old name stays held for the caller for 14 days. `nextChangeAllowedAt` is
/// rendered in `X-Timezone`.
#[utoipa::path(
    patch,
    path = "/api/v1/users/username",
    tag = "Users",
    operation_id = "changeUsername",
    params(StandardHeaders),
    request_body(content = ChangeUsernameBody, content_type = "application/json", example = json!({"newUsername": "new_username123"})),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The name changed", body = Envelope<UsernameChangedResponse>, example = json!(examples::username_changed())),
        (status = 400, description = "The new name breaks a format rule (named)", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "newUsername: a username has at least 3 characters"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required"], "AUTHENTICATION_REQUIRED"))),
        (status = 409, description = "Taken (USERNAME_TAKEN), reserved (USERNAME_RESERVED), held (USERNAME_HELD), unchanged (USERNAME_UNCHANGED), too soon (USERNAME_CHANGE_COOLDOWN) or a concurrent change (CONFLICT)", body = ErrorEnvelope,
            example = json!(examples::error(409, &["Resource already exists or cannot be changed in its current state", "The username can be changed once every 30 days; the next change is allowed at 2026-12-21T01:30:00.123+03:00"], "USERNAME_CHANGE_COOLDOWN"))),
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorEnvelope,
            example = json!(examples::error(413, &["Request body is too large"], "PAYLOAD_TOO_LARGE"))),
        (status = 415, description = "The body is not application/json", body = ErrorEnvelope,
            example = json!(examples::error(415, &["Unsupported media type"], "UNSUPPORTED_MEDIA_TYPE"))),
        (status = 429, description = "Too many requests: wait `Retry-After` seconds", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Limit" = u32, description = "Requests allowed per minute"), ("RateLimit-Remaining" = u32, description = "Requests left now"), ("RateLimit-Reset" = u64, description = "Seconds until the allowance is full again")),
            example = json!(examples::error(429, &["Too many requests", "Try again in 12 seconds"], "RATE_LIMITED"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn change_username(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: LimitedCaller<UsernameChanges>,
    body: JsonObject,
) -> Result<HttpResponse, ApiError> {
    let new_username = body::only_string(body.0, "newUsername")?;
    let changed = state.usernames.change(&caller.0, &new_username).await?;
    Ok(ok(UsernameChangedResponse::new(&changed, context.timezone)))
}

/// Own credit history.
///
/// The signed-in user's credit movements, newest first, paged and filtered.
/// Dates are whole days in `X-Timezone`, both ends included.
#[utoipa::path(
    get,
    path = "/api/v1/users/me/transactions",
    tag = "Credits",
    operation_id = "getMyTransactions",
    params(HistoryParams, StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "A page of records", body = Envelope<Paged<Transaction>>, example = json!(examples::transactions())),
        (status = 400, description = "A parameter is invalid or unknown (named)", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "limit: must be from 1 to 100"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required"], "AUTHENTICATION_REQUIRED"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn transactions(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query::history(&query, context.timezone)?;
    let page = state.history.list(&caller.0, &filter, page).await?;
    Ok(ok(Paged::new(&page, |record| {
        Transaction::new(record, context.timezone)
    })))
}

/// Own credit history, grouped by live stream.
///
/// The same page as `/api/v1/users/me/transactions` with the same filters;
/// records on the page that belong to a live stream are grouped under their
/// `streamId` (with the stream's title, host and times), the others stay
/// standalone entries. Entries keep the order of each one's newest record.
#[utoipa::path(
    get,
    path = "/api/v1/users/me/transactions/grouped",
    tag = "Credits",
    operation_id = "getMyTransactionsGrouped",
    params(HistoryParams, StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "A page of records, grouped", body = Envelope<Paged<GroupedEntry>>, example = json!(examples::grouped_transactions())),
        (status = 400, description = "A parameter is invalid or unknown (named)", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "startDate: must not be after endDate"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required"], "AUTHENTICATION_REQUIRED"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn transactions_grouped(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query::history(&query, context.timezone)?;
    let page = state.history.grouped(&caller.0, &filter, page).await?;
    Ok(ok(Paged::new(&page, |entry| {
        GroupedEntry::new(entry, context.timezone)
    })))
}

/// Search users (v2).
///
/// Finds users by username, name or surname, ignoring case and accents
/// (Turkish letters folded as typed: `sukru` finds `Şükrü`), tolerating typos;
/// several words narrow the result. Ranked: exact username, username prefix,
/// name or surname prefix, then typo matches; ties by follower count. An empty
/// `query` returns `limit` random users, a new sample on every call: `page`
/// then only shapes the paging fields, and `total` counts every user the caller
/// may see. Users blocked either way and deactivated users never appear;
/// private users appear with only their identity.
#[utoipa::path(
    get,
    path = "/api/v2/users/search",
    tag = "Users",
    operation_id = "searchUsers",
    params(SearchParams, StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "A page of users, best first", body = Envelope<Paged<FoundUser>>, example = json!(examples::search())),
        (status = 400, description = "A parameter is invalid or unknown (named)", body = ErrorEnvelope,
            example = json!(examples::error(400, &["Validation failed", "limit: must be from 1 to 50"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(examples::error(401, &["Authentication required"], "AUTHENTICATION_REQUIRED"))),
        (status = 429, description = "Too many requests: wait `Retry-After` seconds", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Limit" = u32, description = "Requests allowed per minute"), ("RateLimit-Remaining" = u32, description = "Requests left now"), ("RateLimit-Reset" = u64, description = "Seconds until the allowance is full again")),
            example = json!(examples::error(429, &["Too many requests", "Try again in 12 seconds"], "RATE_LIMITED"))),
        (status = 503, description = "The database is unavailable; retry later", body = ErrorEnvelope,
            example = json!(examples::error(503, &["Service temporarily unavailable"], "SERVICE_UNAVAILABLE"))),
    )
)]
pub async fn search_users(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: LimitedCaller<Searches>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let (text, page) = query::search(&query)?;
    let found = state.search.search(&caller.0, &text, page).await?;
    Ok(ok(Paged::new(&found, |user| {
        FoundUser::new(user, context.timezone)
    })))
}
