//! One writer per table: each turns the plan into that table's rows in the
//! column order of its `COPY` statement (declared beside it), drawing from its
//! own stream of random numbers so that a row depends only on the seed and its
//! number.

mod blocks;
mod follows;
mod streams;
mod transactions;
mod users;

pub(crate) use blocks::{BLOCKS_COPY, write_blocks};
pub(crate) use follows::{FOLLOWS_COPY, write_follows};
pub(crate) use streams::{STREAMS_COPY, write_streams};
pub(crate) use transactions::{TRANSACTIONS_COPY, write_transactions};
pub(crate) use users::{USERS_COPY, write_users};
