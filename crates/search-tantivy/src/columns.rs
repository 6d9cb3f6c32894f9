//! [`SegmentColumns`]: what a search reads of a segment besides its postings.

use std::cmp::Reverse;

use allmine_domain::UserId;
use tantivy::columnar::Column;
use tantivy::{DocId, SegmentReader};

use crate::schema::{CONTENT, FOLLOWERS, ID_HEAD, ID_TAIL, join_id};

/// The fast-field columns of one segment and its documents in follower order, prepared
/// once per segment (segments never change; deletions are tracked apart): opening a
/// column decodes its block headers, which would cost more than a whole search.
pub(crate) struct SegmentColumns {
    followers: Column<u64>,
    id_head: Column<u64>,
    id_tail: Column<u64>,
    content: Column<u64>,
    /// Every document (deleted ones too), most followers first, then in index order:
    /// the best users of a large set are the first of its members met along it.
    by_followers: Vec<DocId>,
}

impl SegmentColumns {
    /// Opens the columns of `segment` and sorts its documents by followers.
    pub(crate) fn open(segment: &SegmentReader) -> tantivy::Result<Self> {
        let fast = segment.fast_fields();
        let followers = fast.u64(FOLLOWERS)?;
        let counts: Vec<u64> = (0..segment.max_doc())
            .map(|doc| followers.first(doc).unwrap_or(0))
            .collect();
        let mut by_followers: Vec<DocId> = (0..segment.max_doc()).collect();
        by_followers.sort_unstable_by_key(|&doc| (Reverse(counts[doc as usize]), doc));
        Ok(Self {
            followers,
            id_head: fast.u64(ID_HEAD)?,
            id_tail: fast.u64(ID_TAIL)?,
            content: fast.u64(CONTENT)?,
            by_followers,
        })
    }

    /// The follower count indexed with `doc`.
    pub(crate) fn followers(&self, doc: DocId) -> u64 {
        self.followers.first(doc).unwrap_or(0)
    }

    /// The id of the user indexed as `doc`; `None` if the columns do not hold one.
    pub(crate) fn id(&self, doc: DocId) -> Option<UserId> {
        let head = self.id_head.first(doc)?;
        let tail = self.id_tail.first(doc)?;
        join_id(head, tail)
    }

    /// The content hash indexed with `doc` ([`content_hash`](crate::schema::content_hash)).
    pub(crate) fn content(&self, doc: DocId) -> Option<u64> {
        self.content.first(doc)
    }

    /// Every document of the segment, most followers first, then in index order.
    pub(crate) fn by_followers(&self) -> &[DocId] {
        &self.by_followers
    }
}
