//! What the metrics sample rather than count as it happens: the database
//! pools (sizes every second, and a timed acquire per pool every second),
//! the read model (its stats and trust) and the search index's lag.
//!
//! sqlx reports no wait time per acquire that could be told apart by pool
//! (its own timing is a log event without the pool's name), and most queries
//! take their connection implicitly. So each pool is probed: once a second
//! the sampler takes a connection as a query would and gives it straight
//! back. A probe waits in the same queue as the queries, so under pressure it
//! waits as long as they do; its count is the number of probes, not of
//! queries, which is what a percentile of the wait needs.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use allmine_postgres::{PgPool, time_acquire};
use allmine_read_model::ReadModel;

use crate::search::SearchFreshness;

/// Open connections of a pool, by `pool` and `state` (`idle`, `in_use`).
pub const DB_POOL_CONNECTIONS: &str = "allmine_db_pool_connections";
/// Most connections a pool may open, by `pool`.
pub const DB_POOL_MAX_CONNECTIONS: &str = "allmine_db_pool_max_connections";
/// Probed wait for a connection, by `pool` (a histogram).
pub const DB_POOL_ACQUIRE_SECONDS: &str = "allmine_db_pool_acquire_seconds";
/// Read model lookups by `result` (`hit`, `miss`).
pub const READ_MODEL_LOOKUPS_TOTAL: &str = "allmine_read_model_lookups_total";
/// Estimated bytes the read model holds.
pub const READ_MODEL_BYTES: &str = "allmine_read_model_bytes";
/// Entries the read model holds.
pub const READ_MODEL_ENTRIES: &str = "allmine_read_model_entries";
/// 1 while the read model answers, 0 while reads go to PostgreSQL.
pub const READ_MODEL_TRUSTED: &str = "allmine_read_model_trusted";
/// Committed feed rows the read model has not applied.
pub const CHANGE_FEED_LAG_ROWS: &str = "allmine_change_feed_lag_rows";
/// How old the read model's freshness is, in seconds.
pub const CHANGE_FEED_LAG_SECONDS: &str = "allmine_change_feed_lag_seconds";
/// Committed feed rows the search index has not applied.
pub const SEARCH_INDEX_LAG_ROWS: &str = "allmine_search_index_lag_rows";
/// Age of the oldest committed change the search index has not applied.
pub const SEARCH_INDEX_LAG_SECONDS: &str = "allmine_search_index_lag_seconds";

/// How often the gauges are sampled and each pool probed.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// The pool labels.
pub mod pool {
    /// The requests' pool.
    pub const PRIMARY: &str = "primary";
    /// The read model's change feed pool.
    pub const CHANGE_FEED: &str = "change_feed";
    /// The read replica's pool.
    pub const REPLICA: &str = "replica";
}

/// What an instance's metrics sample.
#[derive(Debug, Default)]
pub struct Sampled {
    /// The database pools, by label (see [`pool`]): one line each.
    pub pools: Vec<(&'static str, PgPool)>,
    /// The read model, if the instance has one.
    pub read_model: Option<Arc<ReadModel>>,
    /// The search index's freshness, which knows its lag.
    pub search: Option<Arc<SearchFreshness>>,
}

/// Starts sampling `sampled` on the current runtime: one task for the gauges,
/// one per pool for the probes. Abort the handles to stop.
pub fn start(sampled: Sampled) -> Vec<JoinHandle<()>> {
    let mut tasks: Vec<JoinHandle<()>> = sampled
        .pools
        .iter()
        .map(|(label, pool)| tokio::spawn(probe(label, pool.clone())))
        .collect();
    tasks.push(tokio::spawn(sample(sampled)));
    tasks
}

/// Samples the gauges every [`SAMPLE_EVERY`].
async fn sample(sampled: Sampled) {
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for (label, pool) in &sampled.pools {
            sample_pool(label, pool);
        }
        if let Some(model) = &sampled.read_model {
            sample_read_model(model);
        }
        if let Some(search) = &sampled.search {
            let lag = search.lag();
            metrics::gauge!(SEARCH_INDEX_LAG_ROWS).set(lag.rows as f64);
            metrics::gauge!(SEARCH_INDEX_LAG_SECONDS).set(lag.oldest.as_secs_f64());
        }
    }
}

fn sample_pool(label: &'static str, pool: &PgPool) {
    let open = pool.size();
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX).min(open);
    metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => label, "state" => "idle").set(idle);
    metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => label, "state" => "in_use").set(open - idle);
    metrics::gauge!(DB_POOL_MAX_CONNECTIONS, "pool" => label)
        .set(pool.options().get_max_connections());
}

fn sample_read_model(model: &ReadModel) {
    let stats = model.stats();
    // The model counts since it was made; the counters only ever move up.
    metrics::counter!(READ_MODEL_LOOKUPS_TOTAL, "result" => "hit").absolute(stats.hits);
    // A read sent to PostgreSQL because the model was not trusted is a miss
    // too: the trusted gauge tells the two apart.
    metrics::counter!(READ_MODEL_LOOKUPS_TOTAL, "result" => "miss")
        .absolute(stats.misses.saturating_add(stats.bypassed));
    metrics::gauge!(READ_MODEL_BYTES).set(stats.bytes as f64);
    metrics::gauge!(READ_MODEL_ENTRIES).set(stats.entries as f64);
    metrics::gauge!(READ_MODEL_TRUSTED).set(if model.is_trusted() { 1.0 } else { 0.0 });
    metrics::gauge!(CHANGE_FEED_LAG_ROWS).set(stats.feed_lag_rows as f64);
    metrics::gauge!(CHANGE_FEED_LAG_SECONDS).set(stats.feed_lag.as_secs_f64());
}

/// Times one acquire on `pool` every [`SAMPLE_EVERY`], one at a time (a probe
/// stuck in a saturated pool delays the next rather than piling up).
async fn probe(label: &'static str, pool: PgPool) {
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Some(waited) = time_acquire(&pool).await {
            metrics::histogram!(DB_POOL_ACQUIRE_SECONDS, "pool" => label).record(waited);
        }
    }
}
