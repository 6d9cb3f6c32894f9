//! The usernames area's use cases ([`UsernameService`]): checking whether the caller may
//! take a name (with alternatives when not) and changing the caller's name under the
//! cooldown and hold rules.

use std::sync::Arc;

use time::OffsetDateTime;

use super::model::{NameCheck, Unavailable, UsernameChanged};
use super::ports::{NameState, UsernameChange, UsernameChangeFailure, UsernameReservations};
use super::suggestions::{MAX_SUGGESTIONS, suggestion_candidates};
use crate::clock::Clock;
use crate::error::RepositoryError;
use crate::naming::{
    USERNAME_HOLD, Username, UsernameError, may_change_username, next_username_change_allowed_at,
};
use crate::profiles::{CurrentUser, User, UserLookup, UserRepository};

/// Why a check could not answer.
#[derive(Debug, thiserror::Error)]
pub enum CheckUsernameError {
    /// The name breaks a format rule.
    #[error("invalid username: {0}")]
    Invalid(#[source] UsernameError),
    /// The caller's account vanished between sign-in and now.
    #[error("the caller's account is gone")]
    CallerGone,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Why a username change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeUsernameError {
    /// The name breaks a format rule.
    #[error("invalid username: {0}")]
    Invalid(#[source] UsernameError),
    /// A platform name, or made to look like one.
    #[error("the username is reserved")]
    Reserved,
    /// Exactly the current name.
    #[error("that is already the username")]
    Unchanged,
    /// The last change was less than 30 days ago.
    #[error("the username may change again at {next_change_allowed_at}")]
    Cooldown {
        /// When the next change is allowed.
        next_change_allowed_at: OffsetDateTime,
    },
    /// Someone else uses the name.
    #[error("the username is taken")]
    Taken,
    /// Someone else gave the name up less than 14 days ago.
    #[error("the username is held")]
    Held,
    /// Another change of this user's name won the race.
    #[error("the username changed concurrently")]
    Concurrent,
    /// The caller's account vanished between sign-in and now.
    #[error("the caller's account is gone")]
    CallerGone,
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Checking and changing usernames.
#[derive(Clone)]
pub struct UsernameService {
    users: Arc<dyn UserRepository>,
    names: Arc<dyn UsernameReservations>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for UsernameService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsernameService").finish_non_exhaustive()
    }
}

impl UsernameService {
    /// A service over these ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        names: Arc<dyn UsernameReservations>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            names,
            clock,
        }
    }

    /// Whether `caller` may take `raw`, ignoring case, with alternatives when not.
    pub async fn check(
        &self,
        caller: &CurrentUser,
        raw: &str,
    ) -> Result<NameCheck, CheckUsernameError> {
        let asked = match Username::new(raw) {
            Ok(name) => name,
            Err(UsernameError::Reserved) => {
                return Ok(NameCheck {
                    unavailable: Some(Unavailable::Reserved),
                    suggestions: Vec::new(),
                });
            }
            Err(error) => return Err(CheckUsernameError::Invalid(error)),
        };
        let me = self
            .caller(caller)
            .await?
            .ok_or(CheckUsernameError::CallerGone)?;
        let now = self.clock.now();
        let state = self.names.states(&[asked.canonical()], now).await?;
        let unavailable = if asked.same_name_as(&me.username) {
            Some(Unavailable::Current)
        } else {
            state.first().and_then(|state| unavailable_for(&me, *state))
        };
        let suggestions = match unavailable {
            Some(_) => self.suggest(&me, &asked, now).await?,
            None => Vec::new(),
        };
        Ok(NameCheck {
            unavailable,
            suggestions,
        })
    }

    /// Changes `caller`'s username to `raw`: at once for a first change, then
    /// once per 30 days. A change of case only, and undoing the change that
    /// started the cooldown (taking back the name it gave up, while it is held),
    /// are always allowed and keep the cooldown clock. The old name is held for
    /// the caller for 14 days.
    pub async fn change(
        &self,
        caller: &CurrentUser,
        raw: &str,
    ) -> Result<UsernameChanged, ChangeUsernameError> {
        let new = Username::new(raw).map_err(|error| match error {
            UsernameError::Reserved => ChangeUsernameError::Reserved,
            other => ChangeUsernameError::Invalid(other),
        })?;
        let me = self
            .caller(caller)
            .await?
            .ok_or(ChangeUsernameError::CallerGone)?;
        if new.as_str() == me.username.as_str() {
            return Err(ChangeUsernameError::Unchanged);
        }
        let now = self.clock.now();
        let case_only = new.same_name_as(&me.username);
        // Taking back, while it is held, the name given up by the change that
        // started the cooldown undoes that change: without this the 30-day
        // cooldown would outlast the 14-day hold. Only that one change can be
        // undone, so two names cannot be swapped back and forth.
        let reclaim = !case_only
            && matches!(
                self.names.states(&[new.canonical()], now).await?.first(),
                Some(NameState::Held { owner, until })
                    if *owner == me.id && Some(*until - USERNAME_HOLD) == me.username_changed_at
            );
        if !case_only && !reclaim {
            may_change_username(me.username_changed_at, now).map_err(|cooldown| {
                ChangeUsernameError::Cooldown {
                    next_change_allowed_at: cooldown.next_change_allowed_at,
                }
            })?;
        }
        let changed_at = if case_only || reclaim {
            me.username_changed_at
        } else {
            Some(now)
        };
        let change = UsernameChange {
            user: me.id,
            old: me.username.clone(),
            new: new.clone(),
            expected_changed_at: me.username_changed_at,
            changed_at,
            now,
            hold_until: now + USERNAME_HOLD,
        };
        self.names
            .change(&change)
            .await
            .map_err(|failure| match failure {
                UsernameChangeFailure::Taken => ChangeUsernameError::Taken,
                UsernameChangeFailure::Held => ChangeUsernameError::Held,
                UsernameChangeFailure::Concurrent => ChangeUsernameError::Concurrent,
                UsernameChangeFailure::Repository(error) => ChangeUsernameError::Repository(error),
            })?;
        Ok(UsernameChanged {
            old: me.username,
            new,
            next_change_allowed_at: next_username_change_allowed_at(changed_at, now),
        })
    }

    async fn caller(&self, caller: &CurrentUser) -> Result<Option<User>, RepositoryError> {
        let found = self
            .users
            .find_for_viewer(UserLookup::Id(caller.id()), Some(caller.id()))
            .await?;
        Ok(found.map(|(user, _)| user))
    }

    async fn suggest(
        &self,
        me: &User,
        asked: &Username,
        now: OffsetDateTime,
    ) -> Result<Vec<Username>, RepositoryError> {
        let candidates: Vec<Username> = suggestion_candidates(asked)
            .into_iter()
            .filter(|c| !c.same_name_as(&me.username))
            .collect();
        let keys: Vec<String> = candidates.iter().map(Username::canonical).collect();
        let states = self.names.states(&keys, now).await?;
        Ok(candidates
            .into_iter()
            .zip(states)
            .filter(|(_, state)| unavailable_for(me, *state).is_none())
            .map(|(candidate, _)| candidate)
            .take(MAX_SUGGESTIONS)
            .collect())
    }
}

fn unavailable_for(me: &User, state: NameState) -> Option<Unavailable> {
    match state {
        NameState::Free => None,
        NameState::InUse { owner } if owner == me.id => Some(Unavailable::Current),
        NameState::InUse { .. } => Some(Unavailable::Taken),
        NameState::Held { owner, .. } if owner == me.id => None,
        NameState::Held { .. } => Some(Unavailable::Held),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{InMemoryUsers, SettableClock, user};
    use time::Duration;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-03-01 10:00:00.000 UTC);

    struct World {
        store: InMemoryUsers,
        clock: Arc<SettableClock>,
        service: UsernameService,
    }

    fn world(users: Vec<User>) -> World {
        let store = InMemoryUsers::new(users);
        let clock = Arc::new(SettableClock::new(T0));
        let service = UsernameService::new(
            Arc::new(store.clone()),
            Arc::new(store.clone()),
            clock.clone(),
        );
        World {
            store,
            clock,
            service,
        }
    }

    fn me(user: &User) -> CurrentUser {
        CurrentUser::for_tests(user.id)
    }

    #[tokio::test]
    async fn a_first_change_is_allowed_at_once_and_starts_the_cooldown() {
        let john = user("johndoe");
        let w = world(vec![john.clone()]);
        let changed = w.service.change(&me(&john), "john_new").await.unwrap();
        assert_eq!(changed.old.as_str(), "johndoe");
        assert_eq!(changed.new.as_str(), "john_new");
        assert_eq!(
            changed.next_change_allowed_at,
            Some(T0 + Duration::days(30))
        );
    }

    #[tokio::test]
    async fn a_second_change_waits_thirty_days_to_the_millisecond() {
        let john = user("johndoe");
        let w = world(vec![john.clone()]);
        w.service.change(&me(&john), "second").await.unwrap();

        w.clock
            .set(T0 + Duration::days(29) + Duration::hours(23) + Duration::minutes(59));
        assert!(matches!(
            w.service.change(&me(&john), "third").await,
            Err(ChangeUsernameError::Cooldown { next_change_allowed_at }) if next_change_allowed_at == T0 + Duration::days(30)
        ));
        w.clock
            .set(T0 + Duration::days(30) - Duration::milliseconds(1));
        assert!(matches!(
            w.service.change(&me(&john), "third").await,
            Err(ChangeUsernameError::Cooldown { .. })
        ));
        w.clock.set(T0 + Duration::days(30));
        assert!(w.service.change(&me(&john), "third").await.is_ok());
    }

    #[tokio::test]
    async fn a_change_of_case_only_is_allowed_during_the_cooldown_and_keeps_its_clock() {
        let john = user("johndoe123");
        let w = world(vec![john.clone()]);
        w.service.change(&me(&john), "johndoe_x").await.unwrap();
        w.clock.set(T0 + Duration::days(3));
        let changed = w.service.change(&me(&john), "JohnDoe_X").await.unwrap();
        assert_eq!(changed.new.as_str(), "JohnDoe_X");
        assert_eq!(
            changed.next_change_allowed_at,
            Some(T0 + Duration::days(30))
        );
    }

    #[tokio::test]
    async fn a_change_of_case_while_no_cooldown_runs_says_a_change_is_allowed_now() {
        let never = user("never_renamed");
        let long_ago = user("long_ago");
        let w = world(vec![never.clone(), long_ago.clone()]);
        let changed = w
            .service
            .change(&me(&never), "Never_Renamed")
            .await
            .unwrap();
        assert_eq!(changed.next_change_allowed_at, None);

        w.service
            .change(&me(&long_ago), "renamed_once")
            .await
            .unwrap();
        w.clock.set(T0 + Duration::days(30));
        let changed = w
            .service
            .change(&me(&long_ago), "Renamed_Once")
            .await
            .unwrap();
        assert_eq!(changed.next_change_allowed_at, None);
        assert!(
            w.service
                .change(&me(&long_ago), "renamed_twice")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn exactly_the_current_name_is_refused() {
        let john = user("johndoe123");
        let w = world(vec![john.clone()]);
        assert!(matches!(
            w.service.change(&me(&john), "johndoe123").await,
            Err(ChangeUsernameError::Unchanged)
        ));
    }

    #[tokio::test]
    async fn taken_reserved_and_malformed_names_are_refused() {
        let john = user("johndoe");
        let jane = user("janedoe");
        let w = world(vec![john.clone(), jane]);
        assert!(matches!(
            w.service.change(&me(&john), "JANEDOE").await,
            Err(ChangeUsernameError::Taken)
        ));
        assert!(matches!(
            w.service.change(&me(&john), "supp0rt").await,
            Err(ChangeUsernameError::Reserved)
        ));
        assert!(matches!(
            w.service.change(&me(&john), "a b").await,
            Err(ChangeUsernameError::Invalid(
                UsernameError::InvalidCharacter(' ')
            ))
        ));
    }

    #[tokio::test]
    async fn a_given_up_name_is_held_for_its_former_owner_for_fourteen_days() {
        let john = user("johndoe");
        let jane = user("janedoe");
        let w = world(vec![john.clone(), jane.clone()]);
        w.service.change(&me(&john), "john_two").await.unwrap();

        assert!(matches!(
            w.service.change(&me(&jane), "johndoe").await,
            Err(ChangeUsernameError::Held)
        ));
        let check = w.service.check(&me(&jane), "johndoe").await.unwrap();
        assert_eq!(check.unavailable, Some(Unavailable::Held));
        let own = w.service.check(&me(&john), "johndoe").await.unwrap();
        assert_eq!(own.unavailable, None, "its former owner may take it back");

        w.clock.set(T0 + Duration::days(14));
        assert!(w.service.change(&me(&jane), "johndoe").await.is_ok());
        assert!(w.store.username_of(jane.id).is_some_and(|n| n == "johndoe"));
    }

    #[tokio::test]
    async fn the_former_owner_may_take_a_held_name_back_despite_the_cooldown() {
        let john = user("johndoe");
        let w = world(vec![john.clone()]);
        w.service.change(&me(&john), "john_oops").await.unwrap();
        w.clock.set(T0 + Duration::days(2));
        let back = w.service.change(&me(&john), "johndoe").await.unwrap();
        assert_eq!(back.new.as_str(), "johndoe");
        assert_eq!(
            back.next_change_allowed_at,
            Some(T0 + Duration::days(30)),
            "the cooldown clock is kept"
        );
        assert!(matches!(
            w.service.change(&me(&john), "third").await,
            Err(ChangeUsernameError::Cooldown { .. })
        ));
    }

    #[tokio::test]
    async fn a_check_reports_why_and_suggests_free_alternatives() {
        let john = user("johndoe");
        let taken_alternative = user("johndoe1");
        let jane = user("janedoe");
        let w = world(vec![john.clone(), taken_alternative, jane.clone()]);

        let check = w.service.check(&me(&jane), "JohnDoe").await.unwrap();
        assert_eq!(check.unavailable, Some(Unavailable::Taken));
        let names: Vec<&str> = check.suggestions.iter().map(Username::as_str).collect();
        assert_eq!(names, ["johndoe_", "johndoe.tr", "johndoe_tr"]);

        let current = w.service.check(&me(&john), "JOHNDOE").await.unwrap();
        assert_eq!(current.unavailable, Some(Unavailable::Current));

        let free = w.service.check(&me(&jane), "brand_new").await.unwrap();
        assert_eq!(
            free,
            NameCheck {
                unavailable: None,
                suggestions: vec![]
            }
        );

        let reserved = w.service.check(&me(&jane), "adm1n").await.unwrap();
        assert_eq!(reserved.unavailable, Some(Unavailable::Reserved));

        assert!(matches!(
            w.service.check(&me(&jane), "x").await,
            Err(CheckUsernameError::Invalid(UsernameError::TooShort))
        ));
    }

    #[tokio::test]
    async fn a_name_the_store_says_is_the_callers_is_current_even_if_read_before_a_change() {
        // The profile was read before the caller changed their name to `johnny`.
        let before = user("johndoe");
        let after = User {
            username: Username::new("johnny").unwrap(),
            ..before.clone()
        };
        let clock = Arc::new(SettableClock::new(T0));
        let service = UsernameService::new(
            Arc::new(InMemoryUsers::new(vec![before.clone()])),
            Arc::new(InMemoryUsers::new(vec![after])),
            clock,
        );
        let check = service.check(&me(&before), "Johnny").await.unwrap();
        assert_eq!(check.unavailable, Some(Unavailable::Current));
    }

    #[test]
    fn the_service_debugs_as_its_name_only() {
        let w = world(vec![]);
        assert_eq!(format!("{:?}", w.service), "UsernameService { .. }");
    }
}
