//! Every port of the history area: reading a user's credit records and the live streams
//! they belong to. The PostgreSQL adapter implements it.

use async_trait::async_trait;

use super::model::{CreditTransaction, HistoryFilter, StreamSummary};
use crate::error::RepositoryError;
use crate::ids::{StreamId, UserId};
use crate::paging::{Page, PageRequest};

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
