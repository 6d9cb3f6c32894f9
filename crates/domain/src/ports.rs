//! The ports: what the domain needs from the outside world, as small traits.
//! Adapters implement them; use cases are written against them only.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::profile_update::ProfileChanges;
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

/// Who, if anyone, has a name (by its canonical form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameState {
    /// Nobody: it may be taken.
    Free,
    /// Someone's current username.
    InUse {
        /// Its owner.
        owner: UserId,
    },
    /// Given up less than the hold period ago: only its former owner may take it.
    Held {
        /// Its former owner.
        owner: UserId,
        /// When the hold ends.
        until: OffsetDateTime,
    },
}

/// A username change, decided by the domain, to be stored atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernameChange {
    /// Whose name changes.
    pub user: UserId,
    /// The name as read before deciding; the change only applies if it is still current.
    pub old: Username,
    /// The new name.
    pub new: Username,
    /// The cooldown clock as read before deciding; the change only applies if unchanged.
    pub expected_changed_at: Option<OffsetDateTime>,
    /// The cooldown clock after the change (unchanged for a change of case only).
    pub changed_at: Option<OffsetDateTime>,
    /// When the change happens.
    pub now: OffsetDateTime,
    /// Until when the old name stays held for the user (ignored for a change of case only).
    pub hold_until: OffsetDateTime,
}

/// Why the store refused a username change.
#[derive(Debug, thiserror::Error)]
pub enum UsernameChangeFailure {
    /// Someone else uses the name.
    #[error("the name is in use")]
    Taken,
    /// Someone else gave the name up recently; it is held for them.
    #[error("the name is held")]
    Held,
    /// The user's name or cooldown changed since they were read (a concurrent change won).
    #[error("the username changed concurrently")]
    Concurrent,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// The registry of usernames in use and held.
#[async_trait]
pub trait UsernameReservations: Send + Sync {
    /// The state of each canonical name at `now`, in the order asked.
    async fn states(
        &self,
        canonical_names: &[String],
        now: OffsetDateTime,
    ) -> Result<Vec<NameState>, RepositoryError>;

    /// Stores `change` atomically: the new name claimed, the old one held,
    /// the history recorded and the cooldown clock set, or nothing at all.
    /// Two changes racing for one name, or one user's concurrent changes,
    /// are settled here: exactly one succeeds.
    async fn change(&self, change: &UsernameChange) -> Result<(), UsernameChangeFailure>;
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
