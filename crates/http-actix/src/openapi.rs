//! The OpenAPI document, assembled from the routes' annotations.

use utoipa::Number;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};

use allmine_domain::paging::MAX_LIMIT;
use allmine_domain::search::MAX_SEARCH_LIMIT;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::context::Timezone;
use crate::envelope::{Envelope, ErrorEnvelope, Paged};
use crate::error_code::ErrorCode;
use crate::etag::ValidatorHeaders;
use crate::routes::history::{
    GroupedEntry, HistoryPaged, SingleTransaction, StreamEntryType, StreamGroup, StreamInfo,
    Transaction, TransactionEntryType, TransactionKind,
};
use crate::routes::me::{OwnProfileResponse, ProfileUpdateBody};
use crate::routes::profiles::{Availability, Photo, PhotoType, PublicProfile, StatsResponse};
use crate::routes::relationships::{Following, Relationship, RelationshipList};
use crate::routes::search::{FoundUser, LiveStream};
use crate::routes::usernames::{
    ChangeUsernameBody, CheckUsernameBody, UnavailableReason, UsernameAvailability,
    UsernameChangedResponse,
};
use crate::routes::users::{
    ProfileBatch, UnavailableCode, UnavailableProfile, UserIdText, UsernameText,
};
use crate::routes::{health, history, me, profiles, relationships, search, usernames, users};

/// The API's OpenAPI 3.1 document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Allmine Users API",
        description = "Profiles, usernames, stats and credit history of Allmine users. Every answer is the envelope `{isSuccess, statusCode, data, errors, timestamp}`; errors add a stable `code`.",
        version = env!("CARGO_PKG_VERSION"),
    ),
    paths(
        profiles::profile_by_username,
        profiles::profile_by_id,
        users::profiles_batch,
        me::me,
        relationships::relationships,
        profiles::stats,
        me::update_me,
        usernames::check_username,
        usernames::change_username,
        history::transactions,
        history::transactions_grouped,
        search::search_users,
        health::live,
        health::ready,
    ),
    components(schemas(
        ErrorEnvelope, ErrorCode, PublicProfile, OwnProfileResponse, StatsResponse, Photo, PhotoType,
        Availability, Timezone,
        ProfileUpdateBody, CheckUsernameBody, ChangeUsernameBody, UsernameAvailability, UnavailableReason,
        UsernameChangedResponse,
        Envelope<PublicProfile>, Envelope<OwnProfileResponse>, Envelope<StatsResponse>,
        Envelope<UsernameAvailability>, Envelope<UsernameChangedResponse>,
        Transaction, TransactionKind, StreamInfo, StreamEntryType, StreamGroup, TransactionEntryType,
        SingleTransaction, GroupedEntry,
        HistoryPaged<Transaction>, HistoryPaged<GroupedEntry>,
        Envelope<HistoryPaged<Transaction>>, Envelope<HistoryPaged<GroupedEntry>>,
        FoundUser, LiveStream, Paged<FoundUser>, Envelope<Paged<FoundUser>>,
        ProfileBatch, UnavailableProfile, UnavailableCode, Envelope<ProfileBatch>, UserIdText, UsernameText,
        Relationship, Following, RelationshipList, Envelope<RelationshipList>,
    )),
    modifiers(&BearerJwt, &RequestIdHeader, &ValidatorHeaders, &OptionalProfileUpdateBody, &PageLimits),
    tags((name = "Users", description = "User profiles and statistics"), (name = "Credits", description = "The signed-in user's credit history"), (name = "Health", description = "Liveness and readiness probes")),
)]
#[derive(Debug)]
pub struct ApiDoc;

struct BearerJwt;

/// The largest `limit` of each paged endpoint, by the schema of its items.
pub const PAGE_LIMITS: &[(&str, u32)] = &[
    ("Transaction", MAX_LIMIT),
    ("GroupedEntry", MAX_LIMIT),
    ("FoundUser", MAX_SEARCH_LIMIT),
];

/// `Paged<T>` is one generic type, so every page schema would state the
/// largest page any endpoint allows. Each gets its own endpoint's bound from
/// [`PAGE_LIMITS`] instead: `Paged_T`, and the copy `Envelope_Paged_T` inlines.
struct PageLimits;

impl Modify for PageLimits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (items, max) in PAGE_LIMITS {
            let page = components.schemas.get_mut(&format!("Paged_{items}"));
            if let Some(limit) = page.and_then(|page| property(page, "limit")) {
                limit.maximum = Some(Number::UInt(*max as usize));
            }
            let envelope = components
                .schemas
                .get_mut(&format!("Envelope_Paged_{items}"));
            let limit = envelope
                .and_then(|envelope| property(envelope, "data"))
                .and_then(|data| data.properties.get_mut("limit"))
                .and_then(object);
            if let Some(limit) = limit {
                limit.maximum = Some(Number::UInt(*max as usize));
            }
        }
    }
}

/// The inline object schema of `schema`'s property `name`.
fn property<'a>(schema: &'a mut RefOr<Schema>, name: &str) -> Option<&'a mut Object> {
    object(schema)?.properties.get_mut(name).and_then(object)
}

/// `schema` when it is an inline object schema.
fn object(schema: &mut RefOr<Schema>) -> Option<&mut Object> {
    match schema {
        RefOr::T(Schema::Object(object)) => Some(object),
        _ => None,
    }
}

/// `PATCH /api/v1/users/me` may come without a body (it then changes
/// nothing), which utoipa cannot say of a body that is not `Option`, and an
/// `Option` body would let it be JSON `null`.
struct OptionalProfileUpdateBody;

impl Modify for OptionalProfileUpdateBody {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let body = openapi
            .paths
            .paths
            .get_mut(me::ME)
            .and_then(|item| item.patch.as_mut())
            .and_then(|operation| operation.request_body.as_mut());
        if let Some(RefOr::T(body)) = body {
            body.required = Some(utoipa::openapi::Required::False);
        }
    }
}

/// Every answer carries `X-Request-Id` (see [`crate::middleware`]): documented
/// on every response of every operation.
struct RequestIdHeader;

impl Modify for RequestIdHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let header = utoipa::openapi::HeaderBuilder::new()
            .schema(Some(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(64))
                    .pattern(Some("^[A-Za-z0-9._-]+$"))
                    .build(),
            )))
            .description(Some(
                "The request's id: the caller's `X-Request-Id` when it is 1-64 characters of `A-Za-z0-9-_.`, a new UUID otherwise. Logged with every line about the request.",
            ))
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                for response in operation.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response
                            .headers
                            .insert("X-Request-Id".to_owned(), RefOr::T(header.clone()));
                    }
                }
            }
        }
    }
}

impl Modify for BearerJwt {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "JWT-auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT access token; `Bearer <token>` or the bare token.",
                    ))
                    .build(),
            ),
        );
    }
}
