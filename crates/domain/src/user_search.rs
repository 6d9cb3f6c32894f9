//! Use cases of user search: answering a search, and keeping the index fed
//! from the store of record.
//!
//! PostgreSQL stays the source of truth: the engine returns ids in rank order,
//! the store hydrates them with current data, and a change feed (an outbox
//! numbered by an increasing sequence) keeps the index fresh.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::paging::{Page, PageRequest};
use crate::ports::RepositoryError;
use crate::profiles::CurrentUser;
use crate::search::{
    IndexChange, IndexedUser, SearchError, SearchIndexWriter, UserSearch, fold_for_search,
};
use crate::{FollowState, ProfilePhoto, StreamId, UserId};

/// Most results on one page.
pub const MAX_SEARCH_LIMIT: u32 = 50;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// A live stream on air now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveNow {
    /// The stream's id.
    pub id: StreamId,
    /// Its title.
    pub title: String,
    /// When it went on air.
    pub started_at: OffsetDateTime,
    /// Viewers watching.
    pub viewer_count: u32,
}

/// A user as the store knows them now, for a result list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCandidate {
    /// The user's id.
    pub id: UserId,
    /// Username.
    pub username: String,
    /// Given name.
    pub name: String,
    /// Family name.
    pub surname: String,
    /// What the user does.
    pub expertise: Option<String>,
    /// Credits per minute.
    pub minute_price_in_live_stream: u32,
    /// The profile photo, its `url` the 96 px variant (the original when no
    /// variant exists).
    pub photo: Option<ProfilePhoto>,
    /// The stream on air now.
    pub live: Option<LiveNow>,
    /// Whether the profile is private.
    pub is_private: bool,
    /// Whether the viewer follows the user.
    pub follow: FollowState,
}

/// One result, with only what the user's privacy allows the viewer to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    /// The user's id.
    pub id: UserId,
    /// Username.
    pub username: String,
    /// Given name.
    pub name: String,
    /// Family name.
    pub surname: String,
    /// Hidden (`None`) for a private profile the viewer does not follow.
    pub expertise: Option<String>,
    /// Hidden (`None`) for a private profile the viewer does not follow.
    pub minute_price_in_live_stream: Option<u32>,
    /// The 96 px photo (shown like the username: it identifies the account).
    pub photo: Option<ProfilePhoto>,
    /// Hidden (`None`) for a private profile the viewer does not follow.
    pub live: Option<LiveNow>,
}

impl SearchResult {
    /// What `viewer` may see of `candidate`: all of a public profile, or of a
    /// private one the viewer follows; otherwise who it is, not what it does.
    ///
    /// ```
    /// # use allmine_domain::user_search::*;
    /// # use allmine_domain::{FollowState, UserId};
    /// let candidate = SearchCandidate { id: UserId::from_bytes([1; 12]), username: "jane".into(),
    ///     name: "Jane".into(), surname: "Roe".into(), expertise: Some("chef".into()),
    ///     minute_price_in_live_stream: 3, photo: None, live: None, is_private: true,
    ///     follow: FollowState::Pending };
    /// let shown = SearchResult::as_seen(candidate);
    /// assert_eq!(shown.username, "jane");
    /// assert_eq!(shown.expertise, None);
    /// assert_eq!(shown.minute_price_in_live_stream, None);
    /// ```
    pub fn as_seen(candidate: SearchCandidate) -> Self {
        let open = !candidate.is_private || candidate.follow == FollowState::Accepted;
        Self {
            id: candidate.id,
            username: candidate.username,
            name: candidate.name,
            surname: candidate.surname,
            expertise: candidate.expertise.filter(|_| open),
            minute_price_in_live_stream: open.then_some(candidate.minute_price_in_live_stream),
            photo: candidate.photo,
            live: candidate.live.filter(|_| open),
        }
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

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchUsersError {
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] SearchError),
    /// The store failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// A validated search: at most [`MAX_QUERY_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

/// The query is longer than [`MAX_QUERY_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a query has at most {MAX_QUERY_CHARS} characters")]
pub struct QueryTooLong;

impl SearchText {
    /// A query of at most 100 characters (after trimming).
    pub fn new(text: &str) -> Result<Self, QueryTooLong> {
        let text = text.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryTooLong);
        }
        Ok(Self(text.to_owned()))
    }

    /// Whether the query has no word (then search returns random users).
    pub fn is_blank(&self) -> bool {
        fold_for_search(&self.0).is_empty()
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The search use case.
#[derive(Clone)]
pub struct SearchService {
    engine: Arc<dyn UserSearch>,
    directory: Arc<dyn SearchDirectory>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchService").finish_non_exhaustive()
    }
}

impl SearchService {
    /// A service over these ports.
    pub fn new(engine: Arc<dyn UserSearch>, directory: Arc<dyn SearchDirectory>) -> Self {
        Self { engine, directory }
    }

    /// The users matching `text` for `viewer`, best first; a blank text gives
    /// random users. Users blocked either way are excluded by the engine, so
    /// totals and pages stay right; the viewer is not shown to themself.
    pub async fn search(
        &self,
        viewer: &CurrentUser,
        text: &SearchText,
        page: PageRequest,
    ) -> Result<Page<SearchResult>, SearchUsersError> {
        let mut excluded = self.directory.blocked_either_way(viewer.id()).await?;
        excluded.push(*viewer.id());
        let limit = page.limit() as usize;
        let hits = if text.is_blank() {
            self.engine.sample(&excluded, limit).await?
        } else {
            let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
            self.engine
                .search(text.as_str(), &excluded, offset, limit)
                .await?
        };
        let candidates = self.directory.hydrate(&hits.ids, viewer.id()).await?;
        Ok(Page {
            items: candidates.into_iter().map(SearchResult::as_seen).collect(),
            request: page,
            total: hits.total,
        })
    }
}

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

    use super::*;
    use crate::search::IndexedUser;

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
        /// A feed whose snapshot claims a position below what it forgot.
        struct Lying(Outbox);
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
                Ok((Vec::new(), 5))
            }
        }
        let sync = SearchSync::new(Arc::new(Lying(feed)), Arc::new(Commits::default()));

        assert!(matches!(
            sync.catch_up().await,
            Err(SyncError::StillBehind(5))
        ));
    }
}
