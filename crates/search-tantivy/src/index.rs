//! [`TantivyUserIndex`]: the index, its writer and its reader.

use std::collections::HashMap;
use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use allmine_domain::BoxError;
use allmine_domain::UserId;
use allmine_domain::feed::FeedPosition;
use allmine_domain::progress::{NoProgress, Progress};
use allmine_domain::search::{
    IndexChange, IndexedUser, SearchError, SearchHits, SearchIndexWriter, UserSearch,
};
use async_trait::async_trait;
use rand::RngExt;
use rand::seq::SliceRandom;
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::indexer::NoMergePolicy;
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentMeta,
    SegmentReader, Term,
};

use crate::bits::DocBits;
use crate::columns::SegmentColumns;
use crate::exclusions::{self, KeptExclusions};
use crate::matching::{Excluded, Plan, SegmentMatches, docs_of, page};
use crate::merge::FewSegments;
use crate::query::query_words;
use crate::schema::{Fields, content_hash, tokenizers};

/// A rebuild reports its progress every this many users.
pub const REPORT_EVERY: usize = 10_000;

/// The subdirectory of an index on disk: named for the schema, changed with it.
pub const SCHEMA_DIR: &str = "schema-3";
/// Memory for the writer's indexing arena: Tantivy's minimum. Every commit starts a
/// segment writer whose term table is sized to a third of this, and a living index
/// commits up to ten times a second: with 64 MB, serving while follows were applied
/// took about 60 MB more resident memory. A rebuild flushes more, smaller segments
/// with it, and merges them into one anyway.
const WRITER_MEMORY: usize = 15_000_000;

/// A Tantivy index of users, implementing [`UserSearch`] and [`SearchIndexWriter`].
///
/// The async methods do their (synchronous, CPU-bound) work in place, without awaiting:
/// searches take a few milliseconds, but a large [`replace_all`](SearchIndexWriter::replace_all)
/// is better run through the `*_blocking` methods on a blocking thread
/// (e.g. `tokio::task::spawn_blocking` with an `Arc<TantivyUserIndex>`).
///
/// One process may open a directory at a time (Tantivy holds a lock on it).
pub struct TantivyUserIndex {
    index: Index,
    fields: Fields,
    /// Searches take a searcher from it; reloaded after each commit.
    reader: IndexReader,
    /// The fast-field columns of each segment, opened once: opening one decodes its
    /// block headers, which would cost more than a whole search.
    columns: RwLock<HashMap<SegmentId, Arc<SegmentColumns>>>,
    /// One writer per index; commits are serialised by the lock.
    writer: Mutex<IndexWriter>,
    /// Long exclusion lists' documents, kept between searches.
    exclusions: Mutex<KeptExclusions>,
    /// The live documents of each segment with deletes, as of its number of deletes
    /// (segments only ever gain deletes).
    alive: RwLock<HashMap<SegmentId, (u32, Arc<DocBits>)>>,
}

impl fmt::Debug for TantivyUserIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TantivyUserIndex")
            .field("indexed_users", &self.reader.searcher().num_docs())
            .finish_non_exhaustive()
    }
}

impl TantivyUserIndex {
    /// Opens the index in `dir`, or creates an empty one there.
    ///
    /// The index lives in a subdirectory named for its schema ([`SCHEMA_DIR`]), so a
    /// version of this crate with another schema starts an index of its own (empty: the
    /// caller rebuilds it, see [`applied_through`](SearchIndexWriter::applied_through))
    /// and never trips over the other's files; going back to the older version finds
    /// its index where it left it.
    ///
    /// Fails if `dir` does not exist or if another process has the index open.
    pub fn open_or_create(dir: &Path) -> Result<Self, SearchError> {
        let (schema, fields) = Fields::schema();
        if !dir.is_dir() {
            return Err(engine(format!("{} is not a directory", dir.display())));
        }
        let dir = dir.join(SCHEMA_DIR);
        std::fs::create_dir_all(&dir).map_err(engine)?;
        let directory = MmapDirectory::open(&dir).map_err(engine)?;
        let index = Index::builder()
            .schema(schema)
            .tokenizers(tokenizers())
            .open_or_create(directory)
            .map_err(engine)?;
        Self::with_index(index, fields)
    }

    /// An empty index held in memory, for tests and small deployments.
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = Fields::schema();
        let index = Index::builder()
            .schema(schema)
            .tokenizers(tokenizers())
            .create_in_ram()
            .map_err(engine)?;
        Self::with_index(index, fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(engine)?;
        writer.set_merge_policy(Box::new(FewSegments::default()));
        // Writes reload the reader themselves before they return (a write is visible
        // at once); the watch picks up what background merges leave, which no write
        // reports.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(engine)?;
        let index = Self {
            index,
            fields,
            reader,
            writer: Mutex::new(writer),
            columns: RwLock::new(HashMap::new()),
            exclusions: Mutex::new(KeptExclusions::default()),
            alive: RwLock::new(HashMap::new()),
        };
        index.refresh_columns()?;
        Ok(index)
    }

    /// [`UserSearch::search`], synchronously.
    pub fn search_blocking(
        &self,
        text: &str,
        excluded: &[UserId],
        offset: usize,
        limit: usize,
    ) -> Result<SearchHits, SearchError> {
        let words = query_words(text);
        if words.is_empty() {
            return Ok(SearchHits::default());
        }
        let plan = Plan::new(&self.fields, &words).map_err(engine)?;
        let searcher = self.reader.searcher();
        let found = self.excluded_docs(&searcher, excluded)?;
        let excluded = Excluded::with_found(excluded, found);
        let segments = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let columns = self.columns(segment)?;
                let alive = self.alive_docs(segment);
                plan.match_segment(&self.fields, segment, columns, &excluded, alive.as_deref())
                    .map_err(engine)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let total = segments.iter().map(SegmentMatches::total).sum();
        let ids = page(&segments, offset, limit)
            .into_iter()
            .map(|hit| {
                segments
                    .get(hit.segment as usize)
                    .and_then(|matches| matches.id(hit.doc))
                    .ok_or_else(|| engine("an indexed user has no valid id"))
            })
            .collect::<Result<_, _>>()?;
        Ok(SearchHits { ids, total })
    }

    /// The live documents of `segment` as a set, `None` when it has no deletes; built
    /// once per number of deletes, so searches between two commits share it.
    fn alive_docs(&self, segment: &SegmentReader) -> Option<Arc<DocBits>> {
        let alive = segment.alive_bitset()?;
        let deleted = segment.num_deleted_docs();
        let id = segment.segment_id();
        let built = self
            .alive
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .filter(|(at, _)| *at == deleted)
            .map(|(_, docs)| docs.clone());
        if built.is_some() {
            return built;
        }
        let mut docs = DocBits::empty(segment.max_doc());
        alive.iter_alive().for_each(|doc| docs.insert(doc));
        let docs = Arc::new(docs);
        self.alive
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, (deleted, docs.clone()));
        Some(docs)
    }

    /// The documents of a long exclusion list in every segment of `searcher`: kept
    /// from earlier searches, looked up (and kept) in the segments not seen yet. A
    /// short list gets none: finding it costs less than keeping it.
    fn excluded_docs(
        &self,
        searcher: &Searcher,
        ids: &[UserId],
    ) -> Result<HashMap<SegmentId, Arc<[DocId]>>, SearchError> {
        if ids.len() < exclusions::KEPT_FROM {
            return Ok(HashMap::new());
        }
        let (mut found, missing) = self
            .exclusions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .found(ids, searcher);
        if !missing.is_empty() {
            // Looked up without the lock: other callers' searches go on meanwhile.
            let looked_up =
                exclusions::look_up(&self.fields, searcher, ids, &missing).map_err(engine)?;
            found.extend(looked_up);
            self.exclusions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .keep(ids, searcher, &found);
        }
        Ok(found)
    }

    /// [`UserSearch::sample`], synchronously.
    pub fn sample_blocking(
        &self,
        excluded: &[UserId],
        count: usize,
    ) -> Result<SearchHits, SearchError> {
        let searcher = self.reader.searcher();
        let excluded = self.live_addresses(&searcher, excluded)?;
        let total = searcher.num_docs().saturating_sub(excluded.len() as u64);
        let wanted = count.min(usize::try_from(total).unwrap_or(usize::MAX));
        let picked = pick_random(&searcher, &excluded, wanted);
        let ids = picked
            .into_iter()
            .map(|address| self.id_at(&searcher, address))
            .collect::<Result<_, _>>()?;
        Ok(SearchHits { ids, total })
    }

    /// Where the indexed users among `ids` are (deleted documents left out).
    fn live_addresses(
        &self,
        searcher: &Searcher,
        ids: &[UserId],
    ) -> Result<HashSet<DocAddress>, SearchError> {
        let mut addresses = HashSet::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let docs = docs_of(&self.fields, segment, ids).map_err(engine)?;
            addresses.extend(
                docs.into_iter()
                    .filter(|&doc| !segment.is_deleted(doc))
                    .map(|doc| DocAddress::new(ord as u32, doc)),
            );
        }
        Ok(addresses)
    }

    /// [`SearchIndexWriter::apply`], synchronously.
    pub fn apply_blocking(
        &self,
        changes: Vec<IndexChange>,
        through: FeedPosition,
    ) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        let changed = changes.len();
        // Read under the writer's lock: no commit moves the index meanwhile.
        let searcher = self.reader.searcher();
        let mut touched = HashSet::new();
        let mut skipped = 0_usize;
        let mut staged = Ok(());
        for change in changes {
            staged = match change {
                IndexChange::Upsert(user) => {
                    let first_touch = touched.insert(user.id);
                    if first_touch && self.holds_already(&searcher, &user)? {
                        skipped += 1;
                        continue;
                    }
                    writer.delete_term(self.id_term(&user.id));
                    writer.add_document(self.fields.document(&user)).map(drop)
                }
                IndexChange::Remove(id) => {
                    touched.insert(id);
                    writer.delete_term(self.id_term(&id));
                    Ok(())
                }
            };
            if staged.is_err() {
                break;
            }
        }
        let result = staged.and_then(|()| commit(&mut writer, through));
        self.finish_write(writer, result)?;
        tracing::debug!(changed, skipped, ?through, "search index changes applied");
        Ok(())
    }

    /// Whether the last commit holds exactly one document of `user`, with the same
    /// content: writing it again would change nothing but add a segment to merge.
    fn holds_already(&self, searcher: &Searcher, user: &IndexedUser) -> Result<bool, SearchError> {
        let wanted = content_hash(user);
        let mut live = 0_usize;
        let mut same = true;
        for segment in searcher.segment_readers() {
            let docs =
                docs_of(&self.fields, segment, std::slice::from_ref(&user.id)).map_err(engine)?;
            for doc in docs.into_iter().filter(|&doc| !segment.is_deleted(doc)) {
                live += 1;
                same &= self.columns(segment)?.content(doc) == Some(wanted);
            }
        }
        Ok(live == 1 && same)
    }

    /// How many segments a search walks now. A living index keeps this at one or two
    /// (see the crate's "Writing"); background merges show up within a second.
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// How many deleted documents the segments searched now still carry.
    pub fn deleted_documents(&self) -> u64 {
        self.reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|segment| u64::from(segment.num_deleted_docs()))
            .sum()
    }

    /// [`SearchIndexWriter::applied_through`], synchronously.
    ///
    /// A payload that is not a position in this format (an index written before the change
    /// feed, whose payload was a bare outbox sequence) reads as `None`: the index is then
    /// rebuilt, as one never written would be.
    pub fn applied_through_blocking(&self) -> Result<Option<FeedPosition>, SearchError> {
        let metas = self.index.load_metas().map_err(engine)?;
        let Some(payload) = metas.payload else {
            return Ok(None);
        };
        let position = parse_position(&payload);
        if position.is_none() {
            tracing::warn!(
                payload,
                "the search index's position is not a change feed position; rebuilding it"
            );
        }
        Ok(position)
    }

    /// [`SearchIndexWriter::replace_all`], synchronously.
    pub fn replace_all_blocking(
        &self,
        users: Vec<IndexedUser>,
        through: FeedPosition,
    ) -> Result<(), SearchError> {
        self.replace_all_blocking_reporting(users, through, &NoProgress)
    }

    /// [`SearchIndexWriter::replace_all_reporting`], synchronously: the users added are
    /// reported every [`REPORT_EVERY`], then the commit and the merge are phases of their
    /// own.
    pub fn replace_all_blocking_reporting(
        &self,
        users: Vec<IndexedUser>,
        through: FeedPosition,
        progress: &dyn Progress,
    ) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        // The rebuild is merged into one segment by hand once committed. Were the
        // policy to start merging part of it at the commit, that merge would hold
        // segments the one below needs, and fail it: the index would stay in
        // several segments until the next live change.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let indexed = users.len();
        let staged = writer.delete_all_documents().map(drop).and_then(|()| {
            users.chunks(REPORT_EVERY).try_for_each(|chunk| {
                chunk.iter().try_for_each(|user| {
                    writer.add_document(self.fields.document(user)).map(drop)
                })?;
                progress.advance(chunk.len() as u64);
                Ok(())
            })
        });
        progress.start("commit", None);
        let result = staged.and_then(|()| commit(&mut writer, through));
        let written = self.finish_write(writer, result);
        if written.is_ok() {
            progress.start("merge segments", None);
            self.merge_segments();
        }
        self.writer()?
            .set_merge_policy(Box::new(FewSegments::default()));
        written?;
        tracing::info!(indexed, ?through, "search index rebuilt");
        Ok(())
    }

    /// [`SearchIndexWriter::settle`]: starts merging every segment into one, in Tantivy's
    /// merge threads, if live changes left more than one or deleted documents. A search
    /// walks the term dictionary of each segment, and the vocabulary of names is shared:
    /// even a small extra segment holds many of the terms a word expands to, so two
    /// segments cost prefix and typo searches about a fifth more than one. The merge
    /// policy keeps that extra segment small while changes come; a quiet moment is when
    /// a whole merge costs nothing to searches. A merge already under way (the policy's,
    /// or an earlier settle's) makes this one fail at once in the background, harmlessly:
    /// the caller settles again later. Reads the index's committed segments, not the
    /// reader's (which picks a finished merge up a moment later), so a settled index is
    /// never merged again.
    pub fn settle_blocking(&self) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        let segments = self.index.searchable_segment_metas().map_err(engine)?;
        let split = segments.len() > 1 || segments.iter().any(SegmentMeta::has_deletes);
        if !split {
            return Ok(());
        }
        let ids: Vec<SegmentId> = segments.iter().map(SegmentMeta::id).collect();
        // Not awaited: the merge goes on in the background, and the reader picks the
        // merged segment up by itself.
        drop(writer.merge(&ids));
        Ok(())
    }

    /// Merges every segment into one. A search walks the term dictionaries of each
    /// segment, so a rebuilt index, which the writer leaves in several segments, answers
    /// faster as one. Searches go on meanwhile; a failure only costs that speed.
    fn merge_segments(&self) {
        let merged = self.writer().and_then(|mut writer| {
            let segments = self.index.searchable_segment_ids().map_err(engine)?;
            if segments.len() > 1 {
                writer.merge(&segments).wait().map_err(engine)?;
            }
            drop(writer);
            self.reader.reload().map_err(engine)?;
            self.refresh_columns()
        });
        if let Err(error) = merged {
            tracing::warn!(%error, "could not merge the rebuilt search index into one segment");
        }
    }

    /// The writer; after a panic while it was held, rolled back to its last commit.
    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        match self.writer.lock() {
            Ok(writer) => Ok(writer),
            Err(poisoned) => {
                let mut writer = poisoned.into_inner();
                self.writer.clear_poison();
                tracing::warn!("rolling the search index writer back after a panic");
                writer.rollback().map_err(engine)?;
                Ok(writer)
            }
        }
    }

    /// After a commit: makes it visible to searches, or, if it failed, drops what was staged
    /// so that a later commit cannot record it under another position.
    fn finish_write(
        &self,
        mut writer: MutexGuard<'_, IndexWriter>,
        result: tantivy::Result<()>,
    ) -> Result<(), SearchError> {
        match result {
            Ok(()) => {
                drop(writer);
                self.reader.reload().map_err(engine)?;
                self.refresh_columns()
            }
            Err(error) => {
                if let Err(rollback) = writer.rollback() {
                    tracing::error!(error = %rollback, "the search index writer could not roll back");
                }
                Err(engine(error))
            }
        }
    }

    fn id_term(&self, id: &UserId) -> Term {
        Term::from_field_bytes(self.fields.id, id.as_bytes())
    }

    fn id_at(&self, searcher: &Searcher, address: DocAddress) -> Result<UserId, SearchError> {
        self.columns(searcher.segment_reader(address.segment_ord))?
            .id(address.doc_id)
            .ok_or_else(|| engine("an indexed user has no valid id"))
    }

    /// The columns of `segment`, prepared on first use (new segments are prepared
    /// by [`refresh_columns`](Self::refresh_columns) before searches see them).
    fn columns(&self, segment: &SegmentReader) -> Result<Arc<SegmentColumns>, SearchError> {
        let id = segment.segment_id();
        let cached = self
            .columns
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        if let Some(columns) = cached {
            return Ok(columns);
        }
        let columns = Arc::new(SegmentColumns::open(segment).map_err(engine)?);
        let mut prepared = self.columns.write().unwrap_or_else(PoisonError::into_inner);
        // A segment the reader found by itself (a background merge's) arrives here
        // unprepared; the ones it replaced go when a write refreshes the columns.
        prepared.insert(id, columns.clone());
        Ok(columns)
    }

    /// Prepares the columns of the current searcher's segments and drops those of
    /// segments it no longer has (merged away).
    fn refresh_columns(&self) -> Result<(), SearchError> {
        let searcher = self.reader.searcher();
        let live: HashSet<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        self.columns
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|id, _| live.contains(id));
        self.alive
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|id, _| live.contains(id));
        for segment in searcher.segment_readers() {
            self.columns(segment)?;
        }
        Ok(())
    }
}

/// The commit payload's prefix: names the format, so that a payload of another
/// format (the outbox's bare sequence) is never mistaken for a position.
const POSITION_PREFIX: &str = "feed:";

/// Commits what is staged, recording `through` as the commit's payload.
fn commit(writer: &mut IndexWriter, through: FeedPosition) -> tantivy::Result<()> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&format_position(through));
    prepared.commit().map(drop)
}

/// `feed:<transaction>:<change>`.
fn format_position(position: FeedPosition) -> String {
    format!(
        "{POSITION_PREFIX}{}:{}",
        position.transaction(),
        position.change()
    )
}

/// The position [`format_position`] wrote, or `None` for anything else.
fn parse_position(payload: &str) -> Option<FeedPosition> {
    let (transaction, change) = payload.strip_prefix(POSITION_PREFIX)?.split_once(':')?;
    Some(FeedPosition::new(
        transaction.parse().ok()?,
        change.parse().ok()?,
    ))
}

/// Up to `wanted` distinct live documents, not in `excluded`, picked uniformly at random.
///
/// Draws random document addresses and skips deleted and excluded ones, so it costs about
/// `wanted` draws when most documents are eligible. When draws keep missing (few eligible
/// documents, or nearly all of them wanted), it lists the remaining eligible documents and
/// picks among them: linear, but never scoring or sorting.
fn pick_random(
    searcher: &Searcher,
    excluded: &HashSet<DocAddress>,
    wanted: usize,
) -> Vec<DocAddress> {
    let segments = searcher.segment_readers();
    let max_doc: u64 = segments.iter().map(|s| u64::from(s.max_doc())).sum();
    let mut picked = Vec::with_capacity(wanted);
    let mut seen = HashSet::with_capacity(wanted);
    if wanted == 0 || max_doc == 0 {
        return picked;
    }
    let eligible = |address: &DocAddress| {
        segments
            .get(address.segment_ord as usize)
            .is_some_and(|segment| !segment.is_deleted(address.doc_id))
            && !excluded.contains(address)
    };

    let mut rng = rand::rng();
    let draws = wanted.saturating_mul(4).saturating_add(32);
    for _ in 0..draws {
        if picked.len() == wanted {
            break;
        }
        let Some(address) = address_of(segments, rng.random_range(0..max_doc)) else {
            continue;
        };
        if eligible(&address) && seen.insert(address) {
            picked.push(address);
        }
    }

    if picked.len() < wanted {
        let mut rest: Vec<DocAddress> = segments
            .iter()
            .enumerate()
            .flat_map(|(ord, segment)| {
                let ord = ord as u32;
                segment
                    .doc_ids_alive()
                    .map(move |doc_id| DocAddress::new(ord, doc_id))
            })
            .filter(|address| !excluded.contains(address) && !seen.contains(address))
            .collect();
        let missing = wanted - picked.len();
        let (chosen, _) = rest.partial_shuffle(&mut rng, missing);
        picked.extend_from_slice(chosen);
        picked.shuffle(&mut rng);
    }
    picked
}

/// The address of the `n`th document, counting across segments (deleted ones included);
/// `None` past the last one.
fn address_of(segments: &[tantivy::SegmentReader], mut n: u64) -> Option<DocAddress> {
    for (ord, segment) in segments.iter().enumerate() {
        let max_doc = u64::from(segment.max_doc());
        if n < max_doc {
            return Some(DocAddress::new(
                u32::try_from(ord).ok()?,
                u32::try_from(n).ok()?,
            ));
        }
        n -= max_doc;
    }
    None
}

fn engine(error: impl Into<BoxError>) -> SearchError {
    SearchError::Engine(error.into())
}

#[async_trait]
impl UserSearch for TantivyUserIndex {
    async fn search(
        &self,
        text: &str,
        excluded: &[UserId],
        offset: usize,
        limit: usize,
    ) -> Result<SearchHits, SearchError> {
        self.search_blocking(text, excluded, offset, limit)
    }

    async fn sample(&self, excluded: &[UserId], count: usize) -> Result<SearchHits, SearchError> {
        self.sample_blocking(excluded, count)
    }
}

#[async_trait]
impl SearchIndexWriter for TantivyUserIndex {
    async fn apply(
        &self,
        changes: Vec<IndexChange>,
        through: FeedPosition,
    ) -> Result<(), SearchError> {
        self.apply_blocking(changes, through)
    }

    async fn applied_through(&self) -> Result<Option<FeedPosition>, SearchError> {
        self.applied_through_blocking()
    }

    async fn replace_all(
        &self,
        users: Vec<IndexedUser>,
        through: FeedPosition,
    ) -> Result<(), SearchError> {
        self.replace_all_blocking(users, through)
    }

    async fn replace_all_reporting(
        &self,
        users: Vec<IndexedUser>,
        through: FeedPosition,
        progress: &dyn Progress,
    ) -> Result<(), SearchError> {
        self.replace_all_blocking_reporting(users, through, progress)
    }

    async fn settle(&self) -> Result<(), SearchError> {
        self.settle_blocking()
    }
}

#[cfg(test)]
mod position_tests {
    use super::*;

    #[test]
    fn a_position_reads_back_as_written() {
        for position in [
            FeedPosition::START,
            FeedPosition::new(741, 12),
            FeedPosition::new(u64::MAX, u64::MAX),
        ] {
            assert_eq!(parse_position(&format_position(position)), Some(position));
        }
    }

    #[test]
    fn an_outbox_sequence_or_anything_else_is_no_position() {
        for payload in ["42", "", "feed:", "feed:1", "feed:1:x", "feed:-1:2", "7:8"] {
            assert_eq!(parse_position(payload), None, "{payload:?}");
        }
    }
}

#[cfg(test)]
mod unchanged_upsert_tests {
    use super::*;

    fn user(username: &str, followers: u64) -> IndexedUser {
        IndexedUser {
            id: UserId::from_bytes([7; 12]),
            username: username.into(),
            name: "Ayşe".into(),
            surname: "Yılmaz".into(),
            followers,
        }
    }

    fn indexed(user: &IndexedUser) -> TantivyUserIndex {
        let index = TantivyUserIndex::in_memory().unwrap();
        index
            .apply_blocking(
                vec![IndexChange::Upsert(user.clone())],
                FeedPosition::new(1, 0),
            )
            .unwrap();
        index
    }

    fn holds_already(index: &TantivyUserIndex, user: &IndexedUser) -> bool {
        index.holds_already(&index.reader.searcher(), user).unwrap()
    }

    #[test]
    fn an_upsert_of_what_is_indexed_would_change_nothing() {
        let ayse = user("ayse", 10);
        assert!(holds_already(&indexed(&ayse), &ayse));
    }

    #[test]
    fn a_new_follower_count_or_name_is_a_change() {
        let index = indexed(&user("ayse", 10));
        assert!(!holds_already(&index, &user("ayse", 11)));
        assert!(!holds_already(&index, &user("ayse2", 10)));
        let renamed = IndexedUser {
            surname: "Kaya".into(),
            ..user("ayse", 10)
        };
        assert!(!holds_already(&index, &renamed));
    }

    #[test]
    fn a_user_not_indexed_is_a_change() {
        let index = TantivyUserIndex::in_memory().unwrap();
        assert!(!holds_already(&index, &user("ayse", 10)));
    }

    #[test]
    fn a_skipped_upsert_still_moves_the_position_and_leaves_the_user_found() {
        let ayse = user("ayse", 10);
        let index = indexed(&ayse);
        index
            .apply_blocking(
                vec![IndexChange::Upsert(ayse.clone())],
                FeedPosition::new(2, 0),
            )
            .unwrap();
        assert_eq!(
            index.applied_through_blocking().unwrap(),
            Some(FeedPosition::new(2, 0))
        );
        let hits = index.search_blocking("ayse", &[], 0, 10).unwrap();
        assert_eq!((hits.ids, hits.total), (vec![ayse.id], 1));
    }

    #[test]
    fn an_upsert_after_a_change_to_the_same_user_in_one_batch_is_written() {
        // The batch first renames, then goes back: the second upsert equals the last
        // commit, but not what the batch staged before it.
        let ayse = user("ayse", 10);
        let index = indexed(&ayse);
        index
            .apply_blocking(
                vec![
                    IndexChange::Upsert(user("zeynep", 10)),
                    IndexChange::Upsert(ayse.clone()),
                ],
                FeedPosition::new(2, 0),
            )
            .unwrap();
        assert_eq!(index.search_blocking("ayse", &[], 0, 10).unwrap().total, 1);
        assert_eq!(
            index.search_blocking("zeynep", &[], 0, 10).unwrap().total,
            0
        );
    }
}
