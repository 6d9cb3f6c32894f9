//! The HTTP API through the real server and the real PostgreSQL: one test
//! binary, a fresh database and server per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod batch;
mod compression;
mod contract;
mod cors;
mod envelope;
mod etag;
mod fleet_limits;
mod fuzz;
mod history;
mod hostile_input;
mod me;
mod metrics;
mod openapi;
mod privacy;
mod profile;
mod rate_limits;
mod read_model;
mod relationships;
mod replica;
mod search;
mod stats;
mod tokens;
mod update_profile;
mod usernames;
