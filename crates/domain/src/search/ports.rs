//! Every port of the search area: the engine that finds users ([`UserSearch`]) and the
//! one that keeps its index ([`SearchIndexWriter`]), both implemented by the Tantivy
//! adapter; and the store of record's side ([`SearchDirectory`], [`SearchFeed`]),
//! implemented by the PostgreSQL adapter.

use async_trait::async_trait;

use super::model::{IndexChange, IndexedUser, SearchCandidate, SearchHits};
use crate::error::{BoxError, RepositoryError};
use crate::ids::UserId;

/// Why the search engine could not answer or apply changes.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The engine failed (I/O, a corrupt index, a poisoned lock, ...).
    #[error("the search engine failed")]
    Engine(#[source] BoxError),
}

/// Finds users by what people type.
#[async_trait]
pub trait UserSearch: Send + Sync {
    /// The users matching `text` (username, name or surname; case and accents ignored, see
    /// [`fold_for_search`](super::fold_for_search)), best match first, skipping `excluded` users, from rank `offset`
    /// on, at most `limit` of them. A text with no words matches nobody.
    async fn search(
        &self,
        text: &str,
        excluded: &[UserId],
        offset: usize,
        limit: usize,
    ) -> Result<SearchHits, SearchError>;

    /// `count` indexed users picked at random (a different pick on each call), skipping
    /// `excluded` users; `total` is how many users could have been picked.
    /// Picks without ranking or sorting the whole index.
    async fn sample(&self, excluded: &[UserId], count: usize) -> Result<SearchHits, SearchError>;
}

/// Keeps the search index in step with the users' store, which numbers its changes with
/// an increasing sequence.
#[async_trait]
pub trait SearchIndexWriter: Send + Sync {
    /// Applies `changes` in order and commits them together with `through_sequence`, the
    /// sequence of the last change they include; once this returns, searches see them and
    /// [`applied_through`](Self::applied_through) says `through_sequence`, even after a restart.
    async fn apply(
        &self,
        changes: Vec<IndexChange>,
        through_sequence: i64,
    ) -> Result<(), SearchError>;

    /// The `through_sequence` of the last committed [`apply`](Self::apply) or
    /// [`replace_all`](Self::replace_all): where to resume after a restart. `None` for an
    /// index that was never written to.
    async fn applied_through(&self) -> Result<Option<i64>, SearchError>;

    /// Replaces the whole index with `users`, which reflect the store up to
    /// `through_sequence`, and commits.
    async fn replace_all(
        &self,
        users: Vec<IndexedUser>,
        through_sequence: i64,
    ) -> Result<(), SearchError>;
}

/// Reads what search needs from the store of record.
#[async_trait]
pub trait SearchDirectory: Send + Sync {
    /// Users `viewer` has blocked or who blocked `viewer`.
    async fn blocked_either_way(&self, viewer: &UserId) -> Result<Vec<UserId>, RepositoryError>;

    /// The active users among `ids`, in the order of `ids`, with the viewer's
    /// follow state; deactivated or missing users are left out.
    async fn hydrate(
        &self,
        ids: &[UserId],
        viewer: &UserId,
    ) -> Result<Vec<SearchCandidate>, RepositoryError>;
}

/// The store's change feed for the index. A feed position is an opaque,
/// increasing number: everything before it is final and has been read.
/// The feed forgets old changes; see [`FeedRead::Trimmed`].
#[async_trait]
pub trait SearchFeed: Send + Sync {
    /// What changed in the next `at_most` changes after `position`.
    async fn changes_since(
        &self,
        position: i64,
        at_most: usize,
    ) -> Result<FeedRead, RepositoryError>;

    /// Every active user, and the position the snapshot covers: changes from
    /// it on may or may not be in the snapshot, and are applied again
    /// (applying a user's current state twice is harmless). The position is
    /// never below what the feed has forgotten.
    async fn snapshot(&self) -> Result<(Vec<IndexedUser>, i64), RepositoryError>;
}

/// One read of the [`SearchFeed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedRead {
    /// The current state of the users changed (a user changed twice is in it
    /// once), and the position after those changes.
    Changes {
        /// Upserts and removals.
        changes: Vec<IndexChange>,
        /// The position the changes reach.
        through: i64,
    },
    /// Nothing changed after the position.
    UpToDate,
    /// Changes after the position were forgotten (the feed keeps them for a
    /// limited time): an index at that position must be rebuilt.
    Trimmed,
}
