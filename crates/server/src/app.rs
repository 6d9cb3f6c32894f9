//! Wiring: adapters into use cases, use cases into the HTTP app.

use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::middleware::{Compress, Condition, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use allmine_domain::Clock;
use allmine_domain::history::HistoryService;
use allmine_domain::profiles::{ProfileService, UserRepository};
use allmine_domain::search::UserSearch;
use allmine_domain::search::{SearchDirectory, SearchService};
use allmine_domain::usernames::{UsernameReservations, UsernameService};
use allmine_http::compression::{finish_compression, keep_small_answers_plain};
use allmine_http::cors::{AllowedOrigin, cors, cors_headers_for_allowed_origins_only};
use allmine_http::{
    ApiDoc, ApiState, JwtVerifier, RateLimitSettings, RateLimiters, Readiness, SharedReadiness,
    TrustedProxies, envelope_middleware, record_request_metrics, timezone_gate,
};
use allmine_postgres::{
    PgChangeFeed, PgHistory, PgPool, PgSearch, PgUsernames, PgUsers, ReadRouting,
};
use allmine_read_model::{
    CachedDirectory, CachedUsernames, CachedUsers, FeedFollower, FollowSettings, MissSettings,
    ReadModel,
};

use crate::config::RateLimitStore;
use crate::limits::{DEGRADED_DETAIL, FallbackCounter, RETRY_EVERY};
use crate::prometheus::{MetricsEndpoint, metrics_server};
use crate::replica::UncachedUsersFromReplica;
use crate::sampling::{self, Sampled};
use crate::search::SearchFreshness;

/// How long in-flight requests get to finish after SIGTERM (SIGINT stops at once).
pub const SHUTDOWN_GRACE_SECS: u64 = 10;

/// Readiness: the database answers and the search index has caught up and
/// keeps up. A lost Redis does not make the service unready (limits are
/// counted per process meanwhile); the detail says so.
struct ServiceReadiness {
    pool: PgPool,
    search: Arc<SearchFreshness>,
    shared_limits: Option<Arc<FallbackCounter>>,
}

#[async_trait::async_trait]
impl Readiness for ServiceReadiness {
    async fn check(&self) -> Result<(), String> {
        allmine_postgres::ping(&self.pool)
            .await
            .map_err(|e| format!("database: {e}"))?;
        self.search.check(Instant::now())
    }

    async fn detail(&self) -> Option<String> {
        self.shared_limits
            .as_ref()
            .filter(|limits| limits.is_degraded())
            .map(|_| DEGRADED_DETAIL.to_owned())
    }
}

/// What the app is made of.
pub struct Parts {
    /// The database (the primary).
    pub pool: PgPool,
    /// A streaming read replica of it for reads that may lag (see
    /// [`ReadRouting`]); `None`: every read on the primary. `serve` starts
    /// its replay poller.
    pub replica: Option<PgPool>,
    /// Verifies bearer tokens.
    pub tokens: JwtVerifier,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
    /// The search engine.
    pub search: Arc<dyn UserSearch>,
    /// Whether the search index has caught up and keeps up; readiness asks it.
    pub search_freshness: Arc<SearchFreshness>,
    /// Abuse limits.
    pub rate_limits: RateLimitSettings,
    /// Where the limits are counted.
    pub rate_limit_store: RateLimitStore,
    /// The proxies whose forwarding headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// HTTP worker threads.
    pub workers: usize,
    /// The origins browsers may call the API from; none turns CORS off.
    pub cors_allowed_origins: Vec<AllowedOrigin>,
    /// The read model profile, account and relationship reads go through;
    /// `None`: every read goes to PostgreSQL. `serve` starts its feed follower.
    pub read_model: Option<Arc<ReadModel>>,
    /// How the read model's misses are read together.
    pub read_model_misses: MissSettings,
    /// Where to serve `GET /metrics`; `None`: no metrics listener and no
    /// sampling (requests still go through the facade, a no-op without a
    /// recorder).
    pub metrics: Option<MetricsEndpoint>,
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts")
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

/// The ports reads go through.
struct ReadPorts {
    users: Arc<dyn UserRepository>,
    names: Arc<dyn UsernameReservations>,
    directory: Arc<dyn SearchDirectory>,
    /// The change feed's own pool, when the read model follows it.
    feed_pool: Option<PgPool>,
}

/// The ports, through the read model when there is one (its feed follower
/// then runs until the runtime stops), reads that may lag routed by
/// `routing`.
fn read_ports(
    routing: &ReadRouting,
    read_model: Option<Arc<ReadModel>>,
    misses: MissSettings,
) -> ReadPorts {
    let names: Arc<dyn UsernameReservations> = Arc::new(PgUsernames::routed(routing.clone()));
    let Some(model) = read_model else {
        return ReadPorts {
            users: Arc::new(PgUsers::routed(routing.clone())),
            names,
            directory: Arc::new(PgSearch::routed(routing.clone())),
            feed_pool: None,
        };
    };
    // The model is filled, and kept, from the primary only.
    let primary = routing.pinned_to_primary();
    let pg_users = Arc::new(PgUsers::routed(primary.clone()));
    let users: Arc<dyn UserRepository> = pg_users.clone();
    let directory: Arc<dyn SearchDirectory> = Arc::new(PgSearch::routed(primary.clone()));
    let feed = Arc::new(PgChangeFeed::new(&primary.primary().connect_options()));
    let feed_pool = Some(feed.pool().clone());
    let follower = FeedFollower::new(
        model.clone(),
        feed,
        users.clone(),
        FollowSettings::default(),
    );
    tokio::spawn(follower.run());
    let cached_users: Arc<dyn UserRepository> = Arc::new(CachedUsers::new(
        users.clone(),
        pg_users.clone(),
        model.clone(),
        misses,
    ));
    let names: Arc<dyn UsernameReservations> = Arc::new(CachedUsernames::new(names, model.clone()));
    let cached_directory: Arc<dyn SearchDirectory> =
        Arc::new(CachedDirectory::new(directory, pg_users, model));
    if routing.replica().is_none() {
        return ReadPorts {
            users: cached_users,
            names,
            directory: cached_directory,
            feed_pool,
        };
    }
    ReadPorts {
        users: Arc::new(UncachedUsersFromReplica {
            cached: cached_users,
            primary: users,
            routed: Arc::new(PgUsers::routed(routing.clone())),
        }),
        names,
        directory: cached_directory,
        feed_pool,
    }
}

/// The limiters counting in `store`; with Redis, also the fallback that
/// readiness asks about (its watcher then runs until the runtime stops).
fn limiters(
    settings: RateLimitSettings,
    store: &RateLimitStore,
) -> std::io::Result<(RateLimiters, Option<Arc<FallbackCounter>>)> {
    match store {
        RateLimitStore::Memory => Ok((RateLimiters::new(settings), None)),
        RateLimitStore::Redis(redis) => {
            let shared =
                allmine_redis::RedisCounter::new(redis, settings).map_err(std::io::Error::other)?;
            let fallback = Arc::new(FallbackCounter::new(Arc::new(shared), settings));
            tokio::spawn(fallback.clone().watch(RETRY_EVERY));
            Ok((RateLimiters::with_counter(fallback.clone()), Some(fallback)))
        }
    }
}

/// A running server: the API, and the metrics listener if there is one.
/// Awaiting it runs them; on SIGTERM the API drains, then the metrics
/// listener stops (so the drain can be watched), and the samplers with it.
#[must_use = "a server does nothing until it is awaited or spawned"]
pub struct Running(Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>);

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").finish_non_exhaustive()
    }
}

impl Future for Running {
    type Output = std::io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

/// Builds the HTTP server on `listener` from `parts` (and the metrics
/// listener, with its samplers, if `parts` has one). The returned server runs
/// when awaited and drains gracefully on SIGTERM. Call it on a Tokio runtime:
/// the read model's follower and the samplers start at once.
pub fn serve(listener: TcpListener, parts: Parts) -> std::io::Result<Running> {
    let Parts {
        pool,
        replica,
        tokens,
        clock,
        search,
        search_freshness,
        rate_limits,
        rate_limit_store,
        trusted_proxies,
        workers,
        cors_allowed_origins,
        read_model,
        read_model_misses,
        metrics,
    } = parts;
    let (limits, shared_limits) = limiters(rate_limits, &rate_limit_store)?;
    let routing = match replica {
        Some(replica) => ReadRouting::with_replica(pool.clone(), replica),
        None => ReadRouting::primary_only(pool.clone()),
    };
    tokio::spawn(routing.clone().follow_replica());
    let ReadPorts {
        users,
        names,
        directory,
        feed_pool,
    } = read_ports(&routing, read_model.clone(), read_model_misses);
    let mut pools = vec![(sampling::pool::PRIMARY, pool.clone())];
    pools.extend(
        routing
            .replica()
            .map(|replica| (sampling::pool::REPLICA, replica.clone())),
    );
    pools.extend(feed_pool.map(|feed| (sampling::pool::CHANGE_FEED, feed)));
    let sampled = Sampled {
        pools,
        read_model,
        search: Some(search_freshness.clone()),
    };
    let profiles = ProfileService::new(users.clone(), clock.clone());
    let usernames = UsernameService::new(users, names, clock);
    let history = HistoryService::new(Arc::new(PgHistory::routed(routing)));
    let search = SearchService::new(search, directory);
    let state = web::Data::new(ApiState {
        profiles,
        usernames,
        history,
        search,
        tokens,
        limits,
    });
    let trusted_proxies = web::Data::new(trusted_proxies);
    let readiness: web::Data<SharedReadiness> = web::Data::new(Arc::new(ServiceReadiness {
        pool,
        search: search_freshness,
        shared_limits,
    }));
    let openapi = ApiDoc::openapi();
    let api = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(readiness.clone())
            .app_data(trusted_proxies.clone())
            // The API's routes first: services are tried in order, and Swagger
            // UI's `/docs/{_:.*}` is a regular expression every request would
            // otherwise run before reaching its own route.
            .configure(allmine_http::configure)
            .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", openapi.clone()))
            // Innermost first; compression sees only final bodies.
            .wrap(from_fn(timezone_gate))
            .wrap(Condition::new(
                !cors_allowed_origins.is_empty(),
                cors(&cors_allowed_origins),
            ))
            .wrap(from_fn(cors_headers_for_allowed_origins_only))
            .wrap(from_fn(envelope_middleware))
            .wrap(from_fn(keep_small_answers_plain))
            .wrap(Compress::default())
            .wrap(from_fn(finish_compression))
            // Outermost: the time and status the client sees.
            .wrap(from_fn(record_request_metrics))
    })
    .workers(workers.max(1))
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    .listen(listener)?
    .run();
    let Some(endpoint) = metrics else {
        return Ok(Running(Box::pin(api)));
    };
    let metrics = metrics_server(endpoint)?;
    let stop_metrics = metrics.handle();
    let metrics = tokio::spawn(metrics);
    let samplers = sampling::start(sampled);
    Ok(Running(Box::pin(async move {
        let served = api.await;
        stop_metrics.stop(true).await;
        let _ = metrics.await;
        for sampler in samplers {
            sampler.abort();
        }
        served
    })))
}
