//! Query strings: the vocabulary every strict query parser shares. A
//! parameter outside the documented ones, a repeated one, and every bad value
//! is a [`ParamProblem`] naming the parameter; the routes' parsers collect
//! them into [`ParamProblems`], answered as one 400.

use std::collections::HashSet;

use allmine_domain::profiles::{Batch, MAX_BATCH};
use allmine_domain::{IdError, UserId, Username, UsernameError};

/// The highest `page` of the history and the search (the document's `int32`
/// maximum); a higher one is 400, never wrapped or clamped.
pub const MAX_PAGE: u32 = i32::MAX as u32;

/// Items per page when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 20;

/// What is wrong with a query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamProblem {
    /// Not a whole number.
    NotAnInteger,
    /// `page` below 1.
    PageBelowOne,
    /// `page` above [`MAX_PAGE`].
    PageOutOfRange,
    /// `limit` outside 1 to 100.
    LimitOutOfRange,
    /// A `type` that does not exist.
    UnknownType(String),
    /// Not a `YYYY-MM-DD` date.
    InvalidDate,
    /// `startDate` after `endDate`.
    StartAfterEnd,
    /// Not a 24-character id.
    InvalidId,
    /// Not a cursor this history handed out: malformed, or another user's.
    NotACursor,
    /// Given more than once.
    Repeated,
    /// Not a parameter of this endpoint.
    Unknown,
    /// `limit` of a search outside 1 to 50.
    SearchLimitOutOfRange,
    /// `query` longer than 100 characters.
    QueryTooLong,
    /// A list naming no value, or more than [`MAX_BATCH`] values.
    ListSizeOutOfRange,
    /// A value of a list that is not an id (the value, trimmed).
    InvalidIdValue {
        /// The value.
        value: String,
        /// Why it is not an id.
        reason: IdError,
    },
    /// A value of a list that is not a username (the value, trimmed).
    InvalidUsernameValue {
        /// The value.
        value: String,
        /// Why it is not a username.
        reason: UsernameError,
    },
    /// Given together with the named parameter; only one of the two may be.
    ExcludedBy(&'static str),
    /// Absent, and so is the named alternative; one of the two is required.
    RequiredWithout(&'static str),
}

/// The problems found in one query string, in the order met.
#[derive(Debug, Default)]
pub struct ParamProblems(Vec<(String, ParamProblem)>);

impl ParamProblems {
    /// Notes that parameter `name` has `problem`.
    pub fn add(&mut self, name: &str, problem: ParamProblem) {
        self.0.push((name.to_owned(), problem));
    }

    /// The value of `read`, or `None` after noting its problem under `name`.
    pub fn check<T>(&mut self, name: &str, read: Result<T, ParamProblem>) -> Option<T> {
        read.map_err(|problem| self.add(name, problem)).ok()
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for ParamProblems {
    type Item = (String, ParamProblem);
    type IntoIter = std::vec::IntoIter<(String, ParamProblem)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Hands each pair to `read` once per name: a name given again is noted as
/// [`ParamProblem::Repeated`] (unless it is in `repeatable`) and skipped.
pub fn read_each<'a>(
    pairs: &'a [(String, String)],
    repeatable: &[&str],
    mut read: impl FnMut(&'a str, &'a str, &mut ParamProblems),
) -> ParamProblems {
    let mut problems = ParamProblems::default();
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        let name = name.as_str();
        if !repeatable.contains(&name) {
            if seen.contains(&name) {
                problems.add(name, ParamProblem::Repeated);
                continue;
            }
            seen.push(name);
        }
        read(name, value, &mut problems);
    }
    problems
}

/// A `page`: a whole number from 1 to [`MAX_PAGE`]; any run of digits is a
/// whole number, however long, so `99999999999999999999` is out of range.
pub fn read_page(value: &str) -> Result<u32, ParamProblem> {
    match value.trim().parse::<u32>() {
        Ok(0) => Err(ParamProblem::PageBelowOne),
        Ok(n) if n <= MAX_PAGE => Ok(n),
        Ok(_) => Err(ParamProblem::PageOutOfRange),
        Err(_) if is_negative_integer(value) => Err(ParamProblem::PageBelowOne),
        Err(_) if is_integer(value) => Err(ParamProblem::PageOutOfRange),
        Err(_) => Err(ParamProblem::NotAnInteger),
    }
}

/// A page size from 1 to `max`; any other whole number is `out_of_range`.
pub fn read_limit(value: &str, max: u32, out_of_range: ParamProblem) -> Result<u32, ParamProblem> {
    match value.trim().parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        Ok(_) => Err(out_of_range),
        Err(_) if is_negative_integer(value) || is_integer(value) => Err(out_of_range),
        Err(_) => Err(ParamProblem::NotAnInteger),
    }
}

/// The values of a comma-separated list of 1 to [`MAX_BATCH`] values (or
/// [`ParamProblem::ListSizeOutOfRange`]), trimmed, each distinct one once (as
/// `identity` tells them apart) in the order first given. The bound counts
/// every value given, as the document's `maxItems` does. A blank list has no
/// value; a blank value between commas is a value (and malformed).
fn read_list<D: Eq + std::hash::Hash>(
    value: &str,
    identity: impl Fn(&str) -> D,
) -> Result<Vec<&str>, ParamProblem> {
    if value.trim().is_empty() {
        return Err(ParamProblem::ListSizeOutOfRange);
    }
    if value.split(',').nth(MAX_BATCH).is_some() {
        return Err(ParamProblem::ListSizeOutOfRange);
    }
    let mut seen = HashSet::new();
    Ok(value
        .split(',')
        .map(str::trim)
        .filter(|value| seen.insert(identity(value)))
        .collect())
}

/// A comma-separated list of 1 to [`MAX_BATCH`] user ids (`ids`): its
/// distinct ids, in the order first given. Every problem is noted under `name`:
/// the list's size, or each malformed value (checked only in a list of the
/// right size, so the answer stays short).
pub fn read_user_ids(
    name: &str,
    value: &str,
    problems: &mut ParamProblems,
) -> Option<Batch<UserId>> {
    let ids = read_batch(name, value, problems, str::to_owned, |value| {
        UserId::parse(value).map_err(|reason| ParamProblem::InvalidIdValue {
            value: value.to_owned(),
            reason,
        })
    })?;
    problems.check(
        name,
        Batch::of_ids(ids).map_err(|_| ParamProblem::ListSizeOutOfRange),
    )
}

/// A comma-separated list of 1 to [`MAX_BATCH`] usernames (`usernames`), any
/// case: its distinct names (names that differ only in case are one), in the
/// order first given, spelt as first given. Problems as [`read_user_ids`].
pub fn read_usernames(
    name: &str,
    value: &str,
    problems: &mut ParamProblems,
) -> Option<Batch<Username>> {
    let names = read_batch(name, value, problems, str::to_ascii_lowercase, |value| {
        Username::existing(value).map_err(|reason| ParamProblem::InvalidUsernameValue {
            value: value.to_owned(),
            reason,
        })
    })?;
    problems.check(
        name,
        Batch::of_usernames(names).map_err(|_| ParamProblem::ListSizeOutOfRange),
    )
}

fn read_batch<T, D: Eq + std::hash::Hash>(
    name: &str,
    value: &str,
    problems: &mut ParamProblems,
    identity: impl Fn(&str) -> D,
    parse: impl Fn(&str) -> Result<T, ParamProblem>,
) -> Option<Vec<T>> {
    let values = problems.check(name, read_list(value, identity))?;
    let before = problems.0.len();
    let parsed: Vec<T> = values
        .into_iter()
        .filter_map(|value| problems.check(name, parse(value)))
        .collect();
    (problems.0.len() == before).then_some(parsed)
}

fn is_integer(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

fn is_negative_integer(value: &str) -> bool {
    value.trim().strip_prefix('-').is_some_and(is_integer)
}

/// Query pairs for tests.
#[cfg(test)]
pub(crate) fn test_pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
    query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(value: &str) -> Result<Vec<String>, Vec<(String, ParamProblem)>> {
        let mut problems = ParamProblems::default();
        match read_user_ids("ids", value, &mut problems) {
            Some(batch) if problems.is_empty() => {
                Ok(batch.keys().iter().map(UserId::to_string).collect())
            }
            _ => Err(problems.into_iter().collect()),
        }
    }

    const A: &str = "507f1f77bcf86cd799439011";
    const B: &str = "507f1f77bcf86cd799439021";

    #[test]
    fn an_id_list_is_trimmed_and_keeps_the_first_of_each_id_in_order() {
        assert_eq!(ids(&format!(" {B} ,{A},{B}")).unwrap(), [B, A]);
    }

    #[test]
    fn an_id_list_names_one_to_a_hundred_ids_each_distinct_one_kept_once() {
        let size = |value: &str| ids(value).unwrap_err();
        let problem = vec![("ids".to_owned(), ParamProblem::ListSizeOutOfRange)];
        assert_eq!(size(""), problem);
        assert_eq!(size(" "), problem);
        let list = |n: usize| {
            (0..n)
                .map(|i| format!("{i:024x}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(ids(&list(100)).unwrap().len(), 100);
        assert_eq!(size(&list(101)), problem);
        // 101 values are too many, even when only 100 are distinct.
        assert_eq!(size(&format!("{},{}", list(100), list(1))), problem);
        // A value given twice is kept once, in its first place.
        assert_eq!(ids(&format!("{},{}", list(3), list(2))).unwrap().len(), 3);
        // A list too long is reported once, not value by value.
        let malformed: Vec<String> = (0..101).map(|i| i.to_string()).collect();
        assert_eq!(size(&malformed.join(",")), problem);
    }

    #[test]
    fn every_malformed_id_is_named_once() {
        let problems = ids(&format!("{A},12345,{},12345,", A.to_uppercase())).unwrap_err();
        let values: Vec<(String, String)> = problems
            .into_iter()
            .map(|(name, problem)| match problem {
                ParamProblem::InvalidIdValue { value, .. } => (name, value),
                other => panic!("{other:?}"),
            })
            .collect();
        let named = |value: &str| ("ids".to_owned(), value.to_owned());
        assert_eq!(
            values,
            [named("12345"), named(&A.to_uppercase()), named("")]
        );
    }

    #[test]
    fn usernames_are_one_name_in_any_case_spelt_as_first_given() {
        let mut problems = ParamProblems::default();
        let batch = read_usernames(
            "usernames",
            "JohnDoe123, private_jane ,johndoe123",
            &mut problems,
        )
        .unwrap();
        let names: Vec<&str> = batch.keys().iter().map(Username::as_str).collect();
        assert_eq!(names, ["JohnDoe123", "private_jane"]);
        assert!(problems.is_empty());

        let mut problems = ParamProblems::default();
        assert!(read_usernames("usernames", "ok_name,no spaces,jo", &mut problems).is_none());
        let reasons: Vec<ParamProblem> = problems.into_iter().map(|(_, p)| p).collect();
        assert_eq!(
            reasons,
            [
                ParamProblem::InvalidUsernameValue {
                    value: "no spaces".into(),
                    reason: UsernameError::InvalidCharacter(' ')
                },
                ParamProblem::InvalidUsernameValue {
                    value: "jo".into(),
                    reason: UsernameError::TooShort
                },
            ]
        );
    }
}
