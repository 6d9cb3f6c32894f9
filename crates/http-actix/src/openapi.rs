//! The OpenAPI document, generated from the handlers and DTOs.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, PartialSchema, ToSchema};

use crate::context::TIMEZONES;
use crate::dto::{
    Availability, ChangeUsernameBody, CheckUsernameBody, FoundUser, GroupedEntry, LiveStream,
    OwnProfileResponse, Paged, Photo, PhotoType, ProfileUpdateBody, PublicProfile,
    SingleTransaction, StatsResponse, StreamGroup, StreamInfo, Transaction, TransactionKind,
    UnavailableReason, UsernameAvailability, UsernameChangedResponse,
};
use crate::envelope::{Envelope, ErrorEnvelope};
use crate::error::ErrorCode;
use crate::{handlers, health};

/// The API's OpenAPI 3.1 document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Allmine Users API",
        description = "Profiles, usernames, stats and credit history of Allmine users. Every answer is the envelope `{isSuccess, statusCode, data, errors, timestamp}`; errors add a stable `code`.",
        version = env!("CARGO_PKG_VERSION"),
    ),
    paths(
        handlers::profile_by_username,
        handlers::profile_by_id,
        handlers::me,
        handlers::stats,
        handlers::update_me,
        handlers::check_username,
        handlers::change_username,
        handlers::transactions,
        handlers::transactions_grouped,
        handlers::search_users,
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
        Transaction, TransactionKind, StreamInfo, StreamGroup, SingleTransaction, GroupedEntry,
        Paged<Transaction>, Paged<GroupedEntry>, Envelope<Paged<Transaction>>, Envelope<Paged<GroupedEntry>>,
        FoundUser, LiveStream, Paged<FoundUser>, Envelope<Paged<FoundUser>>,
    )),
    modifiers(&BearerJwt, &RequestIdHeader, &OptionalProfileUpdateBody),
    tags((name = "Users", description = "User profiles and statistics"), (name = "Credits", description = "The signed-in user's credit history"), (name = "Health", description = "Liveness and readiness probes")),
)]
#[derive(Debug)]
pub struct ApiDoc;

struct BearerJwt;

/// `PATCH /api/v1/users/me` may come without a body (it then changes
/// nothing), which utoipa cannot say of a body that is not `Option`, and an
/// `Option` body would let it be JSON `null`.
struct OptionalProfileUpdateBody;

impl Modify for OptionalProfileUpdateBody {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let body = openapi
            .paths
            .paths
            .get_mut("/api/v1/users/me")
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

/// A UTC offset from the documented list; date-times in `data` are rendered in it.
#[derive(Debug)]
#[allow(dead_code)]
pub struct Timezone;

impl PartialSchema for Timezone {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(TIMEZONES.iter().copied()))
            .default(Some("UTC+00:00".into()))
            .into()
    }
}
impl ToSchema for Timezone {}

/// The headers every endpoint accepts. None is required, and none can be
/// null: an absent header takes its default.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct StandardHeaders {
    /// Language of the messages in `errors`: `tr` (any case) for Turkish;
    /// anything else, or no header, means English (`en`).
    #[param(rename = "X-Language", required = false, example = "tr")]
    x_language: String,
    /// Time zone (default: UTC). Date-times in `data` are rendered in it; a
    /// value outside the list is 400.
    #[param(rename = "X-Timezone", value_type = Timezone, required = false)]
    x_timezone: String,
    /// Platform, recorded in the logs (default: web): one of `web`,
    /// `mobile_ios`, `mobile_android`, `admin`, `api`, `unknown`, `all`; other
    /// values are recorded as given.
    #[param(rename = "X-Platform", required = false, example = "web")]
    x_platform: String,
    /// App version, recorded in the logs (optional).
    #[param(rename = "X-App-Version", required = false)]
    x_app_version: String,
    /// Device id, recorded in the logs (optional).
    #[param(rename = "X-Device-ID", required = false)]
    x_device_id: String,
}

/// The search's query parameters.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParams {
    /// What to look for in usernames, names and surnames (at most 100
    /// characters; empty or absent: `limit` random users, a new sample on
    /// every call, whatever the `page`).
    #[param(max_length = 100, example = "ayse yil")]
    query: Option<String>,
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, maximum = 2147483647, example = 1)]
    page: Option<u32>,
    /// Results per page, 1–50 (default 20).
    #[param(minimum = 1, maximum = 50, example = 20)]
    limit: Option<u32>,
}

/// The credit history's query parameters.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct HistoryParams {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, maximum = 2147483647, example = 1)]
    page: Option<u32>,
    /// Records per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    limit: Option<u32>,
    /// Only these types: repeated (`type=purchase&type=gift_sent`) or
    /// comma-separated (`purchase,gift_sent`).
    #[param(rename = "type", value_type = Option<Vec<TransactionKind>>, style = Form, explode, example = json!(["purchase"]))]
    kind: Option<Vec<String>>,
    /// First day, `YYYY-MM-DD` in `X-Timezone` (included).
    #[param(rename = "startDate", value_type = Option<String>, format = Date, example = "2026-05-01")]
    start_date: Option<String>,
    /// Last day, `YYYY-MM-DD` in `X-Timezone` (included).
    #[param(rename = "endDate", value_type = Option<String>, format = Date, example = "2026-05-31")]
    end_date: Option<String>,
    /// Only records of this live stream.
    #[param(
        rename = "streamId",
        pattern = "^[0-9a-f]{24}$",
        example = "6650f1a2c3d4e5f6a7b8c9aa"
    )]
    stream_id: Option<String>,
}

/// Examples shown in the document, in the docs' own values.
pub mod examples {
    use serde_json::{Value, json};

    /// The docs' profile example.
    pub fn profile_data() -> Value {
        json!({
            "_id": "507f1f77bcf86cd799439011",
            "name": "John",
            "surname": "Doe",
            "username": "johndoe123",
            "availabilityStatus": "available",
            "profilePhoto": {
                "_id": "507f1f77bcf86cd799439012",
                "url": "https://example.com/profile.jpg",
                "type": "image"
            },
            "interests": ["music", "sports"],
            "expertise": "designer",
            "age": 28,
            "minutePriceInLiveStream": 1,
            "followersCount": 128,
            "followingCount": 256,
            "bio": "Passionate about technology and travel",
            "instagram": "myinstagram",
            "snapchat": "mysnapchat",
            "x": "mytwitterx",
            "tiktok": "mytiktok",
            "facebook": "myfacebook"
        })
    }

    /// A success envelope around `data`.
    pub fn success(data: Value) -> Value {
        json!({
            "isSuccess": true,
            "statusCode": 200,
            "data": data,
            "errors": [],
            "timestamp": "2026-05-22T16:11:26.806Z"
        })
    }

    /// A profile answer.
    pub fn profile() -> Value {
        success(profile_data())
    }

    /// An own-profile answer.
    pub fn own_profile() -> Value {
        let mut data = profile_data();
        if let Some(object) = data.as_object_mut() {
            object.insert("birthDate".into(), json!("1998-05-22"));
            object.insert("isPrivate".into(), json!(false));
            object.insert(
                "nextUsernameChangeAllowedAt".into(),
                json!("2026-06-21T19:11:26.806+03:00"),
            );
        }
        success(data)
    }

    /// A username change answer, as the docs show it.
    pub fn username_changed() -> Value {
        json!({
            "isSuccess": true,
            "statusCode": 200,
            "data": {
                "success": true,
                "oldUsername": "old_username",
                "newUsername": "new_username123",
                "nextChangeAllowedAt": "2024-02-15T00:00:00.000Z"
            },
            "errors": [],
            "timestamp": "2026-05-22T16:11:26.808Z"
        })
    }

    fn transaction(
        id: &str,
        kind: &str,
        amount: i64,
        balance: i64,
        stream: Option<&str>,
        at: &str,
    ) -> Value {
        json!({
            "_id": id, "type": kind, "amount": amount, "balanceAfter": balance,
            "streamId": stream, "description": "Gift sent in a live stream", "createdAt": at
        })
    }

    fn paged(items: Vec<Value>) -> Value {
        json!({"items": items, "page": 1, "limit": 20, "total": 57, "totalPages": 3, "hasNext": true})
    }

    /// A history page.
    pub fn transactions() -> Value {
        success(paged(vec![
            transaction(
                "6650f1a2c3d4e5f6a7b8c9d0",
                "gift_sent",
                -50,
                450,
                Some("6650f1a2c3d4e5f6a7b8c9aa"),
                "2026-05-22T19:11:26.806+03:00",
            ),
            transaction(
                "6650f1a2c3d4e5f6a7b8c9cf",
                "purchase",
                500,
                500,
                None,
                "2026-05-22T18:00:00.000+03:00",
            ),
        ]))
    }

    /// A grouped history page.
    pub fn grouped_transactions() -> Value {
        success(paged(vec![
            json!({
                "type": "stream",
                "streamId": "6650f1a2c3d4e5f6a7b8c9aa",
                "stream": {
                    "title": "Late night design session",
                    "hostUsername": "johndoe123",
                    "startedAt": "2026-05-22T18:30:00.000+03:00",
                    "endedAt": "2026-05-22T20:00:00.000+03:00"
                },
                "totalAmount": -50,
                "count": 1,
                "transactions": [transaction("6650f1a2c3d4e5f6a7b8c9d0", "gift_sent", -50, 450, Some("6650f1a2c3d4e5f6a7b8c9aa"), "2026-05-22T19:11:26.806+03:00")]
            }),
            json!({
                "type": "transaction",
                "transaction": transaction("6650f1a2c3d4e5f6a7b8c9cf", "purchase", 500, 500, None, "2026-05-22T18:00:00.000+03:00")
            }),
        ]))
    }

    /// A search answer.
    pub fn search() -> Value {
        success(json!({
            "items": [{
                "_id": "507f1f77bcf86cd799439011",
                "username": "johndoe123",
                "name": "John",
                "surname": "Doe",
                "expertise": "designer",
                "minutePriceInLiveStream": 1,
                "profilePhoto": {"_id": "507f1f77bcf86cd799439012", "url": "https://example.com/profile_96.jpg", "type": "image"},
                "liveStream": {"_id": "6650f1a2c3d4e5f6a7b8c9aa", "title": "Late night design session", "startedAt": "2026-05-22T19:00:00.000+03:00", "viewerCount": 42}
            }],
            "page": 1, "limit": 20, "total": 1, "totalPages": 1, "hasNext": false
        }))
    }

    /// A stats answer.
    pub fn stats() -> Value {
        success(json!({ "followers": 120, "following": 85, "totalLiveStreams": 12 }))
    }

    /// An error answer.
    pub fn error(status: u16, errors: &[&str], code: &str) -> Value {
        json!({
            "isSuccess": false,
            "statusCode": status,
            "data": null,
            "errors": errors,
            "code": code,
            "timestamp": "2026-01-15T10:30:00.000Z"
        })
    }
}
