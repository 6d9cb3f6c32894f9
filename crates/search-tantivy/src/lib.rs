//! User search on [Tantivy](https://docs.rs/tantivy): the adapter behind the domain's
//! [`UserSearch`](allmine_domain::search::UserSearch) and
//! [`SearchIndexWriter`](allmine_domain::search::SearchIndexWriter) ports, as
//! [`TantivyUserIndex`]. It knows nothing of where users come from: the caller feeds it
//! [`IndexChange`](allmine_domain::search::IndexChange)s, numbered by the store's change feed position.
//!
//! # The index
//!
//! One document per active user, in a directory named for the schema
//! ([`SCHEMA_DIR`]) inside the one the caller gives:
//!
//! | field       | content                                                    | used for                 |
//! |-------------|------------------------------------------------------------|--------------------------|
//! | `id`        | the id's 12 bytes, indexed                                 | upserts, removals, exclusions |
//! | `id_head`, `id_tail` | the id's first 8 and last 4 bytes, fast fields    | results                  |
//! | `username`  | the folded username without separators (`John.Doe_1` → `johndoe1`), one term | exact and prefix username matches |
//! | `words`     | every folded word of the username, name and surname | word and typo matches |
//! | `followers` | the follower count, a fast field                           | ties                     |
//! | `content`   | a hash of the username, name, surname and follower count, a fast field | skipping upserts that change nothing |
//!
//! Text is folded by [`fold_for_search`](allmine_domain::search::fold_for_search), which
//! the `words` field's tokenizer (`allmine_fold`) is built on and which folds the query too:
//! case and accents do not matter, and `İ`, `I`, `ı` and `i` are one letter. Only which
//! documents hold a term is indexed: no frequencies, positions or norms, since ranking does
//! not use them.
//!
//! # Matching and ranking
//!
//! The text is folded and split into words (at most 8, of at most 40 letters each); every
//! character that is not a letter or digit separates words, so nothing typed is ever query
//! syntax (queries are built programmatically, never parsed). A text without words matches
//! nobody. A user matches, in one of six tiers, strictly ordered:
//!
//! 1. **exact username**: the words, joined, are the `username` term;
//! 2. **username prefix**: the joined words begin the `username` term;
//! 3. **exact words**: every word is a word of the username, name or surname;
//! 4. **word prefix**: every word begins some word of the username, name or surname
//!    (`ayse yil` finds Ayşe Yılmaz; several words narrow the result);
//! 5. **typo, one edit**: every word begins some indexed word give or take one edit, or
//!    the joined words begin a username give or take one;
//! 6. **typo, two edits**: the same within the words' typo allowances, a word (or the
//!    joined words) needing two.
//!
//! The typo allowance of a word is one edit from 4 letters, two from 8, a transposition
//! counting as one; none below 4, and none for words with digits: their "typos" are
//! other numbers (`jonhdoe` finds `johndoe123`; with its seven letters, one edit). Among
//! users of one word prefix, those who bear the very words typed are most likely the ones
//! meant: `ayse yilmaz` lists every Ayşe Yılmaz before Ayşegül Yılmaz, however many
//! followers she has. Likewise, a nearer misspelling comes before a farther one.
//!
//! Matching works on sets, not on one document at a time (module `matching`): in each
//! segment, the words' automata (Levenshtein DFAs, built once per search) are expanded
//! over the term dictionaries, and the postings of the terms they accept become one bit
//! set per tier. Several words intersect, rarest first; a common word (say `user`, in
//! every generated username) is sought at the few candidates left rather than read
//! whole, and a rare one is read whole and its documents looked up among the candidates,
//! without a pass over them. Exact words and one-edit typos take no walk of their own: a
//! word's prefix terms are its own term and the rest, its typo terms those within one
//! edit (a one-edit automaton run over the few found) and the rest, and the finer tier
//! is the coarser one narrowed to the users holding, for every word, one of its nearer
//! terms. The tiers are then made disjoint, so a user counts in its best tier only, and
//! counted, in one pass over them all (a tier nothing reached has no set at all);
//! excluded and deleted users are removed, so `total` and paging are right. Only the
//! tier a page falls in is visited user by user, to pick its users with the most
//! followers; ties go to index order. A rebuilt index is merged into one segment, since
//! every segment costs its own dictionary walks.
//!
//! A long exclusion list (512 users or more: a caller who blocked a spam wave) has its
//! users' documents found once per segment and kept between searches, since segments
//! never change: the next search of that caller reuses them. A list is recognised by
//! its whole content, never by a hash alone, so a caller is never shown someone another
//! caller's list left in.
//!
//! # Sampling
//!
//! [`sample`](allmine_domain::search::UserSearch::sample) draws random document addresses
//! across segments, skipping deleted and excluded documents, until it has enough distinct
//! users: nothing is scored or sorted. When draws keep missing (few eligible users, or
//! nearly all of them wanted) it lists the remaining eligible documents and picks among them.
//!
//! # Writing
//!
//! [`apply`](allmine_domain::search::SearchIndexWriter::apply) replaces each upserted user
//! (delete by `id`, then add) and deletes removed ones, then commits with the feed position as
//! the commit's payload, so [`applied_through`](allmine_domain::search::SearchIndexWriter::applied_through)
//! reads it back after a restart; the reader is reloaded before it returns, so the changes
//! are visible at once. A failed commit rolls the writer back to the last commit.
//!
//! An upsert of what the last commit already holds (same `content` hash: a follow also
//! changes the follower's row, whose following count is not indexed) is skipped, so it
//! neither deletes a document nor adds one. Each commit still adds a small segment, and a
//! search pays per segment: the writer's merge policy (`FewSegments`) merges every segment
//! but the largest into one as soon as there are two, and everything into one when that
//! extra segment passes a twentieth of the largest or a twentieth of the largest is
//! deleted documents (on a million users, a full-name search over a largest segment with
//! 7 % deleted and an extra one of 7 % took about 1.7 times as long in the engine as on
//! one segment). The reader picks merged segments up by itself (it watches the index), so
//! a living index is searched in one or two segments. A rebuild is merged into one
//! segment by hand, with the policy off meanwhile.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod bits;
mod columns;
mod exclusions;
mod index;
mod matching;
mod merge;
mod query;
mod schema;

pub use index::{SCHEMA_DIR, TantivyUserIndex};
