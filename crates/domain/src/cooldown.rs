//! How often a username may change.

use time::{Duration, OffsetDateTime};

/// How long after a username change the next one is allowed.
pub const USERNAME_CHANGE_COOLDOWN: Duration = Duration::days(30);

/// How long a given-up username stays held for its former owner.
pub const USERNAME_HOLD: Duration = Duration::days(14);

/// A username change asked for before the cooldown ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the username may change again at {next_change_allowed_at}")]
pub struct CooldownActive {
    /// The first instant the next change is allowed.
    pub next_change_allowed_at: OffsetDateTime,
}

/// When the next username change is allowed, given when the last one happened:
/// `None` for a user who has never changed their name (they may at once).
///
/// ```
/// use allmine_domain::cooldown::next_username_change_allowed_at;
/// use time::macros::datetime;
///
/// assert_eq!(next_username_change_allowed_at(None), None);
/// assert_eq!(
///     next_username_change_allowed_at(Some(datetime!(2026-01-01 12:00 UTC))),
///     Some(datetime!(2026-01-31 12:00 UTC)),
/// );
/// ```
pub fn next_username_change_allowed_at(
    last_changed: Option<OffsetDateTime>,
) -> Option<OffsetDateTime> {
    last_changed.map(|changed| changed + USERNAME_CHANGE_COOLDOWN)
}

/// Whether a username change is allowed at `now`: at once for a user who has
/// never changed their name, otherwise from 30 days after the last change, to
/// the instant.
///
/// ```
/// use allmine_domain::cooldown::may_change_username;
/// use time::{macros::datetime, Duration};
///
/// let changed = datetime!(2026-01-01 12:00 UTC);
/// assert!(may_change_username(None, changed).is_ok());
/// assert!(may_change_username(Some(changed), changed + Duration::days(30) - Duration::milliseconds(1)).is_err());
/// assert!(may_change_username(Some(changed), changed + Duration::days(30)).is_ok());
/// ```
pub fn may_change_username(
    last_changed: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<(), CooldownActive> {
    match next_username_change_allowed_at(last_changed) {
        Some(next_change_allowed_at) if now < next_change_allowed_at => Err(CooldownActive {
            next_change_allowed_at,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const CHANGED: OffsetDateTime = datetime!(2026-03-01 08:30:00.250 UTC);

    #[test]
    fn a_user_who_never_changed_their_name_may_change_it_at_once() {
        assert_eq!(may_change_username(None, CHANGED), Ok(()));
    }

    #[test]
    fn twenty_nine_days_twenty_three_hours_fifty_nine_minutes_is_too_early() {
        let now = CHANGED + Duration::days(29) + Duration::hours(23) + Duration::minutes(59);
        assert_eq!(
            may_change_username(Some(CHANGED), now),
            Err(CooldownActive {
                next_change_allowed_at: CHANGED + Duration::days(30)
            })
        );
    }

    #[test]
    fn one_millisecond_before_thirty_days_is_too_early() {
        let now = CHANGED + Duration::days(30) - Duration::milliseconds(1);
        assert!(may_change_username(Some(CHANGED), now).is_err());
    }

    #[test]
    fn thirty_days_exactly_is_allowed() {
        assert_eq!(
            may_change_username(Some(CHANGED), CHANGED + Duration::days(30)),
            Ok(())
        );
    }

    #[test]
    fn the_cooldown_counts_from_the_change_across_a_month_end() {
        assert_eq!(
            next_username_change_allowed_at(Some(CHANGED)),
            Some(datetime!(2026-03-31 08:30:00.250 UTC))
        );
    }
}
