//! Search: finding users by what people type (username, name or surname; case and
//! accents ignored), and keeping the search index in step with the store of record.
//!
//! The engine itself is an adapter; this area says what it must do. Uses the profiles
//! area (the caller, the follow state and photo a result shows) and the shared leaves;
//! nothing uses it.
//!
//! Files: `model.rs` (what is indexed, a query, a result), `folding.rs` (the text
//! normalisation rule, [`fold_for_search`]), `ports.rs` (every port of the area),
//! `service.rs` (the search use case, [`SearchService`]) and `sync.rs` (the index sync use
//! case, [`SearchSync`]).

mod folding;
mod model;
mod ports;
mod service;
mod sync;

pub use folding::fold_for_search;
pub use model::{
    IndexChange, IndexedUser, LiveNow, MAX_QUERY_CHARS, MAX_SEARCH_LIMIT, QueryTooLong,
    SearchCandidate, SearchHits, SearchResult, SearchText,
};
pub use ports::{
    FeedRead, SearchDirectory, SearchError, SearchFeed, SearchIndexWriter, UserSearch,
};
pub use service::{SearchService, SearchUsersError};
pub use sync::{SYNC_BATCH, SearchSync, SyncError};
