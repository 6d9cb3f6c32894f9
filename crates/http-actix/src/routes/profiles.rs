//! Profiles read by others: by username, by id, and a user's counts.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use serde::Serialize;
use utoipa::{IntoParams, IntoResponses, ToSchema};

use allmine_domain::profiles::ProfileView;
use allmine_domain::{AvailabilityStatus, MediaType, ProfilePhoto, Stats, UserId};

use crate::caller::{Authenticated, LimitedViewer};
use crate::docs::{
    RateLimited, ServiceUnavailable, StandardHeaders, Unauthenticated, error_example,
};
use crate::envelope::{Envelope, ErrorEnvelope};
use crate::error::{ApiError, Detail};
use crate::etag::{Audience, NotModified, Revalidation};
use crate::state::ApiState;

pub(crate) use examples::profile_data as profile_example_data;

/// Where the profile reads live (see [`super::configure`]).
pub const SCOPE: &str = "/api/v1/users/profile";
/// `GET`: a profile by username.
pub const BY_USERNAME: &str = "/api/v1/users/profile/username/{username}";
/// `GET`: a profile by id.
pub const BY_ID: &str = "/api/v1/users/profile/{id}";
/// `GET`: a user's counts.
pub const STATS: &str = "/api/v1/users/{id}/stats";

/// The `{id}` path segment, parsed as a user id: anything but 24 lowercase
/// hex characters is 400, never 404.
#[derive(Debug, Clone, Copy, IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct UserIdPath(
    /// The user's id: 24 lowercase hexadecimal characters
    #[param(value_type = String, pattern = "^[0-9a-f]{24}$", example = "507f1f77bcf86cd799439011")]
    pub UserId,
);

impl FromRequest for UserIdPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = req.match_info().get("id").unwrap_or_default();
        ready(UserId::parse(raw).map(Self).map_err(|reason| {
            ApiError::validation(Detail::InvalidId {
                field: "id",
                reason,
            })
        }))
    }
}

/// 400 for an `{id}` that is not an id.
#[derive(Debug, IntoResponses)]
#[response(status = 400, description = "The id is not 24 lowercase hex characters, or a header is invalid",
    example = json!(error_example(400, &["Validation failed", "id: must be 24 lowercase hexadecimal characters"], "VALIDATION_FAILED")))]
pub struct BadUserId(pub ErrorEnvelope);

/// 403 for a profile the caller may not see, as the docs show it.
#[derive(Debug, IntoResponses)]
#[response(status = 403, description = "Private (PROFILE_PRIVATE: `This profile cannot be viewed`, then `This profile is private`) or blocked either way (PROFILE_UNAVAILABLE: `This profile cannot be viewed` alone)",
    example = json!(error_example(403, &["This profile cannot be viewed", "This profile is private"], "PROFILE_PRIVATE")))]
pub struct ProfilePrivate(pub ErrorEnvelope);

/// 403 for the stats of a user the caller may not see, as the docs show it.
#[derive(Debug, IntoResponses)]
#[response(status = 403, description = "`Insufficient permissions`, then why: the profile is private (PROFILE_PRIVATE) or one has blocked the other (PROFILE_UNAVAILABLE)",
    example = json!(error_example(403, &["Insufficient permissions", "This profile is private"], "PROFILE_PRIVATE")))]
pub struct StatsForbidden(pub ErrorEnvelope);

/// 404 for an `{id}` no active user has.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "No active user has this id",
    example = json!(error_example(404, &["Resource not found"], "NOT_FOUND")))]
pub struct NoUserWithId(pub ErrorEnvelope);

/// Public profile by username.
///
/// Returns the given user's public profile. The username is matched ignoring
/// case. A token is optional; when given it must be valid, and it decides what
/// a private profile shows.
#[utoipa::path(
    get,
    path = BY_USERNAME,
    tag = "Users",
    operation_id = "getProfileByUsername",
    params(("username" = String, Path, description = "The username whose profile to return (any case): 3-30 letters, digits, `_` and `.`, no `.` first, last or doubled", min_length = 3, max_length = 30, pattern = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$", example = "johndoe123"), StandardHeaders, Revalidation),
    security((), ("JWT-auth" = [])),
    responses(
        (status = 200, description = "The profile", body = Envelope<PublicProfile>, example = json!(examples::profile())),
        NotModified,
        (status = 400, description = "The username is malformed, or a header is invalid", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "username: a username has at least 3 characters"], "VALIDATION_FAILED"))),
        (status = 401, description = "A token was given but is invalid, expired, or names an inactive account", body = ErrorEnvelope,
            example = json!(error_example(401, &["Authentication required", "Authorization: the token has expired"], "AUTHENTICATION_REQUIRED"))),
        ProfilePrivate,
        (status = 404, description = "No active user has this username", body = ErrorEnvelope,
            example = json!(error_example(404, &["Resource not found"], "NOT_FOUND"))),
        RateLimited,
        ServiceUnavailable,
    )
)]
pub async fn profile_by_username(
    state: web::Data<ApiState>,
    viewer: LimitedViewer,
    username: web::Path<String>,
    revalidation: Revalidation,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .profiles
        .profile_by_username(viewer.as_ref(), &username)
        .await?;
    revalidation.answer(PublicProfile::from(&view), Audience::of(viewer.as_ref()))
}

/// Public profile by id.
///
/// Returns the public profile of the user with this id. A token is optional;
/// when given it must be valid, and it decides what a private profile shows.
#[utoipa::path(
    get,
    path = BY_ID,
    tag = "Users",
    operation_id = "getProfileById",
    params(UserIdPath, StandardHeaders, Revalidation),
    security((), ("JWT-auth" = [])),
    responses(
        (status = 200, description = "The profile", body = Envelope<PublicProfile>, example = json!(examples::profile())),
        NotModified,
        BadUserId,
        (status = 401, description = "A token was given but is invalid, expired, or names an inactive account", body = ErrorEnvelope,
            example = json!(error_example(401, &["Authentication required", "Authorization: the token is invalid"], "AUTHENTICATION_REQUIRED"))),
        ProfilePrivate,
        NoUserWithId,
        RateLimited,
        ServiceUnavailable,
    )
)]
pub async fn profile_by_id(
    state: web::Data<ApiState>,
    viewer: LimitedViewer,
    id: UserIdPath,
    revalidation: Revalidation,
) -> Result<HttpResponse, ApiError> {
    let view = state.profiles.profile_by_id(viewer.as_ref(), &id.0).await?;
    revalidation.answer(PublicProfile::from(&view), Audience::of(viewer.as_ref()))
}

/// Get user statistics.
///
/// Followers, following and total live streams of a user, under the same
/// privacy rule as the profile. A refusal opens with `Insufficient
/// permissions`, as the docs show, and keeps the profile's code.
#[utoipa::path(
    get,
    path = STATS,
    tag = "Users",
    operation_id = "getUserStats",
    params(UserIdPath, StandardHeaders, Revalidation),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The counts", body = Envelope<StatsResponse>, example = json!(examples::stats())),
        NotModified,
        BadUserId,
        Unauthenticated,
        StatsForbidden,
        NoUserWithId,
        ServiceUnavailable,
    )
)]
pub async fn stats(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: UserIdPath,
    revalidation: Revalidation,
) -> Result<HttpResponse, ApiError> {
    let stats = state
        .profiles
        .stats(&caller.0, &id.0)
        .await
        .map_err(ApiError::for_stats)?;
    revalidation.answer(StatsResponse::from(stats), Audience::Caller)
}

/// Whether a user is open to live-stream calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    /// Open to calls.
    Available,
    /// Signed in but not taking calls.
    Busy,
    /// Away for a while.
    Away,
    /// Not reachable.
    Offline,
}

impl From<AvailabilityStatus> for Availability {
    fn from(status: AvailabilityStatus) -> Self {
        match status {
            AvailabilityStatus::Available => Self::Available,
            AvailabilityStatus::Busy => Self::Busy,
            AvailabilityStatus::Away => Self::Away,
            AvailabilityStatus::Offline => Self::Offline,
        }
    }
}

/// Image or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhotoType {
    /// A still image.
    Image,
    /// A short looping video.
    Video,
}

/// The photo a profile shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct Photo {
    /// The photo's id.
    #[serde(rename = "_id")]
    #[schema(example = "507f1f77bcf86cd799439012", pattern = "^[0-9a-f]{24}$")]
    pub id: String,
    /// Where the photo is served from.
    #[schema(example = "https://example.com/profile.jpg")]
    pub url: String,
    /// Image or video.
    #[serde(rename = "type")]
    pub media_type: PhotoType,
}

impl From<MediaType> for PhotoType {
    fn from(media_type: MediaType) -> Self {
        match media_type {
            MediaType::Image => Self::Image,
            MediaType::Video => Self::Video,
        }
    }
}

impl From<&ProfilePhoto> for Photo {
    fn from(photo: &ProfilePhoto) -> Self {
        Self {
            id: photo.id.to_string(),
            url: photo.url.clone(),
            media_type: photo.media_type.into(),
        }
    }
}

/// A user's public profile, exactly as the docs show it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicProfile {
    /// The user's id: 24 lowercase hexadecimal characters.
    #[serde(rename = "_id")]
    #[schema(example = "507f1f77bcf86cd799439011", pattern = "^[0-9a-f]{24}$")]
    pub id: String,
    /// Given name.
    #[schema(example = "John")]
    pub name: String,
    /// Family name.
    #[schema(example = "Doe")]
    pub surname: String,
    /// Username, in the case its owner chose.
    #[schema(example = "johndoe123")]
    pub username: String,
    /// Open to calls or not.
    pub availability_status: Availability,
    /// The profile photo, or null.
    pub profile_photo: Option<Photo>,
    /// Topics the user is into.
    // Declared as a set so the document says `uniqueItems`; the order is kept.
    #[schema(example = json!(["music", "sports"]), value_type = std::collections::BTreeSet<String>)]
    pub interests: Vec<String>,
    /// What the user does.
    #[schema(example = "designer")]
    pub expertise: Option<String>,
    /// Age in whole years, derived from the birth date; null when unknown.
    #[schema(example = 28, minimum = 0)]
    pub age: Option<u32>,
    /// Credits per minute in a live-stream call.
    #[schema(example = 1, minimum = 0)]
    pub minute_price_in_live_stream: u32,
    /// Accepted followers.
    #[schema(example = 128, minimum = 0)]
    pub followers_count: u64,
    /// Accounts followed.
    #[schema(example = 256, minimum = 0)]
    pub following_count: u64,
    /// About the user.
    #[schema(example = "Passionate about technology and travel")]
    pub bio: Option<String>,
    /// Instagram handle.
    #[schema(example = "myinstagram")]
    pub instagram: Option<String>,
    /// Snapchat handle.
    #[schema(example = "mysnapchat")]
    pub snapchat: Option<String>,
    /// X handle.
    #[schema(example = "mytwitterx")]
    pub x: Option<String>,
    /// TikTok handle.
    #[schema(example = "mytiktok")]
    pub tiktok: Option<String>,
    /// Facebook handle.
    #[schema(example = "myfacebook")]
    pub facebook: Option<String>,
}

impl From<&ProfileView> for PublicProfile {
    fn from(view: &ProfileView) -> Self {
        let user = &view.user;
        Self {
            id: user.id.to_string(),
            name: user.name.clone(),
            surname: user.surname.clone(),
            username: user.username.to_string(),
            availability_status: user.availability_status.into(),
            profile_photo: user.profile_photo.as_ref().map(Photo::from),
            interests: user.interests.clone(),
            expertise: user.expertise.clone(),
            age: view.age,
            minute_price_in_live_stream: user.minute_price_in_live_stream,
            followers_count: user.stats.followers,
            following_count: user.stats.following,
            bio: user.bio.clone(),
            instagram: user.socials.instagram.clone(),
            snapchat: user.socials.snapchat.clone(),
            x: user.socials.x.clone(),
            tiktok: user.socials.tiktok.clone(),
            facebook: user.socials.facebook.clone(),
        }
    }
}

/// Followers, following and live streams of a user.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsResponse {
    /// Accepted followers.
    #[schema(example = 120, minimum = 0)]
    pub followers: u64,
    /// Accounts followed.
    #[schema(example = 85, minimum = 0)]
    pub following: u64,
    /// Live streams hosted.
    #[schema(example = 12, minimum = 0)]
    pub total_live_streams: u64,
}

impl From<Stats> for StatsResponse {
    fn from(stats: Stats) -> Self {
        Self {
            followers: stats.followers,
            following: stats.following,
            total_live_streams: stats.total_live_streams,
        }
    }
}

/// Examples shown in the document, in the docs' own values.
mod examples {
    use serde_json::{Value, json};

    use crate::docs::success_example as success;

    /// The docs' profile example.
    pub(crate) fn profile_data() -> Value {
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

    /// A profile answer.
    pub fn profile() -> Value {
        success(profile_data())
    }

    /// A stats answer.
    pub fn stats() -> Value {
        success(json!({ "followers": 120, "following": 85, "totalLiveStreams": 12 }))
    }
}
