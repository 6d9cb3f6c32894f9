//! Search's directory through the read model: a caller's blocks, either way,
//! are read once and then served from memory until one of them changes, so
//! a caller who blocked a spam wave of thousands pays for it once, not on
//! every search. Hydration is read from storage: a page of hits is one
//! round trip either way.

use std::sync::Arc;

use async_trait::async_trait;

use allmine_domain::search::{SearchCandidate, SearchDirectory};
use allmine_domain::{RepositoryError, UserId};

use crate::store::ReadModel;

/// Search's directory read through the read model.
pub struct CachedDirectory {
    storage: Arc<dyn SearchDirectory>,
    model: Arc<ReadModel>,
}

impl std::fmt::Debug for CachedDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedDirectory").finish_non_exhaustive()
    }
}

impl CachedDirectory {
    /// Reads `storage` through `model`.
    pub fn new(storage: Arc<dyn SearchDirectory>, model: Arc<ReadModel>) -> Self {
        Self { storage, model }
    }
}

#[async_trait]
impl SearchDirectory for CachedDirectory {
    async fn blocked_either_way(&self, viewer: &UserId) -> Result<Vec<UserId>, RepositoryError> {
        if !self.model.is_trusted() {
            self.model.bypass();
            return self.storage.blocked_either_way(viewer).await;
        }
        if let Some(ids) = self.model.blocked_either_way(viewer) {
            return Ok(ids.to_vec());
        }
        self.model.miss();
        let ticket = self.model.ticket();
        let ids = self.storage.blocked_either_way(viewer).await?;
        self.model
            .fill_blocked_either_way(ticket, viewer, Arc::from(ids.as_slice()));
        Ok(ids)
    }

    async fn hydrate(
        &self,
        ids: &[UserId],
        viewer: &UserId,
    ) -> Result<Vec<SearchCandidate>, RepositoryError> {
        self.storage.hydrate(ids, viewer).await
    }
}
