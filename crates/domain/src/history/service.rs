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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use time::macros::datetime;

    use super::*;
    use crate::history::TransactionType;
    use crate::ids::{TransactionId, UserId};

    /// One page of records for whoever asks, and the streams it knows; it
    /// remembers who asked for a page and which streams were asked for.
    #[derive(Default)]
    struct History {
        records: Vec<CreditTransaction>,
        streams: Vec<StreamSummary>,
        pages_asked_by: Mutex<Vec<UserId>>,
        streams_asked: Mutex<Vec<Vec<StreamId>>>,
    }

    #[async_trait]
    impl TransactionHistory for History {
        async fn page(
            &self,
            user: &UserId,
            _filter: &HistoryFilter,
            page: PageRequest,
        ) -> Result<Page<CreditTransaction>, RepositoryError> {
            self.pages_asked_by.lock().unwrap().push(*user);
            Ok(Page {
                items: self.records.clone(),
                request: page,
                total: 42,
            })
        }

        async fn streams(&self, ids: &[StreamId]) -> Result<Vec<StreamSummary>, RepositoryError> {
            self.streams_asked.lock().unwrap().push(ids.to_vec());
            Ok(self
                .streams
                .iter()
                .filter(|s| ids.contains(&s.id))
                .cloned()
                .collect())
        }
    }

    const ME: UserId = UserId::from_bytes([1; 12]);

    fn record(n: u8, stream: Option<u8>) -> CreditTransaction {
        CreditTransaction {
            id: TransactionId::from_bytes([n; 12]),
            kind: TransactionType::StreamSpend,
            amount: -5,
            balance_after: 100,
            stream_id: stream.map(|s| StreamId::from_bytes([s; 12])),
            description: format!("record {n}"),
            created_at: datetime!(2026-05-22 12:00 UTC),
        }
    }

    fn summary(stream: u8) -> StreamSummary {
        StreamSummary {
            id: StreamId::from_bytes([stream; 12]),
            title: format!("stream {stream}"),
            host_username: "host".into(),
            started_at: datetime!(2026-05-22 11:00 UTC),
            ended_at: None,
        }
    }

    async fn grouped(history: &Arc<History>) -> Page<HistoryEntry> {
        HistoryService::new(history.clone())
            .grouped(
                &CurrentUser::for_tests(ME),
                &HistoryFilter::default(),
                PageRequest::new(2, 10).unwrap(),
            )
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_history_asks_only_for_the_callers_records() {
        let history = Arc::new(History {
            records: vec![record(1, None)],
            ..History::default()
        });
        let page = HistoryService::new(history.clone())
            .list(
                &CurrentUser::for_tests(ME),
                &HistoryFilter::default(),
                PageRequest::new(1, 20).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(page.items, [record(1, None)]);
        assert_eq!(*history.pages_asked_by.lock().unwrap(), [ME]);
    }

    #[tokio::test]
    async fn grouped_entries_carry_their_stream_when_it_still_exists() {
        let history = Arc::new(History {
            records: vec![record(1, Some(7)), record(2, None), record(3, Some(8))],
            streams: vec![summary(7)],
            ..History::default()
        });
        let page = grouped(&history).await;
        assert_eq!((page.request.page(), page.total), (2, 42));
        let streams: Vec<_> = page
            .items
            .iter()
            .map(|entry| match entry {
                HistoryEntry::Stream { stream, .. } => Some(stream.clone()),
                HistoryEntry::Single(_) => None,
            })
            .collect();
        assert_eq!(streams, [Some(Some(summary(7))), None, Some(None)]);
        assert_eq!(
            *history.streams_asked.lock().unwrap(),
            [vec![
                StreamId::from_bytes([7; 12]),
                StreamId::from_bytes([8; 12])
            ]]
        );
        assert_eq!(*history.pages_asked_by.lock().unwrap(), [ME]);
    }

    #[tokio::test]
    async fn a_grouped_page_without_streams_looks_no_stream_up() {
        let history = Arc::new(History {
            records: vec![record(1, None), record(2, None)],
            ..History::default()
        });
        let page = grouped(&history).await;
        assert_eq!(page.items.len(), 2);
        assert!(history.streams_asked.lock().unwrap().is_empty());
    }

    #[test]
    fn the_service_debugs_as_its_name_only() {
        let service = HistoryService::new(Arc::new(History::default()));
        assert_eq!(format!("{service:?}"), "HistoryService { .. }");
    }
}
