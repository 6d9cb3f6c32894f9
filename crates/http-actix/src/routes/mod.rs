//! The API's routes, one module per resource; each holds its handlers, their
//! OpenAPI annotations, its path constants, and the request and response
//! types it reads and writes. [`configure`] registers them.

pub mod health;
pub mod history;
pub mod me;
pub mod profiles;
pub mod relationships;
pub mod search;
pub mod usernames;
pub mod users;

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::body::{MAX_BODY_BYTES, json_config};
use crate::context::RequestContext;
use crate::envelope;
use crate::error::{ApiError, Detail, ErrorCode};
use crate::request_metrics::RoutePattern;

/// Registers the API's routes, extractor settings and fallbacks.
///
/// The app must also be wrapped in [`crate::timezone_gate`] and, outside it,
/// [`crate::envelope_middleware`], and given
/// `web::Data<ApiState>` and `web::Data<SharedReadiness>`.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .app_data(json_config())
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
        .service(
            resource(me::ME, "GET, PATCH")
                .route(web::get().to(me::me))
                .route(web::patch().to(me::update_me)),
        )
        .service(
            resource(relationships::RELATIONSHIPS, "GET")
                .route(web::get().to(relationships::relationships)),
        )
        .service(resource(history::TRANSACTIONS, "GET").route(web::get().to(history::transactions)))
        .service(
            resource(history::GROUPED, "GET").route(web::get().to(history::transactions_grouped)),
        )
        .service(
            resource(usernames::CHECK, "POST").route(web::post().to(usernames::check_username)),
        )
        .service(
            resource(usernames::CHANGE, "PATCH").route(web::patch().to(usernames::change_username)),
        )
        .service(
            web::scope(profiles::SCOPE)
                .service(
                    resource_within(profiles::SCOPE, profiles::BY_USERNAME, "GET")
                        .route(web::get().to(profiles::profile_by_username)),
                )
                .service(
                    resource_within(profiles::SCOPE, profiles::BY_ID, "GET")
                        .route(web::get().to(profiles::profile_by_id)),
                ),
        )
        .service(resource(users::USERS, "GET").route(web::get().to(users::profiles_batch)))
        .service(resource(profiles::STATS, "GET").route(web::get().to(profiles::stats)))
        .service(resource(search::SEARCH, "GET").route(web::get().to(search::search_users)))
        .service(resource(health::LIVE, "GET").route(web::get().to(health::live)))
        .service(resource(health::READY, "GET").route(web::get().to(health::ready)))
        .default_service(web::to(not_found));
}

/// A resource that answers methods it has no route for with 405 in the
/// envelope and `Allow: <allow>`, and tells the request metrics its pattern.
fn resource(path: &'static str, allow: &'static str) -> actix_web::Resource {
    resource_within("", path, allow)
}

/// [`resource`] for a `path` registered inside the scope `scope` (whose
/// pattern starts it). A scope with a static pattern is matched by comparing
/// text; a pattern with a `{segment}` is a regular expression run over what
/// the path has left, so the hottest reads keep theirs short.
fn resource_within(
    scope: &'static str,
    path: &'static str,
    allow: &'static str,
) -> actix_web::Resource {
    let within = path.strip_prefix(scope).unwrap_or(path);
    web::resource(within)
        .app_data(RoutePattern(path))
        .default_service(web::to(move |context: RequestContext| {
            std::future::ready(method_not_allowed(&context, allow))
        }))
}

/// Any path no route matches.
async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::with(ErrorCode::NotFound, Detail::UnknownRoute))
}

/// A known path asked with a method it does not serve: 405 in the envelope,
/// with the `Allow` header listing the methods it does serve (RFC 9110).
fn method_not_allowed(context: &RequestContext, allow: &'static str) -> HttpResponse {
    let code = ErrorCode::MethodNotAllowed;
    let mut response = envelope::error(
        code,
        ApiError::new(code).messages(context.language, context.timezone),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

fn path_error(error: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::from(error).into()
}

fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::from(error).into()
}
