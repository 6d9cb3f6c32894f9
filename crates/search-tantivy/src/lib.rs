//! User search on [Tantivy](https://docs.rs/tantivy): the adapter behind the domain's
//! [`UserSearch`](allmine_domain::search::UserSearch) and
//! [`SearchIndexWriter`](allmine_domain::search::SearchIndexWriter) ports, as
//! [`TantivyUserIndex`]. It knows nothing of where users come from: the caller feeds it
//! [`IndexChange`](allmine_domain::search::IndexChange)s, numbered by the store's sequence.
//!
//! # The index
//!
//! One document per active user:
//!
//! | field       | content                                                    | used for                 |
//! |-------------|------------------------------------------------------------|--------------------------|
//! | `id`        | the id's 12 bytes; indexed and stored                      | upserts, removals, exclusions, results |
//! | `username`  | the folded username without separators (`John.Doe_1` → `johndoe1`), one term | exact and prefix username matches |
//! | `words`     | every folded word of the username, name and surname | word and typo matches |
//! | `followers` | the follower count, a fast field                           | ties                     |
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
//! nobody. A user matches, in one of four tiers, strictly ordered:
//!
//! 1. **exact username**: the words, joined, are the `username` term;
//! 2. **username prefix**: the joined words begin the `username` term;
//! 3. **word prefix**: every word begins some word of the username, name or surname
//!    (`ayse yil` finds Ayşe Yılmaz; several words narrow the result);
//! 4. **typo**: every word begins some indexed word give or take its typo allowance (one
//!    edit from 4 letters, two from 8, a transposition counting as one; none below 4), or,
//!    the joined words may also begin a username within that allowance (no typos
//!    for words with digits: their "typos" are other numbers)
//!    (`jonhdoe` finds `johndoe123`).
//!
//! Each tier is a constant-score query scoring its tier number, and the tiers are combined
//! with a disjunction-max query, so a user's score is the tier of its best match. Results
//! are sorted by score, then by followers (most first), then by index order. Excluded users
//! are removed inside the query (a must-not term set on `id`), so `total` (a `Count`
//! collected in the same pass) and paging (`TopDocs` with an offset) are right.
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
//! (delete by `id`, then add) and deletes removed ones, then commits with the sequence as
//! the commit's payload, so [`applied_through`](allmine_domain::search::SearchIndexWriter::applied_through)
//! reads it back after a restart; the reader is reloaded before it returns, so the changes
//! are visible at once. A failed commit rolls the writer back to the last commit.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod index;
mod query;
mod schema;

pub use index::TantivyUserIndex;
