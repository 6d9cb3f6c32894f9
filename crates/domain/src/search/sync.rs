//! The index sync use case ([`SearchSync`]): keeping the index fed from the store of
//! record's change feed (read from a [`FeedPosition`], see [`crate::feed`]), in batches,
//! and rebuilding it from a snapshot when it fell behind what the feed forgot.

use std::sync::Arc;

use super::ports::{FeedRead, SearchError, SearchFeed, SearchIndexWriter};
use crate::error::RepositoryError;
use crate::feed::FeedPosition;
use crate::progress::{NoProgress, Progress};

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
    #[error("the index is still behind the change feed after a rebuild (at {0:?})")]
    StillBehind(FeedPosition),
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
        self.rebuild_reporting(&NoProgress).await
    }

    /// [`rebuild`](Self::rebuild), in two phases told to `progress`: reading the
    /// snapshot (one query, no count), then indexing its users.
    pub async fn rebuild_reporting(&self, progress: &dyn Progress) -> Result<usize, SyncError> {
        progress.start("read users", None);
        let (users, through) = self.feed.snapshot().await?;
        progress.finish();
        let count = users.len();
        progress.start("index", Some(count as u64));
        self.index
            .replace_all_reporting(users, through, progress)
            .await?;
        progress.finish();
        Ok(count)
    }

    /// The position the index has applied the feed through; `None`: never written.
    pub async fn applied_through(&self) -> Result<Option<FeedPosition>, SyncError> {
        Ok(self.index.applied_through().await?)
    }

    /// Opens the way for serving: rebuilds a never-written index, then catches up.
    pub async fn prepare(&self) -> Result<(), SyncError> {
        if self.index.applied_through().await?.is_none() {
            self.rebuild().await?;
        }
        self.catch_up().await.map(|_| ())
    }

    /// Tells the index that changes have stopped coming for a while (see
    /// [`SearchIndexWriter::settle`]).
    pub async fn settle(&self) -> Result<(), SyncError> {
        Ok(self.index.settle().await?)
    }

    /// Applies every final change since the index's last applied position,
    /// in commits of at most [`SYNC_BATCH`] changes, each recording the
    /// position it reached, so an interruption never repeats or skips more
    /// than a batch; stops at the first read that reached every final change.
    /// A read that moved the position without changing anything search shows
    /// is committed too, so that the position keeps up. An index so far
    /// behind that the feed forgot what it missed (an instance stopped for
    /// longer than the feed keeps changes) is rebuilt first. Returns how many
    /// users were updated (or indexed, by a rebuild).
    pub async fn catch_up(&self) -> Result<usize, SyncError> {
        let mut position = self
            .index
            .applied_through()
            .await?
            .unwrap_or(FeedPosition::START);
        let mut updated = 0;
        let mut rebuilt = false;
        loop {
            match self.feed.changes_since(position, SYNC_BATCH).await? {
                FeedRead::Changes {
                    changes,
                    through,
                    complete,
                } => {
                    // A read that did not move cannot move on the next try
                    // either: done, whatever it claims.
                    if through <= position {
                        return Ok(updated);
                    }
                    updated += changes.len();
                    self.index.apply(changes, through).await?;
                    position = through;
                    if complete {
                        return Ok(updated);
                    }
                }
                FeedRead::Trimmed if !rebuilt => {
                    updated += self.rebuild().await?;
                    rebuilt = true;
                    position = self
                        .index
                        .applied_through()
                        .await?
                        .unwrap_or(FeedPosition::START);
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

    /// The position of the `n`th row: one transaction per row.
    fn at(n: u64) -> FeedPosition {
        FeedPosition::new(n, n)
    }

    /// A feed of rows numbered 1, 2, ...: a user's change, or `None` for a
    /// change search does not show (a follow state); changes up to
    /// `trimmed_through` are forgotten, and the snapshot holds `users`.
    struct Outbox {
        rows: Vec<(u64, Option<IndexedUser>)>,
        trimmed_through: u64,
        users: Vec<IndexedUser>,
    }

    #[async_trait]
    impl SearchFeed for Outbox {
        async fn changes_since(
            &self,
            position: FeedPosition,
            at_most: usize,
        ) -> Result<FeedRead, RepositoryError> {
            if position < at(self.trimmed_through) {
                return Ok(FeedRead::Trimmed);
            }
            let batch: Vec<_> = self
                .rows
                .iter()
                .filter(|(n, _)| at(*n) > position)
                .take(at_most)
                .collect();
            Ok(FeedRead::Changes {
                changes: batch
                    .iter()
                    .filter_map(|(_, user)| user.clone().map(IndexChange::Upsert))
                    .collect(),
                through: batch.last().map_or(position, |(n, _)| at(*n)),
                complete: batch.len() < at_most,
            })
        }

        async fn snapshot(&self) -> Result<(Vec<IndexedUser>, FeedPosition), RepositoryError> {
            Ok((self.users.clone(), at(self.trimmed_through)))
        }
    }

    /// Records each commit: how many changes, through which position.
    #[derive(Default)]
    struct Commits(Mutex<Vec<(usize, FeedPosition)>>);

    impl Commits {
        fn taken(&self) -> Vec<(usize, FeedPosition)> {
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
            through: FeedPosition,
        ) -> Result<(), SearchError> {
            if let Ok(mut commits) = self.0.lock() {
                commits.push((changes.len(), through));
            }
            Ok(())
        }

        async fn applied_through(&self) -> Result<Option<FeedPosition>, SearchError> {
            Ok(self.taken().last().map(|(_, through)| *through))
        }

        async fn replace_all(
            &self,
            users: Vec<IndexedUser>,
            through: FeedPosition,
        ) -> Result<(), SearchError> {
            self.apply(
                users.into_iter().map(IndexChange::Upsert).collect(),
                through,
            )
            .await
        }
    }

    fn numbered(n: u64) -> IndexedUser {
        let mut bytes = [0; 12];
        bytes[4..].copy_from_slice(&n.to_be_bytes());
        IndexedUser {
            id: UserId::from_bytes(bytes),
            username: format!("user_{n}"),
            name: "Can".into(),
            surname: "Kurt".into(),
            followers: 0,
        }
    }

    fn outbox(rows: u64) -> Outbox {
        Outbox {
            rows: (1..=rows).map(|n| (n, Some(numbered(n)))).collect(),
            trimmed_through: 0,
            users: Vec::new(),
        }
    }

    #[tokio::test]
    async fn catching_up_applies_the_feed_a_batch_per_commit_each_recording_its_position() {
        let rows = 2 * SYNC_BATCH as u64 + 1;
        let commits = Arc::new(Commits::default());
        let sync = SearchSync::new(Arc::new(outbox(rows)), commits.clone());

        assert_eq!(sync.catch_up().await.ok(), Some(rows as usize));

        let batch = SYNC_BATCH as u64;
        assert_eq!(
            commits.taken(),
            [
                (SYNC_BATCH, at(batch)),
                (SYNC_BATCH, at(2 * batch)),
                (1, at(rows))
            ]
        );
        assert_eq!(sync.catch_up().await.ok(), Some(0));
        assert_eq!(commits.taken().len(), 3);
    }

    #[tokio::test]
    async fn changes_search_does_not_show_move_the_position_and_change_nothing() {
        let mut feed = outbox(3);
        feed.rows.push((4, None));
        let commits = Arc::new(Commits::default());
        commits.apply(Vec::new(), at(3)).await.ok();
        let sync = SearchSync::new(Arc::new(feed), commits.clone());

        assert_eq!(sync.catch_up().await.ok(), Some(0));

        assert_eq!(commits.taken(), [(0, at(3)), (0, at(4))]);
    }

    #[tokio::test]
    async fn a_batch_that_fills_exactly_is_followed_by_a_read_that_finds_the_end() {
        let rows = SYNC_BATCH as u64;
        let commits = Arc::new(Commits::default());
        let sync = SearchSync::new(Arc::new(outbox(rows)), commits.clone());

        assert_eq!(sync.catch_up().await.ok(), Some(SYNC_BATCH));

        // The second read found nothing new: nothing more to commit.
        assert_eq!(commits.taken(), [(SYNC_BATCH, at(rows))]);
    }

    #[tokio::test]
    async fn an_index_behind_what_the_feed_forgot_is_rebuilt_then_caught_up() {
        // Rows 1..=10 are gone; the snapshot (3 users) covers them.
        let commits = Arc::new(Commits::default());
        commits.apply(Vec::new(), at(4)).await.ok();
        let sync = SearchSync::new(Arc::new(trimmed_feed()), commits.clone());

        assert_eq!(sync.catch_up().await.ok(), Some(3 + 2));

        assert_eq!(commits.taken(), [(0, at(4)), (3, at(10)), (2, at(12))]);
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
                position: FeedPosition,
                at_most: usize,
            ) -> Result<FeedRead, RepositoryError> {
                self.0.changes_since(position, at_most).await
            }
            async fn snapshot(&self) -> Result<(Vec<IndexedUser>, FeedPosition), RepositoryError> {
                let mut taken = self.1.lock().unwrap();
                *taken += 1;
                if *taken > 1 {
                    return Err(RepositoryError::Failed("a second rebuild".into()));
                }
                Ok((Vec::new(), at(5)))
            }
        }
        let sync = SearchSync::new(
            Arc::new(Lying(feed, Mutex::new(0))),
            Arc::new(Commits::default()),
        );

        assert!(matches!(
            sync.catch_up().await,
            Err(SyncError::StillBehind(position)) if position == at(5)
        ));
    }

    #[tokio::test]
    async fn a_feed_that_claims_more_but_does_not_move_ends_the_catch_up() {
        /// Always "incomplete", never moving.
        struct Stuck;
        #[async_trait]
        impl SearchFeed for Stuck {
            async fn changes_since(
                &self,
                position: FeedPosition,
                _at_most: usize,
            ) -> Result<FeedRead, RepositoryError> {
                Ok(FeedRead::Changes {
                    changes: Vec::new(),
                    through: position,
                    complete: false,
                })
            }
            async fn snapshot(&self) -> Result<(Vec<IndexedUser>, FeedPosition), RepositoryError> {
                Ok((Vec::new(), FeedPosition::START))
            }
        }
        let commits = Arc::new(Commits::default());
        let sync = SearchSync::new(Arc::new(Stuck), commits.clone());

        assert_eq!(sync.catch_up().await.ok(), Some(0));
        assert!(commits.taken().is_empty());
    }

    /// A feed of rows 11 and 12 whose rows up to 10 are forgotten, and whose
    /// snapshot holds three users.
    fn trimmed_feed() -> Outbox {
        let mut feed = outbox(12);
        feed.rows.retain(|(n, _)| *n > 10);
        feed.trimmed_through = 10;
        feed.users = (1..=3).map(numbered).collect();
        feed
    }

    #[tokio::test]
    async fn preparing_a_never_written_index_rebuilds_it_then_catches_up() {
        let commits = Arc::new(Commits::default());
        let sync = SearchSync::new(Arc::new(trimmed_feed()), commits.clone());

        assert!(sync.prepare().await.is_ok());

        assert_eq!(commits.taken(), [(3, at(10)), (2, at(12))]);
    }

    #[tokio::test]
    async fn preparing_a_written_index_only_catches_up() {
        let commits = Arc::new(Commits::default());
        commits.apply(Vec::new(), at(11)).await.ok();
        let sync = SearchSync::new(Arc::new(trimmed_feed()), commits.clone());

        assert!(sync.prepare().await.is_ok());

        assert_eq!(commits.taken(), [(0, at(11)), (1, at(12))]);
    }

    #[test]
    fn the_sync_debugs_as_its_name_only() {
        let sync = SearchSync::new(Arc::new(outbox(0)), Arc::new(Commits::default()));
        assert_eq!(format!("{sync:?}"), "SearchSync { .. }");
    }
    /// Records the phases started and the items reported in each.
    #[derive(Default)]
    struct Phases(Mutex<Vec<(String, Option<u64>, u64)>>);

    impl Progress for Phases {
        fn start(&self, phase: &str, total: Option<u64>) {
            if let Ok(mut phases) = self.0.lock() {
                phases.push((phase.to_owned(), total, 0));
            }
        }
        fn advance(&self, items: u64) {
            if let Ok(mut phases) = self.0.lock()
                && let Some(last) = phases.last_mut()
            {
                last.2 += items;
            }
        }
        fn finish(&self) {}
    }

    #[tokio::test]
    async fn a_rebuild_reports_reading_the_snapshot_then_every_user_indexed() {
        let mut feed = outbox(0);
        feed.users = (1..=7).map(numbered).collect();
        let sync = SearchSync::new(Arc::new(feed), Arc::new(Commits::default()));
        let phases = Phases::default();

        assert_eq!(sync.rebuild_reporting(&phases).await.ok(), Some(7));

        let recorded = phases.0.lock().map(|p| p.clone()).unwrap_or_default();
        assert_eq!(
            recorded,
            [
                ("read users".to_owned(), None, 0),
                ("index".to_owned(), Some(7), 7)
            ]
        );
    }
}
