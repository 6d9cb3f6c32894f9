//! Search's side of the change feed against a real PostgreSQL, a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use allmine_domain::UserId;
use allmine_domain::feed::FeedPosition;
use allmine_domain::search::{FeedRead, IndexChange, SearchFeed};
use allmine_postgres::PgSearch;
use allmine_postgres::testing::TestDatabase;
use common::{age_feed, feed_head, feed_horizon, insert_user, settle};
use sqlx::PgPool;

/// Runs `sql` with the users' ids as its parameters, in order.
async fn exec_with(pool: &PgPool, sql: &'static str, ids: &[UserId]) {
    let mut query = sqlx::query(sql);
    for id in ids {
        query = query.bind(id.as_bytes().to_vec());
    }
    query.execute(pool).await.unwrap();
}

/// The changes, position and completeness of a read that was not trimmed.
fn changed(read: FeedRead) -> (Vec<IndexChange>, FeedPosition, bool) {
    match read {
        FeedRead::Changes {
            mut changes,
            recounts,
            through,
            complete,
        } => {
            changes.extend(recounts.into_iter().map(IndexChange::Upsert));
            (changes, through, complete)
        }
        FeedRead::Trimmed => panic!("expected changes, got Trimmed"),
    }
}

/// Every final change after `position`, read to the end.
async fn read_all(feed: &PgSearch, mut position: FeedPosition) -> (Vec<IndexChange>, FeedPosition) {
    let mut all = Vec::new();
    loop {
        let (changes, through, complete) =
            changed(feed.changes_since(position, 100).await.unwrap());
        all.extend(changes);
        position = through;
        if complete {
            return (all, position);
        }
    }
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
async fn the_feed_is_read_in_batches_in_transaction_order_until_a_batch_is_complete() {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let start = feed_head(&db.pool).await;
    for name in ["feed_a", "feed_b", "feed_c", "feed_d", "feed_e"] {
        insert_user(&db.pool, name).await;
    }
    settle(&db.pool).await;

    let (first, after_first, complete) = changed(feed.changes_since(start, 3).await.unwrap());
    assert_eq!(usernames(&first), ["feed_a", "feed_b", "feed_c"]);
    assert!(!complete);
    let (rest, after_rest, complete) = changed(feed.changes_since(after_first, 3).await.unwrap());
    assert_eq!(usernames(&rest), ["feed_d", "feed_e"]);
    assert!(complete);
    assert!(after_first < after_rest);
    let (nothing, still, complete) = changed(feed.changes_since(after_rest, 3).await.unwrap());
    assert!(nothing.is_empty() && complete);
    assert_eq!(still, after_rest);
}

#[tokio::test]
async fn a_user_changed_twice_in_a_batch_comes_once_with_the_latest_state_and_a_deactivated_one_is_removed()
 {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let start = feed_head(&db.pool).await;
    let renamed = insert_user(&db.pool, "feed_old").await;
    exec_with(
        &db.pool,
        "UPDATE users SET username = 'feed_new' WHERE id = $1",
        &[renamed],
    )
    .await;
    let leaving = insert_user(&db.pool, "feed_leaving").await;
    exec_with(
        &db.pool,
        "UPDATE users SET deactivated_at = now() WHERE id = $1",
        &[leaving],
    )
    .await;
    settle(&db.pool).await;

    let (changes, through, complete) = changed(feed.changes_since(start, 100).await.unwrap());

    assert_eq!(
        usernames(&changes),
        ["feed_new".to_owned(), format!("removed {leaving}")]
    );
    assert!(complete);
    assert!(through > start);
}

/// One read from `position`: the changes a result shows, and the recounted
/// users' names and follower counts, sorted.
async fn read_apart(feed: &PgSearch, position: FeedPosition) -> (Vec<String>, Vec<(String, u64)>) {
    let FeedRead::Changes {
        changes, recounts, ..
    } = feed.changes_since(position, 100).await.unwrap()
    else {
        panic!("expected changes, got Trimmed");
    };
    let mut counted: Vec<(String, u64)> = recounts
        .into_iter()
        .map(|user| (user.username, user.followers))
        .collect();
    counted.sort();
    (usernames(&changes), counted)
}

#[tokio::test]
async fn a_follow_recounts_the_one_followed_only_and_a_user_also_renamed_in_the_read_comes_as_a_change()
 {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let fan = insert_user(&db.pool, "recount_fan").await;
    let star = insert_user(&db.pool, "recount_star").await;
    settle(&db.pool).await;
    let start = feed_head(&db.pool).await;
    exec_with(
        &db.pool,
        "INSERT INTO follows (follower_id, followee_id, status) VALUES ($1, $2, 'accepted')",
        &[fan, star],
    )
    .await;
    settle(&db.pool).await;

    let (changes, recounts) = read_apart(&feed, start).await;
    assert!(changes.is_empty(), "{changes:?}");
    // The fan's following count moved too, but the index holds no such count.
    assert_eq!(recounts, [("recount_star".to_owned(), 1)]);

    exec_with(
        &db.pool,
        "DELETE FROM follows WHERE follower_id = $1",
        &[fan],
    )
    .await;
    exec_with(
        &db.pool,
        "UPDATE users SET username = 'recount_star2' WHERE id = $1",
        &[star],
    )
    .await;
    settle(&db.pool).await;
    let (changes, recounts) = read_apart(&feed, start).await;
    assert_eq!(changes, ["recount_star2".to_owned()]);
    assert!(recounts.is_empty(), "{recounts:?}");
}

#[tokio::test]
async fn a_block_moves_the_position_and_changes_nothing_in_the_index() {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let blocker = insert_user(&db.pool, "pair_blocker").await;
    let blocked = insert_user(&db.pool, "pair_blocked").await;
    settle(&db.pool).await;
    let (_, before) = read_all(&feed, feed_head(&db.pool).await).await;

    exec_with(
        &db.pool,
        "INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)",
        &[blocker, blocked],
    )
    .await;
    settle(&db.pool).await;

    let (changes, after) = read_all(&feed, before).await;
    assert!(changes.is_empty(), "{changes:?}");
    assert!(after > before);
}

#[tokio::test]
async fn trimming_deletes_only_rows_older_than_the_retention_and_raises_the_horizon() {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let start = feed_head(&db.pool).await;
    insert_user(&db.pool, "trim_old").await;
    settle(&db.pool).await;
    let (_, old_end) = read_all(&feed, start).await;
    age_feed(&db.pool, 2).await;
    insert_user(&db.pool, "trim_new").await;
    settle(&db.pool).await;

    let deleted = feed
        .trim_feed(Duration::from_secs(24 * 3600))
        .await
        .unwrap();

    assert!(deleted >= 1, "{deleted}");
    assert_eq!(feed_horizon(&db.pool).await, old_end);
    let (changes, _) = read_all(&feed, old_end).await;
    assert_eq!(usernames(&changes), ["trim_new"]);
    // Nothing is old enough any more: a second trim changes nothing.
    assert_eq!(
        feed.trim_feed(Duration::from_secs(24 * 3600))
            .await
            .unwrap(),
        0
    );
    assert_eq!(feed_horizon(&db.pool).await, old_end);
}

#[tokio::test]
async fn a_position_below_the_horizon_is_told_to_rebuild_and_a_snapshot_starts_above_it() {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    let start = feed_head(&db.pool).await;
    insert_user(&db.pool, "gone_a").await;
    insert_user(&db.pool, "gone_b").await;
    settle(&db.pool).await;
    let (_, end) = read_all(&feed, start).await;
    age_feed(&db.pool, 10).await;
    feed.trim_feed(Duration::from_secs(3600)).await.unwrap();

    assert_eq!(
        feed.changes_since(start, 100).await.unwrap(),
        FeedRead::Trimmed
    );
    // The feed is empty now, yet the snapshot covers the trimmed changes.
    let (users, through) = feed.snapshot().await.unwrap();
    assert!(through > end && through > feed_horizon(&db.pool).await);
    assert!(users.iter().any(|user| user.username == "gone_b"));
    let (changes, _) = read_all(&feed, through).await;
    assert!(changes.is_empty(), "{changes:?}");
}

#[tokio::test]
async fn a_snapshot_covers_every_change_below_its_position_and_later_ones_come_from_the_feed() {
    let db = TestDatabase::new().await;
    let feed = PgSearch::new(db.pool.clone());
    insert_user(&db.pool, "before_snapshot").await;
    settle(&db.pool).await;

    let (users, through) = feed.snapshot().await.unwrap();
    insert_user(&db.pool, "after_snapshot").await;
    settle(&db.pool).await;

    assert!(users.iter().any(|user| user.username == "before_snapshot"));
    let (changes, _) = read_all(&feed, through).await;
    assert_eq!(usernames(&changes), ["after_snapshot"]);
}
