//! In-memory fakes of the ports, for the domain's own unit tests only.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::error::RepositoryError;
use crate::ids::UserId;
use crate::naming::Username;
use crate::profiles::{
    AccountState, AvailabilityStatus, FollowState, ProfileChanges, Relationship, RelationshipView,
    SocialHandles, Stats, UpdateProfileFailure, User, UserLookup, UserLookups, UserRepository,
};
use crate::usernames::{NameState, UsernameChange, UsernameChangeFailure, UsernameReservations};

/// A public, active user named `username` with an id derived from the name.
pub fn user(username: &str) -> User {
    let mut id = [0u8; 12];
    for (slot, byte) in id.iter_mut().zip(username.bytes().cycle()) {
        *slot = byte;
    }
    User {
        id: UserId::from_bytes(id),
        username: Username::existing(username)
            .unwrap_or_else(|e| panic!("bad test name {username}: {e}")),
        username_changed_at: None,
        name: "Test".into(),
        surname: "User".into(),
        bio: None,
        interests: Vec::new(),
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

pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

pub struct SettableClock(Mutex<OffsetDateTime>);

impl SettableClock {
    pub fn new(now: OffsetDateTime) -> Self {
        Self(Mutex::new(now))
    }

    pub fn set(&self, now: OffsetDateTime) {
        *self.0.lock().unwrap() = now;
    }
}

impl Clock for SettableClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

/// Users, follows, blocks and name holds in memory.
#[derive(Clone, Default)]
pub struct InMemoryUsers {
    users: Arc<Mutex<Vec<User>>>,
    /// (follower, followee) to how the first follows the second.
    follows: Arc<Mutex<HashMap<(UserId, UserId), FollowState>>>,
    /// (blocker, blocked).
    blocks: Arc<Mutex<HashSet<(UserId, UserId)>>>,
    holds: Arc<Mutex<HashMap<String, (UserId, OffsetDateTime)>>>,
    updates: Arc<Mutex<Vec<ProfileChanges>>>,
    /// How many times the store was read for several users at once.
    batch_reads: Arc<Mutex<usize>>,
}

impl InMemoryUsers {
    pub fn new(users: Vec<User>) -> Self {
        Self {
            users: Arc::new(Mutex::new(users)),
            ..Self::default()
        }
    }

    /// `viewer` follows `target` as `relationship.follow` says, and has
    /// blocked them if `relationship.blocked`.
    pub fn relate(&self, viewer: UserId, target: UserId, relationship: Relationship) {
        self.follow(viewer, target, relationship.follow);
        let mut blocks = self.blocks.lock().unwrap();
        if relationship.blocked {
            blocks.insert((viewer, target));
        } else {
            blocks.remove(&(viewer, target));
        }
    }

    /// `follower` follows `followee` as `state` says.
    pub fn follow(&self, follower: UserId, followee: UserId, state: FollowState) {
        self.follows
            .lock()
            .unwrap()
            .insert((follower, followee), state);
    }

    /// `blocker` has blocked `blocked`.
    pub fn block(&self, blocker: UserId, blocked: UserId) {
        self.blocks.lock().unwrap().insert((blocker, blocked));
    }

    /// How many times the store was read for several users at once.
    pub fn batch_reads(&self) -> usize {
        *self.batch_reads.lock().unwrap()
    }

    fn follow_state(&self, follower: UserId, followee: UserId) -> FollowState {
        self.follows
            .lock()
            .unwrap()
            .get(&(follower, followee))
            .copied()
            .unwrap_or(FollowState::NotFollowing)
    }

    fn blocks(&self, blocker: UserId, blocked: UserId) -> bool {
        self.blocks.lock().unwrap().contains(&(blocker, blocked))
    }

    /// How `viewer` stands with `target`, as the privacy rule reads it.
    fn relationship(&self, viewer: Option<&UserId>, target: UserId) -> Relationship {
        match viewer {
            None => Relationship::NONE,
            Some(viewer) => Relationship {
                blocked: self.blocks(*viewer, target) || self.blocks(target, *viewer),
                follow: self.follow_state(*viewer, target),
            },
        }
    }

    fn find(&self, target: UserLookup<'_>) -> Option<User> {
        let users = self.users.lock().unwrap();
        users
            .iter()
            .find(|user| match target {
                UserLookup::Id(id) => user.id == *id,
                UserLookup::Username(name) => user.username.same_name_as(name),
            })
            .cloned()
    }

    /// Every profile update asked of the store, in order.
    pub fn updates(&self) -> Vec<ProfileChanges> {
        self.updates.lock().unwrap().clone()
    }

    pub fn username_of(&self, id: UserId) -> Option<String> {
        self.users
            .lock()
            .unwrap()
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.username.to_string())
    }
}

#[async_trait]
impl UserRepository for InMemoryUsers {
    async fn find_for_viewer(
        &self,
        target: UserLookup<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Option<(User, Relationship)>, RepositoryError> {
        Ok(self.find(target).map(|user| {
            let relationship = self.relationship(viewer, user.id);
            (user, relationship)
        }))
    }

    async fn find_many_for_viewer(
        &self,
        targets: UserLookups<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError> {
        *self.batch_reads.lock().unwrap() += 1;
        let lookups: Vec<UserLookup<'_>> = match targets {
            UserLookups::Ids(ids) => ids.iter().map(UserLookup::Id).collect(),
            UserLookups::Usernames(names) => names.iter().map(UserLookup::Username).collect(),
        };
        Ok(lookups
            .into_iter()
            .map(|target| {
                self.find(target).map(|user| {
                    let relationship = self.relationship(viewer, user.id);
                    (user, relationship)
                })
            })
            .collect())
    }

    async fn relationships_with(
        &self,
        viewer: &UserId,
        targets: &[UserId],
    ) -> Result<Vec<(AccountState, RelationshipView)>, RepositoryError> {
        *self.batch_reads.lock().unwrap() += 1;
        Ok(targets
            .iter()
            .filter_map(|id| self.find(UserLookup::Id(id)))
            .map(|user| {
                let state = if user.is_deactivated {
                    AccountState::Deactivated
                } else {
                    AccountState::Active
                };
                let view = RelationshipView {
                    user: user.id,
                    following: self.follow_state(*viewer, user.id),
                    followed_by: self.follow_state(user.id, *viewer) == FollowState::Accepted,
                    blocking: self.blocks(*viewer, user.id),
                    blocked_by: self.blocks(user.id, *viewer),
                };
                (state, view)
            })
            .collect())
    }

    async fn account_state(&self, id: &UserId) -> Result<AccountState, RepositoryError> {
        let users = self.users.lock().unwrap();
        Ok(match users.iter().find(|user| user.id == *id) {
            None => AccountState::Missing,
            Some(user) if user.is_deactivated => AccountState::Deactivated,
            Some(_) => AccountState::Active,
        })
    }

    async fn update_profile(
        &self,
        id: &UserId,
        changes: &ProfileChanges,
    ) -> Result<(), UpdateProfileFailure> {
        self.updates.lock().unwrap().push(changes.clone());
        let mut users = self.users.lock().unwrap();
        let user = users
            .iter_mut()
            .find(|user| user.id == *id)
            .ok_or(UpdateProfileFailure::PhotoNotOwned)?;
        if let Some(name) = &changes.name {
            user.name = name.clone();
        }
        if let Some(bio) = &changes.bio {
            user.bio = bio.clone();
        }
        if let Some(private) = changes.is_private {
            user.is_private = private;
        }
        if let Some(Some(_)) = changes.profile_photo {
            return Err(UpdateProfileFailure::PhotoNotOwned);
        }
        Ok(())
    }
}

#[async_trait]
impl UsernameReservations for InMemoryUsers {
    async fn states(
        &self,
        names: &[String],
        now: OffsetDateTime,
    ) -> Result<Vec<NameState>, RepositoryError> {
        let users = self.users.lock().unwrap();
        let holds = self.holds.lock().unwrap();
        Ok(names
            .iter()
            .map(|key| {
                if let Some(user) = users.iter().find(|u| u.username.canonical() == *key) {
                    NameState::InUse { owner: user.id }
                } else {
                    match holds.get(key) {
                        Some((owner, until)) if *until > now => NameState::Held {
                            owner: *owner,
                            until: *until,
                        },
                        _ => NameState::Free,
                    }
                }
            })
            .collect())
    }

    async fn change(&self, change: &UsernameChange) -> Result<(), UsernameChangeFailure> {
        let key = change.new.canonical();
        let state = self.states(std::slice::from_ref(&key), change.now).await?;
        match state[0] {
            NameState::InUse { owner } if owner != change.user => {
                return Err(UsernameChangeFailure::Taken);
            }
            NameState::Held { owner, .. } if owner != change.user => {
                return Err(UsernameChangeFailure::Held);
            }
            _ => {}
        }
        let mut users = self.users.lock().unwrap();
        let user = users
            .iter_mut()
            .find(|u| u.id == change.user)
            .ok_or(UsernameChangeFailure::Concurrent)?;
        if user.username != change.old || user.username_changed_at != change.expected_changed_at {
            return Err(UsernameChangeFailure::Concurrent);
        }
        if !change.old.same_name_as(&change.new) {
            self.holds
                .lock()
                .unwrap()
                .insert(change.old.canonical(), (change.user, change.hold_until));
        }
        self.holds.lock().unwrap().remove(&key);
        user.username = change.new.clone();
        user.username_changed_at = change.changed_at;
        Ok(())
    }
}
