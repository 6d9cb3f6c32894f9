//! Query strings: the vocabulary every strict query parser shares. A
//! parameter outside the documented ones, a repeated one, and every bad value
//! is a [`ParamProblem`] naming the parameter; the routes' parsers collect
//! them into [`ParamProblems`], answered as one 400.

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
    /// Given more than once.
    Repeated,
    /// Not a parameter of this endpoint.
    Unknown,
    /// `limit` of a search outside 1 to 50.
    SearchLimitOutOfRange,
    /// `query` longer than 100 characters.
    QueryTooLong,
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
