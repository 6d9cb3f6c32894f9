//! The store: users by id (packed, see [`PackedUser`]), each viewer's relations and
//! users as a search result shows them, in one cache bounded in bytes, the
//! names of the users held beside it (see [`NameHints`]), plus what keeps a
//! slow read from putting back a value a change has already replaced.
//!
//! Every change to a key takes the next number of a global generation and
//! records it in the key's slot. A read from storage takes a [`Ticket`] (the
//! generation) before it starts; its value is kept only if no change reached
//! its key's slot after the ticket. The check runs after the insert, so a
//! change racing the insert either is seen by the check or removes the value
//! itself. Slots are shared by hash, so an unrelated change can only cost a
//! miss, never a stale answer.
//!
//! Entries are weighed by what they really take from the heap (see
//! [`weight`]), so the byte budget is the cache's real share of memory.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use moka::notification::RemovalCause;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;

use allmine_domain::profiles::{FollowState, ViewerRelations};
use allmine_domain::search::SearchCandidate;
use allmine_domain::{User, UserId, Username};

use crate::hints::{HINT_BYTES, NameHints};
use crate::packed::PackedUser;

/// Slots of the change generations; a power of two.
const SLOTS: usize = 4096;

/// What moka keeps per entry beyond the key and the value, in heap bytes:
/// its value entry (the value with the entry's timestamps and flags), the
/// nodes of its access-order deque, its hash table's bucket and the key's
/// hash holder. Measured by `tests/entry_weight.rs`, which counts every
/// allocation a fill makes: a fill of users leaves about 300 bytes requested
/// in 5 allocations beyond their own (380 once the allocator's headers and
/// rounding are added), fills of viewers and search cards about 100 fewer.
/// Users are most of what the cache holds, so it errs on their side.
const CACHE_OVERHEAD: usize = 360;

/// What the store holds, by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A user, by id (and by name through [`NameHints`]).
    User(UserId),
    /// Everything a user, as a viewer, stands in with others: their follows
    /// and their blocks either way. Any pair changing drops both sides'.
    Viewer(UserId),
    /// A user as a search result shows them (the 96 px photo, the stream on
    /// air), for no viewer in particular. Any change to the user drops it.
    Card(UserId),
}

#[derive(Debug, Clone)]
enum Entry {
    User(Arc<PackedUser>),
    Viewer(HeldRelations),
    Card(Arc<SearchCandidate>),
}

/// What the model holds of a viewer's relations.
#[derive(Debug, Clone)]
pub(crate) enum HeldRelations {
    /// All of them: any owner's relationship is answered from memory.
    All(Arc<ViewerRelations>),
    /// More than are worth holding: every pair is read from storage.
    TooMany,
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
    names: Arc<NameHints>,
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
    max_bytes: u64,
    doorkeeper: Doorkeeper,
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
        let names = Arc::new(NameHints::new());
        let forget = Arc::clone(&names);
        let entries = Cache::builder()
            // Least recently used goes first. moka's default (TinyLFU) admits
            // a new entry only if it was read more often than all the entries
            // it would push out together: once the cache is full of users, a
            // viewer who blocked 20,000 (one 240 KB entry, worth hundreds of
            // users) is never admitted, and each of their searches reads the
            // list from storage again. What is worth keeping is chosen
            // before the insert instead (the doorkeeper).
            .eviction_policy(EvictionPolicy::lru())
            .max_capacity(max_bytes)
            .weigher(|key: &Key, entry: &Entry| weight(key, entry))
            // A user's name hint goes with their entry. Not when the entry is
            // replaced: the new value is held under the same id, and
            // `fill_user` has settled its name already.
            .eviction_listener(move |_key, entry: Entry, cause| {
                if cause != RemovalCause::Replaced
                    && let Entry::User(user) = entry
                {
                    forget.forget(forget.hash(user.username()), &user.id());
                }
            })
            .build();
        Self {
            entries,
            names,
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
            max_bytes,
            doorkeeper: Doorkeeper::sized_for(max_bytes),
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
        self.names.clear();
    }

    /// What the model has answered and holds. Settles the cache's pending
    /// bookkeeping first, so the counts of what it holds are current (a
    /// diagnostic, not for a request's path).
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
    pub(crate) fn user(&self, id: &UserId) -> Option<Arc<PackedUser>> {
        match self.entries.get(&Key::User(*id)) {
            Some(Entry::User(user)) => Some(self.hit(user)),
            _ => None,
        }
    }

    /// The user this name leads to, if both are held and still agree.
    pub(crate) fn user_named(&self, name: &Username) -> Option<Arc<PackedUser>> {
        let id = self.names.get(self.names.hash(name.as_str()))?;
        match self.entries.get(&Key::User(id)) {
            Some(Entry::User(user)) if user.is_named(name) => Some(self.hit(user)),
            _ => None,
        }
    }

    /// What is held of `viewer`'s relations, if anything.
    pub(crate) fn viewer_relations(&self, viewer: &UserId) -> Option<HeldRelations> {
        match self.entries.get(&Key::Viewer(*viewer)) {
            Some(Entry::Viewer(held)) => Some(self.hit(held)),
            _ => None,
        }
    }

    /// Keeps `viewer`'s relations if no pair of theirs changed since `ticket`.
    pub(crate) fn fill_viewer_relations(
        &self,
        ticket: Ticket,
        viewer: &UserId,
        relations: HeldRelations,
    ) {
        self.fill(ticket, Key::Viewer(*viewer), Entry::Viewer(relations));
    }

    /// The user as a search result shows them, if held; its `follow` is
    /// always [`FollowState::NotFollowing`] (the viewer's comes from their
    /// relations).
    pub(crate) fn card(&self, id: &UserId) -> Option<Arc<SearchCandidate>> {
        match self.entries.get(&Key::Card(*id)) {
            Some(Entry::Card(card)) => Some(self.hit(card)),
            _ => None,
        }
    }

    /// Keeps `candidate`, read on a miss, as seen by no viewer, if nothing
    /// changed the user since `ticket` (and, once the cache is full, if the
    /// card missed before, as for [`offer_user`](Self::offer_user)).
    pub(crate) fn offer_card(&self, ticket: Ticket, candidate: &SearchCandidate) {
        if !self.admits(&Key::Card(candidate.id)) {
            return;
        }
        let card = SearchCandidate {
            follow: FollowState::NotFollowing,
            ..candidate.clone()
        };
        self.fill(ticket, Key::Card(card.id), Entry::Card(Arc::new(card)));
    }

    /// Records a change to a user: reads of them that started before it will
    /// not put their value back, and their search card goes at once. With
    /// `drop_held`, so does their entry; without, it keeps answering until
    /// the caller replaces it.
    pub(crate) fn user_changed(&self, id: &UserId, drop_held: bool) {
        self.changed(&Key::User(*id), drop_held);
        self.changed(&Key::Card(*id), true);
    }

    /// Whether a user's entry is held.
    pub(crate) fn holds_user(&self, id: &UserId) -> bool {
        self.entries.contains_key(&Key::User(*id))
    }

    /// A ticket for a read from storage that starts now.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::SeqCst))
    }

    /// Keeps `user`, read on a miss, as [`fill_user`](Self::fill_user) does,
    /// but once the cache is full only if they missed before (see
    /// [`Doorkeeper`]): a user read once in a long while would push out one
    /// read often, and the insert costs a miss more than it could save.
    pub(crate) fn offer_user(&self, ticket: Ticket, user: &User) {
        if self.admits(&Key::User(user.id)) {
            self.fill_user(ticket, user);
        }
    }

    /// Keeps `user` (and the hint from its name) if nothing changed it since
    /// `ticket`. The feed's re-read of a held user uses this one: it
    /// replaces what is held, whatever the doorkeeper would say.
    /// A user too large to pack is not kept (and one held before goes).
    pub(crate) fn fill_user(&self, ticket: Ticket, user: &User) {
        let id = user.id;
        let Some(packed) = PackedUser::pack(user) else {
            self.drop_user(&id);
            return;
        };
        let key = Key::User(id);
        if self.changed_since(self.slot(&key), ticket) {
            return;
        }
        // Renamed: the name they had no longer leads to them. The eviction
        // listener does not see it, as the entry is replaced, not removed.
        if let Some(Entry::User(held)) = self.entries.get(&key)
            && !held.is_named(&user.username)
        {
            self.names.forget(self.names.hash(held.username()), &id);
        }
        // The hint before the entry: should the entry go at once (a racing
        // change, the budget), its removal forgets the hint too.
        self.names
            .remember(self.names.hash(user.username.as_str()), id);
        self.fill(ticket, key, Entry::User(Arc::new(packed)));
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
        self.entries.insert(key, entry);
        // A change that raced the insert: either its removal came after the
        // insert, or its generation is visible here.
        if self.changed_since(slot, ticket) {
            self.entries.invalidate(&key);
        }
    }

    /// Whether a value read on a miss is worth an insert: always while the
    /// cache has room, once it is full only for a key that missed before.
    fn admits(&self, key: &Key) -> bool {
        let seen_before = self.doorkeeper.seen_before(self.slot_hasher.hash_one(key));
        seen_before || self.entries.weighted_size() < self.max_bytes / 10 * 9
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

/// The keys that missed lately, one bit each by hash (a false "seen" only
/// admits a value early). Cleared once an eighth of its bits were set, so it
/// remembers the last few tens of thousands of misses: a key read twice in
/// that window is kept, a key read once is not. Uniform reads over a million
/// users then insert almost nothing, skewed reads lose one hit per hot key.
struct Doorkeeper {
    words: Box<[AtomicU64]>,
    marked: AtomicUsize,
}

impl Doorkeeper {
    /// About a bit per 128 bytes of budget: 262,144 bits (32 KiB) for the
    /// default 32 MiB, which holds some 40,000 users.
    fn sized_for(max_bytes: u64) -> Self {
        let bits = usize::try_from(max_bytes / 128)
            .unwrap_or(usize::MAX)
            .clamp(1 << 16, 1 << 26)
            .next_power_of_two();
        Self {
            words: (0..bits / 64).map(|_| AtomicU64::new(0)).collect(),
            marked: AtomicUsize::new(0),
        }
    }

    /// Whether the key of this hash was marked since the last clearing;
    /// marks it.
    fn seen_before(&self, hash: u64) -> bool {
        // Truncation is the point: the hash's bits pick the word and the bit.
        let word = (hash >> 6) as usize & (self.words.len() - 1);
        let bit = 1u64 << (hash & 63);
        if self.words[word].fetch_or(bit, Ordering::Relaxed) & bit != 0 {
            return true;
        }
        if self.marked.fetch_add(1, Ordering::Relaxed) + 1 >= self.words.len() * 8 {
            self.marked.store(0, Ordering::Relaxed);
            for word in self.words.iter() {
                word.store(0, Ordering::Relaxed);
            }
        }
        false
    }
}

impl std::fmt::Debug for Doorkeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Doorkeeper")
            .field("bits", &(self.words.len() * 64))
            .finish_non_exhaustive()
    }
}

/// What an entry takes from the heap, in bytes: the cache's own bookkeeping,
/// the key's and the value's allocations, each rounded the way the
/// allocator rounds it. Short strings are the bulk of a user, and each takes
/// a whole allocator chunk, so counting their lengths alone undercounts a
/// user two- to three-fold.
fn weight(key: &Key, entry: &Entry) -> u32 {
    let entry_bytes = match entry {
        Entry::User(user) => {
            let (text, ends) = user.buffer_bytes();
            heap(ARC_HEADER + std::mem::size_of::<PackedUser>())
                + heap(text)
                + heap(ends)
                + HINT_BYTES
        }
        Entry::Viewer(HeldRelations::TooMany) => 0,
        Entry::Viewer(HeldRelations::All(relations)) => relations_heap(relations),
        Entry::Card(card) => {
            heap(ARC_HEADER + std::mem::size_of::<SearchCandidate>()) + card_heap(card)
        }
    };
    let total = CACHE_OVERHEAD + heap(ARC_HEADER + std::mem::size_of_val(key)) + entry_bytes;
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// The strong and weak counts in front of an `Arc`'s value.
const ARC_HEADER: usize = 16;

/// What the allocator hands out for a request of `bytes`: glibc's malloc on a
/// 64-bit target gives a 16-byte-aligned chunk with an 8-byte header, at
/// least 32 bytes. Other allocators round similarly; this errs on the large
/// side. The server allocates with mimalloc, whose size classes carry no
/// header, so there the budget is an upper bound of the heap the entries take
/// (`tests/entry_weight.rs` measures with the system allocator).
pub(crate) const fn heap(bytes: usize) -> usize {
    if bytes == 0 {
        return 0;
    }
    let chunk = (bytes + 8 + 15) & !15;
    if chunk < 32 { 32 } else { chunk }
}

fn card_heap(card: &SearchCandidate) -> usize {
    let text = |text: &String| heap(text.capacity());
    text(&card.username)
        + text(&card.name)
        + text(&card.surname)
        + card.expertise.as_ref().map_or(0, text)
        + card.photo.as_ref().map_or(0, |photo| text(&photo.url))
        + card.live.as_ref().map_or(0, |live| text(&live.title))
}

fn relations_heap(relations: &ViewerRelations) -> usize {
    heap(ARC_HEADER + std::mem::size_of::<ViewerRelations>())
        + heap(relations.follow_count() * std::mem::size_of::<(UserId, FollowState)>())
        + heap(std::mem::size_of_val(relations.blocked_either_way()))
}

#[cfg(test)]
mod tests {
    use allmine_domain::{AvailabilityStatus, SocialHandles, Stats};

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
        assert_eq!(
            model.user(&ada.id).and_then(|held| held.unpack()),
            Some(ada)
        );
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
        assert_eq!(
            model
                .user_named(&asked)
                .and_then(|held| held.unpack())
                .map(|user| user.id),
            Some(ada.id)
        );

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
    fn a_name_hint_lives_as_long_as_its_users_entry() {
        let model = ReadModel::new(1 << 20);
        let ada = user(1, "ada");
        model.fill_user(model.ticket(), &ada);
        assert_eq!(model.names.len(), 1);

        // Renamed in place: one hint, for the new name.
        let renamed = User {
            username: Username::new("ada_l").unwrap(),
            ..ada.clone()
        };
        let ticket = model.changed(&Key::User(ada.id), false);
        model.fill_user(ticket, &renamed);
        assert_eq!(model.names.len(), 1);

        model.user_changed(&ada.id, true);
        model.entries.run_pending_tasks();
        assert_eq!(model.names.len(), 0);
        assert!(model.user_named(&renamed.username).is_none());
    }

    #[test]
    fn users_pushed_out_by_the_budget_take_their_name_hints_with_them() {
        let model = ReadModel::new(64 * 1024);
        for n in 0..2_000u32 {
            let mut someone = user(0, &format!("user_{n}"));
            someone.id = id(n);
            model.fill_user(model.ticket(), &someone);
        }
        model.entries.run_pending_tasks();
        let held = usize::try_from(model.entries.entry_count()).unwrap();
        assert!(held < 2_000, "the budget pushed users out");
        assert_eq!(model.names.len(), held);
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
        assert_eq!(
            model
                .user(&ada.id)
                .and_then(|held| held.unpack())
                .unwrap()
                .stats
                .followers,
            1
        );
    }

    fn id(n: u32) -> UserId {
        let mut bytes = [0; 12];
        bytes[..4].copy_from_slice(&n.to_be_bytes());
        UserId::from_bytes(bytes)
    }

    fn held(model: &ReadModel, viewer: &UserId) -> Option<Arc<ViewerRelations>> {
        match model.viewer_relations(viewer)? {
            HeldRelations::All(relations) => Some(relations),
            HeldRelations::TooMany => None,
        }
    }

    #[test]
    fn a_viewers_entry_answers_owners_it_was_never_asked_about() {
        let model = ReadModel::new(1 << 20);
        let viewer = id(1);
        let relations = ViewerRelations::new(
            vec![
                (id(2), FollowState::Accepted),
                (id(3), FollowState::Pending),
            ],
            vec![id(4)],
        );
        model.fill_viewer_relations(
            model.ticket(),
            &viewer,
            HeldRelations::All(Arc::new(relations)),
        );
        let relations = held(&model, &viewer).unwrap();
        assert_eq!(relations.with(&id(2)).follow, FollowState::Accepted);
        assert_eq!(relations.with(&id(3)).follow, FollowState::Pending);
        assert!(relations.with(&id(4)).blocked);
        assert_eq!(relations.with(&id(99)), allmine_domain::Relationship::NONE);
        assert!(held(&model, &id(2)).is_none(), "held per viewer");
    }

    #[test]
    fn a_change_to_a_viewer_drops_their_entry_and_a_read_from_before_stays_out() {
        let model = ReadModel::new(1 << 20);
        let viewer = id(1);
        let relations = HeldRelations::All(Arc::new(ViewerRelations::default()));
        model.fill_viewer_relations(model.ticket(), &viewer, relations.clone());
        let ticket = model.ticket();
        model.changed(&Key::Viewer(viewer), true);
        assert!(model.viewer_relations(&viewer).is_none());
        model.fill_viewer_relations(ticket, &viewer, relations);
        assert!(model.viewer_relations(&viewer).is_none());
    }

    #[test]
    fn a_viewer_with_many_blocks_weighs_accordingly() {
        let few = Entry::Viewer(HeldRelations::All(Arc::new(ViewerRelations::new(
            vec![],
            vec![id(2)],
        ))));
        let blocks: Vec<UserId> = (0..20_000).map(id).collect();
        let many = Entry::Viewer(HeldRelations::All(Arc::new(ViewerRelations::new(
            vec![],
            blocks,
        ))));
        let key = Key::Viewer(id(1));
        let (few, many) = (weight(&key, &few), weight(&key, &many));
        assert!(few < 1_000, "{few} bytes for one block");
        assert!(
            many - few > 19_900 * 12,
            "{many} bytes for 20,000 blocks of 12 bytes, {few} for one"
        );
        // A budget that 20,000 blocks overflow holds none of them.
        let model = ReadModel::new(u64::from(many) / 2);
        let relations = ViewerRelations::new(vec![], (0..20_000).map(id).collect());
        model.fill_viewer_relations(
            model.ticket(),
            &id(1),
            HeldRelations::All(Arc::new(relations)),
        );
        model.entries.run_pending_tasks();
        assert!(model.viewer_relations(&id(1)).is_none());
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

    /// A model of `budget` bytes filled to it with other users.
    fn full_model(budget: u64) -> ReadModel {
        let model = ReadModel::new(budget);
        for n in 0..(budget / 200) as u32 {
            let mut someone = user(0, &format!("filler_{n}"));
            someone.id = id(1_000_000 + n);
            model.fill_user(model.ticket(), &someone);
        }
        model.entries.run_pending_tasks();
        assert!(model.entries.weighted_size() >= budget / 10 * 9);
        model
    }

    #[test]
    fn a_viewer_with_many_blocks_is_held_even_when_the_cache_is_full_of_users() {
        let model = full_model(1 << 20);
        // The users held are read again: together they were read more often
        // than any newcomer, which is what TinyLFU admission weighed.
        for n in 0..200 {
            model.user(&id(1_000_000 + n));
        }
        let blocks = (0..20_000).map(|n| id(2_000_000 + n)).collect();
        let relations = ViewerRelations::new(vec![], blocks);
        model.fill_viewer_relations(
            model.ticket(),
            &id(1),
            HeldRelations::All(Arc::new(relations)),
        );
        model.entries.run_pending_tasks();
        assert!(held(&model, &id(1)).is_some_and(|held| held.blocked_either_way().len() == 20_000));
        let budget = 1 << 20;
        assert!(model.stats().bytes <= budget, "still within the budget");
    }

    #[test]
    fn while_there_is_room_a_user_read_on_a_miss_is_kept_at_once() {
        let model = ReadModel::new(1 << 20);
        let ada = user(1, "ada");
        model.offer_user(model.ticket(), &ada);
        assert!(model.user(&ada.id).is_some());
    }

    #[test]
    fn once_full_a_user_read_on_a_miss_is_kept_on_their_second_miss_only() {
        let model = full_model(256 * 1024);
        let ada = user(1, "ada");
        model.offer_user(model.ticket(), &ada);
        assert!(model.user(&ada.id).is_none(), "read once: not kept");
        model.offer_user(model.ticket(), &ada);
        assert!(model.user(&ada.id).is_some(), "read again: kept");
    }

    #[test]
    fn once_full_a_search_card_read_on_a_miss_is_kept_on_its_second_miss_only() {
        let model = full_model(256 * 1024);
        let card = SearchCandidate {
            id: id(7),
            username: "ada".into(),
            name: "Ada".into(),
            surname: "Lovelace".into(),
            expertise: None,
            minute_price_in_live_stream: 0,
            photo: None,
            live: None,
            is_private: false,
            follow: FollowState::Accepted,
        };
        model.offer_card(model.ticket(), &card);
        assert!(model.card(&card.id).is_none(), "read once: not kept");
        model.offer_card(model.ticket(), &card);
        let held = model.card(&card.id).expect("read again: kept");
        assert_eq!(
            held.follow,
            FollowState::NotFollowing,
            "a card is held for no viewer in particular"
        );
    }

    #[test]
    fn the_doorkeeper_forgets_once_an_eighth_of_its_bits_are_set() {
        let doorkeeper = Doorkeeper::sized_for(0);
        let bits = doorkeeper.words.len() * 64;
        assert!(!doorkeeper.seen_before(0));
        assert!(doorkeeper.seen_before(0));
        // Distinct bits until the window is full.
        let words = doorkeeper.words.len() as u64;
        for n in 1..(bits / 8) as u64 {
            assert!(!doorkeeper.seen_before(((n % words) << 6) | (n / words)));
        }
        assert!(!doorkeeper.seen_before(0), "cleared: forgotten");
    }

    #[test]
    fn the_feeds_re_read_replaces_a_held_user_even_when_full() {
        let model = full_model(256 * 1024);
        let filler = id(1_000_000);
        let mut renamed = user(0, "filler_renamed");
        renamed.id = filler;
        let ticket = model.changed(&Key::User(filler), false);
        model.fill_user(ticket, &renamed);
        assert_eq!(
            model
                .user(&filler)
                .and_then(|held| held.unpack())
                .map(|user| user.username.as_str().to_owned()),
            Some("filler_renamed".to_owned())
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
