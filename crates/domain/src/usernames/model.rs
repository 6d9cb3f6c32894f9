//! The usernames area's model: what a check answers ([`NameCheck`], with why a name is
//! [`Unavailable`]) and what a stored change reports ([`UsernameChanged`]). The name
//! itself, [`Username`](crate::naming::Username), is the shared leaf `naming`.

use time::OffsetDateTime;

use crate::naming::Username;

/// Why a name cannot be taken by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unavailable {
    /// Someone else's current name.
    Taken,
    /// A platform name, or made to look like one.
    Reserved,
    /// Recently given up by someone else, held for them.
    Held,
    /// The caller's own current name.
    Current,
}

/// The answer to "may I take this name?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCheck {
    /// `None` when the name is available.
    pub unavailable: Option<Unavailable>,
    /// Up to [`MAX_SUGGESTIONS`](super::MAX_SUGGESTIONS) available names derived from the one asked.
    pub suggestions: Vec<Username>,
}

/// A username change that was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernameChanged {
    /// The name before.
    pub old: Username,
    /// The name now.
    pub new: Username,
    /// When the next change is allowed; `None` when it is allowed now (a change
    /// of case while no cooldown runs). The same rule as the own profile's
    /// ([`next_username_change_allowed_at`](crate::naming::next_username_change_allowed_at)).
    pub next_change_allowed_at: Option<OffsetDateTime>,
}
