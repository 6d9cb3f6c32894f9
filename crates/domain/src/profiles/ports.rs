//! Every port of the profiles area: how the domain reads users and the relationships
//! between them, and stores a validated profile update. The PostgreSQL adapter implements
//! them; the use cases in [`super::service`] are written against them only.

use async_trait::async_trait;

use super::batch::RelationshipView;
use super::model::User;
use super::privacy::{Relationship, ViewerRelations};
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

/// How several users are looked up: all by id or all by username.
///
/// ```
/// use allmine_domain::UserId;
/// use allmine_domain::profiles::UserLookups;
///
/// let ids = [UserId::parse("507f1f77bcf86cd799439011")?];
/// assert_eq!(UserLookups::Ids(&ids).len(), 1);
/// assert!(!UserLookups::Ids(&ids).is_empty());
/// assert!(UserLookups::Usernames(&[]).is_empty());
/// # Ok::<(), allmine_domain::IdError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum UserLookups<'a> {
    /// By id.
    Ids(&'a [UserId]),
    /// By username, ignoring case.
    Usernames(&'a [Username]),
}

impl UserLookups<'_> {
    /// How many users are looked up.
    pub fn len(&self) -> usize {
        match self {
            Self::Ids(ids) => ids.len(),
            Self::Usernames(names) => names.len(),
        }
    }

    /// Whether no user is looked up.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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

    /// Each user found by `targets`, in the order asked (`None` where no user
    /// matches; deactivated users included), together with how `viewer` stands
    /// with them, as [`find_for_viewer`](Self::find_for_viewer) answers for one;
    /// read together, in one round trip.
    async fn find_many_for_viewer(
        &self,
        targets: UserLookups<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError>;

    /// For each of `targets` that exists, in the order asked, whether its
    /// account is active (never [`AccountState::Missing`]) and what `viewer`
    /// and it are to each other, both ways; read together, in one round trip.
    async fn relationships_with(
        &self,
        viewer: &UserId,
        targets: &[UserId],
    ) -> Result<Vec<(AccountState, RelationshipView)>, RepositoryError>;

    /// Whether the account exists and is active.
    async fn account_state(&self, id: &UserId) -> Result<AccountState, RepositoryError>;

    /// Applies validated changes to the user's profile in one statement.
    async fn update_profile(
        &self,
        id: &UserId,
        changes: &ProfileChanges,
    ) -> Result<(), UpdateProfileFailure>;
}

/// Reads everything one viewer stands in with others, for a read model that
/// answers the privacy rule's facts for any owner from memory.
#[async_trait]
pub trait ViewerRelationships: Send + Sync {
    /// `viewer`'s follows (accepted or pending) and the users they blocked or
    /// were blocked by, read together in one round trip; `None` when there are
    /// more than `at_most` of them together (too many to be worth holding).
    async fn relations_of(
        &self,
        viewer: &UserId,
        at_most: usize,
    ) -> Result<Option<ViewerRelations>, RepositoryError>;
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
