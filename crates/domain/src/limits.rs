//! Abuse limits as the domain sees them: which limits there are, how many
//! requests a minute each allows, and the port that counts requests against
//! them ([`RequestCounter`]). Where the counts live (one process's memory, or
//! a store the whole fleet shares) is the adapters' business; every store
//! answers with the same [`LimitStatus`], so clients see the same headers
//! whichever counts. A shared leaf: it uses no area.
//!
//! The counting rule is GCRA (the generic cell rate algorithm): a limit of
//! `n` a minute allows a burst of `n` requests, and one more every `60 / n`
//! seconds after that.

use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;

use async_trait::async_trait;

use crate::error::BoxError;
use crate::ids::UserId;

/// The limits, each counted on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Username availability checks, per user.
    UsernameChecks,
    /// Username changes, per user.
    UsernameChanges,
    /// Searches, per user.
    Searches,
    /// Profile reads without a token, per client address (a batch read
    /// counts each user it asks for).
    AnonymousProfileReads,
}

impl Limit {
    /// Every limit.
    pub const ALL: [Self; 4] = [
        Self::UsernameChecks,
        Self::UsernameChanges,
        Self::Searches,
        Self::AnonymousProfileReads,
    ];

    /// The limit's stable name, as stores key it and metrics label it.
    ///
    /// ```
    /// use allmine_domain::limits::Limit;
    /// assert_eq!(Limit::AnonymousProfileReads.name(), "anonymous_profile_reads");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Self::UsernameChecks => "username_checks",
            Self::UsernameChanges => "username_changes",
            Self::Searches => "searches",
            Self::AnonymousProfileReads => "anonymous_profile_reads",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who a limit counts: a signed-in user, or an anonymous client's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitKey {
    /// A signed-in user.
    User(UserId),
    /// An anonymous client, by address.
    Address(IpAddr),
}

impl fmt::Display for LimitKey {
    /// `u:` and the user's id, or `a:` and the address: keys of different
    /// kinds never collide.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "u:{id}"),
            Self::Address(address) => write!(f, "a:{address}"),
        }
    }
}

/// How many requests a minute each limit allows; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// `POST /api/v1/users/check-username`, per user.
    pub username_checks_per_minute: u32,
    /// `PATCH /api/v1/users/username`, per user.
    pub username_changes_per_minute: u32,
    /// `GET /api/v2/users/search`, per user.
    pub searches_per_minute: u32,
    /// Profile reads without a token, per client address.
    pub anonymous_profile_reads_per_minute: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            username_checks_per_minute: 30,
            username_changes_per_minute: 5,
            searches_per_minute: 120,
            anonymous_profile_reads_per_minute: 120,
        }
    }
}

impl RateLimitSettings {
    /// What `limit` allows a minute; `None` when it is off.
    ///
    /// ```
    /// use allmine_domain::limits::{Limit, RateLimitSettings};
    /// let settings = RateLimitSettings { searches_per_minute: 0, ..Default::default() };
    /// assert_eq!(settings.per_minute(Limit::Searches), None);
    /// assert_eq!(settings.per_minute(Limit::UsernameChanges).map(|n| n.get()), Some(5));
    /// ```
    pub fn per_minute(&self, limit: Limit) -> Option<NonZeroU32> {
        NonZeroU32::new(match limit {
            Limit::UsernameChecks => self.username_checks_per_minute,
            Limit::UsernameChanges => self.username_changes_per_minute,
            Limit::Searches => self.searches_per_minute,
            Limit::AnonymousProfileReads => self.anonymous_profile_reads_per_minute,
        })
    }
}

/// Where a key stands with its limit after a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitStatus {
    /// Requests allowed in a burst (the limit per minute).
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the full allowance is back (on a refusal: until the
    /// refused request would be allowed).
    pub reset_secs: u64,
    /// Whether the counted requests were refused (a refusal counts nothing).
    pub refused: bool,
}

impl LimitStatus {
    /// The answer to a request for more than the whole allowance: no wait
    /// makes it fit, so it is refused, with the minute after which any
    /// smaller request surely fits.
    ///
    /// ```
    /// use allmine_domain::limits::LimitStatus;
    /// let status = LimitStatus::beyond_allowance(3);
    /// assert!(status.refused);
    /// assert_eq!((status.limit, status.remaining, status.reset_secs), (3, 0, 60));
    /// ```
    pub const fn beyond_allowance(limit: u32) -> Self {
        Self {
            limit,
            remaining: 0,
            reset_secs: 60,
            refused: true,
        }
    }
}

/// A store of request counts could not answer (it is unreachable, slow or
/// answered nonsense). Callers decide what to do without it.
#[derive(Debug, thiserror::Error)]
#[error("the rate limit store is unavailable")]
pub struct CounterUnavailable(#[source] pub BoxError);

/// Counts requests against the limits: "count `n` requests of `key` against
/// `limit`, and say where it stands". All `n` are allowed, or none (a refusal
/// takes nothing). Stores are built with the [`RateLimitSettings`] they count
/// by.
///
/// ```
/// use std::num::NonZeroU32;
/// use allmine_domain::limits::{CounterUnavailable, Limit, LimitKey, LimitStatus, RequestCounter};
///
/// /// A store that allows everything, for the example.
/// #[derive(Debug)]
/// struct Unlimited;
///
/// #[async_trait::async_trait]
/// impl RequestCounter for Unlimited {
///     async fn count(&self, _: Limit, _: &LimitKey, n: NonZeroU32)
///         -> Result<Option<LimitStatus>, CounterUnavailable> {
///         Ok(Some(LimitStatus { limit: u32::MAX, remaining: u32::MAX - n.get(), reset_secs: 0, refused: false }))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let key = LimitKey::Address("192.0.2.7".parse().unwrap());
/// let status = Unlimited.count(Limit::AnonymousProfileReads, &key, NonZeroU32::MIN).await.unwrap();
/// assert!(!status.unwrap().refused);
/// assert!(Unlimited.check().await.is_ok());
/// # });
/// ```
#[async_trait]
pub trait RequestCounter: Send + Sync + fmt::Debug {
    /// Counts `n` requests of `key` against `limit`; `None` when that limit
    /// is off (0 a minute).
    async fn count(
        &self,
        limit: Limit,
        key: &LimitKey,
        n: NonZeroU32,
    ) -> Result<Option<LimitStatus>, CounterUnavailable>;

    /// Whether the store answers now, without counting anything. A store in
    /// the process's memory always does.
    async fn check(&self) -> Result<(), CounterUnavailable> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_users_and_addresses_never_collide() {
        let user = LimitKey::User(UserId::parse("507f1f77bcf86cd799439011").unwrap());
        let address = LimitKey::Address("2001:db8::1".parse().unwrap());
        assert_eq!(user.to_string(), "u:507f1f77bcf86cd799439011");
        assert_eq!(address.to_string(), "a:2001:db8::1");
    }

    #[test]
    fn every_limit_has_its_own_name_and_setting() {
        let settings = RateLimitSettings {
            username_checks_per_minute: 1,
            username_changes_per_minute: 2,
            searches_per_minute: 3,
            anonymous_profile_reads_per_minute: 4,
        };
        let seen: Vec<(&str, u32)> = Limit::ALL
            .iter()
            .map(|l| (l.name(), settings.per_minute(*l).unwrap().get()))
            .collect();
        assert_eq!(
            seen,
            [
                ("username_checks", 1),
                ("username_changes", 2),
                ("searches", 3),
                ("anonymous_profile_reads", 4)
            ]
        );
    }
}
