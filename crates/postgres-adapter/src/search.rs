//! What search reads from PostgreSQL: the users a viewer must not see (blocks
//! either way), the hydration of a page of hits, and the outbox feed that keeps
//! every instance's index current (its snapshot, its changes after a position,
//! and the trim of old rows behind a horizon).

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use sqlx::PgPool;
use sqlx::postgres::PgListener;

use allmine_domain::RepositoryError;
use allmine_domain::UserId;
use allmine_domain::search::{FeedRead, LiveNow, SearchCandidate, SearchDirectory, SearchFeed};
use allmine_domain::search::{IndexChange, IndexedUser};

use crate::errors::repository_error;
use crate::rows::{count, follow_state, indexed_user, profile_photo, quantity, stream_id, user_id};

/// The channel the outbox triggers notify.
pub const OUTBOX_CHANNEL: &str = "search_outbox";

/// What search needs from PostgreSQL: exclusions, hydration, and the outbox
/// feed (see migration `search_outbox`).
#[derive(Debug, Clone)]
pub struct PgSearch {
    pool: PgPool,
}

impl PgSearch {
    /// An adapter over this pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl SearchDirectory for PgSearch {
    #[tracing::instrument(name = "db.blocked_either_way", skip(self), err(Debug))]
    async fn blocked_either_way(&self, viewer: &UserId) -> Result<Vec<UserId>, RepositoryError> {
        let rows = sqlx::query_scalar!(
            r#"
            SELECT blocked_id AS "id!" FROM blocks WHERE blocker_id = $1
            UNION
            SELECT blocker_id FROM blocks WHERE blocked_id = $1
            "#,
            viewer.as_bytes().as_slice(),
        )
        .fetch_all(&self.pool)
        .await
        .map_err(repository_error)?;
        rows.iter().map(|id| user_id(id, "blocks")).collect()
    }

    #[tracing::instrument(name = "db.search_hydrate", skip(self, ids), fields(count = ids.len()), err(Debug))]
    async fn hydrate(
        &self,
        ids: &[UserId],
        viewer: &UserId,
    ) -> Result<Vec<SearchCandidate>, RepositoryError> {
        let ids: Vec<Vec<u8>> = ids.iter().map(|id| id.as_bytes().to_vec()).collect();
        // One query for the page: the user, the 96 px photo, the stream on air
        // (at most one per host, by a unique index) and the viewer's follow.
        let rows = sqlx::query!(
            r#"
            SELECT u.id, u.username, u.name, u.surname, u.expertise, u.minute_price_in_live_stream,
                   u.is_private,
                   p.id AS "photo_id?", COALESCE(v.url, p.original_url) AS photo_url,
                   p.media_type AS "photo_type?",
                   s.id AS "stream_id?", s.title AS "stream_title?", s.started_at AS "stream_started_at?",
                   s.viewer_count AS "stream_viewers?",
                   (SELECT f.status FROM follows f WHERE f.follower_id = $2 AND f.followee_id = u.id)
                       AS follow_status
            FROM unnest($1::bytea[]) WITH ORDINALITY AS wanted(id, position)
            JOIN users u ON u.id = wanted.id AND u.deactivated_at IS NULL
            LEFT JOIN profile_photos p ON p.id = u.profile_photo_id
            LEFT JOIN profile_photo_variants v ON v.photo_id = p.id AND v.size_px = 96
            LEFT JOIN live_streams s ON s.host_id = u.id AND s.ended_at IS NULL
            ORDER BY wanted.position
            "#,
            &ids,
            viewer.as_bytes().as_slice(),
        )
        .fetch_all(&self.pool)
        .await
        .map_err(repository_error)?;
        rows.into_iter()
            .map(|row| {
                let photo = profile_photo(row.photo_id, row.photo_url, row.photo_type)?;
                let live = match (
                    row.stream_id,
                    row.stream_title,
                    row.stream_started_at,
                    row.stream_viewers,
                ) {
                    (Some(id), Some(title), Some(started_at), Some(viewers)) => Some(LiveNow {
                        id: stream_id(&id, "live_streams.id")?,
                        title,
                        started_at,
                        viewer_count: quantity(viewers, "live_streams.viewer_count")?,
                    }),
                    _ => None,
                };
                let follow = follow_state(row.follow_status.as_deref())?;
                Ok(SearchCandidate {
                    id: user_id(&row.id, "users.id")?,
                    username: row.username,
                    name: row.name,
                    surname: row.surname,
                    expertise: row.expertise,
                    minute_price_in_live_stream: quantity(
                        row.minute_price_in_live_stream,
                        "users.minute_price_in_live_stream",
                    )?,
                    photo,
                    live,
                    is_private: row.is_private,
                    follow,
                })
            })
            .collect()
    }
}

#[async_trait]
impl SearchFeed for PgSearch {
    #[tracing::instrument(name = "db.search_changes", skip(self), err(Debug))]
    async fn changes_since(
        &self,
        position: i64,
        at_most: usize,
    ) -> Result<FeedRead, RepositoryError> {
        let at_most = i64::try_from(at_most).unwrap_or(i64::MAX);
        // Outbox rows take their seq in commit order (see the migration), so
        // every seq below the highest one visible is final.
        let mut tx = self.pool.begin().await.map_err(repository_error)?;
        sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *tx)
            .await
            .map_err(repository_error)?;
        // Read in the same snapshot as the rows: a trim deletes rows and
        // raises the horizon in one statement.
        let trimmed_through =
            sqlx::query_scalar!("SELECT trimmed_through FROM search_outbox_horizon WHERE only_row")
                .fetch_one(&mut *tx)
                .await
                .map_err(repository_error)?;
        if position < trimmed_through {
            return Ok(FeedRead::Trimmed);
        }
        let rows = sqlx::query!(
            r#"
            WITH batch AS (
                SELECT seq, user_id FROM search_outbox
                WHERE seq > $1 ORDER BY seq LIMIT $2
            )
            SELECT (SELECT max(seq) FROM batch) AS "last!", user_id
            FROM (SELECT DISTINCT user_id FROM batch) AS changed
            "#,
            position,
            at_most,
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(repository_error)?;
        let Some(last) = rows.first().map(|row| row.last) else {
            return Ok(FeedRead::UpToDate);
        };
        let changed: Vec<Vec<u8>> = rows.into_iter().map(|row| row.user_id).collect();
        let active = sqlx::query!(
            r#"
            SELECT id, username, name, surname, followers_count
            FROM users WHERE id = ANY($1) AND deactivated_at IS NULL
            "#,
            &changed,
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(repository_error)?;
        tx.commit().await.map_err(repository_error)?;
        let mut changes = Vec::with_capacity(changed.len());
        let still_active: HashSet<Vec<u8>> = active.iter().map(|row| row.id.clone()).collect();
        for row in active {
            changes.push(IndexChange::Upsert(indexed_user(
                &row.id,
                row.username,
                row.name,
                row.surname,
                row.followers_count,
            )?));
        }
        for id in &changed {
            if !still_active.contains(id.as_slice()) {
                changes.push(IndexChange::Remove(user_id(id, "search_outbox.user_id")?));
            }
        }
        Ok(FeedRead::Changes {
            changes,
            through: last,
        })
    }

    #[tracing::instrument(name = "db.search_snapshot", skip(self), err(Debug))]
    async fn snapshot(&self) -> Result<(Vec<IndexedUser>, i64), RepositoryError> {
        let mut tx = self.pool.begin().await.map_err(repository_error)?;
        sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *tx)
            .await
            .map_err(repository_error)?;
        // Read in the same snapshot as the users: every outbox row up to
        // `through` is reflected in them.
        // Never below the horizon: the users reflect every trimmed change,
        // and a trim may have left the outbox empty.
        let through = sqlx::query_scalar!(
            r#"
            SELECT greatest(
                (SELECT max(seq) FROM search_outbox),
                (SELECT trimmed_through FROM search_outbox_horizon WHERE only_row),
                0
            ) AS "through!"
            "#
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(repository_error)?;
        // Streamed: a million users are held once, as `IndexedUser`s, never
        // also as driver rows.
        let mut users = Vec::new();
        let mut rows = sqlx::query!(
            r#"SELECT id, username, name, surname, followers_count FROM users WHERE deactivated_at IS NULL"#
        )
        .fetch(&mut *tx);
        while let Some(row) = rows.try_next().await.map_err(repository_error)? {
            users.push(indexed_user(
                &row.id,
                row.username,
                row.name,
                row.surname,
                row.followers_count,
            )?);
        }
        drop(rows);
        tx.commit().await.map_err(repository_error)?;
        Ok((users, through))
    }
}

impl PgSearch {
    /// Deletes the outbox rows older than `retention` and raises the horizon
    /// to the highest `seq` deleted, in one statement (instances trimming at
    /// once queue on the horizon row). Returns how many rows went.
    #[tracing::instrument(name = "db.trim_search_outbox", skip(self), err(Debug))]
    pub async fn trim_outbox(&self, retention: Duration) -> Result<u64, RepositoryError> {
        let retention_secs = retention.as_secs_f64();
        let deleted = sqlx::query_scalar!(
            r#"
            WITH cutoff AS (
                SELECT max(seq) AS seq FROM search_outbox
                WHERE created_at < now() - make_interval(secs => $1)
            ), gone AS (
                DELETE FROM search_outbox WHERE seq <= (SELECT seq FROM cutoff)
                RETURNING seq
            ), raised AS (
                UPDATE search_outbox_horizon
                SET trimmed_through = (SELECT max(seq) FROM gone)
                WHERE only_row AND (SELECT max(seq) FROM gone) > trimmed_through
            )
            SELECT count(*) AS "deleted!" FROM gone
            "#,
            retention_secs,
        )
        .fetch_one(&self.pool)
        .await
        .map_err(repository_error)?;
        count(deleted, "search_outbox")
    }
}

/// Wakes its owner when the outbox gets new rows.
#[derive(Debug)]
pub struct OutboxListener(PgListener);

impl OutboxListener {
    /// Listens on the outbox channel over a connection of its own.
    pub async fn connect(pool: &PgPool) -> Result<Self, sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(OUTBOX_CHANNEL).await?;
        Ok(Self(listener))
    }

    /// Waits for the next notification. Returns `Ok(false)` when the
    /// connection was lost (it reconnects on the next call): notifications may
    /// have been missed, so the caller should catch up.
    pub async fn wait(&mut self) -> Result<bool, sqlx::Error> {
        Ok(self.0.try_recv().await?.is_some())
    }
}
