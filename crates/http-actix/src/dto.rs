//! What the API answers with: the docs' field names, `_id`, camelCase.

use serde::{Deserialize, Serialize};
use time::macros::format_description;
use utoipa::ToSchema;

use allmine_domain::history::{CreditTransaction, HistoryEntry, StreamSummary, TransactionType};
use allmine_domain::paging::Page;
use allmine_domain::profiles::{OwnProfile, ProfileView};
use allmine_domain::search::{LiveNow, SearchResult};
use allmine_domain::usernames::{NameCheck, Unavailable, UsernameChanged};
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

/// `PATCH /api/v1/users/me`: every field optional; an absent field stays as
/// it is, `null` clears bio, expertise, interests, the social handles and the
/// photo, and is refused for the others. Unknown fields (and `username`) are 400.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
pub struct ProfileUpdateBody {
    /// Given name, 1–50 characters after trimming; may not be null.
    #[schema(example = "John", min_length = 1, max_length = 50, required = false)]
    name: String,
    /// Family name, 1–50 characters after trimming; may not be null.
    #[schema(example = "Doe", min_length = 1, max_length = 50, required = false)]
    surname: String,
    /// Up to 500 characters; null or empty clears it.
    #[schema(example = "Passionate about technology and travel", max_length = 500)]
    bio: Option<String>,
    /// At most 10 interests of 1–30 characters, no duplicates (ignoring
    /// case); null or `[]` empties the list.
    #[schema(example = json!(["music", "sports"]), max_items = 10, value_type = Option<Vec<Interest>>)]
    interests: Option<Vec<String>>,
    /// Up to 100 characters; null clears it.
    #[schema(example = "designer", max_length = 100)]
    expertise: Option<String>,
    /// `YYYY-MM-DD`, not before 1900-01-01; the user must be at least 18;
    /// may not be null.
    #[schema(example = "1998-05-22", format = Date, required = false)]
    birth_date: String,
    /// One of the documented statuses; may not be null.
    #[schema(required = false)]
    availability_status: Availability,
    /// Credits per minute, 0–100000; may not be null.
    #[schema(example = 1, minimum = 0, maximum = 100000, required = false)]
    minute_price_in_live_stream: i64,
    /// Instagram handle; `@handle` and profile URLs are reduced to the handle.
    #[schema(example = "myinstagram")]
    instagram: Option<String>,
    /// Snapchat handle (or snapchat.com/add/… URL).
    #[schema(example = "mysnapchat")]
    snapchat: Option<String>,
    /// X handle (or x.com / twitter.com URL).
    #[schema(example = "mytwitterx")]
    x: Option<String>,
    /// TikTok handle (or tiktok.com/@… URL).
    #[schema(example = "mytiktok")]
    tiktok: Option<String>,
    /// Facebook handle (or facebook.com URL).
    #[schema(example = "myfacebook")]
    facebook: Option<String>,
    /// Whether only accepted followers may see the profile; may not be null.
    #[schema(example = false, required = false)]
    is_private: bool,
    /// The id of one of the user's own photos; null removes the photo.
    #[schema(example = "507f1f77bcf86cd799439012", pattern = "^[0-9a-f]{24}$")]
    profile_photo_id: Option<String>,
}

/// `POST /api/v1/users/check-username`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckUsernameBody {
    /// The name to check (case is ignored): 3–30 letters, digits, `_` and `.`,
    /// no `.` first, last or doubled.
    #[schema(
        example = "johndoe123",
        min_length = 3,
        max_length = 30,
        pattern = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"
    )]
    pub username: String,
}

/// An interest: 1–30 characters after trimming.
#[derive(Debug)]
#[allow(dead_code)]
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

/// Why a name is not available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnavailableReason {
    /// Someone else's current name.
    Taken,
    /// A platform name, or made to look like one.
    Reserved,
    /// Recently given up by someone else.
    Held,
    /// The caller's own current name.
    Current,
}

/// Whether a username can be taken; `reason` and `suggestions` only when not.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsernameAvailability {
    /// Whether the caller may take the name.
    #[schema(example = true)]
    pub available: bool,
    /// Why not, when not available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnavailableReason>,
    /// Up to three available names derived from the one asked, when not available.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(["johndoe1231", "johndoe123_", "johndoe123.tr"]))]
    pub suggestions: Option<Vec<String>>,
}

impl From<NameCheck> for UsernameAvailability {
    fn from(check: NameCheck) -> Self {
        let reason = check.unavailable.map(|why| match why {
            Unavailable::Taken => UnavailableReason::Taken,
            Unavailable::Reserved => UnavailableReason::Reserved,
            Unavailable::Held => UnavailableReason::Held,
            Unavailable::Current => UnavailableReason::Current,
        });
        Self {
            available: reason.is_none(),
            suggestions: reason
                .map(|_| check.suggestions.iter().map(ToString::to_string).collect()),
            reason,
        }
    }
}

/// `PATCH /api/v1/users/username`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeUsernameBody {
    /// The new username: 3–30 letters, digits, `_` and `.`, no `.` first,
    /// last or doubled; a reserved name is 409.
    #[schema(
        example = "new_username123",
        min_length = 3,
        max_length = 30,
        pattern = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"
    )]
    pub new_username: String,
}

/// A username change, as the docs show it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsernameChangedResponse {
    /// Always true.
    #[schema(example = true)]
    pub success: bool,
    /// The name before.
    #[schema(example = "old_username")]
    pub old_username: String,
    /// The name now.
    #[schema(example = "new_username123")]
    pub new_username: String,
    /// When the next change is allowed, in the request's `X-Timezone`.
    #[schema(example = "2024-02-15T00:00:00.000Z", format = DateTime)]
    pub next_change_allowed_at: String,
}

impl UsernameChangedResponse {
    /// The response for `changed`, the instant rendered in `zone`.
    pub fn new(changed: &UsernameChanged, zone: TimeZone) -> Self {
        Self {
            success: true,
            old_username: changed.old.to_string(),
            new_username: changed.new.to_string(),
            next_change_allowed_at: zone.render(changed.next_change_allowed_at),
        }
    }
}

/// What a credit movement was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    /// Credits bought (positive).
    Purchase,
    /// A gift sent (negative).
    GiftSent,
    /// A gift received (positive).
    GiftReceived,
    /// Earned by hosting a live stream (positive).
    StreamEarning,
    /// Spent in a live stream (negative).
    StreamSpend,
    /// Credits given back (positive).
    Refund,
    /// Credits paid out (negative).
    Withdrawal,
    /// A correction by support (either sign).
    Adjustment,
}

impl From<TransactionType> for TransactionKind {
    fn from(kind: TransactionType) -> Self {
        match kind {
            TransactionType::Purchase => Self::Purchase,
            TransactionType::GiftSent => Self::GiftSent,
            TransactionType::GiftReceived => Self::GiftReceived,
            TransactionType::StreamEarning => Self::StreamEarning,
            TransactionType::StreamSpend => Self::StreamSpend,
            TransactionType::Refund => Self::Refund,
            TransactionType::Withdrawal => Self::Withdrawal,
            TransactionType::Adjustment => Self::Adjustment,
        }
    }
}

/// One credit movement.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Its id.
    #[serde(rename = "_id")]
    #[schema(example = "6650f1a2c3d4e5f6a7b8c9d0", pattern = "^[0-9a-f]{24}$")]
    pub id: String,
    /// What it was.
    #[serde(rename = "type")]
    pub kind: TransactionKind,
    /// Signed credits: positive in, negative out.
    #[schema(example = -50)]
    pub amount: i64,
    /// The balance right after it.
    #[schema(example = 450)]
    pub balance_after: i64,
    /// The live stream it belongs to, or null.
    #[schema(example = "6650f1a2c3d4e5f6a7b8c9aa", pattern = "^[0-9a-f]{24}$")]
    pub stream_id: Option<String>,
    /// A human-readable line.
    #[schema(example = "Gift sent in a live stream")]
    pub description: String,
    /// When it happened, in the request's `X-Timezone`.
    #[schema(example = "2026-05-22T19:11:26.806+03:00", format = DateTime)]
    pub created_at: String,
}

impl Transaction {
    /// The record, its instant rendered in `zone`.
    pub fn new(record: &CreditTransaction, zone: TimeZone) -> Self {
        Self {
            id: record.id.to_string(),
            kind: record.kind.into(),
            amount: record.amount,
            balance_after: record.balance_after,
            stream_id: record.stream_id.map(|id| id.to_string()),
            description: record.description.clone(),
            created_at: zone.render(record.created_at),
        }
    }
}

/// A live stream in the grouped history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamInfo {
    /// Its title.
    #[schema(example = "Late night design session")]
    pub title: String,
    /// The host's username.
    #[schema(example = "johndoe123")]
    pub host_username: String,
    /// When it went on air, in `X-Timezone`.
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it ended, in `X-Timezone`; null while on air.
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
}

impl StreamInfo {
    fn new(stream: &StreamSummary, zone: TimeZone) -> Self {
        Self {
            title: stream.title.clone(),
            host_username: stream.host_username.clone(),
            started_at: zone.render(stream.started_at),
            ended_at: stream.ended_at.map(|at| zone.render(at)),
        }
    }
}

/// The page's records of one live stream.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamGroup {
    /// The stream's id.
    #[schema(pattern = "^[0-9a-f]{24}$")]
    pub stream_id: String,
    /// The stream; null only if it was deleted meanwhile.
    pub stream: Option<StreamInfo>,
    /// Sum of the records' amounts.
    pub total_amount: i64,
    /// How many records.
    pub count: u64,
    /// The records, newest first.
    pub transactions: Vec<Transaction>,
}

/// A record that belongs to no live stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct SingleTransaction {
    /// The record.
    pub transaction: Transaction,
}

/// An entry of the grouped history: `type` tells which.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum GroupedEntry {
    /// Records of one live stream.
    Stream(StreamGroup),
    /// A standalone record.
    Transaction(SingleTransaction),
}

impl GroupedEntry {
    /// The entry, instants rendered in `zone`.
    pub fn new(entry: &HistoryEntry, zone: TimeZone) -> Self {
        match entry {
            HistoryEntry::Stream {
                stream_id,
                stream,
                total_amount,
                transactions,
            } => Self::Stream(StreamGroup {
                stream_id: stream_id.to_string(),
                stream: stream.as_ref().map(|s| StreamInfo::new(s, zone)),
                total_amount: *total_amount,
                count: transactions.len() as u64,
                transactions: transactions
                    .iter()
                    .map(|t| Transaction::new(t, zone))
                    .collect(),
            }),
            HistoryEntry::Single(record) => Self::Transaction(SingleTransaction {
                transaction: Transaction::new(record, zone),
            }),
        }
    }
}

/// A page of items.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Paged<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// The page number, from 1.
    #[schema(example = 1, minimum = 1)]
    pub page: u32,
    /// The page size.
    #[schema(example = 20, minimum = 1, maximum = 100)]
    pub limit: u32,
    /// All matching items.
    #[schema(example = 57, minimum = 0)]
    pub total: u64,
    /// Pages in all.
    #[schema(example = 3, minimum = 0)]
    pub total_pages: u64,
    /// Whether a later page has items.
    #[schema(example = true)]
    pub has_next: bool,
}

impl<T> Paged<T> {
    /// The page, each item converted by `convert`.
    pub fn new<U>(page: &Page<U>, convert: impl Fn(&U) -> T) -> Self {
        Self {
            items: page.items.iter().map(convert).collect(),
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            total_pages: page.total_pages(),
            has_next: page.has_next(),
        }
    }
}

/// The stream a user is live in now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveStream {
    /// The stream's id.
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$", example = "6650f1a2c3d4e5f6a7b8c9aa")]
    pub id: String,
    /// Its title.
    #[schema(example = "Late night design session")]
    pub title: String,
    /// When it went on air, in `X-Timezone`.
    #[schema(format = DateTime, example = "2026-05-22T19:00:00.000+03:00")]
    pub started_at: String,
    /// Viewers watching now.
    #[schema(example = 42, minimum = 0)]
    pub viewer_count: u32,
}

impl LiveStream {
    fn new(live: &LiveNow, zone: TimeZone) -> Self {
        Self {
            id: live.id.to_string(),
            title: live.title.clone(),
            started_at: zone.render(live.started_at),
            viewer_count: live.viewer_count,
        }
    }
}

/// A user in search results. For a private profile the viewer does not
/// follow, `expertise`, `minutePriceInLiveStream` and `liveStream` are null.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FoundUser {
    /// The user's id.
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$", example = "507f1f77bcf86cd799439011")]
    pub id: String,
    /// Username.
    #[schema(example = "johndoe123")]
    pub username: String,
    /// Given name.
    #[schema(example = "John")]
    pub name: String,
    /// Family name.
    #[schema(example = "Doe")]
    pub surname: String,
    /// What the user does.
    #[schema(example = "designer")]
    pub expertise: Option<String>,
    /// Credits per minute in a live-stream call.
    #[schema(example = 1, minimum = 0)]
    pub minute_price_in_live_stream: Option<u32>,
    /// The 96 px profile photo, or null.
    pub profile_photo: Option<Photo>,
    /// The live stream on air now, or null.
    pub live_stream: Option<LiveStream>,
}

impl FoundUser {
    /// The result, instants rendered in `zone`.
    pub fn new(found: &SearchResult, zone: TimeZone) -> Self {
        Self {
            id: found.id.to_string(),
            username: found.username.clone(),
            name: found.name.clone(),
            surname: found.surname.clone(),
            expertise: found.expertise.clone(),
            minute_price_in_live_stream: found.minute_price_in_live_stream,
            profile_photo: found.photo.as_ref().map(Photo::from),
            live_stream: found.live.as_ref().map(|live| LiveStream::new(live, zone)),
        }
    }
}
