//! The signed-in user's own profile: reading it and the partial update.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::{Map, Value};
use time::macros::format_description;
use utoipa::ToSchema;

use allmine_domain::profiles::{
    FieldError, FieldProblem, Network, OwnProfile, Patch, ProfileField, ProfileUpdateRequest,
    Socials,
};

use crate::body::JsonObject;
use crate::caller::Authenticated;
use crate::context::{RequestContext, TimeZone};
use crate::docs::{
    BodyRefused, ServiceUnavailable, StandardHeaders, Unauthenticated, error_example,
};
use crate::envelope::{Envelope, ErrorEnvelope, ok};
use crate::error::{ApiError, Detail, ErrorCode};
use crate::etag::{Audience, NotModified, Revalidation};
use crate::routes::profiles::{Availability, PublicProfile};
use crate::state::ApiState;

/// `GET` the caller's profile, `PATCH` to change it.
pub const ME: &str = "/api/v1/users/me";

/// Current user's profile.
///
/// The signed-in user's own profile, with the owner-only fields: birth date,
/// privacy flag and when the username may next change (in `X-Timezone`).
#[utoipa::path(
    get,
    path = ME,
    tag = "Users",
    operation_id = "getMe",
    params(StandardHeaders, Revalidation),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The caller's profile", body = Envelope<OwnProfileResponse>, example = json!(examples::own_profile())),
        NotModified,
        (status = 400, description = "A header is invalid", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "X-Timezone: must be one of the documented offsets, such as UTC+03:00"], "VALIDATION_FAILED"))),
        (status = 401, description = "No token, or an invalid or expired one, or an inactive account", body = ErrorEnvelope,
            example = json!(error_example(401, &["Authentication required", "Authorization: a bearer token is required"], "AUTHENTICATION_REQUIRED"))),
        ServiceUnavailable,
    )
)]
pub async fn me(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: Authenticated,
    revalidation: Revalidation,
) -> Result<HttpResponse, ApiError> {
    let own = state.profiles.own_profile(&caller.0).await?;
    let data = OwnProfileResponse::new(&own, context.timezone);
    revalidation.answer(data, Audience::CallerInTimeZone)
}

/// Update profile (partial).
///
/// Partially updates the signed-in user's basic information. An absent field
/// stays as it is; `null` clears bio, expertise, interests, social handles and
/// the photo, and is refused elsewhere. Answers the full updated profile, the
/// same shape as `GET /api/v1/users/me`; an empty body changes nothing.
#[utoipa::path(
    patch,
    path = ME,
    tag = "Users",
    operation_id = "updateMe",
    params(StandardHeaders),
    request_body(content = ProfileUpdateBody, description = "The fields to change; an empty body (or `{}`) changes nothing", content_type = "application/json",
        example = json!({"bio": "Designer and traveller", "instagram": "@my.insta", "minutePriceInLiveStream": 5, "expertise": null})),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The updated profile", body = Envelope<OwnProfileResponse>, example = json!(examples::own_profile())),
        (status = 400, description = "A field breaks its rule, is unknown, or has the wrong type; each failure names its field", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "birthDate: users must be at least 18 years old", "nmae: is not a field of this request"], "VALIDATION_FAILED"))),
        Unauthenticated,
        BodyRefused,
        ServiceUnavailable,
    )
)]
pub async fn update_me(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: Authenticated,
    body: JsonObject,
) -> Result<HttpResponse, ApiError> {
    let request = ProfileUpdateBody::read(body.0)?.into();
    let own = state.profiles.update_profile(&caller.0, request).await?;
    Ok(ok(OwnProfileResponse::new(&own, context.timezone)))
}

/// The signed-in user's own profile: the public fields plus those only the
/// owner sees.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OwnProfileResponse {
    /// The public fields.
    #[serde(flatten)]
    pub profile: PublicProfile,
    /// Birth date, `YYYY-MM-DD`; null when unknown.
    #[schema(example = "1998-05-22", format = Date)]
    pub birth_date: Option<String>,
    /// Whether only accepted followers may see the profile.
    #[schema(example = false)]
    pub is_private: bool,
    /// When the username may next change, in the request's `X-Timezone`; null
    /// when it may change now. The same as `nextChangeAllowedAt` after a
    /// username change.
    #[schema(example = json!(null), format = DateTime)]
    pub next_username_change_allowed_at: Option<String>,
}

impl OwnProfileResponse {
    /// The response for `own`, instants rendered in `zone`.
    pub fn new(own: &OwnProfile, zone: TimeZone) -> Self {
        let date = format_description!("[year]-[month]-[day]");
        Self {
            profile: PublicProfile::from(&own.profile),
            birth_date: own
                .profile
                .user
                .birth_date
                .and_then(|d| d.format(&date).ok()),
            is_private: own.profile.user.is_private,
            next_username_change_allowed_at: own
                .next_username_change_allowed_at
                .map(|at| zone.render(at)),
        }
    }
}

/// `PATCH /api/v1/users/me`: every field optional; an absent field stays as
/// it is, `null` clears bio, expertise, interests, the social handles and the
/// photo, and is refused for the others. Unknown fields (and `username`) are 400.
// (Not a doc comment: the doc comment above is the schema's description.)
// [`ProfileUpdateBody::read`] fills it from the body: each field's JSON type
// is checked here, its content by the domain.
#[derive(Debug, Default, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileUpdateBody {
    /// Given name, 1–50 characters after trimming; may not be null.
    #[schema(value_type = String, example = "John", min_length = 1, max_length = 50, required = false)]
    name: Patch<String>,
    /// Family name, 1–50 characters after trimming; may not be null.
    #[schema(value_type = String, example = "Doe", min_length = 1, max_length = 50, required = false)]
    surname: Patch<String>,
    /// Up to 500 characters; null or empty clears it.
    #[schema(value_type = Option<String>, example = "Passionate about technology and travel", max_length = 500)]
    bio: Patch<String>,
    /// At most 10 interests of 1–30 characters, no duplicates (ignoring
    /// case); null or `[]` empties the list.
    // A set in the document (`uniqueItems`); duplicates ignoring case are 400.
    #[schema(example = json!(["music", "sports"]), max_items = 10, value_type = Option<std::collections::BTreeSet<Interest>>)]
    interests: Patch<Vec<String>>,
    /// Up to 100 characters; null clears it.
    #[schema(value_type = Option<String>, example = "designer", max_length = 100)]
    expertise: Patch<String>,
    /// `YYYY-MM-DD`, not before 1900-01-01; the user must be at least 18;
    /// may not be null.
    #[schema(value_type = String, example = "1998-05-22", format = Date, required = false)]
    birth_date: Patch<String>,
    /// One of the documented statuses; may not be null.
    #[schema(value_type = Availability, required = false)]
    availability_status: Patch<String>,
    /// Credits per minute, 0–100000; may not be null.
    #[schema(value_type = i64, example = 1, minimum = 0, maximum = 100000, required = false)]
    minute_price_in_live_stream: Patch<i64>,
    /// Instagram handle; `@handle` and profile URLs are reduced to the handle.
    #[schema(value_type = Option<String>, example = "myinstagram")]
    instagram: Patch<String>,
    /// Snapchat handle (or snapchat.com/add/… URL).
    #[schema(value_type = Option<String>, example = "mysnapchat")]
    snapchat: Patch<String>,
    /// X handle (or x.com / twitter.com URL).
    #[schema(value_type = Option<String>, example = "mytwitterx")]
    x: Patch<String>,
    /// TikTok handle (or tiktok.com/@… URL).
    #[schema(value_type = Option<String>, example = "mytiktok")]
    tiktok: Patch<String>,
    /// Facebook handle (or facebook.com URL).
    #[schema(value_type = Option<String>, example = "myfacebook")]
    facebook: Patch<String>,
    /// Whether only accepted followers may see the profile; may not be null.
    #[schema(value_type = bool, example = false, required = false)]
    is_private: Patch<bool>,
    /// The id of one of the user's own photos; null removes the photo.
    #[schema(value_type = Option<String>, example = "507f1f77bcf86cd799439012", pattern = "^[0-9a-f]{24}$")]
    profile_photo_id: Patch<String>,
}

impl ProfileUpdateBody {
    /// Reads the body's fields. Unknown fields are refused, and `username`
    /// points to its own endpoint; every failure is named.
    pub fn read(object: Map<String, Value>) -> Result<Self, ApiError> {
        let mut body = Self::default();
        let mut details = Vec::new();
        for (key, value) in object {
            let Some(field) = profile_field(&key) else {
                details.push(if key == "username" {
                    Detail::UsernameNotUpdatable
                } else {
                    Detail::UnknownField(key)
                });
                continue;
            };
            if let Err(problem) = body.set(field, value) {
                details.push(Detail::Field(FieldError { field, problem }));
            }
        }
        if details.is_empty() {
            Ok(body)
        } else {
            Err(ApiError::with_all(ErrorCode::ValidationFailed, details))
        }
    }

    fn set(&mut self, field: ProfileField, value: Value) -> Result<(), FieldProblem> {
        match field {
            ProfileField::Name => self.name = text(value)?,
            ProfileField::Surname => self.surname = text(value)?,
            ProfileField::Bio => self.bio = text(value)?,
            ProfileField::Expertise => self.expertise = text(value)?,
            ProfileField::Interests => self.interests = strings(value)?,
            ProfileField::BirthDate => self.birth_date = text(value)?,
            ProfileField::AvailabilityStatus => self.availability_status = text(value)?,
            ProfileField::MinutePrice => self.minute_price_in_live_stream = integer(value)?,
            ProfileField::Social(network) => *self.social(network) = text(value)?,
            ProfileField::IsPrivate => self.is_private = boolean(value)?,
            ProfileField::ProfilePhotoId => self.profile_photo_id = text(value)?,
        }
        Ok(())
    }

    fn social(&mut self, network: Network) -> &mut Patch<String> {
        match network {
            Network::Instagram => &mut self.instagram,
            Network::Snapchat => &mut self.snapchat,
            Network::X => &mut self.x,
            Network::Tiktok => &mut self.tiktok,
            Network::Facebook => &mut self.facebook,
        }
    }
}

impl From<ProfileUpdateBody> for ProfileUpdateRequest {
    fn from(body: ProfileUpdateBody) -> Self {
        Self {
            name: body.name,
            surname: body.surname,
            bio: body.bio,
            interests: body.interests,
            expertise: body.expertise,
            birth_date: body.birth_date,
            availability_status: body.availability_status,
            minute_price: body.minute_price_in_live_stream,
            socials: Socials {
                instagram: body.instagram,
                snapchat: body.snapchat,
                x: body.x,
                tiktok: body.tiktok,
                facebook: body.facebook,
            },
            is_private: body.is_private,
            profile_photo_id: body.profile_photo_id,
        }
    }
}

/// An interest: 1–30 characters after trimming.
#[derive(Debug)]
pub struct Interest;

impl utoipa::PartialSchema for Interest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(30))
            .into()
    }
}
impl ToSchema for Interest {}

fn profile_field(key: &str) -> Option<ProfileField> {
    Some(match key {
        "name" => ProfileField::Name,
        "surname" => ProfileField::Surname,
        "bio" => ProfileField::Bio,
        "interests" => ProfileField::Interests,
        "expertise" => ProfileField::Expertise,
        "birthDate" => ProfileField::BirthDate,
        "availabilityStatus" => ProfileField::AvailabilityStatus,
        "minutePriceInLiveStream" => ProfileField::MinutePrice,
        "isPrivate" => ProfileField::IsPrivate,
        "profilePhotoId" => ProfileField::ProfilePhotoId,
        other => ProfileField::Social(Network::ALL.into_iter().find(|n| n.field_name() == other)?),
    })
}

fn text(value: Value) -> Result<Patch<String>, FieldProblem> {
    match value {
        Value::Null => Ok(Patch::Clear),
        Value::String(text) => Ok(Patch::Set(text)),
        _ => Err(FieldProblem::WrongType("string")),
    }
}

fn strings(value: Value) -> Result<Patch<Vec<String>>, FieldProblem> {
    match value {
        Value::Null => Ok(Patch::Clear),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Ok(text),
                _ => Err(FieldProblem::WrongType("string array")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Patch::Set),
        _ => Err(FieldProblem::WrongType("string array")),
    }
}

fn integer(value: Value) -> Result<Patch<i64>, FieldProblem> {
    let out_of_range = FieldProblem::OutOfRange {
        min: 0,
        max: allmine_domain::profiles::MAX_MINUTE_PRICE,
    };
    match value {
        Value::Null => Ok(Patch::Clear),
        Value::Number(number) => match (number.as_i64(), number.as_u64(), number.as_f64()) {
            (Some(n), _, _) => Ok(Patch::Set(n)),
            (None, Some(_), _) => Err(out_of_range),
            (None, None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Ok(Patch::Set(f as i64))
            }
            (None, None, Some(f)) if f.fract() == 0.0 => Err(out_of_range),
            _ => Err(FieldProblem::WrongType("integer")),
        },
        _ => Err(FieldProblem::WrongType("integer")),
    }
}

fn boolean(value: Value) -> Result<Patch<bool>, FieldProblem> {
    match value {
        Value::Null => Ok(Patch::Clear),
        Value::Bool(flag) => Ok(Patch::Set(flag)),
        _ => Err(FieldProblem::WrongType("boolean")),
    }
}

/// Examples shown in the document, in the docs' own values.
mod examples {
    use serde_json::{Value, json};

    use crate::docs::success_example as success;
    use crate::routes::profiles::profile_example_data as profile_data;

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
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<ProfileUpdateRequest, ApiError> {
        let Value::Object(object) = value else {
            unreachable!()
        };
        ProfileUpdateBody::read(object).map(ProfileUpdateRequest::from)
    }

    #[test]
    fn absent_null_and_values_become_keep_clear_and_set() {
        let request =
            parse(json!({"bio": null, "name": "Ada", "interests": ["a"], "isPrivate": true}))
                .unwrap();
        assert_eq!(request.bio, Patch::Clear);
        assert_eq!(request.name, Patch::Set("Ada".into()));
        assert_eq!(request.surname, Patch::Keep);
        assert_eq!(request.interests, Patch::Set(vec!["a".into()]));
        assert_eq!(request.is_private, Patch::Set(true));
    }

    #[test]
    fn unknown_fields_and_username_are_refused_by_name() {
        let error = parse(json!({"nmae": "typo", "username": "x"})).unwrap_err();
        assert_eq!(error.code(), ErrorCode::ValidationFailed);
        assert!(
            error
                .details()
                .contains(&Detail::UnknownField("nmae".into()))
        );
        assert!(error.details().contains(&Detail::UsernameNotUpdatable));
    }

    #[test]
    fn wrong_json_types_name_the_field() {
        let error =
            parse(json!({"minutePriceInLiveStream": "5", "isPrivate": 1, "interests": [1]}))
                .unwrap_err();
        assert_eq!(error.details().len(), 3);
    }

    #[test]
    fn prices_must_be_whole_numbers() {
        assert!(parse(json!({"minutePriceInLiveStream": 1.5})).is_err());
        assert_eq!(
            parse(json!({"minutePriceInLiveStream": 2.0}))
                .unwrap()
                .minute_price,
            Patch::Set(2)
        );
        assert!(parse(json!({"minutePriceInLiveStream": 1e300})).is_err());
        assert!(parse(json!({"minutePriceInLiveStream": u64::MAX})).is_err());
    }
}
