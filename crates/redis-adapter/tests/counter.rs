//! The Redis counter on the machine's Redis (127.0.0.1:6379, or
//! `TEST_REDIS_URL`): these tests NEED a running Redis and fail, saying so,
//! without one (`.ci/run` starts it). Each test counts under a prefix of its
//! own, so tests running at once never share counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::num::NonZeroU32;
use std::time::Duration;

use allmine_domain::UserId;
use allmine_domain::limits::{Limit, LimitKey, LimitStatus, RateLimitSettings, RequestCounter};
use allmine_redis::{RedisCounter, RedisSettings};

fn url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

const LIMITS: RateLimitSettings = RateLimitSettings {
    username_checks_per_minute: 3,
    username_changes_per_minute: 0,
    searches_per_minute: 60,
    anonymous_profile_reads_per_minute: 10,
};

fn n(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

/// A counter under a fresh prefix, after checking Redis answers.
async fn counter() -> (RedisCounter, String) {
    let prefix = format!("allmine-test:{}:", uuid::Uuid::new_v4());
    let settings = RedisSettings {
        url: url(),
        prefix: prefix.clone(),
        // Generous: the machine is shared with builds; speed is not tested here.
        timeout: Duration::from_secs(2),
    };
    let counter = RedisCounter::new(&settings, LIMITS).unwrap();
    if let Err(error) = counter.check().await {
        panic!(
            "these tests need Redis at {} ({error}); start it with `redis-server --daemonize yes` \
             (.ci/run does)",
            url()
        );
    }
    (counter, prefix)
}

async fn raw() -> redis::aio::MultiplexedConnection {
    redis::Client::open(url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

fn address(text: &str) -> LimitKey {
    LimitKey::Address(text.parse().unwrap())
}

async fn count(counter: &RedisCounter, limit: Limit, key: &LimitKey, k: u32) -> LimitStatus {
    counter.count(limit, key, n(k)).await.unwrap().unwrap()
}

#[tokio::test]
async fn the_allowance_counts_down_then_refuses_with_the_wait_in_seconds() {
    let (counter, _) = counter().await;
    let key = LimitKey::User(UserId::parse("507f1f77bcf86cd799439011").unwrap());
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(count(&counter, Limit::UsernameChecks, &key, 1).await);
    }
    assert_eq!(
        seen.iter()
            .map(|s| (s.limit, s.remaining, s.refused))
            .collect::<Vec<_>>(),
        [(3, 2, false), (3, 1, false), (3, 0, false), (3, 0, true)]
    );
    // One request every 20 s refills a limit of 3 a minute.
    assert!((19..=20).contains(&seen[0].reset_secs), "{:?}", seen[0]);
    assert!((59..=60).contains(&seen[2].reset_secs), "{:?}", seen[2]);
    assert!((19..=20).contains(&seen[3].reset_secs), "{:?}", seen[3]);
}

#[tokio::test]
async fn keys_and_limits_have_allowances_of_their_own() {
    let (counter, _) = counter().await;
    let one = address("192.0.2.1");
    let other = address("192.0.2.2");
    assert_eq!(
        count(&counter, Limit::AnonymousProfileReads, &one, 10)
            .await
            .remaining,
        0
    );
    assert!(
        count(&counter, Limit::AnonymousProfileReads, &one, 1)
            .await
            .refused
    );
    assert_eq!(
        count(&counter, Limit::AnonymousProfileReads, &other, 1)
            .await
            .remaining,
        9
    );
    assert_eq!(
        count(&counter, Limit::Searches, &one, 1).await.remaining,
        59
    );
}

#[tokio::test]
async fn several_at_once_are_allowed_whole_or_not_at_all() {
    let (counter, _) = counter().await;
    let key = address("2001:db8::1");
    let first = count(&counter, Limit::AnonymousProfileReads, &key, 4).await;
    assert_eq!((first.refused, first.remaining), (false, 6));
    assert!((24..=24).contains(&first.reset_secs), "{first:?}");
    let refused = count(&counter, Limit::AnonymousProfileReads, &key, 7).await;
    assert!(refused.refused);
    assert!((6..=6).contains(&refused.reset_secs), "{refused:?}");
    // The refusal took nothing: the six left are still there.
    let rest = count(&counter, Limit::AnonymousProfileReads, &key, 6).await;
    assert_eq!((rest.refused, rest.remaining), (false, 0));
}

#[tokio::test]
async fn more_than_the_whole_allowance_is_refused_without_touching_redis() {
    let (counter, prefix) = counter().await;
    let key = address("192.0.2.9");
    let status = count(&counter, Limit::AnonymousProfileReads, &key, 11).await;
    assert_eq!(status, LimitStatus::beyond_allowance(10));
    let stored: Option<String> = redis::cmd("GET")
        .arg(RedisCounter::key_of(
            &prefix,
            Limit::AnonymousProfileReads,
            &key,
        ))
        .query_async(&mut raw().await)
        .await
        .unwrap();
    assert_eq!(stored, None);
}

#[tokio::test]
async fn a_limit_set_to_zero_is_off() {
    let (counter, _) = counter().await;
    let key = address("192.0.2.3");
    let status = counter
        .count(Limit::UsernameChanges, &key, n(1))
        .await
        .unwrap();
    assert_eq!(status, None);
}

#[tokio::test]
async fn keys_expire_when_the_allowance_is_whole_again() {
    let (counter, prefix) = counter().await;
    let key = address("198.51.100.4");
    count(&counter, Limit::AnonymousProfileReads, &key, 2).await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(RedisCounter::key_of(
            &prefix,
            Limit::AnonymousProfileReads,
            &key,
        ))
        .query_async(&mut raw().await)
        .await
        .unwrap();
    // Two of ten a minute come back after 12 s.
    assert!((11_000..=12_000).contains(&ttl), "PTTL {ttl}");
}

#[tokio::test]
async fn the_allowance_comes_back_once_the_key_is_gone() {
    let (counter, prefix) = counter().await;
    let key = address("198.51.100.5");
    count(&counter, Limit::AnonymousProfileReads, &key, 10).await;
    assert!(
        count(&counter, Limit::AnonymousProfileReads, &key, 1)
            .await
            .refused
    );
    // What expiry does after the wait, done now.
    let _: i64 = redis::cmd("DEL")
        .arg(RedisCounter::key_of(
            &prefix,
            Limit::AnonymousProfileReads,
            &key,
        ))
        .query_async(&mut raw().await)
        .await
        .unwrap();
    assert_eq!(
        count(&counter, Limit::AnonymousProfileReads, &key, 1)
            .await
            .remaining,
        9
    );
}

#[tokio::test]
async fn two_counters_on_one_prefix_share_one_allowance() {
    let (a, prefix) = counter().await;
    let b = RedisCounter::new(
        &RedisSettings {
            url: url(),
            prefix,
            timeout: Duration::from_secs(2),
        },
        LIMITS,
    )
    .unwrap();
    let key = address("203.0.113.8");
    let mut allowed = 0;
    for i in 0..12 {
        let counter = if i % 2 == 0 { &a } else { &b };
        if !count(counter, Limit::AnonymousProfileReads, &key, 1)
            .await
            .refused
        {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 10);
}

#[tokio::test]
async fn concurrent_counts_never_allow_more_than_the_allowance() {
    let (counter, _) = counter().await;
    let counter = std::sync::Arc::new(counter);
    let key = address("203.0.113.9");
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let counter = counter.clone();
            tokio::spawn(
                async move { count(&counter, Limit::AnonymousProfileReads, &key, 1).await },
            )
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if !task.await.unwrap().refused {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 10);
}

#[tokio::test]
async fn an_unreachable_redis_fails_fast_instead_of_hanging() {
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let counter = RedisCounter::new(
        &RedisSettings {
            url: format!("redis://127.0.0.1:{port}"),
            prefix: "unused:".to_owned(),
            timeout: Duration::from_millis(200),
        },
        LIMITS,
    )
    .unwrap();
    let key = address("192.0.2.1");
    let outcome = tokio::time::timeout(
        Duration::from_secs(5),
        counter.count(Limit::AnonymousProfileReads, &key, n(1)),
    )
    .await
    .expect("the call's own deadline ends it");
    assert!(outcome.is_err());
    assert!(counter.check().await.is_err());
}

#[test]
fn settings_never_print_the_url_which_may_hold_a_password() {
    let settings = RedisSettings {
        url: "redis://:hunter2@cache:6379".to_owned(),
        prefix: "p:".to_owned(),
        timeout: Duration::from_millis(50),
    };
    let printed = format!("{settings:?}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("p:"), "{printed}");
}

#[test]
fn a_url_that_is_not_redis_is_refused_and_not_echoed() {
    let settings = RedisSettings {
        url: "http://user:secret@example".to_owned(),
        prefix: String::new(),
        timeout: Duration::from_millis(50),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime
        .block_on(async { RedisCounter::new(&settings, LIMITS) })
        .unwrap_err();
    assert!(!error.to_string().contains("secret"));
}
