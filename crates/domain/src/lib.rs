//! The domain of Allmine's Users API: value types that cannot hold invalid values, the
//! rules, the ports the adapters implement and the use cases that drive them. Pure Rust:
//! nothing here knows about HTTP, SQL or an async runtime.
//!
//! Grouped by area, each a folder with its model, its rules, `ports.rs` (every port of the
//! area) and its use cases:
//!
//! - [`profiles`]: users, who may see a profile, and the profile update. The lowest area.
//! - [`usernames`]: checking and changing one's username (uses profiles).
//! - [`history`]: the caller's credit history (uses profiles).
//! - [`search`]: finding users, and keeping the search index fed (uses profiles).
//!
//! Below the areas are shared leaves that use no area: twelve-byte ids ([`UserId`] and
//! the others), the username's own rules ([`Username`], re-exported by [`usernames`]),
//! the [`Clock`], the [`RepositoryError`] every storage port returns, [`paging`], and the
//! [`feed`] of changes that keeps copies of the users (search, the read model) current, and
//! the [`progress`] port long work reports through. An
//! area may use the leaves and a lower area, never the other way round.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod clock;
mod error;
pub mod feed;
mod ids;
mod naming;
pub mod paging;

pub mod history;
pub mod profiles;
pub mod progress;
pub mod search;
pub mod usernames;

#[cfg(test)]
mod testing;

pub use clock::{Clock, SystemClock};
pub use error::{BoxError, RepositoryError};
pub use ids::{IdError, PhotoId, StreamId, TransactionId, UserId};
pub use naming::{Username, UsernameError};
pub use profiles::{
    AvailabilityStatus, FollowState, MediaType, ProfilePhoto, Relationship, SocialHandles, Stats,
    User,
};
