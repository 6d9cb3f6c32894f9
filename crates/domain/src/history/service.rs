//! The history area's use cases ([`HistoryService`]): the caller's records, flat or
//! grouped by live stream with each stream's title, host and times, a page at a time by
//! number or after a cursor, each page giving the cursor where the next one starts.

use std::collections::HashMap;
use std::sync::Arc;

use super::cursor::HistoryCursor;
use super::grouping::group_by_stream;
use super::model::{CreditTransaction, HistoryEntry, HistoryFilter, StreamSummary};
use super::pages::{HistoryPage, HistoryPageRequest};
use super::ports::TransactionHistory;
use crate::error::RepositoryError;
use crate::ids::StreamId;
use crate::profiles::CurrentUser;

/// Why a page of history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadHistoryError {
    /// The cursor is a position in another user's history.
    #[error("the cursor is not a position in the caller's history")]
    ForeignCursor,
    /// The store failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

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

    /// The caller's records, newest first, and the cursor after the last one
    /// when more follow. Nobody else's records can appear: the caller is the
    /// only user the query names, and a cursor of anyone else's history is
    /// refused before anything is read.
    pub async fn list(
        &self,
        me: &CurrentUser,
        filter: &HistoryFilter,
        page: HistoryPageRequest,
    ) -> Result<HistoryPage<CreditTransaction>, ReadHistoryError> {
        if let Some(cursor) = page.cursor()
            && cursor.owner() != me.id()
        {
            return Err(ReadHistoryError::ForeignCursor);
        }
        let found = self.history.page(me.id(), filter, page).await?;
        let next = found
            .records
            .last()
            .filter(|_| found.more)
            .map(|last| HistoryCursor::after(*me.id(), last));
        Ok(HistoryPage {
            items: found.records,
            request: page,
            total: found.total,
            next,
        })
    }

    /// The same page as [`Self::list`], grouped by live stream, with each
    /// stream's title, host and times. The page and its next cursor are the
    /// flat records', so the cursor is after the page's last record, whichever
    /// entry holds it.
    pub async fn grouped(
        &self,
        me: &CurrentUser,
        filter: &HistoryFilter,
        page: HistoryPageRequest,
    ) -> Result<HistoryPage<HistoryEntry>, ReadHistoryError> {
        let flat = self.list(me, filter, page).await?;
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
        Ok(HistoryPage {
            items: entries,
            request: flat.request,
            total: flat.total,
            next: flat.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use time::macros::datetime;

    use super::*;
    use crate::history::{AfterCursor, HistoryRecords, TransactionType};
    use crate::ids::{TransactionId, UserId};
    use crate::paging::PageRequest;

    /// One page of records for whoever asks (saying whether more follow), and
    /// the streams it knows; it remembers who asked for which page and which
    /// streams were asked for.
    #[derive(Default)]
    struct History {
        records: Vec<CreditTransaction>,
        more: bool,
        streams: Vec<StreamSummary>,
        pages_asked: Mutex<Vec<(UserId, HistoryPageRequest)>>,
        streams_asked: Mutex<Vec<Vec<StreamId>>>,
    }

    impl History {
        fn pages_asked_by(&self) -> Vec<UserId> {
            let asked = self.pages_asked.lock().unwrap();
            asked.iter().map(|(user, _)| *user).collect()
        }
    }

    #[async_trait]
    impl TransactionHistory for History {
        async fn page(
            &self,
            user: &UserId,
            _filter: &HistoryFilter,
            page: HistoryPageRequest,
        ) -> Result<HistoryRecords, RepositoryError> {
            self.pages_asked.lock().unwrap().push((*user, page));
            Ok(HistoryRecords {
                records: self.records.clone(),
                more: self.more,
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
    const SOMEONE_ELSE: UserId = UserId::from_bytes([2; 12]);

    fn record(n: u8, stream: Option<u8>) -> CreditTransaction {
        CreditTransaction {
            id: TransactionId::from_bytes([n; 12]),
            kind: TransactionType::StreamSpend,
            amount: -5,
            balance_after: 100,
            stream_id: stream.map(|s| StreamId::from_bytes([s; 12])),
            description: format!("record {n}"),
            created_at: datetime!(2026-05-22 12:00 UTC) - time::Duration::minutes(i64::from(n)),
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

    fn page_two() -> HistoryPageRequest {
        PageRequest::new(2, 10).unwrap().into()
    }

    fn after(owner: UserId) -> HistoryPageRequest {
        let cursor = HistoryCursor::after(owner, &record(9, None));
        AfterCursor::new(cursor, 10).unwrap().into()
    }

    async fn list(
        history: &Arc<History>,
        page: HistoryPageRequest,
    ) -> Result<HistoryPage<CreditTransaction>, ReadHistoryError> {
        HistoryService::new(history.clone())
            .list(&CurrentUser::for_tests(ME), &HistoryFilter::default(), page)
            .await
    }

    async fn grouped(history: &Arc<History>) -> HistoryPage<HistoryEntry> {
        HistoryService::new(history.clone())
            .grouped(
                &CurrentUser::for_tests(ME),
                &HistoryFilter::default(),
                page_two(),
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
        let page = list(&history, PageRequest::new(1, 20).unwrap().into())
            .await
            .unwrap();
        assert_eq!(page.items, [record(1, None)]);
        assert_eq!(history.pages_asked_by(), [ME]);
    }

    #[tokio::test]
    async fn a_cursor_of_the_callers_history_is_passed_on_as_asked() {
        let history = Arc::new(History::default());
        let page = list(&history, after(ME)).await.unwrap();
        assert_eq!(page.request, after(ME));
        assert_eq!(*history.pages_asked.lock().unwrap(), [(ME, after(ME))]);
    }

    #[tokio::test]
    async fn a_cursor_of_another_users_history_is_refused_before_anything_is_read() {
        let history = Arc::new(History {
            records: vec![record(1, None)],
            ..History::default()
        });
        let refused = list(&history, after(SOMEONE_ELSE)).await;
        assert!(matches!(refused, Err(ReadHistoryError::ForeignCursor)));
        let refused = HistoryService::new(history.clone())
            .grouped(
                &CurrentUser::for_tests(ME),
                &HistoryFilter::default(),
                after(SOMEONE_ELSE),
            )
            .await;
        assert!(matches!(refused, Err(ReadHistoryError::ForeignCursor)));
        assert!(history.pages_asked.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn when_more_follow_the_next_cursor_is_the_callers_after_the_last_record() {
        let history = Arc::new(History {
            records: vec![record(1, None), record(2, None)],
            more: true,
            ..History::default()
        });
        for request in [page_two(), after(ME)] {
            let page = list(&history, request).await.unwrap();
            assert_eq!(page.next, Some(HistoryCursor::after(ME, &record(2, None))));
            assert!(page.has_next());
            assert_eq!(page.total, 42);
        }
    }

    #[tokio::test]
    async fn the_last_page_and_an_empty_one_have_no_next_cursor() {
        let last = Arc::new(History {
            records: vec![record(1, None)],
            ..History::default()
        });
        assert_eq!(list(&last, after(ME)).await.unwrap().next, None);
        // A store saying "more" with no records has no record to start after.
        let empty = Arc::new(History {
            more: true,
            ..History::default()
        });
        let page = list(&empty, page_two()).await.unwrap();
        assert_eq!((page.next, page.has_next()), (None, false));
    }

    #[tokio::test]
    async fn grouped_entries_carry_their_stream_when_it_still_exists() {
        let history = Arc::new(History {
            records: vec![record(1, Some(7)), record(2, None), record(3, Some(8))],
            streams: vec![summary(7)],
            ..History::default()
        });
        let page = grouped(&history).await;
        assert_eq!((page.request.page(), page.total), (Some(2), 42));
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
        assert_eq!(history.pages_asked_by(), [ME]);
    }

    #[tokio::test]
    async fn a_grouped_pages_next_cursor_is_after_its_last_flat_record() {
        // Record 3 is the page's last but sits in the first entry, stream 7's.
        let history = Arc::new(History {
            records: vec![record(1, Some(7)), record(2, None), record(3, Some(7))],
            more: true,
            ..History::default()
        });
        let page = grouped(&history).await;
        assert_eq!(page.items.len(), 2);
        assert_eq!(
            page.next,
            Some(HistoryCursor::after(ME, &record(3, Some(7))))
        );
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
