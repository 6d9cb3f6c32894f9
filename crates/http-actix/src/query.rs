//! Query strings: the history filters, parsed strictly. Every parameter
//! outside the documented ones, and every bad value, is 400 naming it.

use allmine_domain::StreamId;
use allmine_domain::history::{HistoryFilter, TransactionType};
use allmine_domain::paging::{MAX_LIMIT, PageRequest};
use allmine_domain::profiles::parse_date;

use crate::context::TimeZone;
use crate::error::{ApiError, Detail, ErrorCode};

/// Records per page when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 20;

/// The highest `page` of the history and the search (the document's `int32`
/// maximum); a higher one is 400, never wrapped or clamped.
pub const MAX_PAGE: u32 = i32::MAX as u32;

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

/// The history's filters and page from the query pairs; dates are read in `zone`.
pub fn history(
    pairs: &[(String, String)],
    zone: TimeZone,
) -> Result<(HistoryFilter, PageRequest), ApiError> {
    let mut details = Vec::new();
    let mut problem = |name: &str, problem: ParamProblem| {
        details.push(Detail::InvalidParameter {
            name: name.to_owned(),
            problem,
        });
    };
    let mut seen: Vec<&str> = Vec::new();
    let (mut page, mut limit) = (1u32, DEFAULT_LIMIT);
    let (mut start, mut end, mut stream) = (None, None, None);
    let mut types: Vec<TransactionType> = Vec::new();
    for (name, value) in pairs {
        let name = name.as_str();
        if name != "type" {
            if seen.contains(&name) {
                problem(name, ParamProblem::Repeated);
                continue;
            }
            seen.push(name);
        }
        let value = value.trim();
        match name {
            "page" => match read_page(value) {
                Ok(n) => page = n,
                Err(why) => problem(name, why),
            },
            "limit" => match read_limit(value, MAX_LIMIT, ParamProblem::LimitOutOfRange) {
                Ok(n) => limit = n,
                Err(why) => problem(name, why),
            },
            "type" => {
                for part in value.split(',').map(str::trim) {
                    match TransactionType::parse(part) {
                        Some(kind) if !types.contains(&kind) => types.push(kind),
                        Some(_) => {}
                        None => problem(name, ParamProblem::UnknownType(part.to_owned())),
                    }
                }
            }
            "startDate" => match parse_date(value) {
                Some(date) => start = Some(date),
                None => problem(name, ParamProblem::InvalidDate),
            },
            "endDate" => match parse_date(value) {
                Some(date) => end = Some(date),
                None => problem(name, ParamProblem::InvalidDate),
            },
            "streamId" => match StreamId::parse(value) {
                Ok(id) => stream = Some(id),
                Err(_) => problem(name, ParamProblem::InvalidId),
            },
            other => problem(other, ParamProblem::Unknown),
        }
    }
    let page = PageRequest::new(page, limit).ok();
    let filter = HistoryFilter::for_days(types, start, end, zone.offset(), stream)
        .map_err(|_| problem("startDate", ParamProblem::StartAfterEnd))
        .ok();
    match (filter, page) {
        (Some(filter), Some(page)) if details.is_empty() => Ok((filter, page)),
        _ => Err(ApiError::with_all(ErrorCode::ValidationFailed, details)),
    }
}

/// Results per page when `limit` is absent.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;

/// The search's text and page from the query pairs.
pub fn search(
    pairs: &[(String, String)],
) -> Result<(allmine_domain::search::SearchText, PageRequest), ApiError> {
    use allmine_domain::search::{MAX_SEARCH_LIMIT, SearchText};
    let mut details = Vec::new();
    let mut problem = |name: &str, problem: ParamProblem| {
        details.push(Detail::InvalidParameter {
            name: name.to_owned(),
            problem,
        });
    };
    let mut seen: Vec<&str> = Vec::new();
    let (mut page, mut limit, mut text) = (1u32, DEFAULT_SEARCH_LIMIT, None);
    for (name, value) in pairs {
        let name = name.as_str();
        if seen.contains(&name) {
            problem(name, ParamProblem::Repeated);
            continue;
        }
        seen.push(name);
        match name {
            "query" => match SearchText::new(value) {
                Ok(query) => text = Some(query),
                Err(_) => problem(name, ParamProblem::QueryTooLong),
            },
            "page" => match read_page(value) {
                Ok(n) => page = n,
                Err(why) => problem(name, why),
            },
            "limit" => {
                match read_limit(value, MAX_SEARCH_LIMIT, ParamProblem::SearchLimitOutOfRange) {
                    Ok(n) => limit = n,
                    Err(why) => problem(name, why),
                }
            }
            other => problem(other, ParamProblem::Unknown),
        }
    }
    let text = match text {
        Some(text) => text,
        None => SearchText::new("").map_err(|_| ApiError::new(ErrorCode::InternalError))?,
    };
    match PageRequest::new(page, limit) {
        Ok(page) if details.is_empty() => Ok((text, page)),
        _ => Err(ApiError::with_all(ErrorCode::ValidationFailed, details)),
    }
}

/// A `page`: a whole number from 1 to [`MAX_PAGE`]; any run of digits is a
/// whole number, however long, so `99999999999999999999` is out of range.
fn read_page(value: &str) -> Result<u32, ParamProblem> {
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
fn read_limit(value: &str, max: u32, out_of_range: ParamProblem) -> Result<u32, ParamProblem> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn problems(query: &[(&str, &str)]) -> Vec<Detail> {
        history(&pairs(query), TimeZone::default())
            .unwrap_err()
            .details()
            .to_vec()
    }

    #[test]
    fn defaults_are_page_one_of_twenty_without_filters() {
        let (filter, page) = history(&[], TimeZone::default()).unwrap();
        assert_eq!((page.page(), page.limit()), (1, 20));
        assert_eq!(filter, HistoryFilter::default());
    }

    #[test]
    fn types_come_comma_separated_or_repeated() {
        let (filter, _) = history(
            &pairs(&[("type", "purchase,gift_sent"), ("type", "refund")]),
            TimeZone::default(),
        )
        .unwrap();
        assert_eq!(
            filter.types,
            [
                TransactionType::Purchase,
                TransactionType::GiftSent,
                TransactionType::Refund
            ]
        );
    }

    #[test]
    fn search_takes_query_page_and_a_limit_up_to_fifty() {
        let (text, page) = search(&pairs(&[("query", " ayşe "), ("limit", "50")])).unwrap();
        assert_eq!((text.as_str(), page.page(), page.limit()), ("ayşe", 1, 50));
        let (text, page) = search(&[]).unwrap();
        assert!(text.is_blank());
        assert_eq!(page.limit(), DEFAULT_SEARCH_LIMIT);
        let bad = |query: &[(&str, &str)]| search(&pairs(query)).unwrap_err().details().to_vec();
        let named = |name: &str, problem: ParamProblem| Detail::InvalidParameter {
            name: name.into(),
            problem,
        };
        assert_eq!(
            bad(&[("limit", "51")]),
            [named("limit", ParamProblem::SearchLimitOutOfRange)]
        );
        assert_eq!(
            bad(&[("limit", "-1")]),
            [named("limit", ParamProblem::SearchLimitOutOfRange)]
        );
        assert_eq!(
            bad(&[("page", "0")]),
            [named("page", ParamProblem::PageBelowOne)]
        );
        assert_eq!(
            bad(&[("query", &"x".repeat(101))]),
            [named("query", ParamProblem::QueryTooLong)]
        );
        assert!(search(&pairs(&[("query", &"ş".repeat(100))])).is_ok());
        assert_eq!(bad(&[("q", "x")]), [named("q", ParamProblem::Unknown)]);
    }

    #[test]
    fn each_bad_parameter_is_named() {
        let bad = |name: &str, problem: ParamProblem| Detail::InvalidParameter {
            name: name.into(),
            problem,
        };
        assert_eq!(
            problems(&[("page", "0")]),
            [bad("page", ParamProblem::PageBelowOne)]
        );
        assert_eq!(
            problems(&[("page", "-3")]),
            [bad("page", ParamProblem::PageBelowOne)]
        );
        assert_eq!(
            problems(&[("page", "99999999999999999999")]),
            [bad("page", ParamProblem::PageOutOfRange)]
        );
        assert_eq!(
            problems(&[("page", "2147483648")]),
            [bad("page", ParamProblem::PageOutOfRange)]
        );
        assert!(history(&pairs(&[("page", "2147483647")]), TimeZone::default()).is_ok());
        assert_eq!(
            problems(&[("page", "x")]),
            [bad("page", ParamProblem::NotAnInteger)]
        );
        assert_eq!(
            problems(&[("limit", "101")]),
            [bad("limit", ParamProblem::LimitOutOfRange)]
        );
        assert_eq!(
            problems(&[("limit", "0")]),
            [bad("limit", ParamProblem::LimitOutOfRange)]
        );
        assert_eq!(
            problems(&[("limit", "99999999999")]),
            [bad("limit", ParamProblem::LimitOutOfRange)]
        );
        assert_eq!(
            problems(&[("type", "bribe")]),
            [bad("type", ParamProblem::UnknownType("bribe".into()))]
        );
        assert_eq!(
            problems(&[("startDate", "2026-02-30")]),
            [bad("startDate", ParamProblem::InvalidDate)]
        );
        assert_eq!(
            problems(&[("streamId", "abc")]),
            [bad("streamId", ParamProblem::InvalidId)]
        );
        assert_eq!(
            problems(&[("sort", "asc")]),
            [bad("sort", ParamProblem::Unknown)]
        );
        assert_eq!(
            problems(&[("page", "1"), ("page", "2")]),
            [bad("page", ParamProblem::Repeated)]
        );
        assert_eq!(
            problems(&[("startDate", "2026-05-02"), ("endDate", "2026-05-01")]),
            [bad("startDate", ParamProblem::StartAfterEnd)]
        );
    }
}
