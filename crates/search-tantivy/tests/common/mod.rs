//! Helpers shared by the test files: users named by their username, an index holding them.
#![allow(dead_code)] // Each test file uses its own part.

use std::collections::HashMap;

use allmine_domain::UserId;
use allmine_domain::feed::FeedPosition;
use allmine_domain::search::{IndexedUser, SearchIndexWriter, UserSearch};
use allmine_search::TantivyUserIndex;

/// The feed position of the `n`th change (one transaction per change).
pub fn at(n: u64) -> FeedPosition {
    FeedPosition::new(n, n)
}

/// A user with an id derived from its username, so tests can speak in usernames.
pub fn user(username: &str, name: &str, surname: &str, followers: u64) -> IndexedUser {
    IndexedUser {
        id: id_of(username),
        username: username.to_owned(),
        name: name.to_owned(),
        surname: surname.to_owned(),
        followers,
    }
}

/// A stable id for a username (the first 12 bytes of its padded form).
pub fn id_of(username: &str) -> UserId {
    let mut bytes = [b'.'; 12];
    for (byte, c) in bytes.iter_mut().zip(username.bytes()) {
        *byte = c;
    }
    // Usernames longer than 12 bytes: mix the rest in so ids stay distinct.
    for (i, c) in username.bytes().enumerate().skip(12) {
        bytes[i % 12] ^= c.rotate_left(i as u32 % 8);
    }
    UserId::from_bytes(bytes)
}

/// An in-memory index holding `users`, and a way back from ids to usernames.
pub struct Fixture {
    pub index: TantivyUserIndex,
    names: HashMap<UserId, String>,
}

impl Fixture {
    pub async fn with(users: Vec<IndexedUser>) -> Fixture {
        let index = TantivyUserIndex::in_memory().unwrap();
        let names = users
            .iter()
            .map(|user| (user.id, user.username.clone()))
            .collect();
        index.replace_all(users, at(1)).await.unwrap();
        Fixture { index, names }
    }

    /// Remembers a username for ids added later.
    pub fn know(&mut self, user: &IndexedUser) {
        self.names.insert(user.id, user.username.clone());
    }

    /// The usernames found for `text`, best first (first page of 100).
    pub async fn find(&self, text: &str) -> Vec<String> {
        self.find_page(text, &[], 0, 100).await.0
    }

    /// The usernames on one page of results, and the total.
    pub async fn find_page(
        &self,
        text: &str,
        excluded: &[&str],
        offset: usize,
        limit: usize,
    ) -> (Vec<String>, u64) {
        let excluded: Vec<UserId> = excluded.iter().map(|name| id_of(name)).collect();
        let hits = self
            .index
            .search(text, &excluded, offset, limit)
            .await
            .unwrap();
        (self.usernames(&hits.ids), hits.total)
    }

    pub fn usernames(&self, ids: &[UserId]) -> Vec<String> {
        ids.iter()
            .map(|id| {
                self.names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("<unknown {id}>"))
            })
            .collect()
    }
}
