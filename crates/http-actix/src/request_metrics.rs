//! Request metrics: every answer counted by route, method and status, and its
//! latency, through the `metrics` facade (a no-op until the server installs a
//! recorder).
//!
//! Labels stay bounded: the route is the pattern the router matched (such as
//! `/api/v1/users/profile/username/{username}`), never the path, which holds
//! user names and ids; a request no route matched is `unmatched`; a method
//! outside the standard ones is `other`. A route registered through
//! `routes::configure` carries its pattern as [`RoutePattern`], read
//! here as it is; asking the router (`match_pattern`) would match the path
//! against the routes a second time, regular expressions included, on every
//! request.

use std::time::Instant;

use actix_web::HttpRequest;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use metrics::SharedString;

/// Answers, by `route`, `method` and `status` (a counter).
pub const HTTP_REQUESTS_TOTAL: &str = "allmine_http_requests_total";
/// Seconds from the request reaching the app to its answer's head being
/// ready, by `route` and `method` (a histogram).
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "allmine_http_request_duration_seconds";
/// The route label of a request no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The pattern a route was registered with, as its resource's app data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutePattern(pub &'static str);

/// Records [`HTTP_REQUESTS_TOTAL`] and [`HTTP_REQUEST_DURATION_SECONDS`].
/// Register it outermost, `App::wrap(from_fn(record_request_metrics))` last,
/// so that the time includes every other middleware and the status is the
/// one the client gets. The body's streaming is not included: a compressed
/// body is produced after the head.
pub async fn record_request_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let outcome = next.call(req).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (route, status) = match &outcome {
        Ok(response) => (route_of(response.request()), response.status()),
        // The router renders its errors as responses; an `Err` only comes
        // from a middleware and becomes a 500 in actix-web's hands.
        Err(error) => (
            SharedString::const_str(UNMATCHED_ROUTE),
            error.as_response_error().status_code(),
        ),
    };
    metrics::counter!(
        HTTP_REQUESTS_TOTAL,
        "route" => route.clone(),
        "method" => method,
        // Three digits (actix-web refuses others): at most 900 values.
        "status" => status.as_str().to_owned(),
    )
    .increment(1);
    metrics::histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        "route" => route,
        "method" => method,
    )
    .record(elapsed);
    Ok(outcome?.map_into_boxed_body())
}

/// The route label: the pattern the route carries, else the one the router
/// finds (for routes the server adds beside the API's), or [`UNMATCHED_ROUTE`].
fn route_of(request: &HttpRequest) -> SharedString {
    match request.app_data::<RoutePattern>() {
        Some(pattern) => SharedString::const_str(pattern.0),
        None => route_label(request.match_pattern()),
    }
}

fn route_label(pattern: Option<String>) -> SharedString {
    pattern.map_or(SharedString::const_str(UNMATCHED_ROUTE), SharedString::from)
}

/// The method label: the standard methods by name, anything else `other`
/// (a client may send any token as a method).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        let custom = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&custom), "other");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
    }

    #[test]
    fn a_request_no_route_matched_is_labelled_unmatched() {
        assert_eq!(route_label(None).as_ref(), "unmatched");
        assert_eq!(
            route_label(Some("/api/v1/users/{id}/stats".into())).as_ref(),
            "/api/v1/users/{id}/stats"
        );
    }
}
