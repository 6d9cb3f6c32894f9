//! Search's directory through the read model: a caller's blocks, either way,
//! come from their relations held in memory (read once, until a pair of
//! theirs changes), so a caller who blocked a spam wave of thousands pays for
//! it once, not on every search. Hydration is read from storage: a page of
//! hits is one round trip either way.

use std::sync::Arc;

use async_trait::async_trait;

use allmine_domain::profiles::ViewerRelationships;
use allmine_domain::search::{SearchCandidate, SearchDirectory};
use allmine_domain::{RepositoryError, UserId};

use crate::store::{HeldRelations, ReadModel};
use crate::viewers::held_relations;

/// Search's directory read through the read model.
pub struct CachedDirectory {
    storage: Arc<dyn SearchDirectory>,
    relations: Arc<dyn ViewerRelationships>,
    model: Arc<ReadModel>,
}

impl std::fmt::Debug for CachedDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedDirectory").finish_non_exhaustive()
    }
}

impl CachedDirectory {
    /// Reads `storage` through `model`, a caller's relations from `relations`.
    pub fn new(
        storage: Arc<dyn SearchDirectory>,
        relations: Arc<dyn ViewerRelationships>,
        model: Arc<ReadModel>,
    ) -> Self {
        Self {
            storage,
            relations,
            model,
        }
    }
}

#[async_trait]
impl SearchDirectory for CachedDirectory {
    async fn blocked_either_way(&self, viewer: &UserId) -> Result<Vec<UserId>, RepositoryError> {
        if !self.model.is_trusted() {
            self.model.bypass();
            return self.storage.blocked_either_way(viewer).await;
        }
        match held_relations(&self.model, &*self.relations, viewer).await? {
            HeldRelations::All(relations) => Ok(relations.blocked_either_way().to_vec()),
            HeldRelations::TooMany => self.storage.blocked_either_way(viewer).await,
        }
    }

    async fn hydrate(
        &self,
        ids: &[UserId],
        viewer: &UserId,
    ) -> Result<Vec<SearchCandidate>, RepositoryError> {
        self.storage.hydrate(ids, viewer).await
    }
}
