//! The HTTP layer's one error type: a stable code, the specific reasons, and
//! (for 5xx) the cause to log. The reasons' words are in [`messages`], the
//! mapping of domain errors in [`domain`], query-string problems in [`params`].

mod domain;
mod messages;
mod params;

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use time::OffsetDateTime;

use allmine_domain::profiles::FieldError;
use allmine_domain::{IdError, UsernameError};

use crate::context::TimeZone;
use crate::envelope;
use crate::i18n::Language;
use crate::query::ParamProblem;
use crate::strict_json::JsonProblem;

pub use crate::error_code::ErrorCode;

/// A specific reason that follows the headline in `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// A path or body field holds an invalid id.
    InvalidId {
        field: &'static str,
        reason: IdError,
    },
    /// A field holds an invalid username.
    InvalidUsername {
        field: &'static str,
        reason: UsernameError,
    },
    /// `X-Timezone` is not one of the documented offsets.
    InvalidTimezone,
    /// The `Authorization` header is absent.
    MissingToken,
    /// The `Authorization` header is not `Bearer <token>` or a bare token.
    MalformedAuthorization,
    /// The token failed verification (signature, algorithm, claims).
    InvalidToken,
    /// The token's `exp` has passed.
    ExpiredToken,
    /// The token names a user that does not exist or is deactivated.
    InactiveAccount,
    /// The request body is not valid JSON, or not the expected shape.
    MalformedBody(String),
    /// A query string parameter is invalid.
    InvalidQuery(String),
    /// No route has this path.
    UnknownRoute,
    /// A profile field breaks its rule.
    Field(FieldError),
    /// The body names a field the endpoint does not know.
    UnknownField(String),
    /// `username` sent to the profile update.
    UsernameNotUpdatable,
    /// The body is JSON but not an object.
    NotAnObject,
    /// The new username is someone else's.
    UsernameTaken,
    /// The new username is reserved.
    UsernameReserved,
    /// The new username is held for its former owner.
    UsernameHeld,
    /// The new username is exactly the current one.
    UsernameUnchanged,
    /// The next username change is allowed at this instant.
    UsernameCooldown(OffsetDateTime),
    /// Another change of the same username won a race.
    ConcurrentChange,
    /// Too many requests; the next is allowed in this many seconds.
    RateLimited(u64),
    /// The body is not strict JSON (see [`crate::strict_json`]).
    Json(JsonProblem),
    /// A required body field is absent.
    MissingField(&'static str),
    /// A body field that must be a string is not one.
    NotAString(&'static str),
    /// A query parameter is invalid or unknown.
    InvalidParameter {
        /// The parameter.
        name: String,
        /// What is wrong with it.
        problem: ParamProblem,
    },
    /// The profile is private and the caller is not an accepted follower.
    ProfilePrivate,
    /// One of the two users has blocked the other.
    ProfileUnavailable,
}

/// An error answer: a code, the specific reasons, and (for 5xx) the cause to log.
pub struct ApiError {
    code: ErrorCode,
    /// The code whose headline opens `errors`, when not `code`'s own.
    headline: Option<ErrorCode>,
    details: Vec<Detail>,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    /// An error with this code and no specific reason.
    pub fn new(code: ErrorCode) -> Self {
        Self::with_all(code, Vec::new())
    }

    /// An error with this code and one specific reason.
    pub fn with(code: ErrorCode, detail: Detail) -> Self {
        Self::with_all(code, vec![detail])
    }

    /// 400 with one reason.
    pub fn validation(detail: Detail) -> Self {
        Self::with(ErrorCode::ValidationFailed, detail)
    }

    /// 401 with one reason.
    pub fn unauthenticated(detail: Detail) -> Self {
        Self::with(ErrorCode::AuthenticationRequired, detail)
    }

    /// 500, keeping the cause for the log.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::caused(ErrorCode::InternalError, cause.into())
    }

    /// An error with this code and no specific reason, keeping `cause` for the log.
    fn caused(code: ErrorCode, cause: Box<dyn std::error::Error + Send + Sync>) -> Self {
        Self {
            cause: Some(cause),
            ..Self::new(code)
        }
    }

    /// The same error opened by `headline`'s message instead of its own
    /// code's: an endpoint whose docs give another first message keeps the
    /// stable code and its reasons.
    pub fn headed_by(self, headline: ErrorCode) -> Self {
        Self {
            headline: Some(headline),
            ..self
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The specific reasons.
    pub fn details(&self) -> &[Detail] {
        &self.details
    }

    /// What went wrong underneath, for the log only.
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync)> {
        self.cause.as_deref()
    }

    /// The `errors` array in `language`: the headline, then the reasons, with
    /// instants rendered in `zone`.
    pub fn messages(&self, language: Language, zone: TimeZone) -> Vec<String> {
        let headline = self.headline.unwrap_or(self.code);
        std::iter::once(headline.headline(language).to_owned())
            .chain(
                self.details
                    .iter()
                    .map(|detail| detail.render(language, zone)),
            )
            .collect()
    }

    /// An error with several reasons.
    pub fn with_all(code: ErrorCode, details: Vec<Detail>) -> Self {
        Self {
            code,
            headline: None,
            details,
            cause: None,
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.code)
            .field("headline", &self.headline)
            .field("details", &self.details)
            .finish()?;
        let mut source = self.cause.as_deref().map(|e| e as &dyn std::error::Error);
        while let Some(error) = source {
            write!(f, "\n  caused by: {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.headline.unwrap_or(self.code).headline(Language::En))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    /// An English envelope. The envelope middleware renders it again in the
    /// request's language; this one serves where it cannot.
    fn error_response(&self) -> HttpResponse {
        envelope::error(self.code, self.messages(Language::En, TimeZone::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use allmine_domain::RepositoryError;
    use allmine_domain::profiles::ViewProfileError;

    #[test]
    fn the_headline_comes_first_and_reasons_follow_in_the_same_language() {
        let error = ApiError::validation(Detail::InvalidId {
            field: "id",
            reason: IdError::WrongLength(3),
        });
        assert_eq!(
            error.messages(Language::En, TimeZone::default()),
            [
                "Validation failed",
                "id: must be 24 lowercase hexadecimal characters"
            ]
        );
        assert_eq!(
            error.messages(Language::Tr, TimeZone::default()),
            [
                "Doğrulama başarısız oldu",
                "id: 24 küçük harfli onaltılık karakterden oluşmalıdır"
            ]
        );
    }

    #[test]
    fn privacy_denials_use_the_docs_messages_and_distinct_codes() {
        let blocked = ApiError::from(ViewProfileError::Blocked);
        let private = ApiError::from(ViewProfileError::Private);
        assert_eq!(
            blocked.messages(Language::En, TimeZone::default()),
            ["This profile cannot be viewed"]
        );
        assert_eq!(
            private.messages(Language::En, TimeZone::default()),
            ["This profile cannot be viewed", "This profile is private"]
        );
        assert_eq!(
            private.messages(Language::Tr, TimeZone::default()),
            ["Bu profil görüntülenemiyor", "Bu profil gizli"]
        );
        assert_eq!(blocked.code(), ErrorCode::ProfileUnavailable);
        assert_eq!(private.code(), ErrorCode::ProfilePrivate);
        assert_eq!(blocked.status_code(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn a_stats_denial_opens_with_insufficient_permissions_and_keeps_the_profiles_code() {
        let private = ApiError::for_stats(ViewProfileError::Private);
        let blocked = ApiError::for_stats(ViewProfileError::Blocked);
        assert_eq!(
            private.messages(Language::En, TimeZone::default()),
            ["Insufficient permissions", "This profile is private"]
        );
        assert_eq!(
            blocked.messages(Language::Tr, TimeZone::default()),
            ["Yetersiz yetki", "Bu profil görüntülenemiyor"]
        );
        assert_eq!(private.code(), ErrorCode::ProfilePrivate);
        assert_eq!(blocked.code(), ErrorCode::ProfileUnavailable);
        assert_eq!(private.status_code(), StatusCode::FORBIDDEN);
        assert_eq!(
            ApiError::for_stats(ViewProfileError::NotFound).code(),
            ErrorCode::NotFound
        );
    }

    #[test]
    fn another_users_cursor_is_400_naming_cursor_as_a_malformed_one_is() {
        let error = ApiError::from(allmine_domain::history::ReadHistoryError::ForeignCursor);
        assert_eq!(error.code(), ErrorCode::ValidationFailed);
        assert_eq!(
            error.messages(Language::En, TimeZone::default()),
            [
                "Validation failed",
                "cursor: is not a cursor of this history; send the nextCursor of an earlier answer"
            ]
        );
        assert_eq!(
            error.messages(Language::Tr, TimeZone::default())[1],
            "cursor: bu geçmişe ait bir imleç değil; önceki bir yanıttaki nextCursor değerini gönderin"
        );
        let failed = allmine_domain::history::ReadHistoryError::Repository(
            RepositoryError::Unavailable("down".into()),
        );
        assert_eq!(
            ApiError::from(failed).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn an_unavailable_store_is_503_and_a_failing_one_500() {
        let unavailable = ApiError::from(RepositoryError::Unavailable("down".into()));
        let failed = ApiError::from(RepositoryError::Failed("bad".into()));
        assert_eq!(unavailable.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(failed.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(failed.cause().is_some());
    }

    #[test]
    fn codes_serialise_in_screaming_snake_case() {
        assert_eq!(
            serde_json::to_value(ErrorCode::ProfilePrivate).unwrap(),
            "PROFILE_PRIVATE"
        );
        assert_eq!(
            serde_json::to_value(ErrorCode::ValidationFailed).unwrap(),
            "VALIDATION_FAILED"
        );
    }
}
