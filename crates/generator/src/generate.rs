//! The load: [`generate`] checks that the names and ids it will create are
//! free, streams every table with COPY in one transaction with the triggers
//! off, recomputes the counters, claims the usernames and notes every new user
//! in the change feed with the triggers back on, commits, and vacuums;
//! [`GeneratorReport`] says what was loaded and how long each phase took.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use allmine_domain::progress::{NoProgress, SharedProgress};
use sqlx::{Connection, PgConnection, PgPool};

use crate::connection::quiet_connection;
use crate::copy::copy_rows;
use crate::error::GenerateError;
use crate::ids::{STREAM_PREFIX, TRANSACTION_PREFIX, USER_PREFIX, object_id};
use crate::plan::{GeneratorSettings, Plan};
use crate::sql::{RECOMPUTE_COUNTERS, RECOMPUTE_TYPE_COUNTS};
use crate::tables::{
    BLOCKS_COPY, FOLLOWS_COPY, STREAMS_COPY, TRANSACTIONS_COPY, USERS_COPY, write_blocks,
    write_follows, write_streams, write_transactions, write_users,
};

/// What [`generate`] loaded, and how long each phase took.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorReport {
    /// Users created.
    pub users: u64,
    /// Follows created (accepted and pending).
    pub follows: u64,
    /// Of which pending.
    pub pending_follows: u64,
    /// Live streams created, on air or ended.
    pub streams: u64,
    /// Of which on air now (ended_at NULL).
    pub live_now: u64,
    /// Blocks created.
    pub blocks: u64,
    /// Credit transactions created.
    pub transactions: u64,
    /// Each phase in order, with its wall-clock time.
    pub phases: Vec<(&'static str, Duration)>,
    /// Everything, from connecting to the end.
    pub total: Duration,
}

impl fmt::Display for GeneratorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "generated {} users, {} follows ({} pending), {} live streams ({} on air now), \
             {} blocks and {} credit transactions in {:.1} s",
            self.users,
            self.follows,
            self.pending_follows,
            self.streams,
            self.live_now,
            self.blocks,
            self.transactions,
            self.total.as_secs_f64()
        )?;
        for (phase, elapsed) in &self.phases {
            writeln!(f, "  {phase:<22} {:>8.1} s", elapsed.as_secs_f64())?;
        }
        Ok(())
    }
}

/// Generates and loads the data described in the crate documentation, in
/// one transaction (nothing is left behind if it fails).
pub async fn generate(
    pool: &PgPool,
    settings: &GeneratorSettings,
) -> Result<GeneratorReport, GenerateError> {
    generate_with_progress(pool, settings, Arc::new(NoProgress)).await
}

/// [`generate`], reporting each phase to `progress`: the tables' rows as
/// they are copied (against the expected count: exact for users, live streams
/// and blocks, the plan's average for follows and credit transactions), and
/// the set-based statements as phases without a count.
pub async fn generate_with_progress(
    pool: &PgPool,
    settings: &GeneratorSettings,
    progress: SharedProgress,
) -> Result<GeneratorReport, GenerateError> {
    let started = Instant::now();
    let plan = Arc::new(Plan::new(settings)?);
    let mut phases = Vec::new();
    let mut clock = Instant::now();
    let lap_progress = progress.clone();
    let mut lap = |phases: &mut Vec<(&'static str, Duration)>, name: &'static str| {
        let now = Instant::now();
        phases.push((name, now - clock));
        clock = now;
        lap_progress.finish();
    };
    let expected = Expected::of(&plan);
    progress.start("prepare", None);

    let mut conn = quiet_connection(pool).await?;
    sqlx::raw_sql(
        "SET statement_timeout = 0; SET lock_timeout = 0;
         SET synchronous_commit = off;
         SET work_mem = '256MB';
         SET maintenance_work_mem = '512MB'",
    )
    .execute(&mut conn)
    .await?;
    refuse_collisions(&mut conn, &plan).await?;

    let mut tx = conn.begin().await?;
    sqlx::raw_sql("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    lap(&mut phases, "prepare");

    let p = plan.clone();
    progress.start("users", Some(expected.users));
    let (users, ()) = copy_rows(&mut tx, USERS_COPY, &progress, move |out| {
        write_users(&p, out)
    })
    .await?;
    lap(&mut phases, "users");
    let p = plan.clone();
    progress.start("live streams", Some(expected.streams));
    let (streams, ()) = copy_rows(&mut tx, STREAMS_COPY, &progress, move |out| {
        write_streams(&p, out)
    })
    .await?;
    lap(&mut phases, "live streams");
    let p = plan.clone();
    progress.start("follows", Some(expected.follows));
    let (follows, pending_follows) = copy_rows(&mut tx, FOLLOWS_COPY, &progress, move |out| {
        write_follows(&p, out)
    })
    .await?;
    lap(&mut phases, "follows");
    let p = plan.clone();
    progress.start("blocks", Some(expected.blocks));
    let (blocks, ()) = copy_rows(&mut tx, BLOCKS_COPY, &progress, move |out| {
        write_blocks(&p, out)
    })
    .await?;
    lap(&mut phases, "blocks");
    let p = plan.clone();
    progress.start("credit transactions", Some(expected.transactions));
    let (transactions, ()) = copy_rows(&mut tx, TRANSACTIONS_COPY, &progress, move |out| {
        write_transactions(&p, out)
    })
    .await?;
    lap(&mut phases, "credit transactions");
    // Still without triggers: the change feed gets one row per user below,
    // not one per changed counter.
    progress.start("counters", None);
    sqlx::query(RECOMPUTE_COUNTERS).execute(&mut *tx).await?;
    lap(&mut phases, "counters");
    progress.start("type counts", None);
    sqlx::query(RECOMPUTE_TYPE_COUNTS).execute(&mut *tx).await?;
    lap(&mut phases, "type counts");

    // From here on the triggers and foreign keys work as usual.
    progress.start("username claims", None);
    sqlx::raw_sql("SET LOCAL session_replication_role = origin")
        .execute(&mut *tx)
        .await?;
    let claimed = sqlx::query(
        "INSERT INTO username_claims (username_key, user_id, held_until)
         SELECT username_key, id, NULL FROM users WHERE id BETWEEN $1 AND $2
         ON CONFLICT (username_key) DO NOTHING",
    )
    .bind(object_id(USER_PREFIX, 1).as_slice())
    .bind(object_id(USER_PREFIX, plan.users).as_slice())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed != users {
        return Err(GenerateError::AlreadyPresent {
            what: format!(
                "a claim on one of the names user_1 ... user_{} ({} of {users} could be claimed)",
                plan.users, claimed
            ),
        });
    }
    lap(&mut phases, "username claims");
    // One change per new user, as the users trigger would have written: the
    // readers of the change feed (running search indexes) pick the new users
    // up like any other change. The follows and blocks among them are not
    // noted one by one (millions of rows): they only involve the new users,
    // whose own changes tell a reader to read them afresh.
    progress.start("change feed", None);
    sqlx::query(
        "INSERT INTO change_feed (kind, user_id)
         SELECT 'user', id FROM users WHERE id BETWEEN $1 AND $2 ORDER BY id",
    )
    .bind(object_id(USER_PREFIX, 1).as_slice())
    .bind(object_id(USER_PREFIX, plan.users).as_slice())
    .execute(&mut *tx)
    .await?;
    lap(&mut phases, "change feed");
    progress.start("commit", None);
    tx.commit().await?;
    lap(&mut phases, "commit");

    // Sets the visibility map (index-only scans) and the planner statistics.
    progress.start("vacuum and analyze", None);
    for statement in [
        "VACUUM (ANALYZE) users",
        "VACUUM (ANALYZE) username_claims",
        "VACUUM (ANALYZE) follows",
        "VACUUM (ANALYZE) blocks",
        "VACUUM (ANALYZE) live_streams",
        "VACUUM (ANALYZE) credit_transactions",
        "VACUUM (ANALYZE) credit_transaction_type_counts",
        "VACUUM (ANALYZE) change_feed",
    ] {
        sqlx::raw_sql(statement).execute(&mut conn).await?;
    }
    lap(&mut phases, "vacuum and analyze");
    conn.close().await?;

    Ok(GeneratorReport {
        users,
        follows,
        pending_follows,
        streams,
        live_now: plan.live_hosts.len() as u64,
        blocks,
        transactions,
        phases,
        total: started.elapsed(),
    })
}

/// The rows each table is expected to get, for the progress shown: exact
/// where the plan fixes the count, the plan's average otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Expected {
    users: u64,
    streams: u64,
    follows: u64,
    blocks: u64,
    transactions: u64,
}

impl Expected {
    fn of(plan: &Plan) -> Self {
        let others = plan.users.saturating_sub(1);
        Self {
            users: plan.users,
            streams: plan.streams,
            follows: plan.users.saturating_mul(plan.follows_per_user),
            blocks: plan.blocks.len() as u64,
            // user_1 has exactly heavy_user_transactions; the others the average.
            transactions: others
                .saturating_mul(plan.transactions_per_user)
                .saturating_add(plan.heavy_user_transactions),
        }
    }
}

/// Refuses to start when a generated name or id is taken: nothing would be
/// loaded anyway, and this error says why.
async fn refuse_collisions(conn: &mut PgConnection, plan: &Plan) -> Result<(), GenerateError> {
    let taken: Option<String> = sqlx::query_scalar(
        "SELECT username_key FROM (
             SELECT username_key FROM username_claims
             UNION ALL
             SELECT username_key FROM users
         ) names
         WHERE username_key ~ '^user_[1-9][0-9]{0,18}$'
           AND substr(username_key, 6)::numeric <= $1
         LIMIT 1",
    )
    .bind(i64::try_from(plan.users).unwrap_or(i64::MAX))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(name) = taken {
        return Err(GenerateError::AlreadyPresent {
            what: format!("the name {name}"),
        });
    }
    for (table, prefix, sql) in [
        (
            "users",
            USER_PREFIX,
            "SELECT encode(id, 'hex') FROM users WHERE id BETWEEN $1 AND $2 LIMIT 1",
        ),
        (
            "live_streams",
            STREAM_PREFIX,
            "SELECT encode(id, 'hex') FROM live_streams WHERE id BETWEEN $1 AND $2 LIMIT 1",
        ),
        (
            "credit_transactions",
            TRANSACTION_PREFIX,
            "SELECT encode(id, 'hex') FROM credit_transactions WHERE id BETWEEN $1 AND $2 LIMIT 1",
        ),
    ] {
        let found: Option<String> = sqlx::query_scalar(sql)
            .bind(object_id(prefix, 0).as_slice())
            .bind(object_id(prefix, u64::MAX).as_slice())
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(id) = found {
            return Err(GenerateError::AlreadyPresent {
                what: format!("the generated id {id} (in {table})"),
            });
        }
    }
    Ok(())
}
