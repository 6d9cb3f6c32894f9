//! In-memory fakes of the ports, for the domain's own unit tests only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::error::RepositoryError;
use crate::ids::UserId;
use crate::naming::Username;
use crate::profiles::{
    AccountState, AvailabilityStatus, ProfileChanges, Relationship, SocialHandles, Stats,
    UpdateProfileFailure, User, UserLookup, UserRepository,
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

/// Users, relationships and name holds in memory.
#[derive(Clone, Default)]
pub struct InMemoryUsers {
    users: Arc<Mutex<Vec<User>>>,
    relationships: Arc<Mutex<HashMap<(UserId, UserId), Relationship>>>,
    holds: Arc<Mutex<HashMap<String, (UserId, OffsetDateTime)>>>,
    updates: Arc<Mutex<Vec<ProfileChanges>>>,
}

impl InMemoryUsers {
    pub fn new(users: Vec<User>) -> Self {
        Self {
            users: Arc::new(Mutex::new(users)),
            ..Self::default()
        }
    }

    pub fn relate(&self, viewer: UserId, target: UserId, relationship: Relationship) {
        self.relationships
            .lock()
            .unwrap()
            .insert((viewer, target), relationship);
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
        let users = self.users.lock().unwrap();
        let found = users.iter().find(|user| match target {
            UserLookup::Id(id) => user.id == *id,
            UserLookup::Username(name) => user.username.same_name_as(name),
        });
        Ok(found.map(|user| {
            let relationship = viewer
                .and_then(|viewer| {
                    self.relationships
                        .lock()
                        .unwrap()
                        .get(&(*viewer, user.id))
                        .copied()
                })
                .unwrap_or(Relationship::NONE);
            (user.clone(), relationship)
        }))
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
