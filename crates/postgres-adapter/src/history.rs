//! The credit history in PostgreSQL: a user's transactions newest first,
//! filtered and paged (by offset, or by keyset after a cursor) on the
//! `(user_id, created_at, id)` index, and the summaries of the streams they
//! belong to. Every statement names the caller as the only user, so no
//! filter can reach another user's records.

use async_trait::async_trait;
use sqlx::PgPool;
use time::OffsetDateTime;

use allmine_domain::RepositoryError;
use allmine_domain::history::{
    CreditTransaction, HistoryFilter, HistoryPageRequest, HistoryRecords, StreamSummary,
    TransactionHistory, TransactionType,
};
use allmine_domain::{StreamId, TransactionId, UserId};

use crate::errors::repository_error;
use crate::replica::ReadRouting;
use crate::rows::{corrupt, count, stream_id};

/// Credit history over PostgreSQL (see migration `history_index` for the index
/// that serves it).
#[derive(Debug, Clone)]
pub struct PgHistory {
    pool: PgPool,
    routing: ReadRouting,
}

impl PgHistory {
    /// An adapter over this pool.
    pub fn new(pool: PgPool) -> Self {
        Self::routed(ReadRouting::primary_only(pool))
    }

    /// An adapter whose pages go where `routing` says for their owner. The
    /// stream summaries stay on the primary: they carry their host's current
    /// username, which may be the caller's own, just changed.
    pub fn routed(routing: ReadRouting) -> Self {
        Self {
            pool: routing.primary().clone(),
            routing,
        }
    }
}

struct Row {
    id: Vec<u8>,
    kind: String,
    amount: i64,
    balance_after: i64,
    stream_id: Option<Vec<u8>>,
    description: String,
    created_at: OffsetDateTime,
}

#[async_trait]
impl TransactionHistory for PgHistory {
    #[tracing::instrument(name = "db.history_page", skip(self), err(Debug))]
    async fn page(
        &self,
        user: &UserId,
        filter: &HistoryFilter,
        page: HistoryPageRequest,
    ) -> Result<HistoryRecords, RepositoryError> {
        self.routing
            .read(
                Some(user),
                |_: &HistoryRecords| false,
                move |pool| history_page(pool, user, filter, page),
            )
            .await
    }

    #[tracing::instrument(name = "db.history_streams", skip(self), err(Debug))]
    async fn streams(&self, ids: &[StreamId]) -> Result<Vec<StreamSummary>, RepositoryError> {
        let ids: Vec<Vec<u8>> = ids.iter().map(|id| id.as_bytes().to_vec()).collect();
        let rows = sqlx::query!(
            r#"
            SELECT s.id, s.title, u.username AS host_username, s.started_at, s.ended_at
            FROM live_streams s
            JOIN users u ON u.id = s.host_id
            WHERE s.id = ANY($1)
            "#,
            &ids,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(repository_error)?;
        rows.into_iter()
            .map(|row| {
                Ok(StreamSummary {
                    id: stream_id(&row.id, "live_streams.id")?,
                    title: row.title,
                    host_username: row.host_username,
                    started_at: row.started_at,
                    ended_at: row.ended_at,
                })
            })
            .collect()
    }
}

async fn history_page(
    pool: &PgPool,
    user: &UserId,
    filter: &HistoryFilter,
    page: HistoryPageRequest,
) -> Result<HistoryRecords, RepositoryError> {
    let user = user.as_bytes().as_slice();
    let types: Vec<String> = filter.types.iter().map(|t| t.as_str().to_owned()).collect();
    let stream = filter.stream.map(|id| id.as_bytes().to_vec());
    let limit = page.limit() as usize;
    // One row more than the page: whether it comes tells whether more follow.
    let fetch = i64::from(page.limit()) + 1;
    // Every statement names the caller as the only user: no filter, and no
    // cursor, can reach another user's records.
    let rows = match page {
        HistoryPageRequest::Numbered(numbered) => {
            let offset = i64::try_from(numbered.offset()).unwrap_or(i64::MAX);
            sqlx::query_as!(
                Row,
                r#"
                    SELECT id, type AS kind, amount, balance_after, stream_id, description, created_at
                    FROM credit_transactions
                    WHERE user_id = $1
                      AND (cardinality($2::text[]) = 0 OR type = ANY($2))
                      AND ($3::timestamptz IS NULL OR created_at >= $3)
                      AND ($4::timestamptz IS NULL OR created_at < $4)
                      AND ($5::bytea IS NULL OR stream_id = $5)
                    ORDER BY created_at DESC, id DESC
                    LIMIT $6 OFFSET $7
                    "#,
                user,
                &types,
                filter.from,
                filter.until,
                stream.as_deref(),
                fetch,
                offset,
            )
            .fetch_all(pool)
            .await
        }
        // Keyset: the row comparison is a bound on the index's
        // (created_at, id) inside the user's range, so the scan starts
        // right after the cursor's record instead of counting past every
        // record before it (migration `history_index`, ADR 0007).
        HistoryPageRequest::After(after) => {
            let cursor = after.cursor();
            sqlx::query_as!(
                Row,
                r#"
                    SELECT id, type AS kind, amount, balance_after, stream_id, description, created_at
                    FROM credit_transactions
                    WHERE user_id = $1
                      AND (created_at, id) < ($6::timestamptz, $7::bytea)
                      AND (cardinality($2::text[]) = 0 OR type = ANY($2))
                      AND ($3::timestamptz IS NULL OR created_at >= $3)
                      AND ($4::timestamptz IS NULL OR created_at < $4)
                      AND ($5::bytea IS NULL OR stream_id = $5)
                    ORDER BY created_at DESC, id DESC
                    LIMIT $8
                    "#,
                user,
                &types,
                filter.from,
                filter.until,
                stream.as_deref(),
                cursor.created_at(),
                cursor.id().as_bytes().as_slice(),
                fetch,
            )
            .fetch_all(pool)
            .await
        }
    }
    .map_err(repository_error)?;
    // The total counts the listing, not what is left of it after a cursor.
    // Unfiltered, it is the user's record counter; filtered by type alone,
    // the sum of the user's counts of those types (both kept exact by
    // triggers, migrations `history_count` and `history_type_counts`);
    // with dates or a stream, the index counts the matches on its own.
    let total = match TotalSource::of(filter) {
        TotalSource::UserCounter => sqlx::query_scalar!(
            r#"SELECT credit_transaction_count AS "total!" FROM users WHERE id = $1"#,
            user
        )
        .fetch_optional(pool)
        .await
        .map_err(repository_error)?
        .unwrap_or(0),
        // `type = ANY` reads each type's row once, however often the
        // filter names it: at most eight rows of the primary key.
        TotalSource::TypeCounts => sqlx::query_scalar!(
            r#"
                SELECT coalesce(sum(count), 0)::bigint AS "total!"
                FROM credit_transaction_type_counts
                WHERE user_id = $1 AND type = ANY($2::text[])
                "#,
            user,
            &types,
        )
        .fetch_one(pool)
        .await
        .map_err(repository_error)?,
        TotalSource::Count => sqlx::query_scalar!(
            r#"
                SELECT count(*) AS "total!"
                FROM credit_transactions
                WHERE user_id = $1
                  AND (cardinality($2::text[]) = 0 OR type = ANY($2))
                  AND ($3::timestamptz IS NULL OR created_at >= $3)
                  AND ($4::timestamptz IS NULL OR created_at < $4)
                  AND ($5::bytea IS NULL OR stream_id = $5)
                "#,
            user,
            &types,
            filter.from,
            filter.until,
            stream.as_deref(),
        )
        .fetch_one(pool)
        .await
        .map_err(repository_error)?,
    };
    let more = rows.len() > limit;
    let records = rows
        .into_iter()
        .take(limit)
        .map(into_domain)
        .collect::<Result<_, _>>()?;
    Ok(HistoryRecords {
        records,
        more,
        total: count(total, "credit_transactions")?,
    })
}

/// Where a listing's exact total comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TotalSource {
    /// No filter: `users.credit_transaction_count`.
    UserCounter,
    /// Types alone: the sum of `credit_transaction_type_counts` of those types.
    TypeCounts,
    /// Dates or a stream: `count(*)` over the user's index range.
    Count,
}

impl TotalSource {
    fn of(filter: &HistoryFilter) -> Self {
        let HistoryFilter {
            types,
            from,
            until,
            stream,
        } = filter;
        if from.is_some() || until.is_some() || stream.is_some() {
            Self::Count
        } else if types.is_empty() {
            Self::UserCounter
        } else {
            Self::TypeCounts
        }
    }
}

fn into_domain(row: Row) -> Result<CreditTransaction, RepositoryError> {
    Ok(CreditTransaction {
        id: TransactionId::from_slice(&row.id).ok_or_else(|| corrupt("credit_transactions.id"))?,
        kind: TransactionType::parse(&row.kind)
            .ok_or_else(|| corrupt("credit_transactions.type"))?,
        amount: row.amount,
        balance_after: row.balance_after,
        stream_id: row
            .stream_id
            .as_deref()
            .map(|id| stream_id(id, "credit_transactions.stream_id"))
            .transpose()?,
        description: row.description,
        created_at: row.created_at,
    })
}
