//! The change feed: what changed in storage, in the order its changes became
//! final, for everything that keeps a copy of the users (the search index, the
//! read model). It names what changed, never the new values: a reader re-reads
//! the current state of what a change names, so applying a change late or
//! twice is harmless, and strict commit order is not needed.
//!
//! Positions are ordered by the writing transaction's number, then by the
//! change's number inside the feed. Storage reports, with every read, which
//! transactions are settled (every transaction numbered below
//! [`FeedBatch::settled_below`] has finished, so no change numbered below it
//! can still appear) and which had not started
//! ([`FeedBatch::unstarted_from`]): a reader that has read everything below
//! `settled_below` of a later read has seen every change committed before an
//! earlier read whose `unstarted_from` is at most that.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::RepositoryError;
use crate::ids::UserId;

/// A place in the feed: the changes up to and including it have been read.
///
/// ```
/// use allmine_domain::feed::FeedPosition;
///
/// let early = FeedPosition::new(10, 7);
/// let later_same_transaction = FeedPosition::new(10, 9);
/// let later_transaction = FeedPosition::new(11, 1);
/// assert!(early < later_same_transaction && later_same_transaction < later_transaction);
/// assert!(FeedPosition::before_transaction(11) < later_transaction);
/// assert!(FeedPosition::START < early);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedPosition {
    transaction: u64,
    change: u64,
}

impl FeedPosition {
    /// Before every change.
    pub const START: Self = Self {
        transaction: 0,
        change: 0,
    };

    /// Right after change `change` of transaction `transaction`.
    pub const fn new(transaction: u64, change: u64) -> Self {
        Self {
            transaction,
            change,
        }
    }

    /// Before every change of `transaction` and of the transactions after it.
    pub const fn before_transaction(transaction: u64) -> Self {
        Self {
            transaction,
            change: 0,
        }
    }

    /// The transaction's number.
    pub const fn transaction(self) -> u64 {
        self.transaction
    }

    /// The change's number in the feed.
    pub const fn change(self) -> u64 {
        self.change
    }
}

/// What one change names. Re-read it to learn its new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// Something a profile, a search hit or an account check shows changed:
    /// the user's own fields, counters, photo, privacy, deactivation or live
    /// stream, or the user was created or deleted.
    User(UserId),
    /// Something between two users changed: a follow (requested, accepted or
    /// removed) or a block (added or removed), either way round.
    Pair(UserId, UserId),
    /// Only one of the user's follow counters moved, with the follow that
    /// moved it (its `Pair` comes with it): what shows no counter (a search
    /// result's card) is unchanged, and what shows only the other counter
    /// (the search index ranks by followers alone) is unchanged too.
    Counted(UserId, Counter),
}

/// Which of a user's follow counters a [`Change::Counted`] moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counter {
    /// Their followers: a follow of them was accepted or went.
    Followers,
    /// Whom they follow: a follow of theirs was accepted or went.
    Following,
}

/// One read of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedBatch {
    /// The changes after the position read from, in feed order.
    pub changes: Vec<Change>,
    /// The position the batch reaches (the one read from when it is empty).
    pub through: FeedPosition,
    /// Whether the batch reached every change final when it was read (a
    /// reader that asked for fewer gets `false` and reads again).
    pub complete: bool,
    /// Every transaction numbered below this had finished when the batch was
    /// read: no change of theirs can appear later.
    pub settled_below: u64,
    /// No transaction numbered from this on had started when the batch was
    /// read: every change committed before the read is numbered below it.
    pub unstarted_from: u64,
}

/// Why a feed read failed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Changes after the position were already deleted: whatever was kept
    /// from that position must be rebuilt.
    #[error("changes after this position were trimmed")]
    Trimmed,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// How far a reader at some position is behind the feed: what storage has
/// committed and the reader has not read yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedLag {
    /// Committed rows after the position, counted up to
    /// [`FeedLag::ROWS_COUNTED_AT_MOST`] (more reads as that many). A row
    /// stands for one to three changes.
    pub rows: u64,
    /// How old the oldest of them is, from the start of the transaction that
    /// wrote it (zero when there is none): no change older than this is
    /// missing.
    pub oldest: Duration,
}

impl FeedLag {
    /// Counting stops here, so that measuring a reader far behind costs a
    /// bounded read.
    pub const ROWS_COUNTED_AT_MOST: u64 = 100_000;
}

/// The feed of changes, read from a position.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// A position that misses no change committed after this call: a reader
    /// starting with nothing kept starts here.
    async fn head(&self) -> Result<FeedPosition, RepositoryError>;

    /// At most `at_most` changes after `after`, only final ones, in order.
    async fn read(&self, after: FeedPosition, at_most: usize) -> Result<FeedBatch, FeedError>;

    /// How far a reader that has read through `after` is behind: committed
    /// rows after it, final or not (a change committed behind a longer
    /// transaction is committed all the same).
    async fn lag(&self, after: FeedPosition) -> Result<FeedLag, RepositoryError>;
}
