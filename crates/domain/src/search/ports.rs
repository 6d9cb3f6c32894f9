//! Every port of the search area: the engine that finds users ([`UserSearch`]) and the
//! one that keeps its index ([`SearchIndexWriter`]), both implemented by the Tantivy
//! adapter; and the store of record's side ([`SearchDirectory`], [`SearchFeed`]),
//! implemented by the PostgreSQL adapter.

use async_trait::async_trait;

use super::model::{IndexChange, IndexedUser, SearchCandidate, SearchHits};
use crate::error::{BoxError, RepositoryError};
use crate::feed::FeedPosition;
use crate::ids::UserId;
use crate::progress::Progress;

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

/// Keeps the search index in step with the users' store, whose change feed orders its
/// changes by [`FeedPosition`].
#[async_trait]
pub trait SearchIndexWriter: Send + Sync {
    /// Applies `changes` in order and commits them together with `through`, the feed
    /// position they reach; once this returns, searches see them and
    /// [`applied_through`](Self::applied_through) says `through`, even after a restart.
    async fn apply(
        &self,
        changes: Vec<IndexChange>,
        through: FeedPosition,
    ) -> Result<(), SearchError>;

    /// The `through` of the last committed [`apply`](Self::apply) or
    /// [`replace_all`](Self::replace_all): where to resume after a restart. `None` for an
    /// index that was never written to, or whose position was written in a format this
    /// version does not read (it is rebuilt).
    async fn applied_through(&self) -> Result<Option<FeedPosition>, SearchError>;

    /// Replaces the whole index with `users`, which reflect the store up to the feed
    /// position `through`, and commits.
    async fn replace_all(
        &self,
        users: Vec<IndexedUser>,
        through: FeedPosition,
    ) -> Result<(), SearchError>;

    /// [`replace_all`](Self::replace_all), telling `progress` of the users indexed as it
    /// goes (the caller has started the phase); an engine may report what follows the
    /// indexing (committing, merging) as phases of their own. By default all users are
    /// reported at the end.
    async fn replace_all_reporting(
        &self,
        users: Vec<IndexedUser>,
        through: FeedPosition,
        progress: &dyn Progress,
    ) -> Result<(), SearchError> {
        let count = users.len() as u64;
        self.replace_all(users, through).await?;
        progress.advance(count);
        Ok(())
    }

    /// Called when changes have stopped coming for a while, and again now and then while
    /// they stay stopped: the engine may reorganise what the changes left (an index split
    /// into parts by live updates answers faster merged), in the background. It must
    /// return at once, and cost next to nothing when there is nothing to reorganise. By
    /// default it does nothing.
    async fn settle(&self) -> Result<(), SearchError> {
        Ok(())
    }
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

/// The store's change feed for the index, read from a [`FeedPosition`]
/// (see [`crate::feed`]): only final changes are read, in order, so a reader
/// that moves to the position a read reached never skips a change nor reads
/// one twice. The feed forgets old changes; see [`FeedRead::Trimmed`].
#[async_trait]
pub trait SearchFeed: Send + Sync {
    /// What the next `at_most` changes after `position` changed in the index,
    /// as the current state of the users they name.
    async fn changes_since(
        &self,
        position: FeedPosition,
        at_most: usize,
    ) -> Result<FeedRead, RepositoryError>;

    /// Every active user, and the position the snapshot covers: every change
    /// below it is in the snapshot; changes after it may or may not be, and
    /// are applied again (applying a user's current state twice is harmless).
    /// The position is never below what the feed has forgotten.
    async fn snapshot(&self) -> Result<(Vec<IndexedUser>, FeedPosition), RepositoryError>;
}

/// One read of the [`SearchFeed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedRead {
    /// The current state of the users changed (a user changed twice is in it
    /// once), and the position after those changes. Changes that search does
    /// not show (follow states, blocks) move the position and change nothing.
    Changes {
        /// Upserts and removals; empty when nothing search shows changed.
        changes: Vec<IndexChange>,
        /// The current state of users whose follow counters alone moved (a
        /// follow): nothing a result shows changed, only what ranks them, so
        /// a sync may apply these later and together. A user changed in any
        /// other way in the same read is in `changes` instead.
        recounts: Vec<IndexedUser>,
        /// The position the read reached (the one read from when nothing
        /// changed after it).
        through: FeedPosition,
        /// Whether the read reached every final change (a reader that asked
        /// for fewer than there were reads again from `through`).
        complete: bool,
    },
    /// Changes after the position were forgotten (the feed keeps them for a
    /// limited time): an index at that position must be rebuilt.
    Trimmed,
}
