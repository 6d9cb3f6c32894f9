//! Which user a username last led to: a hint, by a hash of the name, that the
//! store checks against the user's entry before it believes it.
//!
//! The hints live beside the cache rather than in it. As entries of their
//! own, each cost the cache's bookkeeping (some 290 bytes, more than the
//! name and the id together) and a second lookup on every read by name;
//! here one costs a slot of a hash table (about 40 bytes, counted in its
//! user's weight) and a lock no other core is likely to hold. A hint lives as
//! long as its user's entry: the store forgets it when the entry goes.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};

use allmine_domain::UserId;

/// Shards of the table; a power of two. Two workers and the feed follower
/// share it: with this many, two of them rarely want the same shard at once.
const SHARDS: usize = 64;

/// What a hint takes from the heap, in bytes: a hash table slot of a `u64`
/// and an id (24 bytes) and its control byte, at the seven-eighths load and
/// the doubling a table grows by, about 1.6 slots a hint.
pub(crate) const HINT_BYTES: usize = 40;

/// A username's hash, its case folded as [`Username::canonical`] folds it.
///
/// [`Username::canonical`]: allmine_domain::Username::canonical
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NameHash(u64);

/// One shard's hints: a name's hash to an id.
type Shard = HashMap<u64, UserId, BuildHasherDefault<AlreadyHashed>>;

/// The names of the users held, each leading to the id that bore it when it
/// was last filled.
pub(crate) struct NameHints {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
}

impl NameHints {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
        }
    }

    /// The hash of `name`, ignoring ASCII case, without allocating its
    /// folded copy.
    pub(crate) fn hash(&self, name: &str) -> NameHash {
        let mut hasher = self.hasher.build_hasher();
        for byte in name.bytes() {
            hasher.write_u8(byte.to_ascii_lowercase());
        }
        NameHash(hasher.finish())
    }

    /// The id `name` last led to, if any.
    pub(crate) fn get(&self, name: NameHash) -> Option<UserId> {
        self.shard(name).get(&name.0).copied()
    }

    /// Records that `name` leads to `id` (whatever it led to before).
    pub(crate) fn remember(&self, name: NameHash, id: UserId) {
        self.shard(name).insert(name.0, id);
    }

    /// Forgets `name`, if it still leads to `id`: another user who has taken
    /// the name since keeps their hint.
    pub(crate) fn forget(&self, name: NameHash, id: &UserId) {
        let mut shard = self.shard(name);
        if shard.get(&name.0) == Some(id) {
            shard.remove(&name.0);
        }
    }

    /// Forgets every hint.
    pub(crate) fn clear(&self) {
        for shard in self.shards.iter() {
            lock(shard).clear();
        }
    }

    /// How many hints are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).len()).sum()
    }

    fn shard(&self, name: NameHash) -> MutexGuard<'_, Shard> {
        // The table places a key by its low bits and tells keys apart by its
        // top seven: the shard takes bits from neither. Truncation is the point.
        lock(&self.shards[(name.0 >> 32) as usize & (SHARDS - 1)])
    }
}

/// A shard whose holder panicked still holds sound hints: a hint is checked
/// before it is believed, and the map's own operations do not leave it torn.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for NameHints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NameHints").finish_non_exhaustive()
    }
}

/// The hasher of keys that are hashes already: the key is its own hash.
#[derive(Default)]
struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is ever called, for the `u64` keys; anything else
        // is still hashed, if poorly.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> UserId {
        UserId::from_bytes([byte; 12])
    }

    #[test]
    fn a_name_leads_to_its_id_in_any_case() {
        let hints = NameHints::new();
        hints.remember(hints.hash("Ada_L"), id(1));
        assert_eq!(hints.get(hints.hash("ada_l")), Some(id(1)));
        assert_eq!(hints.get(hints.hash("ADA_L")), Some(id(1)));
        assert_eq!(hints.get(hints.hash("ada")), None);
    }

    #[test]
    fn forgetting_a_name_spares_the_user_who_took_it_since() {
        let hints = NameHints::new();
        let name = hints.hash("ada");
        hints.remember(name, id(1));
        hints.remember(name, id(2));
        hints.forget(name, &id(1));
        assert_eq!(hints.get(name), Some(id(2)));
        hints.forget(name, &id(2));
        assert_eq!(hints.get(name), None);
    }

    #[test]
    fn a_clear_forgets_every_name() {
        let hints = NameHints::new();
        for byte in 0..100u8 {
            hints.remember(hints.hash(&format!("user_{byte}")), id(byte));
        }
        assert_eq!(hints.len(), 100);
        hints.clear();
        assert_eq!(hints.len(), 0);
    }
}
