//! The read model's byte budget against the heap it really takes: every
//! allocation of this test binary is counted (a counting global allocator,
//! hence a binary of its own with one test, so nothing else allocates
//! meanwhile), entries are filled through the public adapters, and what the
//! heap gained is compared with what the model says it holds.
//!
//! Run with `--nocapture` to see the sizes per entry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

use allmine_domain::feed::{ChangeFeed, FeedBatch, FeedError, FeedLag, FeedPosition};
use allmine_domain::profiles::{
    AccountState, FollowState, ProfileChanges, RelationshipView, UpdateProfileFailure, UserLookup,
    UserLookups, UserRepository, ViewerRelations, ViewerRelationships,
};
use allmine_domain::search::{SearchCandidate, SearchDirectory};
use allmine_domain::{
    AvailabilityStatus, MediaType, PhotoId, ProfilePhoto, Relationship, RepositoryError,
    SocialHandles, Stats, User, UserId, Username,
};
use allmine_read_model::{
    CachedDirectory, CachedUsers, FeedFollower, FollowSettings, MissSettings, ReadModel,
};

#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn id(n: u32) -> UserId {
    let mut bytes = [0; 12];
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    UserId::from_bytes(bytes)
}

/// A user shaped like the generated million's fuller profiles: a bio,
/// interests, expertise, two social handles and a photo.
fn user(id: UserId) -> User {
    let n = u32::from_be_bytes(id.as_bytes()[8..].try_into().unwrap());
    User {
        id,
        username: Username::existing(&format!("user_{n:07}")).unwrap(),
        username_changed_at: None,
        name: "Elif".into(),
        surname: "Yılmaz".into(),
        bio: Some("Müzik, seyahat ve fotoğraf tutkunu; canlı yayınlarda görüşelim.".into()),
        interests: vec!["music".into(), "travel".into(), "photography".into()],
        expertise: Some("photographer".into()),
        birth_date: None,
        availability_status: AvailabilityStatus::Available,
        minute_price_in_live_stream: 20,
        socials: SocialHandles {
            instagram: Some(format!("user_{n}")),
            x: Some(format!("user_{n}")),
            ..SocialHandles::default()
        },
        profile_photo: Some(ProfilePhoto {
            id: PhotoId::from_bytes([7; 12]),
            url: format!("https://cdn.allmine.example/photos/{n:07}/original.jpg"),
            media_type: MediaType::Image,
        }),
        is_private: false,
        is_deactivated: false,
        stats: Stats::default(),
    }
}

/// The same user as a search result shows them: the 96 px photo, no stream.
fn candidate(id: UserId) -> SearchCandidate {
    let user = user(id);
    let n = u32::from_be_bytes(id.as_bytes()[8..].try_into().unwrap());
    SearchCandidate {
        id,
        username: user.username.as_str().to_owned(),
        name: user.name,
        surname: user.surname,
        expertise: user.expertise,
        minute_price_in_live_stream: user.minute_price_in_live_stream,
        photo: Some(ProfilePhoto {
            id: PhotoId::from_bytes([7; 12]),
            url: format!("https://cdn.allmine.example/photos/{n:07}/96.jpg"),
            media_type: MediaType::Image,
        }),
        live: None,
        is_private: false,
        follow: FollowState::NotFollowing,
    }
}

/// Storage that makes up whoever is asked for.
struct MadeUp {
    /// Blocks each viewer has.
    blocks: u32,
}

#[async_trait]
impl UserRepository for MadeUp {
    async fn find_for_viewer(
        &self,
        target: UserLookup<'_>,
        _viewer: Option<&UserId>,
    ) -> Result<Option<(User, Relationship)>, RepositoryError> {
        match target {
            UserLookup::Id(id) => Ok(Some((user(*id), Relationship::NONE))),
            UserLookup::Username(_) => Ok(None),
        }
    }

    async fn find_many_for_viewer(
        &self,
        targets: UserLookups<'_>,
        _viewer: Option<&UserId>,
    ) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError> {
        Ok(match targets {
            UserLookups::Ids(ids) => ids
                .iter()
                .map(|id| Some((user(*id), Relationship::NONE)))
                .collect(),
            UserLookups::Usernames(names) => vec![None; names.len()],
        })
    }

    async fn relationships_with(
        &self,
        _viewer: &UserId,
        _targets: &[UserId],
    ) -> Result<Vec<(AccountState, RelationshipView)>, RepositoryError> {
        unreachable!("not read here")
    }

    async fn account_state(&self, _id: &UserId) -> Result<AccountState, RepositoryError> {
        unreachable!("not read here")
    }

    async fn update_profile(
        &self,
        _id: &UserId,
        _changes: &ProfileChanges,
    ) -> Result<(), UpdateProfileFailure> {
        unreachable!("not written here")
    }
}

#[async_trait]
impl ViewerRelationships for MadeUp {
    async fn relations_of(
        &self,
        viewer: &UserId,
        _at_most: usize,
    ) -> Result<Option<ViewerRelations>, RepositoryError> {
        let base = u32::from_be_bytes(viewer.as_bytes()[8..].try_into().unwrap());
        let blocks = (0..self.blocks)
            .map(|n| id(base.wrapping_add(n + 1)))
            .collect();
        Ok(Some(ViewerRelations::new(vec![], blocks)))
    }
}

#[async_trait]
impl SearchDirectory for MadeUp {
    async fn blocked_either_way(&self, _viewer: &UserId) -> Result<Vec<UserId>, RepositoryError> {
        unreachable!("answered from the viewer's relations")
    }

    async fn hydrate(
        &self,
        ids: &[UserId],
        _viewer: &UserId,
    ) -> Result<Vec<SearchCandidate>, RepositoryError> {
        Ok(ids.iter().map(|id| candidate(*id)).collect())
    }
}

/// A feed with nothing in it and nothing running: it vouches for the model.
struct QuietFeed;

#[async_trait]
impl ChangeFeed for QuietFeed {
    async fn head(&self) -> Result<FeedPosition, RepositoryError> {
        Ok(FeedPosition::START)
    }

    async fn read(&self, after: FeedPosition, _at_most: usize) -> Result<FeedBatch, FeedError> {
        Ok(FeedBatch {
            changes: vec![],
            through: after,
            complete: true,
            settled_below: 1,
            unstarted_from: 1,
        })
    }

    async fn lag(&self, _after: FeedPosition) -> Result<FeedLag, RepositoryError> {
        Ok(FeedLag::default())
    }
}

/// A trusted, empty model with a budget nothing here reaches.
async fn trusted_model() -> Arc<ReadModel> {
    let model = Arc::new(ReadModel::new(1 << 32));
    let follower = FeedFollower::new(
        model.clone(),
        Arc::new(QuietFeed),
        Arc::new(MadeUp { blocks: 0 }),
        FollowSettings {
            poll_every: Duration::from_secs(3_600),
            stale_at_most: Duration::from_secs(3_600),
            batch: 10,
            measure_lag_every: Duration::from_secs(3_600),
        },
    );
    tokio::spawn(follower.run());
    let started = Instant::now();
    while !model.is_trusted() {
        assert!(started.elapsed() < Duration::from_secs(5), "never trusted");
        tokio::task::yield_now().await;
    }
    model
}

/// What the heap gained in a region, and what the model says it gained.
struct Measured {
    entries: u64,
    requested: i64,
    allocations: i64,
    weighed: u64,
}

impl Measured {
    /// The least the allocator takes for it: every chunk carries an 8-byte header.
    fn heap_at_least(&self) -> i64 {
        self.requested + 8 * self.allocations
    }

    /// What the allocator takes on average: an 8-byte header and rounding up
    /// to 16 bytes, 7.5 bytes on average (glibc's malloc on 64-bit).
    fn heap_expected(&self) -> i64 {
        self.requested + 16 * self.allocations
    }

    fn report(&self, what: &str) {
        let per = |bytes: i64| bytes / i64::try_from(self.entries).unwrap();
        eprintln!(
            "{what}: {} entries; per entry: {} bytes requested in {:.1} allocations, \
             heap at least {} bytes, about {}, weighed {} bytes",
            self.entries,
            per(self.requested),
            self.allocations as f64 / self.entries as f64,
            per(self.heap_at_least()),
            per(self.heap_expected()),
            per(i64::try_from(self.weighed).unwrap()),
        );
    }

    /// Within a few percent of the heap taken: the cache's own tables grow
    /// by doubling, which a fill sometimes pays for.
    fn assert_honest(&self, what: &str) {
        let weighed = i64::try_from(self.weighed).unwrap();
        let expected = self.heap_expected();
        assert!(
            (expected * 9 / 10..=expected * 23 / 20).contains(&weighed),
            "{what}: weighed {weighed} bytes, the heap took about {expected}"
        );
    }
}

async fn measure<F: std::future::Future<Output = ()>>(
    model: &ReadModel,
    fill: impl FnOnce() -> F,
) -> Measured {
    let before = model.stats();
    let region = Region::new(HEAP);
    fill().await;
    let after = model.stats();
    let change = region.change();
    let signed = |n: usize| i64::try_from(n).unwrap();
    Measured {
        entries: after.entries - before.entries,
        requested: signed(change.bytes_allocated) - signed(change.bytes_deallocated)
            + i64::try_from(change.bytes_reallocated).unwrap(),
        allocations: signed(change.allocations) - signed(change.deallocations),
        weighed: after.bytes - before.bytes,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_byte_budget_counts_what_the_entries_take_from_the_heap() {
    let model = trusted_model().await;
    let users = CachedUsers::new(
        Arc::new(MadeUp { blocks: 0 }),
        Arc::new(MadeUp { blocks: 0 }),
        model.clone(),
        MissSettings::default(),
    );
    // One read first: whatever the cache sets up once is not an entry's.
    users
        .find_for_viewer(UserLookup::Id(&id(u32::MAX)), None)
        .await
        .unwrap();

    const USERS: u32 = 20_000;
    let filled = measure(&model, || async {
        for n in 0..USERS {
            users
                .find_for_viewer(UserLookup::Id(&id(n)), None)
                .await
                .unwrap();
        }
    })
    .await;
    assert_eq!(
        filled.entries,
        u64::from(USERS),
        "an entry a user, their name hint beside the cache"
    );
    filled.report("users (with their name hints)");
    filled.assert_honest("users");

    for (what, blocks, viewers, base) in [
        ("viewers with 10 blocks", 10, 5_000u32, 100_000_000u32),
        ("viewers with 20,000 blocks", 20_000, 20, 200_000_000),
    ] {
        let directory = CachedDirectory::new(
            Arc::new(MadeUp { blocks }),
            Arc::new(MadeUp { blocks }),
            model.clone(),
        );
        let filled = measure(&model, || async {
            for n in 0..viewers {
                let viewer = id(base + n * (blocks + 1));
                directory.blocked_either_way(&viewer).await.unwrap();
            }
        })
        .await;
        assert_eq!(filled.entries, u64::from(viewers));
        filled.report(what);
        filled.assert_honest(what);
    }

    let directory = CachedDirectory::new(
        Arc::new(MadeUp { blocks: 0 }),
        Arc::new(MadeUp { blocks: 0 }),
        model.clone(),
    );
    let searcher = id(300_000_000);
    directory.blocked_either_way(&searcher).await.unwrap();
    const PAGES: u32 = 1_000;
    let filled = measure(&model, || async {
        for page in 0..PAGES {
            let ids: Vec<UserId> = (0..20).map(|n| id(400_000_000 + page * 20 + n)).collect();
            directory.hydrate(&ids, &searcher).await.unwrap();
        }
    })
    .await;
    assert_eq!(filled.entries, u64::from(PAGES) * 20, "a card per result");
    filled.report("search cards");
    filled.assert_honest("search cards");
}
