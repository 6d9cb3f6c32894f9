//! Helpers shared by the adapter's test files.

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
