//! What `sample` picks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use allmine_domain::UserId;
use allmine_domain::search::{IndexChange, SearchIndexWriter, UserSearch};
use common::{Fixture, at, id_of, user};

fn numbered(count: usize) -> Vec<allmine_domain::search::IndexedUser> {
    (0..count)
        .map(|n| user(&format!("user{n}"), "Name", "Surname", n as u64))
        .collect()
}

fn ids(names: &[String]) -> Vec<UserId> {
    names.iter().map(|name| id_of(name)).collect()
}

#[tokio::test]
async fn a_sample_holds_the_count_asked_for_of_distinct_indexed_users() {
    let users = numbered(30);
    let indexed: BTreeSet<UserId> = users.iter().map(|u| u.id).collect();
    let fixture = Fixture::with(users).await;

    let hits = fixture.index.sample(&[], 5).await.unwrap();

    assert_eq!(hits.total, 30);
    assert_eq!(hits.ids.len(), 5);
    let picked: BTreeSet<UserId> = hits.ids.iter().copied().collect();
    assert_eq!(picked.len(), 5, "no user twice");
    assert!(picked.is_subset(&indexed));
}

#[tokio::test]
async fn successive_samples_differ() {
    let fixture = Fixture::with(numbered(30)).await;

    let mut samples = BTreeSet::new();
    for _ in 0..10 {
        let hits = fixture.index.sample(&[], 5).await.unwrap();
        samples.insert(hits.ids.into_iter().collect::<BTreeSet<_>>());
    }

    // Ten identical picks of 5 among 30 would happen about once in 10^46 runs.
    assert!(samples.len() > 1);
}

#[tokio::test]
async fn a_sample_never_holds_an_excluded_user_and_total_counts_only_the_others() {
    let users = numbered(30);
    let excluded: Vec<UserId> = users.iter().take(10).map(|u| u.id).collect();
    let fixture = Fixture::with(users).await;

    for _ in 0..20 {
        let hits = fixture.index.sample(&excluded, 5).await.unwrap();
        assert_eq!(hits.total, 20);
        assert_eq!(hits.ids.len(), 5);
        assert!(hits.ids.iter().all(|id| !excluded.contains(id)));
    }
}

#[tokio::test]
async fn asking_for_more_than_there_are_gives_every_eligible_user() {
    let fixture = Fixture::with(numbered(6)).await;
    let excluded = ids(&["user0".to_owned(), "user1".to_owned(), "ghost".to_owned()]);

    let hits = fixture.index.sample(&excluded, 10).await.unwrap();

    assert_eq!(hits.total, 4);
    let mut picked = fixture.usernames(&hits.ids);
    picked.sort();
    assert_eq!(picked, ["user2", "user3", "user4", "user5"]);
}

#[tokio::test]
async fn a_sample_skips_removed_users() {
    let fixture = Fixture::with(numbered(30)).await;
    let removals = (2..30)
        .map(|n| IndexChange::Remove(id_of(&format!("user{n}"))))
        .collect();
    fixture.index.apply(removals, at(2)).await.unwrap();

    for _ in 0..10 {
        let hits = fixture.index.sample(&[], 2).await.unwrap();
        assert_eq!(hits.total, 2);
        let mut picked = fixture.usernames(&hits.ids);
        picked.sort();
        assert_eq!(picked, ["user0", "user1"]);
    }
}

#[tokio::test]
async fn a_sample_of_nothing_or_from_nothing_is_empty() {
    let empty = Fixture::with(Vec::new()).await;
    let hits = empty.index.sample(&[], 5).await.unwrap();
    assert!(hits.ids.is_empty());
    assert_eq!(hits.total, 0);

    let fixture = Fixture::with(numbered(3)).await;
    let hits = fixture.index.sample(&[], 0).await.unwrap();
    assert!(hits.ids.is_empty());
    assert_eq!(hits.total, 3);
}
