//! Abuse limits: username checks, username changes and searches per user,
//! anonymous profile reads per client address (a batch read counts each user
//! it asks for). Every limited response carries
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` so clients
//! can pace themselves; a refusal is 429 in the envelope with `Retry-After`.
//! The counting is governor's GCRA, keyed by user or address.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{InsufficientCapacity, Quota, RateLimiter};

use allmine_domain::UserId;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

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

/// Where a request stands with its limit; the envelope middleware turns it
/// into the `RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitStatus {
    /// Requests allowed in a burst.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the full allowance is back (on a refusal: until the next
    /// request is allowed).
    pub reset_secs: u64,
    /// Whether this request was refused.
    pub refused: bool,
}

impl RateLimitStatus {
    /// The headers [`write_headers`](Self::write_headers) writes on every
    /// limited answer (a refusal adds `Retry-After`), lower case.
    pub const HEADERS: [&'static str; 3] =
        ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"];

    /// Writes the headers for this status.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let number = |n: u64| HeaderValue::from_str(&n.to_string()).ok();
        let [limit, remaining, reset] = Self::HEADERS;
        let pairs = [
            (limit, number(u64::from(self.limit))),
            (remaining, number(u64::from(self.remaining))),
            (reset, number(self.reset_secs)),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        if self.refused
            && let Some(value) = number(self.reset_secs.max(1))
        {
            headers.insert(RETRY_AFTER, value);
        }
    }
}

struct Limit<K: std::hash::Hash + Eq + Clone> {
    limiter: Keyed<K>,
    checks: AtomicU64,
}

impl<K: std::hash::Hash + Eq + Clone> Limit<K> {
    fn per_minute(count: u32) -> Option<Self> {
        let count = NonZeroU32::new(count)?;
        let limiter = RateLimiter::keyed(Quota::per_minute(count))
            .with_middleware::<StateInformationMiddleware>();
        Some(Self {
            limiter,
            checks: AtomicU64::new(0),
        })
    }

    fn check(&self, key: &K) -> RateLimitStatus {
        self.check_n(key, NonZeroU32::MIN)
    }

    /// Counts `n` requests at once: all of them are allowed, or none.
    fn check_n(&self, key: &K, n: NonZeroU32) -> RateLimitStatus {
        // Forget idle keys now and then so the map stays small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        let outcome = match self.limiter.check_key_n(key, n) {
            Ok(outcome) => outcome,
            // More than the whole allowance (`capacity`): no wait would make it
            // fit. Refused, with the minute after which a smaller request surely fits.
            Err(InsufficientCapacity(capacity)) => {
                return RateLimitStatus {
                    limit: capacity,
                    remaining: 0,
                    reset_secs: 60,
                    refused: true,
                };
            }
        };
        match outcome {
            Ok(snapshot) => {
                let quota = snapshot.quota();
                let limit = quota.burst_size().get();
                let remaining = snapshot.remaining_burst_capacity();
                let missing = limit.saturating_sub(remaining);
                let reset = quota.replenish_interval() * missing;
                RateLimitStatus {
                    limit,
                    remaining,
                    reset_secs: ceil_secs(reset),
                    refused: false,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                RateLimitStatus {
                    limit: not_until.quota().burst_size().get(),
                    remaining: 0,
                    reset_secs: ceil_secs(wait).max(1),
                    refused: true,
                }
            }
        }
    }
}

fn ceil_secs(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// The limiters of one server process.
pub struct RateLimiters {
    username_checks: Option<Limit<UserId>>,
    username_changes: Option<Limit<UserId>>,
    searches: Option<Limit<UserId>>,
    anonymous_profile_reads: Option<Limit<IpAddr>>,
}

impl std::fmt::Debug for RateLimiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiters").finish_non_exhaustive()
    }
}

impl RateLimiters {
    /// Limiters for these settings.
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            username_checks: Limit::per_minute(settings.username_checks_per_minute),
            username_changes: Limit::per_minute(settings.username_changes_per_minute),
            searches: Limit::per_minute(settings.searches_per_minute),
            anonymous_profile_reads: Limit::per_minute(settings.anonymous_profile_reads_per_minute),
        }
    }
}

/// The per-user limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserLimitKind {
    /// `POST /api/v1/users/check-username`.
    UsernameChecks,
    /// `PATCH /api/v1/users/username`.
    UsernameChanges,
    /// `GET /api/v2/users/search`.
    Searches,
}

impl RateLimiters {
    /// Counts a request of `user` against the limit `kind`; `None` when that
    /// limit is off.
    pub fn check_user(&self, kind: UserLimitKind, user: &UserId) -> Option<RateLimitStatus> {
        let limit = match kind {
            UserLimitKind::UsernameChecks => self.username_checks.as_ref(),
            UserLimitKind::UsernameChanges => self.username_changes.as_ref(),
            UserLimitKind::Searches => self.searches.as_ref(),
        };
        limit.map(|limit| limit.check(user))
    }

    /// Counts an anonymous read of `profiles` profiles from `address` (one
    /// request, one or several users); `None` when that limit is off.
    pub fn check_anonymous(
        &self,
        address: &IpAddr,
        profiles: NonZeroU32,
    ) -> Option<RateLimitStatus> {
        self.anonymous_profile_reads
            .as_ref()
            .map(|limit| limit.check_n(address, profiles))
    }
}

/// Which per-user limit an endpoint counts against.
pub trait UserLimit {
    /// The limit.
    const KIND: UserLimitKind;
}

/// `POST /api/v1/users/check-username`.
#[derive(Debug)]
pub enum UsernameChecks {}
/// `PATCH /api/v1/users/username`.
#[derive(Debug)]
pub enum UsernameChanges {}
/// `GET /api/v2/users/search`.
#[derive(Debug)]
pub enum Searches {}

impl UserLimit for UsernameChecks {
    const KIND: UserLimitKind = UserLimitKind::UsernameChecks;
}
impl UserLimit for UsernameChanges {
    const KIND: UserLimitKind = UserLimitKind::UsernameChanges;
}
impl UserLimit for Searches {
    const KIND: UserLimitKind = UserLimitKind::Searches;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_counts_down_then_refuses_with_a_wait() {
        let limit = Limit::<u8>::per_minute(3).unwrap();
        let statuses: Vec<RateLimitStatus> = (0..4).map(|_| limit.check(&1)).collect();
        assert_eq!(
            statuses.iter().map(|s| s.remaining).collect::<Vec<_>>(),
            [2, 1, 0, 0]
        );
        assert!(!statuses[2].refused);
        assert!(statuses[3].refused);
        assert!(
            (1..=20).contains(&statuses[3].reset_secs),
            "{:?}",
            statuses[3]
        );
        assert!(
            !limit.check(&2).refused,
            "another key has its own allowance"
        );
    }

    #[test]
    fn a_request_for_several_counts_each_and_is_allowed_whole_or_not_at_all() {
        let limit = Limit::<u8>::per_minute(10).unwrap();
        let n = |n: u32| NonZeroU32::new(n).unwrap();
        let first = limit.check_n(&1, n(4));
        assert_eq!((first.refused, first.remaining), (false, 6));
        let second = limit.check_n(&1, n(6));
        assert_eq!((second.refused, second.remaining), (false, 0));
        let refused = limit.check_n(&1, n(2));
        assert!(refused.refused);
        assert!((1..=20).contains(&refused.reset_secs), "{refused:?}");
        // A refusal takes nothing: another key, or this one later, is unaffected.
        assert_eq!(limit.check_n(&2, n(10)).remaining, 0);
    }

    #[test]
    fn a_request_for_more_than_the_whole_allowance_is_refused_and_takes_nothing() {
        let limit = Limit::<u8>::per_minute(3).unwrap();
        let status = limit.check_n(&1, NonZeroU32::new(4).unwrap());
        assert!(status.refused);
        assert_eq!(
            (status.limit, status.remaining, status.reset_secs),
            (3, 0, 60)
        );
        assert_eq!(limit.check_n(&1, NonZeroU32::new(3).unwrap()).remaining, 0);
    }

    #[test]
    fn zero_turns_a_limit_off() {
        assert!(Limit::<u8>::per_minute(0).is_none());
    }

    #[test]
    fn refusals_carry_retry_after() {
        let mut headers = HeaderMap::new();
        RateLimitStatus {
            limit: 5,
            remaining: 0,
            reset_secs: 12,
            refused: true,
        }
        .write_headers(&mut headers);
        assert_eq!(headers.get("ratelimit-limit").unwrap(), "5");
        assert_eq!(headers.get("ratelimit-remaining").unwrap(), "0");
        assert_eq!(headers.get("ratelimit-reset").unwrap(), "12");
        assert_eq!(headers.get("retry-after").unwrap(), "12");
    }
}
