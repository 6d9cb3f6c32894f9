//! In-memory fakes of the ports, for the domain's own unit tests only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::ports::{AccountState, Clock, RepositoryError, UserLookup, UserRepository};
use crate::{AvailabilityStatus, Relationship, SocialHandles, Stats, User, UserId, Username};

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

#[derive(Clone, Default)]
pub struct InMemoryUsers {
    users: Arc<Mutex<Vec<User>>>,
    relationships: Arc<Mutex<HashMap<(UserId, UserId), Relationship>>>,
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
}
