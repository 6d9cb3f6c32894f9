//! Which store counts the rate limits, and what happens when the shared one
//! fails. With `RATE_LIMIT_STORE=redis` the fleet counts once in Redis; when
//! Redis cannot answer, the service keeps serving and counts in this
//! process's memory meanwhile ([`FallbackCounter`]): it says so once in the
//! logs (a warning when Redis is lost, an info line when it is back), sets
//! `allmine_rate_limit_store_degraded` to 1, and readiness mentions it, then
//! asks Redis again every [`RETRY_EVERY`] until it answers (a PING, also
//! while all is well, so a loss shows without traffic).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use allmine_domain::limits::{
    CounterUnavailable, Limit, LimitKey, LimitStatus, RateLimitSettings, RequestCounter,
};
use allmine_http::MemoryCounter;

/// How often a lost Redis is asked again.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);

/// The gauge that is 1 while limits are counted per process instead of in
/// the shared store.
pub const DEGRADED_METRIC: &str = "allmine_rate_limit_store_degraded";

/// What readiness says while the shared store is lost.
pub const DEGRADED_DETAIL: &str =
    "rate limits: Redis is unreachable, limits are counted per process until it answers";

/// Counts in a shared store, or in this process's memory while the shared
/// store cannot answer.
#[derive(Debug)]
pub struct FallbackCounter {
    shared: Arc<dyn RequestCounter>,
    local: MemoryCounter,
    degraded: AtomicBool,
}

impl FallbackCounter {
    /// Counts in `shared`, falling back on memory with the same `limits`.
    pub fn new(shared: Arc<dyn RequestCounter>, limits: RateLimitSettings) -> Self {
        metrics::gauge!(DEGRADED_METRIC).set(0.0);
        Self {
            shared,
            local: MemoryCounter::new(limits),
            degraded: AtomicBool::new(false),
        }
    }

    /// Whether limits are counted per process now.
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }

    fn lose(&self, error: &CounterUnavailable) {
        if !self.degraded.swap(true, Ordering::Relaxed) {
            metrics::gauge!(DEGRADED_METRIC).set(1.0);
            let cause = std::error::Error::source(error)
                .map(ToString::to_string)
                .unwrap_or_default();
            tracing::warn!(
                %cause,
                "the rate limit store is unreachable: counting limits per process until it answers"
            );
        }
    }

    fn recover(&self) {
        if self.degraded.swap(false, Ordering::Relaxed) {
            metrics::gauge!(DEGRADED_METRIC).set(0.0);
            tracing::info!("the rate limit store answers again: limits are counted for the fleet");
        }
    }

    /// Asks the shared store whether it answers, now and every `every`
    /// after, until the runtime stops: a loss is noticed (and shown in
    /// readiness and the gauge) even when no request comes, and a recovery
    /// ends the fallback.
    pub async fn watch(self: Arc<Self>, every: Duration) {
        loop {
            match self.shared.check().await {
                Ok(()) => self.recover(),
                Err(error) => self.lose(&error),
            }
            tokio::time::sleep(every).await;
        }
    }
}

#[async_trait::async_trait]
impl RequestCounter for FallbackCounter {
    async fn count(
        &self,
        limit: Limit,
        key: &LimitKey,
        n: NonZeroU32,
    ) -> Result<Option<LimitStatus>, CounterUnavailable> {
        if !self.is_degraded() {
            match self.shared.count(limit, key, n).await {
                Ok(status) => return Ok(status),
                Err(error) => self.lose(&error),
            }
        }
        Ok(self.local.count_now(limit, key, n))
    }

    async fn check(&self) -> Result<(), CounterUnavailable> {
        self.shared.check().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared store that answers while `up`, allowing everything.
    #[derive(Debug, Default)]
    struct Switch {
        up: AtomicBool,
    }

    #[async_trait::async_trait]
    impl RequestCounter for Switch {
        async fn count(
            &self,
            _: Limit,
            _: &LimitKey,
            _: NonZeroU32,
        ) -> Result<Option<LimitStatus>, CounterUnavailable> {
            self.check().await?;
            Ok(Some(LimitStatus {
                limit: 1000,
                remaining: 999,
                reset_secs: 0,
                refused: false,
            }))
        }

        async fn check(&self) -> Result<(), CounterUnavailable> {
            if self.up.load(Ordering::Relaxed) {
                Ok(())
            } else {
                Err(CounterUnavailable("down".into()))
            }
        }
    }

    const ONE_A_MINUTE: RateLimitSettings = RateLimitSettings {
        username_checks_per_minute: 1,
        username_changes_per_minute: 1,
        searches_per_minute: 1,
        anonymous_profile_reads_per_minute: 1,
    };

    async fn read(counter: &FallbackCounter) -> LimitStatus {
        let key = LimitKey::Address("192.0.2.1".parse().unwrap());
        counter
            .count(Limit::AnonymousProfileReads, &key, NonZeroU32::MIN)
            .await
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn a_lost_shared_store_is_replaced_by_memory_until_it_answers_again() {
        let shared = Arc::new(Switch::default());
        shared.up.store(true, Ordering::Relaxed);
        let counter = Arc::new(FallbackCounter::new(shared.clone(), ONE_A_MINUTE));
        assert_eq!(read(&counter).await.limit, 1000, "the shared store counts");

        shared.up.store(false, Ordering::Relaxed);
        let first = read(&counter).await;
        assert_eq!((first.limit, first.refused), (1, false), "memory counts");
        assert!(counter.is_degraded());
        assert!(read(&counter).await.refused, "memory keeps its own limit");

        let watcher = tokio::spawn(counter.clone().watch(Duration::from_millis(10)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(counter.is_degraded(), "still down");
        shared.up.store(true, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!counter.is_degraded(), "the watcher saw it back");
        assert_eq!(read(&counter).await.limit, 1000);
        watcher.abort();
    }

    /// Records every value a gauge is set to.
    #[derive(Debug, Default, Clone)]
    struct Gauges(Arc<std::sync::Mutex<Vec<(String, f64)>>>);

    struct Setting(String, Gauges);

    impl metrics::GaugeFn for Setting {
        fn increment(&self, _: f64) {}
        fn decrement(&self, _: f64) {}
        fn set(&self, value: f64) {
            self.1.0.lock().unwrap().push((self.0.clone(), value));
        }
    }

    impl metrics::Recorder for Gauges {
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
            _: &metrics::Key,
            _: &metrics::Metadata<'_>,
        ) -> metrics::Counter {
            metrics::Counter::noop()
        }
        fn register_gauge(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
            metrics::Gauge::from_arc(Arc::new(Setting(key.name().to_owned(), self.clone())))
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
    fn the_degraded_gauge_is_1_only_while_the_shared_store_is_lost() {
        let gauges = Gauges::default();
        let shared = Arc::new(Switch::default());
        shared.up.store(true, Ordering::Relaxed);
        metrics::with_local_recorder(&gauges, || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let counter = FallbackCounter::new(shared.clone(), ONE_A_MINUTE);
                read(&counter).await;
                shared.up.store(false, Ordering::Relaxed);
                read(&counter).await;
                read(&counter).await;
                shared.up.store(true, Ordering::Relaxed);
                counter.recover();
            });
        });
        let set: Vec<f64> = gauges
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| name == DEGRADED_METRIC)
            .map(|(_, value)| *value)
            .collect();
        assert_eq!(
            set,
            [0.0, 1.0, 0.0],
            "set at start, once on loss, once on recovery"
        );
    }

    #[tokio::test]
    async fn a_store_down_at_start_is_noticed_before_any_request() {
        let shared = Arc::new(Switch::default());
        let counter = Arc::new(FallbackCounter::new(shared, ONE_A_MINUTE));
        let watcher = tokio::spawn(counter.clone().watch(Duration::from_secs(60)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(counter.is_degraded());
        watcher.abort();
    }
}
