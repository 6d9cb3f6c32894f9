//! Turning stored values into domain values. The schema's constraints make
//! every failure here impossible; if one happens anyway, it is reported as a
//! storage failure naming the column, never a panic.

use allmine_domain::RepositoryError;
use allmine_domain::search::IndexedUser;
use allmine_domain::{FollowState, MediaType, PhotoId, ProfilePhoto, StreamId, UserId};

/// A stored value the schema's constraints should have made impossible.
pub(crate) fn corrupt(column: &'static str) -> RepositoryError {
    RepositoryError::Failed(format!("unexpected value in {column}").into())
}

/// A user id from its stored bytes.
pub(crate) fn user_id(bytes: &[u8], column: &'static str) -> Result<UserId, RepositoryError> {
    UserId::from_slice(bytes).ok_or_else(|| corrupt(column))
}

/// A stream id from its stored bytes.
pub(crate) fn stream_id(bytes: &[u8], column: &'static str) -> Result<StreamId, RepositoryError> {
    StreamId::from_slice(bytes).ok_or_else(|| corrupt(column))
}

/// A counter or total, which the schema keeps at zero or above.
pub(crate) fn count(value: i64, column: &'static str) -> Result<u64, RepositoryError> {
    u64::try_from(value).map_err(|_| corrupt(column))
}

/// A non-negative 32-bit quantity (a price, a viewer count).
pub(crate) fn quantity(value: i32, column: &'static str) -> Result<u32, RepositoryError> {
    u32::try_from(value).map_err(|_| corrupt(column))
}

/// What the search index holds of a user, from the `users` columns the feed
/// and the snapshot both read.
pub(crate) fn indexed_user(
    id: &[u8],
    username: String,
    name: String,
    surname: String,
    followers_count: i64,
) -> Result<IndexedUser, RepositoryError> {
    Ok(IndexedUser {
        id: user_id(id, "users.id")?,
        username,
        name,
        surname,
        followers: count(followers_count, "users.followers_count")?,
    })
}

/// How the viewer follows someone, from `follows.status` (`None`: no row).
pub(crate) fn follow_state(status: Option<&str>) -> Result<FollowState, RepositoryError> {
    match status {
        None => Ok(FollowState::NotFollowing),
        Some("accepted") => Ok(FollowState::Accepted),
        Some("pending") => Ok(FollowState::Pending),
        Some(_) => Err(corrupt("follows.status")),
    }
}

/// A profile photo from the columns of a LEFT JOIN (all `None`: no photo).
pub(crate) fn profile_photo(
    id: Option<Vec<u8>>,
    url: Option<String>,
    media_type: Option<String>,
) -> Result<Option<ProfilePhoto>, RepositoryError> {
    let (Some(id), Some(url), Some(media_type)) = (id, url, media_type) else {
        return Ok(None);
    };
    Ok(Some(ProfilePhoto {
        id: PhotoId::from_slice(&id).ok_or_else(|| corrupt("profile_photos.id"))?,
        url,
        media_type: MediaType::parse(&media_type)
            .ok_or_else(|| corrupt("profile_photos.media_type"))?,
    }))
}
