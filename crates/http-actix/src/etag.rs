//! Entity tags on reads: an answer's `ETag` names its data, and a client that
//! sends the tag back in `If-None-Match` gets `304 Not Modified` with no body
//! when the data is still the same.
//!
//! The tag is `W/"<32 hex digits>"`: the first 128 bits of the SHA-256 of the
//! `data` part of the envelope, serialized once and put in the envelope as it
//! is. Not the whole body: its `timestamp` changes with every answer. Weak,
//! because the bytes do change (that timestamp, and compression), while the
//! data they carry does not; weak tags are all `If-None-Match` compares
//! anyway (RFC 9110 §13.1.2). SHA-256 rather than a faster hash because it is
//! the same on every instance and every build (std's hasher promises neither),
//! and it is already compiled in for the tokens; hashing the data, under a
//! kilobyte here, is small next to the database round trip every answer
//! makes (not measured apart). Whatever the data depends on besides the URL (the viewer, the
//! `X-Timezone` instants are rendered in) is in the data itself, so the tag
//! follows it; the language is not, as only errors are localised, and errors
//! carry no tag.
//!
//! The comparison runs only once the handler has its 200 answer, after
//! authentication, rate limits and the privacy rule: an error is never a 304,
//! and a tag says nothing to a viewer who may not see the data (a guessed tag
//! of a private profile still gets the 403).

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::http::header::{
    CACHE_CONTROL, ETAG, EntityTag, HeaderName, HeaderValue, IF_NONE_MATCH, IfNoneMatch, VARY,
};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, dev::Payload};
use serde::Serialize;
use serde_json::value::to_raw_value;
use sha2::{Digest, Sha256};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{HeaderBuilder, OpenApi, RefOr};
use utoipa::{IntoParams, IntoResponses, Modify};

use allmine_domain::profiles::CurrentUser;

use crate::envelope;
use crate::error::ApiError;

/// The request header a browser page sends to revalidate (CORS allows it).
pub const REQUEST_HEADERS: [HeaderName; 1] = [IF_NONE_MATCH];
/// The answer header a browser page reads (CORS exposes it).
pub const ANSWER_HEADERS: [HeaderName; 1] = [ETAG];

/// Bytes of the SHA-256 a tag keeps: 128 bits, so two states of one resource
/// never share a tag in practice.
const TAG_BYTES: usize = 16;

/// Whom an answer is for, which decides who may keep it (`Cache-Control`) and
/// which request headers besides the URL select it (`Vary`). Every tagged
/// answer is `no-cache`: a cache may keep it but must ask again before each
/// use, so a change (a follow, a block, a profile made private) shows at once
/// and costs a 304 when there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// No token: every anonymous caller gets the same answer, so a shared
    /// cache may keep it too (`no-cache`); `Vary: Authorization` keeps it
    /// from being shown to a signed-in request, which may see otherwise.
    Anonymous,
    /// A signed-in caller's answer: what it shows depends on who asks, so
    /// only the caller's own cache may keep it (`private, no-cache`).
    Caller,
    /// The signed-in caller's answer with instants rendered in `X-Timezone`:
    /// as `Caller`, and the zone selects the answer too.
    CallerInTimeZone,
}

impl Audience {
    /// The audience of a read whose token is optional.
    pub fn of(viewer: Option<&CurrentUser>) -> Self {
        match viewer {
            None => Self::Anonymous,
            Some(_) => Self::Caller,
        }
    }

    fn cache_control(self) -> &'static str {
        match self {
            Self::Anonymous => "no-cache",
            Self::Caller | Self::CallerInTimeZone => "private, no-cache",
        }
    }

    fn vary(self) -> &'static str {
        match self {
            Self::Anonymous | Self::Caller => "Authorization",
            Self::CallerInTimeZone => "Authorization, X-Timezone",
        }
    }
}

/// The tags a client already holds (`If-None-Match`). Extracting it never
/// fails: a header that does not parse is no precondition, as RFC 9110 lets a
/// server treat it, and the answer is the ordinary 200.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct Revalidation {
    /// The `ETag` of an earlier answer of this operation (or several,
    /// comma-separated, or `*` for any): if the answer would carry one of them,
    /// it is `304 Not Modified` with no body. Compared weakly: `W/"x"` and
    /// `"x"` match alike. Never turns an error into a 304.
    #[param(rename = "If-None-Match", value_type = String, required = false, example = "W/\"5d41402abc4b2a76b9719d911017c592\"")]
    held: Option<IfNoneMatch>,
}

impl FromRequest for Revalidation {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Without the header actix reads an empty list; a list whose items do
        // not parse loses those items only.
        ready(Ok(Self {
            held: req.get_header::<IfNoneMatch>(),
        }))
    }
}

impl Revalidation {
    /// The 200 answer carrying `data` in the envelope, tagged, or the 304
    /// with the same headers and no body when the client holds its tag.
    pub fn answer<T: Serialize>(
        &self,
        data: T,
        audience: Audience,
    ) -> Result<HttpResponse, ApiError> {
        let data = to_raw_value(&data).map_err(ApiError::internal)?;
        let tag = tag_of(data.get().as_bytes());
        let not_modified = self.holds(&tag);
        let mut response = if not_modified {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        response
            .insert_header((ETAG, tag.to_string()))
            .insert_header((
                CACHE_CONTROL,
                HeaderValue::from_static(audience.cache_control()),
            ))
            .insert_header((VARY, HeaderValue::from_static(audience.vary())));
        if not_modified {
            Ok(response.finish())
        } else {
            Ok(response.json(envelope::success(data)))
        }
    }

    /// Whether the client holds `current`, by the weak comparison
    /// `If-None-Match` asks for.
    fn holds(&self, current: &EntityTag) -> bool {
        match &self.held {
            Some(IfNoneMatch::Any) => true,
            Some(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.weak_eq(current)),
            None => false,
        }
    }
}

/// The weak tag of an answer whose data serializes to `data`.
fn tag_of(data: &[u8]) -> EntityTag {
    let digest = Sha256::digest(data);
    let hex = digest.iter().take(TAG_BYTES).fold(
        String::with_capacity(2 * TAG_BYTES),
        |mut hex, byte| {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
            hex
        },
    );
    EntityTag::new_weak(hex)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// 304 on a tagged read, for the OpenAPI document; [`ValidatorHeaders`] adds
/// its headers.
#[derive(Debug, IntoResponses)]
#[response(
    status = 304,
    description = "Not Modified: `If-None-Match` holds this answer's tag, and the data has not changed since; no body, the same `ETag`, `Cache-Control` and `Vary` as the 200"
)]
pub struct NotModified;

/// Documents `ETag`, `Cache-Control` and `Vary` on the 200 and the 304 of
/// every operation that declares a [`NotModified`] answer, so the document
/// lists the tagged operations once, in their own `responses`.
#[derive(Debug)]
pub struct ValidatorHeaders;

impl Modify for ValidatorHeaders {
    fn modify(&self, openapi: &mut OpenApi) {
        let headers = [
            (
                "ETag",
                string().pattern(Some("^W/\"[0-9a-f]{32}\"$")),
                "A weak tag of the answer's data (not of its `timestamp`): the same while the data is the same. Send it back in `If-None-Match` to get a 304 while it still is.",
            ),
            (
                "Cache-Control",
                string().enum_values(Some(["no-cache", "private, no-cache"])),
                "`private, no-cache` on an answer to a token (it depends on who asks), `no-cache` on an anonymous one (the same for every anonymous caller): a cache may keep it, and must revalidate it before each use.",
            ),
            (
                "Vary",
                string(),
                "`Authorization`, and `X-Timezone` on `GET /api/v1/users/me`, whose instants are rendered in it (plus `Origin` when CORS is on, and `accept-encoding` on a compressed answer).",
            ),
        ]
        .map(|(name, schema, description)| {
            let header = HeaderBuilder::new()
                .schema(Some(Schema::Object(schema.build())))
                .description(Some(description))
                .build();
            (name.to_owned(), RefOr::T(header))
        });
        let operations = openapi
            .paths
            .paths
            .values_mut()
            .filter_map(|item| item.get.as_mut());
        for operation in operations {
            let responses = &mut operation.responses.responses;
            if !responses.contains_key("304") {
                continue;
            }
            for status in ["200", "304"] {
                if let Some(RefOr::T(response)) = responses.get_mut(status) {
                    response.headers.extend(headers.clone());
                }
            }
        }
    }
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;
    use actix_web::http::StatusCode;
    use actix_web::test::TestRequest;

    use super::*;

    fn revalidation(if_none_match: Option<&str>) -> Revalidation {
        let mut request = TestRequest::get();
        if let Some(value) = if_none_match {
            request = request.insert_header((IF_NONE_MATCH, value));
        }
        Revalidation {
            held: request.to_http_request().get_header::<IfNoneMatch>(),
        }
    }

    fn tag(data: &serde_json::Value) -> String {
        let response = revalidation(None).answer(data, Audience::Caller).unwrap();
        response
            .headers()
            .get(ETAG)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    }

    fn status(if_none_match: &str, data: &serde_json::Value) -> StatusCode {
        revalidation(Some(if_none_match))
            .answer(data, Audience::Caller)
            .unwrap()
            .status()
    }

    #[test]
    fn the_tag_is_weak_and_names_the_data_only() {
        let john = serde_json::json!({"name": "John", "followersCount": 128});
        let first = tag(&john);
        assert!(first.starts_with("W/\"") && first.ends_with('"'), "{first}");
        assert_eq!(first.len(), "W/\"\"".len() + 32, "{first}");
        assert_eq!(tag(&john), first, "same data, a later timestamp");
        let followed = serde_json::json!({"name": "John", "followersCount": 129});
        assert_ne!(tag(&followed), first);
    }

    #[test]
    fn a_held_tag_weak_or_strong_in_a_list_or_star_is_304() {
        let data = serde_json::json!({"a": 1});
        let weak = tag(&data);
        let strong = weak.trim_start_matches("W/").to_owned();
        for held in [
            weak.clone(),
            strong.clone(),
            format!("\"other\", {weak}"),
            format!("W/\"other\",{strong}"),
            "*".to_owned(),
        ] {
            assert_eq!(status(&held, &data), StatusCode::NOT_MODIFIED, "{held}");
        }
    }

    #[test]
    fn another_tag_or_a_header_that_does_not_parse_is_the_200() {
        let data = serde_json::json!({"a": 1});
        let weak = tag(&data);
        let bare = weak.trim_start_matches("W/").trim_matches('"').to_owned();
        for held in [
            "W/\"00000000000000000000000000000000\"",
            "\"other\", W/\"another\"",
            bare.as_str(),
            "",
        ] {
            assert_eq!(status(held, &data), StatusCode::OK, "{held:?}");
        }
    }

    #[test]
    fn the_304_has_no_body_and_the_200s_headers() {
        let data = serde_json::json!({"a": 1});
        let weak = tag(&data);
        let response = revalidation(Some(&weak))
            .answer(&data, Audience::CallerInTimeZone)
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        let headers = response.headers();
        assert_eq!(headers.get(ETAG).unwrap(), weak.as_str());
        assert_eq!(headers.get(CACHE_CONTROL).unwrap(), "private, no-cache");
        assert_eq!(headers.get(VARY).unwrap(), "Authorization, X-Timezone");
        assert!(response.into_body().try_into_bytes().unwrap().is_empty());
    }

    #[test]
    fn an_anonymous_answer_may_be_kept_by_shared_caches_a_callers_only_by_theirs() {
        assert_eq!(Audience::of(None).cache_control(), "no-cache");
        assert_eq!(Audience::Caller.cache_control(), "private, no-cache");
        for audience in [Audience::Anonymous, Audience::Caller] {
            assert_eq!(audience.vary(), "Authorization");
        }
    }
}
