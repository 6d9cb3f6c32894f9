//! The rule that groups a page of history by live stream ([`group_by_stream`]).

use std::collections::HashMap;

use super::model::{CreditTransaction, HistoryEntry};
use crate::ids::StreamId;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TransactionType;
    use crate::ids::TransactionId;
    use time::Duration;
    use time::macros::datetime;

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
}
