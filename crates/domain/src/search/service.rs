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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::ids::UserId;
    use crate::profiles::FollowState;
    use crate::search::{SearchCandidate, SearchHits};

    const VIEWER: UserId = UserId::from_bytes([1; 12]);
    const BLOCKED: UserId = UserId::from_bytes([2; 12]);
    const FOUND: UserId = UserId::from_bytes([3; 12]);

    /// An engine and a store that answer `FOUND` (private, not followed) to
    /// anything, and remember what they were asked.
    #[derive(Default)]
    struct World {
        asked: Mutex<Vec<String>>,
    }

    impl World {
        fn note(&self, what: String) {
            self.asked.lock().unwrap().push(what);
        }

        fn asked(&self) -> Vec<String> {
            self.asked.lock().unwrap().clone()
        }
    }

    fn found() -> SearchHits {
        SearchHits {
            ids: vec![FOUND],
            total: 31,
        }
    }

    #[async_trait]
    impl UserSearch for World {
        async fn search(
            &self,
            text: &str,
            excluded: &[UserId],
            offset: usize,
            limit: usize,
        ) -> Result<SearchHits, SearchError> {
            self.note(format!("search {text:?} {excluded:?} {offset} {limit}"));
            Ok(found())
        }

        async fn sample(
            &self,
            excluded: &[UserId],
            count: usize,
        ) -> Result<SearchHits, SearchError> {
            self.note(format!("sample {excluded:?} {count}"));
            Ok(found())
        }
    }

    #[async_trait]
    impl SearchDirectory for World {
        async fn blocked_either_way(
            &self,
            _viewer: &UserId,
        ) -> Result<Vec<UserId>, RepositoryError> {
            Ok(vec![BLOCKED])
        }

        async fn hydrate(
            &self,
            ids: &[UserId],
            viewer: &UserId,
        ) -> Result<Vec<SearchCandidate>, RepositoryError> {
            self.note(format!("hydrate {ids:?} for {viewer:?}"));
            Ok(ids
                .iter()
                .map(|id| SearchCandidate {
                    id: *id,
                    username: "jane".into(),
                    name: "Jane".into(),
                    surname: "Roe".into(),
                    expertise: Some("chef".into()),
                    minute_price_in_live_stream: 3,
                    photo: None,
                    live: None,
                    is_private: true,
                    follow: FollowState::NotFollowing,
                })
                .collect())
        }
    }

    async fn search(text: &str, page: u32) -> (Page<SearchResult>, Vec<String>) {
        let world = Arc::new(World::default());
        let service = SearchService::new(world.clone(), world.clone());
        let page = service
            .search(
                &CurrentUser::for_tests(VIEWER),
                &SearchText::new(text).unwrap(),
                PageRequest::new(page, 20).unwrap(),
            )
            .await
            .unwrap();
        (page, world.asked())
    }

    #[tokio::test]
    async fn a_search_skips_the_viewer_and_users_blocked_either_way_from_the_pages_offset() {
        let (page, asked) = search(" jane ", 3).await;
        assert_eq!(
            asked,
            [
                format!("search \"jane\" {:?} 40 20", [BLOCKED, VIEWER]),
                format!("hydrate {:?} for {VIEWER:?}", [FOUND]),
            ]
        );
        assert_eq!((page.request.page(), page.total), (3, 31));
    }

    #[tokio::test]
    async fn a_blank_search_samples_random_users_with_the_same_exclusions() {
        let (page, asked) = search(" ._ ", 1).await;
        assert_eq!(
            asked,
            [
                format!("sample {:?} 20", [BLOCKED, VIEWER]),
                format!("hydrate {:?} for {VIEWER:?}", [FOUND]),
            ]
        );
        assert_eq!(page.total, 31);
    }

    #[tokio::test]
    async fn results_show_only_what_the_privacy_rule_lets_the_viewer_see() {
        let (page, _) = search("jane", 1).await;
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].id, FOUND);
        assert_eq!(page.items[0].expertise, None);
        assert_eq!(page.items[0].minute_price_in_live_stream, None);
    }

    #[test]
    fn the_service_debugs_as_its_name_only() {
        let world = Arc::new(World::default());
        let service = SearchService::new(world.clone(), world);
        assert_eq!(format!("{service:?}"), "SearchService { .. }");
    }
}
