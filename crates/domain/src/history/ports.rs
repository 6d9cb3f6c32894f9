//! Every port of the history area: reading a user's credit records and the live streams
//! they belong to. The PostgreSQL adapter implements it.

use async_trait::async_trait;

use super::model::{CreditTransaction, HistoryFilter, StreamSummary};
use super::pages::HistoryPageRequest;
use crate::error::RepositoryError;
use crate::ids::{StreamId, UserId};

/// What the store found for one page of history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecords {
    /// At most the page's `limit` records, newest first (ties by id, descending).
    pub records: Vec<CreditTransaction>,
    /// Whether a matching record follows the last of `records`.
    pub more: bool,
    /// All the user's records matching the filter, exactly.
    pub total: u64,
}

/// Reads credit history.
#[async_trait]
pub trait TransactionHistory: Send + Sync {
    /// The `user`'s records matching `filter`, newest first (ties by id,
    /// descending): the page asked for by number, or the records right after
    /// the cursor's position (`created_at`, then id, both descending); whether
    /// more follow; and the total. The cursor's owner is not looked at: the
    /// use case checks it.
    async fn page(
        &self,
        user: &UserId,
        filter: &HistoryFilter,
        page: HistoryPageRequest,
    ) -> Result<HistoryRecords, RepositoryError>;

    /// The live streams with these ids (missing ones are left out).
    async fn streams(&self, ids: &[StreamId]) -> Result<Vec<StreamSummary>, RepositoryError>;
}
