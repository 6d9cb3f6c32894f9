//! Matching and ranking, on sets of documents rather than one document at a time.
//!
//! A search is a [`Plan`]: the term automata of its words, built once. In each segment
//! the plan expands the automata over the term dictionaries and turns the postings into
//! one [`DocBits`] per tier; the tiers are made disjoint (a user counts in its best tier
//! only), excluded and deleted users are removed, and the totals are popcounts. Only the
//! tier the requested page falls in is looked at document by document, to pick its users
//! with the most followers.
//!
//! A tier that refines another (exact words within word prefixes, one edit within typos)
//! takes no dictionary walk of its own: the terms a word's automaton accepts are sorted,
//! as they stream by, into near ones and the rest, and the finer tier is the coarser one
//! narrowed to the users holding, for every word, one of its near terms. That costs a
//! look at the few candidates left, and nothing for a word whose terms are all near; a
//! search of one word simply reads its near terms' documents apart from the others'.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::{Arc, OnceLock};

use allmine_domain::UserId;
use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::termdict::TermStreamer;
use tantivy::{DocId, DocSet, InvertedIndexReader, SegmentReader, TERMINATED, Term};
use tantivy_fst::Automaton;

use crate::bits::{DocBits, keep_first};
use crate::columns::SegmentColumns;
use crate::query::{MAX_USERNAME_CHARS, word_allowance};
use crate::schema::Fields;

/// A word matching fewer documents than this many times the candidates left is checked
/// against them by seeking in its postings, instead of reading all of its postings.
const PROBE_RATIO: u64 = 8;
/// A word with at most one posting per this many documents of the segment (one per
/// word of a [`DocBits`]) is read whole and its documents looked up among the
/// candidates: cheaper than any pass over the candidates' set, which counting them for
/// the choice above would already be.
const FILTER_RATIO: u64 = 64;
/// Checking by seeking is done for words expanding to at most this many terms.
const PROBE_MAX_TERMS: usize = 16;
/// Exact username, username prefix, exact words, word prefix, typos of one edit, typos
/// of two.
const TIERS: usize = 6;
/// Exclusions are checked match by match (an id read and a set lookup each) unless the
/// matches outnumber the excluded users this many times; then each excluded user's
/// document is looked up in the segment's id terms instead (a dictionary walk each).
const CHECK_MATCHES_RATIO: u64 = 32;

/// The automata of one search, built once and expanded in every segment.
pub(crate) struct Plan {
    /// `None` when the joined words are too long to be compared with usernames.
    username: Option<UsernamePlan>,
    words: Vec<WordPlan>,
}

struct UsernamePlan {
    exact: Term,
    prefix: DfaWrapper,
    /// `None` when the joined words tolerate no typo.
    typo: Option<TypoPlan>,
}

struct WordPlan {
    /// The folded word: among the terms it begins, the one equal to it is an exact word.
    text: String,
    prefix: DfaWrapper,
    /// `None` for a word that tolerates no typo.
    typo: Option<TypoPlan>,
}

/// The typo automaton of a word (or of the joined words), and how to tell the terms it
/// accepts within one edit from those needing two.
struct TypoPlan {
    automaton: DfaWrapper,
    /// For a word tolerating two edits, the automaton of the terms within one; `None`
    /// when one edit is all it tolerates, so every term accepted is within one.
    one_edit: Option<DfaWrapper>,
}

impl TypoPlan {
    /// The typo plan of `term`, `None` for an `allowance` of 0.
    fn new(term: Term, allowance: u8) -> tantivy::Result<Option<Self>> {
        if allowance == 0 {
            return Ok(None);
        }
        let one_edit = if allowance >= 2 {
            Some(prefix_automaton(term.clone(), 1)?)
        } else {
            None
        };
        Ok(Some(Self {
            automaton: prefix_automaton(term, allowance)?,
            one_edit,
        }))
    }

    /// Whether a term the typo automaton accepted (`key`, its bytes) begins within one
    /// edit of the word: a question asked of the few terms the walk found, instead of
    /// walking the dictionary again with a one-edit automaton.
    fn within_one_edit(&self, key: &[u8]) -> bool {
        self.one_edit
            .as_ref()
            .is_none_or(|automaton| accepts(automaton, key))
    }
}

impl Plan {
    /// The plan for `words` (non-empty, from [`query_words`](crate::query::query_words)).
    pub(crate) fn new(fields: &Fields, words: &[String]) -> tantivy::Result<Self> {
        let joined = words.concat();
        let username = if joined.chars().count() <= MAX_USERNAME_CHARS {
            let exact = Term::from_field_text(fields.username, &joined);
            Some(UsernamePlan {
                prefix: prefix_automaton(exact.clone(), 0)?,
                typo: TypoPlan::new(exact.clone(), word_allowance(&joined))?,
                exact,
            })
        } else {
            None
        };
        let words = words
            .iter()
            .map(|word| {
                let term = Term::from_field_text(fields.words, word);
                Ok(WordPlan {
                    text: word.clone(),
                    prefix: prefix_automaton(term.clone(), 0)?,
                    typo: TypoPlan::new(term, word_allowance(word))?,
                })
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Self { username, words })
    }

    /// The users of `segment` this plan matches, by tier, without the `excluded` ones
    /// and without deleted documents.
    pub(crate) fn match_segment(
        &self,
        fields: &Fields,
        segment: &SegmentReader,
        columns: Arc<SegmentColumns>,
        excluded: &Excluded<'_>,
        alive: Option<&DocBits>,
    ) -> tantivy::Result<SegmentMatches> {
        let max_doc = segment.max_doc();
        let usernames = segment.inverted_index(fields.username)?;
        let word_index = segment.inverted_index(fields.words)?;

        // A tier nothing reaches stays `None`: no set is cleared, combined or counted
        // for it (each would be a pass over the whole segment).
        let mut exact = None;
        let mut username_prefix = None;
        let mut one_edit = None;
        let mut two_edits = None;
        if let Some(username) = &self.username {
            if let Some(info) = usernames.get_term_info(&username.exact)? {
                add_all(&usernames, max_doc, &[info], &mut exact)?;
            }
            let prefixes = expand(&usernames, &username.prefix, |_| true)?;
            add_all(&usernames, max_doc, prefixes.all(), &mut username_prefix)?;
            if let Some(typo) = &username.typo {
                let typos = expand(&usernames, &typo.automaton, |key| typo.within_one_edit(key))?;
                add_all(&usernames, max_doc, typos.near(), &mut one_edit)?;
                add_all(&usernames, max_doc, typos.far(), &mut two_edits)?;
            }
        }

        // Each word's own term, if indexed, is the near one among the terms it begins.
        let prefixes = self
            .words
            .iter()
            .map(|word| expand(&word_index, &word.prefix, |key| key == word.text.as_bytes()))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let (exact_words, word_prefix) = every_word_nearest_first(
            &word_index,
            max_doc,
            &prefixes.iter().map(Expansion::split).collect::<Vec<_>>(),
        )?;

        if self.words.iter().any(|word| word.typo.is_some()) {
            let typos = self
                .words
                .iter()
                .map(|word| {
                    word.typo
                        .as_ref()
                        .map(|typo| {
                            expand(&word_index, &typo.automaton, |key| {
                                typo.within_one_edit(key)
                            })
                        })
                        .transpose()
                })
                .collect::<tantivy::Result<Vec<_>>>()?;
            // A word tolerating no typo matches here by its prefix terms, all of them
            // within one edit since they need none.
            let with_typos: Vec<(&[TermInfo], &[TermInfo])> = typos
                .iter()
                .zip(&prefixes)
                .map(|(typo, prefix)| match typo {
                    Some(typo) => typo.split(),
                    None => (prefix.all(), prefix.all()),
                })
                .collect();
            let (within_one, rest) = every_word_nearest_first(&word_index, max_doc, &with_typos)?;
            if let Some(docs) = within_one {
                union_into(&mut one_edit, docs);
            }
            if let Some(docs) = rest {
                union_into(&mut two_edits, docs);
            }
        }

        let mut tiers = [
            exact,
            username_prefix,
            exact_words,
            word_prefix,
            one_edit,
            two_edits,
        ];
        // Each user in its best tier only.
        let mut counts = keep_first(&mut tiers);
        let matched: u64 = counts.iter().sum();
        let gone: Vec<DocId> = if excluded.is_empty() || matched == 0 {
            Vec::new()
        } else if let Some(docs) = excluded.found_in(segment.segment_id()) {
            docs.to_vec()
        } else if matched <= excluded.len().saturating_mul(CHECK_MATCHES_RATIO) {
            // A caller who blocked thousands: reading each match's id is cheaper
            // than finding every blocked user's document in the segment.
            tiers
                .iter()
                .flatten()
                .flat_map(DocBits::iter)
                .filter(|&doc| columns.id(doc).is_some_and(|id| excluded.contains(&id)))
                .collect()
        } else {
            docs_of(fields, segment, excluded.ids())?
        };
        for doc in gone {
            for (docs, count) in tiers.iter_mut().zip(&mut counts) {
                if let Some(docs) = docs
                    && docs.contains(doc)
                {
                    docs.remove(doc);
                    *count -= 1;
                }
            }
        }
        // Deleted documents go word by word: checking each match was, on an index
        // aged by live changes, most of a broad query's cost.
        if let Some(alive) = alive {
            for (docs, count) in tiers.iter_mut().zip(&mut counts) {
                let Some(docs) = docs else { continue };
                docs.intersect_with(alive);
                *count = docs.count();
            }
        }
        Ok(SegmentMatches {
            counts,
            columns,
            tiers,
        })
    }
}

/// The users a search leaves out: as given, to find each one's document in a
/// segment, and as a set, to check matched documents against.
pub(crate) struct Excluded<'a> {
    ids: &'a [UserId],
    /// Built on first use: a search whose segments all have [`found`](Self::found)
    /// documents never needs it.
    set: OnceLock<HashSet<UserId>>,
    /// The excluded users' documents in some segments, found before (a long list
    /// is kept between searches: segments never change).
    found: HashMap<SegmentId, Arc<[DocId]>>,
}

impl<'a> Excluded<'a> {
    /// The exclusions of one search, for every segment it reads, with the excluded
    /// users' documents already found in some segments.
    pub(crate) fn with_found(ids: &'a [UserId], found: HashMap<SegmentId, Arc<[DocId]>>) -> Self {
        Self {
            ids,
            set: OnceLock::new(),
            found,
        }
    }

    fn ids(&self) -> &[UserId] {
        self.ids
    }

    /// How many users are left out (a user given twice counts twice: only
    /// compared with match counts).
    fn len(&self) -> u64 {
        self.ids.len() as u64
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn contains(&self, id: &UserId) -> bool {
        self.set
            .get_or_init(|| self.ids.iter().copied().collect())
            .contains(id)
    }

    /// The excluded users' documents in `segment`, if found before.
    fn found_in(&self, segment: SegmentId) -> Option<&[DocId]> {
        self.found.get(&segment).map(|docs| &docs[..])
    }
}

/// What a plan matched in one segment.
pub(crate) struct SegmentMatches {
    /// The matches of each tier, best tier first (see the crate's documentation):
    /// exact username, username prefix, exact words, word prefix, typos of one edit,
    /// typos of two. Disjoint; `None` for a tier nothing reached.
    tiers: [Option<DocBits>; TIERS],
    /// How many documents each tier holds.
    counts: [u64; TIERS],
    columns: Arc<SegmentColumns>,
}

impl SegmentMatches {
    /// How many users matched, in every tier.
    pub(crate) fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The id of the user indexed as `doc` in this segment.
    pub(crate) fn id(&self, doc: DocId) -> Option<UserId> {
        self.columns.id(doc)
    }

    /// The best `wanted` users of this segment's `tier`, best first.
    fn best(&self, tier: usize, segment: u32, wanted: usize) -> Vec<Hit> {
        let Some(docs) = &self.tiers[tier] else {
            return Vec::new();
        };
        let count = self.counts[tier];
        let hit = |doc| Hit {
            followers: self.columns.followers(doc),
            segment,
            doc,
        };
        if wanted == 0 || count == 0 {
            return Vec::new();
        }
        // Along the follower order, a member turns up about every `max_doc / count`
        // documents: walk it when that is shorter than visiting every member.
        let order = self.columns.by_followers();
        let walk = (wanted as u64).saturating_mul(order.len() as u64) / count;
        if walk < count {
            return order
                .iter()
                .filter(|&&doc| docs.contains(doc))
                .take(wanted)
                .map(|&doc| hit(doc))
                .collect();
        }
        let mut kept: Vec<Hit> = Vec::new();
        let mut worst_kept: Option<Hit> = None;
        for doc in docs.iter() {
            let hit = hit(doc);
            if worst_kept.is_some_and(|worst| hit.key() >= worst.key()) {
                continue;
            }
            kept.push(hit);
            // Keep twice what is wanted, then cut back: linear overall.
            if kept.len() >= wanted.saturating_mul(2).max(64) {
                kept.select_nth_unstable_by_key(wanted - 1, Hit::key);
                kept.truncate(wanted);
                worst_kept = kept.iter().copied().max_by_key(Hit::key);
            }
        }
        kept.sort_unstable_by_key(Hit::key);
        kept.truncate(wanted);
        kept
    }
}

/// A matched document and what orders it within its tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    followers: u64,
    pub(crate) segment: u32,
    pub(crate) doc: DocId,
}

impl Hit {
    /// Smaller is better: most followers first, then index order.
    fn key(&self) -> (Reverse<u64>, u32, DocId) {
        (Reverse(self.followers), self.segment, self.doc)
    }
}

/// The hits at `offset..offset + limit` of the ranking over every segment's matches:
/// best tier first, then most followers, then index order.
pub(crate) fn page(segments: &[SegmentMatches], offset: usize, limit: usize) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut skip = offset as u64;
    for tier in 0..TIERS {
        if hits.len() >= limit {
            break;
        }
        let in_tier: u64 = segments.iter().map(|s| s.counts[tier]).sum();
        if skip >= in_tier {
            skip -= in_tier;
            continue;
        }
        // `skip < in_tier`, which counts documents, so it fits.
        let skipped = usize::try_from(skip).unwrap_or(usize::MAX);
        let wanted = skipped.saturating_add(limit - hits.len());
        let mut best: Vec<Hit> = segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.counts[tier] > 0)
            .flat_map(|(ord, s)| s.best(tier, ord as u32, wanted))
            .collect();
        best.sort_unstable_by_key(Hit::key);
        hits.extend(best.into_iter().skip(skipped).take(limit - hits.len()));
        skip = 0;
    }
    hits
}

/// The automaton of the terms beginning with `term`'s text, give or take `typos` edits
/// (a transposition counting as one).
fn prefix_automaton(term: Term, typos: u8) -> tantivy::Result<DfaWrapper> {
    FuzzyTermQuery::new_prefix(term, typos, true).automaton()
}

/// The terms an automaton accepted in one segment, the near ones first (see [`expand`]).
struct Expansion {
    terms: Vec<TermInfo>,
    /// How many of `terms`, at the front, are near.
    near: usize,
}

impl Expansion {
    /// Every term accepted.
    fn all(&self) -> &[TermInfo] {
        &self.terms
    }

    /// The near terms.
    fn near(&self) -> &[TermInfo] {
        self.terms.get(..self.near).unwrap_or_default()
    }

    /// The terms accepted that are not near.
    fn far(&self) -> &[TermInfo] {
        self.terms.get(self.near..).unwrap_or_default()
    }

    /// Every term accepted, and the near ones: those at its front.
    fn split(&self) -> (&[TermInfo], &[TermInfo]) {
        (self.all(), self.near())
    }
}

/// The terms of `index` that `automaton` accepts, those whose bytes `near` accepts first:
/// one walk of the dictionary serves a tier and the finer tier within it.
fn expand(
    index: &InvertedIndexReader,
    automaton: &DfaWrapper,
    near: impl Fn(&[u8]) -> bool,
) -> tantivy::Result<Expansion> {
    let mut stream: TermStreamer<'_, &DfaWrapper> =
        index.terms().search(automaton).into_stream()?;
    let mut terms = Vec::new();
    let mut far = Vec::new();
    while stream.advance() {
        if near(stream.key()) {
            terms.push(stream.value().clone());
        } else {
            far.push(stream.value().clone());
        }
    }
    let near = terms.len();
    terms.append(&mut far);
    Ok(Expansion { terms, near })
}

/// Whether `automaton` accepts the whole of `key`.
fn accepts(automaton: &DfaWrapper, key: &[u8]) -> bool {
    let mut state = automaton.start();
    for &byte in key {
        if !automaton.can_match(&state) {
            return false;
        }
        state = automaton.accept(&state, byte);
    }
    automaton.is_match(&state)
}

/// Adds the documents of a term's postings to `docs`.
fn add_postings(
    index: &InvertedIndexReader,
    info: &TermInfo,
    docs: &mut DocBits,
) -> io::Result<()> {
    for_each_posting(index, info, |doc| docs.insert(doc))
}

/// Calls `f` with each document of a term's postings, block by block.
fn for_each_posting(
    index: &InvertedIndexReader,
    info: &TermInfo,
    mut f: impl FnMut(DocId),
) -> io::Result<()> {
    let mut block = index.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
    loop {
        let block_docs = block.docs();
        if block_docs.is_empty() {
            return Ok(());
        }
        block_docs.iter().for_each(|&doc| f(doc));
        block.advance();
    }
}

/// Adds the documents of `terms` to `docs`, making the set on the first term.
fn add_all(
    index: &InvertedIndexReader,
    max_doc: DocId,
    terms: &[TermInfo],
    docs: &mut Option<DocBits>,
) -> io::Result<()> {
    for info in terms {
        add_postings(
            index,
            info,
            docs.get_or_insert_with(|| DocBits::empty(max_doc)),
        )?;
    }
    Ok(())
}

/// Adds the documents of `other` to `docs`, taking `other` over if `docs` has no set yet.
fn union_into(docs: &mut Option<DocBits>, other: DocBits) {
    match docs {
        Some(docs) => docs.union_with(&other),
        None => *docs = Some(other),
    }
}

/// The documents of `segment` that hold the users `ids` (deleted ones included).
pub(crate) fn docs_of(
    fields: &Fields,
    segment: &SegmentReader,
    ids: &[UserId],
) -> tantivy::Result<Vec<DocId>> {
    let index = segment.inverted_index(fields.id)?;
    let mut docs = Vec::new();
    for id in ids {
        let term = Term::from_field_bytes(fields.id, id.as_bytes());
        let Some(info) = index.get_term_info(&term)? else {
            continue;
        };
        let mut postings = index.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
        while postings.doc() != TERMINATED {
            docs.push(postings.doc());
            postings.advance();
        }
    }
    Ok(docs)
}

/// The documents holding, for every word, one of the terms it expanded to; `None` when
/// a word expanded to no term (nobody matches).
///
/// Words are taken rarest first. A common word (like `user` in every generated username)
/// is not read whole when few candidates are left: its terms are sought at the candidates.
/// A rare one is read whole, and its documents looked up among the candidates.
fn every_word(
    index: &InvertedIndexReader,
    max_doc: DocId,
    mut words: Vec<&[TermInfo]>,
) -> io::Result<Option<DocBits>> {
    if words.iter().any(|terms| terms.is_empty()) {
        return Ok(None);
    }
    words.sort_by_key(|terms| frequency(terms));
    let Some((rarest, others)) = words.split_first() else {
        return Ok(None);
    };
    let mut matched = DocBits::empty(max_doc);
    for info in *rarest {
        add_postings(index, info, &mut matched)?;
    }
    Ok(Some(
        narrow(index, max_doc, &matched, others)?.unwrap_or(matched),
    ))
}

/// The documents holding, for every word, one of its near terms, and the others holding,
/// for every word, one of its terms (`words`: each word's terms, and the near ones among
/// them). The second set may hold documents of the first: the tiers are made disjoint
/// later. `None` for a set known to be empty.
fn every_word_nearest_first(
    index: &InvertedIndexReader,
    max_doc: DocId,
    words: &[(&[TermInfo], &[TermInfo])],
) -> io::Result<(Option<DocBits>, Option<DocBits>)> {
    if let [(all, near)] = words {
        // One word: its near terms' documents, and its other terms'; no set of them all
        // is needed, nor any look among it.
        let (mut near_docs, mut rest) = (None, None);
        add_all(index, max_doc, near, &mut near_docs)?;
        add_all(
            index,
            max_doc,
            all.get(near.len()..).unwrap_or_default(),
            &mut rest,
        )?;
        return Ok((near_docs, rest));
    }
    let Some(matched) = every_word(index, max_doc, words.iter().map(|&(all, _)| all).collect())?
    else {
        return Ok((None, None));
    };
    if words.iter().any(|(_, near)| near.is_empty()) {
        return Ok((None, Some(matched)));
    }
    Ok(match nearest(index, max_doc, &matched, words)? {
        Some(near) => (Some(near), Some(matched)),
        // Every word's terms are all near.
        None => (Some(matched), None),
    })
}

/// The `matched` documents that hold, for every word, one of its near terms: the finer
/// tier within a coarser one, `matched`, whose documents hold, for every word, one of
/// all its terms (`words`: each word's terms, and the near ones among them). A word
/// whose terms are all near needs no look: every match holds one. `None` when no word
/// needed one: all of `matched`.
fn nearest(
    index: &InvertedIndexReader,
    max_doc: DocId,
    matched: &DocBits,
    words: &[(&[TermInfo], &[TermInfo])],
) -> io::Result<Option<DocBits>> {
    let mut near: Vec<&[TermInfo]> = words
        .iter()
        .filter(|(all, near)| near.len() < all.len())
        .map(|&(_, near)| near)
        .collect();
    near.sort_by_key(|terms| frequency(terms));
    narrow(index, max_doc, matched, &near)
}

/// The documents of `matched` that hold, for every word, one of its terms; `None` when
/// there is no word: all of `matched`, which is left as it is (not copied).
fn narrow(
    index: &InvertedIndexReader,
    max_doc: DocId,
    matched: &DocBits,
    words: &[&[TermInfo]],
) -> io::Result<Option<DocBits>> {
    let mut narrowed: Option<DocBits> = None;
    for terms in words {
        let candidates = narrowed.as_ref().unwrap_or(matched);
        if candidates.is_empty() {
            break;
        }
        let frequency = frequency(terms);
        let found = if frequency <= u64::from(max_doc) / FILTER_RATIO {
            looked_up_in(index, max_doc, candidates, terms)?
        } else if terms.len() <= PROBE_MAX_TERMS
            && candidates.count().saturating_mul(PROBE_RATIO) < frequency
        {
            found_among(index, max_doc, candidates, terms)?
        } else {
            let mut docs = DocBits::empty(max_doc);
            for info in *terms {
                add_postings(index, info, &mut docs)?;
            }
            docs.intersect_with(candidates);
            docs
        };
        narrowed = Some(found);
    }
    Ok(narrowed)
}

/// How many documents hold one of `terms`, at most (a document may hold several).
fn frequency(terms: &[TermInfo]) -> u64 {
    terms.iter().map(|t| u64::from(t.doc_freq)).sum()
}

/// The `candidates` holding one of `terms`, found by reading the terms' postings whole
/// and looking each document up among the candidates.
fn looked_up_in(
    index: &InvertedIndexReader,
    max_doc: DocId,
    candidates: &DocBits,
    terms: &[TermInfo],
) -> io::Result<DocBits> {
    let mut found = DocBits::empty(max_doc);
    for info in terms {
        for_each_posting(index, info, |doc| {
            if candidates.contains(doc) {
                found.insert(doc);
            }
        })?;
    }
    Ok(found)
}

/// The `candidates` holding one of `terms`, found by seeking in each term's postings.
fn found_among(
    index: &InvertedIndexReader,
    max_doc: DocId,
    candidates: &DocBits,
    terms: &[TermInfo],
) -> io::Result<DocBits> {
    // Listed once, not walked in the set once per term: a walk passes over every word of
    // the set, and the candidates are few (fewer than the postings sought).
    let candidates: Vec<DocId> = candidates.iter().collect();
    let mut found = DocBits::empty(max_doc);
    for info in terms {
        let mut postings = index.read_postings_from_terminfo(info, IndexRecordOption::Basic)?;
        for &doc in &candidates {
            let mut at = postings.doc();
            if at < doc {
                at = postings.seek(doc);
            }
            if at == TERMINATED {
                break;
            }
            if at == doc {
                found.insert(doc);
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_tolerating_two_edits_tells_terms_within_one_from_terms_needing_two() {
        let (_, fields) = Fields::schema();
        let typo = |word: &str, allowance| {
            TypoPlan::new(Term::from_field_text(fields.words, word), allowance).unwrap()
        };
        let alaxendra = typo("alaxendra", 2).unwrap();
        assert!(alaxendra.within_one_edit(b"alaxandra"));
        assert!(alaxendra.within_one_edit(b"alaxendrakis"));
        assert!(!alaxendra.within_one_edit(b"alexandra"));
        // With one edit allowed, every term the automaton accepts is within one.
        assert!(typo("mehmte", 1).unwrap().within_one_edit(b"mehmet"));
        assert!(typo("ali", 0).is_none());
    }
}
