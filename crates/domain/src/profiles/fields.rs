//! What a profile update reports: which [`ProfileField`] failed and the [`FieldProblem`]
//! with it. Below the rules that produce them ([`super::update`], [`super::social`]).

use super::model::Network;

/// The fields a profile update may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileField {
    /// `name`
    Name,
    /// `surname`
    Surname,
    /// `bio`
    Bio,
    /// `interests`
    Interests,
    /// `expertise`
    Expertise,
    /// `birthDate`
    BirthDate,
    /// `availabilityStatus`
    AvailabilityStatus,
    /// `minutePriceInLiveStream`
    MinutePrice,
    /// A social network handle.
    Social(Network),
    /// `isPrivate`
    IsPrivate,
    /// `profilePhotoId`
    ProfilePhotoId,
}

/// What is wrong with a field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    /// `null` was sent for a field that cannot be empty.
    Required,
    /// The value has the wrong JSON type; names the expected one.
    WrongType(&'static str),
    /// Shorter than the minimum, in characters.
    TooShort(usize),
    /// Longer than the maximum, in characters.
    TooLong(usize),
    /// Holds a control character.
    ControlCharacter,
    /// More items than allowed.
    TooMany(usize),
    /// An item appears twice (ignoring case).
    Duplicate(String),
    /// Not a `YYYY-MM-DD` calendar date.
    InvalidDate,
    /// A birth date that makes the user younger than the minimum age.
    Underage(u32),
    /// A birth date before 1900.
    TooLongAgo,
    /// A number outside the allowed range.
    OutOfRange {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// Not one of the allowed values.
    NotOneOf(&'static [&'static str]),
    /// Not a valid handle for this network.
    InvalidHandle(Network),
    /// A URL of another site was pasted.
    NotThisNetwork(Network),
    /// Not a well-formed id.
    InvalidId,
    /// The photo does not exist or belongs to someone else.
    NotYourPhoto,
}

/// A field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: ProfileField,
    /// The problem.
    pub problem: FieldProblem,
}
