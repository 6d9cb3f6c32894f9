//! The username registry and the profile update against a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use allmine_domain::profiles::ProfileChanges;
use allmine_domain::profiles::{UserLookup, UserRepository};
use allmine_domain::usernames::{
    NameState, UsernameChange, UsernameChangeFailure, UsernameReservations,
};
use allmine_domain::{UserId, Username};
use allmine_postgres::testing::TestDatabase;
use allmine_postgres::{PgUsernames, PgUsers};
use common::insert_user;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn change(user: UserId, old: &str, new: &str) -> UsernameChange {
    UsernameChange {
        user,
        old: Username::existing(old).unwrap(),
        new: Username::new(new).unwrap(),
        expected_changed_at: None,
        changed_at: Some(NOW),
        now: NOW,
        hold_until: NOW + Duration::days(14),
    }
}

#[tokio::test]
async fn states_tell_free_in_use_and_held_names_apart_in_the_order_asked() {
    let db = TestDatabase::new().await;
    let ann = insert_user(&db.pool, "ann").await;
    let names = PgUsernames::new(db.pool.clone());
    names.change(&change(ann, "ann", "ann_two")).await.unwrap();

    let asked = ["nobody".to_owned(), "ann_two".to_owned(), "ann".to_owned()];
    let states = names.states(&asked, NOW).await.unwrap();
    assert_eq!(
        states,
        [
            NameState::Free,
            NameState::InUse { owner: ann },
            NameState::Held {
                owner: ann,
                until: NOW + Duration::days(14)
            }
        ]
    );
    let later = names
        .states(&asked[2..], NOW + Duration::days(14))
        .await
        .unwrap();
    assert_eq!(later, [NameState::Free], "a hold ends after 14 days");
}

#[tokio::test]
async fn a_change_stores_name_cooldown_hold_and_history_together() {
    let db = TestDatabase::new().await;
    let ann = insert_user(&db.pool, "ann").await;
    PgUsernames::new(db.pool.clone())
        .change(&change(ann, "ann", "Ann.B"))
        .await
        .unwrap();

    let (username, changed_at): (String, Option<OffsetDateTime>) =
        sqlx::query_as("SELECT username, username_changed_at FROM users WHERE id = $1")
            .bind(ann.as_bytes().to_vec())
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((username.as_str(), changed_at), ("Ann.B", Some(NOW)));
    let history: (String, String, OffsetDateTime) =
        sqlx::query_as("SELECT old_username, new_username, held_until FROM username_history")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        history,
        ("ann".into(), "Ann.B".into(), NOW + Duration::days(14))
    );
}

#[tokio::test]
async fn a_stale_read_is_refused_and_changes_nothing() {
    let db = TestDatabase::new().await;
    let ann = insert_user(&db.pool, "ann").await;
    let names = PgUsernames::new(db.pool.clone());
    names.change(&change(ann, "ann", "ann_two")).await.unwrap();
    // Decided on the old read: name "ann", never changed.
    let stale = names.change(&change(ann, "ann", "ann_three")).await;
    assert!(matches!(stale, Err(UsernameChangeFailure::Concurrent)));
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM username_history")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(history, 1);
}

#[tokio::test]
async fn names_in_use_or_held_by_others_are_refused_without_a_trace() {
    let db = TestDatabase::new().await;
    let ann = insert_user(&db.pool, "ann").await;
    let bob = insert_user(&db.pool, "bob").await;
    let names = PgUsernames::new(db.pool.clone());
    assert!(matches!(
        names.change(&change(bob, "bob", "ANN")).await,
        Err(UsernameChangeFailure::Taken)
    ));
    names.change(&change(ann, "ann", "ann_two")).await.unwrap();
    assert!(matches!(
        names.change(&change(bob, "bob", "ann")).await,
        Err(UsernameChangeFailure::Held)
    ));
    let bob_name: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
        .bind(bob.as_bytes().to_vec())
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(bob_name, "bob");
}

#[tokio::test]
async fn a_profile_update_sets_clears_and_keeps_fields_in_one_statement() {
    let db = TestDatabase::new().await;
    let ann = insert_user(&db.pool, "ann").await;
    sqlx::query(
        "UPDATE users SET bio = 'old bio', expertise = 'old', instagram = 'keep.me' WHERE id = $1",
    )
    .bind(ann.as_bytes().to_vec())
    .execute(&db.pool)
    .await
    .unwrap();
    let users = PgUsers::new(db.pool.clone());
    let changes = ProfileChanges {
        name: Some("Ann".into()),
        bio: Some(None),
        interests: Some(vec!["chess".into()]),
        minute_price: Some(12),
        is_private: Some(true),
        ..ProfileChanges::default()
    };
    users.update_profile(&ann, &changes).await.unwrap();
    let (user, _) = users
        .find_for_viewer(UserLookup::Id(&ann), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.name, "Ann");
    assert_eq!(user.bio, None, "cleared");
    assert_eq!(user.expertise.as_deref(), Some("old"), "kept");
    assert_eq!(user.socials.instagram.as_deref(), Some("keep.me"), "kept");
    assert_eq!(user.interests, ["chess"]);
    assert_eq!(user.minute_price_in_live_stream, 12);
    assert!(user.is_private);
}
