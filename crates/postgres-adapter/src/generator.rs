//! Generated data at scale: `allmine seed --users N` fills a database with
//! realistic users, follows, live streams, blocks and credit transactions
//! quickly enough for a million users.
//!
//! # What is generated
//!
//! For `N` users (see [`GeneratorSettings`] for the knobs):
//!
//! - **Users** `user_1` ... `user_N` (the pattern load tools rely on: any
//!   `user_<n>` with `1 <= n <= N` exists). Ids are deterministic: the four
//!   bytes `5eed0001`, then `n` as eight big-endian bytes, so `user_1` is
//!   `5eed00010000000000000001`. Names and surnames come from Turkish and
//!   international lists (with `ç ğ ı İ ö ş ü` and other accents); birth dates
//!   make them 18 to 65 years old; some have a bio, expertise, interests and
//!   social handles. About 10 % are private and 2 % deactivated.
//! - **Follows**, about `follows_per_user` per user (exponentially varying),
//!   with heavy-tailed popularity: the followee is `1 + floor(N * u³)` for a
//!   uniform `u`, so low-numbered users are the most followed (`user_1` by
//!   roughly one user in ten for a million users). Follows of private users
//!   are pending four times in ten; every other follow is accepted. No user
//!   follows themself, and no follow joins two users with a block between
//!   them.
//! - **Live streams**, `N * streams_per_user_ratio` of them (by default one per
//!   ten users), hosts skewed toward popular users. About 0.5 % of the users
//!   are on air now (one open stream each); the rest ended within the last
//!   year.
//! - **Blocks**, about `N / 100` pairs.
//! - **Credit transactions**, on average `transactions_per_user` per user (0 to
//!   twice that), in time order over the last year with an exact running
//!   balance that never goes below zero: each user's first record is a
//!   purchase, and `balance_after` is the previous `balance_after` plus
//!   `amount`.
//!
//! # Documented users
//!
//! - `user_1` to `user_10` are public and active.
//! - `user_1` has exactly `heavy_user_transactions` credit transactions
//!   (100,000 by default) and is the most followed user.
//! - `user_2` is always on air.
//! - `user_3` has blocked `user_4`.
//!
//! # How it is fast
//!
//! Rows are made in Rust by a small deterministic pseudo-random generator
//! (splitmix64: the same seed gives the same users, follows and records; only
//! the timestamps move with the clock) on a blocking thread, and streamed to
//! PostgreSQL with `COPY ... FROM STDIN` in chunks of about 1 MiB while the
//! next chunk is being made. The load runs on one connection in one
//! transaction with `session_replication_role = replica`, which turns off the
//! triggers (the counter triggers, the username claim and the foreign-key
//! checks; a superuser is needed). The data is consistent by construction.
//! Then every counter is recomputed from the tables with one set-based
//! `UPDATE`; with the triggers back on, the usernames are claimed and each
//! new user gets one row in the search outbox (so running instances index
//! them like any other change); the transaction commits, and the tables are
//! vacuumed and analysed.
//!
//! [`check_counters`] recounts everything and verifies every balance chain.
//!
//! Unlike the rest of this crate, this module uses runtime queries only
//! (`sqlx::query`, `raw_sql`, `COPY`): they need no `.sqlx` metadata.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use allmine_domain::history::TransactionType;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool, Row};
use tokio::sync::mpsc;

/// How much to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorSettings {
    /// Users `user_1` ... `user_<users>`.
    pub users: u64,
    /// Average follows made by each user (default 10).
    pub follows_per_user: u64,
    /// Live streams per user (default 0.1: one stream per ten users).
    pub streams_per_user_ratio: f64,
    /// Average credit transactions per user (default 10).
    pub transactions_per_user: u64,
    /// Credit transactions of `user_1` (default 100,000).
    pub heavy_user_transactions: u64,
    /// Seed of the pseudo-random generator: the same seed gives the same data.
    pub seed: u64,
}

impl GeneratorSettings {
    /// The defaults for this many users.
    pub fn new(users: u64) -> Self {
        Self {
            users,
            follows_per_user: 10,
            streams_per_user_ratio: 0.1,
            transactions_per_user: 10,
            heavy_user_transactions: 100_000,
            seed: 1,
        }
    }
}

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

/// Why [`generate`] did not load the data.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The settings make no sense.
    #[error("invalid generator settings: {0}")]
    InvalidSettings(String),
    /// Generated names or ids are already in the database.
    #[error(
        "{what} is already in the database: the generator creates user_1 ... user_N and needs \
         them free (use a fresh database, for example another DATABASE_URL)"
    )]
    AlreadyPresent {
        /// The name or id found.
        what: String,
    },
    /// PostgreSQL refused something.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The thread making the rows died.
    #[error("the row generator failed: {0}")]
    Generator(String),
}

/// Generates and loads the data described in the module documentation, in
/// one transaction (nothing is left behind if it fails).
pub async fn generate(
    pool: &PgPool,
    settings: &GeneratorSettings,
) -> Result<GeneratorReport, GenerateError> {
    let started = Instant::now();
    let plan = Arc::new(Plan::new(settings)?);
    let mut phases = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |phases: &mut Vec<(&'static str, Duration)>, name: &'static str| {
        let now = Instant::now();
        phases.push((name, now - clock));
        clock = now;
    };

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
    let (users, ()) = copy_rows(&mut tx, USERS_COPY, move |out| write_users(&p, out)).await?;
    lap(&mut phases, "users");
    let p = plan.clone();
    let (streams, ()) = copy_rows(&mut tx, STREAMS_COPY, move |out| write_streams(&p, out)).await?;
    lap(&mut phases, "live streams");
    let p = plan.clone();
    let (follows, pending_follows) =
        copy_rows(&mut tx, FOLLOWS_COPY, move |out| write_follows(&p, out)).await?;
    lap(&mut phases, "follows");
    let p = plan.clone();
    let (blocks, ()) = copy_rows(&mut tx, BLOCKS_COPY, move |out| write_blocks(&p, out)).await?;
    lap(&mut phases, "blocks");
    let p = plan.clone();
    let (transactions, ()) = copy_rows(&mut tx, TRANSACTIONS_COPY, move |out| {
        write_transactions(&p, out)
    })
    .await?;
    lap(&mut phases, "credit transactions");
    // Still without triggers: the search outbox gets one row per user below,
    // not one per changed counter.
    sqlx::query(RECOMPUTE_COUNTERS).execute(&mut *tx).await?;
    lap(&mut phases, "counters");

    // From here on the triggers and foreign keys work as usual.
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
    // Last, because the first note takes the outbox's lock until the commit:
    // running search indexes then pick the new users up like any other change.
    sqlx::query(
        "SELECT count(*) FROM (
             SELECT search_outbox_note(id) FROM users WHERE id BETWEEN $1 AND $2 ORDER BY id
         ) notes",
    )
    .bind(object_id(USER_PREFIX, 1).as_slice())
    .bind(object_id(USER_PREFIX, plan.users).as_slice())
    .execute(&mut *tx)
    .await?;
    lap(&mut phases, "search outbox");
    tx.commit().await?;
    lap(&mut phases, "commit");

    // Sets the visibility map (index-only scans) and the planner statistics.
    for statement in [
        "VACUUM (ANALYZE) users",
        "VACUUM (ANALYZE) username_claims",
        "VACUUM (ANALYZE) follows",
        "VACUUM (ANALYZE) blocks",
        "VACUUM (ANALYZE) live_streams",
        "VACUUM (ANALYZE) credit_transactions",
        "VACUUM (ANALYZE) search_outbox",
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

/// Where the stored counters and balances disagree with the tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterDrift {
    /// Users looked at.
    pub users_checked: u64,
    /// Users whose `followers_count` is not their number of accepted followers.
    pub followers: u64,
    /// Users whose `following_count` is not the number of accepted follows they made.
    pub following: u64,
    /// Users whose `total_live_streams` is not their number of live streams.
    pub live_streams: u64,
    /// Users whose `credit_balance` is not the `balance_after` of their latest
    /// credit transaction (0 without any).
    pub credit_balance: u64,
    /// Users whose `credit_transaction_count` is not their number of credit
    /// transactions.
    pub credit_transactions: u64,
    /// Credit transactions whose `balance_after` is not the previous record's
    /// `balance_after` (0 for a user's first) plus `amount`.
    pub broken_balance_chain: u64,
}

impl CounterDrift {
    /// Whether every counter, balance and balance chain is exact.
    pub fn is_exact(&self) -> bool {
        self.followers == 0
            && self.following == 0
            && self.live_streams == 0
            && self.credit_balance == 0
            && self.credit_transactions == 0
            && self.broken_balance_chain == 0
    }
}

impl fmt::Display for CounterDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users checked: followers_count wrong for {}, following_count for {}, \
             total_live_streams for {}, credit_balance for {}, credit_transaction_count for {}; \
             {} credit transactions break their balance chain",
            self.users_checked,
            self.followers,
            self.following,
            self.live_streams,
            self.credit_balance,
            self.credit_transactions,
            self.broken_balance_chain
        )
    }
}

/// Recounts every user's followers, following, live streams and credit
/// balance from the tables, and checks every credit transaction's
/// `balance_after` against its predecessor. Reads only.
pub async fn check_counters(pool: &PgPool) -> Result<CounterDrift, sqlx::Error> {
    let mut conn = quiet_connection(pool).await?;
    let mut tx = conn.begin().await?;
    sqlx::raw_sql(
        "SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0; SET LOCAL work_mem = '256MB'",
    )
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(CHECK_COUNTERS).fetch_one(&mut *tx).await?;
    let broken: i64 = sqlx::query_scalar(CHECK_BALANCE_CHAINS)
        .fetch_one(&mut *tx)
        .await?;
    tx.rollback().await?;
    conn.close().await?;
    let count = |column: &str| -> Result<u64, sqlx::Error> {
        Ok(row.try_get::<i64, _>(column)?.unsigned_abs())
    };
    Ok(CounterDrift {
        users_checked: count("users")?,
        followers: count("followers")?,
        following: count("following")?,
        live_streams: count("live_streams")?,
        credit_balance: count("credit_balance")?,
        credit_transactions: count("credit_transactions")?,
        broken_balance_chain: broken.unsigned_abs(),
    })
}

/// A connection of our own, like the pool's: its settings never leak into the
/// pool, and the long statements do not fill the logs with "slow statement"
/// warnings.
async fn quiet_connection(pool: &PgPool) -> Result<PgConnection, sqlx::Error> {
    let options = (*pool.connect_options())
        .clone()
        .disable_statement_logging();
    PgConnection::connect_with(&options).await
}

// SQL -------------------------------------------------------------------------

/// Every user's counters as the tables say they should be.
macro_rules! recount_cte {
    () => {
        "WITH followers AS (
             SELECT followee_id AS id, count(*) AS n FROM follows
             WHERE status = 'accepted' GROUP BY followee_id
         ),
         following AS (
             SELECT follower_id AS id, count(*) AS n FROM follows
             WHERE status = 'accepted' GROUP BY follower_id
         ),
         streams AS (
             SELECT host_id AS id, count(*) AS n FROM live_streams GROUP BY host_id
         ),
         transactions AS (
             SELECT user_id AS id, count(*) AS n FROM credit_transactions GROUP BY user_id
         ),
         balances AS (
             SELECT DISTINCT ON (user_id) user_id AS id, balance_after AS n
             FROM credit_transactions
             ORDER BY user_id, created_at DESC, id DESC
         ),
         recount AS (
             SELECT u.id,
                    coalesce(fr.n, 0) AS followers_count,
                    coalesce(fg.n, 0) AS following_count,
                    coalesce(s.n, 0) AS total_live_streams,
                    coalesce(b.n, 0) AS credit_balance,
                    coalesce(t.n, 0) AS credit_transaction_count
             FROM users u
             LEFT JOIN followers fr ON fr.id = u.id
             LEFT JOIN following fg ON fg.id = u.id
             LEFT JOIN streams s ON s.id = u.id
             LEFT JOIN balances b ON b.id = u.id
             LEFT JOIN transactions t ON t.id = u.id
         )"
    };
}

const RECOMPUTE_COUNTERS: &str = concat!(
    recount_cte!(),
    "
    UPDATE users u
    SET followers_count = r.followers_count,
        following_count = r.following_count,
        total_live_streams = r.total_live_streams,
        credit_balance = r.credit_balance,
        credit_transaction_count = r.credit_transaction_count
    FROM recount r
    WHERE u.id = r.id
      AND (u.followers_count, u.following_count, u.total_live_streams, u.credit_balance,
           u.credit_transaction_count)
          IS DISTINCT FROM
          (r.followers_count, r.following_count, r.total_live_streams, r.credit_balance,
           r.credit_transaction_count)"
);

const CHECK_COUNTERS: &str = concat!(
    recount_cte!(),
    "
    SELECT count(*) AS users,
           count(*) FILTER (WHERE u.followers_count <> r.followers_count) AS followers,
           count(*) FILTER (WHERE u.following_count <> r.following_count) AS following,
           count(*) FILTER (WHERE u.total_live_streams <> r.total_live_streams) AS live_streams,
           count(*) FILTER (WHERE u.credit_balance <> r.credit_balance) AS credit_balance,
           count(*) FILTER (WHERE u.credit_transaction_count <> r.credit_transaction_count)
               AS credit_transactions
    FROM users u JOIN recount r ON r.id = u.id"
);

/// `lead` over the newest-first order is the previous record in time; that
/// order is the history index's, so no sort is needed.
const CHECK_BALANCE_CHAINS: &str = "
    SELECT count(*)
    FROM (
        SELECT amount, balance_after,
               lead(balance_after) OVER (
                   PARTITION BY user_id ORDER BY created_at DESC, id DESC
               ) AS previous
        FROM credit_transactions
    ) t
    WHERE balance_after <> coalesce(previous, 0) + amount";

const USERS_COPY: &str = "COPY users (id, username, name, surname, bio, interests, expertise, \
    birth_date, availability_status, minute_price_in_live_stream, instagram, snapchat, x, tiktok, \
    facebook, is_private, deactivated_at, created_at, updated_at) FROM STDIN";
const STREAMS_COPY: &str =
    "COPY live_streams (id, host_id, title, started_at, ended_at, viewer_count) FROM STDIN";
const FOLLOWS_COPY: &str =
    "COPY follows (follower_id, followee_id, status, created_at, accepted_at) FROM STDIN";
const BLOCKS_COPY: &str = "COPY blocks (blocker_id, blocked_id, created_at) FROM STDIN";
const TRANSACTIONS_COPY: &str = "COPY credit_transactions (id, user_id, type, amount, \
    balance_after, stream_id, description, created_at) FROM STDIN";

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

// COPY plumbing ---------------------------------------------------------------

/// Rows are sent in chunks of about this size.
const CHUNK: usize = 1 << 20;

/// The database side hung up: the generator stops early.
#[derive(Debug)]
struct Closed;

/// Rows in PostgreSQL's COPY text format, handed over a chunk at a time.
struct Sink {
    buf: Vec<u8>,
    tx: mpsc::Sender<Vec<u8>>,
    rows: u64,
    at_row_start: bool,
}

impl Sink {
    fn new(tx: mpsc::Sender<Vec<u8>>) -> Self {
        Self {
            buf: Vec::with_capacity(CHUNK + 64 * 1024),
            tx,
            rows: 0,
            at_row_start: true,
        }
    }

    fn separate(&mut self) {
        if !self.at_row_start {
            self.buf.push(b'\t');
        }
        self.at_row_start = false;
    }

    fn end_row(&mut self) -> Result<(), Closed> {
        self.buf.push(b'\n');
        self.at_row_start = true;
        self.rows += 1;
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Closed> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 64 * 1024));
        self.tx.blocking_send(full).map_err(|_| Closed)
    }

    fn null(&mut self) {
        self.separate();
        self.buf.extend_from_slice(b"\\N");
    }

    fn text(&mut self, value: &str) {
        self.separate();
        escape_copy_text(&mut self.buf, value);
    }

    fn opt_text(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    fn int(&mut self, value: i64) {
        self.separate();
        push_i64(&mut self.buf, value);
    }

    fn boolean(&mut self, value: bool) {
        self.separate();
        self.buf.push(if value { b't' } else { b'f' });
    }

    /// A 12-byte id as bytea.
    fn id(&mut self, prefix: [u8; 4], n: u64) {
        self.separate();
        // `\x` in bytea's hex input, its backslash doubled for COPY.
        self.buf.extend_from_slice(b"\\\\x");
        push_hex(&mut self.buf, &object_id(prefix, n));
    }

    fn timestamp(&mut self, micros: i64) {
        self.separate();
        push_timestamp(&mut self.buf, micros);
    }

    fn opt_timestamp(&mut self, micros: Option<i64>) {
        match micros {
            Some(micros) => self.timestamp(micros),
            None => self.null(),
        }
    }

    fn date(&mut self, days: i64) {
        self.separate();
        push_date(&mut self.buf, days);
    }

    fn text_array(&mut self, items: &[&str]) {
        self.separate();
        let mut literal = String::from("{");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                literal.push(',');
            }
            push_array_element(&mut literal, item);
        }
        literal.push('}');
        escape_copy_text(&mut self.buf, &literal);
    }
}

/// Runs `produce` on a blocking thread and streams what it writes into
/// `statement` (a `COPY ... FROM STDIN`) while it works. Returns the rows
/// copied and what `produce` returned.
async fn copy_rows<T, F>(
    conn: &mut PgConnection,
    statement: &'static str,
    produce: F,
) -> Result<(u64, T), GenerateError>
where
    F: FnOnce(&mut Sink) -> Result<T, Closed> + Send + 'static,
    T: Send + 'static,
{
    let mut copy = conn.copy_in_raw(statement).await?;
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(4);
    let producer = tokio::task::spawn_blocking(move || {
        let mut sink = Sink::new(tx);
        let out = produce(&mut sink)?;
        sink.flush()?;
        Ok::<_, Closed>((sink.rows, out))
    });
    while let Some(chunk) = rx.recv().await {
        if let Err(error) = copy.send(chunk).await {
            drop(rx);
            let _ = producer.await;
            let _ = copy.abort("sending COPY data failed").await;
            return Err(error.into());
        }
    }
    match producer.await {
        Ok(Ok((rows, out))) => {
            let copied = copy.finish().await?;
            if copied != rows {
                return Err(GenerateError::Generator(format!(
                    "{statement}: PostgreSQL copied {copied} rows of {rows}"
                )));
            }
            Ok((rows, out))
        }
        Ok(Err(Closed)) => {
            let _ = copy.abort("the row generator stopped").await;
            Err(GenerateError::Generator("the COPY stream closed".into()))
        }
        Err(join) => {
            let _ = copy.abort("the row generator panicked").await;
            Err(GenerateError::Generator(join.to_string()))
        }
    }
}

// The plan: everything decided before the rows are written ---------------------

const USER_PREFIX: [u8; 4] = [0x5e, 0xed, 0x00, 0x01];
const STREAM_PREFIX: [u8; 4] = [0x5e, 0xed, 0x00, 0x02];
const TRANSACTION_PREFIX: [u8; 4] = [0x5e, 0xed, 0x00, 0x03];

/// Salts: each table draws from its own stream of random numbers.
const SALT_USERS: u64 = 1;
const SALT_PRIVATE: u64 = 2;
const SALT_DEACTIVATED: u64 = 3;
const SALT_LIVE: u64 = 4;
const SALT_FOLLOWS: u64 = 5;
const SALT_STREAMS: u64 = 6;
const SALT_BLOCKS: u64 = 7;
const SALT_TRANSACTIONS: u64 = 8;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
const YEAR: i64 = 365 * MICROS_PER_DAY;

/// Users numbered up to this many: follows and blocks pack two into a u64.
const MAX_USERS: u64 = u32::MAX as u64;

#[derive(Debug)]
struct Plan {
    users: u64,
    follows_per_user: u64,
    streams: u64,
    transactions_per_user: u64,
    heavy_user_transactions: u64,
    seed: u64,
    /// Microseconds since the Unix epoch when the plan was made.
    now: i64,
    /// Users on air now, ascending.
    live_hosts: Vec<u64>,
    /// Blocks (blocker, blocked), ascending.
    blocks: Vec<(u64, u64)>,
    /// Both orders of every blocked pair, packed: no follow joins them.
    blocked_pairs: HashSet<u64>,
}

impl Plan {
    fn new(settings: &GeneratorSettings) -> Result<Self, GenerateError> {
        let invalid = |message: &str| Err(GenerateError::InvalidSettings(message.to_owned()));
        if settings.users == 0 || settings.users > MAX_USERS {
            return invalid("users must be between 1 and 4294967295");
        }
        if !(settings.streams_per_user_ratio >= 0.0 && settings.streams_per_user_ratio <= 100.0) {
            return invalid("streams_per_user_ratio must be between 0 and 100");
        }
        if settings.follows_per_user > 10_000 || settings.transactions_per_user > 1_000_000 {
            return invalid("follows_per_user or transactions_per_user is implausibly large");
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let mut plan = Self {
            users: settings.users,
            follows_per_user: settings.follows_per_user,
            streams: 0,
            transactions_per_user: settings.transactions_per_user,
            heavy_user_transactions: settings.heavy_user_transactions,
            seed: settings.seed,
            now,
            live_hosts: Vec::new(),
            blocks: Vec::new(),
            blocked_pairs: HashSet::new(),
        };
        plan.live_hosts = (1..=plan.users).filter(|&n| plan.is_live(n)).collect();
        let wanted = (settings.users as f64 * settings.streams_per_user_ratio).round() as u64;
        plan.streams = wanted.max(plan.live_hosts.len() as u64);
        plan.blocks = plan.make_blocks();
        plan.blocked_pairs = plan
            .blocks
            .iter()
            .flat_map(|&(a, b)| [pair(a, b), pair(b, a)])
            .collect();
        Ok(plan)
    }

    fn rng(&self, salt: u64, n: u64) -> Rng {
        Rng(hash(self.seed, salt, n))
    }

    fn is_showcase(&self, n: u64) -> bool {
        n <= 10
    }

    fn is_private(&self, n: u64) -> bool {
        !self.is_showcase(n) && hash(self.seed, SALT_PRIVATE, n) % 100 < 10
    }

    fn is_deactivated(&self, n: u64) -> bool {
        !self.is_showcase(n) && hash(self.seed, SALT_DEACTIVATED, n) % 100 < 2
    }

    /// `user_2` always, and one active user in two hundred.
    fn is_live(&self, n: u64) -> bool {
        n == 2
            || (!self.is_showcase(n)
                && !self.is_deactivated(n)
                && hash(self.seed, SALT_LIVE, n).is_multiple_of(200))
    }

    /// Heavy-tailed: `user_1` is the most popular, then `user_2`, ...
    fn popular_user(&self, rng: &mut Rng, exponent: i32) -> u64 {
        let pick = (self.users as f64 * rng.unit().powi(exponent)) as u64;
        (pick + 1).min(self.users)
    }

    fn make_blocks(&self) -> Vec<(u64, u64)> {
        if self.users < 2 {
            return Vec::new();
        }
        let target = (self.users / 100).max(1) as usize;
        let mut blocks = Vec::with_capacity(target + 1);
        if self.users >= 4 {
            blocks.push((3, 4));
        }
        let mut rng = self.rng(SALT_BLOCKS, 0);
        let mut attempts = 0;
        while blocks.len() < target && attempts < 10 * target + 100 {
            attempts += 1;
            let blocker = 1 + rng.below(self.users);
            let blocked = 1 + rng.below(self.users);
            // Keep the showcase users' relationships as documented.
            if blocker == blocked || self.is_showcase(blocker) || self.is_showcase(blocked) {
                continue;
            }
            blocks.push((blocker, blocked));
            if blocks.len() == target {
                blocks.sort_unstable();
                blocks.dedup();
            }
        }
        blocks.sort_unstable();
        blocks.dedup();
        blocks
    }
}

fn pair(a: u64, b: u64) -> u64 {
    (a << 32) | b
}

// The tables ------------------------------------------------------------------

fn write_users(plan: &Plan, out: &mut Sink) -> Result<(), Closed> {
    let today = plan.now.div_euclid(MICROS_PER_DAY);
    let mut username = String::with_capacity(32);
    let mut first = String::with_capacity(32);
    let mut last = String::with_capacity(32);
    let mut handle = String::with_capacity(64);
    let mut bio = String::with_capacity(256);
    let mut interests: Vec<&str> = Vec::with_capacity(5);
    for n in 1..=plan.users {
        let mut rng = plan.rng(SALT_USERS, n);
        let name = *rng.pick(FIRST_NAMES);
        let surname = *rng.pick(SURNAMES);
        ascii_letters(name, &mut first);
        ascii_letters(surname, &mut last);
        username.clear();
        username.push_str("user_");
        username.push_str(&n.to_string());

        out.id(USER_PREFIX, n);
        out.text(&username);
        out.text(name);
        out.text(surname);
        if rng.chance(0.4) {
            bio.clear();
            let template = *rng.pick(BIOS);
            let city = *rng.pick(CITIES);
            let topic = *rng.pick(INTERESTS);
            bio.push_str(&template.replace("{city}", city).replace("{topic}", topic));
            out.text(&bio);
        } else {
            out.null();
        }
        interests.clear();
        for _ in 0..rng.below(5) {
            let interest = *rng.pick(INTERESTS);
            if !interests.contains(&interest) {
                interests.push(interest);
            }
        }
        out.text_array(&interests);
        out.opt_text(rng.chance(0.3).then(|| *rng.pick(EXPERTISE)));
        // 18 to 65 years old.
        let age_days = 18 * 365 + 5 + rng.below(47 * 365 - 10) as i64;
        out.date(today - age_days);
        out.text(match rng.below(100) {
            0..50 => "available",
            50..65 => "busy",
            65..80 => "away",
            _ => "offline",
        });
        out.int(if rng.chance(0.4) {
            0
        } else {
            1 + rng.below(50) as i64
        });
        // Handles valid for each network's rules (see the profile update).
        let digits = n.to_string();
        let social = |rng: &mut Rng, handle: &mut String, make: &dyn Fn(&mut String)| {
            if rng.chance(0.3) {
                handle.clear();
                make(handle);
                true
            } else {
                false
            }
        };
        let instagram = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first);
            h.push('.');
            h.push_str(&last);
            h.push_str(&digits);
            h.truncate(30);
        });
        out.opt_text(instagram.then_some(handle.as_str()));
        let snapchat = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first[..first.len().min(15 - digits.len().min(12))]);
            h.push_str(&digits[..digits.len().min(12)]);
        });
        out.opt_text(snapchat.then_some(handle.as_str()));
        let x = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first[..first.len().min(14 - digits.len().min(10))]);
            h.push('_');
            h.push_str(&digits[..digits.len().min(10)]);
        });
        out.opt_text(x.then_some(handle.as_str()));
        let tiktok = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first);
            h.push('_');
            h.push_str(&last);
            h.truncate(24);
        });
        out.opt_text(tiktok.then_some(handle.as_str()));
        let facebook = social(&mut rng, &mut handle, &|h| {
            h.push_str(&first);
            h.push('.');
            h.push_str(&last);
            h.push('.');
            h.push_str(&digits);
        });
        out.opt_text(facebook.then_some(handle.as_str()));
        out.boolean(plan.is_private(n));
        // Accounts are one to three years old; deactivations are recent.
        let created = plan.now - YEAR - rng.below_i64(2 * YEAR);
        let deactivated = plan
            .is_deactivated(n)
            .then(|| plan.now - rng.below_i64(180 * MICROS_PER_DAY));
        out.opt_timestamp(deactivated);
        out.timestamp(created);
        out.timestamp(deactivated.unwrap_or(created + rng.below_i64(plan.now - created)));
        out.end_row()?;
    }
    Ok(())
}

fn write_streams(plan: &Plan, out: &mut Sink) -> Result<(), Closed> {
    let ended = plan.streams - plan.live_hosts.len() as u64;
    let mut title = String::with_capacity(64);
    for index in 0..plan.streams {
        let mut rng = plan.rng(SALT_STREAMS, index);
        let live_host = index
            .checked_sub(ended)
            .and_then(|i| plan.live_hosts.get(i as usize).copied());
        let host = live_host.unwrap_or_else(|| plan.popular_user(&mut rng, 2));
        title.clear();
        let topic = *rng.pick(STREAM_TITLES);
        title.push_str(topic);
        title.push_str(" #");
        title.push_str(&(1 + rng.below(300)).to_string());
        // Popular hosts draw bigger audiences.
        let reach = if host <= plan.users / 100 + 1 {
            9.0
        } else {
            7.0
        };
        let viewers = (rng.unit() * reach).exp() as i64 - 1;

        out.id(STREAM_PREFIX, index + 1);
        out.id(USER_PREFIX, host);
        out.text(&title);
        if live_host.is_some() {
            out.timestamp(plan.now - rng.below_i64(3 * 3600 * MICROS_PER_SECOND));
            out.null();
        } else {
            let started = plan.now - YEAR + rng.below_i64(YEAR - MICROS_PER_DAY);
            let minutes = 10 + rng.below_i64(170);
            out.timestamp(started);
            out.timestamp(started + minutes * 60 * MICROS_PER_SECOND);
        }
        out.int(viewers);
        out.end_row()?;
    }
    Ok(())
}

/// Returns the number of pending follows.
fn write_follows(plan: &Plan, out: &mut Sink) -> Result<u64, Closed> {
    let mut pending = 0;
    let mut followees: Vec<u64> = Vec::new();
    for follower in 1..=plan.users {
        let mut rng = plan.rng(SALT_FOLLOWS, follower);
        let wanted = (plan.follows_per_user as f64 * -(1.0 - rng.unit()).ln()).round() as u64;
        let wanted = wanted
            .min(plan.users - 1)
            .min(50 * plan.follows_per_user + 50) as usize;
        followees.clear();
        let mut attempts = 0;
        while followees.len() < wanted && attempts < 4 * wanted + 16 {
            attempts += 1;
            let followee = plan.popular_user(&mut rng, 3);
            if followee == follower || plan.blocked_pairs.contains(&pair(follower, followee)) {
                continue;
            }
            if let Err(at) = followees.binary_search(&followee) {
                followees.insert(at, followee);
            }
        }
        for &followee in &followees {
            let is_pending = plan.is_private(followee) && rng.chance(0.4);
            let created = plan.now - rng.below_i64(YEAR);
            out.id(USER_PREFIX, follower);
            out.id(USER_PREFIX, followee);
            if is_pending {
                pending += 1;
                out.text("pending");
                out.timestamp(created);
                out.null();
            } else {
                let wait = if plan.is_private(followee) {
                    rng.below_i64(2 * MICROS_PER_DAY)
                } else {
                    0
                };
                out.text("accepted");
                out.timestamp(created);
                out.timestamp((created + wait).min(plan.now));
            }
            out.end_row()?;
        }
    }
    Ok(pending)
}

fn write_blocks(plan: &Plan, out: &mut Sink) -> Result<(), Closed> {
    let mut rng = plan.rng(SALT_BLOCKS, 1);
    for &(blocker, blocked) in &plan.blocks {
        out.id(USER_PREFIX, blocker);
        out.id(USER_PREFIX, blocked);
        out.timestamp(plan.now - rng.below_i64(YEAR));
        out.end_row()?;
    }
    Ok(())
}

fn write_transactions(plan: &Plan, out: &mut Sink) -> Result<(), Closed> {
    let mut next_id = 1;
    let mut times: Vec<i64> = Vec::new();
    let mut description = String::with_capacity(64);
    for user in 1..=plan.users {
        let mut rng = plan.rng(SALT_TRANSACTIONS, user);
        let count = if user == 1 {
            plan.heavy_user_transactions
        } else {
            rng.below(2 * plan.transactions_per_user + 1)
        };
        times.clear();
        times.extend((0..count).map(|_| plan.now - YEAR + rng.below_i64(YEAR)));
        times.sort_unstable();
        let mut balance: i64 = 0;
        for (i, &at) in times.iter().enumerate() {
            let mut kind = if i == 0 {
                TransactionType::Purchase
            } else {
                TransactionType::draw(&mut rng)
            };
            let mut amount = kind.amount(&mut rng);
            if balance + amount < 0 {
                kind = TransactionType::Purchase;
                amount = kind.amount(&mut rng);
            }
            balance += amount;
            description.clear();
            kind.describe(&mut description, amount, 1 + rng.below(plan.users));
            let stream =
                (kind.has_stream() && plan.streams > 0).then(|| 1 + rng.below(plan.streams));

            out.id(TRANSACTION_PREFIX, next_id);
            next_id += 1;
            out.id(USER_PREFIX, user);
            out.text(kind.as_str());
            out.int(amount);
            out.int(balance);
            match stream {
                Some(stream) => out.id(STREAM_PREFIX, stream),
                None => out.null(),
            }
            out.text(&description);
            out.timestamp(at);
            out.end_row()?;
        }
    }
    Ok(())
}

/// How the generator draws and describes credit transactions of each type.
trait Generated: Sized {
    fn draw(rng: &mut Rng) -> Self;
    fn amount(self, rng: &mut Rng) -> i64;
    fn has_stream(self) -> bool;
    fn describe(self, out: &mut String, amount: i64, other_user: u64);
}

impl Generated for TransactionType {
    /// On average a little more is spent than comes in, so balances stay in
    /// the thousands: a spend the balance cannot cover becomes a purchase.
    fn draw(rng: &mut Rng) -> Self {
        match rng.below(100) {
            0..10 => Self::Purchase,
            10..30 => Self::GiftSent,
            30..42 => Self::GiftReceived,
            42..50 => Self::StreamEarning,
            50..82 => Self::StreamSpend,
            82..85 => Self::Refund,
            85..95 => Self::Withdrawal,
            _ => Self::Adjustment,
        }
    }

    /// Signed: spending is negative.
    fn amount(self, rng: &mut Rng) -> i64 {
        let r = |rng: &mut Rng, low: i64, span: u64| low + rng.below(span) as i64;
        match self {
            Self::Purchase => *rng.pick(&[100, 250, 500, 1000, 2500, 5000]),
            Self::GiftSent => -r(rng, 1, 500),
            Self::GiftReceived => r(rng, 1, 500),
            Self::StreamEarning => r(rng, 10, 1000),
            Self::StreamSpend => -(r(rng, 1, 60) * r(rng, 1, 20)),
            Self::Refund => r(rng, 10, 500),
            Self::Withdrawal => -r(rng, 100, 2000),
            Self::Adjustment => {
                let size = r(rng, 1, 100);
                if rng.chance(0.5) { size } else { -size }
            }
        }
    }

    fn has_stream(self) -> bool {
        matches!(
            self,
            Self::GiftSent | Self::GiftReceived | Self::StreamEarning | Self::StreamSpend
        )
    }

    fn describe(self, out: &mut String, amount: i64, other_user: u64) {
        let size = amount.unsigned_abs();
        let text = match self {
            Self::Purchase => format!("Purchased {size} credits"),
            Self::GiftSent => format!("Gift of {size} credits to user_{other_user}"),
            Self::GiftReceived => format!("Gift of {size} credits from user_{other_user}"),
            Self::StreamEarning => format!("Earned {size} credits from a live stream"),
            Self::StreamSpend => format!("Spent {size} credits watching a live stream"),
            Self::Refund => format!("Refund of {size} credits"),
            Self::Withdrawal => format!("Withdrew {size} credits"),
            Self::Adjustment => format!("Balance adjustment of {amount} credits"),
        };
        out.push_str(&text);
    }
}

// Randomness ------------------------------------------------------------------

/// splitmix64's output function: a good 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One random-looking number per (seed, salt, n): stateless, so any row can
/// be made without the ones before it.
fn hash(seed: u64, salt: u64, n: u64) -> u64 {
    mix(mix(seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)).wrapping_add(n))
}

/// splitmix64.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in `0..bound` (0 when `bound` is 0).
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }

    fn below_i64(&mut self, bound: i64) -> i64 {
        self.below(bound.max(0).unsigned_abs()) as i64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// Text format -----------------------------------------------------------------

/// 4 bytes of prefix, then `n` as 8 bytes big-endian.
fn object_id(prefix: [u8; 4], n: u64) -> [u8; 12] {
    let mut id = [0; 12];
    id[..4].copy_from_slice(&prefix);
    id[4..].copy_from_slice(&n.to_be_bytes());
    id
}

/// A value in COPY's text format: backslash, tab, newline and carriage
/// return are escaped.
fn escape_copy_text(buf: &mut Vec<u8>, value: &str) {
    for &byte in value.as_bytes() {
        match byte {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(byte),
        }
    }
}

/// One element of an array literal, quoted when it has to be.
fn push_array_element(literal: &mut String, item: &str) {
    let needs_quotes = item.is_empty()
        || item.eq_ignore_ascii_case("NULL")
        || item
            .chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_whitespace());
    if !needs_quotes {
        literal.push_str(item);
        return;
    }
    literal.push('"');
    for c in item.chars() {
        if c == '"' || c == '\\' {
            literal.push('\\');
        }
        literal.push(c);
    }
    literal.push('"');
}

fn push_hex(buf: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        buf.push(HEX[usize::from(byte >> 4)]);
        buf.push(HEX[usize::from(byte & 0x0f)]);
    }
}

fn push_i64(buf: &mut Vec<u8>, value: i64) {
    if value < 0 {
        buf.push(b'-');
    }
    push_u64(buf, value.unsigned_abs());
}

fn push_u64(buf: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[at..]);
}

/// `value` in exactly `width` digits, zero-padded.
fn push_padded(buf: &mut Vec<u8>, mut value: u64, width: usize) {
    let start = buf.len();
    buf.resize(start + width, b'0');
    for at in (start..start + width).rev() {
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe as i64 + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` (years 1000 to 9999).
fn push_date(buf: &mut Vec<u8>, days: i64) {
    let (year, month, day) = civil_from_days(days);
    push_padded(buf, year.unsigned_abs(), 4);
    buf.push(b'-');
    push_padded(buf, month, 2);
    buf.push(b'-');
    push_padded(buf, day, 2);
}

/// `YYYY-MM-DD HH:MM:SS.ffffff+00`.
fn push_timestamp(buf: &mut Vec<u8>, micros: i64) {
    push_date(buf, micros.div_euclid(MICROS_PER_DAY));
    let of_day = micros.rem_euclid(MICROS_PER_DAY).unsigned_abs();
    let seconds = of_day / 1_000_000;
    buf.push(b' ');
    push_padded(buf, seconds / 3600, 2);
    buf.push(b':');
    push_padded(buf, seconds / 60 % 60, 2);
    buf.push(b':');
    push_padded(buf, seconds % 60, 2);
    buf.push(b'.');
    push_padded(buf, of_day % 1_000_000, 6);
    buf.extend_from_slice(b"+00");
}

/// The ASCII letters of a name, lowercase, accents and Turkish letters
/// folded (`Çağrı` gives `cagri`): for social handles.
fn ascii_letters(name: &str, out: &mut String) {
    out.clear();
    for c in name.chars() {
        let folded = match c {
            'ç' | 'Ç' | 'ć' | 'č' => 'c',
            'ğ' | 'Ğ' => 'g',
            'ı' | 'İ' | 'í' | 'î' | 'ï' => 'i',
            'ö' | 'Ö' | 'ø' | 'Ø' | 'ó' | 'ô' | 'ő' => 'o',
            'ş' | 'Ş' | 'ś' | 'š' => 's',
            'ü' | 'Ü' | 'ú' | 'û' => 'u',
            'é' | 'è' | 'ê' | 'ë' | 'ễ' => 'e',
            'á' | 'à' | 'â' | 'ä' | 'å' | 'ã' => 'a',
            'ñ' | 'ń' => 'n',
            'ł' | 'Ł' => 'l',
            'ž' | 'ź' | 'ż' => 'z',
            'ř' => 'r',
            'ý' => 'y',
            'æ' => 'a',
            c if c.is_ascii_alphabetic() => c.to_ascii_lowercase(),
            _ => continue,
        };
        out.push(folded);
    }
}

// Word lists ------------------------------------------------------------------

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    // Turkish
    "Ahmet", "Mehmet", "Mustafa", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman",
    "Yusuf", "Murat", "Ömer", "Ramazan", "Halil", "Süleyman", "Abdullah", "Emre", "Burak",
    "Çağlar", "Barış", "Oğuz", "Gökhan", "Tolga", "Serkan", "Uğur", "Cem", "Can", "Kaan",
    "Deniz", "Ege", "Eren", "Arda", "Kerem", "Alperen", "Berk", "Doğan", "Gürkan", "Tuğrul",
    "Şükrü", "Çağrı", "Onur", "Volkan", "Sinan", "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep",
    "Elif", "Meryem", "Şerife", "Zehra", "Sultan", "Hülya", "Gülşen", "Özlem", "Büşra",
    "Merve", "Esra", "Tuğba", "Gizem", "Seda", "Çiğdem", "Şule", "Gül", "Nur", "İrem", "Ebru",
    "Dilek", "Sevgi", "Yağmur", "Ilgın", "Işıl", "Ümran", "Öykü", "Ayşegül", "Günay", "Şeyma",
    "Damla", "Pınar", "Sıla", "Nilüfer", "Cansu", "Aslı", "Duygu", "Begüm", "Defne", "Ecrin",
    // International
    "John", "Maria", "Liam", "Olivia", "Noah", "Emma", "Sophia", "Lucas", "Mateo", "Chloé",
    "Zoë", "François", "José", "Sofía", "Björn", "Søren", "Łukasz", "Małgorzata", "Jürgen",
    "Anaïs", "Hannah", "Yuki", "Hiroshi", "Mei", "Wei", "Priya", "Arjun", "Aisha", "Omar",
    "Fatima", "Ivan", "Olga", "Nikolai", "Giulia", "Marco", "Ana", "João", "Andrés", "Camila",
    "Dmitri", "Ingrid", "Astrid", "Sean", "Siobhán", "Chinedu", "Amara", "Kwame", "Leila",
    "Reza", "Noa", "Elena", "Nadia", "Héctor", "Renée",
];

#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    // Turkish
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
    "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan",
    "Şimşek", "Polat", "Özcan", "Korkmaz", "Çakır", "Erdoğan", "Yavuz", "Can", "Acar", "Şen",
    "Aktaş", "Güler", "Yalçın", "Güneş", "Bozkurt", "Bulut", "Keskin", "Ünal", "Turan", "Gül",
    "Özer", "Işık", "Kaplan", "Avcı", "Sarı", "Tekin", "Taş", "Köse", "Yüksel", "Ateş",
    "Aksoy", "Ekinci", "Sönmez", "Altun", "Güven", "Uçar", "Tunç", "Çiftçi", "Gündoğdu",
    "Karaca", "Ağaoğlu", "Eğilmez", "Türkmen", "Oğuz", "İnce", "Uysal", "Akgül", "Çınar",
    "Dönmez", "Başaran", "Gökçe", "Bayram", "Sezer", "Durmaz", "Topçu", "İpek", "Ilıcalı",
    // International
    "Smith", "Johnson", "García", "Martínez", "Müller", "Schmidt", "Dubois", "Lefèvre",
    "Rossi", "Bianchi", "Novák", "Kowalski", "Wiśniewski", "Nowak", "Ivanov", "Petrov",
    "Tanaka", "Suzuki", "Wang", "Li", "Zhang", "Kim", "Park", "Nguyễn", "Patel", "Sharma",
    "Khan", "Hansen", "Johansson", "Østergaard", "Silva", "Santos", "Pereira", "O'Brien",
    "Murphy", "Jensen", "Andersson", "Fernández", "López", "González", "Papadopoulos",
    "Horváth", "Kovačević", "Dvořák", "Björk", "Núñez", "Okafor", "Mensah",
];

#[rustfmt::skip]
const CITIES: &[&str] = &[
    "İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Eskişehir", "Gaziantep", "Muğla",
    "Trabzon", "Diyarbakır", "Berlin", "London", "Paris", "Madrid", "New York", "Tokyo",
    "São Paulo", "Kraków", "Zürich", "Lagos",
];

#[rustfmt::skip]
const BIOS: &[&str] = &[
    "Live from {city}. Mostly {topic}.",
    "{city}'dan selamlar! {topic} hakkında her şey.",
    "Talking about {topic} every evening.",
    "Her gün {topic}, her gece müzik.\nTakip et, kaçırma!",
    "Creator based in {city}: {topic}, coffee and good company.",
    "Hayalim {city}'da bir stüdyo. Şimdilik {topic}.",
    "Ask me anything about {topic}.",
    "Öğretmen, gezgin, {topic} meraklısı.",
    "Streaming {topic} from {city} \u{2728}",
    "\"{topic}\" is my middle name.",
];

#[rustfmt::skip]
const INTERESTS: &[&str] = &[
    "music", "sports", "travel", "gaming", "cooking", "photography", "fitness", "yoga",
    "football", "basketball", "fashion", "makeup", "technology", "coding", "art", "dance",
    "books", "movies", "anime", "chess", "live music", "street food", "müzik", "seyahat",
    "yemek", "futbol", "kitaplar", "doğa", "fotoğrafçılık", "k-pop",
];

#[rustfmt::skip]
const EXPERTISE: &[&str] = &[
    "designer", "developer", "musician", "chef", "fitness coach", "photographer", "teacher",
    "DJ", "streamer", "makeup artist", "yazılım geliştirici", "aşçı", "müzisyen",
    "grafik tasarımcı", "öğretmen", "spor eğitmeni",
];

#[rustfmt::skip]
const STREAM_TITLES: &[&str] = &[
    "Sabah kahvesi sohbeti", "Canlı müzik gecesi", "Q&A: ask me anything", "Gaming night",
    "Yoga flow", "Cooking İskender at home", "Study with me", "Late-night talk",
    "Guitar practice", "Maç sonu yorumları", "Makyaj tutorial", "Travel stories",
    "Coding live", "Kitap kulübü", "Chess blitz", "Dans dersi", "Şarkı istekleri",
    "Morning workout", "Çay saati", "Photo walk",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> String {
        let mut buf = Vec::new();
        escape_copy_text(&mut buf, value);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn copy_text_escapes_backslash_tab_newline_and_carriage_return() {
        assert_eq!(text("a\\b\tc\nd\re"), "a\\\\b\\tc\\nd\\re");
        assert_eq!(text("Çağrı O'Brien"), "Çağrı O'Brien");
    }

    #[test]
    fn array_elements_are_quoted_when_they_must_be() {
        let mut literal = String::new();
        for item in ["music", "live music", "", "NULL", "a\"b", "x,y"] {
            push_array_element(&mut literal, item);
            literal.push('|');
        }
        assert_eq!(literal, r#"music|"live music"|""|"NULL"|"a\"b"|"x,y"|"#);
    }

    #[test]
    fn ids_are_the_prefix_then_n_big_endian_as_bytea_hex() {
        let mut buf = Vec::new();
        push_hex(&mut buf, &object_id(USER_PREFIX, 1));
        assert_eq!(buf, b"5eed00010000000000000001");
        buf.clear();
        push_hex(&mut buf, &object_id(USER_PREFIX, 1_000_000));
        assert_eq!(buf, b"5eed000100000000000f4240");
    }

    #[test]
    fn timestamps_match_the_time_crate() {
        for micros in [
            0_i64,
            951_782_400_000_000,   // 2000-02-29
            1_767_225_599_999_999, // 2025-12-31 23:59:59.999999
            1_798_761_600_123_456,
            -86_400_000_000,
        ] {
            let mut buf = Vec::new();
            push_timestamp(&mut buf, micros);
            let at =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap();
            let expected = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
                at.microsecond()
            );
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }

    #[test]
    fn integers_are_written_in_decimal() {
        let mut buf = Vec::new();
        for value in [0, 7, -42, i64::MAX, i64::MIN] {
            push_i64(&mut buf, value);
            buf.push(b' ');
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            format!("0 7 -42 {} {} ", i64::MAX, i64::MIN)
        );
    }

    #[test]
    fn the_random_numbers_are_reproducible_and_in_range() {
        let mut a = Rng(hash(1, SALT_USERS, 5));
        let mut b = Rng(hash(1, SALT_USERS, 5));
        for _ in 0..1000 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
            let u = a.unit();
            assert_eq!(u, b.unit());
            assert!((0.0..1.0).contains(&u));
        }
        assert_ne!(hash(1, SALT_USERS, 5), hash(2, SALT_USERS, 5));
    }

    #[test]
    fn the_word_lists_are_large_and_handles_fold_to_ascii() {
        assert!(FIRST_NAMES.len() >= 100, "{}", FIRST_NAMES.len());
        assert!(SURNAMES.len() >= 100, "{}", SURNAMES.len());
        let mut out = String::new();
        ascii_letters("Çağrı", &mut out);
        assert_eq!(out, "cagri");
        for name in FIRST_NAMES.iter().chain(SURNAMES) {
            ascii_letters(name, &mut out);
            assert!(out.len() >= 2, "{name} folds to {out:?}");
        }
    }
}
