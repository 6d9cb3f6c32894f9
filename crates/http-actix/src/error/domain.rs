//! The single place where domain errors become codes and reasons.

use allmine_domain::RepositoryError;
use allmine_domain::history::ReadHistoryError;
use allmine_domain::profiles::{AuthenticationError, UpdateProfileError, ViewProfileError};
use allmine_domain::search::SearchUsersError;
use allmine_domain::usernames::{ChangeUsernameError, CheckUsernameError};

use super::{ApiError, Detail, ErrorCode};
use crate::query::ParamProblem;

impl From<RepositoryError> for ApiError {
    fn from(error: RepositoryError) -> Self {
        let code = match error {
            RepositoryError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            RepositoryError::Failed(_) => ErrorCode::InternalError,
        };
        Self::caused(code, Box::new(error))
    }
}

impl From<ViewProfileError> for ApiError {
    fn from(error: ViewProfileError) -> Self {
        match error {
            ViewProfileError::InvalidUsername(reason) => {
                Self::validation(Detail::InvalidUsername {
                    field: "username",
                    reason,
                })
            }
            ViewProfileError::NotFound => Self::new(ErrorCode::NotFound),
            // The docs' 403: "This profile cannot be viewed" first, then
            // why, when the reason is privacy (a block is not told apart).
            ViewProfileError::Blocked => Self::new(ErrorCode::ProfileUnavailable),
            ViewProfileError::Private => {
                Self::with(ErrorCode::ProfilePrivate, Detail::ProfilePrivate)
            }
            ViewProfileError::Repository(error) => error.into(),
        }
    }
}

impl ApiError {
    /// A refused stats request: the stats page's docs open its 403 with
    /// "Insufficient permissions", followed here by the profile's reason; the
    /// code stays the profile's (`PROFILE_PRIVATE`, `PROFILE_UNAVAILABLE`).
    pub fn for_stats(error: ViewProfileError) -> Self {
        let headline = ErrorCode::InsufficientPermissions;
        match error {
            ViewProfileError::Blocked => {
                Self::with(ErrorCode::ProfileUnavailable, Detail::ProfileUnavailable)
                    .headed_by(headline)
            }
            ViewProfileError::Private => {
                Self::with(ErrorCode::ProfilePrivate, Detail::ProfilePrivate).headed_by(headline)
            }
            other => other.into(),
        }
    }
}

impl From<UpdateProfileError> for ApiError {
    fn from(error: UpdateProfileError) -> Self {
        match error {
            UpdateProfileError::Invalid(errors) => Self::with_all(
                ErrorCode::ValidationFailed,
                errors.into_iter().map(Detail::Field).collect(),
            ),
            UpdateProfileError::CallerGone => Self::unauthenticated(Detail::InactiveAccount),
            UpdateProfileError::Repository(error) => error.into(),
        }
    }
}

impl From<CheckUsernameError> for ApiError {
    fn from(error: CheckUsernameError) -> Self {
        match error {
            CheckUsernameError::Invalid(reason) => Self::validation(Detail::InvalidUsername {
                field: "username",
                reason,
            }),
            CheckUsernameError::CallerGone => Self::unauthenticated(Detail::InactiveAccount),
            CheckUsernameError::Repository(error) => error.into(),
        }
    }
}

impl From<ChangeUsernameError> for ApiError {
    fn from(error: ChangeUsernameError) -> Self {
        match error {
            ChangeUsernameError::Invalid(reason) => Self::validation(Detail::InvalidUsername {
                field: "newUsername",
                reason,
            }),
            ChangeUsernameError::Reserved => {
                Self::with(ErrorCode::UsernameReserved, Detail::UsernameReserved)
            }
            ChangeUsernameError::Unchanged => {
                Self::with(ErrorCode::UsernameUnchanged, Detail::UsernameUnchanged)
            }
            ChangeUsernameError::Cooldown {
                next_change_allowed_at,
            } => Self::with(
                ErrorCode::UsernameChangeCooldown,
                Detail::UsernameCooldown(next_change_allowed_at),
            ),
            ChangeUsernameError::Taken => {
                Self::with(ErrorCode::UsernameTaken, Detail::UsernameTaken)
            }
            ChangeUsernameError::Held => Self::with(ErrorCode::UsernameHeld, Detail::UsernameHeld),
            ChangeUsernameError::Concurrent => {
                Self::with(ErrorCode::Conflict, Detail::ConcurrentChange)
            }
            ChangeUsernameError::CallerGone => Self::unauthenticated(Detail::InactiveAccount),
            ChangeUsernameError::Repository(error) => error.into(),
        }
    }
}

/// Another user's cursor is answered as a malformed one is: 400 naming `cursor`.
impl From<ReadHistoryError> for ApiError {
    fn from(error: ReadHistoryError) -> Self {
        match error {
            ReadHistoryError::ForeignCursor => Self::validation(Detail::InvalidParameter {
                name: "cursor".into(),
                problem: ParamProblem::NotACursor,
            }),
            ReadHistoryError::Repository(error) => error.into(),
        }
    }
}

impl From<SearchUsersError> for ApiError {
    fn from(error: SearchUsersError) -> Self {
        match error {
            SearchUsersError::Engine(error) => ApiError::internal(error),
            SearchUsersError::Repository(error) => error.into(),
        }
    }
}

impl From<AuthenticationError> for ApiError {
    fn from(error: AuthenticationError) -> Self {
        match error {
            AuthenticationError::UnknownUser | AuthenticationError::Deactivated => {
                Self::unauthenticated(Detail::InactiveAccount)
            }
            AuthenticationError::Repository(error) => error.into(),
        }
    }
}
