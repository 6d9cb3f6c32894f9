//! Turning stored values into domain values. The schema's constraints make
//! every failure here impossible; if one happens anyway, it is reported as a
//! storage failure naming the column, never a panic.

use allmine_domain::RepositoryError;
use allmine_domain::{FollowState, MediaType, PhotoId, ProfilePhoto, UserId};

/// A stored value the schema's constraints should have made impossible.
pub(crate) fn corrupt(column: &'static str) -> RepositoryError {
    RepositoryError::Failed(format!("unexpected value in {column}").into())
}

/// A user id from its stored bytes.
pub(crate) fn user_id(bytes: &[u8], column: &'static str) -> Result<UserId, RepositoryError> {
    UserId::from_slice(bytes).ok_or_else(|| corrupt(column))
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
