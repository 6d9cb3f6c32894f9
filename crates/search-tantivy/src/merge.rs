//! [`FewSegments`]: the merge policy of an index that takes live changes.

use tantivy::SegmentMeta;
use tantivy::indexer::{MergeCandidate, MergePolicy};

/// Keeps a living index in few segments: its largest one plus at most one more.
///
/// A search walks the term dictionaries of every segment, so it pays per segment. A
/// rebuilt index is one segment; every live commit (a batch of the change feed, up to
/// ten a second) adds a small one. Tantivy's default policy lets small segments pile
/// up (it merges eight of a size at a time), which made searches on an index aged by
/// live follows up to 1.4 times slower than on a fresh one. This policy instead merges
/// every segment but the largest into one as soon as there are two of them: the extra
/// segment grows with the changes since the rebuild, and merging it again costs little
/// next to a search that walks several. When the extra segment has grown past a share
/// of the largest, or the largest holds too many deleted documents (each live change
/// deletes the document it replaces), everything is merged into one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FewSegments {
    /// The extra segment's size, as a share of the largest's, at which both are merged.
    pub(crate) grown_share: f64,
    /// The share of deleted documents in the largest segment at which it is merged.
    pub(crate) deleted_share: f64,
}

impl Default for FewSegments {
    fn default() -> Self {
        Self {
            grown_share: 0.05,
            deleted_share: 0.05,
        }
    }
}

impl MergePolicy for FewSegments {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        // Segments being merged are not offered: this sees only the idle ones.
        let Some(largest) = segments.iter().max_by_key(|segment| segment.max_doc()) else {
            return Vec::new();
        };
        let rest: Vec<&SegmentMeta> = segments
            .iter()
            .filter(|segment| segment.id() != largest.id())
            .collect();
        let rest_docs: u64 = rest
            .iter()
            .map(|segment| u64::from(segment.num_docs()))
            .sum();
        let largest_docs = f64::from(largest.max_doc().max(1));
        let deleted = f64::from(largest.num_deleted_docs()) / largest_docs;
        #[allow(clippy::cast_precision_loss)] // a share: precision does not matter
        let grown = rest_docs as f64 / largest_docs;
        if !rest.is_empty() && (grown >= self.grown_share || deleted >= self.deleted_share) {
            return vec![MergeCandidate(
                segments.iter().map(SegmentMeta::id).collect(),
            )];
        }
        if rest.len() >= 2 {
            return vec![MergeCandidate(
                rest.iter().map(|segment| segment.id()).collect(),
            )];
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::Index;
    use tantivy::index::SegmentId;

    use super::*;
    use crate::schema::Fields;

    fn metas(sizes: &[(u32, u32)]) -> Vec<SegmentMeta> {
        let index = Index::create_in_ram(Fields::schema().0);
        sizes
            .iter()
            .map(|&(docs, deleted)| {
                let meta = index.new_segment_meta(SegmentId::generate_random(), docs);
                if deleted == 0 {
                    meta
                } else {
                    meta.with_delete_meta(deleted, 1)
                }
            })
            .collect()
    }

    fn merged(segments: &[SegmentMeta]) -> Vec<Vec<u32>> {
        FewSegments::default()
            .compute_merge_candidates(segments)
            .into_iter()
            .map(|candidate| {
                let mut sizes: Vec<u32> = candidate
                    .0
                    .iter()
                    .filter_map(|id| segments.iter().find(|meta| meta.id() == *id))
                    .map(SegmentMeta::max_doc)
                    .collect();
                sizes.sort_unstable();
                sizes
            })
            .collect()
    }

    #[test]
    fn one_segment_or_a_large_one_with_one_small_one_is_left_alone() {
        assert!(merged(&metas(&[(1_000_000, 0)])).is_empty());
        assert!(merged(&metas(&[(1_000_000, 500), (400, 0)])).is_empty());
        assert!(merged(&[]).is_empty());
    }

    #[test]
    fn every_segment_but_the_largest_is_merged_as_soon_as_there_are_two() {
        assert_eq!(
            merged(&metas(&[(1_000_000, 900), (20_000, 0), (300, 0), (250, 0)])),
            [vec![250, 300, 20_000]]
        );
    }

    #[test]
    fn a_grown_extra_segment_is_merged_with_the_largest() {
        assert_eq!(
            merged(&metas(&[(1_000_000, 0), (100_000, 0)])),
            [vec![100_000, 1_000_000]]
        );
    }

    #[test]
    fn a_largest_segment_with_many_deletes_is_merged_with_the_rest() {
        assert_eq!(
            merged(&metas(&[(1_000_000, 100_000), (5_000, 0)])),
            [vec![5_000, 1_000_000]]
        );
    }
}
