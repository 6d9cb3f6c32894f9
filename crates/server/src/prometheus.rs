//! The Prometheus exporter: the `metrics` recorder, installed once per
//! process, and the listener of its own that serves `GET /metrics` in the
//! text exposition format (never on the API's port).
//!
//! Every crate emits through the `metrics` facade; until [`install`] runs,
//! those calls are no-ops. The names are listed in docs/operations.md
//! ("Metrics"), with what each means.

use std::net::TcpListener;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics::Unit;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use allmine_http::request_metrics::{HTTP_REQUEST_DURATION_SECONDS, HTTP_REQUESTS_TOTAL};

use crate::sampling::{
    CHANGE_FEED_LAG_ROWS, CHANGE_FEED_LAG_SECONDS, DB_POOL_ACQUIRE_SECONDS, DB_POOL_CONNECTIONS,
    DB_POOL_MAX_CONNECTIONS, READ_MODEL_BYTES, READ_MODEL_ENTRIES, READ_MODEL_LOOKUPS_TOTAL,
    READ_MODEL_TRUSTED, SEARCH_INDEX_LAG_ROWS, SEARCH_INDEX_LAG_SECONDS,
};

/// Request latency buckets, in seconds, placed around the budgets in
/// docs/performance.md: 5 ms (a history page by cursor), 20 ms (search and
/// history p95), the ~40 ms p99 of profile reads under load, and 142 ms (p99
/// of the 500-connection load test); past them up to the statement timeout
/// (5 s) plus the acquire timeout (3 s).
pub const HTTP_LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Connection wait buckets, in seconds: a free connection is handed out in
/// microseconds (a ping after a second idle costs a round trip, ~0.1 ms); the
/// top is the default acquire timeout (3 s), after which requests get 503.
pub const POOL_ACQUIRE_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0,
];

/// How often histograms are folded in between scrapes, so that a process
/// nobody scrapes keeps bounded memory.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Longest the metrics listener waits for a scrape in flight at shutdown.
const METRICS_SHUTDOWN_SECS: u64 = 2;

/// The metrics could not be set up.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MetricsError {
    /// Another recorder was installed in this process first, or the buckets
    /// were refused.
    #[error("cannot install the metrics recorder: {0}")]
    Install(String),
}

static INSTALLED: OnceLock<Result<PrometheusHandle, MetricsError>> = OnceLock::new();

/// Installs the Prometheus recorder for this process (the first call does;
/// later ones return the same handle), describes the metrics, and starts the
/// upkeep thread.
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    INSTALLED.get_or_init(install_once).clone()
}

fn install_once() -> Result<PrometheusHandle, MetricsError> {
    let refused = |e: metrics_exporter_prometheus::BuildError| MetricsError::Install(e.to_string());
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(HTTP_REQUEST_DURATION_SECONDS.to_owned()),
            HTTP_LATENCY_BUCKETS,
        )
        .map_err(refused)?
        .set_buckets_for_metric(
            Matcher::Full(DB_POOL_ACQUIRE_SECONDS.to_owned()),
            POOL_ACQUIRE_BUCKETS,
        )
        .map_err(refused)?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|e| MetricsError::Install(e.to_string()))?;
    describe();
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        })
        .map_err(|e| MetricsError::Install(format!("cannot start the upkeep thread: {e}")))?;
    Ok(handle)
}

/// The HELP lines of the scrape.
fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS_TOTAL,
        "HTTP answers, by route template, method and status"
    );
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time from a request reaching the app to its answer's head, by route template and method"
    );
    metrics::describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Open connections of a database pool, by state (idle, in_use), sampled every second"
    );
    metrics::describe_gauge!(
        DB_POOL_MAX_CONNECTIONS,
        "Most connections a database pool may open"
    );
    metrics::describe_histogram!(
        DB_POOL_ACQUIRE_SECONDS,
        Unit::Seconds,
        "Wait for a pooled connection, probed every second per pool: what a query arriving then waited"
    );
    metrics::describe_counter!(
        READ_MODEL_LOOKUPS_TOTAL,
        "Read model lookups: hit (answered from memory) or miss (read from PostgreSQL, untrusted reads included)"
    );
    metrics::describe_gauge!(
        READ_MODEL_BYTES,
        Unit::Bytes,
        "Estimated bytes the read model holds"
    );
    metrics::describe_gauge!(READ_MODEL_ENTRIES, "Entries the read model holds");
    metrics::describe_gauge!(
        READ_MODEL_TRUSTED,
        "1 while the read model answers reads, 0 while its change feed is behind or lost and reads go to PostgreSQL"
    );
    metrics::describe_gauge!(
        CHANGE_FEED_LAG_ROWS,
        "Committed change feed rows the read model has not applied"
    );
    metrics::describe_gauge!(
        CHANGE_FEED_LAG_SECONDS,
        Unit::Seconds,
        "Age of the moment before which every committed change is applied to the read model"
    );
    metrics::describe_gauge!(
        SEARCH_INDEX_LAG_ROWS,
        "Committed change feed rows the search index has not applied"
    );
    metrics::describe_gauge!(
        SEARCH_INDEX_LAG_SECONDS,
        Unit::Seconds,
        "Age of the oldest committed change the search index has not applied (0: none)"
    );
    metrics::describe_counter!(
        "allmine_rate_limit_refusals_total",
        "Requests refused with 429, by limit"
    );
    metrics::describe_gauge!(
        "allmine_rate_limit_store_degraded",
        "1 while the shared rate-limit store is unreachable and limits are counted per process"
    );
}

/// Where an instance serves its metrics: the listener and the recorder's
/// handle (from [`install`]).
#[derive(Debug)]
pub struct MetricsEndpoint {
    /// The metrics listener's socket, bound already.
    pub listener: TcpListener,
    /// Renders the scrape.
    pub handle: PrometheusHandle,
}

/// The exposition format's content type (version 0.0.4).
const EXPOSITION: &str = "text/plain; version=0.0.4; charset=utf-8";

async fn scrape(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    let mut response = HttpResponse::Ok().body(handle.render());
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(EXPOSITION));
    response
}

/// The metrics listener: `GET /metrics` on `listener`, 404 elsewhere, one
/// worker. It ignores signals: whoever runs it stops it once the API server
/// has drained, so that the drain itself can be watched.
pub fn metrics_server(endpoint: MetricsEndpoint) -> std::io::Result<Server> {
    let MetricsEndpoint { listener, handle } = endpoint;
    let handle = web::Data::new(handle);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(handle.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(METRICS_SHUTDOWN_SECS)
    .listen(listener)?
    .run())
}
