//! Usernames: whether the caller may take a name (with alternatives when not), and
//! changing one's name under the 30-day cooldown, with the old name held for 14 days.
//!
//! Uses the profiles area (the caller, [`CurrentUser`](crate::profiles::CurrentUser), and
//! the user store) and the shared leaves; no other area uses it. The name's own rules
//! (format, reserved names, cooldown) live in the shared leaf `naming`, because a profile
//! shows the name too; they are re-exported here, so this area reads as one.
//!
//! Files: `model.rs` (what a check and a change report), `suggestions.rs` (the rule for
//! alternatives), `ports.rs` (every port of the area) and `service.rs` (the use cases,
//! [`UsernameService`]).

mod model;
mod ports;
mod service;
mod suggestions;

pub use crate::naming::{
    CooldownActive, MAX_LENGTH, MIN_LENGTH, RESERVED, USERNAME_CHANGE_COOLDOWN, USERNAME_HOLD,
    Username, UsernameError, is_reserved, may_change_username, next_username_change_allowed_at,
};
pub use model::{NameCheck, Unavailable, UsernameChanged};
pub use ports::{NameState, UsernameChange, UsernameChangeFailure, UsernameReservations};
pub use service::{ChangeUsernameError, CheckUsernameError, UsernameService};
pub use suggestions::{MAX_SUGGESTIONS, suggestion_candidates};
