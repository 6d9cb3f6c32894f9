//! A fresh, migrated database per test.
//!
//! The migrations run once into a template database (named after their
//! checksums, so a changed migration gets a new template); each test then gets
//! its own copy with `CREATE DATABASE … TEMPLATE`, which takes milliseconds, and
//! drops it when the test ends. Databases left by crashed runs are swept.
//!
//! The server is taken from `TEST_DATABASE_URL`, by default
//! `postgres://postgres@127.0.0.1:5432/postgres`.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::hash::{DefaultHasher, Hash, Hasher};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};

use crate::MIGRATOR;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PREFIX: &str = "allmine_test_";
/// Test databases older than this are leftovers of crashed runs.
const STALE_AFTER_SECS: u64 = 3 * 3600;

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    pub pool: PgPool,
    pub options: PgConnectOptions,
    pub name: String,
    admin: PgConnectOptions,
}

impl TestDatabase {
    /// Creates a fresh, migrated database.
    pub async fn new() -> Self {
        let admin = admin_options();
        let template = ensure_template(&admin).await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let name = format!("{PREFIX}{now}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect_with(&admin)
            .await
            .expect("cannot reach PostgreSQL for tests: start it, or set TEST_DATABASE_URL");
        execute(
            &mut conn,
            &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
        )
        .await;
        conn.close().await.ok();
        let options = admin.clone().database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .connect_with(options.clone())
            .await
            .expect("connect to the test database");
        Self {
            pool,
            options,
            name,
            admin,
        }
    }

    /// A connection to this database in a transaction that has taken its id
    /// and stays open, as a long writing transaction does (a bulk load, a
    /// forgotten `BEGIN`). Returns the connection and the transaction's id;
    /// dropping the connection ends the transaction (PostgreSQL rolls it back).
    pub async fn open_writing_transaction(&self) -> (PgConnection, u64) {
        let mut conn = PgConnection::connect_with(&self.options)
            .await
            .expect("connect to the test database");
        execute(&mut conn, "BEGIN").await;
        let id: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::int8")
            .fetch_one(&mut conn)
            .await
            .expect("take a transaction id");
        (
            conn,
            u64::try_from(id).expect("a transaction id is positive"),
        )
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Drop runs outside async; a short-lived runtime of its own does the work.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect_with(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

fn admin_options() -> PgConnectOptions {
    let url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    PgConnectOptions::from_str(&url).expect("TEST_DATABASE_URL is not a PostgreSQL URL")
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    sqlx::query(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The template for the current migrations, built once by whichever test
/// process gets there first (an advisory lock keeps the others waiting).
async fn ensure_template(admin: &PgConnectOptions) -> String {
    let mut hasher = DefaultHasher::new();
    for migration in MIGRATOR.iter() {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    let template = format!("allmine_template_{:016x}", hasher.finish());

    let mut conn = PgConnection::connect_with(admin)
        .await
        .expect("cannot reach PostgreSQL for tests: start it, or set TEST_DATABASE_URL");
    sqlx::query("SELECT pg_advisory_lock(7261023)")
        .execute(&mut conn)
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    // Once per test process: drop what crashed runs left behind.
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
        sweep(&mut conn).await;
    }
    if !exists {
        let building = format!("{template}_building");
        execute(
            &mut conn,
            &format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"),
        )
        .await;
        execute(&mut conn, &format!("CREATE DATABASE \"{building}\"")).await;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(admin.clone().database(&building))
            .await
            .unwrap();
        MIGRATOR
            .run(&pool)
            .await
            .expect("migrations must apply to an empty database");
        pool.close().await;
        execute(
            &mut conn,
            &format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\""),
        )
        .await;
    }
    sqlx::query("SELECT pg_advisory_unlock(7261023)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    template
}

/// Drops test databases left behind by crashed runs.
async fn sweep(conn: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'allmine\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for name in names {
        let stale = match name.strip_prefix(PREFIX) {
            Some(rest) => rest
                .split('_')
                .next()
                .and_then(|secs| secs.parse::<u64>().ok())
                .is_none_or(|created| now.saturating_sub(created) > STALE_AFTER_SECS),
            // Templates are left alone: another checkout on this server may
            // be using one built for different migrations.
            None => false,
        };
        if stale {
            let _ = sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}
