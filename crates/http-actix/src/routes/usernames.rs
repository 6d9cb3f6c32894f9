//! Usernames: whether one is available, and changing one's own.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use allmine_domain::usernames::{NameCheck, Unavailable, UsernameChanged};

use crate::body::JsonObject;
use crate::caller::LimitedCaller;
use crate::context::{RequestContext, TimeZone};
use crate::docs::{
    BodyRefused, RateLimited, ServiceUnavailable, StandardHeaders, Unauthenticated, error_example,
    success_example,
};
use crate::envelope::{Envelope, ErrorEnvelope, ok};
use crate::error::{ApiError, Detail, ErrorCode};
use crate::rate_limit::{UsernameChanges, UsernameChecks};
use crate::state::ApiState;

/// `POST`: may the caller take this name?
pub const CHECK: &str = "/api/v1/users/check-username";
/// `PATCH`: change the caller's name.
pub const CHANGE: &str = "/api/v1/users/username";

/// Username availability check.
///
/// Checks whether the given username can be used by the caller, ignoring case.
/// When it cannot, says why (`taken`, `reserved`, `held`: recently given up by
/// someone else, `current`: the caller's own name) and suggests up to three
/// available names derived from it.
#[utoipa::path(
    post,
    path = CHECK,
    tag = "Users",
    operation_id = "checkUsername",
    params(StandardHeaders),
    request_body(content = CheckUsernameBody, content_type = "application/json", example = json!({"username": "johndoe123"})),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "Whether the name is available", body = Envelope<UsernameAvailability>,
            example = json!(success_example(serde_json::json!({"available": true})))),
        (status = 400, description = "The name breaks a format rule (named)", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "username: a username may not start or end with '.'"], "VALIDATION_FAILED"))),
        Unauthenticated,
        BodyRefused,
        RateLimited,
        ServiceUnavailable,
    )
)]
pub async fn check_username(
    state: web::Data<ApiState>,
    caller: LimitedCaller<UsernameChecks>,
    body: JsonObject,
) -> Result<HttpResponse, ApiError> {
    let body = CheckUsernameBody::read(body.0)?;
    let check = state.usernames.check(&caller.0, &body.username).await?;
    Ok(ok(UsernameAvailability::from(check)))
}

/// Change username.
///
/// Changes the caller's username: at once if it never changed, then once every
/// 30 days. A change of case only is always allowed and keeps the cooldown. The
/// old name stays held for the caller for 14 days. `nextChangeAllowedAt` is
/// rendered in `X-Timezone`, and is null when a change is allowed now, as in
/// `GET /api/v1/users/me`.
#[utoipa::path(
    patch,
    path = CHANGE,
    tag = "Users",
    operation_id = "changeUsername",
    params(StandardHeaders),
    request_body(content = ChangeUsernameBody, content_type = "application/json", example = json!({"newUsername": "new_username123"})),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The name changed", body = Envelope<UsernameChangedResponse>, example = json!(examples::username_changed())),
        (status = 400, description = "The new name breaks a format rule (named)", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "newUsername: a username has at least 3 characters"], "VALIDATION_FAILED"))),
        Unauthenticated,
        (status = 409, description = "Taken (USERNAME_TAKEN), reserved (USERNAME_RESERVED), held (USERNAME_HELD), unchanged (USERNAME_UNCHANGED), too soon (USERNAME_CHANGE_COOLDOWN) or a concurrent change (CONFLICT)", body = ErrorEnvelope,
            example = json!(error_example(409, &["Resource already exists or cannot be changed in its current state", "The username can be changed once every 30 days; the next change is allowed at 2026-12-21T01:30:00.123+03:00"], "USERNAME_CHANGE_COOLDOWN"))),
        BodyRefused,
        RateLimited,
        ServiceUnavailable,
    )
)]
pub async fn change_username(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: LimitedCaller<UsernameChanges>,
    body: JsonObject,
) -> Result<HttpResponse, ApiError> {
    let body = ChangeUsernameBody::read(body.0)?;
    let changed = state
        .usernames
        .change(&caller.0, &body.new_username)
        .await?;
    Ok(ok(UsernameChangedResponse::new(&changed, context.timezone)))
}

/// `POST /api/v1/users/check-username`.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckUsernameBody {
    /// The name to check (case is ignored): 3–30 letters, digits, `_` and `.`,
    /// no `.` first, last or doubled.
    #[schema(
        example = "johndoe123",
        min_length = 3,
        max_length = 30,
        pattern = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"
    )]
    pub username: String,
}

/// `PATCH /api/v1/users/username`.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeUsernameBody {
    /// The new username: 3–30 letters, digits, `_` and `.`, no `.` first,
    /// last or doubled; a reserved name is 409.
    #[schema(
        example = "new_username123",
        min_length = 3,
        max_length = 30,
        pattern = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"
    )]
    pub new_username: String,
}

impl CheckUsernameBody {
    /// Reads `{"username": "..."}`.
    pub fn read(object: Map<String, Value>) -> Result<Self, ApiError> {
        only_string(object, "username").map(|username| Self { username })
    }
}

impl ChangeUsernameBody {
    /// Reads `{"newUsername": "..."}`.
    pub fn read(object: Map<String, Value>) -> Result<Self, ApiError> {
        only_string(object, "newUsername").map(|new_username| Self { new_username })
    }
}

/// Why a name is not available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnavailableReason {
    /// Someone else's current name.
    Taken,
    /// A platform name, or made to look like one.
    Reserved,
    /// Recently given up by someone else.
    Held,
    /// The caller's own current name.
    Current,
}

/// Whether a username can be taken; `reason` and `suggestions` only when not.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsernameAvailability {
    /// Whether the caller may take the name.
    #[schema(example = true)]
    pub available: bool,
    /// Why not, when not available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnavailableReason>,
    /// Up to three available names derived from the one asked, when not available.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(["johndoe1231", "johndoe123_", "johndoe123.tr"]))]
    pub suggestions: Option<Vec<String>>,
}

impl From<NameCheck> for UsernameAvailability {
    fn from(check: NameCheck) -> Self {
        let reason = check.unavailable.map(|why| match why {
            Unavailable::Taken => UnavailableReason::Taken,
            Unavailable::Reserved => UnavailableReason::Reserved,
            Unavailable::Held => UnavailableReason::Held,
            Unavailable::Current => UnavailableReason::Current,
        });
        Self {
            available: reason.is_none(),
            suggestions: reason
                .map(|_| check.suggestions.iter().map(ToString::to_string).collect()),
            reason,
        }
    }
}

/// A username change, as the docs show it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsernameChangedResponse {
    /// Always true.
    #[schema(example = true)]
    pub success: bool,
    /// The name before.
    #[schema(example = "old_username")]
    pub old_username: String,
    /// The name now.
    #[schema(example = "new_username123")]
    pub new_username: String,
    /// When the next change is allowed, in the request's `X-Timezone`; null
    /// when a change is allowed now (a change of case while no cooldown runs),
    /// as `nextUsernameChangeAllowedAt` of `GET /api/v1/users/me`.
    #[schema(example = "2024-02-15T00:00:00.000Z", format = DateTime, required = true)]
    pub next_change_allowed_at: Option<String>,
}

impl UsernameChangedResponse {
    /// The response for `changed`, the instant rendered in `zone`.
    pub fn new(changed: &UsernameChanged, zone: TimeZone) -> Self {
        Self {
            success: true,
            old_username: changed.old.to_string(),
            new_username: changed.new.to_string(),
            next_change_allowed_at: changed.next_change_allowed_at.map(|at| zone.render(at)),
        }
    }
}

/// The one string field `name` of a body that has nothing else, such as
/// `{"username": "..."}`: a missing field, another type and any other field
/// are 400, each named.
fn only_string(object: Map<String, Value>, name: &'static str) -> Result<String, ApiError> {
    let mut details = Vec::new();
    let mut found = None;
    for (key, value) in object {
        if key == name {
            match value {
                Value::String(text) => found = Some(text),
                _ => details.push(Detail::NotAString(name)),
            }
        } else {
            details.push(Detail::UnknownField(key));
        }
    }
    match found {
        Some(text) if details.is_empty() => Ok(text),
        None if !details.contains(&Detail::NotAString(name)) => {
            details.insert(0, Detail::MissingField(name));
            Err(ApiError::with_all(ErrorCode::ValidationFailed, details))
        }
        _ => Err(ApiError::with_all(ErrorCode::ValidationFailed, details)),
    }
}

/// Examples shown in the document, in the docs' own values.
mod examples {
    use serde_json::{Value, json};

    /// A username change answer, as the docs show it.
    pub fn username_changed() -> Value {
        json!({
            "isSuccess": true,
            "statusCode": 200,
            "data": {
                "success": true,
                "oldUsername": "old_username",
                "newUsername": "new_username123",
                "nextChangeAllowedAt": "2024-02-15T00:00:00.000Z"
            },
            "errors": [],
            "timestamp": "2026-05-22T16:11:26.808Z"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_single_string_body_names_what_is_wrong() {
        let object = |value: Value| match value {
            Value::Object(object) => object,
            _ => unreachable!(),
        };
        assert_eq!(
            only_string(object(json!({"username": "ada"})), "username").unwrap(),
            "ada"
        );
        let details = |value: Value| {
            only_string(object(value), "username")
                .unwrap_err()
                .details()
                .to_vec()
        };
        assert_eq!(details(json!({})), [Detail::MissingField("username")]);
        assert_eq!(
            details(json!({"username": 5})),
            [Detail::NotAString("username")]
        );
        assert_eq!(
            details(json!({"user": "ada"})),
            [
                Detail::MissingField("username"),
                Detail::UnknownField("user".into())
            ]
        );
        assert_eq!(
            details(json!({"username": "ada", "x": 1})),
            [Detail::UnknownField("x".into())]
        );
    }
}
