//! The privacy rule: who may see a profile (and its stats), from the [`Relationship`]
//! between viewer and owner. Search applies the same rule to what a result shows.

use super::model::User;
use crate::ids::UserId;

/// Where the viewer stands with a profile's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowState {
    /// The viewer does not follow the owner.
    NotFollowing,
    /// The viewer asked to follow a private profile and waits for acceptance.
    Pending,
    /// The viewer follows the owner.
    Accepted,
}

/// The facts between a viewer and a profile's owner that privacy depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Relationship {
    /// Either side has blocked the other.
    pub blocked: bool,
    /// Whether the viewer follows the owner.
    pub follow: FollowState,
}

impl Relationship {
    /// No block and no follow: how an anonymous viewer stands with everyone.
    pub const NONE: Self = Self {
        blocked: false,
        follow: FollowState::NotFollowing,
    };
}

/// Everything one viewer stands in with others that the privacy rule reads:
/// whom they follow or asked to follow, and whom they blocked or are blocked
/// by. With it, how the viewer stands with *any* owner is known without
/// asking storage per owner.
///
/// ```
/// use allmine_domain::UserId;
/// use allmine_domain::profiles::{FollowState, Relationship, ViewerRelations};
///
/// let (jane, bob, carl) = (UserId::from_bytes([1; 12]), UserId::from_bytes([2; 12]), UserId::from_bytes([3; 12]));
/// let relations = ViewerRelations::new(vec![(jane, FollowState::Pending)], vec![bob]);
/// assert_eq!(relations.with(&jane), Relationship { blocked: false, follow: FollowState::Pending });
/// assert!(relations.with(&bob).blocked);
/// assert_eq!(relations.with(&carl), Relationship::NONE);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ViewerRelations {
    /// Sorted by id, one entry per owner; `NotFollowing` never appears.
    follows: Box<[(UserId, FollowState)]>,
    /// Sorted, without repeats.
    blocked_either_way: Box<[UserId]>,
}

impl ViewerRelations {
    /// The viewer's follows (with their state) and the users they blocked or
    /// were blocked by, in any order and with repeats allowed.
    pub fn new(follows: Vec<(UserId, FollowState)>, blocked_either_way: Vec<UserId>) -> Self {
        let mut follows: Vec<_> = follows
            .into_iter()
            .filter(|(_, state)| *state != FollowState::NotFollowing)
            .collect();
        follows.sort_unstable_by_key(|(id, _)| *id);
        follows.dedup_by_key(|(id, _)| *id);
        let mut blocked_either_way = blocked_either_way;
        blocked_either_way.sort_unstable();
        blocked_either_way.dedup();
        Self {
            follows: follows.into_boxed_slice(),
            blocked_either_way: blocked_either_way.into_boxed_slice(),
        }
    }

    /// How the viewer stands with `owner`.
    pub fn with(&self, owner: &UserId) -> Relationship {
        let follow = self
            .follows
            .binary_search_by_key(owner, |(id, _)| *id)
            .map_or(FollowState::NotFollowing, |at| self.follows[at].1);
        Relationship {
            blocked: self.blocked_either_way.binary_search(owner).is_ok(),
            follow,
        }
    }

    /// The users the viewer blocked or was blocked by, sorted.
    pub fn blocked_either_way(&self) -> &[UserId] {
        &self.blocked_either_way
    }

    /// How many follows the viewer has (accepted or pending).
    pub fn follow_count(&self) -> usize {
        self.follows.len()
    }
}

/// Why a viewer may not see a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ProfileAccessDenied {
    /// The account is deactivated: it looks as if it did not exist.
    #[error("the user does not exist or is deactivated")]
    NotFound,
    /// One of the two has blocked the other.
    #[error("this profile cannot be viewed")]
    Blocked,
    /// The profile is private and the viewer is not an accepted follower.
    #[error("this profile is private")]
    Private,
}

/// Decides whether `viewer` (`None`: anonymous) may see `owner`'s profile.
///
/// The owner always may. Otherwise a deactivated account is not found, a block
/// either way hides the profile, and a private profile shows only to accepted
/// followers. Stats follow the same rule.
///
/// ```
/// use allmine_domain::profiles::{may_view_profile, FollowState, ProfileAccessDenied, Relationship};
/// # use allmine_domain::{User, UserId, Username, AvailabilityStatus, SocialHandles, Stats};
/// # let owner = User { id: UserId::from_bytes([1; 12]), username: Username::new("jane").unwrap(),
/// #   username_changed_at: None, name: "Jane".into(), surname: "Roe".into(), bio: None,
/// #   interests: vec![], expertise: None, birth_date: None,
/// #   availability_status: AvailabilityStatus::Available, minute_price_in_live_stream: 0,
/// #   socials: SocialHandles::default(), profile_photo: None, is_private: true,
/// #   is_deactivated: false, stats: Stats::default() };
/// let stranger = UserId::from_bytes([2; 12]);
/// let follower = Relationship { blocked: false, follow: FollowState::Accepted };
/// let pending = Relationship { blocked: false, follow: FollowState::Pending };
///
/// assert_eq!(may_view_profile(Some(&owner.id), &owner, Relationship::NONE), Ok(()));
/// assert_eq!(may_view_profile(Some(&stranger), &owner, follower), Ok(()));
/// assert_eq!(may_view_profile(Some(&stranger), &owner, pending), Err(ProfileAccessDenied::Private));
/// assert_eq!(may_view_profile(None, &owner, Relationship::NONE), Err(ProfileAccessDenied::Private));
/// ```
pub fn may_view_profile(
    viewer: Option<&UserId>,
    owner: &User,
    relationship: Relationship,
) -> Result<(), ProfileAccessDenied> {
    if viewer == Some(&owner.id) {
        return Ok(());
    }
    if owner.is_deactivated {
        return Err(ProfileAccessDenied::NotFound);
    }
    if viewer.is_some() && relationship.blocked {
        return Err(ProfileAccessDenied::Blocked);
    }
    if owner.is_private && relationship.follow != FollowState::Accepted {
        return Err(ProfileAccessDenied::Private);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::user;

    const VIEWER: UserId = UserId::from_bytes([9; 12]);

    fn with(blocked: bool, follow: FollowState) -> Relationship {
        Relationship { blocked, follow }
    }

    #[test]
    fn anyone_may_see_a_public_profile() {
        let owner = user("public");
        assert_eq!(may_view_profile(None, &owner, Relationship::NONE), Ok(()));
        assert_eq!(
            may_view_profile(Some(&VIEWER), &owner, Relationship::NONE),
            Ok(())
        );
    }

    #[test]
    fn a_viewers_relations_keep_one_follow_per_owner_and_no_not_following() {
        let (jane, bob) = (UserId::from_bytes([1; 12]), UserId::from_bytes([2; 12]));
        let relations = ViewerRelations::new(
            vec![
                (bob, FollowState::NotFollowing),
                (jane, FollowState::Accepted),
                (jane, FollowState::Accepted),
            ],
            vec![bob, bob],
        );
        assert_eq!(relations.follow_count(), 1);
        assert_eq!(relations.blocked_either_way(), &[bob]);
        assert_eq!(relations.with(&jane), with(false, FollowState::Accepted));
        assert_eq!(relations.with(&bob), with(true, FollowState::NotFollowing));
        assert_eq!(relations.with(&VIEWER), Relationship::NONE);
    }

    #[test]
    fn the_owner_always_sees_their_own_profile() {
        let mut owner = user("owner");
        owner.is_private = true;
        owner.is_deactivated = true;
        let id = owner.id;
        assert_eq!(
            may_view_profile(Some(&id), &owner, with(true, FollowState::NotFollowing)),
            Ok(())
        );
    }

    #[test]
    fn a_block_either_way_hides_the_profile_even_when_followed() {
        let owner = user("blocker");
        assert_eq!(
            may_view_profile(Some(&VIEWER), &owner, with(true, FollowState::Accepted)),
            Err(ProfileAccessDenied::Blocked)
        );
    }

    #[test]
    fn a_block_outranks_privacy() {
        let mut owner = user("private_blocker");
        owner.is_private = true;
        assert_eq!(
            may_view_profile(Some(&VIEWER), &owner, with(true, FollowState::NotFollowing)),
            Err(ProfileAccessDenied::Blocked)
        );
    }

    #[test]
    fn a_private_profile_shows_only_to_accepted_followers() {
        let mut owner = user("private");
        owner.is_private = true;
        assert_eq!(
            may_view_profile(Some(&VIEWER), &owner, with(false, FollowState::Accepted)),
            Ok(())
        );
        assert_eq!(
            may_view_profile(Some(&VIEWER), &owner, with(false, FollowState::Pending)),
            Err(ProfileAccessDenied::Private)
        );
        assert_eq!(
            may_view_profile(
                Some(&VIEWER),
                &owner,
                with(false, FollowState::NotFollowing)
            ),
            Err(ProfileAccessDenied::Private)
        );
        assert_eq!(
            may_view_profile(None, &owner, Relationship::NONE),
            Err(ProfileAccessDenied::Private)
        );
    }

    #[test]
    fn a_deactivated_user_is_not_found_whatever_the_relationship() {
        let mut owner = user("gone");
        owner.is_deactivated = true;
        for relationship in [
            Relationship::NONE,
            with(true, FollowState::Accepted),
            with(false, FollowState::Accepted),
        ] {
            assert_eq!(
                may_view_profile(Some(&VIEWER), &owner, relationship),
                Err(ProfileAccessDenied::NotFound)
            );
        }
        assert_eq!(
            may_view_profile(None, &owner, Relationship::NONE),
            Err(ProfileAccessDenied::NotFound)
        );
    }
}
