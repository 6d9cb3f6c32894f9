//! Matching and ranking, on sets of documents rather than one document at a time.
//!
//! A search is a [`Plan`]: the term automata of its words, built once. In each segment
//! the plan expands the automata over the term dictionaries and turns the postings into
//! one [`DocBits`] per tier; the tiers are made disjoint (a user counts in its best tier
//! only), excluded and deleted users are removed, and the totals are popcounts. Only the
//! tier the requested page falls in is looked at document by document, to pick its users
//! with the most followers.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::io;
use std::sync::Arc;

use allmine_domain::UserId;
use tantivy::postings::TermInfo;
use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::termdict::TermStreamer;
use tantivy::{DocId, DocSet, InvertedIndexReader, SegmentReader, TERMINATED, Term};

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
/// Exact username, username prefix, word prefix, typo.
const TIERS: usize = 4;

/// The automata of one search, built once and expanded in every segment.
pub(crate) struct Plan {
    /// `None` when the joined words are too long to be compared with usernames.
    username: Option<UsernamePlan>,
    words: Vec<WordPlan>,
}

struct UsernamePlan {
    exact: Term,
    prefix: DfaWrapper,
    typo: Option<DfaWrapper>,
}

struct WordPlan {
    prefix: DfaWrapper,
    /// `None` for a word that tolerates no typo.
    typo: Option<DfaWrapper>,
}

impl Plan {
    /// The plan for `words` (non-empty, from [`query_words`](crate::query::query_words)).
    pub(crate) fn new(fields: &Fields, words: &[String]) -> tantivy::Result<Self> {
        let joined = words.concat();
        let username = if joined.chars().count() <= MAX_USERNAME_CHARS {
            let exact = Term::from_field_text(fields.username, &joined);
            let allowance = word_allowance(&joined);
            Some(UsernamePlan {
                prefix: prefix_automaton(exact.clone(), 0)?,
                typo: (allowance > 0)
                    .then(|| prefix_automaton(exact.clone(), allowance))
                    .transpose()?,
                exact,
            })
        } else {
            None
        };
        let words = words
            .iter()
            .map(|word| {
                let term = Term::from_field_text(fields.words, word);
                let allowance = word_allowance(word);
                Ok(WordPlan {
                    prefix: prefix_automaton(term.clone(), 0)?,
                    typo: (allowance > 0)
                        .then(|| prefix_automaton(term, allowance))
                        .transpose()?,
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
        excluded: &[UserId],
    ) -> tantivy::Result<SegmentMatches> {
        let max_doc = segment.max_doc();
        let usernames = segment.inverted_index(fields.username)?;
        let word_index = segment.inverted_index(fields.words)?;

        // A tier nothing reaches stays `None`: no set is cleared, combined or counted
        // for it (each would be a pass over the whole segment).
        let mut exact = None;
        let mut username_prefix = None;
        let mut typo = None;
        if let Some(username) = &self.username {
            if let Some(info) = usernames.get_term_info(&username.exact)? {
                add_all(&usernames, max_doc, &[info], &mut exact)?;
            }
            add_all(
                &usernames,
                max_doc,
                &expand(&usernames, &username.prefix)?,
                &mut username_prefix,
            )?;
            if let Some(automaton) = &username.typo {
                add_all(
                    &usernames,
                    max_doc,
                    &expand(&usernames, automaton)?,
                    &mut typo,
                )?;
            }
        }

        let prefixes = self
            .words
            .iter()
            .map(|word| expand(&word_index, &word.prefix))
            .collect::<io::Result<Vec<_>>>()?;
        let word_prefix = every_word(
            &word_index,
            max_doc,
            prefixes.iter().map(Vec::as_slice).collect(),
        )?;
        if self.words.iter().any(|word| word.typo.is_some()) {
            let with_typos = self
                .words
                .iter()
                .zip(&prefixes)
                .map(|(word, prefix)| match &word.typo {
                    Some(automaton) => expand(&word_index, automaton).map(Cow::Owned),
                    None => Ok(Cow::Borrowed(prefix.as_slice())),
                })
                .collect::<io::Result<Vec<_>>>()?;
            let words_with_typos = every_word(
                &word_index,
                max_doc,
                with_typos.iter().map(|terms| &**terms).collect(),
            )?;
            if let Some(words_with_typos) = words_with_typos {
                union_into(&mut typo, words_with_typos);
            }
        }

        let mut tiers = [exact, username_prefix, word_prefix, typo];
        for doc in docs_of(fields, segment, excluded)? {
            tiers.iter_mut().flatten().for_each(|docs| docs.remove(doc));
        }
        // Each user in its best tier only.
        let mut counts = keep_first(&mut tiers);
        if let Some(alive) = segment.alive_bitset() {
            for (docs, count) in tiers.iter_mut().zip(&mut counts) {
                let Some(docs) = docs else { continue };
                let deleted: Vec<DocId> =
                    docs.iter().filter(|&doc| alive.is_deleted(doc)).collect();
                *count -= deleted.len() as u64;
                deleted.into_iter().for_each(|doc| docs.remove(doc));
            }
        }
        Ok(SegmentMatches {
            counts,
            columns,
            tiers,
        })
    }
}

/// What a plan matched in one segment.
pub(crate) struct SegmentMatches {
    /// The matches of each tier, best tier first (see the crate's documentation):
    /// exact username, username prefix, word prefix, typo. Disjoint; `None` for a tier
    /// nothing reached.
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

/// The terms of `index` that `automaton` accepts.
fn expand(index: &InvertedIndexReader, automaton: &DfaWrapper) -> io::Result<Vec<TermInfo>> {
    let mut stream: TermStreamer<'_, &DfaWrapper> =
        index.terms().search(automaton).into_stream()?;
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.value().clone());
    }
    Ok(terms)
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
