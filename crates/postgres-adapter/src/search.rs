//! What search reads from PostgreSQL: the users a viewer must not see (blocks
//! either way), the hydration of a page of hits, and what keeps every
//! instance's index current: a snapshot of the users, the change feed read
//! as index changes after a position, and the trim of old feed rows behind a
//! horizon (see [`crate::feed`]).

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use sqlx::PgPool;

use allmine_domain::RepositoryError;
use allmine_domain::UserId;
use allmine_domain::feed::{Change, Counter, FeedError, FeedLag, FeedPosition};
use allmine_domain::search::{FeedRead, LiveNow, SearchCandidate, SearchDirectory, SearchFeed};
use allmine_domain::search::{IndexChange, IndexedUser};

use crate::errors::repository_error;
use crate::feed;
use crate::replica::{FallbackReason, ReadRouting};
use crate::rows::{follow_state, indexed_user, profile_photo, quantity, stream_id, user_id};

/// What search needs from PostgreSQL: exclusions, hydration, and the change
/// feed (see migration `change_feed`).
#[derive(Debug, Clone)]
pub struct PgSearch {
    pool: PgPool,
    routing: ReadRouting,
}

impl PgSearch {
    /// An adapter over this pool.
    pub fn new(pool: PgPool) -> Self {
        Self::routed(ReadRouting::primary_only(pool))
    }

    /// An adapter whose directory reads (blocks, hydration) go where
    /// `routing` says; the change feed and the snapshot the index is built
    /// from stay on the primary.
    pub fn routed(routing: ReadRouting) -> Self {
        Self {
            pool: routing.primary().clone(),
            routing,
        }
    }
}

#[async_trait]
impl SearchDirectory for PgSearch {
    #[tracing::instrument(name = "db.blocked_either_way", skip(self), err(Debug))]
    async fn blocked_either_way(&self, viewer: &UserId) -> Result<Vec<UserId>, RepositoryError> {
        self.routing
            .read(
                Some(viewer),
                |_: &Vec<UserId>| false,
                move |pool| blocked_either_way(pool, viewer),
            )
            .await
    }

    #[tracing::instrument(name = "db.search_hydrate", skip(self, ids), fields(count = ids.len()), err(Debug))]
    async fn hydrate(
        &self,
        ids: &[UserId],
        viewer: &UserId,
    ) -> Result<Vec<SearchCandidate>, RepositoryError> {
        // The viewer's own row may be among the hits: read it where their
        // latest write is.
        if ids.contains(viewer) {
            return self
                .routing
                .on_primary(FallbackReason::OwnProfile, move |pool| {
                    hydrate(pool, ids, viewer)
                })
                .await;
        }
        self.routing
            .read(
                Some(viewer),
                |_: &Vec<SearchCandidate>| false,
                move |pool| hydrate(pool, ids, viewer),
            )
            .await
    }
}

async fn hydrate(
    pool: &PgPool,
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
    .fetch_all(pool)
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

async fn blocked_either_way(
    pool: &PgPool,
    viewer: &UserId,
) -> Result<Vec<UserId>, RepositoryError> {
    let rows = sqlx::query_scalar!(
        r#"
            SELECT blocked_id AS "id!" FROM blocks WHERE blocker_id = $1
            UNION
            SELECT blocker_id FROM blocks WHERE blocked_id = $1
            "#,
        viewer.as_bytes().as_slice(),
    )
    .fetch_all(pool)
    .await
    .map_err(repository_error)?;
    rows.iter().map(|id| user_id(id, "blocks")).collect()
}

#[async_trait]
impl SearchFeed for PgSearch {
    #[tracing::instrument(name = "db.search_changes", skip(self), err(Debug))]
    async fn changes_since(
        &self,
        position: FeedPosition,
        at_most: usize,
    ) -> Result<FeedRead, RepositoryError> {
        let mut conn = self.pool.acquire().await.map_err(repository_error)?;
        let batch = match feed::read(&mut conn, position, at_most).await {
            Ok(batch) => batch,
            Err(FeedError::Trimmed) => return Ok(FeedRead::Trimmed),
            Err(FeedError::Repository(error)) => return Err(error),
        };
        // Follow states and blocks are not in the index: they only move the
        // position. Follower counts rank, so a user whose followers moved is
        // re-indexed, as a recount unless the read also changed them
        // otherwise; whom a user follows is not indexed, so the follower's
        // side of a follow changes nothing here (re-indexing it deleted a
        // document of the largest segment per follow, and those deletions
        // force a merge of the whole index).
        let mut shown: HashSet<Vec<u8>> = HashSet::new();
        let mut changed: Vec<Vec<u8>> = Vec::new();
        for change in &batch.changes {
            match change {
                Change::User(id) => {
                    shown.insert(id.as_bytes().to_vec());
                    changed.push(id.as_bytes().to_vec());
                }
                Change::Counted(id, Counter::Followers) => changed.push(id.as_bytes().to_vec()),
                Change::Counted(_, Counter::Following) | Change::Pair(..) => {}
            }
        }
        changed.sort_unstable();
        changed.dedup();
        let mut changes = Vec::new();
        let mut recounts = Vec::new();
        if !changed.is_empty() {
            // Read after the feed, in a later snapshot: the state is at least
            // as new as the changes, and anything newer comes again in a
            // later read (re-applying a current state is harmless).
            let active = sqlx::query!(
                r#"
                SELECT id, username, name, surname, followers_count
                FROM users WHERE id = ANY($1) AND deactivated_at IS NULL
                "#,
                &changed,
            )
            .fetch_all(&mut *conn)
            .await
            .map_err(repository_error)?;
            let still_active: HashSet<Vec<u8>> = active.iter().map(|row| row.id.clone()).collect();
            for row in active {
                let recounted = !shown.contains(&row.id);
                let user = indexed_user(
                    &row.id,
                    row.username,
                    row.name,
                    row.surname,
                    row.followers_count,
                )?;
                if recounted {
                    recounts.push(user);
                } else {
                    changes.push(IndexChange::Upsert(user));
                }
            }
            for id in &changed {
                if !still_active.contains(id.as_slice()) {
                    changes.push(IndexChange::Remove(user_id(id, "change_feed.user_id")?));
                }
            }
        }
        Ok(FeedRead::Changes {
            changes,
            recounts,
            through: batch.through,
            complete: batch.complete,
        })
    }

    #[tracing::instrument(name = "db.search_snapshot", skip(self), err(Debug))]
    async fn snapshot(&self) -> Result<(Vec<IndexedUser>, FeedPosition), RepositoryError> {
        let mut tx = self.pool.begin().await.map_err(repository_error)?;
        sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *tx)
            .await
            .map_err(repository_error)?;
        // The transaction's snapshot is taken here, and the users below are
        // read in it: every transaction below its xmin is reflected in them,
        // so the snapshot covers every change before that transaction. Never
        // below the horizon: a trim only deletes rows of transactions below
        // the xmin of its own, earlier, snapshot.
        let through = feed::head(&mut tx).await?;
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
    /// Deletes the change feed's rows older than `retention` and raises the
    /// feed's horizon past them, in one statement. Returns how many rows went.
    /// (The feed is shared by every reader; search's upkeep trims it because
    /// every instance runs one.)
    #[tracing::instrument(name = "db.trim_change_feed", skip(self), err(Debug))]
    pub async fn trim_feed(&self, retention: Duration) -> Result<u64, RepositoryError> {
        feed::trim(&self.pool, retention).await
    }

    /// How far an index that has applied the feed through `after` is behind
    /// it (see [`ChangeFeed::lag`](allmine_domain::feed::ChangeFeed::lag)).
    #[tracing::instrument(name = "db.search_feed_lag", skip(self), err(Debug))]
    pub async fn feed_lag(&self, after: FeedPosition) -> Result<FeedLag, RepositoryError> {
        feed::lag(&self.pool, after).await
    }
}
