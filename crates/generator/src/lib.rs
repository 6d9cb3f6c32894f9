//! Generated data at scale: `allmine seed --users N` fills a database with
//! realistic users, follows, live streams, blocks and credit transactions
//! quickly enough for a million users.
//!
//! # What is generated
//!
//! For `N` users (see [`GeneratorSettings`] for the knobs):
//!
//! - **Users** `user_1` ... `user_N` (the pattern load tools rely on: any
//!   `user_<n>` with `1 <= n <= N` exists). Ids are deterministic: the four
//!   bytes `5eed0001`, then `n` as eight big-endian bytes, so `user_1` is
//!   `5eed00010000000000000001`. Names and surnames come from Turkish and
//!   international lists (with `ç ğ ı İ ö ş ü` and other accents); birth dates
//!   make them 18 to 65 years old; some have a bio, expertise, interests and
//!   social handles. About 10 % are private and 2 % deactivated.
//! - **Follows**, about `follows_per_user` per user (exponentially varying),
//!   with heavy-tailed popularity: the followee is `1 + floor(N * u³)` for a
//!   uniform `u`, so low-numbered users are the most followed (`user_1` by
//!   roughly one user in ten for a million users). Follows of private users
//!   are pending four times in ten; every other follow is accepted. No user
//!   follows themself, and no follow joins two users with a block between
//!   them.
//! - **Live streams**, `N * streams_per_user_ratio` of them (by default one per
//!   ten users), hosts skewed toward popular users. About 0.5 % of the users
//!   are on air now (one open stream each); the rest ended within the last
//!   year.
//! - **Blocks**, about `N / 100` pairs.
//! - **Credit transactions**, on average `transactions_per_user` per user (0 to
//!   twice that), in time order over the last year with an exact running
//!   balance that never goes below zero: each user's first record is a
//!   purchase, and `balance_after` is the previous `balance_after` plus
//!   `amount`.
//!
//! # Documented users
//!
//! - `user_1` to `user_10` are public and active.
//! - `user_1` has exactly `heavy_user_transactions` credit transactions
//!   (100,000 by default) and is the most followed user.
//! - `user_2` is always on air.
//! - `user_3` has blocked `user_4`.
//!
//! # How it is fast
//!
//! Rows are made in Rust by a small deterministic pseudo-random generator
//! (splitmix64: the same seed gives the same users, follows and records; only
//! the timestamps move with the clock) on a blocking thread, and streamed to
//! PostgreSQL with `COPY ... FROM STDIN` in chunks of about 1 MiB while the
//! next chunk is being made. The load runs on one connection in one
//! transaction with `session_replication_role = replica`, which turns off the
//! triggers (the counter triggers, the username claim and the foreign-key
//! checks; a superuser is needed). The data is consistent by construction.
//! Then every counter is recomputed from the tables with one set-based
//! `UPDATE`, and the per-(user, type) counts of credit transactions with one
//! upsert (`credit_transaction_type_counts`); with the triggers back on, the usernames are claimed and each
//! new user gets one row in the change feed (so running instances index
//! them like any other change); the transaction commits, and the tables are
//! vacuumed and analysed.
//!
//!
//! # How the crate reads
//!
//! From the bottom up: `rng` (splitmix64), `words` (the name
//! lists), `calendar` (civil dates), `ids` (deterministic object ids) and
//! `error`; `copy` (the COPY text format and the chunked stream); `plan`
//! (settings to plan); `tables` (one writer per table); `sql` (the set-based
//! statements) and `connection`; then `generate` and `check`. Each module
//! imports only modules below it.
//!
//! The crate depends on the domain for its types and on sqlx, and on no
//! adapter: the server wires it into its `seed` and `check` subcommands. It
//! uses runtime queries only (`sqlx::query`, `raw_sql`, `COPY`), which need
//! no `.sqlx` metadata.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod calendar;
mod check;
mod connection;
mod copy;
mod error;
mod generate;
mod ids;
mod plan;
mod rng;
mod sql;
mod tables;
mod words;

pub use check::{CounterDrift, check_counters};
pub use error::GenerateError;
pub use generate::{GeneratorReport, generate, generate_with_progress};
pub use plan::GeneratorSettings;
