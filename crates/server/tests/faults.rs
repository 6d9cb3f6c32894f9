//! Faults the API must survive, each through the real server: PostgreSQL
//! stopping and coming back, a statement stuck behind a lock, username
//! changes interrupted at every step of their transaction, and SIGTERM under
//! load against the real binary. Bounded in time, loopback only, each test on
//! a database (or a whole cluster) of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "faults/cluster.rs"]
mod cluster;
#[path = "faults/support.rs"]
mod support;

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::{Connection, PgConnection, PgPool};
use time::OffsetDateTime;

use allmine_postgres::testing::TestDatabase;
use allmine_postgres::{DatabaseSettings, connect, seed_demo};
use allmine_server::app::SHUTDOWN_GRACE_SECS;

use cluster::PrivateCluster;
use support::{Answer, JOHN, SECRET, TestServer, call, client, fan_id, token};

/// The pool's acquire timeout in these tests: how long a request may wait
/// for a connection before it answers 503.
const ACQUIRE: Duration = Duration::from_secs(1);
/// What an answer may take beyond its timeout on a busy test machine.
const MARGIN: Duration = Duration::from_millis(1000);
/// The server's connections carry this name, so that a test can find them
/// in `pg_stat_activity` (and terminate them).
const SERVER_APP: &str = "allmine-faults-server";

/// Asks `ask` until `done` holds for its answer; fails after `within`.
async fn poll_until<F, Fut>(mut ask: F, done: impl Fn(&Answer) -> bool, within: Duration) -> Answer
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Answer>,
{
    let started = Instant::now();
    loop {
        let answer = ask().await;
        if done(&answer) {
            return answer;
        }
        assert!(
            started.elapsed() < within,
            "no expected answer within {within:?}; the last one: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_200_or_503(answers: &[Answer], what: &str) {
    for answer in answers {
        assert!(
            answer.is_ok_envelope() || answer.is_unavailable_envelope(),
            "{what}: neither 200 nor 503 in the envelope: {answer:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL stops while requests flow, then comes back.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopping_answers_503_within_the_acquire_timeout_and_the_server_recovers_when_it_returns()
 {
    let cluster = Arc::new(
        tokio::task::spawn_blocking(PrivateCluster::start)
            .await
            .unwrap(),
    );
    let pool = connect(&DatabaseSettings {
        options: cluster.options("allmine_faults"),
        max_connections: 5,
        acquire_timeout: ACQUIRE,
        statement_timeout: Duration::from_secs(2),
        lock_timeout: ACQUIRE / 2,
    })
    .await
    .unwrap_or_else(|e| panic!("private cluster on port {}: {e}", cluster.port()));
    seed_demo(&pool).await.unwrap();
    let server = Arc::new(TestServer::start(pool).await);
    let john = token(JOHN);
    let john_by_id = {
        let server = server.clone();
        let john = john.clone();
        move || {
            call(
                server
                    .get(&format!("/api/v1/users/profile/{JOHN}"))
                    .bearer_auth(&john),
            )
        }
    };

    // Readers, authenticated (two queries a request) and anonymous (one).
    let running = Arc::new(AtomicBool::new(true));
    let readers: Vec<_> = (0..4)
        .map(|i| {
            let server = server.clone();
            let running = running.clone();
            let john = john.clone();
            tokio::spawn(async move {
                let mut answers = Vec::new();
                while running.load(Ordering::SeqCst) {
                    let request = if i % 2 == 0 {
                        server
                            .get(&format!("/api/v1/users/profile/{JOHN}"))
                            .bearer_auth(&john)
                    } else {
                        server.get("/api/v1/users/profile/username/demo_fan_007")
                    };
                    answers.push(call(request).await);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let stopping = cluster.clone();
    tokio::task::spawn_blocking(move || stopping.stop())
        .await
        .unwrap();
    let stopped = Instant::now();

    // Down: not ready, but alive.
    let ready = poll_until(
        || call(server.get("/health/ready")),
        |answer| answer.status != 200,
        ACQUIRE + MARGIN,
    )
    .await;
    assert!(ready.is_unavailable_envelope(), "{ready:?}");
    let live = call(server.get("/health/live")).await;
    assert!(
        live.is_ok_envelope() && live.elapsed < Duration::from_millis(500),
        "{live:?}"
    );
    // Long enough down for requests to wait out the acquire timeout.
    tokio::time::sleep_until((stopped + 2 * ACQUIRE + Duration::from_millis(500)).into()).await;
    let down = call(server.get("/api/v1/users/profile/username/johndoe123")).await;
    assert!(down.is_unavailable_envelope(), "{down:?}");
    assert!(down.elapsed <= ACQUIRE + MARGIN, "{down:?}");
    let write = call(
        server
            .patch("/api/v1/users/me")
            .bearer_auth(&john)
            .json(&json!({"bio": "written while down"})),
    )
    .await;
    assert!(write.is_unavailable_envelope(), "{write:?}");
    assert!(write.elapsed <= ACQUIRE + MARGIN, "{write:?}");

    let starting = cluster.clone();
    tokio::task::spawn_blocking(move || starting.restart())
        .await
        .unwrap();
    let restarted = Instant::now();
    let back = poll_until(
        john_by_id.clone(),
        |answer| answer.status == 200,
        Duration::from_secs(5),
    )
    .await;
    assert!(back.is_ok_envelope(), "{back:?}");
    let recovered = back.sent + back.elapsed;
    assert!(
        recovered - restarted <= Duration::from_secs(5),
        "serving again only {:?} after PostgreSQL was back",
        recovered - restarted
    );
    let ready = poll_until(
        || call(server.get("/health/ready")),
        |answer| answer.status == 200,
        Duration::from_secs(5).saturating_sub(restarted.elapsed()),
    )
    .await;
    assert!(ready.is_ok_envelope(), "{ready:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.store(false, Ordering::SeqCst);

    let mut answers = Vec::new();
    for reader in readers {
        answers.extend(reader.await.unwrap());
    }
    assert_200_or_503(&answers, "reader while PostgreSQL stopped and started");
    let slowest = answers.iter().max_by_key(|a| a.elapsed).unwrap();
    assert!(
        slowest.elapsed <= ACQUIRE + MARGIN,
        "an answer took longer than the acquire timeout allows: {slowest:?}"
    );
    let unavailable = answers.iter().filter(|a| a.status == 503).count();
    assert!(
        unavailable > 0,
        "no request saw the outage: {} answers",
        answers.len()
    );
    let after: Vec<_> = answers.iter().filter(|a| a.sent > recovered).collect();
    assert!(!after.is_empty(), "no request after recovery");
    for answer in after {
        assert!(answer.is_ok_envelope(), "failed after recovery: {answer:?}");
    }
    eprintln!(
        "PostgreSQL down and up: {} answers, {unavailable} of them 503, the slowest {:?}; \
         serving again {:?} after the restart",
        answers.len(),
        slowest.elapsed,
        recovered - restarted
    );
}

// ---------------------------------------------------------------------------
// A statement stuck behind a lock.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_statement_stuck_behind_a_lock_times_out_as_503_while_other_requests_keep_flowing() {
    const STATEMENT: Duration = Duration::from_millis(500);
    let db = TestDatabase::new().await;
    seed_demo(&db.pool).await.unwrap();
    let pool = connect(&DatabaseSettings {
        options: db.options.clone().application_name(SERVER_APP),
        max_connections: 6,
        acquire_timeout: ACQUIRE,
        statement_timeout: STATEMENT,
        // Here the statement timeout is what answers.
        lock_timeout: Duration::from_secs(5),
    })
    .await
    .unwrap();
    let server = Arc::new(TestServer::start(pool).await);
    let bio_before = bio_of(&db.pool, JOHN).await;

    // Another session holds johndoe123's row.
    let mut locker = PgConnection::connect_with(&db.options).await.unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    sqlx::query("SELECT 1 FROM users WHERE id = decode($1, 'hex') FOR UPDATE")
        .bind(JOHN)
        .execute(&mut locker)
        .await
        .unwrap();

    // Four updates of that row at a time, twice over, each stuck on the lock.
    let john = token(JOHN);
    let stuck: Vec<_> = (0..4)
        .map(|i| {
            let server = server.clone();
            let john = john.clone();
            tokio::spawn(async move {
                let mut answers = Vec::new();
                for round in 0..2 {
                    answers.push(
                        call(
                            server
                                .patch("/api/v1/users/me")
                                .bearer_auth(&john)
                                .json(&json!({"bio": format!("stuck {i} {round}")})),
                        )
                        .await,
                    );
                }
                answers
            })
        })
        .collect();

    // Meanwhile the others are served promptly: four of the pool's six
    // connections are stuck, but no request waits for them. (Were every
    // connection stuck, these would wait for a statement to time out.)
    wait_for_lock_waiters(&db, "%UPDATE users%", 4).await;
    let started = Instant::now();
    let mut others = Vec::new();
    while started.elapsed() < 2 * STATEMENT {
        others.push(call(server.get("/health/live")).await);
        others.push(call(server.get("/api/v1/users/profile/username/demo_fan_042")).await);
        others.push(
            call(
                server
                    .get(&format!("/api/v1/users/profile/{}", fan_id(43)))
                    .bearer_auth(token(&fan_id(44))),
            )
            .await,
        );
    }
    for answer in &others {
        assert!(
            answer.is_ok_envelope() && answer.elapsed < STATEMENT / 2,
            "a request not touching the locked row waited: {answer:?}"
        );
    }

    for task in stuck {
        for answer in task.await.unwrap() {
            assert!(answer.is_unavailable_envelope(), "{answer:?}");
            assert!(
                answer.elapsed >= STATEMENT - Duration::from_millis(100)
                    && answer.elapsed <= ACQUIRE + STATEMENT + MARGIN,
                "not answered by the statement timeout: {answer:?}"
            );
        }
    }
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    assert_eq!(
        bio_of(&db.pool, JOHN).await,
        bio_before,
        "a timed-out update was applied"
    );

    let answer = call(
        server
            .patch("/api/v1/users/me")
            .bearer_auth(&john)
            .json(&json!({"bio": "free again"})),
    )
    .await;
    assert!(answer.is_ok_envelope(), "{answer:?}");
    assert_eq!(bio_of(&db.pool, JOHN).await.as_deref(), Some("free again"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn more_requests_stuck_behind_a_lock_than_the_pool_holds_cannot_pin_it() {
    // As in production, statements may run longer than a request waits for
    // a connection; only waiting for a lock is cut short.
    const LOCK: Duration = Duration::from_millis(300);
    let db = TestDatabase::new().await;
    seed_demo(&db.pool).await.unwrap();
    let pool = connect(&DatabaseSettings {
        options: db.options.clone().application_name(SERVER_APP),
        max_connections: 6,
        acquire_timeout: ACQUIRE,
        statement_timeout: Duration::from_secs(5),
        lock_timeout: LOCK,
    })
    .await
    .unwrap();
    let server = Arc::new(TestServer::start(pool).await);

    let mut locker = PgConnection::connect_with(&db.options).await.unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    sqlx::query("SELECT 1 FROM users WHERE id = decode($1, 'hex') FOR UPDATE")
        .bind(JOHN)
        .execute(&mut locker)
        .await
        .unwrap();

    // Twelve at once: twice the pool.
    let john = token(JOHN);
    let stuck: Vec<_> = (0..12)
        .map(|i| {
            let server = server.clone();
            let john = john.clone();
            tokio::spawn(async move {
                call(
                    server
                        .patch("/api/v1/users/me")
                        .bearer_auth(&john)
                        .json(&json!({"bio": format!("stuck {i}")})),
                )
                .await
            })
        })
        .collect();
    wait_for_lock_waiters(&db, "%UPDATE users%", 4).await;
    let mut others = Vec::new();
    while !stuck.iter().all(|task| task.is_finished()) {
        others.push(call(server.get("/api/v1/users/profile/username/demo_fan_042")).await);
    }
    assert!(!others.is_empty());
    for answer in &others {
        assert!(
            answer.is_ok_envelope() && answer.elapsed < LOCK + MARGIN / 2,
            "a request not touching the locked row waited for the stuck ones: {answer:?}"
        );
    }
    for task in stuck {
        let answer = task.await.unwrap();
        assert!(answer.is_unavailable_envelope(), "{answer:?}");
        assert!(answer.elapsed <= ACQUIRE + LOCK + MARGIN, "{answer:?}");
    }
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
}

async fn bio_of(pool: &PgPool, id: &str) -> Option<String> {
    sqlx::query_scalar("SELECT bio FROM users WHERE id = decode($1, 'hex')")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------
// Username changes interrupted.
// ---------------------------------------------------------------------------

/// Everything a username change writes, for one user.
#[derive(Debug)]
struct NameRecord {
    username: String,
    changed_at: Option<OffsetDateTime>,
    /// (old, new, changed_at, held_until)
    history: Vec<(String, String, OffsetDateTime, OffsetDateTime)>,
    /// (username_key, held_until), by key
    claims: Vec<(String, Option<OffsetDateTime>)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Old,
    New,
}

async fn name_record(pool: &PgPool, id: &str) -> NameRecord {
    let (username, changed_at): (String, Option<OffsetDateTime>) = sqlx::query_as(
        "SELECT username, username_changed_at FROM users WHERE id = decode($1, 'hex')",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap();
    let history = sqlx::query_as(
        "SELECT old_username, new_username, changed_at, held_until FROM username_history \
         WHERE user_id = decode($1, 'hex') ORDER BY changed_at",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut claims: Vec<(String, Option<OffsetDateTime>)> = sqlx::query_as(
        "SELECT username_key, held_until FROM username_claims WHERE user_id = decode($1, 'hex')",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap();
    claims.sort();
    NameRecord {
        username,
        changed_at,
        history,
        claims,
    }
}

/// The user's stored state is wholly before the change or wholly after it.
async fn outcome(pool: &PgPool, n: u32, old: &str, new: &str) -> Outcome {
    let record = name_record(pool, &fan_id(n)).await;
    let old_key = old.to_ascii_lowercase();
    let new_key = new.to_ascii_lowercase();
    if record.username == old
        && record.changed_at.is_none()
        && record.history.is_empty()
        && record.claims == [(old_key.clone(), None)]
    {
        return Outcome::Old;
    }
    if record.username == new
        && let Some(changed_at) = record.changed_at
    {
        let held_until = changed_at + time::Duration::days(14);
        let mut claims = vec![(new_key, None), (old_key, Some(held_until))];
        claims.sort();
        if record.history == [(old.to_owned(), new.to_owned(), changed_at, held_until)]
            && record.claims == claims
        {
            return Outcome::New;
        }
    }
    panic!("a half-applied username change {old} -> {new}: {record:#?}");
}

fn change_username(server: &TestServer, n: u32, new: &str) -> impl Future<Output = Answer> {
    call(
        server
            .patch("/api/v1/users/username")
            .bearer_auth(token(&fan_id(n)))
            .json(&json!({"newUsername": new})),
    )
}

/// Where a change is stalled before its connection is terminated: what holds
/// it, and the statement it waits in.
const STALLS: [(&str, &str); 3] = [
    // After the compare-and-set UPDATE of users: claiming the new name.
    (
        "LOCK TABLE username_claims IN SHARE MODE",
        "%INSERT INTO username_claims%",
    ),
    // After both claims: writing the history row.
    (
        "LOCK TABLE username_history IN SHARE MODE",
        "%INSERT INTO username_history%",
    ),
    // Inside the compare-and-set UPDATE of users: its change feed row.
    (
        "LOCK TABLE change_feed IN SHARE MODE",
        "%UPDATE users SET username%",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_interrupted_username_change_leaves_the_old_name_or_the_new_one_never_a_mix() {
    let db = TestDatabase::new().await;
    seed_demo(&db.pool).await.unwrap();
    let pool = connect(&DatabaseSettings {
        options: db.options.clone().application_name(SERVER_APP),
        max_connections: 10,
        acquire_timeout: Duration::from_secs(3),
        statement_timeout: Duration::from_secs(10),
        lock_timeout: Duration::from_secs(10),
    })
    .await
    .unwrap();
    let server = Arc::new(TestServer::start(pool).await);
    let old = |n: u32| format!("demo_fan_{n:03}");
    let new = |n: u32| format!("Moved.{n}");

    // 1. Stalled at each step of the transaction, then terminated.
    for (step, (hold, waiting_in)) in STALLS.iter().enumerate() {
        let users: Vec<u32> = (0..3).map(|i| 10 + 3 * step as u32 + i).collect();
        let mut locker = PgConnection::connect_with(&db.options).await.unwrap();
        sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
        sqlx::query(*hold).execute(&mut locker).await.unwrap();
        let changes: Vec<_> = users
            .iter()
            .map(|&n| {
                let server = server.clone();
                let new = new(n);
                tokio::spawn(async move { change_username(&server, n, &new).await })
            })
            .collect();
        let stalled = wait_for_lock_waiters(&db, waiting_in, users.len()).await;
        let terminated: Vec<bool> =
            sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid")
                .bind(&stalled)
                .fetch_all(&db.pool)
                .await
                .unwrap();
        assert!(terminated.iter().all(|&t| t), "{terminated:?}");
        sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
        for change in changes {
            let answer = change.await.unwrap();
            assert!(
                answer.is_unavailable_envelope(),
                "interrupted in {waiting_in}: {answer:?}"
            );
        }
        for &n in &users {
            assert_eq!(
                outcome(&db.pool, n, &old(n), &new(n)).await,
                Outcome::Old,
                "user {n}, interrupted in {waiting_in}"
            );
        }
        // Nothing is left behind that stops the change from succeeding now.
        for &n in &users {
            let answer = change_username(&server, n, &new(n)).await;
            assert!(answer.is_ok_envelope(), "{answer:?}");
            assert_eq!(outcome(&db.pool, n, &old(n), &new(n)).await, Outcome::New);
        }
    }

    // 2. Many changes at once while the server's busy connections are
    // terminated at random moments.
    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..6u32 {
        let users: Vec<u32> = (0..16).map(|i| 100 + 16 * round + i).collect();
        let changes: Vec<_> = users
            .iter()
            .map(|&n| {
                let server = server.clone();
                let new = new(n);
                tokio::spawn(async move { change_username(&server, n, &new).await })
            })
            .collect();
        while !changes.iter().all(|c| c.is_finished()) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            tokio::time::sleep(Duration::from_micros(500 + seed % 6_000)).await;
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = $1 AND application_name = $2 AND state <> 'idle' \
                 ORDER BY random() LIMIT 1",
            )
            .bind(&db.name)
            .bind(SERVER_APP)
            .execute(&db.pool)
            .await
            .unwrap();
        }
        for (change, &n) in changes.into_iter().zip(&users) {
            let answer = change.await.unwrap();
            assert!(
                answer.is_ok_envelope() || answer.is_unavailable_envelope(),
                "user {n}: {answer:?}"
            );
            let stored = outcome(&db.pool, n, &old(n), &new(n)).await;
            if answer.status == 200 {
                assert_eq!(stored, Outcome::New, "user {n}: a 200 that was not stored");
            }
            *outcomes
                .entry(if stored == Outcome::New { "new" } else { "old" })
                .or_default() += 1;
        }
        if round >= 1 && outcomes.len() == 2 {
            break;
        }
    }
    eprintln!("username changes under random terminations, stored as: {outcomes:?}");
    assert_eq!(
        outcomes.len(),
        2,
        "the random interruptions should leave some users with each name: {outcomes:?}"
    );
}

/// Waits until `count` of the server's connections wait for a lock in a
/// statement matching `waiting_in`; returns their pids.
async fn wait_for_lock_waiters(db: &TestDatabase, waiting_in: &str, count: usize) -> Vec<i32> {
    let started = Instant::now();
    loop {
        let pids: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 \
             AND wait_event_type = 'Lock' AND query ILIKE $3",
        )
        .bind(&db.name)
        .bind(SERVER_APP)
        .bind(waiting_in)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        if pids.len() >= count {
            return pids;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "only {} of {count} changes stalled in {waiting_in}",
            pids.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------
// SIGTERM under load, against the real binary.
// ---------------------------------------------------------------------------

/// Kills the server if the test ends before it exits.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `TEST_DATABASE_URL` (or its default) pointed at `database`.
fn database_url(database: &str) -> String {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let (main, query) = match url.split_once('?') {
        Some((main, query)) => (main.to_owned(), format!("?{query}")),
        None => (url.clone(), String::new()),
    };
    let (server, _) = main.rsplit_once('/').expect("a database URL");
    format!("{server}/{database}{query}")
}

fn log_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_finishes_requests_in_flight_refuses_new_ones_and_exits_in_the_grace_period()
 {
    let db = TestDatabase::new().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let base = format!("http://{address}");
    let output = std::fs::File::create(&log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_allmine"))
        .arg("serve")
        .env("APP_ENV", "development")
        .env("DATABASE_URL", database_url(&db.name))
        .env("DATABASE_MAX_CONNECTIONS", "10")
        .env("DATABASE_ACQUIRE_TIMEOUT_MS", "3000")
        .env("DATABASE_STATEMENT_TIMEOUT_MS", "8000")
        .env("DATABASE_LOCK_TIMEOUT_MS", "8000")
        .env("BIND_ADDRESS", &address)
        .env("HTTP_WORKERS", "2")
        .env("SEARCH_INDEX_DIR", dir.path().join("index"))
        .env("JWT_ALGORITHM", "HS256")
        .env("JWT_SECRET", SECRET)
        .env("LOG_FORMAT", "pretty")
        .env("RUST_LOG", "info,sqlx=warn")
        .env("RATE_LIMIT_USERNAME_CHECKS_PER_MINUTE", "1000000")
        .env("RATE_LIMIT_USERNAME_CHANGES_PER_MINUTE", "1000000")
        .env("RATE_LIMIT_SEARCHES_PER_MINUTE", "1000000")
        .env("RATE_LIMIT_ANONYMOUS_PROFILE_READS_PER_MINUTE", "1000000")
        .env_remove("JWT_ISSUER")
        .env_remove("JWT_AUDIENCE")
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .spawn()
        .expect("start the allmine binary");
    let mut child = ChildGuard(child);
    let pid = child.0.id();
    let http = client();

    // Ready: migrated, demo data loaded (the database was empty), index built.
    let started = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            panic!("the server exited at start ({status}):\n{}", log_of(&log));
        }
        if call(http.get(format!("{base}/health/ready"))).await.status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server never got ready:\n{}",
            log_of(&log)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The load: writers each updating their own user's bio, one request at a
    // time (so the last acknowledged value is what must be stored), readers.
    let running = Arc::new(AtomicBool::new(true));
    let writers: Vec<_> = (0..6u32)
        .map(|w| {
            let running = running.clone();
            let base = base.clone();
            let http = http.clone();
            tokio::spawn(async move {
                let token = token(&fan_id(200 + w));
                let mut sent = Vec::new();
                let mut seq = 0u32;
                while running.load(Ordering::SeqCst) {
                    seq += 1;
                    let bio = format!("sigterm writer {w} write {seq}");
                    let answer = call(
                        http.patch(format!("{base}/api/v1/users/me"))
                            .bearer_auth(&token)
                            .json(&json!({"bio": bio})),
                    )
                    .await;
                    if answer.status == 0 {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    sent.push((bio, answer));
                }
                sent
            })
        })
        .collect();
    let readers: Vec<_> = (0..4u32)
        .map(|r| {
            let running = running.clone();
            let base = base.clone();
            let http = http.clone();
            tokio::spawn(async move {
                let token = token(&fan_id(210 + r));
                let mut answers = Vec::new();
                while running.load(Ordering::SeqCst) {
                    let answer = call(
                        http.get(format!("{base}/api/v1/users/profile/{JOHN}"))
                            .bearer_auth(&token),
                    )
                    .await;
                    if answer.status == 0 {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    answers.push(answer);
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Slow requests: updates of rows the test holds locked.
    let slow_users = [230u32, 231, 232];
    let mut locker = PgConnection::connect_with(&db.options).await.unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    for n in slow_users {
        sqlx::query("SELECT 1 FROM users WHERE id = decode($1, 'hex') FOR UPDATE")
            .bind(fan_id(n))
            .execute(&mut locker)
            .await
            .unwrap();
    }
    let slow: Vec<_> = slow_users
        .iter()
        .map(|&n| {
            let request = client()
                .patch(format!("{base}/api/v1/users/me"))
                .bearer_auth(token(&fan_id(n)))
                .json(&json!({"bio": format!("slow {n}")}));
            tokio::spawn(call(request))
        })
        .collect();
    let stalled_started = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
             AND wait_event_type = 'Lock' AND query ILIKE '%UPDATE users%'",
        )
        .bind(&db.name)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        if waiting >= slow_users.len() as i64 {
            break;
        }
        assert!(
            stalled_started.elapsed() < Duration::from_secs(10),
            "the slow requests never reached the lock:\n{}",
            log_of(&log)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // SIGTERM.
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let terminated = Instant::now();

    // New connections are refused after a moment.
    loop {
        if tokio::net::TcpStream::connect(&address).await.is_err() {
            break;
        }
        assert!(
            terminated.elapsed() < Duration::from_secs(2),
            "still accepting connections 2 s after SIGTERM:\n{}",
            log_of(&log)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fresh = call(client().get(format!("{base}/health/live"))).await;
    assert_eq!(fresh.status, 0, "a new connection was served: {fresh:?}");

    // The slow requests are still in flight; let them through.
    tokio::time::sleep_until((terminated + Duration::from_secs(1)).into()).await;
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    for (task, n) in slow.into_iter().zip(slow_users) {
        let answer = task.await.unwrap();
        assert!(
            answer.is_ok_envelope(),
            "a request in flight at SIGTERM did not complete: {answer:?}\n{}",
            log_of(&log)
        );
        assert_eq!(
            bio_of(&db.pool, &fan_id(n)).await,
            Some(format!("slow {n}"))
        );
    }

    // The process exits, successfully, within its grace period.
    let grace = Duration::from_secs(SHUTDOWN_GRACE_SECS);
    let exit = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            terminated.elapsed() < grace,
            "still running {grace:?} after SIGTERM:\n{}",
            log_of(&log)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let exited_after = terminated.elapsed();
    assert!(
        exit.success(),
        "exit {exit} after SIGTERM:\n{}",
        log_of(&log)
    );
    running.store(false, Ordering::SeqCst);

    // No acknowledged write is lost: each writer's user holds its last
    // acknowledged bio, or one sent after it whose answer never came.
    let mut acknowledged = 0;
    for (w, writer) in writers.into_iter().enumerate() {
        let sent = writer.await.unwrap();
        for (_, answer) in &sent {
            assert!(
                answer.status == 0 || answer.is_ok_envelope(),
                "writer {w}: {answer:?}"
            );
            assert!(
                answer.status != 0 || answer.sent > terminated - Duration::from_millis(50),
                "writer {w} failed before SIGTERM: {answer:?}"
            );
        }
        let last_ok = sent.iter().rposition(|(_, a)| a.status == 200);
        let Some(last_ok) = last_ok else {
            panic!("writer {w} got no write through: {sent:?}");
        };
        acknowledged += last_ok + 1;
        let stored = bio_of(&db.pool, &fan_id(200 + w as u32)).await.unwrap();
        assert!(
            sent[last_ok..].iter().any(|(bio, _)| *bio == stored),
            "writer {w}: stored {stored:?}, but {:?} was acknowledged",
            sent[last_ok].0
        );
    }
    for (r, reader) in readers.into_iter().enumerate() {
        for answer in reader.await.unwrap() {
            assert!(
                answer.is_ok_envelope()
                    || (answer.status == 0 && answer.sent > terminated - Duration::from_millis(50)),
                "reader {r}: {answer:?}"
            );
        }
    }
    assert!(acknowledged > 0);
    eprintln!("SIGTERM: exited after {exited_after:?}; {acknowledged} writes acknowledged");
}
