use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use reqwest::{RequestBuilder, StatusCode};
use secrecy::SecretString;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use allmine_domain::Clock;
use allmine_domain::UserId;
use allmine_http::cors::AllowedOrigin;
use allmine_http::{
    JwtIssuer, JwtSettings, JwtVerifier, RateLimitSettings, TrustedProxies, VerificationKey,
};
use allmine_postgres::seed_demo;
use allmine_postgres::testing::TestDatabase;
use allmine_read_model::ReadModel;
use allmine_server::config::RateLimitStore;
use allmine_server::prometheus::MetricsEndpoint;
use allmine_server::{Parts, search};

/// The read models of the tests: room for every user a test makes.
const READ_MODEL_BYTES: u64 = 8 * 1024 * 1024;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub const JOHN: &str = "507f1f77bcf86cd799439011";
pub const JANE_PRIVATE: &str = "507f1f77bcf86cd799439021";
pub const BOB_BLOCKER: &str = "507f1f77bcf86cd799439031";
pub const CARL_BLOCKED: &str = "507f1f77bcf86cd799439032";
pub const GARY_DEACTIVATED: &str = "507f1f77bcf86cd799439041";
/// demo_fan_001: waits for private_jane to accept.
pub const FAN_PENDING: &str = "000000000000000000000001";
/// demo_fan_002: an accepted follower of private_jane.
pub const FAN_ACCEPTED: &str = "000000000000000000000002";

/// Real time until a test sets it; then the time the test says.
#[derive(Default)]
pub struct TestClock(Mutex<Option<OffsetDateTime>>);

impl TestClock {
    pub fn set(&self, now: OffsetDateTime) {
        *self.0.lock().unwrap() = Some(now);
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        self.0
            .lock()
            .unwrap()
            .unwrap_or_else(OffsetDateTime::now_utc)
    }
}

/// A running server over its own database, loaded with the demo fixture, with
/// its own search index in a temporary directory.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Arc<TestDatabase>,
    pub clock: Arc<TestClock>,
    /// The read model this instance reads through, if it has one.
    pub read_model: Option<Arc<ReadModel>>,
    /// The database this instance reads what may lag from, if it has one.
    pub replica: Option<Arc<TestDatabase>>,
    /// `http://host:port` of this instance's metrics listener, if it has one.
    pub metrics_address: Option<String>,
    issuer: JwtIssuer,
    _index_dir: tempfile::TempDir,
}

impl TestApp {
    /// Limits high enough that no test meets them by accident.
    pub const GENEROUS: RateLimitSettings = RateLimitSettings {
        username_checks_per_minute: 100_000,
        username_changes_per_minute: 100_000,
        searches_per_minute: 100_000,
        anonymous_profile_reads_per_minute: 100_000,
    };

    pub async fn spawn() -> Self {
        Self::spawn_with_limits(Self::GENEROUS).await
    }

    pub async fn spawn_with_limits(limits: RateLimitSettings) -> Self {
        let db = TestDatabase::new().await;
        seed_demo(&db.pool).await.unwrap();
        Self::start(Arc::new(db), limits, hs256_settings()).await
    }

    /// A server that answers browsers from these comma-separated origins.
    pub async fn spawn_with_cors(origins: &str, limits: RateLimitSettings) -> Self {
        let db = TestDatabase::new().await;
        seed_demo(&db.pool).await.unwrap();
        let origins = allmine_http::cors::parse_origins(origins).unwrap();
        Self::start_with(Arc::new(db), limits, hs256_settings(), origins, None).await
    }

    /// A server that reads profiles, accounts and relationships through a
    /// read model kept by the change feed.
    pub async fn spawn_with_read_model() -> Self {
        let db = TestDatabase::new().await;
        seed_demo(&db.pool).await.unwrap();
        Self::start_with(
            Arc::new(db),
            Self::GENEROUS,
            hs256_settings(),
            Vec::new(),
            Some(Arc::new(ReadModel::new(READ_MODEL_BYTES))),
        )
        .await
    }

    /// A server that also serves its metrics on a listener of its own, with
    /// a read model or without (the recorder is the process's: every app of
    /// this test binary counts into it once one test has installed it, and
    /// the samplers of every app with metrics set the same gauges).
    pub async fn spawn_with_metrics(with_read_model: bool) -> Self {
        let db = TestDatabase::new().await;
        seed_demo(&db.pool).await.unwrap();
        Self::start_observed(
            Arc::new(db),
            Self::GENEROUS,
            hs256_settings(),
            Vec::new(),
            with_read_model.then(|| Arc::new(ReadModel::new(READ_MODEL_BYTES))),
            true,
            Fleet::single_process(),
        )
        .await
    }

    /// A second instance over the same database with a read model of its own.
    pub async fn spawn_peer_with_read_model(&self) -> Self {
        Self::start_with(
            self.db.clone(),
            Self::GENEROUS,
            hs256_settings(),
            Vec::new(),
            Some(Arc::new(ReadModel::new(READ_MODEL_BYTES))),
        )
        .await
    }

    /// A server that verifies tokens with these settings.
    pub async fn spawn_with_jwt(settings: JwtSettings) -> Self {
        let db = TestDatabase::new().await;
        seed_demo(&db.pool).await.unwrap();
        Self::start(Arc::new(db), Self::GENEROUS, settings).await
    }

    /// A second instance over the same database, with an index of its own.
    pub async fn spawn_peer(&self) -> Self {
        Self::start(self.db.clone(), Self::GENEROUS, hs256_settings()).await
    }

    /// A server over a fresh database that counts `limits` in `store` and
    /// believes the forwarding headers of `trusted_proxies` (a CIDR list).
    pub async fn spawn_behind_proxies(
        limits: RateLimitSettings,
        trusted_proxies: &str,
        store: RateLimitStore,
    ) -> Self {
        let db = TestDatabase::new().await;
        seed_demo(&db.pool).await.unwrap();
        Self::start_fleet_member(Arc::new(db), limits, trusted_proxies, store).await
    }

    /// Another instance over the same database, set up like
    /// [`spawn_behind_proxies`](Self::spawn_behind_proxies).
    pub async fn spawn_peer_behind_proxies(
        &self,
        limits: RateLimitSettings,
        trusted_proxies: &str,
        store: RateLimitStore,
    ) -> Self {
        Self::start_fleet_member(self.db.clone(), limits, trusted_proxies, store).await
    }

    async fn start_fleet_member(
        db: Arc<TestDatabase>,
        limits: RateLimitSettings,
        trusted_proxies: &str,
        store: RateLimitStore,
    ) -> Self {
        let fleet = Fleet {
            trusted_proxies: TrustedProxies::parse(trusted_proxies).unwrap(),
            store,
            replica: None,
        };
        Self::start_observed(db, limits, hs256_settings(), Vec::new(), None, false, fleet).await
    }

    async fn start(
        db: Arc<TestDatabase>,
        rate_limits: RateLimitSettings,
        settings: JwtSettings,
    ) -> Self {
        Self::start_with(db, rate_limits, settings, Vec::new(), None).await
    }

    /// A server whose "read replica" is a second database loaded with the
    /// same demo fixture and then never written to: the worst replica, one
    /// that never replays anything.
    pub async fn spawn_with_stale_replica(with_read_model: bool) -> Self {
        let db = TestDatabase::new().await;
        seed_demo(&db.pool).await.unwrap();
        let replica = TestDatabase::new().await;
        seed_demo(&replica.pool).await.unwrap();
        Self::start_with_replica(
            Arc::new(db),
            Self::GENEROUS,
            hs256_settings(),
            Vec::new(),
            with_read_model.then(|| Arc::new(ReadModel::new(READ_MODEL_BYTES))),
            Some(Arc::new(replica)),
        )
        .await
    }

    /// [`Self::spawn_with_stale_replica`] without the read model, with a
    /// metrics listener.
    pub async fn spawn_observed_with_stale_replica() -> Self {
        let db = TestDatabase::new().await;
        seed_demo(&db.pool).await.unwrap();
        let replica = TestDatabase::new().await;
        seed_demo(&replica.pool).await.unwrap();
        Self::start_full(
            Arc::new(db),
            Self::GENEROUS,
            hs256_settings(),
            Vec::new(),
            None,
            true,
            Fleet::with_replica(Some(Arc::new(replica))),
        )
        .await
    }

    /// A second instance over the same primary and replica, with nothing of
    /// the first one's memory: another pod of the fleet.
    pub async fn spawn_peer_with_replica(&self, with_read_model: bool) -> Self {
        Self::start_with_replica(
            self.db.clone(),
            Self::GENEROUS,
            hs256_settings(),
            Vec::new(),
            with_read_model.then(|| Arc::new(ReadModel::new(READ_MODEL_BYTES))),
            self.replica.clone(),
        )
        .await
    }

    async fn start_with(
        db: Arc<TestDatabase>,
        rate_limits: RateLimitSettings,
        settings: JwtSettings,
        cors_allowed_origins: Vec<AllowedOrigin>,
        read_model: Option<Arc<ReadModel>>,
    ) -> Self {
        let fleet = Fleet::single_process();
        Self::start_observed(
            db,
            rate_limits,
            settings,
            cors_allowed_origins,
            read_model,
            false,
            fleet,
        )
        .await
    }

    /// [`Self::start_with`], with a metrics listener on 127.0.0.1:0 when
    /// `metrics` is set, counting limits and finding clients as `fleet` says.
    async fn start_observed(
        db: Arc<TestDatabase>,
        rate_limits: RateLimitSettings,
        settings: JwtSettings,
        cors_allowed_origins: Vec<AllowedOrigin>,
        read_model: Option<Arc<ReadModel>>,
        metrics: bool,
        fleet: Fleet,
    ) -> Self {
        Self::start_full(
            db,
            rate_limits,
            settings,
            cors_allowed_origins,
            read_model,
            metrics,
            fleet,
        )
        .await
    }

    /// [`Self::start_with`], reading what may lag from `replica`.
    async fn start_with_replica(
        db: Arc<TestDatabase>,
        rate_limits: RateLimitSettings,
        settings: JwtSettings,
        cors_allowed_origins: Vec<AllowedOrigin>,
        read_model: Option<Arc<ReadModel>>,
        replica: Option<Arc<TestDatabase>>,
    ) -> Self {
        Self::start_full(
            db,
            rate_limits,
            settings,
            cors_allowed_origins,
            read_model,
            false,
            Fleet::with_replica(replica),
        )
        .await
    }

    async fn start_full(
        db: Arc<TestDatabase>,
        rate_limits: RateLimitSettings,
        settings: JwtSettings,
        cors_allowed_origins: Vec<AllowedOrigin>,
        read_model: Option<Arc<ReadModel>>,
        metrics: bool,
        fleet: Fleet,
    ) -> Self {
        let replica = fleet.replica;
        capture_logs();
        let verifier = JwtVerifier::new(&settings).unwrap();
        let index_dir = tempfile::tempdir().unwrap();
        let index = search::open_index(index_dir.path()).unwrap();
        let sync = search::sync_for(&db.pool, index.clone());
        sync.prepare().await.unwrap();
        let search_freshness = Arc::new(search::SearchFreshness::default());
        tokio::spawn(search::keep_fresh(
            db.pool.clone(),
            sync,
            search_freshness.clone(),
            None,
        ));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let clock = Arc::new(TestClock::default());
        let metrics = metrics.then(|| {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let handle = allmine_server::prometheus::install().unwrap();
            MetricsEndpoint { listener, handle }
        });
        let metrics_address = metrics
            .as_ref()
            .map(|endpoint| format!("http://{}", endpoint.listener.local_addr().unwrap()));
        let parts = Parts {
            pool: db.pool.clone(),
            replica: replica.as_ref().map(|replica| replica.pool.clone()),
            tokens: verifier,
            clock: clock.clone(),
            search: index,
            search_freshness,
            rate_limits,
            rate_limit_store: fleet.store,
            trusted_proxies: fleet.trusted_proxies,
            workers: 2,
            cors_allowed_origins,
            read_model: read_model.clone(),
            read_model_misses: allmine_read_model::MissSettings::default(),
            metrics,
        };
        tokio::spawn(allmine_server::serve(listener, parts).unwrap());
        Self {
            address,
            client: reqwest::Client::new(),
            db,
            clock,
            read_model,
            replica,
            metrics_address,
            issuer: JwtIssuer::hs256(&SecretString::from(SECRET.to_owned()), None, None),
            _index_dir: index_dir,
        }
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.address))
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.client.patch(format!("{}{path}", self.address))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(format!("{}{path}", self.address))
    }

    /// A valid token for the user with this id.
    pub fn token(&self, id: &str) -> String {
        self.issuer
            .issue(
                &UserId::parse(id).unwrap(),
                OffsetDateTime::now_utc(),
                Duration::hours(1),
            )
            .unwrap()
    }

    /// A token that expired an hour ago.
    pub fn expired_token(&self, id: &str) -> String {
        self.issuer
            .issue(
                &UserId::parse(id).unwrap(),
                OffsetDateTime::now_utc() - Duration::hours(2),
                Duration::hours(1),
            )
            .unwrap()
    }

    pub async fn sql(&self, statement: &'static str) {
        sqlx::query(statement).execute(&self.db.pool).await.unwrap();
    }

    /// Adds an active public user with this name and returns their id.
    pub async fn add_person(&self, username: &str, name: &str, surname: &str) -> String {
        let id: Vec<u8> = sqlx::query_scalar(
            "INSERT INTO users (username, name, surname, birth_date) VALUES ($1, $2, $3, '1990-01-01') RETURNING id",
        )
        .bind(username)
        .bind(name)
        .bind(surname)
        .fetch_one(&self.db.pool)
        .await
        .unwrap();
        UserId::from_slice(&id).unwrap().to_string()
    }

    /// Adds an active public user and returns their id.
    pub async fn add_user(&self, username: &str) -> String {
        let id: Vec<u8> = sqlx::query_scalar(
            "INSERT INTO users (username, name, surname, birth_date) VALUES ($1, 'Test', 'User', '1990-01-01') RETURNING id",
        )
        .bind(username)
        .fetch_one(&self.db.pool)
        .await
        .unwrap();
        UserId::from_slice(&id).unwrap().to_string()
    }

    /// The current username of the user with this id.
    pub async fn username_of(&self, id: &str) -> String {
        sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
            .bind(UserId::parse(id).unwrap().as_bytes().to_vec())
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }
}

/// How an instance of a fleet counts limits and finds its clients.
struct Fleet {
    trusted_proxies: TrustedProxies,
    store: RateLimitStore,
    /// The read replica reads that may lag go to; `None`: the primary only.
    replica: Option<Arc<TestDatabase>>,
}

impl Fleet {
    /// No proxy trusted, limits counted in memory, no replica: one instance on its own.
    fn single_process() -> Self {
        Self {
            trusted_proxies: TrustedProxies::default(),
            store: RateLimitStore::Memory,
            replica: None,
        }
    }

    /// One instance on its own that reads what may lag from `replica`.
    fn with_replica(replica: Option<Arc<TestDatabase>>) -> Self {
        Self {
            replica,
            ..Self::single_process()
        }
    }
}

/// The machine's Redis (`TEST_REDIS_URL`, or 127.0.0.1:6379).
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Counting in the machine's Redis under a prefix no other test uses, after
/// checking Redis answers: tests that call this NEED Redis, and fail saying
/// so without it (`.ci/run` starts it).
pub async fn redis_store() -> RateLimitStore {
    let settings = allmine_redis::RedisSettings {
        url: redis_url(),
        prefix: format!("allmine-test:{}:", uuid::Uuid::new_v4()),
        // Generous: tests share two cores with builds; speed is not tested here.
        timeout: std::time::Duration::from_secs(2),
    };
    let probe = allmine_redis::RedisCounter::new(&settings, RateLimitSettings::default()).unwrap();
    if let Err(error) = allmine_domain::limits::RequestCounter::check(&probe).await {
        panic!(
            "this test needs Redis at {} ({error}); start it with `redis-server --daemonize yes` \
             (.ci/run does)",
            settings.url
        );
    }
    RateLimitStore::Redis(settings)
}

/// Counting in a Redis that is not there: a local port nothing listens on.
pub fn unreachable_redis_store() -> RateLimitStore {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    RateLimitStore::Redis(allmine_redis::RedisSettings {
        url: format!("redis://127.0.0.1:{port}"),
        prefix: format!("allmine-test:{}:", uuid::Uuid::new_v4()),
        timeout: std::time::Duration::from_millis(50),
    })
}

fn hs256_settings() -> JwtSettings {
    JwtSettings {
        key: VerificationKey::Hs256(SecretString::from(SECRET.to_owned())),
        issuer: None,
        audience: None,
        leeway_secs: 30,
    }
}

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

#[derive(Clone, Copy)]
struct LogBuffer;

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every log line of this test process to a buffer the tests can read.
fn capture_logs() {
    let _ = tracing_subscriber::fmt()
        // Warnings, and the request log (its span and "request finished" line).
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "warn,allmine_http::middleware=info",
        ))
        .with_writer(|| LogBuffer)
        .with_ansi(false)
        .try_init();
}

/// Everything logged so far by this test process.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

/// Status and parsed body; panics (failing the test) if the body is not JSON.
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}

/// Checks the error envelope's fixed parts and returns its messages.
pub fn assert_error(status: StatusCode, body: &Value, expected: u16, code: &str) -> Vec<String> {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["isSuccess"], false, "{body}");
    assert_eq!(body["statusCode"], expected, "{body}");
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_timestamp(&body["timestamp"]);
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

/// Checks the success envelope's fixed parts and returns `data`.
pub fn assert_ok(status: StatusCode, body: &Value) -> Value {
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["isSuccess"], true);
    assert_eq!(body["statusCode"], 200);
    assert_eq!(body["errors"], serde_json::json!([]));
    assert_timestamp(&body["timestamp"]);
    body["data"].clone()
}

/// `2026-05-22T16:11:26.806Z`: UTC, milliseconds, as the docs show.
pub fn assert_timestamp(value: &Value) {
    let text = value.as_str().unwrap_or_default();
    let bytes = text.as_bytes();
    let shape_ok = text.len() == 24
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text.ends_with('Z')
        && OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok();
    assert!(
        shape_ok,
        "timestamp {value} is not like 2026-05-22T16:11:26.806Z"
    );
}
