//! Profiles: a [`User`] and what their profile shows, who may see it, and the partial
//! profile update with the rules each field obeys.
//!
//! The lowest area: it uses only the shared leaves (ids, the clock, the repository error,
//! the username's rules in `naming`). The other areas take their caller from here
//! ([`CurrentUser`]).
//!
//! Files: `model.rs` (the user, their photo, availability, stats and social handles),
//! `privacy.rs` (the privacy rule, [`may_view_profile`]), `fields.rs` (what an update
//! reports), `update.rs` (the update and its field rules), `social.rs` (social-handle
//! rules, [`normalize_handle`]), `batch.rs` (several users at once, [`Batch`], and the
//! [`RelationshipView`] between two users), `ports.rs` (every port of the area) and
//! `service.rs` (the use cases, [`ProfileService`]).

mod batch;
mod fields;
mod model;
mod ports;
mod privacy;
mod service;
mod social;
mod update;

pub use batch::{Batch, BatchSizeError, MAX_BATCH, RelationshipView};
pub use fields::{FieldError, FieldProblem, ProfileField};
pub use model::{
    AvailabilityStatus, MediaType, Network, ProfilePhoto, SocialHandles, Socials, Stats, User,
    age_on,
};
pub use ports::{
    AccountState, UpdateProfileFailure, UserLookup, UserLookups, UserRepository,
    ViewerRelationships,
};
pub use privacy::{
    FollowState, ProfileAccessDenied, Relationship, ViewerRelations, may_view_profile,
};
pub use service::{
    AuthenticationError, CurrentUser, OwnProfile, ProfileService, ProfileView, UpdateProfileError,
    ViewProfileError,
};
pub use social::normalize_handle;
pub use update::{
    MAX_BIO, MAX_EXPERTISE, MAX_INTEREST, MAX_INTERESTS, MAX_MINUTE_PRICE, MAX_NAME, MIN_AGE,
    Patch, ProfileChanges, ProfileUpdateRequest, parse_date,
};
