//! Which page of history to read ([`HistoryPageRequest`]: by number, or after a
//! [`HistoryCursor`]) and what a page answers ([`HistoryPage`]: its items, the exact
//! total, and the cursor where the next page starts).

use super::cursor::HistoryCursor;
use crate::paging::{PageError, PageRequest};

/// Which page of history to read: a page number (offset paging, as [`PageRequest`]
/// validates it) or the records right after a cursor's position (keyset paging). Being
/// one or the other, a request cannot name both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryPageRequest {
    /// Page `n` of `limit` records.
    Numbered(PageRequest),
    /// `limit` records right after a cursor's position.
    After(AfterCursor),
}

/// The `limit` records right after `cursor`'s position (1 to
/// [`MAX_LIMIT`](crate::paging::MAX_LIMIT), as a [`PageRequest`]'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterCursor {
    cursor: HistoryCursor,
    limit: u32,
}

impl AfterCursor {
    /// A valid request for the `limit` records after `cursor`.
    ///
    /// ```
    /// use allmine_domain::history::{AfterCursor, HistoryCursor};
    /// use allmine_domain::paging::PageError;
    /// use allmine_domain::{TransactionId, UserId};
    /// use time::macros::datetime;
    ///
    /// let cursor = HistoryCursor::new(UserId::from_bytes([1; 12]), datetime!(2026-05-22 12:00 UTC), TransactionId::from_bytes([2; 12]));
    /// assert_eq!(AfterCursor::new(cursor, 20).unwrap().limit(), 20);
    /// assert_eq!(AfterCursor::new(cursor, 0), Err(PageError::Limit));
    /// assert_eq!(AfterCursor::new(cursor, 101), Err(PageError::Limit));
    /// ```
    pub fn new(cursor: HistoryCursor, limit: u32) -> Result<Self, PageError> {
        let limit = PageRequest::new(1, limit)?.limit();
        Ok(Self { cursor, limit })
    }

    /// The position the page starts after.
    pub fn cursor(&self) -> &HistoryCursor {
        &self.cursor
    }

    /// The page size.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

impl HistoryPageRequest {
    /// The page size.
    pub fn limit(&self) -> u32 {
        match self {
            Self::Numbered(page) => page.limit(),
            Self::After(after) => after.limit(),
        }
    }

    /// The page number, when the page was asked for by number.
    pub fn page(&self) -> Option<u32> {
        match self {
            Self::Numbered(page) => Some(page.page()),
            Self::After(_) => None,
        }
    }

    /// The cursor, when the page was asked for after one.
    pub fn cursor(&self) -> Option<&HistoryCursor> {
        match self {
            Self::Numbered(_) => None,
            Self::After(after) => Some(after.cursor()),
        }
    }
}

impl From<PageRequest> for HistoryPageRequest {
    fn from(page: PageRequest) -> Self {
        Self::Numbered(page)
    }
}

impl From<AfterCursor> for HistoryPageRequest {
    fn from(after: AfterCursor) -> Self {
        Self::After(after)
    }
}

/// One page of history: its items in the order asked, what was asked, the exact total,
/// and the cursor right after the page's last record when a later record exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// What was asked.
    pub request: HistoryPageRequest,
    /// All matching records.
    pub total: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<HistoryCursor>,
}

impl<T> HistoryPage<T> {
    /// How many pages of this size there are (0 when there are no records).
    pub fn total_pages(&self) -> u64 {
        self.total.div_ceil(u64::from(self.request.limit()))
    }

    /// Whether a later record exists: the same as a next cursor being given.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::ids::{TransactionId, UserId};

    fn cursor() -> HistoryCursor {
        HistoryCursor::new(
            UserId::from_bytes([1; 12]),
            datetime!(2026-05-22 12:00 UTC),
            TransactionId::from_bytes([2; 12]),
        )
    }

    fn page(request: HistoryPageRequest, total: u64, next: bool) -> HistoryPage<()> {
        HistoryPage {
            items: vec![],
            request,
            total,
            next: next.then(cursor),
        }
    }

    #[test]
    fn a_numbered_request_has_its_page_and_no_cursor() {
        let request = HistoryPageRequest::from(PageRequest::new(3, 20).unwrap());
        assert_eq!(
            (request.page(), request.limit(), request.cursor()),
            (Some(3), 20, None)
        );
    }

    #[test]
    fn a_request_after_a_cursor_has_its_cursor_and_no_page_number() {
        let request = HistoryPageRequest::from(AfterCursor::new(cursor(), 7).unwrap());
        assert_eq!(
            (request.page(), request.limit(), request.cursor()),
            (None, 7, Some(&cursor()))
        );
    }

    #[test]
    fn a_limit_after_a_cursor_obeys_the_page_rule() {
        assert!(AfterCursor::new(cursor(), 1).is_ok());
        assert!(AfterCursor::new(cursor(), 100).is_ok());
        assert_eq!(AfterCursor::new(cursor(), 0), Err(PageError::Limit));
        assert_eq!(AfterCursor::new(cursor(), 101), Err(PageError::Limit));
    }

    #[test]
    fn page_counts_round_up_and_a_next_page_is_a_next_cursor() {
        let numbered = HistoryPageRequest::from(PageRequest::new(1, 20).unwrap());
        let after = HistoryPageRequest::from(AfterCursor::new(cursor(), 20).unwrap());
        assert_eq!(page(numbered, 0, false).total_pages(), 0);
        assert_eq!(page(numbered, 41, true).total_pages(), 3);
        assert_eq!(page(after, 40, false).total_pages(), 2);
        assert!(page(after, 41, true).has_next());
        assert!(!page(numbered, 41, false).has_next());
    }
}
