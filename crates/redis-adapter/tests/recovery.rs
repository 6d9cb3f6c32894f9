//! A Redis that goes away and comes back: the counter answers again without
//! being rebuilt. Starts a private `redis-server` on a free port (the binary
//! must be installed; `.ci/run` installs it) and never touches the machine's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::num::NonZeroU32;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use allmine_domain::limits::{Limit, LimitKey, RateLimitSettings, RequestCounter};
use allmine_redis::{RedisCounter, RedisSettings};

/// A `redis-server` of this test's own, stopped when dropped.
struct PrivateRedis(Child);

impl PrivateRedis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "this test needs redis-server on PATH ({error}); apt-get install redis-server"
                )
            });
        Self(child)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn answers_within(counter: &RedisCounter, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if counter.check().await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_counter_built_while_redis_is_down_answers_once_it_is_up_and_again_after_a_restart() {
    let port = free_port();
    let counter = RedisCounter::new(
        &RedisSettings {
            url: format!("redis://127.0.0.1:{port}"),
            prefix: "recovery:".to_owned(),
            timeout: Duration::from_millis(500),
        },
        RateLimitSettings::default(),
    )
    .unwrap();
    assert!(counter.check().await.is_err(), "nothing listens yet");

    let redis = PrivateRedis::start(port);
    assert!(
        answers_within(&counter, Duration::from_secs(10)).await,
        "never answered"
    );
    let key = LimitKey::Address("192.0.2.1".parse().unwrap());
    let status = counter
        .count(Limit::AnonymousProfileReads, &key, NonZeroU32::MIN)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.remaining, 119);

    drop(redis);
    assert!(counter.check().await.is_err(), "stopped");
    let _again = PrivateRedis::start(port);
    assert!(
        answers_within(&counter, Duration::from_secs(10)).await,
        "never answered again"
    );
    // A new Redis knows neither the script nor the counts: EVALSHA reloads it.
    let status = counter
        .count(Limit::AnonymousProfileReads, &key, NonZeroU32::MIN)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.remaining, 119);
}
