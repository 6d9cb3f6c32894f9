//! The caching adapters: the domain's [`UserRepository`] and
//! [`UsernameReservations`] answered from the [`ReadModel`] when it holds the
//! facts and is trusted, from the adapter they wrap otherwise. They hold
//! facts only: the domain's privacy rule still decides what a viewer sees.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use allmine_domain::profiles::{
    AccountState, ProfileChanges, RelationshipView, UpdateProfileFailure, UserLookup, UserLookups,
    UserRepository, ViewerRelationships,
};
use allmine_domain::usernames::{
    NameState, UsernameChange, UsernameChangeFailure, UsernameReservations,
};
use allmine_domain::{Relationship, RepositoryError, User, UserId};

use crate::misses::{MissReads, MissSettings};
use crate::store::{HeldRelations, ReadModel};
use crate::viewers::held_relations;

/// Users read through the read model.
pub struct CachedUsers {
    storage: Arc<dyn UserRepository>,
    relations: Arc<dyn ViewerRelationships>,
    model: Arc<ReadModel>,
    misses: MissReads,
}

impl std::fmt::Debug for CachedUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedUsers")
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl CachedUsers {
    /// Reads `storage` through `model`, a viewer's relations from
    /// `relations`; the users `model` misses are read as `misses` says.
    pub fn new(
        storage: Arc<dyn UserRepository>,
        relations: Arc<dyn ViewerRelationships>,
        model: Arc<ReadModel>,
        misses: MissSettings,
    ) -> Self {
        Self {
            misses: MissReads::new(Arc::clone(&storage), misses),
            storage,
            relations,
            model,
        }
    }

    fn held_user(&self, target: UserLookup<'_>) -> Option<User> {
        match target {
            UserLookup::Id(id) => self.model.user(id),
            UserLookup::Username(name) => self.model.user_named(name),
        }
        .and_then(|held| held.unpack())
    }
}

#[async_trait]
impl UserRepository for CachedUsers {
    async fn find_for_viewer(
        &self,
        target: UserLookup<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Option<(User, Relationship)>, RepositoryError> {
        if !self.model.is_trusted() {
            self.model.bypass();
            return self.storage.find_for_viewer(target, viewer).await;
        }
        // How the viewer stands with any owner, when memory knows it.
        let relations = match viewer {
            None => Some(None),
            Some(viewer) => match held_relations(&self.model, &*self.relations, viewer).await? {
                HeldRelations::All(relations) => Some(Some(relations)),
                HeldRelations::TooMany => None,
            },
        };
        let Some(relations) = relations else {
            // Too many relations to hold: the pair comes from storage each time.
            self.model.miss();
            let ticket = self.model.ticket();
            let found = self.storage.find_for_viewer(target, viewer).await?;
            if let Some((user, _)) = &found {
                self.model.offer_user(ticket, user);
            }
            return Ok(found);
        };
        let relationship = |owner: &UserId| {
            relations
                .as_ref()
                .map_or(Relationship::NONE, |relations| relations.with(owner))
        };
        if let Some(user) = self.held_user(target) {
            let relationship = relationship(&user.id);
            return Ok(Some((user, relationship)));
        }
        self.model.miss();
        let ticket = self.model.ticket();
        // The pair is known already: the owner alone is read, as for no
        // viewer, together with the other misses of the moment.
        let found = self.misses.read(target).await?;
        Ok(found.map(|user| {
            self.model.offer_user(ticket, &user);
            let relationship = relationship(&user.id);
            (user, relationship)
        }))
    }

    async fn find_many_for_viewer(
        &self,
        targets: UserLookups<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError> {
        // One round trip already; a batch is rarely all held.
        self.storage.find_many_for_viewer(targets, viewer).await
    }

    async fn relationships_with(
        &self,
        viewer: &UserId,
        targets: &[UserId],
    ) -> Result<Vec<(AccountState, RelationshipView)>, RepositoryError> {
        self.storage.relationships_with(viewer, targets).await
    }

    async fn account_state(&self, id: &UserId) -> Result<AccountState, RepositoryError> {
        if !self.model.is_trusted() {
            self.model.bypass();
            return self.storage.account_state(id).await;
        }
        if let Some(user) = self.model.user(id) {
            return Ok(state_of(user.is_deactivated()));
        }
        // Read the whole user, so the signed-in path's next check is a hit.
        self.model.miss();
        let ticket = self.model.ticket();
        match self.misses.read(UserLookup::Id(id)).await? {
            Some(user) => {
                self.model.offer_user(ticket, &user);
                Ok(state_of(user.is_deactivated))
            }
            None => Ok(AccountState::Missing),
        }
    }

    async fn update_profile(
        &self,
        id: &UserId,
        changes: &ProfileChanges,
    ) -> Result<(), UpdateProfileFailure> {
        let outcome = self.storage.update_profile(id, changes).await;
        // Even a failure may have committed (the answer was lost on the way):
        // the next read goes to storage either way.
        self.model.user_changed(id, true);
        outcome
    }
}

fn state_of(is_deactivated: bool) -> AccountState {
    if is_deactivated {
        AccountState::Deactivated
    } else {
        AccountState::Active
    }
}

/// Username reservations whose changes this instance's read model sees at once.
pub struct CachedUsernames {
    storage: Arc<dyn UsernameReservations>,
    model: Arc<ReadModel>,
}

impl std::fmt::Debug for CachedUsernames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedUsernames").finish_non_exhaustive()
    }
}

impl CachedUsernames {
    /// Changes names in `storage`, telling `model`.
    pub fn new(storage: Arc<dyn UsernameReservations>, model: Arc<ReadModel>) -> Self {
        Self { storage, model }
    }
}

#[async_trait]
impl UsernameReservations for CachedUsernames {
    async fn states(
        &self,
        canonical_names: &[String],
        now: OffsetDateTime,
    ) -> Result<Vec<NameState>, RepositoryError> {
        self.storage.states(canonical_names, now).await
    }

    async fn change(&self, change: &UsernameChange) -> Result<(), UsernameChangeFailure> {
        let outcome = self.storage.change(change).await;
        self.model.user_changed(&change.user, true);
        outcome
    }
}
