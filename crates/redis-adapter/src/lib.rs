//! The Redis outbound adapter: rate limits counted once for the whole fleet.
//! [`RedisCounter`] implements the domain's
//! [`RequestCounter`](allmine_domain::limits::RequestCounter) with GCRA (the
//! rule governor follows in one process's memory) done by one Lua script, so
//! that reading the key's theoretical arrival time, deciding and writing it
//! back are one atomic step however many replicas count at once. The clock is
//! Redis's own (`TIME`), so replicas whose clocks disagree still agree on the
//! counts. Each key expires when its allowance is whole again, so idle keys
//! cost nothing.
//!
//! Every call has a short deadline: a slow or unreachable Redis makes the
//! call fail fast ([`CounterUnavailable`]) rather than hold the request, and
//! the caller decides what to count with meanwhile.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use std::num::NonZeroU32;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::{Client, Script};

use allmine_domain::limits::{
    CounterUnavailable, Limit, LimitKey, LimitStatus, RateLimitSettings, RequestCounter,
};

/// The default key namespace (`RATE_LIMIT_REDIS_PREFIX`).
pub const DEFAULT_PREFIX: &str = "allmine:rl:";
/// The default deadline of one call to Redis.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(50);

/// One minute in microseconds: every limit is per minute.
const MINUTE_MICROS: u64 = 60_000_000;

/// GCRA, atomically. KEYS[1]: the key. ARGV: the emission interval (µs
/// between two requests at the steady rate), the burst (the limit a minute)
/// and how many requests are counted at once. The key holds the theoretical
/// arrival time (µs on Redis's clock) and expires when it has passed.
/// Returns {allowed (1|0), remaining, µs until the allowance is whole (when
/// allowed) or until the request would fit (when refused)}.
const GCRA: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tolerance = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then
  tat = now
end
local new_tat = tat + interval * n
local ahead = new_tat - now
if ahead > tolerance then
  return {0, 0, ahead - tolerance}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', string.format('%d', math.ceil(ahead / 1000)))
return {1, math.floor((tolerance - ahead) / interval), ahead}
";

/// How to reach Redis and name the keys. Its `Debug` leaves the URL out:
/// it may hold a password.
#[derive(Clone)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]`.
    pub url: String,
    /// Put before every key (`RATE_LIMIT_REDIS_PREFIX`), so that deployments
    /// (or tests) sharing one Redis never share counts.
    pub prefix: String,
    /// The deadline of one call (connecting included).
    pub timeout: Duration,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &"[redacted]")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The URL could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not a redis:// URL")]
pub struct InvalidRedisUrl;

/// A Redis call failed, or took longer than its deadline.
#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("redis answered {0:?}, not the script's three numbers")]
    Unexpected(Vec<i64>),
}

impl From<CallError> for CounterUnavailable {
    fn from(error: CallError) -> Self {
        CounterUnavailable(Box::new(error))
    }
}

/// Checks a Redis URL without connecting.
///
/// ```
/// assert!(allmine_redis::parse_url("redis://127.0.0.1:6379/0").is_ok());
/// assert!(allmine_redis::parse_url("redis://[::1").is_err());
/// ```
pub fn parse_url(url: &str) -> Result<(), InvalidRedisUrl> {
    Client::open(url).map(drop).map_err(|_| InvalidRedisUrl)
}

/// Request counts in Redis, shared by every process that uses the same
/// Redis and prefix.
pub struct RedisCounter {
    connection: ConnectionManager,
    script: Script,
    prefix: String,
    timeout: Duration,
    limits: RateLimitSettings,
}

impl std::fmt::Debug for RedisCounter {
    // The URL may hold a password: it is not kept, and never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCounter")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisCounter {
    /// Counts by `limits` in the Redis `settings` name. Connects lazily (and
    /// reconnects by itself), so it can be built while Redis is down; must be
    /// called inside a Tokio runtime.
    pub fn new(
        settings: &RedisSettings,
        limits: RateLimitSettings,
    ) -> Result<Self, InvalidRedisUrl> {
        let client = Client::open(settings.url.as_str()).map_err(|_| InvalidRedisUrl)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            // One quick retry: the fallback, not the manager, rides out an outage.
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(settings.timeout);
        let connection =
            ConnectionManager::new_lazy_with_config(client, config).map_err(|_| InvalidRedisUrl)?;
        Ok(Self {
            connection,
            script: Script::new(GCRA),
            prefix: settings.prefix.clone(),
            timeout: settings.timeout,
            limits,
        })
    }

    /// The Redis key of `key`'s count against `limit`: the prefix, the
    /// limit's name, and the key.
    ///
    /// ```
    /// use allmine_domain::limits::{Limit, LimitKey};
    /// let key = LimitKey::Address("192.0.2.7".parse().unwrap());
    /// assert_eq!(
    ///     allmine_redis::RedisCounter::key_of("allmine:rl:", Limit::AnonymousProfileReads, &key),
    ///     "allmine:rl:anonymous_profile_reads:a:192.0.2.7"
    /// );
    /// ```
    pub fn key_of(prefix: &str, limit: Limit, key: &LimitKey) -> String {
        format!("{prefix}{}:{key}", limit.name())
    }

    async fn within<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, CallError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(answer) => Ok(answer?),
            Err(_) => Err(CallError::Timeout(self.timeout)),
        }
    }
}

#[async_trait]
impl RequestCounter for RedisCounter {
    async fn count(
        &self,
        limit: Limit,
        key: &LimitKey,
        n: NonZeroU32,
    ) -> Result<Option<LimitStatus>, CounterUnavailable> {
        let Some(per_minute) = self.limits.per_minute(limit) else {
            return Ok(None);
        };
        if n > per_minute {
            return Ok(Some(LimitStatus::beyond_allowance(per_minute.get())));
        }
        let interval = MINUTE_MICROS / u64::from(per_minute.get());
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(Self::key_of(&self.prefix, limit, key));
        invocation.arg(interval).arg(per_minute.get()).arg(n.get());
        let answer: Vec<i64> = self
            .within(invocation.invoke_async(&mut connection))
            .await?;
        let &[allowed, remaining, micros] = answer.as_slice() else {
            return Err(CallError::Unexpected(answer).into());
        };
        let secs = ceil_secs(micros);
        Ok(Some(LimitStatus {
            limit: per_minute.get(),
            remaining: u32::try_from(remaining.max(0)).unwrap_or(0),
            reset_secs: if allowed == 1 { secs } else { secs.max(1) },
            refused: allowed != 1,
        }))
    }

    async fn check(&self) -> Result<(), CounterUnavailable> {
        let mut connection = self.connection.clone();
        let pong: String = self
            .within(redis::cmd("PING").query_async(&mut connection))
            .await?;
        match pong.as_str() {
            "PONG" => Ok(()),
            _ => Err(CallError::Unexpected(Vec::new()).into()),
        }
    }
}

fn ceil_secs(micros: i64) -> u64 {
    let micros = u64::try_from(micros.max(0)).unwrap_or(0);
    micros.div_ceil(1_000_000)
}
