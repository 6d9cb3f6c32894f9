//! The search area's model: what the engine indexes ([`IndexedUser`], [`IndexChange`]),
//! what it answers ([`SearchHits`]), a validated query ([`SearchText`]), and a result as
//! the viewer may see it ([`SearchResult::as_seen`], the privacy rule applied to search).

use time::OffsetDateTime;

use super::folding::fold_for_search;
use crate::ids::{StreamId, UserId};
use crate::profiles::{FollowState, ProfilePhoto};

/// Most results on one page.
pub const MAX_SEARCH_LIMIT: u32 = 50;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// A live stream on air now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveNow {
    /// The stream's id.
    pub id: StreamId,
    /// Its title.
    pub title: String,
    /// When it went on air.
    pub started_at: OffsetDateTime,
    /// Viewers watching.
    pub viewer_count: u32,
}

/// A user as the store knows them now, for a result list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCandidate {
    /// The user's id.
    pub id: UserId,
    /// Username.
    pub username: String,
    /// Given name.
    pub name: String,
    /// Family name.
    pub surname: String,
    /// What the user does.
    pub expertise: Option<String>,
    /// Credits per minute.
    pub minute_price_in_live_stream: u32,
    /// The profile photo, its `url` the 96 px variant (the original when no
    /// variant exists).
    pub photo: Option<ProfilePhoto>,
    /// The stream on air now.
    pub live: Option<LiveNow>,
    /// Whether the profile is private.
    pub is_private: bool,
    /// Whether the viewer follows the user.
    pub follow: FollowState,
}

/// One result, with only what the user's privacy allows the viewer to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    /// The user's id.
    pub id: UserId,
    /// Username.
    pub username: String,
    /// Given name.
    pub name: String,
    /// Family name.
    pub surname: String,
    /// Hidden (`None`) for a private profile the viewer does not follow.
    pub expertise: Option<String>,
    /// Hidden (`None`) for a private profile the viewer does not follow.
    pub minute_price_in_live_stream: Option<u32>,
    /// The 96 px photo (shown like the username: it identifies the account).
    pub photo: Option<ProfilePhoto>,
    /// Hidden (`None`) for a private profile the viewer does not follow.
    pub live: Option<LiveNow>,
}

impl SearchResult {
    /// What `viewer` may see of `candidate`: all of a public profile, or of a
    /// private one the viewer follows; otherwise who it is, not what it does.
    ///
    /// ```
    /// # use allmine_domain::search::*;
    /// # use allmine_domain::{FollowState, UserId};
    /// let candidate = SearchCandidate { id: UserId::from_bytes([1; 12]), username: "jane".into(),
    ///     name: "Jane".into(), surname: "Roe".into(), expertise: Some("chef".into()),
    ///     minute_price_in_live_stream: 3, photo: None, live: None, is_private: true,
    ///     follow: FollowState::Pending };
    /// let shown = SearchResult::as_seen(candidate);
    /// assert_eq!(shown.username, "jane");
    /// assert_eq!(shown.expertise, None);
    /// assert_eq!(shown.minute_price_in_live_stream, None);
    /// ```
    pub fn as_seen(candidate: SearchCandidate) -> Self {
        let open = !candidate.is_private || candidate.follow == FollowState::Accepted;
        Self {
            id: candidate.id,
            username: candidate.username,
            name: candidate.name,
            surname: candidate.surname,
            expertise: candidate.expertise.filter(|_| open),
            minute_price_in_live_stream: open.then_some(candidate.minute_price_in_live_stream),
            photo: candidate.photo,
            live: candidate.live.filter(|_| open),
        }
    }
}

/// A validated search: at most [`MAX_QUERY_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

/// The query is longer than [`MAX_QUERY_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a query has at most {MAX_QUERY_CHARS} characters")]
pub struct QueryTooLong;

impl SearchText {
    /// A query of at most 100 characters (after trimming).
    ///
    /// ```
    /// use allmine_domain::search::{QueryTooLong, SearchText};
    ///
    /// let query = SearchText::new("  şükrü  ").unwrap();
    /// assert_eq!(query.as_str(), "şükrü");
    /// assert!(!query.is_blank());
    /// assert!(SearchText::new(" ._* ").unwrap().is_blank());
    /// assert_eq!(SearchText::new(&"ş".repeat(101)), Err(QueryTooLong));
    /// ```
    pub fn new(text: &str) -> Result<Self, QueryTooLong> {
        let text = text.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryTooLong);
        }
        Ok(Self(text.to_owned()))
    }

    /// Whether the query has no word (then search returns random users).
    pub fn is_blank(&self) -> bool {
        fold_for_search(&self.0).is_empty()
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the search engine knows about one user. Deactivated users are never indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedUser {
    /// The user's id.
    pub id: UserId,
    /// The username, as its owner wrote it.
    pub username: String,
    /// The first name, as written.
    pub name: String,
    /// The surname, as written.
    pub surname: String,
    /// How many followers the user has: ranks users that match a query equally well.
    pub followers: u64,
}

/// One change to the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexChange {
    /// Adds the user, or replaces what is indexed about them.
    Upsert(IndexedUser),
    /// Takes the user out of the index (deactivated or deleted); nothing happens if absent.
    Remove(UserId),
}

/// One page of search results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchHits {
    /// The users on the requested page, best match first.
    pub ids: Vec<UserId>,
    /// How many users match in all, after exclusions (not only on this page).
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_keeps_up_to_a_hundred_characters_after_trimming() {
        let hundred = "ğ".repeat(100);
        assert_eq!(
            SearchText::new(&format!("  {hundred}\t")).unwrap().as_str(),
            hundred
        );
        assert_eq!(SearchText::new(&"ğ".repeat(101)), Err(QueryTooLong));
    }

    #[test]
    fn a_query_is_blank_when_it_has_no_letter_or_digit() {
        for text in ["", "   ", "._*\"%", " - "] {
            assert!(SearchText::new(text).unwrap().is_blank(), "{text:?}");
        }
        for text in ["a", " 7 ", "_ş_"] {
            assert!(!SearchText::new(text).unwrap().is_blank(), "{text:?}");
        }
    }

    fn candidate(is_private: bool, follow: FollowState) -> SearchCandidate {
        SearchCandidate {
            id: UserId::from_bytes([7; 12]),
            username: "jane".into(),
            name: "Jane".into(),
            surname: "Roe".into(),
            expertise: Some("chef".into()),
            minute_price_in_live_stream: 3,
            photo: None,
            live: Some(LiveNow {
                id: StreamId::from_bytes([8; 12]),
                title: "Cooking".into(),
                started_at: OffsetDateTime::UNIX_EPOCH,
                viewer_count: 12,
            }),
            is_private,
            follow,
        }
    }

    #[test]
    fn a_result_shows_everything_of_a_public_profile_or_a_private_one_the_viewer_follows() {
        for (is_private, follow) in [
            (false, FollowState::NotFollowing),
            (false, FollowState::Pending),
            (false, FollowState::Accepted),
            (true, FollowState::Accepted),
        ] {
            let shown = SearchResult::as_seen(candidate(is_private, follow));
            assert_eq!(shown.expertise.as_deref(), Some("chef"), "{follow:?}");
            assert_eq!(shown.minute_price_in_live_stream, Some(3));
            assert!(shown.live.is_some());
        }
    }

    #[test]
    fn a_result_shows_only_who_a_private_profile_is_to_a_viewer_who_does_not_follow() {
        for follow in [FollowState::NotFollowing, FollowState::Pending] {
            let shown = SearchResult::as_seen(candidate(true, follow));
            assert_eq!(
                (
                    shown.id,
                    shown.username.as_str(),
                    shown.name.as_str(),
                    shown.surname.as_str()
                ),
                (UserId::from_bytes([7; 12]), "jane", "Jane", "Roe")
            );
            assert_eq!(shown.expertise, None);
            assert_eq!(shown.minute_price_in_live_stream, None);
            assert_eq!(shown.live, None);
        }
    }
}
