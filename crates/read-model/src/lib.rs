//! The read model of Allmine's Users API: the facts a profile, an account
//! check, a privacy decision and a search result need (users by id and by
//! name, each viewer's follows and blocks either way, and users as a result
//! shows them), held in memory in a cache bounded in bytes,
//! and kept exact by the change feed that PostgreSQL writes.
//!
//! It is an adapter around the domain's ports, not a port of its own:
//! [`CachedUsers`] wraps a [`UserRepository`](allmine_domain::profiles::UserRepository)
//! and [`CachedUsernames`] a
//! [`UsernameReservations`](allmine_domain::usernames::UsernameReservations),
//! answering from the shared [`ReadModel`] when it holds the facts and is
//! trusted, and [`CachedDirectory`] serves search's
//! [`SearchDirectory`](allmine_domain::search::SearchDirectory) a caller's
//! blocks and the page of results (each user's search card, with the
//! caller's follow of them) from it; [`FeedFollower`] applies the feed's
//! [`ChangeFeed`](allmine_domain::feed::ChangeFeed) to it. It knows nothing
//! of SQL or HTTP.
//!
//! The bounds it keeps:
//! - a write through this instance is seen by its very next read (the
//!   adapters drop what the write changed as it returns);
//! - a write anywhere else is seen within [`FollowSettings::stale_at_most`]
//!   (one second by default), or the model is not trusted and every read
//!   goes to storage until the follower has caught up again.
//!
//! Modules, lowest first: `freshness` (the moment the model is fresh as of),
//! `hints` (which user a name leads to) and `store` (the cache and its
//! change generations), `viewers` (a viewer's relations, read once),
//! `misses` (the users it does not hold, read together), then `users` and
//! `directory` (the caching adapters) and `follower` (the feed's
//! application).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod directory;
mod follower;
mod freshness;
mod hints;
mod misses;
mod packed;
mod store;
mod users;
mod viewers;

pub use directory::CachedDirectory;
pub use follower::{FeedFollower, FollowSettings};
pub use misses::MissSettings;
pub use store::{ReadModel, ReadModelStats};
pub use users::{CachedUsernames, CachedUsers};
