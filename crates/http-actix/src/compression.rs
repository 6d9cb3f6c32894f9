//! Compression of large answers, around actix-web's `Compress`.
//!
//! `Compress` negotiates `Accept-Encoding` (brotli, gzip or deflate, by the
//! client's preference) and compresses every body that has no
//! `Content-Encoding` yet, however small. Two thin middlewares around it
//! make it compress only what is worth it:
//!
//! - [`keep_small_answers_plain`], inside `Compress`: an answer under
//!   [`MIN_COMPRESSED_BYTES`], a 304 or a 204 is marked
//!   `Content-Encoding: identity`, which `Compress` leaves alone (a small body
//!   compresses to about its own size and costs a compression context; 304
//!   and 204 have no body to compress).
//! - [`finish_compression`], outside `Compress`: removes that marker (RFC 9110
//!   reserves `identity` for `Accept-Encoding`), weakens the `ETag` of a
//!   compressed answer (its bytes differ from the plain one's), and reads an
//!   `Accept-Encoding` that refuses every coding the server has as absent,
//!   so the answer is plain rather than `Compress`'s 406 (RFC 9110 §12.1 lets
//!   a server disregard the header).
//!
//! Wire them as `.wrap(from_fn(keep_small_answers_plain))`,
//! `.wrap(Compress::default())`, `.wrap(from_fn(finish_compression))`,
//! outside the envelope middleware, so that only final bodies are measured
//! and compressed.

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{
    ACCEPT_ENCODING, AcceptEncoding, CONTENT_ENCODING, ETAG, Encoding, HeaderValue,
};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

/// Answers smaller than this many bytes are sent as they are.
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

/// The codings `Compress` can produce with this build's features (and the
/// plain one).
const SUPPORTED: [Encoding; 4] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::gzip(),
    Encoding::deflate(),
];

/// Whether an answer with this status and body size is compressed when the
/// client accepts it. Bodies of unknown size (streams) are.
pub fn worth_compressing(status: StatusCode, size: BodySize) -> bool {
    let has_body = !matches!(status, StatusCode::NOT_MODIFIED | StatusCode::NO_CONTENT);
    let large = match size {
        BodySize::None => false,
        BodySize::Sized(bytes) => bytes >= MIN_COMPRESSED_BYTES,
        BodySize::Stream => true,
    };
    has_body && large
}

/// Inner half: see the module documentation.
pub async fn keep_small_answers_plain<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let mut response = next.call(req).await?;
    let size = response.response().body().size();
    if !worth_compressing(response.status(), size)
        && !response.headers().contains_key(CONTENT_ENCODING)
    {
        response
            .headers_mut()
            .insert(CONTENT_ENCODING, HeaderValue::from_static("identity"));
    }
    Ok(response)
}

/// Outer half: see the module documentation.
pub async fn finish_compression<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let refuses_all = req
        .get_header::<AcceptEncoding>()
        .is_some_and(|accepted| accepted.negotiate(SUPPORTED.iter()).is_none());
    if refuses_all {
        req.headers_mut().remove(ACCEPT_ENCODING);
    }
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    match headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes) {
        Some(b"identity") => {
            headers.remove(CONTENT_ENCODING);
        }
        Some(_) => {
            let weak = headers
                .get(ETAG)
                .filter(|tag| tag.as_bytes().starts_with(b"\""))
                .and_then(|tag| {
                    let mut value = b"W/".to_vec();
                    value.extend_from_slice(tag.as_bytes());
                    HeaderValue::from_bytes(&value).ok()
                });
            if let Some(weak) = weak {
                headers.insert(ETAG, weak);
            }
        }
        None => {}
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::{Compress, from_fn};
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, web};

    use super::*;

    fn large() -> String {
        "{\"items\":[".to_owned() + &"{\"username\":\"someone\"},".repeat(100) + "{}]}"
    }

    async fn get(path: &str, accept: &str) -> (StatusCode, actix_web::http::header::HeaderMap) {
        let app = actix_test::init_service(
            App::new()
                .route(
                    "/large",
                    web::get().to(|| async { HttpResponse::Ok().body(large()) }),
                )
                .route(
                    "/tagged",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .insert_header((ETAG, "\"v1\""))
                            .body(large())
                    }),
                )
                .route(
                    "/small",
                    web::get().to(|| async { HttpResponse::Ok().body("{\"ok\":true}") }),
                )
                .route(
                    "/not-modified",
                    web::get().to(|| async {
                        // A 304 that (wrongly) carries a body must still not be compressed.
                        HttpResponse::NotModified().body(large())
                    }),
                )
                .wrap(from_fn(keep_small_answers_plain))
                .wrap(Compress::default())
                .wrap(from_fn(finish_compression)),
        )
        .await;
        let mut request = actix_test::TestRequest::get().uri(path);
        if !accept.is_empty() {
            request = request.insert_header((ACCEPT_ENCODING, accept));
        }
        let response = actix_test::call_service(&app, request.to_request()).await;
        (response.status(), response.headers().clone())
    }

    #[actix_web::test]
    async fn a_large_answer_is_compressed_in_the_coding_the_client_prefers() {
        let (_, headers) = get("/large", "gzip").await;
        assert_eq!(headers.get(CONTENT_ENCODING).unwrap(), "gzip");
        let (_, headers) = get("/large", "gzip, deflate, br").await;
        assert_eq!(headers.get(CONTENT_ENCODING).unwrap(), "br");
    }

    #[actix_web::test]
    async fn nothing_is_compressed_unless_the_client_asks() {
        let (_, headers) = get("/large", "").await;
        assert!(headers.get(CONTENT_ENCODING).is_none());
    }

    #[actix_web::test]
    async fn small_answers_and_304s_are_sent_plain_without_the_marker() {
        for path in ["/small", "/not-modified"] {
            let (_, headers) = get(path, "gzip").await;
            assert!(headers.get(CONTENT_ENCODING).is_none(), "{path}");
        }
    }

    #[actix_web::test]
    async fn a_compressed_answer_has_a_weak_etag() {
        let (_, headers) = get("/tagged", "gzip").await;
        assert_eq!(headers.get(ETAG).unwrap(), "W/\"v1\"");
        let (_, headers) = get("/tagged", "").await;
        assert_eq!(headers.get(ETAG).unwrap(), "\"v1\"");
    }

    #[actix_web::test]
    async fn a_client_that_refuses_every_coding_gets_the_plain_answer_not_406() {
        let (status, headers) = get("/large", "identity;q=0, zstd").await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get(CONTENT_ENCODING).is_none());
    }

    #[test]
    fn only_bodies_of_a_kilobyte_or_more_are_worth_compressing() {
        assert!(!worth_compressing(StatusCode::OK, BodySize::Sized(1023)));
        assert!(worth_compressing(StatusCode::OK, BodySize::Sized(1024)));
        assert!(worth_compressing(StatusCode::OK, BodySize::Stream));
        assert!(!worth_compressing(StatusCode::OK, BodySize::None));
        assert!(!worth_compressing(
            StatusCode::NOT_MODIFIED,
            BodySize::Sized(4096)
        ));
    }
}
