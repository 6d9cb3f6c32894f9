//! The PostgreSQL adapter of the Users API: implements the domain's ports with
//! sqlx, owns the migrations and the demo fixture.
//!
//! Every query is checked at compile time against the schema (`query!`), from
//! the committed `.sqlx/` cache when `SQLX_OFFLINE=true`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod database;
mod demo;
mod errors;
mod users;

#[cfg(feature = "test-support")]
pub mod testing;

pub use database::{connect, ConnectError, DatabaseSettings, MIGRATOR};
pub use demo::{has_users, seed_demo, DemoSeed, DEMO_USER_ID};
pub use errors::repository_error;
pub use users::PgUsers;

pub use sqlx::PgPool;
