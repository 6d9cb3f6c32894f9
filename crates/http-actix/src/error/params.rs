//! Query-string problems: their words in both languages, and a list of
//! problems as the one 400 answer that names each parameter.

use actix_web::error::{PathError, QueryPayloadError};

use allmine_domain::IdError;

use crate::i18n::Language;
use crate::query::{MAX_PAGE, ParamProblem, ParamProblems};
use crate::strict_json::echo;

use super::messages::{id_reason_en, id_reason_tr, username_reason_tr};
use super::{ApiError, Detail, ErrorCode};

impl From<ParamProblems> for ApiError {
    fn from(problems: ParamProblems) -> Self {
        let details = problems
            .into_iter()
            .map(|(name, problem)| Detail::InvalidParameter { name, problem })
            .collect();
        ApiError::with_all(ErrorCode::ValidationFailed, details)
    }
}

/// A query string the framework could not split into pairs.
impl From<QueryPayloadError> for ApiError {
    fn from(error: QueryPayloadError) -> Self {
        ApiError::validation(Detail::InvalidQuery(error.to_string()))
    }
}

/// A path segment the framework could not read.
impl From<PathError> for ApiError {
    fn from(error: PathError) -> Self {
        ApiError::validation(Detail::InvalidQuery(error.to_string()))
    }
}

impl ParamProblem {
    /// What is wrong, in `language`.
    pub fn message(&self, language: Language) -> String {
        param_problem(self, language)
    }
}

fn param_problem(problem: &ParamProblem, language: Language) -> String {
    use Language::{En, Tr};
    use ParamProblem as P;
    let types = || {
        allmine_domain::history::TransactionType::ALL
            .map(|t| t.as_str())
            .join(", ")
    };
    match (problem, language) {
        (P::NotAnInteger, En) => "must be a whole number".into(),
        (P::NotAnInteger, Tr) => "bir tam sayı olmalıdır".into(),
        (P::PageBelowOne, En) => "starts at 1".into(),
        (P::PageBelowOne, Tr) => "1'den başlar".into(),
        (P::PageOutOfRange, En) => format!("must be from 1 to {}", MAX_PAGE),
        (P::PageOutOfRange, Tr) => format!("1 ile {} arasında olmalıdır", MAX_PAGE),
        (P::LimitOutOfRange, En) => {
            format!("must be from 1 to {}", allmine_domain::paging::MAX_LIMIT)
        }
        (P::LimitOutOfRange, Tr) => format!(
            "1 ile {} arasında olmalıdır",
            allmine_domain::paging::MAX_LIMIT
        ),
        (P::UnknownType(kind), En) => format!("unknown type {kind:?}; one of: {}", types()),
        (P::UnknownType(kind), Tr) => format!(
            "bilinmeyen tür {kind:?}; şunlardan biri olmalıdır: {}",
            types()
        ),
        (P::InvalidDate, En) => "must be a calendar date written YYYY-MM-DD".into(),
        (P::InvalidDate, Tr) => "YYYY-AA-GG biçiminde geçerli bir tarih olmalıdır".into(),
        (P::StartAfterEnd, En) => "must not be after endDate".into(),
        (P::StartAfterEnd, Tr) => "endDate tarihinden sonra olamaz".into(),
        (P::InvalidId, En) => id_reason_en(IdError::WrongLength(0)).into(),
        (P::InvalidId, Tr) => id_reason_tr(IdError::WrongLength(0)).into(),
        (P::NotACursor, En) => {
            "is not a cursor of this history; send the nextCursor of an earlier answer".into()
        }
        (P::NotACursor, Tr) => {
            "bu geçmişe ait bir imleç değil; önceki bir yanıttaki nextCursor değerini gönderin"
                .into()
        }
        (P::Repeated, En) => "may be given only once".into(),
        (P::Repeated, Tr) => "yalnızca bir kez verilebilir".into(),
        (P::SearchLimitOutOfRange, En) => {
            format!(
                "must be from 1 to {}",
                allmine_domain::search::MAX_SEARCH_LIMIT
            )
        }
        (P::SearchLimitOutOfRange, Tr) => {
            format!(
                "1 ile {} arasında olmalıdır",
                allmine_domain::search::MAX_SEARCH_LIMIT
            )
        }
        (P::QueryTooLong, En) => {
            format!(
                "may have at most {} characters",
                allmine_domain::search::MAX_QUERY_CHARS
            )
        }
        (P::QueryTooLong, Tr) => {
            format!(
                "en fazla {} karakter olabilir",
                allmine_domain::search::MAX_QUERY_CHARS
            )
        }
        (P::ListSizeOutOfRange, En) => format!(
            "must list from 1 to {} values, separated by commas",
            allmine_domain::profiles::MAX_BATCH
        ),
        (P::ListSizeOutOfRange, Tr) => format!(
            "virgülle ayrılmış 1 ile {} arasında değer içermelidir",
            allmine_domain::profiles::MAX_BATCH
        ),
        (P::InvalidIdValue { value, reason }, En) => {
            format!("\"{}\": {}", echo(value), id_reason_en(*reason))
        }
        (P::InvalidIdValue { value, reason }, Tr) => {
            format!("\"{}\": {}", echo(value), id_reason_tr(*reason))
        }
        (P::InvalidUsernameValue { value, reason }, En) => {
            format!("\"{}\": {reason}", echo(value))
        }
        (P::InvalidUsernameValue { value, reason }, Tr) => {
            format!("\"{}\": {}", echo(value), username_reason_tr(reason))
        }
        (P::ExcludedBy(other), En) => format!("may not be given together with {other}"),
        (P::ExcludedBy(other), Tr) => format!("{other} ile birlikte verilemez"),
        (P::RequiredWithout(other), En) => format!("is required (or {other} instead)"),
        (P::RequiredWithout(other), Tr) => format!("zorunludur (ya da onun yerine {other})"),
        (P::Unknown, En) => "is not a parameter of this endpoint".into(),
        (P::Unknown, Tr) => "bu uç noktanın parametrelerinden biri değil".into(),
    }
}
