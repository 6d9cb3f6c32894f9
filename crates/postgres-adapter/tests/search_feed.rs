//! The search change feed (the outbox) against a real PostgreSQL, a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use allmine_domain::search::IndexChange;
use common::insert_user;
use std::time::Duration;

use allmine_domain::search::{FeedRead, SearchFeed};
use allmine_postgres::PgSearch;
use allmine_postgres::testing::TestDatabase;
use sqlx::PgPool;

async fn outbox_end(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(max(seq), 0) FROM search_outbox")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The changes and position of a read that found some.
fn changed(read: FeedRead) -> (Vec<IndexChange>, i64) {
    match read {
        FeedRead::Changes { changes, through } => (changes, through),
        other => panic!("expected changes, got {other:?}"),
    }
}

async fn age_outbox(pool: &PgPool, days: i32) {
    sqlx::query("UPDATE search_outbox SET created_at = created_at - make_interval(days => $1)")
        .bind(days)
        .execute(pool)
        .await
        .unwrap();
}

async fn horizon(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT trimmed_through FROM search_outbox_horizon")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn usernames(changes: &[IndexChange]) -> Vec<String> {
    let mut names: Vec<String> = changes
        .iter()
        .map(|change| match change {
            IndexChange::Upsert(user) => user.username.clone(),
            IndexChange::Remove(id) => format!("removed {id}"),
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_feed_is_read_in_batches_of_changes_in_commit_order_until_nothing_is_left() {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let start = outbox_end(&db.pool).await;
    for name in ["feed_a", "feed_b", "feed_c", "feed_d", "feed_e"] {
        insert_user(&db.pool, name).await;
    }

    let (first, after_first) = changed(feed.changes_since(start, 3).await.unwrap());
    assert_eq!(usernames(&first), ["feed_a", "feed_b", "feed_c"]);
    let (rest, after_rest) = changed(feed.changes_since(after_first, 3).await.unwrap());
    assert_eq!(usernames(&rest), ["feed_d", "feed_e"]);
    assert_eq!(after_rest, outbox_end(&db.pool).await);
    assert_eq!(
        feed.changes_since(after_rest, 3).await.unwrap(),
        FeedRead::UpToDate
    );
}

#[tokio::test]
async fn a_user_changed_twice_in_a_batch_comes_once_with_the_latest_state_and_a_deactivated_one_is_removed()
 {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let start = outbox_end(&db.pool).await;
    let renamed = insert_user(&db.pool, "feed_old").await;
    sqlx::query("UPDATE users SET username = 'feed_new' WHERE id = $1")
        .bind(renamed.as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();
    let leaving = insert_user(&db.pool, "feed_leaving").await;
    sqlx::query("UPDATE users SET deactivated_at = now() WHERE id = $1")
        .bind(leaving.as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();

    let (changes, through) = changed(feed.changes_since(start, 100).await.unwrap());

    assert_eq!(
        usernames(&changes),
        ["feed_new".to_owned(), format!("removed {leaving}")]
    );
    assert_eq!(through, outbox_end(&db.pool).await);
}

#[tokio::test]
async fn trimming_deletes_only_rows_older_than_the_retention_and_raises_the_horizon() {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    insert_user(&db.pool, "trim_old").await;
    let old_end = outbox_end(&db.pool).await;
    age_outbox(&db.pool, 2).await;
    insert_user(&db.pool, "trim_new").await;

    let deleted = feed
        .trim_outbox(Duration::from_secs(24 * 3600))
        .await
        .unwrap();

    assert!(deleted >= 1, "{deleted}");
    assert_eq!(horizon(&db.pool).await, old_end);
    let (changes, _) = changed(feed.changes_since(old_end, 100).await.unwrap());
    assert_eq!(usernames(&changes), ["trim_new"]);
    // Nothing is old enough any more: a second trim changes nothing.
    assert_eq!(
        feed.trim_outbox(Duration::from_secs(24 * 3600))
            .await
            .unwrap(),
        0
    );
    assert_eq!(horizon(&db.pool).await, old_end);
}

#[tokio::test]
async fn a_position_below_the_horizon_is_told_to_rebuild_and_a_snapshot_starts_at_or_above_it() {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let start = outbox_end(&db.pool).await;
    insert_user(&db.pool, "gone_a").await;
    insert_user(&db.pool, "gone_b").await;
    let end = outbox_end(&db.pool).await;
    age_outbox(&db.pool, 10).await;
    feed.trim_outbox(Duration::from_secs(3600)).await.unwrap();

    assert_eq!(
        feed.changes_since(start, 100).await.unwrap(),
        FeedRead::Trimmed
    );
    // The outbox is empty now, yet the snapshot covers the trimmed changes.
    let (users, through) = feed.snapshot().await.unwrap();
    assert_eq!(through, end);
    assert!(users.iter().any(|user| user.username == "gone_b"));
    assert_eq!(
        feed.changes_since(through, 100).await.unwrap(),
        FeedRead::UpToDate
    );
}
