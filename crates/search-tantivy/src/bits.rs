//! [`DocBits`]: a set of the documents of one segment, one bit each.

use std::cell::RefCell;

use tantivy::DocId;

/// A set of document ids below a segment's `max_doc`, one bit per document.
///
/// Matching works on whole sets: the documents of each tier are sets, combined with
/// union and intersection, made disjoint by [`keep_first`], and counted with a popcount. None of that visits
/// documents one at a time, so a two-letter prefix matching tens of thousands of users
/// costs a few passes over `max_doc / 64` words.
///
/// The word vectors are recycled through a small per-thread pool: a set of a million
/// documents is 122 KiB, and a fresh allocation that size comes from the kernel page by
/// page (a fault each) on every search.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DocBits {
    words: Vec<u64>,
}

/// How many words [`DocBits::iter`] checks for emptiness at once.
const SKIP: usize = 8;

/// At most this many word vectors wait for reuse in each thread.
const POOLED: usize = 16;

thread_local! {
    static POOL: RefCell<Vec<Vec<u64>>> = const { RefCell::new(Vec::new()) };
}

impl DocBits {
    /// The empty set for a segment of `max_doc` documents.
    pub(crate) fn empty(max_doc: DocId) -> Self {
        let len = (max_doc as usize).div_ceil(64);
        let mut words = POOL
            .try_with(|pool| pool.borrow_mut().pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        words.clear();
        words.resize(len, 0);
        Self { words }
    }

    /// Adds `doc` (one beyond the set's last word is ignored: it is not a document).
    pub(crate) fn insert(&mut self, doc: DocId) {
        if let Some(word) = self.words.get_mut(doc as usize / 64) {
            *word |= 1 << (doc % 64);
        }
    }

    /// Removes `doc`.
    pub(crate) fn remove(&mut self, doc: DocId) {
        if let Some(word) = self.words.get_mut(doc as usize / 64) {
            *word &= !(1 << (doc % 64));
        }
    }

    /// Whether `doc` is in the set.
    pub(crate) fn contains(&self, doc: DocId) -> bool {
        self.words
            .get(doc as usize / 64)
            .is_some_and(|word| word & (1 << (doc % 64)) != 0)
    }

    /// Keeps only the documents also in `other`.
    pub(crate) fn intersect_with(&mut self, other: &DocBits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word &= other;
        }
    }

    /// Adds the documents of `other`.
    pub(crate) fn union_with(&mut self, other: &DocBits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word |= other;
        }
    }

    /// How many documents are in the set.
    pub(crate) fn count(&self) -> u64 {
        self.words
            .iter()
            .map(|word| u64::from(word.count_ones()))
            .sum()
    }

    /// Whether the set is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// The documents, in increasing order.
    ///
    /// Words are skipped eight at a time while they are all empty: a small set of a
    /// large segment is mostly empty words, and passing them one by one was most of
    /// the cost of listing it.
    pub(crate) fn iter(&self) -> impl Iterator<Item = DocId> + '_ {
        self.words
            .chunks(SKIP)
            .enumerate()
            .filter(|(_, chunk)| chunk.iter().fold(0, |any, &word| any | word) != 0)
            .flat_map(|(index, chunk)| {
                chunk.iter().enumerate().flat_map(move |(offset, &word)| {
                    let base = ((index * SKIP + offset) * 64) as DocId;
                    Ones(word).map(move |bit| base + bit)
                })
            })
    }
}

/// How many words of each set [`keep_first`] handles at a time: a chunk of the documents
/// already taken stays in the first-level cache while every set goes past it, and a set
/// with no document in the chunk is passed over after one look.
const CHUNK: usize = 64;

/// Leaves every document only in the first of `sets` that holds it, and returns how many
/// documents each then holds (an absent set holds none).
///
/// The tiers of a search, best first, are made disjoint and counted this way: each set is
/// read, and written where it holds documents, once, chunk by chunk, where a difference,
/// a union and a count per set would each pass over the whole segment (for a cheap
/// search, most of its cost). This is also the only difference of sets matching needs.
pub(crate) fn keep_first<const N: usize>(sets: &mut [Option<DocBits>; N]) -> [u64; N] {
    let mut counts = [0; N];
    let len = sets.iter().flatten().map(|set| set.words.len()).max();
    let mut taken = [0u64; CHUNK];
    for start in (0..len.unwrap_or(0)).step_by(CHUNK) {
        taken.fill(0);
        for (set, count) in sets.iter_mut().zip(&mut counts) {
            let Some(words) = set.as_mut().and_then(|set| {
                let end = set.words.len().min(start + CHUNK);
                set.words.get_mut(start..end)
            }) else {
                continue;
            };
            // Most sets are sparse: most of their chunks are empty.
            if words.iter().fold(0, |any, &word| any | word) == 0 {
                continue;
            }
            for (word, taken) in words.iter_mut().zip(&mut taken) {
                *word &= !*taken;
                *taken |= *word;
                *count += u64::from(word.count_ones());
            }
        }
    }
    counts
}

impl Clone for DocBits {
    fn clone(&self) -> Self {
        let mut copy = Self::empty(0);
        copy.words.extend_from_slice(&self.words);
        copy
    }
}

impl Drop for DocBits {
    fn drop(&mut self) {
        let words = std::mem::take(&mut self.words);
        // During thread teardown the pool may be gone: the vector is simply freed.
        let _ = POOL.try_with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < POOLED {
                pool.push(words);
            }
        });
    }
}

/// The positions of the set bits of a word, lowest first.
struct Ones(u64);

impl Iterator for Ones {
    type Item = DocId;

    fn next(&mut self) -> Option<DocId> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(max_doc: DocId, docs: &[DocId]) -> DocBits {
        let mut bits = DocBits::empty(max_doc);
        docs.iter().for_each(|&doc| bits.insert(doc));
        bits
    }

    #[test]
    fn a_set_iterates_its_documents_in_order_and_counts_them() {
        let bits = set(200, &[199, 0, 64, 63, 130]);
        assert_eq!(bits.iter().collect::<Vec<_>>(), [0, 63, 64, 130, 199]);
        assert_eq!(bits.count(), 5);
        assert!(bits.contains(130) && !bits.contains(131));
    }

    #[test]
    fn a_sparse_set_iterates_across_runs_of_empty_words() {
        // Docs at the edges of the eight-word runs iteration skips, and far apart.
        let docs = [0, 511, 512, 1023, 5000, 99_999];
        assert_eq!(set(100_000, &docs).iter().collect::<Vec<_>>(), docs);
        assert_eq!(set(100_000, &[]).iter().count(), 0);
    }

    #[test]
    fn union_and_intersection_combine_sets() {
        let a = set(100, &[1, 2, 3, 70]);
        let b = set(100, &[2, 3, 4, 99]);
        let mut union = a.clone();
        union.union_with(&b);
        assert_eq!(union.iter().collect::<Vec<_>>(), [1, 2, 3, 4, 70, 99]);
        let mut both = a;
        both.intersect_with(&b);
        assert_eq!(both.iter().collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn keep_first_leaves_each_document_in_the_first_set_holding_it_and_counts_them() {
        // Over several chunks of words, some of them empty in some sets.
        let max_doc = 10_000;
        let last = max_doc - 1;
        let mut sets = [
            Some(set(max_doc, &[5, last])),
            None,
            Some(set(max_doc, &[5, 6, 4100, last])),
            Some(set(max_doc, &[6, 7, 4100, 8000])),
        ];
        assert_eq!(keep_first(&mut sets), [2, 0, 2, 2]);
        let docs = |set: &Option<DocBits>| set.as_ref().map(|s| s.iter().collect::<Vec<_>>());
        assert_eq!(docs(&sets[0]), Some(vec![5, last]));
        assert_eq!(docs(&sets[1]), None);
        assert_eq!(docs(&sets[2]), Some(vec![6, 4100]));
        assert_eq!(docs(&sets[3]), Some(vec![7, 8000]));
        assert_eq!(keep_first::<0>(&mut []), [0u64; 0]);
    }

    #[test]
    fn removing_and_out_of_range_documents_are_harmless() {
        let mut bits = set(10, &[3, 5]);
        bits.insert(64);
        bits.remove(3);
        bits.remove(1000);
        assert_eq!(bits.iter().collect::<Vec<_>>(), [5]);
        assert!(!DocBits::empty(0).iter().any(|_| true));
        assert!(DocBits::empty(10).is_empty());
    }
}
