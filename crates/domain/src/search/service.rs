//! The search use case ([`SearchService`]): the users matching a query for a viewer,
//! best first, without those blocked either way, each shown as the viewer may see them.
//!
//! PostgreSQL stays the source of truth: the engine returns ids in rank order and the
//! store hydrates them with current data.

use std::sync::Arc;

use super::model::{SearchResult, SearchText};
use super::ports::{SearchDirectory, SearchError, UserSearch};
use crate::error::RepositoryError;
use crate::paging::{Page, PageRequest};
use crate::profiles::CurrentUser;

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchUsersError {
    /// The engine failed.
    #[error(transparent)]
    Engine(#[from] SearchError),
    /// The store failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// The search use case.
#[derive(Clone)]
pub struct SearchService {
    engine: Arc<dyn UserSearch>,
    directory: Arc<dyn SearchDirectory>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchService").finish_non_exhaustive()
    }
}

impl SearchService {
    /// A service over these ports.
    pub fn new(engine: Arc<dyn UserSearch>, directory: Arc<dyn SearchDirectory>) -> Self {
        Self { engine, directory }
    }

    /// The users matching `text` for `viewer`, best first; a blank text gives
    /// random users. Users blocked either way are excluded by the engine, so
    /// totals and pages stay right; the viewer is not shown to themself.
    pub async fn search(
        &self,
        viewer: &CurrentUser,
        text: &SearchText,
        page: PageRequest,
    ) -> Result<Page<SearchResult>, SearchUsersError> {
        let mut excluded = self.directory.blocked_either_way(viewer.id()).await?;
        excluded.push(*viewer.id());
        let limit = page.limit() as usize;
        let hits = if text.is_blank() {
            self.engine.sample(&excluded, limit).await?
        } else {
            let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
            self.engine
                .search(text.as_str(), &excluded, offset, limit)
                .await?
        };
        let candidates = self.directory.hydrate(&hits.ids, viewer.id()).await?;
        Ok(Page {
            items: candidates.into_iter().map(SearchResult::as_seen).collect(),
            request: page,
            total: hits.total,
        })
    }
}
