//! The PostgreSQL adapter of the Users API: implements the domain's ports with
//! sqlx, owns the migrations and the demo fixture.
//!
//! Every query is checked at compile time against the schema (`query!`), from
//! the committed `.sqlx/` cache when `SQLX_OFFLINE=true`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod database;
mod demo;
mod errors;
mod feed;
mod history;
mod replica;
mod rows;
mod search;
mod usernames;
mod users;

#[cfg(feature = "test-support")]
pub mod testing;

pub use database::{
    ConnectError, DatabaseSettings, MIGRATOR, connect, connect_replica, ping, time_acquire,
};
pub use demo::{DEMO_USER_ID, DemoSeed, has_users, seed_demo};
pub use errors::repository_error;
pub use feed::{CHANGE_FEED_APPLICATION, PgChangeFeed};
pub use history::PgHistory;
pub use replica::{FALLBACKS_METRIC, FallbackReason, REPLAY_POLL_INTERVAL, ReadRouting};
pub use search::PgSearch;
pub use usernames::PgUsernames;
pub use users::PgUsers;

pub use sqlx::PgPool;
pub use sqlx::postgres::PgConnectOptions;
