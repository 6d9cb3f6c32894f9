//! The profiles area's use cases ([`ProfileService`]): signing in a caller
//! ([`CurrentUser`]), viewing a profile and its stats under the privacy rule (one user
//! or a [`Batch`]), what the caller and other users are to each other, and applying a
//! validated profile update.

use std::sync::Arc;

use time::{Date, OffsetDateTime};

use super::batch::{Batch, RelationshipView};
use super::fields::{FieldError, FieldProblem, ProfileField};
use super::model::{Stats, User};
use super::ports::{AccountState, UpdateProfileFailure, UserLookup, UserLookups, UserRepository};
use super::privacy::{ProfileAccessDenied, Relationship, may_view_profile};
use super::update::ProfileUpdateRequest;
use crate::clock::Clock;
use crate::error::RepositoryError;
use crate::ids::UserId;
use crate::naming::{Username, UsernameError, next_username_change_allowed_at};

/// A caller whose token named an existing, active account. Only
/// [`ProfileService::authenticate`] makes one, so a use case that takes it
/// needs no further check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUser(UserId);

impl CurrentUser {
    /// The caller's id.
    pub fn id(&self) -> &UserId {
        &self.0
    }

    #[cfg(test)]
    pub(crate) fn for_tests(id: UserId) -> Self {
        Self(id)
    }
}

/// Why a caller could not be signed in.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticationError {
    /// No account has this id.
    #[error("no user has this id")]
    UnknownUser,
    /// The account is deactivated.
    #[error("the user is deactivated")]
    Deactivated,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Why a profile or its stats could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum ViewProfileError {
    /// The username asked for is not a well-formed username.
    #[error("invalid username: {0}")]
    InvalidUsername(#[source] UsernameError),
    /// No active user matches.
    #[error("no such user")]
    NotFound,
    /// One of the two has blocked the other.
    #[error("this profile cannot be viewed")]
    Blocked,
    /// The profile is private and the viewer is not an accepted follower.
    #[error("this profile is private")]
    Private,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl From<ProfileAccessDenied> for ViewProfileError {
    fn from(denied: ProfileAccessDenied) -> Self {
        match denied {
            ProfileAccessDenied::NotFound => Self::NotFound,
            ProfileAccessDenied::Blocked => Self::Blocked,
            ProfileAccessDenied::Private => Self::Private,
        }
    }
}

/// Why a profile update was refused.
#[derive(Debug, thiserror::Error)]
pub enum UpdateProfileError {
    /// One or more fields break their rules.
    #[error("invalid profile fields: {0:?}")]
    Invalid(Vec<FieldError>),
    /// The caller's account vanished between sign-in and now.
    #[error("the caller's account is gone")]
    CallerGone,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// A profile as a viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileView {
    /// The user shown.
    pub user: User,
    /// Age in whole years today (UTC), if the birth date is known.
    pub age: Option<u32>,
}

/// The signed-in user's own profile, with what only its owner sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnProfile {
    /// The profile as others may see it.
    pub profile: ProfileView,
    /// When the username may next change; `None` if it may change now (see
    /// [`next_username_change_allowed_at`]).
    pub next_username_change_allowed_at: Option<OffsetDateTime>,
}

/// The profile use cases: signing in, viewing, updating.
#[derive(Clone)]
pub struct ProfileService {
    users: Arc<dyn UserRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ProfileService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileService").finish_non_exhaustive()
    }
}

impl ProfileService {
    /// A service over these ports.
    pub fn new(users: Arc<dyn UserRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { users, clock }
    }

    /// Accepts a caller whose verified token names `id`, if that account exists
    /// and is active.
    pub async fn authenticate(&self, id: UserId) -> Result<CurrentUser, AuthenticationError> {
        match self.users.account_state(&id).await? {
            AccountState::Active => Ok(CurrentUser(id)),
            AccountState::Deactivated => Err(AuthenticationError::Deactivated),
            AccountState::Missing => Err(AuthenticationError::UnknownUser),
        }
    }

    /// The profile of user `id`, as `viewer` (`None`: anonymous) may see it.
    pub async fn profile_by_id(
        &self,
        viewer: Option<&CurrentUser>,
        id: &UserId,
    ) -> Result<ProfileView, ViewProfileError> {
        self.view(viewer, UserLookup::Id(id)).await
    }

    /// The profile of the user named `username` (any case), as `viewer` may see it.
    /// A text that cannot be a username is an error of its own; a reserved name
    /// is simply not found.
    pub async fn profile_by_username(
        &self,
        viewer: Option<&CurrentUser>,
        username: &str,
    ) -> Result<ProfileView, ViewProfileError> {
        let username = Username::existing(username).map_err(ViewProfileError::InvalidUsername)?;
        self.view(viewer, UserLookup::Username(&username)).await
    }

    /// The profiles of a batch of users by id, in the order asked: each one
    /// exactly what [`profile_by_id`](Self::profile_by_id) would answer `viewer`,
    /// the view or why it is withheld. Read in one round trip.
    pub async fn profiles_by_ids(
        &self,
        viewer: Option<&CurrentUser>,
        ids: &Batch<UserId>,
    ) -> Result<Vec<Result<ProfileView, ProfileAccessDenied>>, RepositoryError> {
        self.view_many(viewer, UserLookups::Ids(ids.keys())).await
    }

    /// The profiles of a batch of users by username (any case), in the order
    /// asked: each one exactly what [`profile_by_username`](Self::profile_by_username)
    /// would answer `viewer` (a reserved name is simply not found). Read in one
    /// round trip.
    pub async fn profiles_by_usernames(
        &self,
        viewer: Option<&CurrentUser>,
        usernames: &Batch<Username>,
    ) -> Result<Vec<Result<ProfileView, ProfileAccessDenied>>, RepositoryError> {
        self.view_many(viewer, UserLookups::Usernames(usernames.keys()))
            .await
    }

    /// What the caller and each of a batch of users are to each other, in the
    /// order asked. Users that do not exist or are deactivated are left out:
    /// a deactivated account looks as if it did not exist. Blocks and private
    /// profiles hide nothing here: these are the caller's own relationships.
    pub async fn relationships(
        &self,
        me: &CurrentUser,
        ids: &Batch<UserId>,
    ) -> Result<Vec<RelationshipView>, RepositoryError> {
        let found = self.users.relationships_with(me.id(), ids.keys()).await?;
        Ok(found
            .into_iter()
            .filter(|(state, _)| *state == AccountState::Active)
            .map(|(_, relationship)| relationship)
            .collect())
    }

    /// The caller's own profile, with the owner-only facts.
    pub async fn own_profile(&self, me: &CurrentUser) -> Result<OwnProfile, ViewProfileError> {
        let profile = self.view(Some(me), UserLookup::Id(me.id())).await?;
        let next =
            next_username_change_allowed_at(profile.user.username_changed_at, self.clock.now());
        Ok(OwnProfile {
            profile,
            next_username_change_allowed_at: next,
        })
    }

    /// Applies a partial update to the caller's profile and returns the result.
    /// An update that changes nothing stores nothing.
    pub async fn update_profile(
        &self,
        me: &CurrentUser,
        request: ProfileUpdateRequest,
    ) -> Result<OwnProfile, UpdateProfileError> {
        let changes = request
            .validate(self.clock.now().date())
            .map_err(UpdateProfileError::Invalid)?;
        if !changes.is_empty() {
            self.users.update_profile(me.id(), &changes).await.map_err(
                |failure| match failure {
                    UpdateProfileFailure::PhotoNotOwned => {
                        UpdateProfileError::Invalid(vec![FieldError {
                            field: ProfileField::ProfilePhotoId,
                            problem: FieldProblem::NotYourPhoto,
                        }])
                    }
                    UpdateProfileFailure::Repository(error) => {
                        UpdateProfileError::Repository(error)
                    }
                },
            )?;
        }
        self.own_profile(me).await.map_err(|error| match error {
            ViewProfileError::Repository(error) => UpdateProfileError::Repository(error),
            _ => UpdateProfileError::CallerGone,
        })
    }

    /// Follower, following and live-stream counts of user `id`, under the same
    /// rule as the profile.
    pub async fn stats(
        &self,
        viewer: &CurrentUser,
        id: &UserId,
    ) -> Result<Stats, ViewProfileError> {
        self.view(Some(viewer), UserLookup::Id(id))
            .await
            .map(|view| view.user.stats)
    }

    async fn view(
        &self,
        viewer: Option<&CurrentUser>,
        target: UserLookup<'_>,
    ) -> Result<ProfileView, ViewProfileError> {
        let viewer = viewer.map(CurrentUser::id);
        let found = self.users.find_for_viewer(target, viewer).await?;
        Ok(shown(viewer, found, self.clock.now().date())?)
    }

    async fn view_many(
        &self,
        viewer: Option<&CurrentUser>,
        targets: UserLookups<'_>,
    ) -> Result<Vec<Result<ProfileView, ProfileAccessDenied>>, RepositoryError> {
        let viewer = viewer.map(CurrentUser::id);
        let found = self.users.find_many_for_viewer(targets, viewer).await?;
        if found.len() != targets.len() {
            // Pairing answers with the wrong users would show one user's
            // profile under another's name: refuse instead.
            return Err(RepositoryError::Failed(
                format!(
                    "asked for {} users, got {} answers",
                    targets.len(),
                    found.len()
                )
                .into(),
            ));
        }
        let today = self.clock.now().date();
        Ok(found
            .into_iter()
            .map(|found| shown(viewer, found, today))
            .collect())
    }
}

/// What `viewer` sees of a user looked up (`None`: no user matched): the one
/// decision behind every profile read, single or batch.
fn shown(
    viewer: Option<&UserId>,
    found: Option<(User, Relationship)>,
    today: Date,
) -> Result<ProfileView, ProfileAccessDenied> {
    let (user, relationship) = found.ok_or(ProfileAccessDenied::NotFound)?;
    may_view_profile(viewer, &user, relationship)?;
    let age = user.age_on(today);
    Ok(ProfileView { user, age })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::privacy::{FollowState, Relationship};
    use crate::profiles::{Patch, ProfileChanges};
    use crate::testing::{FixedClock, InMemoryUsers, user};
    use time::Duration;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2026-05-22 16:11:26.806 UTC);

    fn service(users: InMemoryUsers) -> ProfileService {
        ProfileService::new(Arc::new(users), Arc::new(FixedClock(NOW)))
    }

    /// The test user named `name`, changed by `adjust`.
    fn user_where(name: &str, adjust: impl FnOnce(&mut User)) -> User {
        let mut user = user(name);
        adjust(&mut user);
        user
    }

    #[tokio::test]
    async fn a_token_for_a_missing_or_deactivated_user_does_not_sign_in() {
        let gone = user_where("gone", |u| u.is_deactivated = true);
        let active = user("active");
        let users = InMemoryUsers::new(vec![gone.clone(), active.clone()]);
        let service = service(users);

        assert!(service.authenticate(active.id).await.is_ok());
        assert!(matches!(
            service.authenticate(gone.id).await,
            Err(AuthenticationError::Deactivated)
        ));
        assert!(matches!(
            service.authenticate(UserId::from_bytes([0xee; 12])).await,
            Err(AuthenticationError::UnknownUser)
        ));
    }

    #[tokio::test]
    async fn profiles_are_found_by_username_ignoring_case() {
        let john = user("johndoe123");
        let service = service(InMemoryUsers::new(vec![john.clone()]));
        let view = service
            .profile_by_username(None, "JohnDoe123")
            .await
            .unwrap();
        assert_eq!(view.user.id, john.id);
    }

    #[tokio::test]
    async fn a_malformed_username_is_invalid_but_a_reserved_one_is_just_not_found() {
        let service = service(InMemoryUsers::new(vec![]));
        assert!(matches!(
            service.profile_by_username(None, "no spaces").await,
            Err(ViewProfileError::InvalidUsername(
                UsernameError::InvalidCharacter(' ')
            ))
        ));
        assert!(matches!(
            service.profile_by_username(None, "admin").await,
            Err(ViewProfileError::NotFound)
        ));
    }

    #[tokio::test]
    async fn age_is_derived_from_the_birth_date_on_the_clocks_day() {
        let mut john = user("johndoe123");
        john.birth_date = Some(date!(1998 - 05 - 22));
        let service = service(InMemoryUsers::new(vec![john.clone()]));
        assert_eq!(
            service.profile_by_id(None, &john.id).await.unwrap().age,
            Some(28)
        );
    }

    #[tokio::test]
    async fn stats_obey_the_privacy_rule() {
        let private = user_where("private", |u| u.is_private = true);
        let viewer = user("viewer");
        let users = InMemoryUsers::new(vec![private.clone(), viewer.clone()]);
        let service = service(users.clone());
        let me = service.authenticate(viewer.id).await.unwrap();

        assert!(matches!(
            service.stats(&me, &private.id).await,
            Err(ViewProfileError::Private)
        ));

        users.relate(
            viewer.id,
            private.id,
            Relationship {
                blocked: false,
                follow: FollowState::Accepted,
            },
        );
        assert!(service.stats(&me, &private.id).await.is_ok());

        users.relate(
            viewer.id,
            private.id,
            Relationship {
                blocked: true,
                follow: FollowState::Accepted,
            },
        );
        assert!(matches!(
            service.stats(&me, &private.id).await,
            Err(ViewProfileError::Blocked)
        ));
    }

    /// The single read's answer, in the batch's terms.
    fn single(
        answer: Result<ProfileView, ViewProfileError>,
    ) -> Result<ProfileView, ProfileAccessDenied> {
        answer.map_err(|error| match error {
            ViewProfileError::NotFound => ProfileAccessDenied::NotFound,
            ViewProfileError::Blocked => ProfileAccessDenied::Blocked,
            ViewProfileError::Private => ProfileAccessDenied::Private,
            other => panic!("unexpected {other:?}"),
        })
    }

    /// A viewer and users around them: one of each case the privacy rule tells apart.
    fn neighbourhood() -> (InMemoryUsers, User, Vec<User>) {
        let viewer = user("viewer");
        let public = user("public");
        let private = user_where("private", |u| u.is_private = true);
        let followed = user_where("followed", |u| u.is_private = true);
        let pending = user_where("pending", |u| u.is_private = true);
        let blocker = user("blocker");
        let blocked = user("blocked");
        let gone = user_where("gone", |u| u.is_deactivated = true);
        let others = vec![public, private, followed, pending, blocker, blocked, gone];
        let users = InMemoryUsers::new(others.iter().cloned().chain([viewer.clone()]).collect());
        users.follow(viewer.id, others[2].id, FollowState::Accepted);
        users.follow(viewer.id, others[3].id, FollowState::Pending);
        users.block(others[4].id, viewer.id);
        users.block(viewer.id, others[5].id);
        (users, viewer, others)
    }

    #[tokio::test]
    async fn a_batch_by_id_answers_each_user_as_the_single_read_would_in_the_order_asked() {
        let (users, viewer, others) = neighbourhood();
        let service = service(users.clone());
        let unknown = UserId::from_bytes([0xee; 12]);
        let mut ids: Vec<UserId> = others.iter().rev().map(|u| u.id).collect();
        ids.insert(2, unknown);
        ids.push(viewer.id);
        let batch = Batch::of_ids(ids.clone()).unwrap();
        let me = service.authenticate(viewer.id).await.unwrap();
        for viewer in [None, Some(&me)] {
            let answers = service.profiles_by_ids(viewer, &batch).await.unwrap();
            assert_eq!(answers.len(), ids.len());
            for (id, answer) in ids.iter().zip(answers) {
                let expected = single(service.profile_by_id(viewer, id).await);
                assert_eq!(answer, expected, "{id:?} seen by {viewer:?}");
                if let Ok(view) = answer {
                    assert_eq!(view.user.id, *id, "in the order asked");
                }
            }
        }
        assert_eq!(users.batch_reads(), 2, "one read per batch");
    }

    #[tokio::test]
    async fn a_batch_by_username_matches_any_case_and_answers_as_the_single_read_would() {
        let (users, viewer, others) = neighbourhood();
        let service = service(users);
        let mut names: Vec<String> = others
            .iter()
            .map(|u| u.username.as_str().to_uppercase())
            .collect();
        names.push("admin".into());
        names.push("nobody_here".into());
        let batch =
            Batch::of_usernames(names.iter().map(|n| Username::existing(n).unwrap())).unwrap();
        let me = service.authenticate(viewer.id).await.unwrap();
        for viewer in [None, Some(&me)] {
            let answers = service.profiles_by_usernames(viewer, &batch).await.unwrap();
            assert_eq!(answers.len(), names.len());
            for (name, answer) in names.iter().zip(answers) {
                let expected = single(service.profile_by_username(viewer, name).await);
                assert_eq!(answer, expected, "{name} seen by {viewer:?}");
            }
        }
    }

    #[tokio::test]
    async fn a_batch_withholds_private_blocked_and_deactivated_users_with_their_reasons() {
        let (users, viewer, others) = neighbourhood();
        let service = service(users);
        let me = service.authenticate(viewer.id).await.unwrap();
        let batch = Batch::of_ids(others.iter().map(|u| u.id)).unwrap();
        let reasons: Vec<Option<ProfileAccessDenied>> = service
            .profiles_by_ids(Some(&me), &batch)
            .await
            .unwrap()
            .into_iter()
            .map(|answer| answer.err())
            .collect();
        use ProfileAccessDenied::{Blocked, NotFound, Private};
        assert_eq!(
            reasons,
            [
                None,
                Some(Private),
                None,
                Some(Private),
                Some(Blocked),
                Some(Blocked),
                Some(NotFound)
            ]
        );
    }

    #[tokio::test]
    async fn relationships_say_both_directions_and_leave_out_unknown_and_deactivated_users() {
        let (users, viewer, others) = neighbourhood();
        // `public` follows the viewer; `private`'s request waits, so it is no follow yet.
        users.follow(others[0].id, viewer.id, FollowState::Accepted);
        users.follow(others[1].id, viewer.id, FollowState::Pending);
        let service = service(users.clone());
        let me = service.authenticate(viewer.id).await.unwrap();
        let unknown = UserId::from_bytes([0xee; 12]);
        let asked: Vec<UserId> = [unknown]
            .into_iter()
            .chain(others.iter().rev().map(|u| u.id))
            .collect();
        let found = service
            .relationships(&me, &Batch::of_ids(asked).unwrap())
            .await
            .unwrap();
        let of = |user: &User| found.iter().find(|r| r.user == user.id).copied();
        let ids: Vec<UserId> = found.iter().map(|r| r.user).collect();
        let expected_order: Vec<UserId> = others[..6].iter().rev().map(|u| u.id).collect();
        assert_eq!(
            ids, expected_order,
            "in the order asked, without unknown and deactivated"
        );
        let view = |following, followed_by, blocking, blocked_by, user: &User| RelationshipView {
            user: user.id,
            following,
            followed_by,
            blocking,
            blocked_by,
        };
        use FollowState::{Accepted, NotFollowing, Pending};
        assert_eq!(
            of(&others[0]),
            Some(view(NotFollowing, true, false, false, &others[0]))
        );
        assert_eq!(
            of(&others[1]),
            Some(view(NotFollowing, false, false, false, &others[1]))
        );
        assert_eq!(
            of(&others[2]),
            Some(view(Accepted, false, false, false, &others[2]))
        );
        assert_eq!(
            of(&others[3]),
            Some(view(Pending, false, false, false, &others[3]))
        );
        assert_eq!(
            of(&others[4]),
            Some(view(NotFollowing, false, false, true, &others[4]))
        );
        assert_eq!(
            of(&others[5]),
            Some(view(NotFollowing, false, true, false, &others[5]))
        );
        assert_eq!(users.batch_reads(), 1, "one read");
    }

    #[tokio::test]
    async fn the_own_profile_says_when_the_username_may_next_change() {
        let recent = user_where("recent", |u| {
            u.username_changed_at = Some(NOW - Duration::days(10));
        });
        let long_ago = user_where("long_ago", |u| {
            u.username_changed_at = Some(NOW - Duration::days(30));
        });
        let never = user("never");
        let service = service(InMemoryUsers::new(vec![
            recent.clone(),
            long_ago.clone(),
            never.clone(),
        ]));
        let next_change = |id: UserId| {
            let service = service.clone();
            async move {
                let me = service.authenticate(id).await.unwrap();
                service
                    .own_profile(&me)
                    .await
                    .unwrap()
                    .next_username_change_allowed_at
            }
        };

        assert_eq!(next_change(recent.id).await, Some(NOW + Duration::days(20)));
        for id in [long_ago.id, never.id] {
            assert_eq!(next_change(id).await, None);
        }
    }

    #[tokio::test]
    async fn an_update_stores_its_changes_and_answers_the_updated_profile() {
        let john = user("johndoe123");
        let users = InMemoryUsers::new(vec![john.clone()]);
        let service = service(users.clone());
        let me = service.authenticate(john.id).await.unwrap();
        let request = ProfileUpdateRequest {
            name: Patch::Set("  Ada ".into()),
            ..Default::default()
        };
        let own = service.update_profile(&me, request).await.unwrap();
        assert_eq!(own.profile.user.name, "Ada");
        assert_eq!(
            users.updates(),
            [ProfileChanges {
                name: Some("Ada".into()),
                ..Default::default()
            }]
        );
    }

    #[tokio::test]
    async fn an_update_that_changes_nothing_or_breaks_a_rule_stores_nothing() {
        let john = user("johndoe123");
        let users = InMemoryUsers::new(vec![john.clone()]);
        let service = service(users.clone());
        let me = service.authenticate(john.id).await.unwrap();

        let own = service
            .update_profile(&me, ProfileUpdateRequest::default())
            .await
            .unwrap();
        assert_eq!(own.profile.user, john);

        let invalid = ProfileUpdateRequest {
            name: Patch::Set("Ada".into()),
            surname: Patch::Clear,
            ..Default::default()
        };
        assert!(matches!(
            service.update_profile(&me, invalid).await,
            Err(UpdateProfileError::Invalid(errors)) if errors[0].field == ProfileField::Surname
        ));
        assert_eq!(users.updates(), []);
    }

    #[tokio::test]
    async fn a_photo_the_store_refuses_is_reported_as_not_the_callers() {
        let john = user("johndoe123");
        let service = service(InMemoryUsers::new(vec![john.clone()]));
        let me = service.authenticate(john.id).await.unwrap();
        let request = ProfileUpdateRequest {
            profile_photo_id: Patch::Set("507f1f77bcf86cd799439012".into()),
            ..Default::default()
        };
        assert!(matches!(
            service.update_profile(&me, request).await,
            Err(UpdateProfileError::Invalid(errors)) if errors == [FieldError {
                field: ProfileField::ProfilePhotoId,
                problem: FieldProblem::NotYourPhoto,
            }]
        ));
    }

    /// What the store finds for a lookup.
    type Found = Option<(User, Relationship)>;

    /// Stores updates in `users`, then answers every read with `read`: what the
    /// store says when the profile is read back after the update.
    struct ReadBack {
        users: InMemoryUsers,
        read: fn() -> Result<Found, RepositoryError>,
    }

    #[async_trait::async_trait]
    impl UserRepository for ReadBack {
        async fn find_for_viewer(
            &self,
            _target: UserLookup<'_>,
            _viewer: Option<&UserId>,
        ) -> Result<Found, RepositoryError> {
            (self.read)()
        }

        async fn account_state(&self, id: &UserId) -> Result<AccountState, RepositoryError> {
            self.users.account_state(id).await
        }

        async fn update_profile(
            &self,
            id: &UserId,
            changes: &ProfileChanges,
        ) -> Result<(), UpdateProfileFailure> {
            self.users.update_profile(id, changes).await
        }

        async fn find_many_for_viewer(
            &self,
            targets: UserLookups<'_>,
            viewer: Option<&UserId>,
        ) -> Result<Vec<Found>, RepositoryError> {
            self.users.find_many_for_viewer(targets, viewer).await
        }

        async fn relationships_with(
            &self,
            viewer: &UserId,
            targets: &[UserId],
        ) -> Result<Vec<(AccountState, RelationshipView)>, RepositoryError> {
            self.users.relationships_with(viewer, targets).await
        }
    }

    #[tokio::test]
    async fn after_an_update_a_failed_read_is_a_storage_error_and_a_missing_caller_is_gone() {
        let john = user("johndoe123");
        let update = |read| {
            let service = ProfileService::new(
                Arc::new(ReadBack {
                    users: InMemoryUsers::new(vec![john.clone()]),
                    read,
                }),
                Arc::new(FixedClock(NOW)),
            );
            let request = ProfileUpdateRequest {
                bio: Patch::Set("hello".into()),
                ..Default::default()
            };
            async move {
                service
                    .update_profile(&CurrentUser::for_tests(john.id), request)
                    .await
            }
        };
        assert!(matches!(
            update(|| Err(RepositoryError::Unavailable("down".into()))).await,
            Err(UpdateProfileError::Repository(
                RepositoryError::Unavailable(_)
            ))
        ));
        assert!(matches!(
            update(|| Ok(None)).await,
            Err(UpdateProfileError::CallerGone)
        ));
    }

    #[test]
    fn the_service_debugs_as_its_name_only() {
        let service = service(InMemoryUsers::default());
        assert_eq!(format!("{service:?}"), "ProfileService { .. }");
    }
}
