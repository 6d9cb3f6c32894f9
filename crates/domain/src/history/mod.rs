//! History: the signed-in user's credit records, filtered by type, days and live stream,
//! paged by number or by cursor, and optionally grouped by live stream.
//!
//! Uses the profiles area (the caller, [`CurrentUser`](crate::profiles::CurrentUser)) and
//! the shared leaves (ids, paging, the repository error); nothing uses it.
//!
//! Files: `model.rs` (records, types, the filter and its day rule), `cursor.rs` (a
//! position in a user's history and its opaque text, [`HistoryCursor`]), `pages.rs`
//! (which page to read, by number or after a cursor, and what a page answers),
//! `grouping.rs` (the grouping rule, [`group_by_stream`]), `ports.rs` (every port of the
//! area) and `service.rs` (the use cases, [`HistoryService`]).

mod cursor;
mod grouping;
mod model;
mod pages;
mod ports;
mod service;

pub use cursor::{CursorError, HistoryCursor};
pub use grouping::group_by_stream;
pub use model::{
    CreditTransaction, HistoryEntry, HistoryFilter, StartAfterEnd, StreamSummary, TransactionType,
};
pub use pages::{AfterCursor, HistoryPage, HistoryPageRequest};
pub use ports::{HistoryRecords, TransactionHistory};
pub use service::{HistoryService, ReadHistoryError};
