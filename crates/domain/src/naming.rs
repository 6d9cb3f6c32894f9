//! A user's name on the platform: what a valid [`Username`] looks like, which names
//! belong to the platform ([`RESERVED`]), and how often a user may change theirs
//! ([`may_change_username`]).
//!
//! A shared leaf, below the areas: a profile holds the name and shows when it may next
//! change, and the usernames area checks and changes it. It uses no other module.

use std::fmt;

use time::{Duration, OffsetDateTime};

/// The fewest characters a username may have.
pub const MIN_LENGTH: usize = 3;
/// The most characters a username may have.
pub const MAX_LENGTH: usize = 30;

/// Names that belong to the platform. They are matched the way impersonators try
/// to get round them: ignoring case, `.` and `_`, and reading look-alike digits
/// as letters (see [`is_reserved`]).
pub const RESERVED: &[&str] = &[
    "abuse",
    "account",
    "admin",
    "administrator",
    "allmine",
    "allmineofficial",
    "allminesupport",
    "allmineteam",
    "anonymous",
    "api",
    "billing",
    "contact",
    "everyone",
    "help",
    "helpdesk",
    "info",
    "login",
    "logout",
    "me",
    "mod",
    "moderator",
    "null",
    "official",
    "owner",
    "payments",
    "postmaster",
    "root",
    "security",
    "settings",
    "signup",
    "staff",
    "superuser",
    "support",
    "sysadmin",
    "system",
    "undefined",
    "webmaster",
];

/// Why a text is not an acceptable username.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    /// Fewer than [`MIN_LENGTH`] characters.
    #[error("a username has at least {MIN_LENGTH} characters")]
    TooShort,
    /// More than [`MAX_LENGTH`] characters.
    #[error("a username has at most {MAX_LENGTH} characters")]
    TooLong,
    /// A character outside `a-z`, `A-Z`, `0-9`, `_` and `.`.
    #[error("a username may only hold the letters a-z, digits, '_' and '.', not {0:?}")]
    InvalidCharacter(char),
    /// Starts or ends with `.`.
    #[error("a username may not start or end with '.'")]
    DotAtEdge,
    /// Holds `..`.
    #[error("a username may not hold two '.' in a row")]
    ConsecutiveDots,
    /// One of the platform's [`RESERVED`] names, or a look-alike of one.
    #[error("this username is reserved")]
    Reserved,
}

/// A username: 3 to 30 characters of `a-z` (either case), `0-9`, `_` and `.`,
/// with no `.` at either end and no `..`.
///
/// It keeps the case its owner chose for display; two usernames that differ only
/// in case are the same name (see [`Username::canonical`]).
///
/// ```
/// use allmine_domain::{Username, UsernameError};
///
/// let name = Username::new("JohnDoe123").unwrap();
/// assert_eq!(name.as_str(), "JohnDoe123");
/// assert_eq!(name.canonical(), "johndoe123");
///
/// assert_eq!(Username::new("jo"), Err(UsernameError::TooShort));
/// assert_eq!(Username::new("john..doe"), Err(UsernameError::ConsecutiveDots));
/// assert_eq!(Username::new("Adm1n"), Err(UsernameError::Reserved));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Validates a name someone wants to take: the format rules, and not reserved.
    pub fn new(raw: &str) -> Result<Self, UsernameError> {
        let name = Self::existing(raw)?;
        if is_reserved(&name.0) {
            return Err(UsernameError::Reserved);
        }
        Ok(name)
    }

    /// Validates the format only: for names already in use (which may predate a
    /// newer entry of the reserved list) and for looking a user up by name.
    pub fn existing(raw: &str) -> Result<Self, UsernameError> {
        let length = raw.chars().count();
        if length < MIN_LENGTH {
            return Err(UsernameError::TooShort);
        }
        if length > MAX_LENGTH {
            return Err(UsernameError::TooLong);
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
        {
            return Err(UsernameError::InvalidCharacter(bad));
        }
        if raw.starts_with('.') || raw.ends_with('.') {
            return Err(UsernameError::DotAtEdge);
        }
        if raw.contains("..") {
            return Err(UsernameError::ConsecutiveDots);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name as its owner wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form that decides identity and uniqueness: folded to lowercase by
    /// ASCII rules, never by a locale's (a Turkish locale would fold `I` to `ı`).
    pub fn canonical(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// Whether two names are one name, ignoring case.
    pub fn same_name_as(&self, other: &Username) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({:?})", self.0)
    }
}

/// Whether a name is one of the [`RESERVED`] names or made to look like one.
///
/// ```
/// use allmine_domain::usernames::is_reserved;
///
/// assert!(is_reserved("admin"));
/// assert!(is_reserved("ADMIN"));
/// assert!(is_reserved("adm1n"));
/// assert!(is_reserved("supp0rt"));
/// assert!(is_reserved("all.mine"));
/// assert!(is_reserved("_r_o_o_t_"));
/// assert!(!is_reserved("administration"));
/// assert!(!is_reserved("johndoe123"));
/// ```
pub fn is_reserved(name: &str) -> bool {
    let candidate = skeleton(name);
    RESERVED
        .iter()
        .any(|reserved| skeleton(reserved) == candidate)
}

/// Reduces a name to what a reader sees: lowercase, without `.` and `_`, with
/// digits read as the letters they resemble and `l` read as `i` (so that `1`,
/// which passes for both, matches either).
fn skeleton(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '.' && *c != '_')
        .map(|c| match c.to_ascii_lowercase() {
            '0' => 'o',
            '1' | 'l' => 'i',
            '2' => 'z',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '6' | '9' => 'g',
            '7' => 't',
            '8' => 'b',
            other => other,
        })
        .collect()
}

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

/// When the next username change is allowed, seen at `now`: the instant 30
/// days after the last counted change while that instant is still ahead, and
/// `None` when a change is allowed now (never changed, or the cooldown has run
/// out). Every answer that tells a user when they may rename says this one
/// thing, whatever the request was.
///
/// ```
/// use allmine_domain::usernames::next_username_change_allowed_at;
/// use time::macros::datetime;
///
/// let changed = datetime!(2026-01-01 12:00 UTC);
/// let now = datetime!(2026-01-10 08:00 UTC);
/// assert_eq!(next_username_change_allowed_at(None, now), None);
/// assert_eq!(
///     next_username_change_allowed_at(Some(changed), now),
///     Some(datetime!(2026-01-31 12:00 UTC)),
/// );
/// assert_eq!(next_username_change_allowed_at(Some(changed), datetime!(2026-01-31 12:00 UTC)), None);
/// ```
pub fn next_username_change_allowed_at(
    last_changed: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    last_changed
        .map(|changed| changed + USERNAME_CHANGE_COOLDOWN)
        .filter(|next| *next > now)
}

/// Whether a username change is allowed at `now`: at once for a user who has
/// never changed their name, otherwise from 30 days after the last change, to
/// the instant.
///
/// ```
/// use allmine_domain::usernames::may_change_username;
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
    match next_username_change_allowed_at(last_changed, now) {
        Some(next_change_allowed_at) => Err(CooldownActive {
            next_change_allowed_at,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn length_is_three_to_thirty_characters() {
        assert_eq!(Username::new("ab"), Err(UsernameError::TooShort));
        assert!(Username::new("abc").is_ok());
        assert!(Username::new(&"a".repeat(30)).is_ok());
        assert_eq!(Username::new(&"a".repeat(31)), Err(UsernameError::TooLong));
        assert_eq!(Username::new(""), Err(UsernameError::TooShort));
    }

    #[test]
    fn only_ascii_letters_digits_underscore_and_dot_are_allowed() {
        assert!(Username::new("john_doe.123").is_ok());
        assert_eq!(
            Username::new("john-doe"),
            Err(UsernameError::InvalidCharacter('-'))
        );
        assert_eq!(
            Username::new("john doe"),
            Err(UsernameError::InvalidCharacter(' '))
        );
        assert_eq!(
            Username::new("şükrü"),
            Err(UsernameError::InvalidCharacter('ş'))
        );
        assert_eq!(
            Username::new("ıııı"),
            Err(UsernameError::InvalidCharacter('ı'))
        );
        assert_eq!(
            Username::new("abc\0"),
            Err(UsernameError::InvalidCharacter('\0'))
        );
    }

    #[test]
    fn multibyte_characters_count_as_one_for_length() {
        // 15 two-byte characters: 30 bytes, but the complaint is the character.
        assert_eq!(
            Username::new(&"ş".repeat(15)),
            Err(UsernameError::InvalidCharacter('ş'))
        );
        assert_eq!(Username::new(&"ş".repeat(31)), Err(UsernameError::TooLong));
    }

    #[test]
    fn dots_may_not_lead_trail_or_double() {
        assert_eq!(Username::new(".john"), Err(UsernameError::DotAtEdge));
        assert_eq!(Username::new("john."), Err(UsernameError::DotAtEdge));
        assert_eq!(Username::new("jo..hn"), Err(UsernameError::ConsecutiveDots));
        assert!(Username::new("j.o.h.n").is_ok());
        assert!(Username::new("_john_").is_ok());
    }

    #[test]
    fn case_is_kept_for_display_but_ignored_for_identity() {
        let mixed = Username::new("JohnDoe").unwrap();
        let lower = Username::new("johndoe").unwrap();
        assert_eq!(mixed.as_str(), "JohnDoe");
        assert_eq!(mixed.canonical(), lower.canonical());
        assert!(mixed.same_name_as(&lower));
    }

    #[test]
    fn a_username_shows_as_written_in_display_and_debug() {
        let name = Username::new("Ada.L").unwrap();
        assert_eq!(name.to_string(), "Ada.L");
        assert_eq!(format!("{name:?}"), r#"Username("Ada.L")"#);
    }

    #[test]
    fn folding_follows_ascii_rules_not_a_turkish_locale() {
        assert_eq!(Username::new("ISIK").unwrap().canonical(), "isik");
        assert_eq!(
            Username::new("Iİ_test").map(|n| n.canonical()),
            Err(UsernameError::InvalidCharacter('İ'))
        );
    }

    #[test]
    fn reserved_names_are_never_valid_for_a_user() {
        for name in [
            "admin", "api", "support", "allmine", "root", "system", "help",
        ] {
            assert_eq!(Username::new(name), Err(UsernameError::Reserved), "{name}");
        }
    }

    #[test]
    fn reserved_names_are_matched_through_disguises() {
        for name in [
            "Admin",
            "ADMIN",
            "adm1n",
            "a.d.m.i.n",
            "supp0rt",
            "all.mine",
            "a11mine",
            "r00t",
            "5y5tem",
            "_api_",
            "m.3",
        ] {
            assert_eq!(Username::new(name), Err(UsernameError::Reserved), "{name}");
        }
    }

    #[test]
    fn names_that_merely_contain_a_reserved_word_are_fine() {
        for name in [
            "admins_fan",
            "apiary",
            "helper",
            "rooted",
            "johndoe123",
            "meme",
        ] {
            assert!(Username::new(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn existing_names_skip_the_reserved_list_but_not_the_format() {
        assert!(Username::existing("admin").is_ok());
        assert_eq!(Username::existing("a"), Err(UsernameError::TooShort));
    }

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
            next_username_change_allowed_at(Some(CHANGED), CHANGED),
            Some(datetime!(2026-03-31 08:30:00.250 UTC))
        );
    }

    #[test]
    fn the_next_change_is_an_instant_ahead_or_none_when_a_change_is_allowed_now() {
        let next = CHANGED + Duration::days(30);
        assert_eq!(next_username_change_allowed_at(None, CHANGED), None);
        assert_eq!(
            next_username_change_allowed_at(Some(CHANGED), next - Duration::milliseconds(1)),
            Some(next)
        );
        assert_eq!(next_username_change_allowed_at(Some(CHANGED), next), None);
        assert_eq!(
            next_username_change_allowed_at(Some(CHANGED), next + Duration::days(400)),
            None
        );
        // It answers exactly when a change is refused, and with the same instant.
        for now in [
            CHANGED,
            next - Duration::milliseconds(1),
            next,
            next + Duration::days(1),
        ] {
            assert_eq!(
                next_username_change_allowed_at(Some(CHANGED), now),
                may_change_username(Some(CHANGED), now)
                    .err()
                    .map(|cooldown| cooldown.next_change_allowed_at)
            );
        }
    }
}
