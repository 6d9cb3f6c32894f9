//! The index sync use case ([`SearchSync`]): keeping the index fed from the store of
//! record's change feed (read from a [`FeedPosition`], see [`crate::feed`]), in batches,
//! and rebuilding it from a snapshot when it fell behind what the feed forgot.
//!
//! Follows move follower counts many times a second, and a count only ranks: no
//! result shows it. So a read that brings nothing but recounts (or nothing search
//! shows at all) is held back, up to [`RECOUNT_EVERY`], and committed with whatever
//! comes next; a read that changes what a result shows is committed at once, with
//! everything held. An index commit costs the engine the same for one user as for a
//! hundred, and a hot user followed many times in that while is written once.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::model::{IndexChange, IndexedUser};
use super::ports::{FeedRead, SearchError, SearchFeed, SearchIndexWriter};
use crate::error::RepositoryError;
use crate::feed::FeedPosition;
use crate::ids::UserId;
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
    recount_every: Duration,
    held: Arc<Mutex<Held>>,
}

impl std::fmt::Debug for SearchSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchSync").finish_non_exhaustive()
    }
}

/// Changes read and applied per commit while catching up: after a bulk load
/// of a million users, memory holds one batch, not the million.
pub const SYNC_BATCH: usize = 5_000;

/// How long a read that changed nothing a result shows (follower counts, or
/// nothing search indexes) may wait to be committed. With the feed polled
/// every tenth of a second, a follower count ranks within a second.
pub const RECOUNT_EVERY: Duration = Duration::from_millis(800);

/// What was read from the feed but not committed yet: the latest state of the
/// recounted users, the position the reads reached and when the first of them
/// was held (`None`: nothing held).
#[derive(Debug, Default)]
struct Held {
    recounts: HashMap<UserId, IndexedUser>,
    reached: Option<(FeedPosition, Instant)>,
}

impl Held {
    fn hold(&mut self, recounts: Vec<IndexedUser>, through: FeedPosition) {
        for user in recounts {
            self.recounts.insert(user.id, user);
        }
        let since = self.reached.map_or_else(Instant::now, |(_, since)| since);
        self.reached = Some((through, since));
    }

    fn through(&self) -> Option<FeedPosition> {
        self.reached.map(|(through, _)| through)
    }

    fn is_due(&self, wait: Duration) -> bool {
        self.reached
            .is_some_and(|(_, since)| since.elapsed() >= wait)
    }

    /// Everything held, then `changes`: one commit's worth. A user `changes`
    /// names is read as late as the recount or later, so the recount goes.
    fn with(&mut self, changes: Vec<IndexChange>) -> Vec<IndexChange> {
        let named: HashSet<UserId> = changes
            .iter()
            .map(|change| match change {
                IndexChange::Upsert(user) => user.id,
                IndexChange::Remove(id) => *id,
            })
            .collect();
        let mut all: Vec<IndexChange> = self
            .recounts
            .drain()
            .filter(|(id, _)| !named.contains(id))
            .map(|(_, user)| IndexChange::Upsert(user))
            .collect();
        all.extend(changes);
        all
    }
}

impl SearchSync {
    /// A sync over these ports, holding recounts back up to [`RECOUNT_EVERY`].
    pub fn new(feed: Arc<dyn SearchFeed>, index: Arc<dyn SearchIndexWriter>) -> Self {
        Self {
            feed,
            index,
            recount_every: RECOUNT_EVERY,
            held: Arc::default(),
        }
    }

    /// The same sync, holding recounts back up to `wait` instead (zero commits
    /// every read at once).
    #[must_use]
    pub fn recounting_every(mut self, wait: Duration) -> Self {
        self.recount_every = wait;
        self
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
        *self.held() = Held::default();
        Ok(count)
    }

    /// The position the feed has been read through (some of it possibly
    /// held back, see [`RECOUNT_EVERY`]); `None`: the index was never written.
    pub async fn applied_through(&self) -> Result<Option<FeedPosition>, SyncError> {
        if let Some(through) = self.held().through() {
            return Ok(Some(through));
        }
        Ok(self.index.applied_through().await?)
    }

    /// Opens the way for serving: rebuilds a never-written index, then catches up,
    /// committing everything read.
    pub async fn prepare(&self) -> Result<(), SyncError> {
        if self.index.applied_through().await?.is_none() {
            self.rebuild().await?;
        }
        self.catch_up_holding(Duration::ZERO).await.map(|_| ())
    }

    /// Tells the index that changes have stopped coming for a while (see
    /// [`SearchIndexWriter::settle`]).
    pub async fn settle(&self) -> Result<(), SyncError> {
        Ok(self.index.settle().await?)
    }

    /// Applies every final change since the position last read, in commits
    /// of at most [`SYNC_BATCH`] changes, each recording the position it
    /// reached, so an interruption never repeats or skips more than a batch;
    /// stops at the first read that reached every final change. A read that
    /// changed nothing a result shows (follower counts, or nothing search
    /// indexes) is held back until [`RECOUNT_EVERY`] has passed since the
    /// first such read, then committed with what came since, so that the
    /// position keeps up. An index so far behind that the feed forgot what
    /// it missed (an instance stopped for longer than the feed keeps changes)
    /// is rebuilt first. Returns how many users were read changed (or
    /// indexed, by a rebuild).
    pub async fn catch_up(&self) -> Result<usize, SyncError> {
        self.catch_up_holding(self.recount_every).await
    }

    async fn catch_up_holding(&self, wait: Duration) -> Result<usize, SyncError> {
        // Taken out for the catch-up: after a failure the next one reads
        // again from the last commit (applying a state twice is harmless).
        let mut held = std::mem::take(&mut *self.held());
        let mut position = match held.through() {
            Some(through) => through,
            None => self
                .index
                .applied_through()
                .await?
                .unwrap_or(FeedPosition::START),
        };
        let mut updated = 0;
        let mut rebuilt = false;
        loop {
            match self.feed.changes_since(position, SYNC_BATCH).await? {
                FeedRead::Changes {
                    changes,
                    recounts,
                    through,
                    complete,
                } => {
                    // A read that did not move cannot move on the next try
                    // either: done, whatever it claims.
                    if through <= position {
                        break;
                    }
                    updated += changes.len() + recounts.len();
                    held.hold(recounts, through);
                    position = through;
                    if complete && changes.is_empty() {
                        break;
                    }
                    self.commit(&mut held, changes).await?;
                    if complete {
                        break;
                    }
                }
                FeedRead::Trimmed if !rebuilt => {
                    held = Held::default();
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
        if held.is_due(wait) {
            self.commit(&mut held, Vec::new()).await?;
        }
        *self.held() = held;
        Ok(updated)
    }

    /// Commits what `held` holds with `changes`, through the position it reached.
    async fn commit(&self, held: &mut Held, changes: Vec<IndexChange>) -> Result<(), SyncError> {
        let Some(through) = held.through() else {
            return Ok(());
        };
        let all = held.with(changes);
        self.index.apply(all, through).await?;
        *held = Held::default();
        Ok(())
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
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
        /// Rows whose user's follow counters alone moved.
        recounted: Vec<u64>,
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
            let (recounts, changes): (Vec<_>, Vec<_>) = batch
                .iter()
                .filter_map(|(n, user)| user.clone().map(|user| (n, user)))
                .partition(|(n, _)| self.recounted.contains(n));
            Ok(FeedRead::Changes {
                changes: changes
                    .into_iter()
                    .map(|(_, user)| IndexChange::Upsert(user))
                    .collect(),
                recounts: recounts.into_iter().map(|(_, user)| user).collect(),
                through: batch.last().map_or(position, |(n, _)| at(*n)),
                complete: batch.len() < at_most,
            })
        }

        async fn snapshot(&self) -> Result<(Vec<IndexedUser>, FeedPosition), RepositoryError> {
            Ok((self.users.clone(), at(self.trimmed_through)))
        }
    }

    /// Records each commit: its changes, through which position.
    #[derive(Default)]
    struct Commits(Mutex<Vec<(Vec<IndexChange>, FeedPosition)>>);

    impl Commits {
        /// Each commit: how many changes, through which position.
        fn taken(&self) -> Vec<(usize, FeedPosition)> {
            self.0
                .lock()
                .map(|commits| {
                    commits
                        .iter()
                        .map(|(changes, through)| (changes.len(), *through))
                        .collect()
                })
                .unwrap_or_default()
        }

        /// Every change committed, in order.
        fn changes(&self) -> Vec<IndexChange> {
            self.0
                .lock()
                .map(|commits| {
                    commits
                        .iter()
                        .flat_map(|(changes, _)| changes.clone())
                        .collect()
                })
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
                commits.push((changes, through));
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
            recounted: Vec::new(),
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
        let sync =
            SearchSync::new(Arc::new(feed), commits.clone()).recounting_every(Duration::ZERO);

        assert_eq!(sync.catch_up().await.ok(), Some(0));

        assert_eq!(commits.taken(), [(0, at(3)), (0, at(4))]);
    }

    /// Rows 1..=4: users 1 and 3 recounted, 2 and 4 changed in what a result shows.
    fn recounts_between_changes() -> Outbox {
        let mut feed = outbox(4);
        feed.recounted = vec![1, 3];
        feed
    }

    /// Rows 1 and 2, both recounts.
    fn two_recounts() -> Outbox {
        let mut feed = outbox(2);
        feed.recounted = vec![1, 2];
        feed
    }

    /// Commits that start with an empty one at position 0.
    async fn committed_at_start() -> Arc<Commits> {
        let commits = Arc::new(Commits::default());
        commits.apply(Vec::new(), at(0)).await.ok();
        commits
    }

    /// A sync that never finds recounts due by themselves.
    fn patient(feed: Outbox, commits: &Arc<Commits>) -> SearchSync {
        SearchSync::new(Arc::new(feed), commits.clone()).recounting_every(Duration::from_secs(3600))
    }

    #[tokio::test]
    async fn recounts_alone_wait_and_the_position_read_is_kept_meanwhile() {
        let feed = two_recounts();
        let commits = committed_at_start().await;
        let sync = patient(feed, &commits);

        assert_eq!(sync.catch_up().await.ok(), Some(2));

        assert_eq!(commits.taken(), [(0, at(0))]);
        assert_eq!(sync.applied_through().await.ok(), Some(Some(at(2))));
    }

    #[tokio::test]
    async fn a_change_a_result_shows_is_committed_at_once_with_the_recounts_held() {
        let commits = committed_at_start().await;
        let sync = patient(recounts_between_changes(), &commits);

        assert_eq!(sync.catch_up().await.ok(), Some(4));

        // Rows 1..=4 in one read: the recounts 1 and 3 with the changes 2 and 4.
        assert_eq!(commits.taken(), [(0, at(0)), (4, at(4))]);
    }

    #[tokio::test]
    async fn held_recounts_are_committed_once_due_even_when_nothing_new_comes() {
        let feed = two_recounts();
        let commits = committed_at_start().await;
        let sync = SearchSync::new(Arc::new(feed), commits.clone())
            .recounting_every(Duration::from_millis(1));
        assert_eq!(sync.catch_up().await.ok(), Some(2));
        tokio::time::sleep(Duration::from_millis(5)).await;

        assert_eq!(sync.catch_up().await.ok(), Some(0));

        assert_eq!(commits.taken().last(), Some(&(2, at(2))));
    }

    #[tokio::test]
    async fn a_user_recounted_then_changed_is_written_once_as_changed() {
        let commits = Arc::new(Commits::default());
        let mut feed = outbox(1);
        feed.recounted = vec![1];
        let mut renamed = numbered(1);
        renamed.username = "renamed".into();
        feed.rows.push((2, Some(renamed.clone())));
        let sync = patient(feed, &commits);

        assert_eq!(sync.catch_up().await.ok(), Some(2));

        assert_eq!(commits.changes(), [IndexChange::Upsert(renamed)]);
    }

    #[tokio::test]
    async fn preparing_commits_everything_read_recounts_included() {
        let feed = two_recounts();
        let commits = committed_at_start().await;
        let sync = patient(feed, &commits);

        assert!(sync.prepare().await.is_ok());

        assert_eq!(commits.taken(), [(0, at(0)), (2, at(2))]);
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
                    recounts: Vec::new(),
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
