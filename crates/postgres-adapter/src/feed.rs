//! The change feed (migration `change_feed`, ADR 0011): [`PgChangeFeed`]
//! implements the domain's [`ChangeFeed`] over a small pool of its own, and
//! the read and the trim it is made of are shared with search
//! ([`PgSearch`](crate::PgSearch)).
//!
//! Rows are tagged with their writing transaction's id and read in (xid, seq)
//! order, only below the horizon `change_feed_settled_below()` gives in the
//! reading statement's snapshot: the oldest transaction then running that may
//! belong to this database (migration `change_feed_local_horizon`). Every
//! transaction numbered below it has finished or cannot write here, so those
//! rows are final and no row can later appear before them. Keyset paging on
//! (xid, seq) is therefore exact. (The snapshot's xmin would do too, but it
//! is cluster-wide: a long transaction in another database held it back.)
//!
//! Transaction ids cross as `xid8::text::int8`: an `xid8` is the 32-bit xid
//! extended by its wraparound epoch, below 2^63 until PostgreSQL has gone
//! through 2^31 epochs, so the cast cannot fail in practice, and the domain's
//! `u64` holds every value.
//!
//! A follow that moves the counters writes one row, not three: its pair row
//! is marked `counters` and read as the `Pair` and both users' `User`
//! changes, numbered inside the row (see [`CHANGES_PER_ROW`]), so a
//! position is `(xid, seq * 3 + k)`.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};

use allmine_domain::RepositoryError;
use allmine_domain::feed::{
    Change, ChangeFeed, Counter, FeedBatch, FeedError, FeedLag, FeedPosition,
};

use crate::errors::repository_error;
use crate::rows::{corrupt, count, user_id};

/// The `application_name` of the feed's own connections, so an operator (or
/// a test) can tell them apart in `pg_stat_activity`.
pub const CHANGE_FEED_APPLICATION: &str = "allmine-change-feed";

/// The feed's connections: one reads, a second lets a read start while the
/// first is being replaced after a failure.
const FEED_CONNECTIONS: u32 = 2;
/// Longest a read waits for a connection (or for the server to accept one):
/// a feed read never hangs; the caller retries on its next poll.
const FEED_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest one read may run on the server. A read is an index range scan of
/// at most one batch.
const FEED_STATEMENT_TIMEOUT: &str = "5000";

/// The PostgreSQL change feed, on a pool of its own (at most two
/// connections named [`CHANGE_FEED_APPLICATION`]), so that reading the feed
/// never waits behind requests for a connection, and requests never wait
/// behind the feed.
///
/// A connection that dies (a restart, `pg_terminate_backend`) fails the read
/// it was in, if any; the next read is served by a fresh connection.
#[derive(Debug, Clone)]
pub struct PgChangeFeed {
    pool: PgPool,
}

impl PgChangeFeed {
    /// A feed over the database `options` point to. Connects lazily: nothing
    /// is opened until the first read.
    pub fn new(options: &PgConnectOptions) -> Self {
        let options = options
            .clone()
            .application_name(CHANGE_FEED_APPLICATION)
            .options([("statement_timeout", FEED_STATEMENT_TIMEOUT)]);
        let pool = PgPoolOptions::new()
            .max_connections(FEED_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(FEED_ACQUIRE_TIMEOUT)
            // A ping before every read: a connection killed since the last read
            // is found dead here and replaced, so the read itself succeeds. A
            // round trip per poll is nothing next to the poll interval.
            .test_before_acquire(true)
            .connect_lazy_with(options);
        Self { pool }
    }

    /// The feed's own pool, for watching its connections.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl ChangeFeed for PgChangeFeed {
    #[tracing::instrument(name = "db.feed_head", skip(self), err(Debug))]
    async fn head(&self) -> Result<FeedPosition, RepositoryError> {
        let mut conn = self.pool.acquire().await.map_err(repository_error)?;
        head(&mut conn).await
    }

    #[tracing::instrument(name = "db.feed_read", skip(self), err(Debug))]
    async fn read(&self, after: FeedPosition, at_most: usize) -> Result<FeedBatch, FeedError> {
        let mut conn = self.pool.acquire().await.map_err(repository_error)?;
        read(&mut conn, after, at_most).await
    }

    #[tracing::instrument(name = "db.feed_lag", skip(self), err(Debug))]
    async fn lag(&self, after: FeedPosition) -> Result<FeedLag, RepositoryError> {
        lag(&self.pool, after).await
    }
}

/// [`ChangeFeed::lag`] on `pool`: the committed rows after `after` (a row is
/// behind unless its last change, `seq * 3 + 2`, is at or before `after`),
/// counted up to [`FeedLag::ROWS_COUNTED_AT_MOST`] along the primary key, and
/// the age of the oldest of them by the database's clock.
pub(crate) async fn lag(pool: &PgPool, after: FeedPosition) -> Result<FeedLag, RepositoryError> {
    let out_of_range = || RepositoryError::Failed("a feed position beyond the change range".into());
    let after_seq = i64::try_from(after.change() / CHANGES_PER_ROW).map_err(|_| out_of_range())?;
    let after_change = i64::try_from(after.change()).map_err(|_| out_of_range())?;
    let at_most = i64::try_from(FeedLag::ROWS_COUNTED_AT_MOST).unwrap_or(i64::MAX);
    let row = sqlx::query!(
        r#"
        SELECT count(*) AS "rows!",
               COALESCE(EXTRACT(EPOCH FROM now() - min(behind.created_at)), 0)::float8 AS "oldest_secs!"
        FROM (
            SELECT f.created_at FROM change_feed f
            WHERE (f.xid, f.seq) >= ($1::text::xid8, $2::int8)
              AND (f.xid, f.seq * 3 + 2) > ($1::text::xid8, $3::int8)
            ORDER BY f.xid, f.seq
            LIMIT $4
        ) behind
        "#,
        after.transaction().to_string(),
        after_seq,
        after_change,
        at_most,
    )
    .fetch_one(pool)
    .await
    .map_err(repository_error)?;
    Ok(FeedLag {
        rows: count(row.rows, "change_feed")?,
        // A writer's clock start can sit a hair after this statement's on
        // another backend: never negative.
        oldest: Duration::try_from_secs_f64(row.oldest_secs.max(0.0)).unwrap_or(Duration::MAX),
    })
}

/// [`ChangeFeed::head`] on `conn`: before the oldest transaction still running
/// that may write here, and never below what the feed has forgotten. On a
/// fresh database a transaction of this database older than the migration that
/// created the feed holds that horizon below the one the migration set; a
/// head there would be read as trimmed, over and over.
pub(crate) async fn head(conn: &mut PgConnection) -> Result<FeedPosition, RepositoryError> {
    let row = sqlx::query!(
        r#"
        SELECT change_feed_settled_below()::text::int8 AS "settled_below!",
               h.trimmed_xid::text::int8 AS "trimmed_xid!", h.trimmed_seq AS "trimmed_seq!"
        FROM change_feed_horizon h WHERE h.only_row
        "#
    )
    .fetch_optional(conn)
    .await
    .map_err(repository_error)?
    // The migration inserts the only row; without it nothing can be told.
    .ok_or_else(|| corrupt("change_feed_horizon"))?;
    let settled =
        FeedPosition::before_transaction(count(row.settled_below, "change_feed_settled_below")?);
    let trimmed_seq = count(row.trimmed_seq, "change_feed_horizon.trimmed_seq")?;
    let forgotten = FeedPosition::new(
        count(row.trimmed_xid, "change_feed_horizon.trimmed_xid")?,
        trimmed_seq
            .saturating_mul(CHANGES_PER_ROW)
            .saturating_add(CHANGES_PER_ROW - 1),
    );
    Ok(settled.max(forgotten))
}

/// Changes numbered per row: a row's changes are numbered `seq * 3 + k`, its
/// last one always `k = 2` (a `user` row's only change, a pair's `Pair`; a
/// pair marked `counters` comes as `Pair`, then `User` of each side, at
/// `k = 0, 1, 2`), so a batch can end inside a row and a position that has
/// read a whole row is the row's `seq * 3 + 2`, whatever its kind.
const CHANGES_PER_ROW: u64 = 3;

/// The changes one row stands for, first to last, with their numbers.
fn expand(row_seq: u64, changes: &[Change]) -> impl Iterator<Item = (u64, Change)> + '_ {
    let last = row_seq * CHANGES_PER_ROW + (CHANGES_PER_ROW - 1);
    let first = last + 1 - changes.len() as u64;
    (first..).zip(changes.iter().copied())
}

/// [`ChangeFeed::read`] on `conn`, in one statement: the horizon, the
/// snapshot's bounds and the rows are all read in the statement's snapshot,
/// so a trim that commits meanwhile is seen either whole or not at all.
pub(crate) async fn read(
    conn: &mut PgConnection,
    after: FeedPosition,
    at_most: usize,
) -> Result<FeedBatch, FeedError> {
    let out_of_range = || RepositoryError::Failed("a feed position beyond the change range".into());
    let after_seq = i64::try_from(after.change() / CHANGES_PER_ROW).map_err(|_| out_of_range())?;
    let after_change = i64::try_from(after.change()).map_err(|_| out_of_range())?;
    // The row `after` is in may be partly read: one row more than changes
    // wanted always holds them.
    let limit = i64::try_from(at_most).unwrap_or(i64::MAX).saturating_add(1);
    // The LEFT JOIN keeps the head row when the batch is empty.
    let rows = sqlx::query!(
        r#"
        WITH head AS (
            SELECT change_feed_settled_below() AS settled_below,
                   pg_snapshot_xmax(pg_current_snapshot()) AS unstarted_from,
                   ($1::text::xid8, $3::int8) < (h.trimmed_xid, h.trimmed_seq * 3 + 2) AS trimmed
            FROM change_feed_horizon h WHERE h.only_row
        ), batch AS (
            SELECT f.xid, f.seq, f.kind, f.user_id, f.other_id, f.counters
            FROM change_feed f
            WHERE (f.xid, f.seq) >= ($1::text::xid8, $2::int8)
              AND f.xid < (SELECT settled_below FROM head)
              AND NOT (SELECT trimmed FROM head)
            ORDER BY f.xid, f.seq
            LIMIT $4
        )
        SELECT head.settled_below::text::int8 AS "settled_below!",
               head.unstarted_from::text::int8 AS "unstarted_from!",
               head.trimmed AS "trimmed!",
               batch.xid::text::int8 AS "xid?", batch.seq AS "seq?", batch.kind AS "kind?",
               batch.user_id AS "user_id?", batch.other_id AS "other_id?",
               batch.counters AS "counters?"
        FROM head LEFT JOIN batch ON true
        ORDER BY batch.xid, batch.seq
        "#,
        after.transaction().to_string(),
        after_seq,
        after_change,
        limit,
    )
    .fetch_all(conn)
    .await
    .map_err(repository_error)?;
    let Some(head) = rows.first() else {
        // The migration inserts the only row; without it nothing can be told.
        return Err(corrupt("change_feed_horizon").into());
    };
    if head.trimmed {
        return Err(FeedError::Trimmed);
    }
    let settled_below = count(head.settled_below, "change_feed_settled_below")?;
    let unstarted_from = count(head.unstarted_from, "pg_snapshot_xmax")?;
    let mut changes = Vec::with_capacity(at_most.min(rows.len() * 3));
    let mut through = after;
    let mut full = false;
    'rows: for row in &rows {
        let (Some(xid), Some(seq), Some(kind), Some(user)) = (
            row.xid,
            row.seq,
            row.kind.as_deref(),
            row.user_id.as_deref(),
        ) else {
            continue;
        };
        let xid = count(xid, "change_feed.xid")?;
        let seq = count(seq, "change_feed.seq")?;
        if seq > u64::MAX / CHANGES_PER_ROW - 1 {
            return Err(out_of_range().into());
        }
        let named = row_changes(kind, user, row.other_id.as_deref(), row.counters)?;
        for (number, change) in expand(seq, &named) {
            let position = FeedPosition::new(xid, number);
            if position <= after {
                continue;
            }
            if changes.len() == at_most {
                full = true;
                break 'rows;
            }
            changes.push(change);
            through = position;
        }
    }
    Ok(FeedBatch {
        // Fewer rows than asked for were final, and all of them fitted.
        complete: !full && (rows.len() as i64) < limit && changes.len() < at_most,
        changes,
        through,
        settled_below,
        unstarted_from,
    })
}

/// What one row stands for: a `user` row its user; a pair the `Pair`, then,
/// when it moved the follow counters, each side's `Counted` (a pair's `user`
/// is the follower, its `other` the one followed).
fn row_changes(
    kind: &str,
    user: &[u8],
    other: Option<&[u8]>,
    counters: Option<bool>,
) -> Result<Vec<Change>, RepositoryError> {
    let user = user_id(user, "change_feed.user_id")?;
    match (kind, other) {
        ("user", None) => Ok(vec![Change::User(user)]),
        ("pair", Some(other)) => {
            let other = user_id(other, "change_feed.other_id")?;
            if counters == Some(true) {
                Ok(vec![
                    Change::Pair(user, other),
                    Change::Counted(user, Counter::Following),
                    Change::Counted(other, Counter::Followers),
                ])
            } else {
                Ok(vec![Change::Pair(user, other)])
            }
        }
        _ => Err(corrupt("change_feed.kind")),
    }
}

/// Deletes the rows older than `retention` and raises the horizon to the
/// position of the last row deleted, in one statement (instances trimming at
/// once queue on the horizon row). Returns how many rows went.
///
/// Only rows of transactions below the statement's xmin go, and with them
/// every row of those transactions: they are final, so no reader can later
/// find a change below the horizon it was not told about. A transaction's
/// rows go together even if some are younger than the retention (a long
/// transaction): a reader that had not read them is told to rebuild.
pub(crate) async fn trim(pool: &PgPool, retention: Duration) -> Result<u64, RepositoryError> {
    let retention_secs = retention.as_secs_f64();
    let deleted = sqlx::query_scalar!(
        r#"
        WITH cutoff AS (
            SELECT max(xid) AS xid FROM change_feed
            WHERE created_at < now() - make_interval(secs => $1)
              AND xid < pg_snapshot_xmin(pg_current_snapshot())
        ), gone AS (
            DELETE FROM change_feed WHERE xid <= (SELECT xid FROM cutoff)
            RETURNING xid, seq
        ), last AS (
            SELECT xid, seq FROM gone ORDER BY xid DESC, seq DESC LIMIT 1
        ), raised AS (
            UPDATE change_feed_horizon h
            SET trimmed_xid = last.xid, trimmed_seq = last.seq
            FROM last
            WHERE h.only_row AND (last.xid, last.seq) > (h.trimmed_xid, h.trimmed_seq)
        )
        SELECT count(*) AS "deleted!" FROM gone
        "#,
        retention_secs,
    )
    .fetch_one(pool)
    .await
    .map_err(repository_error)?;
    count(deleted, "change_feed")
}
