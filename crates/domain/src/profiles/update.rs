//! The partial profile update: what may change ([`ProfileUpdateRequest`]), the rules each
//! value obeys, and the validated [`ProfileChanges`] the store applies.
//!
//! Limits: name and surname 1–50 characters after trimming; bio up to 500;
//! expertise up to 100; at most 10 interests of 1–30 characters each, no
//! duplicates ignoring case; a birth date that makes the user at least 18 and
//! is not before 1900; a minute price from 0 to 100,000 credits; social handles
//! normalised (a leading `@` or a pasted profile URL becomes the bare handle)
//! and checked against each network's rules ([`super::social`]).

use time::{Date, Month};

use super::fields::{FieldError, FieldProblem, ProfileField};
use super::model::{AvailabilityStatus, Network, Socials, age_on};
use super::social::normalize_handle;
use crate::ids::PhotoId;

/// Longest name or surname, in characters.
pub const MAX_NAME: usize = 50;
/// Longest bio, in characters.
pub const MAX_BIO: usize = 500;
/// Longest expertise, in characters.
pub const MAX_EXPERTISE: usize = 100;
/// Most interests.
pub const MAX_INTERESTS: usize = 10;
/// Longest interest, in characters.
pub const MAX_INTEREST: usize = 30;
/// Youngest age a user may state.
pub const MIN_AGE: u32 = 18;
/// Highest minute price, in credits.
pub const MAX_MINUTE_PRICE: i64 = 100_000;

/// What a request says about one field: nothing, clear it, or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// The field was absent: it stays as it is.
    #[default]
    Keep,
    /// The field was `null`: clear it (where clearing makes sense).
    Clear,
    /// The field was given a value.
    Set(T),
}

/// The raw update as the request gave it, types already checked by the edge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileUpdateRequest {
    /// `name`
    pub name: Patch<String>,
    /// `surname`
    pub surname: Patch<String>,
    /// `bio`
    pub bio: Patch<String>,
    /// `interests`
    pub interests: Patch<Vec<String>>,
    /// `expertise`
    pub expertise: Patch<String>,
    /// `birthDate`, as sent.
    pub birth_date: Patch<String>,
    /// `availabilityStatus`, as sent.
    pub availability_status: Patch<String>,
    /// `minutePriceInLiveStream`
    pub minute_price: Patch<i64>,
    /// `instagram`, `snapchat`, `x`, `tiktok`, `facebook`.
    pub socials: Socials<Patch<String>>,
    /// `isPrivate`
    pub is_private: Patch<bool>,
    /// `profilePhotoId`, as sent.
    pub profile_photo_id: Patch<String>,
}

/// A validated update: `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    /// New name.
    pub name: Option<String>,
    /// New surname.
    pub surname: Option<String>,
    /// New or cleared bio.
    pub bio: Option<Option<String>>,
    /// New interests (possibly empty).
    pub interests: Option<Vec<String>>,
    /// New or cleared expertise.
    pub expertise: Option<Option<String>>,
    /// New birth date.
    pub birth_date: Option<Date>,
    /// New availability.
    pub availability_status: Option<AvailabilityStatus>,
    /// New minute price.
    pub minute_price: Option<u32>,
    /// New or cleared handles, per network.
    pub socials: Socials<Option<Option<String>>>,
    /// New privacy flag.
    pub is_private: Option<bool>,
    /// New or cleared profile photo.
    pub profile_photo: Option<Option<PhotoId>>,
}

impl ProfileChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl ProfileUpdateRequest {
    /// Checks every field against its rule, reporting all failures at once.
    ///
    /// ```
    /// use allmine_domain::profiles::{Patch, ProfileUpdateRequest, ProfileField, FieldProblem};
    /// use time::macros::date;
    ///
    /// let mut request = ProfileUpdateRequest::default();
    /// request.name = Patch::Set("  Ada ".into());
    /// request.socials.instagram = Patch::Set("https://www.instagram.com/ada.l/".into());
    /// let changes = request.validate(date!(2026 - 11 - 23)).unwrap();
    /// assert_eq!(changes.name.as_deref(), Some("Ada"));
    /// assert_eq!(changes.socials.instagram, Some(Some("ada.l".to_owned())));
    ///
    /// let mut underage = ProfileUpdateRequest::default();
    /// underage.birth_date = Patch::Set("2010-01-01".into());
    /// let errors = underage.validate(date!(2026 - 11 - 23)).unwrap_err();
    /// assert_eq!(errors[0].field, ProfileField::BirthDate);
    /// assert_eq!(errors[0].problem, FieldProblem::Underage(18));
    /// ```
    pub fn validate(self, today: Date) -> Result<ProfileChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: ProfileField, result: Result<(), FieldProblem>| {
            if let Err(problem) = result {
                errors.push(FieldError { field, problem });
            }
        };
        let mut changes = ProfileChanges::default();

        check(
            ProfileField::Name,
            required_text(self.name, MAX_NAME).map(|v| changes.name = v),
        );
        check(
            ProfileField::Surname,
            required_text(self.surname, MAX_NAME).map(|v| changes.surname = v),
        );
        check(
            ProfileField::Bio,
            optional_text(self.bio, MAX_BIO).map(|v| changes.bio = v),
        );
        check(
            ProfileField::Expertise,
            optional_text(self.expertise, MAX_EXPERTISE).map(|v| changes.expertise = v),
        );
        check(
            ProfileField::Interests,
            interests(self.interests).map(|v| changes.interests = v),
        );
        check(
            ProfileField::BirthDate,
            birth_date(self.birth_date, today).map(|v| changes.birth_date = v),
        );
        check(
            ProfileField::AvailabilityStatus,
            availability(self.availability_status).map(|v| changes.availability_status = v),
        );
        check(
            ProfileField::MinutePrice,
            minute_price(self.minute_price).map(|v| changes.minute_price = v),
        );
        for (network, patch) in self.socials {
            check(
                ProfileField::Social(network),
                social(network, patch).map(|v| *changes.socials.get_mut(network) = v),
            );
        }
        check(
            ProfileField::IsPrivate,
            match self.is_private {
                Patch::Keep => Ok(()),
                Patch::Clear => Err(FieldProblem::Required),
                Patch::Set(value) => {
                    changes.is_private = Some(value);
                    Ok(())
                }
            },
        );
        check(
            ProfileField::ProfilePhotoId,
            photo(self.profile_photo_id).map(|v| changes.profile_photo = v),
        );

        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

fn clean(text: &str, max: usize) -> Result<String, FieldProblem> {
    let text = text.replace("\r\n", "\n");
    let trimmed = text.trim();
    if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldProblem::ControlCharacter);
    }
    if trimmed.chars().count() > max {
        return Err(FieldProblem::TooLong(max));
    }
    Ok(trimmed.to_owned())
}

fn required_text(patch: Patch<String>, max: usize) -> Result<Option<String>, FieldProblem> {
    match patch {
        Patch::Keep => Ok(None),
        Patch::Clear => Err(FieldProblem::Required),
        Patch::Set(text) => {
            let text = clean(&text, max)?;
            if text.is_empty() {
                return Err(FieldProblem::TooShort(1));
            }
            if text.contains('\n') {
                return Err(FieldProblem::ControlCharacter);
            }
            Ok(Some(text))
        }
    }
}

fn optional_text(patch: Patch<String>, max: usize) -> Result<Option<Option<String>>, FieldProblem> {
    match patch {
        Patch::Keep => Ok(None),
        Patch::Clear => Ok(Some(None)),
        Patch::Set(text) => {
            let text = clean(&text, max)?;
            Ok(Some(if text.is_empty() { None } else { Some(text) }))
        }
    }
}

fn interests(patch: Patch<Vec<String>>) -> Result<Option<Vec<String>>, FieldProblem> {
    let items = match patch {
        Patch::Keep => return Ok(None),
        Patch::Clear => return Ok(Some(Vec::new())),
        Patch::Set(items) => items,
    };
    if items.len() > MAX_INTERESTS {
        return Err(FieldProblem::TooMany(MAX_INTERESTS));
    }
    let mut seen: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let item = clean(&item, MAX_INTEREST)?;
        if item.is_empty() {
            return Err(FieldProblem::TooShort(1));
        }
        if item.contains('\n') {
            return Err(FieldProblem::ControlCharacter);
        }
        if seen
            .iter()
            .any(|other| other.to_lowercase() == item.to_lowercase())
        {
            return Err(FieldProblem::Duplicate(item));
        }
        seen.push(item);
    }
    Ok(Some(seen))
}

fn birth_date(patch: Patch<String>, today: Date) -> Result<Option<Date>, FieldProblem> {
    let text = match patch {
        Patch::Keep => return Ok(None),
        Patch::Clear => return Err(FieldProblem::Required),
        Patch::Set(text) => text,
    };
    let date = parse_date(text.trim()).ok_or(FieldProblem::InvalidDate)?;
    if date.year() < 1900 {
        return Err(FieldProblem::TooLongAgo);
    }
    // A date after today gives an age of 0, so this refuses it too.
    if age_on(date, today) < MIN_AGE {
        return Err(FieldProblem::Underage(MIN_AGE));
    }
    Ok(Some(date))
}

/// Parses a strict `YYYY-MM-DD` calendar date.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

fn availability(patch: Patch<String>) -> Result<Option<AvailabilityStatus>, FieldProblem> {
    const NAMES: &[&str] = &["available", "busy", "away", "offline"];
    match patch {
        Patch::Keep => Ok(None),
        Patch::Clear => Err(FieldProblem::Required),
        Patch::Set(name) => AvailabilityStatus::parse(&name)
            .map(Some)
            .ok_or(FieldProblem::NotOneOf(NAMES)),
    }
}

fn minute_price(patch: Patch<i64>) -> Result<Option<u32>, FieldProblem> {
    match patch {
        Patch::Keep => Ok(None),
        Patch::Clear => Err(FieldProblem::Required),
        Patch::Set(price) if (0..=MAX_MINUTE_PRICE).contains(&price) => {
            Ok(u32::try_from(price).ok())
        }
        Patch::Set(_) => Err(FieldProblem::OutOfRange {
            min: 0,
            max: MAX_MINUTE_PRICE,
        }),
    }
}

fn photo(patch: Patch<String>) -> Result<Option<Option<PhotoId>>, FieldProblem> {
    match patch {
        Patch::Keep => Ok(None),
        Patch::Clear => Ok(Some(None)),
        Patch::Set(id) => PhotoId::parse(id.trim())
            .map(|id| Some(Some(id)))
            .map_err(|_| FieldProblem::InvalidId),
    }
}

fn social(network: Network, patch: Patch<String>) -> Result<Option<Option<String>>, FieldProblem> {
    match patch {
        Patch::Keep => Ok(None),
        Patch::Clear => Ok(Some(None)),
        Patch::Set(raw) if raw.trim().is_empty() => Ok(Some(None)),
        Patch::Set(raw) => normalize_handle(network, &raw).map(|handle| Some(Some(handle))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn only(request: ProfileUpdateRequest) -> FieldError {
        let mut errors = request.validate(TODAY).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.remove(0)
    }

    #[test]
    fn an_empty_request_changes_nothing() {
        assert!(
            ProfileUpdateRequest::default()
                .validate(TODAY)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn names_are_trimmed_and_must_keep_one_to_fifty_characters() {
        let mut request = ProfileUpdateRequest {
            name: Patch::Set("  Şükrü  ".into()),
            ..Default::default()
        };
        assert_eq!(
            request.clone().validate(TODAY).unwrap().name.as_deref(),
            Some("Şükrü")
        );
        request.name = Patch::Set("   ".into());
        assert_eq!(only(request.clone()).problem, FieldProblem::TooShort(1));
        request.name = Patch::Set("ç".repeat(50));
        assert!(request.clone().validate(TODAY).is_ok());
        request.name = Patch::Set("ç".repeat(51));
        assert_eq!(only(request).problem, FieldProblem::TooLong(50));
    }

    #[test]
    fn a_name_cannot_be_cleared_but_a_bio_can() {
        let request = ProfileUpdateRequest {
            name: Patch::Clear,
            bio: Patch::Clear,
            ..Default::default()
        };
        let errors = request.validate(TODAY).unwrap_err();
        assert_eq!(
            errors,
            [FieldError {
                field: ProfileField::Name,
                problem: FieldProblem::Required
            }]
        );
        let request = ProfileUpdateRequest {
            bio: Patch::Clear,
            ..Default::default()
        };
        assert_eq!(request.validate(TODAY).unwrap().bio, Some(None));
    }

    #[test]
    fn a_bio_counts_unicode_characters_up_to_five_hundred() {
        let ok = ProfileUpdateRequest {
            bio: Patch::Set("ğ".repeat(500)),
            ..Default::default()
        };
        assert!(ok.validate(TODAY).is_ok());
        let long = ProfileUpdateRequest {
            bio: Patch::Set("ğ".repeat(501)),
            ..Default::default()
        };
        assert_eq!(only(long).problem, FieldProblem::TooLong(500));
    }

    #[test]
    fn control_characters_are_refused() {
        let request = ProfileUpdateRequest {
            surname: Patch::Set("Do\u{0}e".into()),
            ..Default::default()
        };
        assert_eq!(only(request).problem, FieldProblem::ControlCharacter);
    }

    #[test]
    fn at_most_ten_interests_without_duplicates_ignoring_case() {
        let ten: Vec<String> = (0..10).map(|i| format!("topic{i}")).collect();
        assert!(
            ProfileUpdateRequest {
                interests: Patch::Set(ten.clone()),
                ..Default::default()
            }
            .validate(TODAY)
            .is_ok()
        );
        let mut eleven = ten;
        eleven.push("one more".into());
        assert_eq!(
            only(ProfileUpdateRequest {
                interests: Patch::Set(eleven),
                ..Default::default()
            })
            .problem,
            FieldProblem::TooMany(10)
        );
        let dupes = vec!["Music".to_owned(), "music".to_owned()];
        assert_eq!(
            only(ProfileUpdateRequest {
                interests: Patch::Set(dupes),
                ..Default::default()
            })
            .problem,
            FieldProblem::Duplicate("music".into())
        );
    }

    #[test]
    fn eighteen_today_is_old_enough_and_a_day_less_is_not() {
        let on = |date: &str| {
            ProfileUpdateRequest {
                birth_date: Patch::Set(date.into()),
                ..Default::default()
            }
            .validate(TODAY)
        };
        assert_eq!(
            on("2008-11-23").unwrap().birth_date,
            Some(date!(2008 - 11 - 23))
        );
        assert_eq!(
            on("2008-11-24").unwrap_err()[0].problem,
            FieldProblem::Underage(18)
        );
        assert_eq!(
            on("2030-01-01").unwrap_err()[0].problem,
            FieldProblem::Underage(18)
        );
        assert_eq!(
            on("1899-12-31").unwrap_err()[0].problem,
            FieldProblem::TooLongAgo
        );
    }

    #[test]
    fn the_first_of_january_1900_is_the_earliest_birth_date() {
        let request = ProfileUpdateRequest {
            birth_date: Patch::Set("1900-01-01".into()),
            ..Default::default()
        };
        assert_eq!(
            request.validate(TODAY).unwrap().birth_date,
            Some(date!(1900 - 01 - 01))
        );
    }

    #[test]
    fn a_date_is_exactly_ten_characters_with_dashes_at_the_fifth_and_eighth() {
        assert_eq!(parse_date("2001-01-31"), Some(date!(2001 - 01 - 31)));
        for text in [
            "2001-01-011",
            "2001-01-3",
            "2001+01-01",
            "2001-01+01",
            "2001-0101",
            "20010-1-01",
            "2001-+1-01",
            " 2001-01-01",
        ] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
    }

    #[test]
    fn impossible_or_sloppy_dates_are_invalid() {
        for text in [
            "2001-02-29",
            "2001-13-01",
            "2001-1-01",
            "01-01-2001",
            "2001/01/01",
            "",
            "２００１-01-01",
        ] {
            let request = ProfileUpdateRequest {
                birth_date: Patch::Set(text.into()),
                ..Default::default()
            };
            assert_eq!(only(request).problem, FieldProblem::InvalidDate, "{text}");
        }
    }

    #[test]
    fn the_minute_price_is_a_bounded_non_negative_integer() {
        let price = |p| {
            ProfileUpdateRequest {
                minute_price: Patch::Set(p),
                ..Default::default()
            }
            .validate(TODAY)
        };
        assert_eq!(price(0).unwrap().minute_price, Some(0));
        assert_eq!(price(100_000).unwrap().minute_price, Some(100_000));
        assert!(price(-1).is_err());
        assert!(price(100_001).is_err());
    }

    #[test]
    fn availability_comes_from_the_documented_enum() {
        let status = |s: &str| {
            ProfileUpdateRequest {
                availability_status: Patch::Set(s.into()),
                ..Default::default()
            }
            .validate(TODAY)
        };
        assert_eq!(
            status("busy").unwrap().availability_status,
            Some(AvailabilityStatus::Busy)
        );
        assert!(matches!(
            status("sleeping").unwrap_err()[0].problem,
            FieldProblem::NotOneOf(_)
        ));
    }

    #[test]
    fn windows_line_breaks_in_a_bio_are_accepted() {
        let request = ProfileUpdateRequest {
            bio: Patch::Set("line one\r\nline two".into()),
            ..Default::default()
        };
        assert_eq!(
            request.validate(TODAY).unwrap().bio,
            Some(Some("line one\nline two".into()))
        );
    }

    #[test]
    fn an_empty_handle_clears_it() {
        let request = ProfileUpdateRequest {
            socials: Socials {
                instagram: Patch::Set("  ".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            request.validate(TODAY).unwrap().socials.instagram,
            Some(None)
        );
    }

    #[test]
    fn any_validated_field_makes_a_non_empty_change() {
        let changes = ProfileUpdateRequest {
            socials: Socials {
                facebook: Patch::Clear,
                ..Default::default()
            },
            ..Default::default()
        }
        .validate(TODAY)
        .unwrap();
        assert!(!changes.is_empty());
        assert_eq!(changes.socials.facebook, Some(None));
    }

    #[test]
    fn each_handle_is_checked_against_its_own_network_and_reported_under_its_name() {
        let request = ProfileUpdateRequest {
            socials: Socials {
                instagram: Patch::Set("@ada.l".into()),
                snapchat: Patch::Set("1bad".into()),
                x: Patch::Set("x.com/ada_l".into()),
                tiktok: Patch::Keep,
                facebook: Patch::Set("https://www.instagram.com/ada.lovelace".into()),
            },
            ..Default::default()
        };
        assert_eq!(
            request.clone().validate(TODAY).unwrap_err(),
            [
                FieldError {
                    field: ProfileField::Social(Network::Snapchat),
                    problem: FieldProblem::InvalidHandle(Network::Snapchat)
                },
                FieldError {
                    field: ProfileField::Social(Network::Facebook),
                    problem: FieldProblem::NotThisNetwork(Network::Facebook)
                },
            ]
        );
        let fixed = ProfileUpdateRequest {
            socials: Socials {
                snapchat: Patch::Clear,
                facebook: Patch::Set("ada.lovelace".into()),
                ..request.socials
            },
            ..Default::default()
        };
        assert_eq!(
            fixed.validate(TODAY).unwrap().socials,
            Socials {
                instagram: Some(Some("ada.l".into())),
                snapchat: Some(None),
                x: Some(Some("ada_l".into())),
                tiktok: None,
                facebook: Some(Some("ada.lovelace".into())),
            }
        );
    }

    #[test]
    fn every_failure_is_reported_at_once() {
        let request = ProfileUpdateRequest {
            name: Patch::Clear,
            minute_price: Patch::Set(-5),
            profile_photo_id: Patch::Set("nope".into()),
            ..Default::default()
        };
        let fields: Vec<_> = request
            .validate(TODAY)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                ProfileField::Name,
                ProfileField::MinutePrice,
                ProfileField::ProfilePhotoId
            ]
        );
    }
}
