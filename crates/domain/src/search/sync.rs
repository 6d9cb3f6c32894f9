//! The index sync use case ([`SearchSync`]): keeping the index fed from the store of
//! record's change feed (an outbox numbered by an increasing sequence), in batches, and
//! rebuilding it from a snapshot when it fell behind what the feed forgot.

use std::sync::Arc;

use super::ports::{FeedRead, SearchError, SearchFeed, SearchIndexWriter};
use crate::error::RepositoryError;

/// Why the index could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] SearchError),
    /// The store failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// Even a fresh rebuild left the index behind what the feed forgot
    /// (the store's snapshot position is wrong).
    #[error("the index is still behind the change feed after a rebuild (at {0})")]
    StillBehind(i64),
}

/// Keeps the index in step with the store's change feed.
#[derive(Clone)]
pub struct SearchSync {
    feed: Arc<dyn SearchFeed>,
    index: Arc<dyn SearchIndexWriter>,
}

impl std::fmt::Debug for SearchSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchSync").finish_non_exhaustive()
    }
}

/// Changes read and applied per commit while catching up: after a bulk load
/// of a million users, memory holds one batch, not the million.
pub const SYNC_BATCH: usize = 5_000;

impl SearchSync {
    /// A sync over these ports.
    pub fn new(feed: Arc<dyn SearchFeed>, index: Arc<dyn SearchIndexWriter>) -> Self {
        Self { feed, index }
    }

    /// Rebuilds the index from a snapshot of the store. Returns the users indexed.
    pub async fn rebuild(&self) -> Result<usize, SyncError> {
        let (users, through) = self.feed.snapshot().await?;
        let count = users.len();
        self.index.replace_all(users, through).await?;
        Ok(count)
    }

    /// Opens the way for serving: rebuilds a never-written index, then catches up.
    pub async fn prepare(&self) -> Result<(), SyncError> {
        if self.index.applied_through().await?.is_none() {
            self.rebuild().await?;
        }
        self.catch_up().await.map(|_| ())
    }

    /// Applies every change since the index's last applied position, in
    /// commits of at most [`SYNC_BATCH`] changes, each recording the position
    /// it reached, so an interruption never repeats or skips more than a batch.
    /// An index so far behind that the feed forgot what it missed (an instance
    /// stopped for longer than the feed keeps changes) is rebuilt first.
    /// Returns how many users were updated (or indexed, by a rebuild).
    pub async fn catch_up(&self) -> Result<usize, SyncError> {
        let mut position = self.index.applied_through().await?.unwrap_or(0);
        let mut updated = 0;
        let mut rebuilt = false;
        loop {
            match self.feed.changes_since(position, SYNC_BATCH).await? {
                FeedRead::UpToDate => return Ok(updated),
                FeedRead::Changes { changes, through } => {
                    updated += changes.len();
                    self.index.apply(changes, through).await?;
                    position = through;
                }
                FeedRead::Trimmed if !rebuilt => {
                    updated += self.rebuild().await?;
                    rebuilt = true;
                    position = self.index.applied_through().await?.unwrap_or(0);
                }
                FeedRead::Trimmed => return Err(SyncError::StillBehind(position)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::ids::UserId;
    use crate::search::{IndexChange, IndexedUser};

    /// An outbox of `(sequence, user)` rows; changes up to `trimmed_through`
    /// are forgotten, and the snapshot holds `users`.
    struct Outbox {
        rows: Vec<(i64, IndexedUser)>,
        trimmed_through: i64,
        users: Vec<IndexedUser>,
    }

    #[async_trait]
    impl SearchFeed for Outbox {
        async fn changes_since(
            &self,
            position: i64,
            at_most: usize,
        ) -> Result<FeedRead, RepositoryError> {
            if position < self.trimmed_through {
                return Ok(FeedRead::Trimmed);
            }
            let batch: Vec<_> = self
                .rows
                .iter()
                .filter(|(seq, _)| *seq > position)
                .take(at_most)
                .collect();
            Ok(match batch.last() {
                None => FeedRead::UpToDate,
                Some((last, _)) => FeedRead::Changes {
                    changes: batch
                        .iter()
                        .map(|(_, user)| IndexChange::Upsert(user.clone()))
                        .collect(),
                    through: *last,
                },
            })
        }

        async fn snapshot(&self) -> Result<(Vec<IndexedUser>, i64), RepositoryError> {
            Ok((self.users.clone(), self.trimmed_through))
        }
    }

    /// Records each commit: how many changes, through which sequence.
    #[derive(Default)]
    struct Commits(Mutex<Vec<(usize, i64)>>);

    impl Commits {
        fn taken(&self) -> Vec<(usize, i64)> {
            self.0
                .lock()
                .map(|commits| commits.clone())
                .unwrap_or_default()
        }
    }

    #[async_trait]
    impl SearchIndexWriter for Commits {
        async fn apply(
            &self,
            changes: Vec<IndexChange>,
            through_sequence: i64,
        ) -> Result<(), SearchError> {
            if let Ok(mut commits) = self.0.lock() {
                commits.push((changes.len(), through_sequence));
            }
            Ok(())
        }

        async fn applied_through(&self) -> Result<Option<i64>, SearchError> {
            Ok(self.taken().last().map(|(_, through)| *through))
        }

        async fn replace_all(
            &self,
            users: Vec<IndexedUser>,
            through_sequence: i64,
        ) -> Result<(), SearchError> {
            self.apply(
                users.into_iter().map(IndexChange::Upsert).collect(),
                through_sequence,
            )
            .await
        }
    }

    fn numbered(seq: i64) -> IndexedUser {
        let mut bytes = [0; 12];
        bytes[4..].copy_from_slice(&seq.to_be_bytes());
        IndexedUser {
            id: UserId::from_bytes(bytes),
            username: format!("user_{seq}"),
            name: "Can".into(),
            surname: "Kurt".into(),
            followers: 0,
        }
    }

    fn outbox(rows: i64) -> Outbox {
        Outbox {
            rows: (1..=rows).map(|seq| (seq, numbered(seq))).collect(),
            trimmed_through: 0,
            users: Vec::new(),
        }
    }

    #[tokio::test]
    async fn catching_up_applies_the_feed_a_batch_per_commit_each_recording_its_position() {
        let rows = 2 * SYNC_BATCH as i64 + 1;
        let commits = Arc::new(Commits::default());
        let sync = SearchSync::new(Arc::new(outbox(rows)), commits.clone());

        assert_eq!(sync.catch_up().await.ok(), Some(rows as usize));

        let batch = SYNC_BATCH as i64;
        assert_eq!(
            commits.taken(),
            [(SYNC_BATCH, batch), (SYNC_BATCH, 2 * batch), (1, rows)]
        );
        assert_eq!(sync.catch_up().await.ok(), Some(0));
        assert_eq!(commits.taken().len(), 3);
    }

    #[tokio::test]
    async fn an_index_behind_what_the_feed_forgot_is_rebuilt_then_caught_up() {
        // Rows 1..=10 are gone; the snapshot (3 users) covers them.
        let mut feed = outbox(12);
        feed.rows.retain(|(seq, _)| *seq > 10);
        feed.trimmed_through = 10;
        feed.users = (1..=3).map(numbered).collect();
        let commits = Arc::new(Commits::default());
        commits.apply(Vec::new(), 4).await.ok();
        let sync = SearchSync::new(Arc::new(feed), commits.clone());

        assert_eq!(sync.catch_up().await.ok(), Some(3 + 2));

        assert_eq!(commits.taken(), [(0, 4), (3, 10), (2, 12)]);
    }

    #[tokio::test]
    async fn a_rebuild_that_leaves_the_index_behind_is_an_error_not_a_loop() {
        let mut feed = outbox(0);
        feed.trimmed_through = 10;
        /// A feed whose snapshot claims a position below what it forgot. A
        /// second snapshot fails, so that a sync that would rebuild again and
        /// again fails the test at once instead of hanging it.
        struct Lying(Outbox, Mutex<usize>);
        #[async_trait]
        impl SearchFeed for Lying {
            async fn changes_since(
                &self,
                position: i64,
                at_most: usize,
            ) -> Result<FeedRead, RepositoryError> {
                self.0.changes_since(position, at_most).await
            }
            async fn snapshot(&self) -> Result<(Vec<IndexedUser>, i64), RepositoryError> {
                let mut taken = self.1.lock().unwrap();
                *taken += 1;
                if *taken > 1 {
                    return Err(RepositoryError::Failed("a second rebuild".into()));
                }
                Ok((Vec::new(), 5))
            }
        }
        let sync = SearchSync::new(
            Arc::new(Lying(feed, Mutex::new(0))),
            Arc::new(Commits::default()),
        );

        assert!(matches!(
            sync.catch_up().await,
            Err(SyncError::StillBehind(5))
        ));
    }

    /// A feed of rows 11 and 12 whose rows up to 10 are forgotten, and whose
    /// snapshot holds three users.
    fn trimmed_feed() -> Outbox {
        let mut feed = outbox(12);
        feed.rows.retain(|(seq, _)| *seq > 10);
        feed.trimmed_through = 10;
        feed.users = (1..=3).map(numbered).collect();
        feed
    }

    #[tokio::test]
    async fn preparing_a_never_written_index_rebuilds_it_then_catches_up() {
        let commits = Arc::new(Commits::default());
        let sync = SearchSync::new(Arc::new(trimmed_feed()), commits.clone());

        assert!(sync.prepare().await.is_ok());

        assert_eq!(commits.taken(), [(3, 10), (2, 12)]);
    }

    #[tokio::test]
    async fn preparing_a_written_index_only_catches_up() {
        let commits = Arc::new(Commits::default());
        commits.apply(Vec::new(), 11).await.ok();
        let sync = SearchSync::new(Arc::new(trimmed_feed()), commits.clone());

        assert!(sync.prepare().await.is_ok());

        assert_eq!(commits.taken(), [(0, 11), (1, 12)]);
    }

    #[test]
    fn the_sync_debugs_as_its_name_only() {
        let sync = SearchSync::new(Arc::new(outbox(0)), Arc::new(Commits::default()));
        assert_eq!(format!("{sync:?}"), "SearchSync { .. }");
    }
}
