//! How `apply` and `replace_all` change the index, and how the applied feed position is kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use allmine_domain::search::{IndexChange, SearchIndexWriter, UserSearch};
use allmine_search::{SCHEMA_DIR, TantivyUserIndex};
use common::{Fixture, at, id_of, user};

#[tokio::test]
async fn an_upserted_user_is_found_at_once() {
    let mut fixture = Fixture::with(Vec::new()).await;
    let kemal = user("kemal", "Kemal", "Sunal", 1);
    fixture.know(&kemal);

    fixture
        .index
        .apply(vec![IndexChange::Upsert(kemal)], at(2))
        .await
        .unwrap();

    assert_eq!(fixture.find("kemal").await, ["kemal"]);
}

#[tokio::test]
async fn a_renamed_user_is_found_under_the_new_name_only() {
    let fixture = Fixture::with(vec![user("ks1", "Kemal", "Sunal", 1)]).await;
    let renamed = IndexChange::Upsert(user("ks1", "Burak", "Sunal", 1));

    fixture.index.apply(vec![renamed], at(2)).await.unwrap();

    assert_eq!(fixture.find("burak").await, ["ks1"]);
    assert!(fixture.find("kemal").await.is_empty());
    assert_eq!(
        fixture.find_page("sunal", &[], 0, 10).await.1,
        1,
        "no duplicate"
    );
}

#[tokio::test]
async fn a_changed_username_is_found_under_the_new_username_only() {
    let mut fixture = Fixture::with(vec![user("oldname", "Ali", "Veli", 1)]).await;
    let mut renamed = user("newname", "Ali", "Veli", 1);
    renamed.id = id_of("oldname");
    fixture.know(&renamed);

    fixture
        .index
        .apply(vec![IndexChange::Upsert(renamed)], at(2))
        .await
        .unwrap();

    assert!(fixture.find("oldname").await.is_empty());
    assert_eq!(fixture.find_page("newname", &[], 0, 10).await.1, 1);
}

#[tokio::test]
async fn changes_in_one_batch_apply_in_order() {
    let mut fixture = Fixture::with(Vec::new()).await;
    let first = user("a_k", "Ahmet", "Kaya", 1);
    let second = user("a_k", "Mehmet", "Kaya", 1);
    fixture.know(&first);
    let gone = user("gone", "Gone", "Soon", 1);

    fixture
        .index
        .apply(
            vec![
                IndexChange::Upsert(first),
                IndexChange::Upsert(gone.clone()),
                IndexChange::Upsert(second),
                IndexChange::Remove(gone.id),
            ],
            at(2),
        )
        .await
        .unwrap();

    assert_eq!(fixture.find("mehmet").await, ["a_k"]);
    assert!(fixture.find("ahmet").await.is_empty());
    assert!(fixture.find("gone").await.is_empty());
    assert_eq!(fixture.index.sample(&[], 10).await.unwrap().total, 1);
}

#[tokio::test]
async fn a_removed_user_is_no_longer_found() {
    let fixture = Fixture::with(vec![
        user("kemal", "Kemal", "Sunal", 1),
        user("sener", "Şener", "Şen", 1),
    ])
    .await;

    fixture
        .index
        .apply(vec![IndexChange::Remove(id_of("kemal"))], at(2))
        .await
        .unwrap();

    assert!(fixture.find("kemal").await.is_empty());
    assert_eq!(fixture.find("sener").await, ["sener"]);
    assert_eq!(fixture.index.sample(&[], 10).await.unwrap().total, 1);
}

#[tokio::test]
async fn removing_a_user_who_is_not_indexed_is_harmless() {
    let fixture = Fixture::with(vec![user("kemal", "Kemal", "Sunal", 1)]).await;

    fixture
        .index
        .apply(vec![IndexChange::Remove(id_of("nobody"))], at(2))
        .await
        .unwrap();

    assert_eq!(fixture.find("kemal").await, ["kemal"]);
}

#[tokio::test]
async fn a_new_index_has_applied_nothing() {
    let index = TantivyUserIndex::in_memory().unwrap();

    assert_eq!(index.applied_through().await.unwrap(), None);
}

#[tokio::test]
async fn applied_through_is_the_position_of_the_last_commit() {
    let index = TantivyUserIndex::in_memory().unwrap();

    index
        .apply(vec![IndexChange::Upsert(user("a", "A", "A", 1))], at(5))
        .await
        .unwrap();
    assert_eq!(index.applied_through().await.unwrap(), Some(at(5)));

    // Even a batch without changes moves it (the store's changes may all be irrelevant).
    index.apply(Vec::new(), at(9)).await.unwrap();
    assert_eq!(index.applied_through().await.unwrap(), Some(at(9)));
}

#[tokio::test]
async fn replace_all_rebuilds_the_whole_index() {
    let mut fixture = Fixture::with(vec![
        user("kemal", "Kemal", "Sunal", 1),
        user("sener", "Şener", "Şen", 1),
    ])
    .await;
    let tarik = user("tarik", "Tarık", "Akan", 1);
    fixture.know(&tarik);

    fixture
        .index
        .replace_all(vec![tarik], at(100))
        .await
        .unwrap();

    assert!(fixture.find("kemal").await.is_empty());
    assert!(fixture.find("sener").await.is_empty());
    assert_eq!(fixture.find("tarik").await, ["tarik"]);
    assert_eq!(fixture.index.sample(&[], 10).await.unwrap().total, 1);
    assert_eq!(
        fixture.index.applied_through().await.unwrap(),
        Some(at(100))
    );
}

#[tokio::test]
async fn applied_through_and_the_users_survive_reopening_the_index() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = TantivyUserIndex::open_or_create(dir.path()).unwrap();
        assert_eq!(index.applied_through().await.unwrap(), None);
        index
            .replace_all(vec![user("kemal", "Kemal", "Sunal", 1)], at(40))
            .await
            .unwrap();
        index
            .apply(
                vec![IndexChange::Upsert(user("sener", "Şener", "Şen", 1))],
                at(42),
            )
            .await
            .unwrap();
    }

    let reopened = TantivyUserIndex::open_or_create(dir.path()).unwrap();

    assert_eq!(reopened.applied_through().await.unwrap(), Some(at(42)));
    let hits = reopened.search("sener", &[], 0, 10).await.unwrap();
    assert_eq!(hits.ids, [id_of("sener")]);
    assert_eq!(reopened.sample(&[], 10).await.unwrap().total, 2);
}

#[tokio::test]
async fn a_directory_is_opened_by_one_instance_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let _first = TantivyUserIndex::open_or_create(dir.path()).unwrap();

    assert!(TantivyUserIndex::open_or_create(dir.path()).is_err());
}

#[tokio::test]
async fn opening_a_directory_that_does_not_exist_fails() {
    let dir = tempfile::tempdir().unwrap();

    assert!(TantivyUserIndex::open_or_create(&dir.path().join("missing")).is_err());
}

#[tokio::test]
async fn an_index_of_another_schema_in_the_directory_is_left_alone_and_a_new_one_starts() {
    let dir = tempfile::tempdir().unwrap();
    // What an older version left at the top of the directory is not opened.
    std::fs::write(dir.path().join("meta.json"), "{\"not\": \"this schema\"}").unwrap();

    let index = TantivyUserIndex::open_or_create(dir.path()).unwrap();

    assert_eq!(index.applied_through().await.unwrap(), None);
    index
        .replace_all(vec![user("kemal", "Kemal", "Sunal", 1)], at(7))
        .await
        .unwrap();
    assert!(dir.path().join(SCHEMA_DIR).join("meta.json").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("meta.json")).unwrap(),
        "{\"not\": \"this schema\"}"
    );
    assert_eq!(index.applied_through().await.unwrap(), Some(at(7)));
}
