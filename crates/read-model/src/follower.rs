//! Following the change feed: every change another instance or another
//! service commits reaches this instance's model within the bound, or the
//! model stops being trusted.
//!
//! A changed user who is held is re-read and replaced in place (a follow
//! changes a hot streamer's counters many times a second; dropping the entry
//! each time would turn the hottest keys into constant misses). A changed pair
//! drops both users' relations as viewers: the feed does not say whether a
//! follow or a block changed, nor which way, and a viewer's relations are one
//! query to read again.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use allmine_domain::feed::{Change, ChangeFeed, FeedBatch, FeedError, FeedPosition};
use allmine_domain::profiles::{UserLookups, UserRepository};
use allmine_domain::{RepositoryError, UserId};

use crate::freshness::Freshness;
use crate::store::{Key, ReadModel};

/// How the follower paces itself.
#[derive(Debug, Clone, Copy)]
pub struct FollowSettings {
    /// The pause between reads once caught up.
    pub poll_every: Duration,
    /// How stale the model may be when it answers: it is trusted for this
    /// long after the moment it is known fresh as of.
    pub stale_at_most: Duration,
    /// Changes read at a time.
    pub batch: usize,
    /// How often the follower counts the feed rows it has not applied yet
    /// (one bounded query on the feed's pool each time).
    pub measure_lag_every: Duration,
}

impl Default for FollowSettings {
    fn default() -> Self {
        Self {
            poll_every: Duration::from_millis(100),
            stale_at_most: Duration::from_secs(1),
            batch: 2_000,
            measure_lag_every: Duration::from_secs(1),
        }
    }
}

/// Held users re-read in one round trip at most.
const REREAD_AT_MOST: usize = 500;

/// Applies the feed's changes to a model, re-reading from `storage`.
pub struct FeedFollower {
    model: Arc<ReadModel>,
    feed: Arc<dyn ChangeFeed>,
    storage: Arc<dyn UserRepository>,
    settings: FollowSettings,
    freshness: Freshness,
}

impl std::fmt::Debug for FeedFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedFollower")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl FeedFollower {
    /// A follower keeping `model` current from `feed`, re-reading `storage`.
    pub fn new(
        model: Arc<ReadModel>,
        feed: Arc<dyn ChangeFeed>,
        storage: Arc<dyn UserRepository>,
        settings: FollowSettings,
    ) -> Self {
        Self {
            model,
            feed,
            storage,
            settings,
            freshness: Freshness::default(),
        }
    }

    /// Follows the feed until the task is dropped.
    pub async fn run(mut self) {
        let mut position = self.start().await;
        let mut failing = false;
        let mut measure_lag_at = Instant::now();
        loop {
            match self.step(position).await {
                Ok((next, complete)) => {
                    if failing {
                        tracing::info!("the read model's change feed is back");
                        failing = false;
                    }
                    position = next;
                    if Instant::now() >= measure_lag_at {
                        measure_lag_at = Instant::now() + self.settings.measure_lag_every;
                        self.measure_lag(position).await;
                    }
                    if complete {
                        tokio::time::sleep(self.settings.poll_every).await;
                    }
                }
                Err(FeedError::Trimmed) => {
                    tracing::warn!("the read model fell behind the trimmed feed; emptying it");
                    self.empty();
                    // Never a hot loop, whatever the feed answers next.
                    tokio::time::sleep(self.settings.poll_every).await;
                    position = self.start().await;
                }
                Err(FeedError::Repository(error)) => {
                    if !failing {
                        tracing::warn!(%error, "cannot read the change feed; the read model is not trusted until it catches up");
                        failing = true;
                    }
                    tokio::time::sleep(self.settings.poll_every).await;
                }
            }
        }
    }

    /// Where an empty model starts: the feed's head, retried until it answers.
    async fn start(&mut self) -> FeedPosition {
        loop {
            match self.feed.head().await {
                Ok(position) => return position,
                Err(error) => {
                    tracing::warn!(%error, "cannot find the change feed's head; retrying");
                    tokio::time::sleep(self.settings.poll_every).await;
                }
            }
        }
    }

    /// One read and its application: the position reached and whether the
    /// read was complete.
    async fn step(&mut self, position: FeedPosition) -> Result<(FeedPosition, bool), FeedError> {
        let read_at = Instant::now();
        let batch = self.feed.read(position, self.settings.batch).await?;
        self.freshness.read_taken(read_at, batch.unstarted_from);
        let FeedBatch {
            changes,
            through,
            complete,
            settled_below,
            ..
        } = batch;
        self.apply(&changes).await;
        if complete && let Some(fresh_as_of) = self.freshness.applied_below(settled_below) {
            self.model.fresh_as_of(fresh_as_of);
            self.model
                .trust_until(fresh_as_of + self.settings.stale_at_most);
        }
        Ok((through, complete))
    }

    /// Records how many committed rows lie beyond `position`. A failure
    /// keeps the last count: the step that follows reports the feed's state.
    async fn measure_lag(&self, position: FeedPosition) {
        if let Ok(lag) = self.feed.lag(position).await {
            self.model.feed_lag_rows(lag.rows);
        }
    }

    fn empty(&mut self) {
        self.model.clear();
        self.freshness.reset();
    }

    /// Applies `changes`: both sides of a pair dropped, held users re-read in
    /// place, the search cards of changed users dropped (not of users whose
    /// counters alone moved: a card shows none).
    async fn apply(&self, changes: &[Change]) {
        let mut users: Vec<UserId> = Vec::new();
        let mut seen = HashSet::new();
        let mut cards_changed = HashSet::new();
        for change in changes {
            let id = match *change {
                Change::Pair(one, other) => {
                    self.model.changed(&Key::Viewer(one), true);
                    self.model.changed(&Key::Viewer(other), true);
                    continue;
                }
                Change::User(id) => {
                    cards_changed.insert(id);
                    id
                }
                Change::Counted(id, _) => id,
            };
            if seen.insert(id) {
                users.push(id);
            }
        }
        // Mark every change before reading any: a read in flight from
        // before must not put an old value back.
        for id in &users {
            if cards_changed.contains(id) {
                self.model.user_changed(id, false);
            } else {
                self.model.changed(&Key::User(*id), false);
            }
        }
        let held: Vec<UserId> = users
            .into_iter()
            .filter(|id| self.model.holds_user(id))
            .collect();
        for chunk in held.chunks(REREAD_AT_MOST) {
            if let Err(error) = self.reread(chunk).await {
                tracing::warn!(%error, "cannot re-read changed users; dropping them");
                for id in chunk {
                    self.model.drop_user(id);
                }
            }
        }
    }

    async fn reread(&self, ids: &[UserId]) -> Result<(), RepositoryError> {
        let ticket = self.model.ticket();
        let found = self
            .storage
            .find_many_for_viewer(UserLookups::Ids(ids), None)
            .await?;
        for (id, found) in ids.iter().zip(found) {
            match found {
                Some((user, _)) => self.model.fill_user(ticket, &user),
                None => self.model.drop_user(id),
            }
        }
        Ok(())
    }
}
