//! `allmine`: serve the Users API (the default), seed demo or generated data,
//! check the counters, or print a token.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use time::{Duration, OffsetDateTime};

use allmine_domain::SystemClock;
use allmine_domain::profiles::{UserLookup, UserRepository};
use allmine_domain::{UserId, Username};
use allmine_generator::{GeneratorSettings, check_counters, generate_with_progress};
use allmine_http::JwtVerifier;
use allmine_postgres::{
    ConnectError, DEMO_USER_ID, DemoSeed, PgPool, PgUsers, connect, connect_replica, seed_demo,
};
use allmine_read_model::ReadModel;
use allmine_server::config::{Config, Environment};
use allmine_server::progress::Reporter;
use allmine_server::prometheus::{self, MetricsEndpoint};
use allmine_server::{Parts, search, serve, telemetry};

#[derive(Debug, Parser)]
#[command(name = "allmine", version, about = "Allmine Users API")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Load data into the database: the demo fixture, generated users, or both.
    Seed(SeedArgs),
    /// Recount every user's counters and credit balance and verify every
    /// balance chain; exit 1 if anything stored is wrong.
    Check,
    /// Rebuild the search index from PostgreSQL, then exit.
    Reindex,
    /// Print a JWT for a user, by username or id (valid for 24 hours).
    Token {
        /// A username or a 24-character id.
        user: String,
    },
    /// Ask the liveness probe of the server listening on BIND_ADDRESS (on
    /// loopback when it listens on every address); exit 0 when it answers
    /// 2xx. The container's HEALTHCHECK: it needs no configuration but
    /// BIND_ADDRESS, and no database.
    Healthcheck,
}

#[derive(Debug, Args)]
struct SeedArgs {
    /// Load the demo fixture (the docs' example user and friends).
    #[arg(long)]
    demo: bool,
    /// Generate N users, `user_1` ... `user_N`, with follows, live streams,
    /// blocks and credit transactions (see "Generating data" in
    /// docs/operations.md).
    #[arg(long, value_name = "N")]
    users: Option<u64>,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 1, requires = "users")]
    seed: u64,
    /// Average follows made by each generated user.
    #[arg(long, default_value_t = 10, requires = "users")]
    follows_per_user: u64,
    /// Live streams per generated user (0.1: one per ten users).
    #[arg(long, default_value_t = 0.1, requires = "users")]
    streams_per_user: f64,
    /// Average credit transactions per generated user.
    #[arg(long, default_value_t = 10, requires = "users")]
    transactions_per_user: u64,
    /// Credit transactions of `user_1`, the documented heavy user.
    #[arg(long, default_value_t = 100_000, requires = "users")]
    heavy_user_transactions: u64,
}

/// mimalloc rather than glibc's malloc: a profile read allocates and frees a
/// few dozen small blocks (the user's strings, the answer, headers), and with
/// glibc that was about a seventh of the server's CPU under load
/// (docs/performance.md, "seventh run").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Some(Command::Healthcheck)) {
        return healthcheck();
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => return fail(&format!("configuration: {error}")),
    };
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the async runtime: {error}")),
    };
    let outcome = runtime.block_on(async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => run_server(config).await,
            Command::Seed(args) => seed(config, args).await,
            Command::Check => check(config).await,
            Command::Token { user } => print_token(config, &user).await,
            Command::Reindex => reindex(config).await,
            Command::Healthcheck => Ok(()),
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

/// `allmine healthcheck`: before the configuration is read, so that a check
/// never fails on a setting the running server does not share with it.
fn healthcheck() -> ExitCode {
    let bind_address = std::env::var("BIND_ADDRESS")
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| allmine_server::config::DEFAULT_BIND_ADDRESS.to_owned());
    let checked = allmine_server::healthcheck::probe_address(&bind_address).and_then(|address| {
        allmine_server::healthcheck::check(address, allmine_http::routes::health::LIVE)
    });
    match checked {
        Ok(_) => ExitCode::SUCCESS,
        Err(message) => fail(&format!("unhealthy: {message}")),
    }
}

/// One clear line on stderr, no backtrace.
fn fail(message: &str) -> ExitCode {
    eprintln!("allmine: {message}");
    ExitCode::FAILURE
}

async fn database(config: &Config) -> Result<PgPool, String> {
    connect(&config.database).await.map_err(|error| match error {
        ConnectError::Unreachable { address, source } => format!(
            "cannot reach PostgreSQL at {address} ({source}). Start PostgreSQL (for example \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or point DATABASE_URL at a running server."
        ),
        other => other.to_string(),
    })
}

async fn run_server(config: Config) -> Result<(), String> {
    let pool = database(&config).await?;
    if config.environment == Environment::Development {
        if config.jwt.is_development_secret {
            tracing::warn!("JWT_SECRET is not set: using the development secret");
        }
        if !allmine_postgres::has_users(&pool)
            .await
            .map_err(|e| e.to_string())?
        {
            seed_demo(&pool)
                .await
                .map_err(|e| format!("cannot load demo data: {e}"))?;
            tracing::info!("the database was empty: loaded the demo fixture");
        }
    }
    let verifier = JwtVerifier::new(&config.jwt.settings).map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(&config.bind_address)
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind_address))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let metrics = match config.metrics_address {
        None => None,
        Some(metrics_address) => {
            let handle = prometheus::install().map_err(|e| e.to_string())?;
            let listener = TcpListener::bind(metrics_address).map_err(|e| {
                format!("cannot listen on {metrics_address} (METRICS_ADDRESS): {e}")
            })?;
            tracing::info!(%metrics_address, "serving metrics at http://{metrics_address}/metrics");
            Some(MetricsEndpoint { listener, handle })
        }
    };
    let index = search::open_index(&config.search_index_dir)?;
    let search_freshness = Arc::new(search::SearchFreshness::default());
    tokio::spawn(search::keep_fresh(
        pool.clone(),
        search::sync_for(&pool, index.clone()),
        search_freshness.clone(),
        config.feed_retention,
    ));
    // Lazily: a replica that is down only sends reads to the primary.
    let replica = config.read_database.as_ref().map(|settings| {
        tracing::info!(
            replica = %format_args!(
                "{}:{}/{}",
                settings.options.get_host(),
                settings.options.get_port(),
                settings.options.get_database().unwrap_or("")
            ),
            "reads that may lag go to the read replica (DATABASE_READ_URL)"
        );
        connect_replica(settings)
    });
    let parts = Parts {
        pool: pool.clone(),
        replica: replica.clone(),
        tokens: verifier,
        clock: Arc::new(SystemClock),
        search: index,
        search_freshness,
        rate_limits: config.rate_limits,
        rate_limit_store: config.rate_limit_store,
        trusted_proxies: config.trusted_proxies,
        workers: config.workers,
        cors_allowed_origins: config.cors_allowed_origins,
        read_model: (config.read_model_bytes > 0)
            .then(|| Arc::new(ReadModel::new(config.read_model_bytes))),
        read_model_misses: config.read_model_misses,
        metrics,
    };
    let server = serve(listener, parts).map_err(|e| e.to_string())?;
    tracing::info!(%address, "serving the Users API; Swagger UI at http://{address}/docs/");
    if config.environment == Environment::Development
        && let Some(issuer) = &config.jwt.issuer
        && let Ok(token) = issuer.issue(
            &DEMO_USER_ID,
            OffsetDateTime::now_utc(),
            Duration::hours(24),
        )
    {
        tracing::info!("demo token for johndoe123 (development only): {token}");
    }
    server.await.map_err(|e| e.to_string())?;
    pool.close().await;
    if let Some(replica) = replica {
        replica.close().await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn reindex(config: Config) -> Result<(), String> {
    let pool = database(&config).await?;
    let index = search::open_index(&config.search_index_dir)?;
    let started = Instant::now();
    let reporter = Reporter::for_stderr();
    let count = search::sync_for(&pool, index)
        .rebuild_reporting(&*reporter.progress())
        .await
        .map_err(|e| format!("cannot rebuild the search index: {e}"))?;
    tracing::info!(users = count, seconds = started.elapsed().as_secs_f64(), dir = %config.search_index_dir.display(), "rebuilt the search index");
    Ok(())
}

async fn seed(config: Config, args: SeedArgs) -> Result<(), String> {
    if !args.demo && args.users.is_none() {
        return Err("say what to seed: `seed --demo`, `seed --users N`, or both".into());
    }
    let pool = database(&config).await?;
    if args.demo {
        match seed_demo(&pool)
            .await
            .map_err(|e| format!("cannot load demo data: {e}"))?
        {
            DemoSeed::Loaded => tracing::info!("loaded the demo fixture"),
            DemoSeed::AlreadyPresent => {
                tracing::info!("the demo fixture is already there; nothing changed")
            }
        }
    }
    if let Some(users) = args.users {
        let settings = GeneratorSettings {
            users,
            follows_per_user: args.follows_per_user,
            streams_per_user_ratio: args.streams_per_user,
            transactions_per_user: args.transactions_per_user,
            heavy_user_transactions: args.heavy_user_transactions,
            seed: args.seed,
        };
        tracing::info!(users, seed = args.seed, "generating data");
        let reporter = Reporter::for_stderr();
        let report = generate_with_progress(&pool, &settings, reporter.progress())
            .await
            .map_err(|e| format!("cannot generate data: {e}"))?;
        drop(reporter);
        tracing::info!(seconds = report.total.as_secs_f64(), "generated the data");
        #[allow(clippy::print_stdout)]
        {
            print!("{report}");
        }
    }
    Ok(())
}

async fn check(config: Config) -> Result<(), String> {
    let pool = database(&config).await?;
    let drift = check_counters(&pool)
        .await
        .map_err(|e| format!("cannot check the counters: {e}"))?;
    if !drift.is_exact() {
        return Err(format!("counters are wrong: {drift}"));
    }
    #[allow(clippy::print_stdout)]
    {
        println!("counters are exact: {drift}");
    }
    Ok(())
}

async fn print_token(config: Config, user: &str) -> Result<(), String> {
    let issuer = config.jwt.issuer.as_ref().ok_or(
        "no signing key configured: set JWT_SECRET, or JWT_PRIVATE_KEY_FILE for RS256/ES256",
    )?;
    let pool = database(&config).await?;
    let users = PgUsers::new(pool);
    let id = match UserId::parse(user) {
        Ok(id) => id,
        Err(_) => {
            let name = Username::existing(user)
                .map_err(|e| format!("{user:?} is neither an id nor a username: {e}"))?;
            let found = users
                .find_for_viewer(UserLookup::Username(&name), None)
                .await
                .map_err(|e| e.to_string())?;
            found
                .ok_or_else(|| format!("no user is named {user}"))?
                .0
                .id
        }
    };
    let token = issuer
        .issue(&id, OffsetDateTime::now_utc(), Duration::hours(24))
        .map_err(|e| e.to_string())?;
    #[allow(clippy::print_stdout)]
    {
        println!("{token}");
    }
    Ok(())
}
