//! The history area's use cases ([`HistoryService`]): the caller's records, flat or
//! grouped by live stream with each stream's title, host and times.

use std::collections::HashMap;
use std::sync::Arc;

use super::grouping::group_by_stream;
use super::model::{CreditTransaction, HistoryEntry, HistoryFilter, StreamSummary};
use super::ports::TransactionHistory;
use crate::error::RepositoryError;
use crate::ids::StreamId;
use crate::paging::{Page, PageRequest};
use crate::profiles::CurrentUser;

/// The history use cases.
#[derive(Clone)]
pub struct HistoryService {
    history: Arc<dyn TransactionHistory>,
}

impl std::fmt::Debug for HistoryService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryService").finish_non_exhaustive()
    }
}

impl HistoryService {
    /// A service over this port.
    pub fn new(history: Arc<dyn TransactionHistory>) -> Self {
        Self { history }
    }

    /// The caller's records, newest first. Nobody else's records can appear:
    /// the caller is the only user the query names.
    pub async fn list(
        &self,
        me: &CurrentUser,
        filter: &HistoryFilter,
        page: PageRequest,
    ) -> Result<Page<CreditTransaction>, RepositoryError> {
        self.history.page(me.id(), filter, page).await
    }

    /// The same page as [`Self::list`], grouped by live stream, with each
    /// stream's title, host and times.
    pub async fn grouped(
        &self,
        me: &CurrentUser,
        filter: &HistoryFilter,
        page: PageRequest,
    ) -> Result<Page<HistoryEntry>, RepositoryError> {
        let flat = self.history.page(me.id(), filter, page).await?;
        let mut entries = group_by_stream(flat.items);
        let ids: Vec<StreamId> = entries
            .iter()
            .filter_map(|entry| match entry {
                HistoryEntry::Stream { stream_id, .. } => Some(*stream_id),
                HistoryEntry::Single(_) => None,
            })
            .collect();
        if !ids.is_empty() {
            let streams: HashMap<StreamId, StreamSummary> = self
                .history
                .streams(&ids)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
            for entry in &mut entries {
                if let HistoryEntry::Stream {
                    stream_id, stream, ..
                } = entry
                {
                    *stream = streams.get(stream_id).cloned();
                }
            }
        }
        Ok(Page {
            items: entries,
            request: flat.request,
            total: flat.total,
        })
    }
}
