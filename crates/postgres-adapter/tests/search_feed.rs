//! The search change feed (the outbox) against a real PostgreSQL, a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use allmine_domain::UserId;
use allmine_domain::search::IndexChange;
use allmine_domain::user_search::SearchFeed;
use allmine_postgres::PgSearch;
use allmine_postgres::testing::TestDatabase;
use sqlx::PgPool;

async fn insert_user(pool: &PgPool, username: &str) -> UserId {
    let id: Vec<u8> = sqlx::query_scalar(
        "INSERT INTO users (username, name, surname) VALUES ($1, 'Test', 'User') RETURNING id",
    )
    .bind(username)
    .fetch_one(pool)
    .await
    .unwrap();
    UserId::from_slice(&id).unwrap()
}

async fn outbox_end(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(max(seq), 0) FROM search_outbox")
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

    let (first, after_first) = feed.changes_since(start, 3).await.unwrap().unwrap();
    assert_eq!(usernames(&first), ["feed_a", "feed_b", "feed_c"]);
    let (rest, after_rest) = feed.changes_since(after_first, 3).await.unwrap().unwrap();
    assert_eq!(usernames(&rest), ["feed_d", "feed_e"]);
    assert_eq!(after_rest, outbox_end(&db.pool).await);
    assert!(feed.changes_since(after_rest, 3).await.unwrap().is_none());
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

    let (changes, through) = feed.changes_since(start, 100).await.unwrap().unwrap();

    assert_eq!(
        usernames(&changes),
        ["feed_new".to_owned(), format!("removed {leaving}")]
    );
    assert_eq!(through, outbox_end(&db.pool).await);
}
