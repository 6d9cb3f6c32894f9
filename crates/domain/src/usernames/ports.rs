//! Every port of the usernames area: the registry of names in use and held, and the
//! atomic store of a username change. The PostgreSQL adapter implements it; the use
//! cases in [`super::service`] are written against it only.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::RepositoryError;
use crate::ids::UserId;
use crate::naming::Username;

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
