//! Helpers shared by the adapter's test files.
#![allow(dead_code)] // Each test file uses its own part.

use allmine_domain::UserId;
use sqlx::PgPool;

/// Inserts an active user named `username` (name "Test", surname "User") and
/// returns its id.
pub async fn insert_user(pool: &PgPool, username: &str) -> UserId {
    let id: Vec<u8> = sqlx::query_scalar(
        "INSERT INTO users (username, name, surname) VALUES ($1, 'Test', 'User') RETURNING id",
    )
    .bind(username)
    .fetch_one(pool)
    .await
    .unwrap();
    UserId::from_slice(&id).unwrap()
}

/// Waits until every transaction that committed before this call is below
/// the cluster's oldest running transaction, so its changes are final and
/// every later feed read returns them: the feed's horizon is never below
/// that xmin, and the xmin only rises. (The feed's own horizon can dip for
/// one read when a transaction of another database ends while it is taken;
/// the xmin cannot. Other tests' transactions hold this wait back while they
/// run, never for long.)
pub async fn settle(pool: &PgPool) {
    let marker: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::int8")
        .fetch_one(pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let settled: bool =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::int8 > $1")
                .bind(marker)
                .fetch_one(pool)
                .await
                .unwrap();
        if settled {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "a transaction of the cluster has been running for 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// The feed position before every transaction still running: what a reader
/// that has seen nothing yet starts from.
pub async fn feed_head(pool: &PgPool) -> allmine_domain::feed::FeedPosition {
    let xmin: i64 =
        sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::int8")
            .fetch_one(pool)
            .await
            .unwrap();
    allmine_domain::feed::FeedPosition::before_transaction(xmin as u64)
}

/// The feed's trim horizon: changes up to it are gone. (The last change of
/// row `seq` is numbered `seq * 3 + 2`.)
pub async fn feed_horizon(pool: &PgPool) -> allmine_domain::feed::FeedPosition {
    let (xid, seq): (i64, i64) =
        sqlx::query_as("SELECT trimmed_xid::text::int8, trimmed_seq FROM change_feed_horizon")
            .fetch_one(pool)
            .await
            .unwrap();
    allmine_domain::feed::FeedPosition::new(xid as u64, seq as u64 * 3 + 2)
}

/// Makes every change feed row look `days` older, as if written then.
pub async fn age_feed(pool: &PgPool, days: i32) {
    sqlx::query("UPDATE change_feed SET created_at = created_at - make_interval(days => $1)")
        .bind(days)
        .execute(pool)
        .await
        .unwrap();
}
