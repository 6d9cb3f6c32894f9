//! Every port of the profiles area: how the domain reads users and the relationships
//! between them, and stores a validated profile update. The PostgreSQL adapter implements
//! them; the use cases in [`super::service`] are written against them only.

use async_trait::async_trait;

use super::model::User;
use super::privacy::Relationship;
use super::update::ProfileChanges;
use crate::error::RepositoryError;
use crate::ids::UserId;
use crate::naming::Username;

/// How a user is looked up.
#[derive(Debug, Clone, Copy)]
pub enum UserLookup<'a> {
    /// By id.
    Id(&'a UserId),
    /// By username, ignoring case.
    Username(&'a Username),
}

/// Whether an account can act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    /// Exists and is active.
    Active,
    /// Exists but is deactivated.
    Deactivated,
    /// Does not exist.
    Missing,
}

/// Reads users and the relationships between them.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// The user found by `target` (deactivated users included), together with
    /// how `viewer` stands with them (`Relationship::NONE` for no viewer).
    async fn find_for_viewer(
        &self,
        target: UserLookup<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Option<(User, Relationship)>, RepositoryError>;

    /// Whether the account exists and is active.
    async fn account_state(&self, id: &UserId) -> Result<AccountState, RepositoryError>;

    /// Applies validated changes to the user's profile in one statement.
    async fn update_profile(
        &self,
        id: &UserId,
        changes: &ProfileChanges,
    ) -> Result<(), UpdateProfileFailure>;
}

/// Why a profile update was not stored.
#[derive(Debug, thiserror::Error)]
pub enum UpdateProfileFailure {
    /// The photo does not exist or belongs to another user.
    #[error("the photo is not one of the user's")]
    PhotoNotOwned,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}
