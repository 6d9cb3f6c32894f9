//! Keeping this instance's search index fresh: build or catch up at start,
//! then poll the change feed every [`POLL_EVERY`], catching up until a read
//! reaches every final change. Polling, not LISTEN/NOTIFY: NOTIFY makes every
//! writing transaction queue on one cluster-wide lock at commit (ADR 0011),
//! and an idle poll is one indexed query.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use allmine_domain::feed::FeedLag;
use allmine_domain::search::{SearchSync, SyncError};
use allmine_postgres::{PgPool, PgSearch};
use allmine_search::TantivyUserIndex;

/// How often the change feed is polled: the longest a final change waits
/// before this instance reads it. A change is final once every writing
/// transaction older than it has ended, so a long transaction elsewhere in
/// the cluster delays changes beyond this.
pub const POLL_EVERY: Duration = Duration::from_millis(100);
/// How long to wait before trying again to build the index at start.
pub const RETRY_PREPARE_EVERY: Duration = Duration::from_secs(1);
/// Readiness fails once catching up has kept failing this long: the index
/// then shows a past state of the users.
pub const STALE_AFTER: Duration = Duration::from_secs(10);

/// How often the index's lag behind the change feed is measured (one
/// bounded query each time).
pub const MEASURE_LAG_EVERY: Duration = Duration::from_secs(1);
/// How long the feed must bring no change before the index settles (merges
/// what live changes split, see `TantivyUserIndex::settle_blocking`), and how
/// often it settles again while no change comes.
pub const SETTLE_AFTER: Duration = Duration::from_secs(5);

/// Whether this instance's index is fit to serve: caught up once, and not
/// failing to catch up for longer than [`STALE_AFTER`]. A long catch-up that
/// makes progress (a bulk load) is not a failure. It also keeps the index's
/// last measured lag behind the change feed, for the metrics.
#[derive(Debug, Default)]
pub struct SearchFreshness {
    ready: AtomicBool,
    failing_since: Mutex<Option<Instant>>,
    lag_rows: AtomicU64,
    lag_micros: AtomicU64,
}

impl SearchFreshness {
    /// Records the index's lag behind the change feed.
    pub fn lagging(&self, lag: FeedLag) {
        self.lag_rows.store(lag.rows, Ordering::Relaxed);
        let micros = u64::try_from(lag.oldest.as_micros()).unwrap_or(u64::MAX);
        self.lag_micros.store(micros, Ordering::Relaxed);
    }

    /// The last lag recorded: committed feed rows the index has not applied
    /// and the age of the oldest of them.
    pub fn lag(&self) -> FeedLag {
        FeedLag {
            rows: self.lag_rows.load(Ordering::Relaxed),
            oldest: Duration::from_micros(self.lag_micros.load(Ordering::Relaxed)),
        }
    }

    /// Records a successful catch-up.
    pub fn caught_up(&self) {
        *self.failing_since() = None;
        self.ready.store(true, Ordering::SeqCst);
    }

    /// Records a failed catch-up at `now` (the first of a run of failures counts).
    pub fn failed(&self, now: Instant) {
        self.failing_since().get_or_insert(now);
    }

    /// `Ok` when the index may serve at `now`, else why not.
    pub fn check(&self, now: Instant) -> Result<(), String> {
        if !self.ready.load(Ordering::SeqCst) {
            return Err("search index: still catching up".into());
        }
        match *self.failing_since() {
            Some(since) if now.saturating_duration_since(since) >= STALE_AFTER => Err(format!(
                "search index: catching up has failed for {} s",
                now.saturating_duration_since(since).as_secs()
            )),
            _ => Ok(()),
        }
    }

    fn failing_since(&self) -> MutexGuard<'_, Option<Instant>> {
        self.failing_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Opens (or creates) the on-disk index in `dir`.
pub fn open_index(dir: &Path) -> Result<Arc<TantivyUserIndex>, String> {
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "cannot create the search index directory {}: {e}",
            dir.display()
        )
    })?;
    TantivyUserIndex::open_or_create(dir)
        .map(Arc::new)
        .map_err(|e| format!("cannot open the search index in {}: {e}", dir.display()))
}

/// The sync between `pool`'s change feed and `index`.
pub fn sync_for(pool: &PgPool, index: Arc<TantivyUserIndex>) -> SearchSync {
    SearchSync::new(Arc::new(PgSearch::new(pool.clone())), index)
}

/// How often an instance trims the change feed (every instance does; the
/// trims are idempotent).
pub const TRIM_EVERY: Duration = Duration::from_secs(3600);

/// Builds the index if it was never written, catches up, marks `freshness`
/// ready, then polls the change feed every [`POLL_EVERY`] until the task is
/// dropped, trimming rows older than `retention` (if any) every
/// [`TRIM_EVERY`].
pub async fn keep_fresh(
    pool: PgPool,
    sync: SearchSync,
    freshness: Arc<SearchFreshness>,
    retention: Option<Duration>,
) {
    let feed = PgSearch::new(pool);
    let mut next_trim = Instant::now();
    let mut next_lag = Instant::now();
    loop {
        match sync.prepare().await {
            Ok(()) => break,
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "search index not ready; retrying");
                tokio::time::sleep(RETRY_PREPARE_EVERY).await;
            }
        }
    }
    freshness.caught_up();
    tracing::info!("search index caught up");
    let mut poll = tokio::time::interval(POLL_EVERY);
    // After a slow catch-up (a bulk load), wait a whole interval rather than
    // polling again at once for every tick missed.
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Changes leave the index split; it settles once they have stopped for
    // SETTLE_AFTER (after a start too: the index may have been left split),
    // and again every SETTLE_AFTER while they stay stopped, since a merge
    // already under way makes a settle give up.
    let mut next_settle = Instant::now() + SETTLE_AFTER;
    loop {
        poll.tick().await;
        if catch_up(&sync, &freshness).await > 0 {
            next_settle = Instant::now() + SETTLE_AFTER;
        } else if Instant::now() >= next_settle {
            next_settle = Instant::now() + SETTLE_AFTER;
            if let Err(error) = sync.settle().await {
                tracing::warn!(error = %error_chain(&error), "could not settle the search index");
            }
        }
        if Instant::now() >= next_lag {
            next_lag = Instant::now() + MEASURE_LAG_EVERY;
            measure_lag(&sync, &feed, &freshness).await;
        }
        if let Some(retention) = retention
            && Instant::now() >= next_trim
        {
            next_trim = Instant::now() + TRIM_EVERY;
            trim(&feed, retention).await;
        }
    }
}

/// Catches up; returns how many users changed (none after a failure).
async fn catch_up(sync: &SearchSync, freshness: &SearchFreshness) -> usize {
    match sync.catch_up().await {
        Ok(count) => {
            freshness.caught_up();
            if count > 0 {
                tracing::debug!(count, "search index updated");
            }
            count
        }
        Err(error) => {
            freshness.failed(Instant::now());
            tracing::warn!(error = %error_chain(&error), "search index catch-up failed");
            0
        }
    }
}

/// Records how far the index is behind the feed. A failure keeps the last
/// measure: catching up reports the feed's state in the logs and readiness.
async fn measure_lag(sync: &SearchSync, feed: &PgSearch, freshness: &SearchFreshness) {
    let Ok(position) = sync.applied_through().await else {
        return;
    };
    let position = position.unwrap_or(allmine_domain::feed::FeedPosition::START);
    if let Ok(lag) = feed.feed_lag(position).await {
        freshness.lagging(lag);
    }
}

async fn trim(feed: &PgSearch, retention: Duration) {
    match feed.trim_feed(retention).await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "trimmed the change feed"),
        Err(error) => tracing::warn!(%error, "could not trim the change feed"),
    }
}

fn error_chain(error: &SyncError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_is_not_ready_before_its_first_catch_up() {
        let freshness = SearchFreshness::default();
        assert!(freshness.check(Instant::now()).is_err());
        freshness.caught_up();
        assert_eq!(freshness.check(Instant::now()), Ok(()));
    }

    #[test]
    fn failures_shorter_than_stale_after_keep_it_ready_longer_ones_do_not() {
        let freshness = SearchFreshness::default();
        freshness.caught_up();
        let first = Instant::now();
        freshness.failed(first);
        freshness.failed(first + Duration::from_secs(5));

        assert_eq!(freshness.check(first + STALE_AFTER / 2), Ok(()));
        let stale = freshness.check(first + STALE_AFTER).unwrap_err();
        assert!(stale.contains("has failed for 10 s"), "{stale}");

        freshness.caught_up();
        assert_eq!(freshness.check(first + STALE_AFTER * 3), Ok(()));
    }
}
