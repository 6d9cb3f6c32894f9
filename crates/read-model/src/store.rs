//! The store: users by id, a username hint, and the facts between two users,
//! in one cache bounded in bytes, plus what keeps a slow read from putting
//! back a value a change has already replaced.
//!
//! Every change to a key takes the next number of a global generation and
//! records it in the key's slot. A read from storage takes a [`Ticket`] (the
//! generation) before it starts; its value is kept only if no change reached
//! its key's slot after the ticket. The check runs after the insert, so a
//! change racing the insert either is seen by the check or removes the value
//! itself. Slots are shared by hash, so an unrelated change can only cost a
//! miss, never a stale answer.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use allmine_domain::profiles::Network;
use allmine_domain::{Relationship, User, UserId, Username};

/// Slots of the change generations; a power of two.
const SLOTS: usize = 4096;

/// What an entry costs beyond its own fields: the cache's bookkeeping.
const ENTRY_OVERHEAD: usize = 160;

/// What the store holds, by key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A user, by id.
    User(UserId),
    /// The id a canonical username last led to: a hint, checked against the
    /// user's entry before it is believed.
    Name(String),
    /// How `viewer` stands with `owner`.
    Pair { viewer: UserId, owner: UserId },
    /// The users a user blocked or was blocked by.
    Blocks(UserId),
}

#[derive(Debug, Clone)]
enum Entry {
    User(Arc<User>),
    Name(UserId),
    Pair(Relationship),
    Users(Arc<[UserId]>),
}

/// The generation a read from storage started at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

/// Counts of what the store answered, since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadModelStats {
    /// Reads answered from memory.
    pub hits: u64,
    /// Reads that had to ask storage while the model was trusted.
    pub misses: u64,
    /// Reads sent to storage because the model was not trusted.
    pub bypassed: u64,
    /// Changes applied (from this instance's writes and from the feed).
    pub changes: u64,
    /// Entries held now (approximate).
    pub entries: u64,
    /// Estimated bytes held now (approximate).
    pub bytes: u64,
    /// How long ago the moment is before which every committed change is
    /// known applied (see the follower); before the first complete read
    /// since the model was made or emptied, how long ago that was.
    pub feed_lag: Duration,
    /// Committed feed rows the follower had not applied when it last
    /// measured (about once a second).
    pub feed_lag_rows: u64,
}

/// The read model's memory: what the caching adapters read and fill, and what
/// the feed follower changes. Shared by every worker of one instance.
pub struct ReadModel {
    entries: Cache<Key, Entry>,
    generation: AtomicU64,
    last_change: Box<[AtomicU64]>,
    slot_hasher: RandomState,
    started: Instant,
    trusted_until_micros: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    bypassed: AtomicU64,
    changes: AtomicU64,
    fresh_as_of_micros: AtomicU64,
    feed_lag_rows: AtomicU64,
}

impl std::fmt::Debug for ReadModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadModel")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl ReadModel {
    /// An empty, untrusted model holding at most about `max_bytes`.
    pub fn new(max_bytes: u64) -> Self {
        let entries = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &Key, entry: &Entry| weight(key, entry))
            .build();
        Self {
            entries,
            generation: AtomicU64::new(0),
            last_change: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            slot_hasher: RandomState::new(),
            started: Instant::now(),
            trusted_until_micros: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            bypassed: AtomicU64::new(0),
            changes: AtomicU64::new(0),
            fresh_as_of_micros: AtomicU64::new(0),
            feed_lag_rows: AtomicU64::new(0),
        }
    }

    /// Whether reads may be answered from memory now: the feed has vouched
    /// for the model recently enough.
    pub fn is_trusted(&self) -> bool {
        self.micros_since_start(Instant::now()) < self.trusted_until_micros.load(Ordering::SeqCst)
    }

    /// Trusts the model until `until` (never moves the deadline back).
    pub(crate) fn trust_until(&self, until: Instant) {
        self.trusted_until_micros
            .fetch_max(self.micros_since_start(until), Ordering::SeqCst);
    }

    /// Records that every change committed before `at` has been applied
    /// (never moves back).
    pub(crate) fn fresh_as_of(&self, at: Instant) {
        self.fresh_as_of_micros
            .fetch_max(self.micros_since_start(at), Ordering::Relaxed);
    }

    /// Records how many committed feed rows are not applied yet.
    pub(crate) fn feed_lag_rows(&self, rows: u64) {
        self.feed_lag_rows.store(rows, Ordering::Relaxed);
    }

    /// Stops trusting the model at once and empties it.
    pub(crate) fn clear(&self) {
        self.trusted_until_micros.store(0, Ordering::SeqCst);
        // Lag now counts from the emptying: nothing older is held.
        self.fresh_as_of_micros
            .store(self.micros_since_start(Instant::now()), Ordering::Relaxed);
        // Every read in flight must not put back what it read before.
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        for slot in self.last_change.iter() {
            slot.fetch_max(generation, Ordering::SeqCst);
        }
        self.entries.invalidate_all();
    }

    /// What the model has answered and holds. Runs the cache's pending
    /// housekeeping first, without which its counts of entries and bytes
    /// trail the inserts (call it about once a second, not per request).
    pub fn stats(&self) -> ReadModelStats {
        self.entries.run_pending_tasks();
        ReadModelStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bypassed: self.bypassed.load(Ordering::Relaxed),
            changes: self.changes.load(Ordering::Relaxed),
            entries: self.entries.entry_count(),
            bytes: self.entries.weighted_size(),
            feed_lag: self
                .micros_since_start(Instant::now())
                .checked_sub(self.fresh_as_of_micros.load(Ordering::Relaxed))
                .map_or(Duration::ZERO, Duration::from_micros),
            feed_lag_rows: self.feed_lag_rows.load(Ordering::Relaxed),
        }
    }

    /// Counts a read that went to storage because the model is not trusted.
    pub(crate) fn bypass(&self) {
        self.bypassed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a read that missed.
    pub(crate) fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// The user with this id, if held.
    pub(crate) fn user(&self, id: &UserId) -> Option<Arc<User>> {
        match self.entries.get(&Key::User(*id)) {
            Some(Entry::User(user)) => Some(self.hit(user)),
            _ => None,
        }
    }

    /// The user this name leads to, if both are held and still agree.
    pub(crate) fn user_named(&self, name: &Username) -> Option<Arc<User>> {
        let canonical = name.canonical();
        let Some(Entry::Name(id)) = self.entries.get(&Key::Name(canonical)) else {
            return None;
        };
        match self.entries.get(&Key::User(id)) {
            Some(Entry::User(user)) if user.username.same_name_as(name) => Some(self.hit(user)),
            _ => None,
        }
    }

    /// How `viewer` stands with `owner`, if held.
    pub(crate) fn relationship(&self, viewer: &UserId, owner: &UserId) -> Option<Relationship> {
        let key = Key::Pair {
            viewer: *viewer,
            owner: *owner,
        };
        match self.entries.get(&key) {
            Some(Entry::Pair(relationship)) => Some(self.hit(relationship)),
            _ => None,
        }
    }

    /// The users `viewer` blocked or was blocked by, if held.
    pub(crate) fn blocked_either_way(&self, viewer: &UserId) -> Option<Arc<[UserId]>> {
        match self.entries.get(&Key::Blocks(*viewer)) {
            Some(Entry::Users(ids)) => Some(self.hit(ids)),
            _ => None,
        }
    }

    /// Keeps the users `viewer` blocked or was blocked by if no block of
    /// theirs changed since `ticket`.
    pub(crate) fn fill_blocked_either_way(
        &self,
        ticket: Ticket,
        viewer: &UserId,
        ids: Arc<[UserId]>,
    ) {
        self.fill(ticket, Key::Blocks(*viewer), Entry::Users(ids));
    }

    /// Whether a user's entry is held.
    pub(crate) fn holds_user(&self, id: &UserId) -> bool {
        self.entries.contains_key(&Key::User(*id))
    }

    /// A ticket for a read from storage that starts now.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::SeqCst))
    }

    /// Keeps `user` (and the hint from its name) if nothing changed it since
    /// `ticket`.
    pub(crate) fn fill_user(&self, ticket: Ticket, user: &User) {
        let id = user.id;
        self.fill(
            ticket,
            Key::Name(user.username.canonical()),
            Entry::Name(id),
        );
        self.fill(ticket, Key::User(id), Entry::User(Arc::new(user.clone())));
    }

    /// Keeps how `viewer` stands with `owner` if nothing changed it since `ticket`.
    pub(crate) fn fill_relationship(
        &self,
        ticket: Ticket,
        viewer: &UserId,
        owner: &UserId,
        relationship: Relationship,
    ) {
        let key = Key::Pair {
            viewer: *viewer,
            owner: *owner,
        };
        self.fill(ticket, key, Entry::Pair(relationship));
    }

    /// Records a change to `key`: reads that started before it will not put
    /// their value back. With `drop_held`, the entry goes at once; without,
    /// it keeps answering until the caller replaces it (a refresh that keeps
    /// a hot user hot). Returns the ticket for re-reading it.
    pub(crate) fn changed(&self, key: &Key, drop_held: bool) -> Ticket {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.last_change[self.slot(key)].fetch_max(generation, Ordering::SeqCst);
        self.changes.fetch_add(1, Ordering::Relaxed);
        if drop_held {
            self.entries.invalidate(key);
        }
        Ticket(generation)
    }

    /// Removes a user's entry (a refresh found them gone or failed).
    pub(crate) fn drop_user(&self, id: &UserId) {
        self.entries.invalidate(&Key::User(*id));
    }

    fn fill(&self, ticket: Ticket, key: Key, entry: Entry) {
        let slot = self.slot(&key);
        if self.changed_since(slot, ticket) {
            return;
        }
        self.entries.insert(key.clone(), entry);
        // A change that raced the insert: either its removal came after the
        // insert, or its generation is visible here.
        if self.changed_since(slot, ticket) {
            self.entries.invalidate(&key);
        }
    }

    fn changed_since(&self, slot: usize, ticket: Ticket) -> bool {
        self.last_change[slot].load(Ordering::SeqCst) > ticket.0
    }

    fn hit<T>(&self, value: T) -> T {
        self.hits.fetch_add(1, Ordering::Relaxed);
        value
    }

    fn slot(&self, key: &Key) -> usize {
        // Truncation is the point: the low bits pick the slot.
        self.slot_hasher.hash_one(key) as usize & (SLOTS - 1)
    }

    fn micros_since_start(&self, at: Instant) -> u64 {
        let elapsed: Duration = at.saturating_duration_since(self.started);
        u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
    }
}

/// An estimate of what an entry costs in memory, in bytes.
fn weight(key: &Key, entry: &Entry) -> u32 {
    let key_bytes = match key {
        Key::User(_) | Key::Pair { .. } | Key::Blocks(_) => 0,
        Key::Name(name) => name.len(),
    };
    let entry_bytes = match entry {
        Entry::User(user) => user_bytes(user),
        Entry::Name(_) | Entry::Pair(_) => 0,
        Entry::Users(ids) => std::mem::size_of_val::<[UserId]>(ids),
    };
    let total = ENTRY_OVERHEAD + std::mem::size_of::<Key>() + key_bytes + entry_bytes;
    u32::try_from(total).unwrap_or(u32::MAX)
}

fn user_bytes(user: &User) -> usize {
    let optional = |text: &Option<String>| text.as_ref().map_or(0, String::len);
    std::mem::size_of::<User>()
        + user.username.as_str().len()
        + user.name.len()
        + user.surname.len()
        + optional(&user.bio)
        + optional(&user.expertise)
        + user
            .interests
            .iter()
            .map(|interest| interest.len() + std::mem::size_of::<String>())
            .sum::<usize>()
        + Network::ALL
            .into_iter()
            .map(|network| optional(user.socials.get(network)))
            .sum::<usize>()
        + user
            .profile_photo
            .as_ref()
            .map_or(0, |photo| photo.url.len())
}

#[cfg(test)]
mod tests {
    use allmine_domain::{AvailabilityStatus, FollowState, SocialHandles, Stats};

    use super::*;

    fn user(byte: u8, name: &str) -> User {
        User {
            id: UserId::from_bytes([byte; 12]),
            username: Username::new(name).unwrap(),
            username_changed_at: None,
            name: "Ada".into(),
            surname: "Lovelace".into(),
            bio: None,
            interests: vec![],
            expertise: None,
            birth_date: None,
            availability_status: AvailabilityStatus::Available,
            minute_price_in_live_stream: 0,
            socials: SocialHandles::default(),
            profile_photo: None,
            is_private: false,
            is_deactivated: false,
            stats: Stats::default(),
        }
    }

    #[test]
    fn a_read_that_started_before_a_change_is_not_kept() {
        let model = ReadModel::new(1 << 20);
        let ada = user(1, "ada");
        let ticket = model.ticket();
        model.changed(&Key::User(ada.id), true);
        model.fill_user(ticket, &ada);
        assert!(model.user(&ada.id).is_none());
    }

    #[test]
    fn a_read_that_started_after_a_change_is_kept() {
        let model = ReadModel::new(1 << 20);
        let ada = user(1, "ada");
        model.changed(&Key::User(ada.id), true);
        model.fill_user(model.ticket(), &ada);
        assert_eq!(model.user(&ada.id).as_deref(), Some(&ada));
        assert_eq!(model.stats().hits, 1);
    }

    #[test]
    fn a_change_to_another_key_does_not_stop_a_fill_in_most_slots() {
        let model = ReadModel::new(1 << 20);
        let ada = user(1, "ada");
        let ticket = model.ticket();
        // Another user's change lands in ada's slot only by a hash collision.
        let others: Vec<UserId> = (2..40).map(|byte| UserId::from_bytes([byte; 12])).collect();
        for other in &others {
            model.changed(&Key::User(*other), true);
        }
        let colliding = others
            .iter()
            .any(|other| model.slot(&Key::User(*other)) == model.slot(&Key::User(ada.id)));
        model.fill_user(ticket, &ada);
        assert_eq!(model.user(&ada.id).is_some(), !colliding);
    }

    #[test]
    fn a_name_leads_to_its_user_only_while_the_user_still_bears_it() {
        let model = ReadModel::new(1 << 20);
        let ada = user(1, "ada");
        model.fill_user(model.ticket(), &ada);
        let asked = Username::new("ADA").unwrap();
        assert_eq!(model.user_named(&asked).map(|u| u.id), Some(ada.id));

        // Ada renamed: her entry now says so; the old hint no longer leads to her.
        let renamed = User {
            username: Username::new("ada_l").unwrap(),
            ..ada.clone()
        };
        let ticket = model.changed(&Key::User(ada.id), false);
        model.fill_user(ticket, &renamed);
        assert!(model.user_named(&asked).is_none());
        assert!(model.user_named(&Username::new("ada_l").unwrap()).is_some());
    }

    #[test]
    fn a_change_without_drop_keeps_answering_until_replaced() {
        let model = ReadModel::new(1 << 20);
        let ada = user(1, "ada");
        model.fill_user(model.ticket(), &ada);
        let ticket = model.changed(&Key::User(ada.id), false);
        assert!(model.user(&ada.id).is_some());
        let mut followed = ada.clone();
        followed.stats.followers = 1;
        model.fill_user(ticket, &followed);
        assert_eq!(model.user(&ada.id).unwrap().stats.followers, 1);
    }

    #[test]
    fn relationships_are_held_per_viewer_and_owner() {
        let model = ReadModel::new(1 << 20);
        let (viewer, owner) = (UserId::from_bytes([1; 12]), UserId::from_bytes([2; 12]));
        let following = Relationship {
            blocked: false,
            follow: FollowState::Accepted,
        };
        model.fill_relationship(model.ticket(), &viewer, &owner, following);
        assert_eq!(model.relationship(&viewer, &owner), Some(following));
        assert_eq!(model.relationship(&owner, &viewer), None);
    }

    #[test]
    fn trust_lasts_until_its_deadline_and_a_clear_ends_it() {
        let model = ReadModel::new(1 << 20);
        assert!(!model.is_trusted());
        model.trust_until(Instant::now() + Duration::from_secs(60));
        assert!(model.is_trusted());
        model.trust_until(Instant::now());
        assert!(model.is_trusted(), "a deadline never moves back");
        let ada = user(1, "ada");
        let ticket = model.ticket();
        model.clear();
        assert!(!model.is_trusted());
        model.fill_user(ticket, &ada);
        assert!(
            model.user(&ada.id).is_none(),
            "a read from before the clear"
        );
    }

    #[test]
    fn the_cache_stays_within_its_byte_budget() {
        let budget = 64 * 1024;
        let model = ReadModel::new(budget);
        for n in 0..2_000u32 {
            let mut bytes = [0; 12];
            bytes[..4].copy_from_slice(&n.to_be_bytes());
            let mut someone = user(0, &format!("user_{n}"));
            someone.id = UserId::from_bytes(bytes);
            model.fill_user(model.ticket(), &someone);
        }
        model.entries.run_pending_tasks();
        let held = model.stats().bytes;
        assert!(held <= budget, "{held} bytes held over a {budget} budget");
        assert!(held > budget / 2, "{held} bytes: the budget is used");
    }
}
