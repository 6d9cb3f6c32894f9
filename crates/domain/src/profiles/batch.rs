//! Several users asked for at once: a [`Batch`] of ids or usernames, from 1 to
//! [`MAX_BATCH`] distinct ones in the order first given, and what the viewer and each
//! of them are to each other ([`RelationshipView`]).

use std::collections::HashSet;
use std::hash::Hash;

use super::privacy::FollowState;
use crate::ids::UserId;
use crate::naming::Username;

/// The most users one batch may name.
pub const MAX_BATCH: usize = 100;

/// Why a list of users is not a batch: it names no user, or more than
/// [`MAX_BATCH`] distinct ones (the count given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a batch names from 1 to {MAX_BATCH} distinct users, not {0}")]
pub struct BatchSizeError(pub usize);

/// From 1 to [`MAX_BATCH`] distinct users, each named once, in the order first
/// given. A user named again is dropped, not an error: asking twice for one user
/// answers once.
///
/// ```
/// use allmine_domain::profiles::{Batch, BatchSizeError, MAX_BATCH};
/// use allmine_domain::{UserId, Username};
///
/// let a = UserId::from_bytes([1; 12]);
/// let b = UserId::from_bytes([2; 12]);
/// assert_eq!(Batch::of_ids([b, a, b]).unwrap().keys(), [b, a]);
/// assert_eq!(Batch::of_ids([]), Err(BatchSizeError(0)));
///
/// let names = ["JohnDoe123", "johndoe123", "jane"].map(|n| Username::existing(n).unwrap());
/// assert_eq!(Batch::of_usernames(names).unwrap().keys().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch<K>(Vec<K>);

impl<K> Batch<K> {
    /// The users, in the order first given.
    pub fn keys(&self) -> &[K] {
        &self.0
    }

    fn distinct<D: Hash + Eq>(
        keys: impl IntoIterator<Item = K>,
        identity: impl Fn(&K) -> D,
    ) -> Result<Self, BatchSizeError> {
        let mut seen = HashSet::new();
        let keys: Vec<K> = keys
            .into_iter()
            .filter(|key| seen.insert(identity(key)))
            .collect();
        if (1..=MAX_BATCH).contains(&keys.len()) {
            Ok(Self(keys))
        } else {
            Err(BatchSizeError(keys.len()))
        }
    }
}

impl Batch<UserId> {
    /// A batch of users by id.
    pub fn of_ids(ids: impl IntoIterator<Item = UserId>) -> Result<Self, BatchSizeError> {
        Self::distinct(ids, |id| *id)
    }
}

impl Batch<Username> {
    /// A batch of users by username; names that differ only in case are one
    /// name, kept as first written.
    pub fn of_usernames(names: impl IntoIterator<Item = Username>) -> Result<Self, BatchSizeError> {
        Self::distinct(names, Username::canonical)
    }
}

/// What the viewer and another user are to each other, both ways: what a
/// follow button and a block menu need to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelationshipView {
    /// The other user.
    pub user: UserId,
    /// How the viewer follows them.
    pub following: FollowState,
    /// Whether they follow the viewer (an accepted follow; a request the viewer
    /// has not accepted yet is not one).
    pub followed_by: bool,
    /// Whether the viewer has blocked them.
    pub blocking: bool,
    /// Whether they have blocked the viewer.
    pub blocked_by: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> UserId {
        UserId::from_bytes([byte; 12])
    }

    #[test]
    fn a_batch_keeps_the_first_order_and_drops_repeats() {
        let batch = Batch::of_ids([id(3), id(1), id(3), id(2), id(1)]).unwrap();
        assert_eq!(batch.keys(), [id(3), id(1), id(2)]);
    }

    #[test]
    fn a_batch_names_one_to_a_hundred_distinct_users() {
        assert_eq!(Batch::of_ids([]), Err(BatchSizeError(0)));
        let hundred = (0..100u8).map(id);
        assert_eq!(Batch::of_ids(hundred).unwrap().keys().len(), 100);
        let hundred_and_one = (0..101u8).map(id);
        assert_eq!(Batch::of_ids(hundred_and_one), Err(BatchSizeError(101)));
        // Repeats do not count towards the limit.
        let repeated = (0..100u8).chain(0..100u8).map(id);
        assert!(Batch::of_ids(repeated).is_ok());
    }

    #[test]
    fn usernames_that_differ_only_in_case_are_one_name_spelt_as_first_given() {
        let names =
            ["JohnDoe123", "jane_doe", "JOHNDOE123"].map(|n| Username::existing(n).unwrap());
        let batch = Batch::of_usernames(names).unwrap();
        let spelt: Vec<&str> = batch.keys().iter().map(Username::as_str).collect();
        assert_eq!(spelt, ["JohnDoe123", "jane_doe"]);
    }
}
