//! Search's directory through the read model: a caller's blocks, either way,
//! come from their relations held in memory (read once, until a pair of
//! theirs changes), so a caller who blocked a spam wave of thousands pays for
//! it once, not on every search. A page of hits is hydrated from the users'
//! search cards held in memory, the viewer's follow of each from their
//! relations; the cards not held are read in one round trip and kept.
//!
//! A card of a user on air is not kept: a stream's viewer count changes
//! without a feed row, and a result shows it as it is now.

use std::collections::HashMap;
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
        if !self.model.is_trusted() {
            self.model.bypass();
            return self.storage.hydrate(ids, viewer).await;
        }
        let relations = match held_relations(&self.model, &*self.relations, viewer).await? {
            HeldRelations::All(relations) => relations,
            HeldRelations::TooMany => return self.storage.hydrate(ids, viewer).await,
        };
        let held: Vec<_> = ids.iter().map(|id| self.model.card(id)).collect();
        let missing: Vec<UserId> = ids
            .iter()
            .zip(&held)
            .filter(|(_, card)| card.is_none())
            .map(|(id, _)| *id)
            .collect();
        let mut read = HashMap::with_capacity(missing.len());
        if !missing.is_empty() {
            self.model.miss();
            let ticket = self.model.ticket();
            for candidate in self.storage.hydrate(&missing, viewer).await? {
                if candidate.live.is_none() {
                    self.model.offer_card(ticket, &candidate);
                }
                read.insert(candidate.id, candidate);
            }
        }
        // In the engine's order; a user storage no longer shows (deactivated,
        // gone) is left out, as storage alone would.
        let mut page = Vec::with_capacity(ids.len());
        for (id, held) in ids.iter().zip(held) {
            let mut candidate = match held {
                Some(card) => SearchCandidate::clone(&card),
                None => match read.remove(id) {
                    Some(candidate) => candidate,
                    None => continue,
                },
            };
            candidate.follow = relations.with(id).follow;
            page.push(candidate);
        }
        Ok(page)
    }
}
