//! The real server in this process over a pool the test configures, tokens,
//! and answers timed and classified.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::RequestBuilder;
use secrecy::SecretString;
use serde_json::Value;

use allmine_domain::SystemClock;
use allmine_domain::UserId;
use allmine_http::{JwtIssuer, JwtSettings, JwtVerifier, RateLimitSettings, VerificationKey};
use allmine_postgres::PgPool;
use allmine_server::{Parts, search};

pub const SECRET: &str = "fault-test-secret-fault-test-secret-0123";

/// johndoe123 in the demo fixture.
pub const JOHN: &str = "507f1f77bcf86cd799439011";

/// Limits no fault test meets (the load is not what is under test here).
pub const GENEROUS: RateLimitSettings = RateLimitSettings {
    username_checks_per_minute: 1_000_000,
    username_changes_per_minute: 1_000_000,
    searches_per_minute: 1_000_000,
    anonymous_profile_reads_per_minute: 1_000_000,
};

/// The id of the demo fixture's `demo_fan_<n>` (1 to 256).
pub fn fan_id(n: u32) -> String {
    format!("{n:024x}")
}

/// A token for the user with this id, valid for an hour.
pub fn token(id: &str) -> String {
    JwtIssuer::hs256(&SecretString::from(SECRET.to_owned()), None, None)
        .issue(
            &UserId::parse(id).unwrap(),
            time::OffsetDateTime::now_utc(),
            time::Duration::hours(1),
        )
        .unwrap()
}

/// The server of `serve()` over `pool`, with its own search index.
pub struct TestServer {
    pub address: String,
    pub client: reqwest::Client,
    _index_dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts it; the pool's database must be migrated and answer now.
    pub async fn start(pool: PgPool) -> Self {
        let settings = JwtSettings {
            key: VerificationKey::Hs256(SecretString::from(SECRET.to_owned())),
            issuer: None,
            audience: None,
            leeway_secs: 30,
        };
        let index_dir = tempfile::tempdir().unwrap();
        let index = search::open_index(index_dir.path()).unwrap();
        let sync = search::sync_for(&pool, index.clone());
        sync.prepare().await.unwrap();
        let search_freshness = Arc::new(search::SearchFreshness::default());
        tokio::spawn(search::keep_fresh(
            pool.clone(),
            sync,
            search_freshness.clone(),
            None,
        ));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let parts = Parts {
            pool,
            replica: None,
            tokens: JwtVerifier::new(&settings).unwrap(),
            clock: Arc::new(SystemClock),
            search: index,
            search_freshness,
            rate_limits: GENEROUS,
            rate_limit_store: allmine_server::config::RateLimitStore::Memory,
            trusted_proxies: allmine_http::TrustedProxies::default(),
            workers: 2,
            cors_allowed_origins: Vec::new(),
            read_model: None,
            read_model_misses: allmine_read_model::MissSettings::default(),
            metrics: None,
        };
        tokio::spawn(allmine_server::serve(listener, parts).unwrap());
        let server = Self {
            address,
            client: client(),
            _index_dir: index_dir,
        };
        server.wait_ready(Duration::from_secs(10)).await;
        server
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.address))
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.client.patch(format!("{}{path}", self.address))
    }

    /// Waits until `/health/ready` answers 200.
    pub async fn wait_ready(&self, within: Duration) {
        wait_ready(&self.client, &self.address, within).await;
    }
}

/// A client that reports a hang as an error instead of hanging the test.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap()
}

/// Waits until `address`'s `/health/ready` answers 200.
pub async fn wait_ready(client: &reqwest::Client, address: &str, within: Duration) {
    let started = Instant::now();
    loop {
        let answer = call(client.get(format!("{address}/health/ready"))).await;
        if answer.status == 200 {
            return;
        }
        assert!(
            started.elapsed() < within,
            "{address} not ready after {within:?}: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One answer: when the request left, how long it took, what came back.
#[derive(Debug, Clone)]
pub struct Answer {
    pub sent: Instant,
    pub elapsed: Duration,
    /// The HTTP status; 0 when no response came (the error is in `body`).
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// 503 in the published envelope, with the generic message and nothing
    /// of the driver's.
    pub fn is_unavailable_envelope(&self) -> bool {
        let body = self.json();
        let lower = self.body.to_lowercase();
        self.status == 503
            && body["isSuccess"] == false
            && body["statusCode"] == 503
            && body["code"] == "SERVICE_UNAVAILABLE"
            && body["data"].is_null()
            && body["errors"] == serde_json::json!(["Service temporarily unavailable"])
            && !["sqlx", "pool", "postgres", "connection", "timed out"]
                .iter()
                .any(|word| lower.contains(word))
    }

    pub fn is_ok_envelope(&self) -> bool {
        let body = self.json();
        self.status == 200 && body["isSuccess"] == true && body["statusCode"] == 200
    }
}

/// Sends `request` and times it; never panics on a transport error.
pub async fn call(request: RequestBuilder) -> Answer {
    let sent = Instant::now();
    let (status, body) = match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.text().await {
                Ok(text) => (status, text),
                Err(error) => (0, format!("body lost after {status}: {error:?}")),
            }
        }
        Err(error) => (0, format!("{error:?}")),
    };
    Answer {
        sent,
        elapsed: sent.elapsed(),
        status,
        body,
    }
}
