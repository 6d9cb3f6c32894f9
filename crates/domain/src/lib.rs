//! The domain of Allmine's Users API.
//!
//! Pure Rust: value types that cannot hold invalid values ([`UserId`],
//! [`Username`]), the rules ([`privacy`], [`cooldown`]), the ports the
//! adapters implement ([`ports`]) and the use cases that drive them
//! ([`profiles`], [`usernames`]). Nothing here knows about HTTP, SQL or an async runtime.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod cooldown;
pub mod history;
pub mod id;
pub mod paging;
pub mod ports;
pub mod privacy;
pub mod profile_update;
pub mod profiles;
pub mod search;
pub mod user;
pub mod user_search;
pub mod username;
pub mod usernames;

#[cfg(test)]
mod testing;

pub use id::{IdError, PhotoId, StreamId, TransactionId, UserId};
pub use ports::{BoxError, Clock, RepositoryError, SystemClock};
pub use privacy::{FollowState, Relationship};
pub use user::{AvailabilityStatus, MediaType, ProfilePhoto, SocialHandles, Stats, User};
pub use username::{Username, UsernameError};
