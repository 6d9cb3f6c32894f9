//! Abuse limits: username checks, username changes and searches per user,
//! anonymous profile reads per client address (a batch read counts each user
//! it asks for). Every limited response carries
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` so clients
//! can pace themselves; a refusal is 429 in the envelope with `Retry-After`.
//! The counting goes through the domain's
//! [`RequestCounter`](allmine_domain::limits::RequestCounter) port: here in
//! the process's memory ([`MemoryCounter`], governor's GCRA), or in a store
//! the server wires for the whole fleet. The anonymous limit is keyed by the
//! client's address as [`crate::client_address`] finds it.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use async_trait::async_trait;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{InsufficientCapacity, Quota, RateLimiter};

use allmine_domain::UserId;
use allmine_domain::limits::{CounterUnavailable, LimitKey, LimitStatus, RequestCounter};
pub use allmine_domain::limits::{Limit as LimitName, RateLimitSettings};

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// The refusals counter: `allmine_rate_limit_refusals_total{limit}`.
pub const REFUSALS_METRIC: &str = "allmine_rate_limit_refusals_total";

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

impl From<LimitStatus> for RateLimitStatus {
    fn from(status: LimitStatus) -> Self {
        Self {
            limit: status.limit,
            remaining: status.remaining,
            reset_secs: status.reset_secs,
            refused: status.refused,
        }
    }
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

    #[cfg(test)]
    fn check(&self, key: &K) -> LimitStatus {
        self.check_n(key, NonZeroU32::MIN)
    }

    /// Counts `n` requests at once: all of them are allowed, or none.
    fn check_n(&self, key: &K, n: NonZeroU32) -> LimitStatus {
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
                return LimitStatus::beyond_allowance(capacity);
            }
        };
        match outcome {
            Ok(snapshot) => {
                let quota = snapshot.quota();
                let limit = quota.burst_size().get();
                let remaining = snapshot.remaining_burst_capacity();
                let missing = limit.saturating_sub(remaining);
                let reset = quota.replenish_interval() * missing;
                LimitStatus {
                    limit,
                    remaining,
                    reset_secs: ceil_secs(reset),
                    refused: false,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                LimitStatus {
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

/// The limits counted in this process's memory (governor's GCRA): each
/// process has its own counts.
pub struct MemoryCounter {
    username_checks: Option<Limit<LimitKey>>,
    username_changes: Option<Limit<LimitKey>>,
    searches: Option<Limit<LimitKey>>,
    anonymous_profile_reads: Option<Limit<LimitKey>>,
}

impl std::fmt::Debug for MemoryCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCounter").finish_non_exhaustive()
    }
}

impl MemoryCounter {
    /// Counts for these settings.
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            username_checks: Limit::per_minute(settings.username_checks_per_minute),
            username_changes: Limit::per_minute(settings.username_changes_per_minute),
            searches: Limit::per_minute(settings.searches_per_minute),
            anonymous_profile_reads: Limit::per_minute(settings.anonymous_profile_reads_per_minute),
        }
    }

    /// Counts at once, without waiting for anything.
    pub fn count_now(
        &self,
        limit: LimitName,
        key: &LimitKey,
        n: NonZeroU32,
    ) -> Option<LimitStatus> {
        let counts = match limit {
            LimitName::UsernameChecks => self.username_checks.as_ref(),
            LimitName::UsernameChanges => self.username_changes.as_ref(),
            LimitName::Searches => self.searches.as_ref(),
            LimitName::AnonymousProfileReads => self.anonymous_profile_reads.as_ref(),
        }?;
        Some(counts.check_n(key, n))
    }
}

#[async_trait]
impl RequestCounter for MemoryCounter {
    async fn count(
        &self,
        limit: LimitName,
        key: &LimitKey,
        n: NonZeroU32,
    ) -> Result<Option<LimitStatus>, CounterUnavailable> {
        Ok(self.count_now(limit, key, n))
    }
}

/// The limits the handlers count against, through whichever store the
/// server wired (this process's memory, or one the fleet shares).
#[derive(Debug, Clone)]
pub struct RateLimiters {
    counter: Arc<dyn RequestCounter>,
}

impl RateLimiters {
    /// Limits counted in this process's memory.
    pub fn new(settings: RateLimitSettings) -> Self {
        Self::with_counter(Arc::new(MemoryCounter::new(settings)))
    }

    /// Limits counted by `counter`.
    pub fn with_counter(counter: Arc<dyn RequestCounter>) -> Self {
        Self { counter }
    }

    /// Counts `n` requests of `key` against `limit`; `None` when that limit
    /// is off. A store that cannot answer lets the request through (the
    /// server wraps its shared store in a fallback, so this is a last
    /// resort), and every refusal is counted in [`REFUSALS_METRIC`].
    async fn count(
        &self,
        limit: LimitName,
        key: LimitKey,
        n: NonZeroU32,
    ) -> Option<RateLimitStatus> {
        let status = match self.counter.count(limit, &key, n).await {
            Ok(status) => status?,
            Err(error) => {
                tracing::debug!(%error, %limit, "rate limit not counted");
                return None;
            }
        };
        if status.refused {
            metrics::counter!(REFUSALS_METRIC, "limit" => limit.name()).increment(1);
        }
        Some(status.into())
    }

    /// Counts a request of `user` against the limit `L`; `None` when that
    /// limit is off.
    pub async fn check_user<L: UserLimit>(&self, user: &UserId) -> Option<RateLimitStatus> {
        self.count(L::LIMIT, LimitKey::User(*user), NonZeroU32::MIN)
            .await
    }

    /// Counts an anonymous read of `profiles` profiles from `address` (one
    /// request, one or several users); `None` when that limit is off.
    pub async fn check_anonymous(
        &self,
        address: IpAddr,
        profiles: NonZeroU32,
    ) -> Option<RateLimitStatus> {
        self.count(
            LimitName::AnonymousProfileReads,
            LimitKey::Address(address),
            profiles,
        )
        .await
    }
}

/// Which per-user limit an endpoint counts against.
pub trait UserLimit {
    /// The limit.
    const LIMIT: LimitName;
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
    const LIMIT: LimitName = LimitName::UsernameChecks;
}
impl UserLimit for UsernameChanges {
    const LIMIT: LimitName = LimitName::UsernameChanges;
}
impl UserLimit for Searches {
    const LIMIT: LimitName = LimitName::Searches;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_counts_down_then_refuses_with_a_wait() {
        let limit = Limit::<u8>::per_minute(3).unwrap();
        let statuses: Vec<LimitStatus> = (0..4).map(|_| limit.check(&1)).collect();
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

    /// Records counter increments as `name{label=value} +n`.
    #[derive(Default, Clone)]
    struct Recorded(Arc<std::sync::Mutex<Vec<String>>>);

    struct Increment(String, Recorded);

    impl metrics::CounterFn for Increment {
        fn increment(&self, by: u64) {
            self.1.0.lock().unwrap().push(format!("{} +{by}", self.0));
        }
        fn absolute(&self, _: u64) {}
    }

    impl metrics::Recorder for Recorded {
        fn describe_counter(
            &self,
            _: metrics::KeyName,
            _: Option<metrics::Unit>,
            _: metrics::SharedString,
        ) {
        }
        fn describe_gauge(
            &self,
            _: metrics::KeyName,
            _: Option<metrics::Unit>,
            _: metrics::SharedString,
        ) {
        }
        fn describe_histogram(
            &self,
            _: metrics::KeyName,
            _: Option<metrics::Unit>,
            _: metrics::SharedString,
        ) {
        }
        fn register_counter(
            &self,
            key: &metrics::Key,
            _: &metrics::Metadata<'_>,
        ) -> metrics::Counter {
            let labels: Vec<String> = key
                .labels()
                .map(|label| format!("{}={}", label.key(), label.value()))
                .collect();
            let name = format!("{}{{{}}}", key.name(), labels.join(","));
            metrics::Counter::from_arc(Arc::new(Increment(name, self.clone())))
        }
        fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
            metrics::Gauge::noop()
        }
        fn register_histogram(
            &self,
            _: &metrics::Key,
            _: &metrics::Metadata<'_>,
        ) -> metrics::Histogram {
            metrics::Histogram::noop()
        }
    }

    #[test]
    fn every_refusal_and_only_a_refusal_is_counted_by_limit() {
        let recorded = Recorded::default();
        let limits = RateLimiters::new(RateLimitSettings {
            username_checks_per_minute: 0,
            username_changes_per_minute: 1,
            searches_per_minute: 5,
            anonymous_profile_reads_per_minute: 2,
        });
        let user = UserId::parse("507f1f77bcf86cd799439011").unwrap();
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        metrics::with_local_recorder(&recorded, || {
            actix_web::rt::System::new().block_on(async {
                let two = NonZeroU32::new(2).unwrap();
                assert!(!limits.check_anonymous(address, two).await.unwrap().refused);
                assert!(
                    limits
                        .check_anonymous(address, NonZeroU32::MIN)
                        .await
                        .unwrap()
                        .refused
                );
                assert!(limits.check_anonymous(address, two).await.unwrap().refused);
                assert!(
                    !limits
                        .check_user::<UsernameChanges>(&user)
                        .await
                        .unwrap()
                        .refused
                );
                assert!(
                    limits
                        .check_user::<UsernameChanges>(&user)
                        .await
                        .unwrap()
                        .refused
                );
                assert!(!limits.check_user::<Searches>(&user).await.unwrap().refused);
                assert_eq!(limits.check_user::<UsernameChecks>(&user).await, None);
            });
        });
        assert_eq!(
            *recorded.0.lock().unwrap(),
            [
                "allmine_rate_limit_refusals_total{limit=anonymous_profile_reads} +1",
                "allmine_rate_limit_refusals_total{limit=anonymous_profile_reads} +1",
                "allmine_rate_limit_refusals_total{limit=username_changes} +1",
            ]
        );
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
