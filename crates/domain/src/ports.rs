//! The ports: what the domain needs from the outside world, as small traits.
//! Adapters implement them; use cases are written against them only.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::{Relationship, User, UserId, Username};

/// Any error an adapter wants to pass along as the cause of a failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A storage failure, in the only terms the domain cares about: is it worth
/// retrying soon (`Unavailable`) or not (`Failed`)?
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The store cannot be reached or is overloaded right now; a later retry may work.
    #[error("the data store is unavailable")]
    Unavailable(#[source] BoxError),
    /// The store answered with something unexpected.
    #[error("the data store failed")]
    Failed(#[source] BoxError),
}

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
}

/// The current time. A port so that tests can step through a 30-day cooldown
/// without sleeping.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
