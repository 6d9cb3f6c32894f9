//! Wiring: adapters into use cases, use cases into the HTTP app.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use allmine_domain::history::HistoryService;
use allmine_domain::ports::Clock;
use allmine_domain::profiles::ProfileService;
use allmine_domain::usernames::UsernameService;
use allmine_http::{
    ApiDoc, ApiState, JwtVerifier, Readiness, SharedReadiness, envelope_middleware,
};
use allmine_postgres::{PgHistory, PgPool, PgUsernames, PgUsers};

/// How long in-flight requests get to finish after SIGTERM/SIGINT.
pub const SHUTDOWN_GRACE_SECS: u64 = 10;

/// Readiness: the database answers.
struct DatabaseReadiness(PgPool);

#[async_trait::async_trait]
impl Readiness for DatabaseReadiness {
    async fn check(&self) -> Result<(), String> {
        allmine_postgres::ping(&self.0)
            .await
            .map_err(|e| format!("database: {e}"))
    }
}

/// Builds the HTTP server on `listener`, over `pool`, verifying tokens with
/// `tokens` and telling time by `clock`. The returned server runs when awaited
/// and drains gracefully on SIGTERM/SIGINT.
pub fn serve(
    listener: TcpListener,
    pool: PgPool,
    tokens: JwtVerifier,
    clock: Arc<dyn Clock>,
    workers: usize,
) -> std::io::Result<Server> {
    let users = Arc::new(PgUsers::new(pool.clone()));
    let names = Arc::new(PgUsernames::new(pool.clone()));
    let profiles = ProfileService::new(users.clone(), clock.clone());
    let usernames = UsernameService::new(users, names, clock);
    let history = HistoryService::new(Arc::new(PgHistory::new(pool.clone())));
    let state = web::Data::new(ApiState {
        profiles,
        usernames,
        history,
        tokens,
    });
    let readiness: web::Data<SharedReadiness> = web::Data::new(Arc::new(DatabaseReadiness(pool)));
    let openapi = ApiDoc::openapi();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(readiness.clone())
            .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", openapi.clone()))
            .configure(allmine_http::configure)
            .wrap(from_fn(envelope_middleware))
    })
    .workers(workers.max(1))
    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
    .listen(listener)?
    .run();
    Ok(server)
}
