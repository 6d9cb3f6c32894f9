//! Pages of results: which page a caller asks for ([`PageRequest`]), and what it gets back
//! ([`Page`]). A shared leaf: search pages its results with both; history asks by
//! [`PageRequest`] too, or after a cursor, and answers its own page (with the next
//! cursor); it uses no area.

/// Most items on one page, for any endpoint (some allow fewer).
pub const MAX_LIMIT: u32 = 100;

/// A page number (from 1) and size (1 to [`MAX_LIMIT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    limit: u32,
}

/// Why a page request is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// `page` is below 1.
    #[error("page starts at 1")]
    Page,
    /// `limit` is outside 1 to 100.
    #[error("limit is from 1 to {MAX_LIMIT}")]
    Limit,
}

impl PageRequest {
    /// A valid page request.
    ///
    /// ```
    /// use allmine_domain::paging::{PageRequest, PageError};
    /// assert_eq!(PageRequest::new(500, 20).unwrap().offset(), 9_980);
    /// assert_eq!(PageRequest::new(0, 20), Err(PageError::Page));
    /// assert_eq!(PageRequest::new(1, 101), Err(PageError::Limit));
    /// ```
    pub fn new(page: u32, limit: u32) -> Result<Self, PageError> {
        if page < 1 {
            return Err(PageError::Page);
        }
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(PageError::Limit);
        }
        Ok(Self { page, limit })
    }

    /// The page number.
    pub fn page(self) -> u32 {
        self.page
    }

    /// The page size.
    pub fn limit(self) -> u32 {
        self.limit
    }

    /// How many records come before this page.
    pub fn offset(self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.limit)
    }
}

/// One page of items, in the order asked, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// What was asked.
    pub request: PageRequest,
    /// All matching items.
    pub total: u64,
}

impl<T> Page<T> {
    /// How many pages there are (0 when there are no records).
    pub fn total_pages(&self) -> u64 {
        self.total.div_ceil(u64::from(self.request.limit()))
    }

    /// Whether a later page has records.
    pub fn has_next(&self) -> bool {
        u64::from(self.request.page()) < self.total_pages()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_counts_round_up_and_know_when_more_follow() {
        let page = |n, total| Page::<()> {
            items: vec![],
            request: PageRequest::new(n, 20).unwrap(),
            total,
        };
        assert_eq!(page(1, 0).total_pages(), 0);
        assert!(!page(1, 0).has_next());
        assert_eq!(page(1, 41).total_pages(), 3);
        assert!(page(2, 41).has_next());
        assert!(!page(3, 41).has_next());
    }
}
