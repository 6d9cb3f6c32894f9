//! Configuration from environment variables (see README.md and .env.example).

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use allmine_http::TrustedProxies;
use allmine_http::cors::{AllowedOrigin, parse_origins};
use allmine_http::{JwtIssuer, JwtSettings, VerificationKey};
use allmine_postgres::DatabaseSettings;
use allmine_postgres::PgConnectOptions;
use allmine_read_model::MissSettings;
use allmine_redis::RedisSettings;
use secrecy::SecretString;

/// The default database, as the README promises.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/allmine";
/// Where search indexes live by default, relative to the working directory:
/// one subdirectory per database, so that pointing `DATABASE_URL` at another
/// database never reuses an index built from a different one.
pub const DEFAULT_SEARCH_INDEX_DIR: &str = "data/search-index";
/// The read model's default size: 32 MiB of heap, weighed honestly (about
/// 20,000 users), so that the server stays within 160 MB under load with the
/// search writer's share (the arithmetic is in ADR 0012).
pub const DEFAULT_READ_MODEL_BYTES: u64 = 32 * 1024 * 1024;
/// The address metrics are usually served on (the port the OpenTelemetry
/// convention gives Prometheus exporters), as the docs suggest it. Not a
/// default: metrics are off unless `METRICS_ADDRESS` is set, so that no second
/// port opens by surprise (two instances on one machine would fight over it,
/// and metrics show traffic shapes that are nobody else's business).
pub const SUGGESTED_METRICS_ADDRESS: &str = "127.0.0.1:9464";
/// The default listen address.
pub const DEFAULT_BIND_ADDRESS: &str = "127.0.0.1:8080";
/// Redis in development when `RATE_LIMIT_STORE=redis` and `REDIS_URL` is not set.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
/// The default deadline of one call to Redis, in milliseconds.
pub const DEFAULT_REDIS_TIMEOUT_MS: u64 = 50;

/// The HS256 secret used in development when none is configured. Production
/// refuses to start with it.
pub const DEVELOPMENT_JWT_SECRET: &str = "allmine-development-secret-never-use-in-production";

/// Where the server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local work: demo data when empty, pretty logs, a development JWT secret.
    Development,
    /// Real traffic: no demo data, JSON logs, a real key required.
    Production,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Where rate limits are counted (`RATE_LIMIT_STORE`).
#[derive(Debug, Clone)]
pub enum RateLimitStore {
    /// In each process's memory: each replica counts on its own (the default).
    Memory,
    /// In Redis, once for the whole fleet; per process while Redis is lost.
    Redis(RedisSettings),
}

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable has a value that cannot be read.
    #[error("{name}: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

/// The JWT configuration: how tokens are verified, and (when a signing key is
/// available) issued by the `token` command.
#[derive(Debug)]
pub struct JwtConfig {
    /// Verification settings.
    pub settings: JwtSettings,
    /// Signs tokens, when the configuration has a signing key.
    pub issuer: Option<JwtIssuer>,
    /// Whether the development secret is in use.
    pub is_development_secret: bool,
}

/// Everything the server reads from the environment.
#[derive(Debug)]
pub struct Config {
    /// Development or production.
    pub environment: Environment,
    /// Address to listen on.
    pub bind_address: String,
    /// HTTP worker threads.
    pub workers: usize,
    /// Database connection and pool.
    pub database: DatabaseSettings,
    /// The streaming read replica reads that may lag go to
    /// (`DATABASE_READ_URL`, its pool sized by `DATABASE_READ_MAX_CONNECTIONS`,
    /// the primary's timeouts); `None`: every read on the primary.
    pub read_database: Option<DatabaseSettings>,
    /// JWT verification and issuing.
    pub jwt: JwtConfig,
    /// Log line format.
    pub log_format: LogFormat,
    /// Where this instance keeps its search index.
    pub search_index_dir: std::path::PathBuf,
    /// How long change feed rows are kept; `None`: forever.
    pub feed_retention: Option<Duration>,
    /// Abuse limits, per minute.
    pub rate_limits: allmine_http::RateLimitSettings,
    /// The origins browsers may call the API from (`CORS_ALLOWED_ORIGINS`); none: CORS off.
    pub cors_allowed_origins: Vec<AllowedOrigin>,
    /// The read model's size in bytes (`READ_MODEL_BYTES`); 0: no read model.
    pub read_model_bytes: u64,
    /// How the read model's misses are read (`READ_MODEL_MISS_READS`: how
    /// many reads of users by id, and as many by name, run at once; the
    /// misses beyond are read together as one finishes).
    pub read_model_misses: MissSettings,
    /// The proxies whose `Forwarded` / `X-Forwarded-For` are believed
    /// (`TRUSTED_PROXIES`); empty: none.
    pub trusted_proxies: TrustedProxies,
    /// Where rate limits are counted (`RATE_LIMIT_STORE`, `REDIS_URL`,
    /// `RATE_LIMIT_REDIS_PREFIX`, `RATE_LIMIT_REDIS_TIMEOUT_MS`).
    pub rate_limit_store: RateLimitStore,
    /// Where `GET /metrics` is served (`METRICS_ADDRESS`); `None`: no metrics.
    pub metrics_address: Option<SocketAddr>,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        })
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let environment = match lookup("APP_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    format!("expected development or production, got {other:?}"),
                ));
            }
        };
        let log_format = match lookup("LOG_FORMAT").as_deref() {
            None if environment == Environment::Production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("expected pretty or json, got {other:?}"),
                ));
            }
        };
        let url = lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let options = PgConnectOptions::from_str(&url)
            .map_err(|_| invalid("DATABASE_URL", "not a postgres:// URL"))?;
        let search_index_dir = match lookup("SEARCH_INDEX_DIR") {
            Some(dir) => dir.into(),
            None => std::path::Path::new(DEFAULT_SEARCH_INDEX_DIR)
                .join(options.get_database().unwrap_or("postgres")),
        };
        let database = DatabaseSettings {
            options,
            max_connections: number(&lookup, "DATABASE_MAX_CONNECTIONS", 10)?,
            acquire_timeout: Duration::from_millis(number(
                &lookup,
                "DATABASE_ACQUIRE_TIMEOUT_MS",
                3_000,
            )?),
            statement_timeout: Duration::from_millis(number(
                &lookup,
                "DATABASE_STATEMENT_TIMEOUT_MS",
                5_000,
            )?),
            lock_timeout: Duration::from_millis(number(
                &lookup,
                "DATABASE_LOCK_TIMEOUT_MS",
                1_000,
            )?),
        };
        // Empty or blank: no replica, as documented, however the value came.
        let read_database = match lookup("DATABASE_READ_URL").filter(|url| !url.trim().is_empty()) {
            None => None,
            Some(url) => Some(DatabaseSettings {
                // The URL holds the password: the message never repeats it.
                options: PgConnectOptions::from_str(&url)
                    .map_err(|_| invalid("DATABASE_READ_URL", "not a postgres:// URL"))?,
                max_connections: number(
                    &lookup,
                    "DATABASE_READ_MAX_CONNECTIONS",
                    database.max_connections,
                )?,
                ..database.clone()
            }),
        };
        let default_workers = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Self {
            environment,
            bind_address: lookup("BIND_ADDRESS").unwrap_or_else(|| DEFAULT_BIND_ADDRESS.to_owned()),
            workers: number(&lookup, "HTTP_WORKERS", default_workers)?,
            database,
            read_database,
            jwt: jwt_config(&lookup, environment)?,
            log_format,
            rate_limits: rate_limits(&lookup)?,
            cors_allowed_origins: parse_origins(
                &lookup("CORS_ALLOWED_ORIGINS").unwrap_or_default(),
            )
            .map_err(|e| invalid("CORS_ALLOWED_ORIGINS", e.to_string()))?,
            search_index_dir,
            read_model_bytes: number(&lookup, "READ_MODEL_BYTES", DEFAULT_READ_MODEL_BYTES)?,
            read_model_misses: read_model_misses(&lookup)?,
            trusted_proxies: TrustedProxies::parse(&lookup("TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| invalid("TRUSTED_PROXIES", e.to_string()))?,
            rate_limit_store: rate_limit_store(&lookup, environment)?,
            metrics_address: metrics_address(&lookup)?,
            feed_retention: match feed_retention_hours(&lookup)? {
                0 => None,
                hours => Some(Duration::from_secs(hours.saturating_mul(3600))),
            },
        })
    }
}

/// `CHANGE_FEED_RETENTION_HOURS`, or the name it had when the feed was the
/// search outbox (deployments configured then keep their setting), or a week.
fn feed_retention_hours(lookup: &impl Fn(&str) -> Option<String>) -> Result<u64, ConfigError> {
    let name = if lookup("CHANGE_FEED_RETENTION_HOURS").is_none()
        && lookup("SEARCH_OUTBOX_RETENTION_HOURS").is_some()
    {
        "SEARCH_OUTBOX_RETENTION_HOURS"
    } else {
        "CHANGE_FEED_RETENTION_HOURS"
    };
    number(lookup, name, 168)
}

/// `METRICS_ADDRESS`: an `ip:port` to serve metrics on; unset, empty or `off`:
/// no metrics.
fn metrics_address(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<SocketAddr>, ConfigError> {
    let Some(value) = lookup("METRICS_ADDRESS") else {
        return Ok(None);
    };
    let value = value.trim();
    if value.is_empty() || value.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|_| {
        invalid(
            "METRICS_ADDRESS",
            format!("expected ip:port (for example 127.0.0.1:9464), empty or off, got {value:?}"),
        )
    })
}

fn number<T: FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(value) => value
            .trim()
            .parse()
            .map_err(|_| invalid(name, format!("not a number: {value:?}"))),
    }
}

fn read_model_misses(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<MissSettings, ConfigError> {
    let defaults = MissSettings::default();
    let concurrent_reads = number(&lookup, "READ_MODEL_MISS_READS", defaults.concurrent_reads)?;
    if concurrent_reads == 0 {
        return Err(invalid("READ_MODEL_MISS_READS", "at least 1".to_owned()));
    }
    Ok(MissSettings {
        concurrent_reads,
        ..defaults
    })
}

fn rate_limits(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<allmine_http::RateLimitSettings, ConfigError> {
    let defaults = allmine_http::RateLimitSettings::default();
    Ok(allmine_http::RateLimitSettings {
        username_checks_per_minute: number(
            lookup,
            "RATE_LIMIT_USERNAME_CHECKS_PER_MINUTE",
            defaults.username_checks_per_minute,
        )?,
        username_changes_per_minute: number(
            lookup,
            "RATE_LIMIT_USERNAME_CHANGES_PER_MINUTE",
            defaults.username_changes_per_minute,
        )?,
        searches_per_minute: number(
            lookup,
            "RATE_LIMIT_SEARCHES_PER_MINUTE",
            defaults.searches_per_minute,
        )?,
        anonymous_profile_reads_per_minute: number(
            lookup,
            "RATE_LIMIT_ANONYMOUS_PROFILE_READS_PER_MINUTE",
            defaults.anonymous_profile_reads_per_minute,
        )?,
    })
}

fn rate_limit_store(
    lookup: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<RateLimitStore, ConfigError> {
    match lookup("RATE_LIMIT_STORE").as_deref().map(str::trim) {
        None | Some("memory") => Ok(RateLimitStore::Memory),
        Some("redis") => {
            let url = match lookup("REDIS_URL") {
                Some(url) => url.trim().to_owned(),
                None if environment == Environment::Development => DEFAULT_REDIS_URL.to_owned(),
                None => {
                    return Err(invalid(
                        "REDIS_URL",
                        "RATE_LIMIT_STORE=redis needs REDIS_URL in production",
                    ));
                }
            };
            // Checked here, so a typo stops the start instead of degrading
            // forever; the value may hold a password, so it is not echoed.
            if !(url.starts_with("redis://") || url.starts_with("rediss://"))
                || redis_url_is_unreadable(&url)
            {
                return Err(invalid(
                    "REDIS_URL",
                    "expected redis://[user:password@]host[:port][/db]",
                ));
            }
            let prefix = lookup("RATE_LIMIT_REDIS_PREFIX")
                .unwrap_or_else(|| allmine_redis::DEFAULT_PREFIX.to_owned());
            let timeout_ms = number(
                lookup,
                "RATE_LIMIT_REDIS_TIMEOUT_MS",
                DEFAULT_REDIS_TIMEOUT_MS,
            )?;
            if timeout_ms == 0 {
                return Err(invalid(
                    "RATE_LIMIT_REDIS_TIMEOUT_MS",
                    "must be at least 1 (milliseconds)",
                ));
            }
            Ok(RateLimitStore::Redis(RedisSettings {
                url,
                prefix,
                timeout: Duration::from_millis(timeout_ms),
            }))
        }
        Some(other) => Err(invalid(
            "RATE_LIMIT_STORE",
            format!("expected memory or redis, got {other:?}"),
        )),
    }
}

/// Whether the Redis client refuses `url` (it needs no server to say so).
fn redis_url_is_unreadable(url: &str) -> bool {
    allmine_redis::parse_url(url).is_err()
}

fn read_pem(
    lookup: &impl Fn(&str) -> Option<String>,
    inline: &'static str,
    file: &'static str,
) -> Result<Option<Vec<u8>>, ConfigError> {
    if let Some(pem) = lookup(inline) {
        return Ok(Some(pem.into_bytes()));
    }
    match lookup(file) {
        None => Ok(None),
        Some(path) => std::fs::read(&path)
            .map(Some)
            .map_err(|e| invalid(file, format!("cannot read {path}: {e}"))),
    }
}

fn jwt_config(
    lookup: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<JwtConfig, ConfigError> {
    let issuer_claim = lookup("JWT_ISSUER");
    let audience = lookup("JWT_AUDIENCE");
    let leeway_secs = number(lookup, "JWT_LEEWAY_SECS", 30)?;
    let algorithm = lookup("JWT_ALGORITHM").unwrap_or_else(|| "HS256".to_owned());
    let (key, issuer, is_development_secret) = match algorithm.as_str() {
        "HS256" => {
            let (secret, development) = match lookup("JWT_SECRET") {
                Some(secret) => (secret, false),
                None if environment == Environment::Development => {
                    (DEVELOPMENT_JWT_SECRET.to_owned(), true)
                }
                None => {
                    return Err(invalid(
                        "JWT_SECRET",
                        "production needs a real JWT key: set JWT_SECRET (HS256) or JWT_ALGORITHM with JWT_PUBLIC_KEY_FILE",
                    ));
                }
            };
            if environment == Environment::Production
                && (secret == DEVELOPMENT_JWT_SECRET || secret.len() < 32)
            {
                return Err(invalid(
                    "JWT_SECRET",
                    "production needs a secret of at least 32 bytes that is not the development one",
                ));
            }
            let secret = SecretString::from(secret);
            let issuer = JwtIssuer::hs256(&secret, issuer_claim.clone(), audience.clone());
            (VerificationKey::Hs256(secret), Some(issuer), development)
        }
        "RS256" | "ES256" => {
            let public =
                read_pem(lookup, "JWT_PUBLIC_KEY", "JWT_PUBLIC_KEY_FILE")?.ok_or_else(|| {
                    invalid(
                        "JWT_PUBLIC_KEY_FILE",
                        format!("{algorithm} needs a PEM public key"),
                    )
                })?;
            let rsa = algorithm == "RS256";
            let issuer = match read_pem(lookup, "JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY_FILE")? {
                Some(private) => Some(
                    JwtIssuer::from_private_pem(
                        &private,
                        rsa,
                        issuer_claim.clone(),
                        audience.clone(),
                    )
                    .map_err(|e| invalid("JWT_PRIVATE_KEY_FILE", e.to_string()))?,
                ),
                None => None,
            };
            let key = if rsa {
                VerificationKey::Rs256(public)
            } else {
                VerificationKey::Es256(public)
            };
            (key, issuer, false)
        }
        other => {
            return Err(invalid(
                "JWT_ALGORITHM",
                format!("expected HS256, RS256 or ES256, got {other:?}"),
            ));
        }
    };
    Ok(JwtConfig {
        settings: JwtSettings {
            key,
            issuer: issuer_claim,
            audience,
            leeway_secs,
        },
        issuer,
        is_development_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_serve_development_on_localhost() {
        let config = config(&[]).unwrap();
        assert_eq!(config.environment, Environment::Development);
        assert_eq!(config.bind_address, "127.0.0.1:8080");
        assert_eq!(config.database.options.get_database(), Some("allmine"));
        assert!(config.jwt.is_development_secret);
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert_eq!(
            config.search_index_dir,
            std::path::Path::new("data/search-index/allmine")
        );
    }

    #[test]
    fn production_refuses_to_start_without_a_real_jwt_key() {
        assert!(config(&[("APP_ENV", "production")]).is_err());
        assert!(config(&[("APP_ENV", "production"), ("JWT_SECRET", "short")]).is_err());
        assert!(
            config(&[
                ("APP_ENV", "production"),
                ("JWT_SECRET", DEVELOPMENT_JWT_SECRET)
            ])
            .is_err()
        );
        let ok = config(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ])
        .unwrap();
        assert!(!ok.jwt.is_development_secret);
        assert_eq!(ok.log_format, LogFormat::Json);
    }

    #[test]
    fn the_read_model_runs_one_miss_read_of_each_kind_at_once_unless_told_and_never_none() {
        assert_eq!(config(&[]).unwrap().read_model_misses.concurrent_reads, 1);
        let two = config(&[("READ_MODEL_MISS_READS", "2")]).unwrap();
        assert_eq!(two.read_model_misses.concurrent_reads, 2);
        assert_eq!(
            two.read_model_misses.batch_at_most,
            MissSettings::default().batch_at_most
        );
        for refused in ["0", "-1", "many"] {
            assert!(
                config(&[("READ_MODEL_MISS_READS", refused)]).is_err(),
                "{refused} refused"
            );
        }
    }

    #[test]
    fn the_change_feed_is_kept_a_week_unless_told_otherwise_and_0_keeps_it_forever() {
        let week = Duration::from_secs(7 * 24 * 3600);
        let day = Some(Duration::from_secs(24 * 3600));
        assert_eq!(config(&[]).unwrap().feed_retention, Some(week));
        let set = config(&[("CHANGE_FEED_RETENTION_HOURS", "24")]).unwrap();
        assert_eq!(set.feed_retention, day);
        let forever = config(&[("CHANGE_FEED_RETENTION_HOURS", "0")]).unwrap();
        assert_eq!(forever.feed_retention, None);
        assert!(config(&[("CHANGE_FEED_RETENTION_HOURS", "-1")]).is_err());
    }

    #[test]
    fn the_outbox_s_retention_setting_still_counts_unless_the_feed_s_is_set() {
        let old = config(&[("SEARCH_OUTBOX_RETENTION_HOURS", "24")]).unwrap();
        assert_eq!(old.feed_retention, Some(Duration::from_secs(24 * 3600)));
        let both = config(&[
            ("SEARCH_OUTBOX_RETENTION_HOURS", "24"),
            ("CHANGE_FEED_RETENTION_HOURS", "0"),
        ])
        .unwrap();
        assert_eq!(both.feed_retention, None);
        assert!(config(&[("SEARCH_OUTBOX_RETENTION_HOURS", "x")]).is_err());
    }

    #[test]
    fn public_key_algorithms_need_a_key() {
        assert!(config(&[("JWT_ALGORITHM", "RS256")]).is_err());
        assert!(config(&[("JWT_ALGORITHM", "none")]).is_err());
    }

    #[test]
    fn a_statement_waiting_for_a_lock_gives_its_connection_back_before_others_stop_waiting() {
        let database = config(&[]).unwrap().database;
        assert!(database.lock_timeout < database.acquire_timeout);
        let database = config(&[("DATABASE_LOCK_TIMEOUT_MS", "250")])
            .unwrap()
            .database;
        assert_eq!(database.lock_timeout, Duration::from_millis(250));
    }

    #[test]
    fn cors_is_off_unless_origins_are_listed_and_a_bad_origin_stops_the_start() {
        assert!(config(&[]).unwrap().cors_allowed_origins.is_empty());
        let two = config(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://app.allmine.example, http://localhost:5173",
        )])
        .unwrap();
        assert_eq!(
            two.cors_allowed_origins
                .iter()
                .map(AllowedOrigin::as_str)
                .collect::<Vec<_>>(),
            ["https://app.allmine.example", "http://localhost:5173"]
        );
        let error = config(&[("CORS_ALLOWED_ORIGINS", "https://app.example/")]).unwrap_err();
        assert!(
            error.to_string().starts_with("CORS_ALLOWED_ORIGINS"),
            "{error}"
        );
    }

    #[test]
    fn no_proxy_is_trusted_unless_listed_and_a_bad_entry_stops_the_start() {
        assert!(config(&[]).unwrap().trusted_proxies.is_empty());
        let listed = config(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1, fd00::/8")]).unwrap();
        let trusted = listed.trusted_proxies;
        assert_eq!(trusted.networks().len(), 3);
        assert!(trusted.contains("127.0.0.1".parse().unwrap()));
        assert!(trusted.contains("fd12::1".parse().unwrap()));
        assert!(!trusted.contains("192.0.2.1".parse().unwrap()));
        for bad in ["10.0.0.0/33", "lb.internal", "10.1.2.3/8", "::/129"] {
            let error = config(&[("TRUSTED_PROXIES", bad)]).unwrap_err().to_string();
            assert!(error.starts_with("TRUSTED_PROXIES"), "{error}");
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn without_a_read_url_every_read_stays_on_the_primary() {
        assert!(config(&[]).unwrap().read_database.is_none());
        for blank in ["", "  "] {
            let config = config(&[("DATABASE_READ_URL", blank)]).unwrap();
            assert!(config.read_database.is_none(), "{blank:?}");
        }
    }

    #[test]
    fn limits_are_counted_in_memory_unless_redis_is_chosen() {
        assert!(matches!(
            config(&[]).unwrap().rate_limit_store,
            RateLimitStore::Memory
        ));
        assert!(matches!(
            config(&[("RATE_LIMIT_STORE", "memory")])
                .unwrap()
                .rate_limit_store,
            RateLimitStore::Memory
        ));
        let RateLimitStore::Redis(redis) = config(&[("RATE_LIMIT_STORE", "redis")])
            .unwrap()
            .rate_limit_store
        else {
            panic!("redis expected");
        };
        assert_eq!(redis.url, DEFAULT_REDIS_URL);
        assert_eq!(redis.prefix, "allmine:rl:");
        assert_eq!(redis.timeout, Duration::from_millis(50));
        let RateLimitStore::Redis(redis) = config(&[
            ("RATE_LIMIT_STORE", "redis"),
            ("REDIS_URL", "redis://:pw@cache.internal:6380/2"),
            ("RATE_LIMIT_REDIS_PREFIX", "staging:rl:"),
            ("RATE_LIMIT_REDIS_TIMEOUT_MS", "20"),
        ])
        .unwrap()
        .rate_limit_store
        else {
            panic!("redis expected");
        };
        assert_eq!(redis.prefix, "staging:rl:");
        assert_eq!(redis.timeout, Duration::from_millis(20));
    }

    #[test]
    fn bad_rate_limit_store_settings_stop_the_start_without_echoing_secrets() {
        let error = config(&[("RATE_LIMIT_STORE", "memcached")]).unwrap_err();
        assert!(error.to_string().starts_with("RATE_LIMIT_STORE"), "{error}");
        let error = config(&[
            ("RATE_LIMIT_STORE", "redis"),
            ("REDIS_URL", "http://user:hunter2@cache"),
        ])
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("REDIS_URL"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        let error = config(&[
            ("RATE_LIMIT_STORE", "redis"),
            ("RATE_LIMIT_REDIS_TIMEOUT_MS", "0"),
        ])
        .unwrap_err();
        assert!(error.to_string().starts_with("RATE_LIMIT_REDIS_TIMEOUT_MS"));
        let production = config(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("RATE_LIMIT_STORE", "redis"),
        ])
        .unwrap_err();
        assert!(
            production.to_string().starts_with("REDIS_URL"),
            "{production}"
        );
    }

    #[test]
    fn a_read_replica_gets_the_primary_s_pool_settings_unless_its_size_is_set() {
        let both = config(&[
            (
                "DATABASE_URL",
                "postgres://app@primary.internal:5432/allmine",
            ),
            (
                "DATABASE_READ_URL",
                "postgres://app@replica.internal:6432/allmine",
            ),
            ("DATABASE_MAX_CONNECTIONS", "24"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "900"),
        ])
        .unwrap();
        let replica = both.read_database.unwrap();
        assert_eq!(replica.options.get_host(), "replica.internal");
        assert_eq!(replica.options.get_port(), 6432);
        assert_eq!(replica.max_connections, 24);
        assert_eq!(replica.statement_timeout, Duration::from_millis(900));
        let sized = config(&[
            (
                "DATABASE_READ_URL",
                "postgres://app@replica.internal/allmine",
            ),
            ("DATABASE_READ_MAX_CONNECTIONS", "40"),
        ])
        .unwrap();
        assert_eq!(sized.read_database.unwrap().max_connections, 40);
        assert!(
            config(&[("DATABASE_READ_MAX_CONNECTIONS", "40")])
                .unwrap()
                .read_database
                .is_none()
        );
    }

    #[test]
    fn metrics_are_off_unless_an_address_is_set() {
        assert_eq!(config(&[]).unwrap().metrics_address, None);
        let suggested = config(&[("METRICS_ADDRESS", SUGGESTED_METRICS_ADDRESS)]).unwrap();
        assert_eq!(
            suggested.metrics_address,
            Some("127.0.0.1:9464".parse().unwrap())
        );
        let set = config(&[("METRICS_ADDRESS", "0.0.0.0:9090")]).unwrap();
        assert_eq!(set.metrics_address, Some("0.0.0.0:9090".parse().unwrap()));
        let v6 = config(&[("METRICS_ADDRESS", "[::1]:9090")]).unwrap();
        assert_eq!(v6.metrics_address, Some("[::1]:9090".parse().unwrap()));
    }

    #[test]
    fn metrics_are_off_when_the_address_is_empty_or_off() {
        assert_eq!(
            config(&[("METRICS_ADDRESS", "")]).unwrap().metrics_address,
            None
        );
        assert_eq!(
            config(&[("METRICS_ADDRESS", " ")]).unwrap().metrics_address,
            None
        );
        assert_eq!(
            config(&[("METRICS_ADDRESS", "off")])
                .unwrap()
                .metrics_address,
            None
        );
        assert_eq!(
            config(&[("METRICS_ADDRESS", "OFF")])
                .unwrap()
                .metrics_address,
            None
        );
    }

    #[test]
    fn the_read_replica_s_password_is_never_shown() {
        let secret = "s3cr3t-replica-password";
        let url = format!("postgres://app:{secret}@replica.internal/allmine");
        let parsed = config(&[("DATABASE_READ_URL", url.as_str())]).unwrap();
        assert!(parsed.read_database.is_some());
        let shown = format!("{parsed:?}");
        assert!(shown.contains("replica.internal"), "{shown}");
        assert!(!shown.contains(secret), "{shown}");
        let bad = format!("postgres://app:{secret}@replica.internal:port/allmine");
        let error = config(&[("DATABASE_READ_URL", bad.as_str())]).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("DATABASE_READ_URL"), "{message}");
        assert!(!message.contains(secret), "{message}");
    }

    #[test]
    fn a_metrics_address_that_is_not_ip_and_port_stops_the_start() {
        for bad in [
            "9090",
            "localhost:9090",
            "127.0.0.1",
            "127.0.0.1:99999",
            "on",
        ] {
            let error = config(&[("METRICS_ADDRESS", bad)]).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with("METRICS_ADDRESS: expected ip:port"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn malformed_values_name_their_variable() {
        let error = config(&[("DATABASE_MAX_CONNECTIONS", "many")]).unwrap_err();
        assert!(error.to_string().starts_with("DATABASE_MAX_CONNECTIONS"));
    }
}
