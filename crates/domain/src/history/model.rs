//! The history area's model: a [`CreditTransaction`] and its [`TransactionType`], the
//! live stream it may belong to, which records to show ([`HistoryFilter`], with the rule
//! that turns whole days in the viewer's zone into a UTC range), and the grouped entries.

use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::ids::{StreamId, TransactionId};

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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, offset};

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
