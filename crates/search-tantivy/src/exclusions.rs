//! [`KeptExclusions`]: long exclusion lists' documents, kept between searches.

use std::collections::HashMap;
use std::sync::Arc;

use allmine_domain::UserId;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher};

use crate::matching::docs_of;
use crate::schema::Fields;

/// Exclusion lists at least this long have their documents kept between searches;
/// shorter ones are found (or checked match by match) on every search, which costs
/// less than comparing the list with a kept one.
pub(crate) const KEPT_FROM: usize = 512;
/// At most this many excluded users are kept, over all lists (about 12 bytes each,
/// plus their documents); past it, everything kept is forgotten at once.
const KEPT_AT_MOST: usize = 2_000_000;

/// The documents of the users a caller excludes (blocked either way), per segment,
/// for the callers whose lists are long: a caller who blocked a spam wave of
/// 20,000 would otherwise have every one of them found in every segment's id terms
/// on every search. Segments never change, so what was found in one stays true;
/// a list is recognised by its content (compared whole, never by a hash alone:
/// a mistaken match would show a caller someone they blocked).
#[derive(Default)]
pub(crate) struct KeptExclusions {
    lists: HashMap<Fingerprint, Kept>,
    ids_kept: usize,
}

struct Kept {
    ids: Arc<[UserId]>,
    docs: HashMap<SegmentId, Arc<[DocId]>>,
}

/// A cheap summary of a list, to find its candidate quickly: its length and a
/// few ids spread along it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Fingerprint(usize, Vec<UserId>);

impl Fingerprint {
    fn of(ids: &[UserId]) -> Self {
        const SAMPLES: usize = 16;
        let step = (ids.len() / SAMPLES).max(1);
        Self(ids.len(), ids.iter().step_by(step).copied().collect())
    }
}

impl KeptExclusions {
    /// The documents kept for `ids` in the segments of `searcher` (none for a list
    /// not seen before), and the segments still to be looked up.
    pub(crate) fn found(
        &self,
        ids: &[UserId],
        searcher: &Searcher,
    ) -> (HashMap<SegmentId, Arc<[DocId]>>, Vec<SegmentId>) {
        let kept = self
            .lists
            .get(&Fingerprint::of(ids))
            .filter(|kept| kept.ids[..] == *ids);
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for segment in searcher.segment_readers() {
            let id = segment.segment_id();
            match kept.and_then(|kept| kept.docs.get(&id)) {
                Some(docs) => {
                    found.insert(id, docs.clone());
                }
                None => missing.push(id),
            }
        }
        (found, missing)
    }

    /// Keeps what was found for `ids` in the segments of `searcher`, dropping what
    /// was kept for segments it no longer has (merged away).
    pub(crate) fn keep(
        &mut self,
        ids: &[UserId],
        searcher: &Searcher,
        found: &HashMap<SegmentId, Arc<[DocId]>>,
    ) {
        let fingerprint = Fingerprint::of(ids);
        let same_list = self
            .lists
            .get(&fingerprint)
            .is_some_and(|kept| kept.ids[..] == *ids);
        if !same_list {
            if self.ids_kept + ids.len() > KEPT_AT_MOST {
                self.lists.clear();
                self.ids_kept = 0;
            }
            if let Some(replaced) = self.lists.insert(
                fingerprint.clone(),
                Kept {
                    ids: Arc::from(ids),
                    docs: HashMap::new(),
                },
            ) {
                self.ids_kept -= replaced.ids.len();
            }
            self.ids_kept += ids.len();
        }
        if let Some(kept) = self.lists.get_mut(&fingerprint) {
            let live: Vec<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(|segment| segment.segment_id())
                .collect();
            kept.docs.retain(|id, _| live.contains(id));
            for (id, docs) in found {
                kept.docs.insert(*id, docs.clone());
            }
        }
    }
}

/// The documents of `ids` in the segments of `searcher` named by `missing`.
pub(crate) fn look_up(
    fields: &Fields,
    searcher: &Searcher,
    ids: &[UserId],
    missing: &[SegmentId],
) -> tantivy::Result<HashMap<SegmentId, Arc<[DocId]>>> {
    let mut found = HashMap::new();
    for segment in searcher.segment_readers() {
        if missing.contains(&segment.segment_id()) {
            let docs = docs_of(fields, segment, ids)?;
            found.insert(segment.segment_id(), Arc::from(docs));
        }
    }
    Ok(found)
}
