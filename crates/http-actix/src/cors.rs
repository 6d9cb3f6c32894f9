//! CORS for browser clients served from other origins. Off unless origins are
//! listed: with none, no CORS header is ever sent and a preflight is the
//! ordinary 405. A listed origin's preflight is answered before routing (so it
//! is neither rate limited nor counted) with the methods served and the
//! documented request headers; its answers expose the headers a client reads.
//! Any other origin gets the answer without a single `Access-Control-*` header,
//! which is how a browser is told no. A refused preflight is an ordinary 400,
//! which the envelope middleware around this layer renders.

use std::fmt;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderName;
use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, AUTHORIZATION, CONTENT_TYPE,
    RETRY_AFTER,
};
use actix_web::http::{Method, Uri};
use actix_web::middleware::Next;

use crate::context::StandardHeaders;
use crate::etag;
use crate::middleware::REQUEST_ID;
use crate::rate_limit::RateLimitStatus;

/// How long a browser may keep a preflight's answer.
pub const PREFLIGHT_MAX_AGE_SECS: usize = 3600;

/// An origin a browser may call the API from: `scheme://host[:port]`, with
/// `http` or `https`, no path, query or credentials, exactly as a browser sends
/// it in `Origin` (scheme and host in lower case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigin(String);

/// Why a configured origin was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin:?} is not an origin (scheme://host[:port], http or https, nothing after)")]
pub struct InvalidOrigin {
    origin: String,
}

impl AllowedOrigin {
    /// Reads one origin; surrounding spaces are ignored.
    pub fn parse(text: &str) -> Result<Self, InvalidOrigin> {
        let text = text.trim();
        let invalid = || InvalidOrigin {
            origin: text.to_owned(),
        };
        let (scheme, authority) = text.split_once("://").ok_or_else(invalid)?;
        let scheme_ok = matches!(scheme, "http" | "https");
        // Only a host and a port: no path, query, fragment or credentials.
        let bare = !authority.is_empty() && !authority.contains(['/', '?', '#', '@']);
        let parses = text
            .parse::<Uri>()
            .is_ok_and(|uri| uri.host().is_some_and(|h| !h.is_empty()));
        // Browsers send scheme and host in lower case, and the match is exact.
        let lower_case = text == text.to_ascii_lowercase();
        if scheme_ok && bare && parses && lower_case {
            Ok(Self(text.to_owned()))
        } else {
            Err(invalid())
        }
    }

    /// The origin as a browser sends it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a comma-separated list of origins; empty items are skipped, so an
/// empty text is no origin at all (CORS off).
pub fn parse_origins(text: &str) -> Result<Vec<AllowedOrigin>, InvalidOrigin> {
    text.split(',')
        .filter(|item| !item.trim().is_empty())
        .map(AllowedOrigin::parse)
        .collect()
}

/// The CORS layer for `origins` (not empty; with none, leave the layer out).
/// Register it inside the envelope middleware, so its refusals get the
/// envelope and every answer its request id, and wrap it in
/// [`cors_headers_for_allowed_origins_only`].
pub fn cors(origins: &[AllowedOrigin]) -> Cors {
    // The request headers the API documents, and the answer headers a page reads.
    let documented = StandardHeaders::NAMES.map(HeaderName::from_static);
    let rate_limit = RateLimitStatus::HEADERS.map(HeaderName::from_static);
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| {
            cors.allowed_origin(origin.as_str())
        })
        .allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::HEAD])
        .allowed_headers([AUTHORIZATION, CONTENT_TYPE, REQUEST_ID])
        .allowed_headers(documented)
        .allowed_headers(etag::REQUEST_HEADERS)
        .expose_headers([REQUEST_ID, RETRY_AFTER])
        .expose_headers(etag::ANSWER_HEADERS)
        .expose_headers(rate_limit)
        .max_age(PREFLIGHT_MAX_AGE_SECS)
        .block_on_origin_mismatch(false)
}

/// actix-cors lists the exposed headers on every answer, even to an origin it
/// does not allow; this removes them there, so such an origin sees no CORS
/// header at all. Register it around the [`cors`] layer.
pub async fn cors_headers_for_allowed_origins_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if !headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.remove(ACCESS_CONTROL_EXPOSE_HEADERS);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_a_scheme_a_host_and_perhaps_a_port() {
        for origin in [
            "http://127.0.0.1:5173",
            "https://app.allmine.example",
            " http://localhost:3000 ",
        ] {
            assert_eq!(
                AllowedOrigin::parse(origin).map(|o| o.0),
                Ok(origin.trim().to_owned())
            );
        }
    }

    #[test]
    fn anything_a_browser_would_not_send_as_origin_is_refused() {
        for text in [
            "",
            "*",
            "localhost:3000",
            "ftp://files.example",
            "https://app.example/",
            "https://app.example/path",
            "https://app.example?x=1",
            "https://user@app.example",
            "https://APP.example",
            "HTTPS://app.example",
            "https://",
        ] {
            assert!(AllowedOrigin::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_list_skips_empty_items_and_refuses_a_bad_one() {
        assert_eq!(parse_origins(""), Ok(vec![]));
        assert_eq!(parse_origins(" , ").map(|o| o.len()), Ok(0));
        let two = parse_origins("http://a.example, https://b.example:8443,").unwrap();
        assert_eq!(
            two.iter().map(AllowedOrigin::as_str).collect::<Vec<_>>(),
            ["http://a.example", "https://b.example:8443"]
        );
        assert!(parse_origins("http://a.example, nope").is_err());
    }
}
