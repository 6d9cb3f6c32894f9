//! A viewer's relations, read once and then answered from memory for every
//! owner they look at, until a pair of theirs changes.

use std::sync::Arc;

use allmine_domain::profiles::ViewerRelationships;
use allmine_domain::{RepositoryError, UserId};

use crate::store::{HeldRelations, ReadModel};

/// Follows and blocks together beyond which a viewer's relations are not
/// held: 100,000 of them weigh about 1.3 MB, a twenty-fifth of the default
/// budget. Past it every pair of theirs is read from storage, as without the
/// read model.
pub(crate) const RELATIONS_AT_MOST: usize = 100_000;

/// What the model holds of `viewer`'s relations, read from `storage` (and
/// kept) when it holds nothing. The caller has checked that the model is
/// trusted.
pub(crate) async fn held_relations(
    model: &ReadModel,
    storage: &dyn ViewerRelationships,
    viewer: &UserId,
) -> Result<HeldRelations, RepositoryError> {
    if let Some(held) = model.viewer_relations(viewer) {
        return Ok(held);
    }
    model.miss();
    let ticket = model.ticket();
    let held = match storage.relations_of(viewer, RELATIONS_AT_MOST).await? {
        Some(relations) => HeldRelations::All(Arc::new(relations)),
        None => HeldRelations::TooMany,
    };
    model.fill_viewer_relations(ticket, viewer, held.clone());
    Ok(held)
}
