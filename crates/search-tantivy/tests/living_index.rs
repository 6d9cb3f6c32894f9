//! An index that takes live changes: it stays in few segments, and ranking and totals
//! stay exact across segments with deleted documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::cmp::Reverse;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use allmine_domain::search::{IndexChange, IndexedUser, SearchIndexWriter};
use common::{Fixture, at, user};

/// More than Tantivy's default policy puts in its lowest level (10,000), as a real index.
const USERS: u64 = 20_000;
/// Pages of the walk over every match.
const PAGE: usize = 1_000;

fn population() -> Vec<IndexedUser> {
    (0..USERS)
        .map(|n| {
            let name = if n % 4 == 0 { "Mert" } else { "Deniz" };
            user(&format!("u{n}"), name, "X", (n * 7919) % 1000)
        })
        .collect()
}

/// `batches` batches of live changes, as the change feed brings them: new follower
/// counts for 25 users each, every fifth batch also renaming one and removing one.
async fn age_by(fixture: &mut Fixture, users: &mut Vec<IndexedUser>, batches: u64) {
    for batch in 0..batches {
        let mut changes = Vec::new();
        for k in 0..25_u64 {
            let n = ((batch * 25 + k) * 37) % (users.len() as u64);
            let changed = &mut users[n as usize];
            changed.followers = (changed.followers * 31 + batch + 1) % 5000;
            changes.push(IndexChange::Upsert(changed.clone()));
        }
        if batch % 5 == 0 {
            let renamed = &mut users[batch as usize];
            renamed.name = if renamed.name == "Deniz" {
                "Mert"
            } else {
                "Deniz"
            }
            .into();
            changes.push(IndexChange::Upsert(renamed.clone()));
            let removed = users.remove(100 + batch as usize);
            changes.push(IndexChange::Remove(removed.id));
        }
        for change in &changes {
            if let IndexChange::Upsert(changed) = change {
                fixture.know(changed);
            }
        }
        fixture.index.apply(changes, at(batch + 2)).await.unwrap();
    }
}

/// 40 batches of [`age_by`]: about 1,000 changes, a twentieth of the users.
async fn age(fixture: &mut Fixture, users: &mut Vec<IndexedUser>) {
    age_by(fixture, users, 40).await;
}

fn denizes_by_followers(users: &[IndexedUser]) -> Vec<String> {
    let mut denizes: Vec<_> = users
        .iter()
        .filter(|u| u.name == "Deniz")
        .map(|u| (Reverse(u.followers), u.username.clone()))
        .collect();
    denizes.sort();
    denizes.into_iter().map(|(_, name)| name).collect()
}

#[tokio::test]
async fn a_living_index_is_merged_back_to_at_most_two_segments() {
    let mut users = population();
    let mut fixture = Fixture::with(users.clone()).await;
    assert_eq!(
        fixture.index.segment_count(),
        1,
        "a rebuilt index is one segment"
    );

    age(&mut fixture, &mut users).await;

    // Merges run in the background and the reader picks them up by itself; Tantivy's
    // default policy would leave more than two segments after these 40 commits for good.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fixture.index.segment_count() > 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        fixture.index.segment_count() <= 2,
        "{} segments",
        fixture.index.segment_count()
    );
}

#[tokio::test]
async fn a_settled_index_is_one_segment_without_deletes_and_answers_as_before() {
    let mut users = population();
    let mut fixture = Fixture::with(users.clone()).await;
    // Too few changes for the merge policy to merge everything: the index stays split.
    age_by(&mut fixture, &mut users, 8).await;
    let (aged_page, aged_total) = fixture.find_page("deniz", &[], 0, PAGE).await;

    // As the server does once the feed is quiet; a merge the policy has under way makes
    // a settle fail in the background, and the next one retries.
    let deadline = Instant::now() + Duration::from_secs(30);
    while (fixture.index.segment_count() > 1 || fixture.index.deleted_documents() > 0)
        && Instant::now() < deadline
    {
        fixture.index.settle().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(fixture.index.segment_count(), 1);
    assert_eq!(fixture.index.deleted_documents(), 0);

    let (page, total) = fixture.find_page("deniz", &[], 0, PAGE).await;
    assert_eq!(total, aged_total);
    let followers: HashMap<&str, u64> = users
        .iter()
        .map(|u| (u.username.as_str(), u.followers))
        .collect();
    let counts =
        |names: &[String]| -> Vec<u64> { names.iter().map(|n| followers[n.as_str()]).collect() };
    assert_eq!(counts(&page), counts(&aged_page));
}

#[tokio::test]
async fn ranking_and_totals_stay_exact_on_an_index_that_took_live_changes() {
    let mut users = population();
    let mut fixture = Fixture::with(users.clone()).await;

    age(&mut fixture, &mut users).await;

    // Equal follower counts go in index order, which live changes reshuffle: pages are
    // compared by their follower counts, and the walk by its members.
    let followers: HashMap<&str, u64> = users
        .iter()
        .map(|u| (u.username.as_str(), u.followers))
        .collect();
    let expected = denizes_by_followers(&users);
    let total = expected.len();
    let counts =
        |names: &[String]| -> Vec<u64> { names.iter().map(|n| followers[n.as_str()]).collect() };
    let mut walked = Vec::new();
    for offset in (0..total).step_by(PAGE) {
        let (page, found) = fixture.find_page("deniz", &[], offset, PAGE).await;
        let end = (offset + PAGE).min(total);
        assert_eq!(found, total as u64, "total at offset {offset}");
        assert_eq!(
            counts(&page),
            counts(&expected[offset..end]),
            "offset {offset}"
        );
        walked.extend(page);
    }
    walked.sort();
    let mut every = expected.clone();
    every.sort();
    assert_eq!(walked, every, "every match once");
}

#[tokio::test]
async fn every_removal_leaves_the_totals_at_once_however_many_came_before() {
    let users: Vec<IndexedUser> = (0..100u64)
        .map(|n| user(&format!("dz{n:03}"), "Deniz", "X", n))
        .collect();
    let fixture = Fixture::with(users.clone()).await;
    assert_eq!(fixture.find_page("deniz", &[], 0, 1).await.1, 100);

    // Each batch adds deletes to the same segment: what a search knows of its live
    // documents must follow every one of them.
    for (batch, removed) in users.chunks(10).take(3).enumerate() {
        let changes = removed.iter().map(|u| IndexChange::Remove(u.id)).collect();
        fixture
            .index
            .apply(changes, at(batch as u64 + 2))
            .await
            .unwrap();
        let (page, total) = fixture.find_page("deniz", &[], 0, 100).await;
        assert_eq!(total, 100 - 10 * (batch as u64 + 1), "after batch {batch}");
        assert!(removed.iter().all(|u| !page.contains(&u.username)));
    }
}
