//! What the API answers with: the docs' field names, `_id`, camelCase.

use serde::{Deserialize, Serialize};
use time::macros::format_description;
use utoipa::ToSchema;

use allmine_domain::profiles::{OwnProfile, ProfileView};
use allmine_domain::{AvailabilityStatus, MediaType, ProfilePhoto, Stats};

use crate::context::TimeZone;

/// Whether a user is open to live-stream calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

impl From<&ProfilePhoto> for Photo {
    fn from(photo: &ProfilePhoto) -> Self {
        Self {
            id: photo.id.to_string(),
            url: photo.url.clone(),
            media_type: match photo.media_type {
                MediaType::Image => PhotoType::Image,
                MediaType::Video => PhotoType::Video,
            },
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
    #[schema(example = json!(["music", "sports"]))]
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
    /// when it may change now.
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
