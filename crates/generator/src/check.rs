//! Verifying a database: [`check_counters`] recounts every counter and balance
//! from the tables and checks every credit transaction's balance chain,
//! reporting what disagrees as a [`CounterDrift`] (`allmine check`, on any
//! database of this schema, generated or not).

use std::fmt;

use sqlx::{Connection, PgPool, Row};

use crate::connection::quiet_connection;
use crate::sql::{CHECK_BALANCE_CHAINS, CHECK_COUNTERS, CHECK_TYPE_COUNTS};

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
    /// (User, type) pairs whose `credit_transaction_type_counts.count` is not
    /// the user's number of credit transactions of that type (a missing row
    /// counts as 0).
    pub credit_transaction_types: u64,
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
            && self.credit_transaction_types == 0
            && self.broken_balance_chain == 0
    }
}

impl fmt::Display for CounterDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users checked: followers_count wrong for {}, following_count for {}, \
             total_live_streams for {}, credit_balance for {}, credit_transaction_count for {}; \
             credit_transaction_type_counts wrong for {} (user, type) pairs; \
             {} credit transactions break their balance chain",
            self.users_checked,
            self.followers,
            self.following,
            self.live_streams,
            self.credit_balance,
            self.credit_transactions,
            self.credit_transaction_types,
            self.broken_balance_chain
        )
    }
}

/// Recounts every user's followers, following, live streams, credit
/// balance, credit transactions and credit transactions of each type from the
/// tables, and checks every credit transaction's
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
    let wrong_types: i64 = sqlx::query_scalar(CHECK_TYPE_COUNTS)
        .fetch_one(&mut *tx)
        .await?;
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
        credit_transaction_types: wrong_types.unsigned_abs(),
        broken_balance_chain: broken.unsigned_abs(),
    })
}
