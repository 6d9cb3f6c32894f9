//! The users port against a real PostgreSQL, a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use allmine_domain::profiles::{AccountState, UserLookup, UserLookups, UserRepository};
use allmine_domain::{FollowState, Relationship, UserId, Username};
use allmine_postgres::testing::TestDatabase;
use allmine_postgres::{DEMO_USER_ID, DemoSeed, PgUsers, seed_demo};
use common::insert_user;
use sqlx::PgPool;

async fn follow(pool: &PgPool, follower: UserId, followee: UserId, status: &str) {
    sqlx::query("INSERT INTO follows (follower_id, followee_id, status) VALUES ($1, $2, $3)")
        .bind(follower.as_bytes().as_slice())
        .bind(followee.as_bytes().as_slice())
        .bind(status)
        .execute(pool)
        .await
        .unwrap();
}

async fn execute(pool: &PgPool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

async fn counters(pool: &PgPool, id: UserId) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT followers_count, following_count, total_live_streams FROM users WHERE id = $1",
    )
    .bind(id.as_bytes().as_slice())
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn users_are_found_by_id_and_by_username_ignoring_case() {
    let db = TestDatabase::new().await;
    let id = insert_user(&db.pool, "JohnDoe").await;
    let users = PgUsers::new(db.pool.clone());

    let (by_id, _) = users
        .find_for_viewer(UserLookup::Id(&id), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_id.username.as_str(), "JohnDoe");

    let name = Username::existing("johndoe").unwrap();
    let (by_name, relationship) = users
        .find_for_viewer(UserLookup::Username(&name), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_name.id, id);
    assert_eq!(relationship, Relationship::NONE);

    let missing = Username::existing("nobody").unwrap();
    assert!(
        users
            .find_for_viewer(UserLookup::Username(&missing), None)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn usernames_are_unique_ignoring_ascii_case() {
    let db = TestDatabase::new().await;
    insert_user(&db.pool, "JohnDoe").await;
    let duplicate =
        sqlx::query("INSERT INTO users (username, name, surname) VALUES ('JOHNDOE', 'A', 'B')")
            .execute(&db.pool)
            .await
            .unwrap_err();
    assert_eq!(
        duplicate.as_database_error().unwrap().code().as_deref(),
        Some("23505")
    );
}

#[tokio::test]
async fn the_database_folds_usernames_by_ascii_rules_like_the_domain() {
    let db = TestDatabase::new().await;
    // Whatever the database's locale, `I` folds to `i`, as Username::canonical does.
    let key: String = sqlx::query_scalar("INSERT INTO users (username, name, surname) VALUES ('ISIK_Ii', 'A', 'B') RETURNING username_key")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(key, Username::existing("ISIK_Ii").unwrap().canonical());
    assert_eq!(key, "isik_ii");
}

#[tokio::test]
async fn the_schema_rejects_malformed_usernames() {
    let db = TestDatabase::new().await;
    for bad in ["ab", ".john", "john.", "jo..hn", "şükrü", "john doe"] {
        let result =
            sqlx::query("INSERT INTO users (username, name, surname) VALUES ($1, 'A', 'B')")
                .bind(bad)
                .execute(&db.pool)
                .await;
        assert!(result.is_err(), "{bad} was accepted");
    }
}

#[tokio::test]
async fn a_block_counts_whichever_side_blocked() {
    let db = TestDatabase::new().await;
    let alice = insert_user(&db.pool, "alice").await;
    let bob = insert_user(&db.pool, "bob_b").await;
    sqlx::query("INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)")
        .bind(bob.as_bytes().as_slice())
        .bind(alice.as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();
    let users = PgUsers::new(db.pool.clone());

    let (_, seen_by_alice) = users
        .find_for_viewer(UserLookup::Id(&bob), Some(&alice))
        .await
        .unwrap()
        .unwrap();
    let (_, seen_by_bob) = users
        .find_for_viewer(UserLookup::Id(&alice), Some(&bob))
        .await
        .unwrap()
        .unwrap();
    assert!(seen_by_alice.blocked);
    assert!(seen_by_bob.blocked);
}

#[tokio::test]
async fn the_follow_state_is_read_from_the_viewers_side() {
    let db = TestDatabase::new().await;
    let fan = insert_user(&db.pool, "fan").await;
    let star = insert_user(&db.pool, "star").await;
    let waiting = insert_user(&db.pool, "waiting").await;
    follow(&db.pool, fan, star, "accepted").await;
    follow(&db.pool, waiting, star, "pending").await;
    let users = PgUsers::new(db.pool.clone());

    let state = |viewer: UserId, target: UserId| {
        let users = users.clone();
        async move {
            users
                .find_for_viewer(UserLookup::Id(&target), Some(&viewer))
                .await
                .unwrap()
                .unwrap()
                .1
                .follow
        }
    };
    assert_eq!(state(fan, star).await, FollowState::Accepted);
    assert_eq!(state(waiting, star).await, FollowState::Pending);
    assert_eq!(state(star, fan).await, FollowState::NotFollowing);
}

async fn block(pool: &PgPool, blocker: UserId, blocked: UserId) {
    sqlx::query("INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)")
        .bind(blocker.as_bytes().as_slice())
        .bind(blocked.as_bytes().as_slice())
        .execute(pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_batch_answers_in_the_order_asked_with_none_where_nobody_matches() {
    let db = TestDatabase::new().await;
    let viewer = insert_user(&db.pool, "viewer").await;
    let anna = insert_user(&db.pool, "Anna").await;
    let bert = insert_user(&db.pool, "bert").await;
    let cleo = insert_user(&db.pool, "cleo").await;
    follow(&db.pool, viewer, bert, "pending").await;
    block(&db.pool, cleo, viewer).await;
    let users = PgUsers::new(db.pool.clone());
    let nobody = UserId::from_bytes([0xee; 12]);

    let ids = [cleo, nobody, anna, bert];
    let found = users
        .find_many_for_viewer(UserLookups::Ids(&ids), Some(&viewer))
        .await
        .unwrap();
    let seen: Vec<Option<UserId>> = found
        .iter()
        .map(|found| found.as_ref().map(|(user, _)| user.id))
        .collect();
    assert_eq!(seen, [Some(cleo), None, Some(anna), Some(bert)]);
    // Each user's relationship is the one the single read gives.
    for (id, found) in ids.iter().zip(&found) {
        let single = users
            .find_for_viewer(UserLookup::Id(id), Some(&viewer))
            .await
            .unwrap();
        assert_eq!(found, &single);
    }

    let names = ["BERT", "nobody", "anna"].map(|n| Username::existing(n).unwrap());
    let found = users
        .find_many_for_viewer(UserLookups::Usernames(&names), None)
        .await
        .unwrap();
    let seen: Vec<Option<UserId>> = found
        .iter()
        .map(|found| found.as_ref().map(|(user, _)| user.id))
        .collect();
    assert_eq!(seen, [Some(bert), None, Some(anna)]);
}

#[tokio::test]
async fn relationships_are_read_both_ways_for_existing_users_in_the_order_asked() {
    let db = TestDatabase::new().await;
    let me = insert_user(&db.pool, "me_myself").await;
    let star = insert_user(&db.pool, "star").await;
    let fan = insert_user(&db.pool, "fan").await;
    let asker = insert_user(&db.pool, "asker").await;
    let foe = insert_user(&db.pool, "foe").await;
    let gone = insert_user(&db.pool, "gone").await;
    follow(&db.pool, me, star, "accepted").await;
    follow(&db.pool, fan, me, "accepted").await;
    follow(&db.pool, asker, me, "pending").await;
    follow(&db.pool, me, asker, "pending").await;
    block(&db.pool, me, foe).await;
    block(&db.pool, foe, me).await;
    sqlx::query("UPDATE users SET deactivated_at = now() WHERE id = $1")
        .bind(gone.as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();
    let users = PgUsers::new(db.pool.clone());
    let nobody = UserId::from_bytes([0xee; 12]);

    let found = users
        .relationships_with(&me, &[gone, foe, nobody, asker, fan, star])
        .await
        .unwrap();
    let facts: Vec<(UserId, AccountState, FollowState, bool, bool, bool)> = found
        .iter()
        .map(|(state, r)| {
            (
                r.user,
                *state,
                r.following,
                r.followed_by,
                r.blocking,
                r.blocked_by,
            )
        })
        .collect();
    use AccountState::{Active, Deactivated};
    use FollowState::{Accepted, NotFollowing, Pending};
    assert_eq!(
        facts,
        [
            (gone, Deactivated, NotFollowing, false, false, false),
            (foe, Active, NotFollowing, false, true, true),
            (asker, Active, Pending, false, false, false),
            (fan, Active, NotFollowing, true, false, false),
            (star, Active, Accepted, false, false, false),
        ]
    );
}

#[tokio::test]
async fn follower_counters_count_accepted_follows_only_and_stay_exact() {
    let db = TestDatabase::new().await;
    let fan = insert_user(&db.pool, "fan").await;
    let star = insert_user(&db.pool, "star").await;

    follow(&db.pool, fan, star, "pending").await;
    assert_eq!(counters(&db.pool, star).await, (0, 0, 0));
    assert_eq!(counters(&db.pool, fan).await, (0, 0, 0));

    sqlx::query("UPDATE follows SET status = 'accepted' WHERE follower_id = $1")
        .bind(fan.as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(counters(&db.pool, star).await, (1, 0, 0));
    assert_eq!(counters(&db.pool, fan).await, (0, 1, 0));

    execute(&db.pool, "DELETE FROM follows").await;
    assert_eq!(counters(&db.pool, star).await, (0, 0, 0));
    assert_eq!(counters(&db.pool, fan).await, (0, 0, 0));
}

#[tokio::test]
async fn a_follow_updated_in_place_moves_the_counters_of_what_changed_only() {
    let db = TestDatabase::new().await;
    let fan = insert_user(&db.pool, "fan").await;
    let star = insert_user(&db.pool, "star").await;
    let other_star = insert_user(&db.pool, "other_star").await;
    follow(&db.pool, fan, star, "accepted").await;

    // The same status written again moves nothing.
    execute(&db.pool, "UPDATE follows SET status = 'accepted'").await;
    assert_eq!(counters(&db.pool, star).await, (1, 0, 0));
    assert_eq!(counters(&db.pool, fan).await, (0, 1, 0));

    // Re-pointed while accepted: the follower still follows one user.
    sqlx::query("UPDATE follows SET followee_id = $1")
        .bind(other_star.as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(counters(&db.pool, star).await, (0, 0, 0));
    assert_eq!(counters(&db.pool, other_star).await, (1, 0, 0));
    assert_eq!(counters(&db.pool, fan).await, (0, 1, 0));

    // Back to pending: no longer counted on either side.
    execute(&db.pool, "UPDATE follows SET status = 'pending'").await;
    assert_eq!(counters(&db.pool, other_star).await, (0, 0, 0));
    assert_eq!(counters(&db.pool, fan).await, (0, 0, 0));
}

/// Users whose stored counters differ from a count over their source tables.
async fn counter_drift(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM users u WHERE
            u.followers_count <> (SELECT count(*) FROM follows f WHERE f.followee_id = u.id AND f.status = 'accepted')
         OR u.following_count <> (SELECT count(*) FROM follows f WHERE f.follower_id = u.id AND f.status = 'accepted')
         OR u.total_live_streams <> (SELECT count(*) FROM live_streams s WHERE s.host_id = u.id)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn follows_crossing_each_other_queue_instead_of_deadlocking() {
    // Another service follows and unfollows in SQL, one statement a
    // transaction; here A follows and unfollows B while B does the same to
    // A, for several pairs at once. Each statement moves both users'
    // counters: taken in opposite orders, their row locks deadlocked and
    // PostgreSQL rolled one statement back.
    const PAIRS: usize = 4;
    const TOGGLES: usize = 150;
    let db = TestDatabase::new().await;
    let mut writers = Vec::new();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(PAIRS * 2));
    for pair in 0..PAIRS {
        let a = insert_user(&db.pool, &format!("cross_a{pair}")).await;
        let b = insert_user(&db.pool, &format!("cross_b{pair}")).await;
        for (follower, followee) in [(a, b), (b, a)] {
            let options = db.options.clone();
            let start = start.clone();
            writers.push(tokio::spawn(async move {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
                start.wait().await;
                let mut failures = Vec::new();
                for _ in 0..TOGGLES {
                    for sql in [
                        "INSERT INTO follows (follower_id, followee_id, status) VALUES ($1, $2, 'accepted')",
                        "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2",
                    ] {
                        if let Err(error) = sqlx::query(sql)
                            .bind(follower.as_bytes().as_slice())
                            .bind(followee.as_bytes().as_slice())
                            .execute(&mut conn)
                            .await
                        {
                            failures.push(error.to_string());
                        }
                    }
                }
                failures
            }));
        }
    }
    let mut failures = Vec::new();
    for writer in writers {
        failures.extend(writer.await.unwrap());
    }

    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(counter_drift(&db.pool).await, 0);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM follows")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn live_stream_counter_follows_inserts_and_deletes() {
    let db = TestDatabase::new().await;
    let host = insert_user(&db.pool, "host").await;
    for _ in 0..3 {
        sqlx::query("INSERT INTO live_streams (host_id, title, started_at, ended_at) VALUES ($1, 't', now(), now())")
            .bind(host.as_bytes().as_slice())
            .execute(&db.pool)
            .await
            .unwrap();
    }
    assert_eq!(counters(&db.pool, host).await.2, 3);
    sqlx::query("DELETE FROM live_streams WHERE ctid IN (SELECT ctid FROM live_streams LIMIT 1)")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(counters(&db.pool, host).await.2, 2);
}

#[tokio::test]
async fn a_user_can_only_show_a_photo_they_own() {
    let db = TestDatabase::new().await;
    let owner = insert_user(&db.pool, "owner").await;
    let other = insert_user(&db.pool, "other").await;
    let photo: Vec<u8> = sqlx::query_scalar(
        "INSERT INTO profile_photos (user_id, original_url) VALUES ($1, 'u') RETURNING id",
    )
    .bind(owner.as_bytes().as_slice())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let set_photo = |user: UserId| {
        sqlx::query("UPDATE users SET profile_photo_id = $1 WHERE id = $2")
            .bind(photo.clone())
            .bind(user.as_bytes().to_vec())
            .execute(&db.pool)
    };
    assert!(set_photo(other).await.is_err());
    assert!(set_photo(owner).await.is_ok());
}

#[tokio::test]
async fn a_held_username_cannot_be_registered_by_someone_else() {
    let db = TestDatabase::new().await;
    let former = insert_user(&db.pool, "former").await;
    sqlx::query("INSERT INTO username_claims (username_key, user_id, held_until) VALUES ('oldname', $1, now() + interval '14 days')")
        .bind(former.as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();
    let taken =
        sqlx::query("INSERT INTO users (username, name, surname) VALUES ('OldName', 'A', 'B')")
            .execute(&db.pool)
            .await
            .unwrap_err();
    assert_eq!(
        taken.as_database_error().unwrap().code().as_deref(),
        Some("23505")
    );

    sqlx::query("UPDATE username_claims SET held_until = now() - interval '1 second' WHERE username_key = 'oldname'")
        .execute(&db.pool)
        .await
        .unwrap();
    insert_user(&db.pool, "OldName").await;
}

#[tokio::test]
async fn account_state_tells_active_deactivated_and_missing_apart() {
    let db = TestDatabase::new().await;
    let active = insert_user(&db.pool, "active").await;
    let gone = insert_user(&db.pool, "gone").await;
    sqlx::query("UPDATE users SET deactivated_at = now() WHERE id = $1")
        .bind(gone.as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();
    let users = PgUsers::new(db.pool.clone());
    assert_eq!(
        users.account_state(&active).await.unwrap(),
        AccountState::Active
    );
    assert_eq!(
        users.account_state(&gone).await.unwrap(),
        AccountState::Deactivated
    );
    assert_eq!(
        users
            .account_state(&UserId::from_bytes([0xab; 12]))
            .await
            .unwrap(),
        AccountState::Missing
    );
}

#[tokio::test]
async fn the_demo_fixture_loads_once_with_exact_counters() {
    let db = TestDatabase::new().await;
    assert_eq!(seed_demo(&db.pool).await.unwrap(), DemoSeed::Loaded);
    assert_eq!(seed_demo(&db.pool).await.unwrap(), DemoSeed::AlreadyPresent);

    let users = PgUsers::new(db.pool.clone());
    let (john, _) = users
        .find_for_viewer(UserLookup::Id(&DEMO_USER_ID), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(john.username.as_str(), "johndoe123");
    assert_eq!(
        (
            john.stats.followers,
            john.stats.following,
            john.stats.total_live_streams
        ),
        (128, 256, 12)
    );
    assert_eq!(
        john.profile_photo.unwrap().id.to_string(),
        "507f1f77bcf86cd799439012"
    );

    // Every stored counter equals a count over the source tables.
    assert_eq!(counter_drift(&db.pool).await, 0);
}

#[tokio::test]
async fn the_credit_transaction_counter_follows_inserts_and_deletes() {
    let db = TestDatabase::new().await;
    let user = insert_user(&db.pool, "spender").await;
    for amount in [100, -30, -20] {
        sqlx::query("INSERT INTO credit_transactions (user_id, type, amount, balance_after) VALUES ($1, 'purchase', $2, 0)")
            .bind(user.as_bytes().as_slice())
            .bind(amount as i64)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT credit_transaction_count FROM users WHERE id = $1")
            .bind(user.as_bytes().as_slice())
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 3);
    sqlx::query("DELETE FROM credit_transactions WHERE amount = -30")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(count().await, 2);
}
