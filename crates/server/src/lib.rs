//! The Users API server: reads configuration, wires the adapters into the use
//! cases, serves the API with Swagger UI, and offers the `seed` and `token`
//! commands.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod app;
pub mod config;
pub mod healthcheck;
pub mod limits;
pub mod progress;
pub mod prometheus;
mod replica;
pub mod sampling;
pub mod search;
pub mod telemetry;

pub use app::{Parts, Running, serve};
