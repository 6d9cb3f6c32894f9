//! The read model and a read replica together: the model's fills read the
//! primary (a cache kept exact by the primary's change feed must not be
//! filled from a copy that lags it: a value read there after the feed
//! applied a change would stay stale until the next change), while the
//! reads the model never keeps (batches, relationship views) go through the
//! replica routing. Search needs nothing here: its blocks and its results'
//! cards are the model's, and a caller is never among their own results.
//!
//! A signed-in caller's own row is never answered from the read model here:
//! another instance's model learns of their write through the feed, up to a
//! second later, and the caller must not see their write undone meanwhile,
//! whichever instance their next request lands on. It is read from the
//! primary instead.

use std::sync::Arc;

use async_trait::async_trait;

use allmine_domain::profiles::{
    AccountState, ProfileChanges, RelationshipView, UpdateProfileFailure, UserLookup, UserLookups,
    UserRepository,
};
use allmine_domain::{Relationship, RepositoryError, User, UserId};

/// Users: single profiles and account checks through the read model (but a
/// caller's own row from the primary), the uncached reads through the
/// replica routing.
pub(crate) struct UncachedUsersFromReplica {
    /// The read model over the primary.
    pub(crate) cached: Arc<dyn UserRepository>,
    /// The primary, with no read model in front.
    pub(crate) primary: Arc<dyn UserRepository>,
    /// The adapter routed to the replica.
    pub(crate) routed: Arc<dyn UserRepository>,
}

#[async_trait]
impl UserRepository for UncachedUsersFromReplica {
    async fn find_for_viewer(
        &self,
        target: UserLookup<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Option<(User, Relationship)>, RepositoryError> {
        let Some(caller) = viewer else {
            return self.cached.find_for_viewer(target, viewer).await;
        };
        if let UserLookup::Id(id) = target
            && id == caller
        {
            return self.primary.find_for_viewer(target, viewer).await;
        }
        let found = self.cached.find_for_viewer(target, viewer).await?;
        match &found {
            // Maybe their row from before their write, held by this
            // instance's model (a lookup by the name they just gave up).
            Some((user, _)) if user.id == *caller => {
                self.primary.find_for_viewer(target, viewer).await
            }
            _ => Ok(found),
        }
    }

    async fn find_many_for_viewer(
        &self,
        targets: UserLookups<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError> {
        self.routed.find_many_for_viewer(targets, viewer).await
    }

    async fn relationships_with(
        &self,
        viewer: &UserId,
        targets: &[UserId],
    ) -> Result<Vec<(AccountState, RelationshipView)>, RepositoryError> {
        self.routed.relationships_with(viewer, targets).await
    }

    async fn account_state(&self, id: &UserId) -> Result<AccountState, RepositoryError> {
        self.cached.account_state(id).await
    }

    async fn update_profile(
        &self,
        id: &UserId,
        changes: &ProfileChanges,
    ) -> Result<(), UpdateProfileFailure> {
        // Through the model, which drops what it held of the user.
        self.cached.update_profile(id, changes).await
    }
}
