//! The signed-in user's credit history: filters, paging, and grouping by live
//! stream.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::paging::{Page, PageRequest};
use crate::ports::RepositoryError;
use crate::profiles::CurrentUser;
use crate::{StreamId, TransactionId, UserId};

/// What a credit movement was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionType {
    /// Credits bought (positive).
    Purchase,
    /// A gift sent to someone (negative).
    GiftSent,
    /// A gift received (positive).
    GiftReceived,
    /// Earned by hosting a live stream (positive).
    StreamEarning,
    /// Spent in someone's live stream (negative).
    StreamSpend,
    /// Credits given back (positive).
    Refund,
    /// Credits paid out (negative).
    Withdrawal,
    /// A manual correction by support (either sign).
    Adjustment,
}

impl TransactionType {
    /// Every type, in the API's order.
    pub const ALL: [Self; 8] = [
        Self::Purchase,
        Self::GiftSent,
        Self::GiftReceived,
        Self::StreamEarning,
        Self::StreamSpend,
        Self::Refund,
        Self::Withdrawal,
        Self::Adjustment,
    ];

    /// The type's name in the API and in storage.
    ///
    /// ```
    /// use allmine_domain::history::TransactionType;
    /// assert_eq!(TransactionType::GiftSent.as_str(), "gift_sent");
    /// assert_eq!(TransactionType::parse("stream_earning"), Some(TransactionType::StreamEarning));
    /// assert_eq!(TransactionType::parse("GIFT_SENT"), None);
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Purchase => "purchase",
            Self::GiftSent => "gift_sent",
            Self::GiftReceived => "gift_received",
            Self::StreamEarning => "stream_earning",
            Self::StreamSpend => "stream_spend",
            Self::Refund => "refund",
            Self::Withdrawal => "withdrawal",
            Self::Adjustment => "adjustment",
        }
    }

    /// The type with this exact name, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One credit movement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditTransaction {
    /// Its id.
    pub id: TransactionId,
    /// What it was.
    pub kind: TransactionType,
    /// Signed credits: positive in, negative out.
    pub amount: i64,
    /// The balance right after it.
    pub balance_after: i64,
    /// The live stream it belongs to, if any.
    pub stream_id: Option<StreamId>,
    /// A human-readable line.
    pub description: String,
    /// When it happened.
    pub created_at: OffsetDateTime,
}

/// A live stream, as the grouped history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSummary {
    /// Its id.
    pub id: StreamId,
    /// Its title.
    pub title: String,
    /// The host's current username.
    pub host_username: String,
    /// When it went on air.
    pub started_at: OffsetDateTime,
    /// When it ended; `None` while on air.
    pub ended_at: Option<OffsetDateTime>,
}

/// The start date is after the end date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("startDate is after endDate")]
pub struct StartAfterEnd;

/// Which records to show. Dates are whole days in the viewer's time zone,
/// both ends included, turned here into the half-open UTC range
/// `[from, until)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only these types; empty means all.
    pub types: Vec<TransactionType>,
    /// Records at or after this instant.
    pub from: Option<OffsetDateTime>,
    /// Records before this instant.
    pub until: Option<OffsetDateTime>,
    /// Only records of this live stream.
    pub stream: Option<StreamId>,
}

impl HistoryFilter {
    /// A filter over whole days `start..=end` in `zone`.
    ///
    /// ```
    /// use allmine_domain::history::HistoryFilter;
    /// use time::macros::{date, datetime, offset};
    ///
    /// let filter = HistoryFilter::for_days(vec![], Some(date!(2026 - 05 - 23)), Some(date!(2026 - 05 - 23)), offset!(+3), None).unwrap();
    /// assert_eq!(filter.from, Some(datetime!(2026-05-22 21:00 UTC)));
    /// assert_eq!(filter.until, Some(datetime!(2026-05-23 21:00 UTC)));
    /// ```
    pub fn for_days(
        types: Vec<TransactionType>,
        start: Option<Date>,
        end: Option<Date>,
        zone: UtcOffset,
        stream: Option<StreamId>,
    ) -> Result<Self, StartAfterEnd> {
        if let (Some(start), Some(end)) = (start, end)
            && start > end
        {
            return Err(StartAfterEnd);
        }
        let midnight = |day: Date| day.midnight().assume_offset(zone).to_offset(UtcOffset::UTC);
        Ok(Self {
            types,
            from: start.map(midnight),
            until: end.map(|day| midnight(day) + Duration::days(1)),
            stream,
        })
    }
}

/// An entry of the grouped history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryEntry {
    /// The page's records of one live stream, newest first.
    Stream {
        /// The stream's id.
        stream_id: StreamId,
        /// The stream, when it still exists.
        stream: Option<StreamSummary>,
        /// Sum of the amounts.
        total_amount: i64,
        /// The records, newest first.
        transactions: Vec<CreditTransaction>,
    },
    /// A record that belongs to no live stream.
    Single(CreditTransaction),
}

/// Groups a page of records (newest first): the records that share a stream
/// become one entry, the others stay single; entries keep the order of each
/// one's newest record.
///
/// ```
/// # use allmine_domain::history::*;
/// # use allmine_domain::{StreamId, TransactionId};
/// # use time::macros::datetime;
/// # let tx = |n: u8, stream: Option<u8>| CreditTransaction { id: TransactionId::from_bytes([n; 12]),
/// #     kind: TransactionType::StreamSpend, amount: -1, balance_after: 0,
/// #     stream_id: stream.map(|s| StreamId::from_bytes([s; 12])), description: String::new(),
/// #     created_at: datetime!(2026-01-01 0:00 UTC) };
/// // Newest first: stream 7, a purchase, stream 7 again, stream 8.
/// let page = vec![tx(1, Some(7)), tx(2, None), tx(3, Some(7)), tx(4, Some(8))];
/// let grouped = group_by_stream(page);
/// assert_eq!(grouped.len(), 3);
/// assert!(matches!(&grouped[0], HistoryEntry::Stream { transactions, .. } if transactions.len() == 2));
/// assert!(matches!(&grouped[1], HistoryEntry::Single(_)));
/// ```
pub fn group_by_stream(page: Vec<CreditTransaction>) -> Vec<HistoryEntry> {
    let mut entries: Vec<HistoryEntry> = Vec::with_capacity(page.len());
    let mut slot_of_stream: HashMap<StreamId, usize> = HashMap::new();
    for record in page {
        match record.stream_id {
            None => entries.push(HistoryEntry::Single(record)),
            Some(stream_id) => match slot_of_stream.get(&stream_id) {
                Some(&slot) => {
                    if let HistoryEntry::Stream {
                        total_amount,
                        transactions,
                        ..
                    } = &mut entries[slot]
                    {
                        *total_amount = total_amount.saturating_add(record.amount);
                        transactions.push(record);
                    }
                }
                None => {
                    slot_of_stream.insert(stream_id, entries.len());
                    entries.push(HistoryEntry::Stream {
                        stream_id,
                        stream: None,
                        total_amount: record.amount,
                        transactions: vec![record],
                    });
                }
            },
        }
    }
    entries
}

/// Reads credit history.
#[async_trait]
pub trait TransactionHistory: Send + Sync {
    /// The `user`'s records matching `filter`, newest first (ties by id,
    /// descending), the page asked, and the total.
    async fn page(
        &self,
        user: &UserId,
        filter: &HistoryFilter,
        page: PageRequest,
    ) -> Result<Page<CreditTransaction>, RepositoryError>;

    /// The live streams with these ids (missing ones are left out).
    async fn streams(&self, ids: &[StreamId]) -> Result<Vec<StreamSummary>, RepositoryError>;
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
    use super::*;
    use time::macros::{date, datetime, offset};

    fn tx(n: u8, stream: Option<u8>, amount: i64) -> CreditTransaction {
        CreditTransaction {
            id: TransactionId::from_bytes([n; 12]),
            kind: TransactionType::StreamSpend,
            amount,
            balance_after: 0,
            stream_id: stream.map(|s| StreamId::from_bytes([s; 12])),
            description: String::new(),
            created_at: datetime!(2026-01-01 0:00 UTC) - Duration::minutes(i64::from(n)),
        }
    }

    #[test]
    fn records_of_one_stream_become_one_entry_in_the_order_of_its_newest_record() {
        let page = vec![
            tx(1, Some(7), -5),
            tx(2, None, 100),
            tx(3, Some(8), -1),
            tx(4, Some(7), -10),
        ];
        let grouped = group_by_stream(page);
        let shape: Vec<String> = grouped
            .iter()
            .map(|entry| match entry {
                HistoryEntry::Stream {
                    stream_id,
                    total_amount,
                    transactions,
                    ..
                } => {
                    format!(
                        "stream {} total {total_amount} count {}",
                        stream_id.as_bytes()[0],
                        transactions.len()
                    )
                }
                HistoryEntry::Single(record) => format!("single {}", record.id.as_bytes()[0]),
            })
            .collect();
        assert_eq!(
            shape,
            [
                "stream 7 total -15 count 2",
                "single 2",
                "stream 8 total -1 count 1"
            ]
        );
    }

    #[test]
    fn records_inside_a_group_stay_newest_first() {
        let grouped = group_by_stream(vec![
            tx(1, Some(7), -1),
            tx(2, Some(7), -2),
            tx(3, Some(7), -3),
        ]);
        let HistoryEntry::Stream { transactions, .. } = &grouped[0] else {
            panic!("not a stream")
        };
        let ids: Vec<u8> = transactions.iter().map(|t| t.id.as_bytes()[0]).collect();
        assert_eq!(ids, [1, 2, 3]);
    }

    #[test]
    fn a_page_without_streams_stays_as_it_is() {
        let grouped = group_by_stream(vec![tx(1, None, 1), tx(2, None, 2)]);
        assert!(grouped.iter().all(|e| matches!(e, HistoryEntry::Single(_))));
        assert!(group_by_stream(Vec::new()).is_empty());
    }

    #[test]
    fn grouping_only_sees_the_page_so_a_stream_split_by_a_page_edge_appears_on_both_pages() {
        // Page 1 ends with a record of stream 7; page 2 starts with another.
        let page_one = group_by_stream(vec![tx(1, None, 1), tx(2, Some(7), -1)]);
        let page_two = group_by_stream(vec![tx(3, Some(7), -2), tx(4, None, 3)]);
        assert!(matches!(
            &page_one[1],
            HistoryEntry::Stream {
                total_amount: -1,
                ..
            }
        ));
        assert!(matches!(
            &page_two[0],
            HistoryEntry::Stream {
                total_amount: -2,
                ..
            }
        ));
    }

    #[test]
    fn days_are_whole_days_in_the_viewers_zone_both_ends_included() {
        let filter = HistoryFilter::for_days(
            vec![],
            Some(date!(2026 - 05 - 23)),
            Some(date!(2026 - 05 - 24)),
            offset!(+3),
            None,
        )
        .unwrap();
        // 23:30 UTC on the 22nd is 02:30 on the 23rd in UTC+03:00: inside.
        let record = datetime!(2026-05-22 23:30 UTC);
        assert!(filter.from.unwrap() <= record && record < filter.until.unwrap());
        assert_eq!(filter.until, Some(datetime!(2026-05-24 21:00 UTC)));
        assert_eq!(
            HistoryFilter::for_days(
                vec![],
                Some(date!(2026 - 05 - 24)),
                Some(date!(2026 - 05 - 23)),
                offset!(UTC),
                None
            ),
            Err(StartAfterEnd)
        );
    }
}
