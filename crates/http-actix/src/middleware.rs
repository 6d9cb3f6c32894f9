//! The envelope middleware reads the request's context, finds the client's
//! address (behind the trusted proxies, see [`crate::client_address`]),
//! gives every response an `X-Request-Id`, logs it (with the client), and
//! makes sure every error, ours or the framework's, leaves as the envelope in
//! the request's language. The
//! timezone gate, innermost, refuses a request whose `X-Timezone` the
//! envelope middleware could not read; it is a separate layer so that the
//! CORS middleware can sit between the two and give that refusal its headers.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use tracing::Instrument;

use crate::client_address::{ClientAddress, TrustedProxies};
use crate::context::{RequestContext, StandardHeaders};
use crate::envelope;
use crate::error::{ApiError, Detail, ErrorCode};
use crate::rate_limit::RateLimitStatus;

/// The header that carries the request id both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Marks a request whose `X-Timezone` is not one of the documented offsets;
/// [`timezone_gate`] refuses it.
#[derive(Debug, Clone, Copy)]
struct UnknownTimezone;

/// See the module documentation. Register it with
/// `App::wrap(actix_web::middleware::from_fn(envelope_middleware))`, outside
/// [`timezone_gate`] (and outside the CORS middleware, if any, between them).
pub async fn envelope_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let headers = req.headers();
    let standard = StandardHeaders::read(headers);
    let request_id = text(headers, REQUEST_ID.as_str())
        .filter(|id| is_safe_request_id(id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let client = req.peer_addr().map(|peer| {
        let trusted = req.app_data::<web::Data<TrustedProxies>>();
        let trusted = trusted.map(|data| data.get_ref());
        ClientAddress::find(
            trusted.unwrap_or(&TrustedProxies::default()),
            peer.ip(),
            headers,
        )
    });
    let span = tracing::info_span!(
        "http.request",
        request_id = %request_id,
        client = field_of(client),
        method = %req.method(),
        path = %req.path(),
        platform = field(&standard.platform),
        app_version = field(&standard.app_version),
        device_id = field(&standard.device_id),
    );
    let timezone = standard.timezone;
    let context = RequestContext {
        language: standard.language,
        timezone: timezone.unwrap_or_default(),
        request_id,
    };

    req.extensions_mut().insert(context.clone());
    if let Some(client) = client {
        req.extensions_mut().insert(client);
    }
    if timezone.is_none() {
        req.extensions_mut().insert(UnknownTimezone);
    }
    // The router turns every handler and extractor error into a response, so
    // an `Err` here is rare; ApiError renders itself as an English envelope
    // for that case.
    let response = next.call(req).instrument(span.clone()).await?;
    let mut response = envelope_errors(response.map_into_boxed_body(), &context, &span);
    let limit = response
        .request()
        .extensions()
        .get::<RateLimitStatus>()
        .copied();
    if let Some(limit) = limit {
        limit.write_headers(response.headers_mut());
    }
    if let Ok(value) = HeaderValue::from_str(&context.request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, latency_ms, "request finished"));
    Ok(response)
}

/// Refuses, before routing, a request whose `X-Timezone` the envelope
/// middleware could not read: 400 in the envelope (which the envelope
/// middleware renders in the request's language). Register it with
/// `App::wrap(actix_web::middleware::from_fn(timezone_gate))` inside every
/// other middleware.
pub async fn timezone_gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.extensions().get::<UnknownTimezone>().is_some() {
        let error = ApiError::validation(Detail::InvalidTimezone);
        return Ok(req.error_response(error));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Replaces the body of any error response with the envelope, keeping the
/// status and any headers the error set (such as `Retry-After`).
fn envelope_errors(
    response: ServiceResponse<BoxBody>,
    context: &RequestContext,
    span: &tracing::Span,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let ours = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| render_error(e, context, span));
    let rendered = match ours {
        Some(rendered) => rendered,
        None if status.is_client_error() || status.is_server_error() => {
            let is_envelope = response.response().error().is_none()
                && response
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|ct| ct.as_bytes().starts_with(b"application/json"));
            if is_envelope {
                return response;
            }
            if let Some(error) = response.response().error() {
                span.in_scope(
                    || tracing::warn!(%error, status = status.as_u16(), "framework error"),
                );
            }
            let mut error = ApiError::new(ErrorCode::for_status(status));
            if status.as_u16() == 404 {
                error = ApiError::with(ErrorCode::NotFound, Detail::UnknownRoute);
            }
            let mut rendered = render_error(&error, context, span);
            *rendered.status_mut() = status;
            rendered
        }
        None => return response,
    };
    let (request, original) = response.into_parts();
    let mut rendered = rendered;
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(request, rendered)
}

fn render_error(error: &ApiError, context: &RequestContext, span: &tracing::Span) -> HttpResponse {
    if error.code().status().is_server_error() {
        span.in_scope(|| tracing::error!(error = ?error, "request failed"));
    }
    envelope::error(
        error.code(),
        error.messages(context.language, context.timezone),
    )
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The client's address for the log span (empty when unknown).
fn field_of(client: Option<ClientAddress>) -> tracing::field::DisplayValue<String> {
    tracing::field::display(client.map(|c| c.to_string()).unwrap_or_default())
}

/// Header values go into logs: cap their length so a client cannot flood them.
fn field(value: &str) -> &str {
    let end = value.char_indices().nth(64).map_or(value.len(), |(i, _)| i);
    &value[..end]
}

fn is_safe_request_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}
