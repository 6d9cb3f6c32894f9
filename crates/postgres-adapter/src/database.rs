//! Reaching PostgreSQL: the pool's settings and timeouts, creating the
//! database if it is missing, and the embedded migrations applied at start.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};

/// The schema migrations, embedded at build time and applied at start.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// How to reach the database and how the pool behaves.
#[derive(Clone)]
pub struct DatabaseSettings {
    /// Connection options parsed from `DATABASE_URL`.
    pub options: PgConnectOptions,
    /// Upper bound of pooled connections.
    pub max_connections: u32,
    /// How long a request waits for a free connection before giving up.
    pub acquire_timeout: Duration,
    /// Longest a single statement may run before the server cancels it.
    pub statement_timeout: Duration,
    /// Longest a statement may wait for a lock (a row or table another
    /// transaction holds) before the server cancels it. Kept below the
    /// acquire timeout, so that requests stuck behind a lock give their
    /// connections back before the others give up waiting for one.
    pub lock_timeout: Duration,
}

/// Shows where the database is, never its password (the driver's own
/// options print it).
impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("host", &self.options.get_host())
            .field("port", &self.options.get_port())
            .field("database", &self.options.get_database())
            .field("username", &self.options.get_username())
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

/// Why the database could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing answers at the address, or it refused us.
    #[error("cannot reach PostgreSQL at {address}: {source}")]
    Unreachable {
        /// host:port (never the password).
        address: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// The database was missing and could not be created.
    #[error("cannot create database {database:?}: {source}")]
    CreateDatabase {
        /// The database's name.
        database: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A pooled connection idle this long is pinged before it is used again.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// Makes sure the configured database exists (creating it if missing), runs
/// the pending migrations, and returns a pool over it.
pub async fn connect(settings: &DatabaseSettings) -> Result<PgPool, ConnectError> {
    create_database_if_missing(&settings.options).await?;
    let pool = pool_options(settings)
        .connect_with(session_options(settings))
        .await
        .map_err(|source| unreachable(&settings.options, source))?;
    migrate(&pool, &settings.options).await?;
    Ok(pool)
}

/// A pool over a streaming read replica: never created nor migrated (a
/// replica is read-only and follows the primary's schema), and opened
/// lazily, so that a replica that is down at start only sends reads to the
/// primary (see [`crate::ReadRouting`]) instead of stopping the service.
pub fn connect_replica(settings: &DatabaseSettings) -> PgPool {
    pool_options(settings).connect_lazy_with(session_options(settings))
}

fn session_options(settings: &DatabaseSettings) -> PgConnectOptions {
    let statement_ms = settings.statement_timeout.as_millis().to_string();
    let lock_ms = settings.lock_timeout.as_millis().to_string();
    settings.options.clone().options([
        ("statement_timeout", statement_ms.as_str()),
        ("lock_timeout", lock_ms.as_str()),
    ])
}

fn pool_options(settings: &DatabaseSettings) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        // Every connection is opened here, on the runtime that calls `connect`,
        // and replaced there by the pool's upkeep. A connection is bound to the
        // runtime that opened it, and each HTTP worker runs a runtime of its own
        // that stops at shutdown once its own requests are done: a connection a
        // worker had opened would then fail the requests still finishing on
        // another worker (503). Kept full, the pool seldom opens one on a worker.
        .min_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        // sqlx pings every connection before handing it out: a round trip per
        // query. A connection used moments ago is alive as far as a ping could
        // tell; one that sat idle may have been cut (a restart, a firewall), so
        // only those are checked. A connection that died in between fails its
        // query (503), and sqlx drops it when it comes back.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// Runs the pending migrations on a connection of their own, free of the
/// pool's timeouts: a migration may build an index over millions of rows, or
/// wait for another instance that is migrating the same database.
async fn migrate(pool: &PgPool, options: &PgConnectOptions) -> Result<(), ConnectError> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|source| unreachable(options, source))?;
    sqlx::raw_sql("SET statement_timeout = 0; SET lock_timeout = 0")
        .execute(&mut *conn)
        .await
        .map_err(|source| unreachable(options, source))?;
    let migrated = MIGRATOR.run(&mut *conn).await;
    // The session keeps its settings: close it rather than pool it.
    let _ = conn.detach().close().await;
    Ok(migrated?)
}

async fn create_database_if_missing(options: &PgConnectOptions) -> Result<(), ConnectError> {
    let database = options.get_database().unwrap_or("postgres").to_owned();
    match PgConnection::connect_with(options).await {
        Ok(connection) => {
            let _ = connection.close().await;
            return Ok(());
        }
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("3D000") => {}
        Err(source) => return Err(unreachable(options, source)),
    }
    let mut maintenance = PgConnection::connect_with(&options.clone().database("postgres"))
        .await
        .map_err(|source| unreachable(options, source))?;
    let statement = format!("CREATE DATABASE \"{}\"", database.replace('"', "\"\""));
    let created = sqlx::query(AssertSqlSafe(statement))
        .execute(&mut maintenance)
        .await;
    let _ = maintenance.close().await;
    match created {
        Ok(_) => {
            tracing::info!(%database, "created the database");
            Ok(())
        }
        // Another instance created it first.
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P04") => Ok(()),
        Err(source) => Err(ConnectError::CreateDatabase { database, source }),
    }
}

fn unreachable(options: &PgConnectOptions, source: sqlx::Error) -> ConnectError {
    ConnectError::Unreachable {
        address: format!("{}:{}", options.get_host(), options.get_port()),
        source,
    }
}

/// How long taking a connection from `pool` takes now, as any query would
/// (waiting for a free one, the liveness check after a second idle, or
/// opening one); the connection goes straight back. A wait that ends in the
/// pool's acquire timeout counts, as it is what a query waited before its
/// 503. `None` when the pool is closed or the database refused a new
/// connection: that is no wait.
pub async fn time_acquire(pool: &PgPool) -> Option<Duration> {
    let started = std::time::Instant::now();
    match pool.acquire().await {
        Ok(connection) => {
            let waited = started.elapsed();
            drop(connection);
            Some(waited)
        }
        Err(sqlx::Error::PoolTimedOut) => Some(started.elapsed()),
        Err(_) => None,
    }
}

/// Whether the database answers a trivial query now.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
