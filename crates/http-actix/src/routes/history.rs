//! The signed-in user's credit history, flat or grouped by live stream, paged by
//! number or by cursor.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Serialize;
use time::Date;
use utoipa::{IntoParams, ToSchema};

use allmine_domain::StreamId;
use allmine_domain::history::{
    AfterCursor, CreditTransaction, HistoryCursor, HistoryEntry, HistoryFilter, HistoryPage,
    HistoryPageRequest, StreamSummary, TransactionType,
};
use allmine_domain::paging::{MAX_LIMIT, PageRequest};
use allmine_domain::profiles::{CurrentUser, parse_date};

use crate::caller::{Authenticated, LocalFuture};
use crate::context::{RequestContext, TimeZone};
use crate::docs::{ServiceUnavailable, StandardHeaders, Unauthenticated, error_example};
use crate::envelope::{Envelope, ErrorEnvelope, ok};
use crate::error::ApiError;
use crate::query::{self, DEFAULT_LIMIT, ParamProblem, ParamProblems, read_limit, read_page};
use crate::state::ApiState;

/// `GET`: a page of the caller's records.
pub const TRANSACTIONS: &str = "/api/v1/users/me/transactions";
/// `GET`: the same page, grouped by live stream.
pub const GROUPED: &str = "/api/v1/users/me/transactions/grouped";

/// Own credit history.
///
/// The signed-in user's credit movements, newest first, paged and filtered.
/// Dates are whole days in `X-Timezone`, both ends included. Pages come by
/// number (`page`) or after a cursor (`cursor`, the `nextCursor` of an earlier
/// answer), never both.
#[utoipa::path(
    get,
    path = TRANSACTIONS,
    tag = "Credits",
    operation_id = "getMyTransactions",
    params(HistoryParams, StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "A page of records", body = Envelope<HistoryPaged<Transaction>>, example = json!(examples::transactions())),
        (status = 400, description = "A parameter is invalid or unknown (named)", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "limit: must be from 1 to 100"], "VALIDATION_FAILED"))),
        Unauthenticated,
        ServiceUnavailable,
    )
)]
pub async fn transactions(
    state: web::Data<ApiState>,
    request: HistoryRequest,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .history
        .list(&request.caller, &request.filter, request.page)
        .await?;
    Ok(ok(HistoryPaged::new(&page, |record| {
        Transaction::new(record, request.timezone)
    })))
}

/// Own credit history, grouped by live stream.
///
/// The same page as `/api/v1/users/me/transactions` with the same filters;
/// records on the page that belong to a live stream are grouped under their
/// `streamId` (with the stream's title, host and times), the others stay
/// standalone entries. Entries keep the order of each one's newest record.
/// `nextCursor` is after the page's last record, whichever entry holds it.
#[utoipa::path(
    get,
    path = GROUPED,
    tag = "Credits",
    operation_id = "getMyTransactionsGrouped",
    params(HistoryParams, StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "A page of records, grouped", body = Envelope<HistoryPaged<GroupedEntry>>, example = json!(examples::grouped_transactions())),
        (status = 400, description = "A parameter is invalid or unknown (named)", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "startDate: must not be after endDate"], "VALIDATION_FAILED"))),
        Unauthenticated,
        ServiceUnavailable,
    )
)]
pub async fn transactions_grouped(
    state: web::Data<ApiState>,
    request: HistoryRequest,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .history
        .grouped(&request.caller, &request.filter, request.page)
        .await?;
    Ok(ok(HistoryPaged::new(&page, |entry| {
        GroupedEntry::new(entry, request.timezone)
    })))
}

/// What both history endpoints read from a request. Its problems are reported
/// in the order a handler taking them one by one would: the caller's token
/// (401), then the query (400, naming every bad parameter).
#[derive(Debug)]
pub struct HistoryRequest {
    caller: CurrentUser,
    filter: HistoryFilter,
    page: HistoryPageRequest,
    timezone: TimeZone,
}

impl FromRequest for HistoryRequest {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let timezone = RequestContext::of(req).timezone;
        let caller = Authenticated::from_request(req, payload);
        let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string());
        Box::pin(async move {
            let Authenticated(caller) = caller.await?;
            let pairs = pairs.map_err(ApiError::from)?;
            let (filter, page) = HistoryParams::read(&pairs, timezone)?;
            Ok(Self {
                caller,
                filter,
                page,
                timezone,
            })
        })
    }
}

/// The history's query parameters, as [`HistoryParams::read`] fills them:
/// every parameter outside these, and every bad value, is 400 naming it.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Page number, from 1 (default 1); not together with `cursor`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 2147483647, example = 1)]
    page: Option<u32>,
    /// The `nextCursor` of an earlier answer: the page right after that
    /// answer's last record, however many records came in since; not together
    /// with `page`. Opaque: only a cursor this history handed out to the
    /// caller is accepted.
    #[param(value_type = Option<String>, example = "AVB_H3e8-GzXmUOQEQAAAABqEG9wAAAAAGZQ8aLD1OX2p7jJzw")]
    cursor: Option<HistoryCursor>,
    /// Records per page, 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, example = 20)]
    limit: u32,
    /// Only these types: repeated (`type=purchase&type=gift_sent`) or
    /// comma-separated (`purchase,gift_sent`).
    #[param(rename = "type", value_type = Option<Vec<TransactionKind>>, style = Form, explode, example = json!(["purchase"]))]
    kind: Vec<TransactionType>,
    /// First day, `YYYY-MM-DD` in `X-Timezone` (included).
    #[param(rename = "startDate", value_type = Option<String>, format = Date, example = "2026-05-01")]
    start_date: Option<Date>,
    /// Last day, `YYYY-MM-DD` in `X-Timezone` (included).
    #[param(rename = "endDate", value_type = Option<String>, format = Date, example = "2026-05-31")]
    end_date: Option<Date>,
    /// Only records of this live stream.
    #[param(
        rename = "streamId",
        value_type = Option<String>,
        pattern = "^[0-9a-f]{24}$",
        example = "6650f1a2c3d4e5f6a7b8c9aa"
    )]
    stream_id: Option<StreamId>,
}

impl Default for HistoryParams {
    fn default() -> Self {
        Self {
            page: None,
            cursor: None,
            limit: DEFAULT_LIMIT,
            kind: Vec::new(),
            start_date: None,
            end_date: None,
            stream_id: None,
        }
    }
}

impl HistoryParams {
    /// The history's filters and page from the query pairs; dates are read in
    /// `zone`. `page` and `cursor` given together are one problem, named under
    /// `cursor`, whatever their values.
    pub fn read(
        pairs: &[(String, String)],
        zone: TimeZone,
    ) -> Result<(HistoryFilter, HistoryPageRequest), ApiError> {
        let mut params = Self::default();
        let mut problems = query::read_each(pairs, &["type"], |name, value, problems| {
            params.read_one(name, value.trim(), problems);
        });
        let given = |name: &str| pairs.iter().any(|(given, _)| given == name);
        let page = if given("page") && given("cursor") {
            problems.add("cursor", ParamProblem::ExcludedBy("page"));
            None
        } else if let Some(cursor) = params.cursor {
            AfterCursor::new(cursor, params.limit).ok().map(Into::into)
        } else {
            let page = PageRequest::new(params.page.unwrap_or(1), params.limit);
            page.ok().map(Into::into)
        };
        let filter = HistoryFilter::for_days(
            params.kind,
            params.start_date,
            params.end_date,
            zone.offset(),
            params.stream_id,
        )
        .map_err(|_| problems.add("startDate", ParamProblem::StartAfterEnd))
        .ok();
        match (filter, page) {
            (Some(filter), Some(page)) if problems.is_empty() => Ok((filter, page)),
            _ => Err(problems.into()),
        }
    }

    fn read_one(&mut self, name: &str, value: &str, problems: &mut ParamProblems) {
        match name {
            "page" => self.page = problems.check(name, read_page(value)).or(self.page),
            "cursor" => {
                let cursor = HistoryCursor::decode(value).map_err(|_| ParamProblem::NotACursor);
                self.cursor = problems.check(name, cursor).or(self.cursor);
            }
            "limit" => {
                let read = read_limit(value, MAX_LIMIT, ParamProblem::LimitOutOfRange);
                self.limit = problems.check(name, read).unwrap_or(self.limit);
            }
            "type" => {
                for part in value.split(',').map(str::trim) {
                    match TransactionType::parse(part) {
                        Some(kind) if !self.kind.contains(&kind) => self.kind.push(kind),
                        Some(_) => {}
                        None => problems.add(name, ParamProblem::UnknownType(part.to_owned())),
                    }
                }
            }
            "startDate" => self.start_date = problems.check(name, date(value)).or(self.start_date),
            "endDate" => self.end_date = problems.check(name, date(value)).or(self.end_date),
            "streamId" => {
                let id = StreamId::parse(value).map_err(|_| ParamProblem::InvalidId);
                self.stream_id = problems.check(name, id).or(self.stream_id);
            }
            other => problems.add(other, ParamProblem::Unknown),
        }
    }
}

fn date(value: &str) -> Result<Date, ParamProblem> {
    parse_date(value).ok_or(ParamProblem::InvalidDate)
}

// The schema keeps the name the history's pages had before cursors
// (`Paged_Transaction`, `Paged_GroupedEntry`), so that generated clients keep
// their types; search's pages are the envelope's `Paged`, without a cursor.
/// A page of the credit history: the fields of every page, and `nextCursor`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Paged<T>)]
pub struct HistoryPaged<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// The page number, from 1; null when the page was asked for by `cursor`.
    #[schema(example = 1, minimum = 1, required = true)]
    pub page: Option<u32>,
    /// The page size.
    #[schema(example = 20, minimum = 1, maximum = 100)]
    pub limit: u32,
    /// All matching records (not only those after a cursor).
    #[schema(example = 57, minimum = 0)]
    pub total: u64,
    /// Pages of `limit` records in all.
    #[schema(example = 3, minimum = 0)]
    pub total_pages: u64,
    /// Whether a later record exists.
    #[schema(example = true)]
    pub has_next: bool,
    /// The `cursor` of the page after this one: right after this page's last
    /// record. Null on the last page.
    #[schema(
        example = "AVB_H3e8-GzXmUOQEQAAAABqEG9wAAAAAGZQ8aLD1OX2p7jJzw",
        required = true
    )]
    pub next_cursor: Option<String>,
}

impl<T> HistoryPaged<T> {
    /// The page, each item converted by `convert`.
    pub fn new<U>(page: &HistoryPage<U>, convert: impl Fn(&U) -> T) -> Self {
        Self {
            items: page.items.iter().map(convert).collect(),
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            total_pages: page.total_pages(),
            has_next: page.has_next(),
            next_cursor: page.next.as_ref().map(HistoryCursor::encode),
        }
    }
}

/// What a credit movement was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    /// Credits bought (positive).
    Purchase,
    /// A gift sent (negative).
    GiftSent,
    /// A gift received (positive).
    GiftReceived,
    /// Earned by hosting a live stream (positive).
    StreamEarning,
    /// Spent in a live stream (negative).
    StreamSpend,
    /// Credits given back (positive).
    Refund,
    /// Credits paid out (negative).
    Withdrawal,
    /// A correction by support (either sign).
    Adjustment,
}

impl From<TransactionType> for TransactionKind {
    fn from(kind: TransactionType) -> Self {
        match kind {
            TransactionType::Purchase => Self::Purchase,
            TransactionType::GiftSent => Self::GiftSent,
            TransactionType::GiftReceived => Self::GiftReceived,
            TransactionType::StreamEarning => Self::StreamEarning,
            TransactionType::StreamSpend => Self::StreamSpend,
            TransactionType::Refund => Self::Refund,
            TransactionType::Withdrawal => Self::Withdrawal,
            TransactionType::Adjustment => Self::Adjustment,
        }
    }
}

/// One credit movement.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// Its id.
    #[serde(rename = "_id")]
    #[schema(example = "6650f1a2c3d4e5f6a7b8c9d0", pattern = "^[0-9a-f]{24}$")]
    pub id: String,
    /// What it was.
    #[serde(rename = "type")]
    pub kind: TransactionKind,
    /// Signed credits: positive in, negative out.
    #[schema(example = -50)]
    pub amount: i64,
    /// The balance right after it.
    #[schema(example = 450)]
    pub balance_after: i64,
    /// The live stream it belongs to, or null.
    #[schema(example = "6650f1a2c3d4e5f6a7b8c9aa", pattern = "^[0-9a-f]{24}$")]
    pub stream_id: Option<String>,
    /// A human-readable line.
    #[schema(example = "Gift sent in a live stream")]
    pub description: String,
    /// When it happened, in the request's `X-Timezone`.
    #[schema(example = "2026-05-22T19:11:26.806+03:00", format = DateTime)]
    pub created_at: String,
}

impl Transaction {
    /// The record, its instant rendered in `zone`.
    pub fn new(record: &CreditTransaction, zone: TimeZone) -> Self {
        Self {
            id: record.id.to_string(),
            kind: record.kind.into(),
            amount: record.amount,
            balance_after: record.balance_after,
            stream_id: record.stream_id.map(|id| id.to_string()),
            description: record.description.clone(),
            created_at: zone.render(record.created_at),
        }
    }
}

/// A live stream in the grouped history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamInfo {
    /// Its title.
    #[schema(example = "Late night design session")]
    pub title: String,
    /// The host's username.
    #[schema(example = "johndoe123")]
    pub host_username: String,
    /// When it went on air, in `X-Timezone`.
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it ended, in `X-Timezone`; null while on air.
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
}

impl StreamInfo {
    fn new(stream: &StreamSummary, zone: TimeZone) -> Self {
        Self {
            title: stream.title.clone(),
            host_username: stream.host_username.clone(),
            started_at: zone.render(stream.started_at),
            ended_at: stream.ended_at.map(|at| zone.render(at)),
        }
    }
}

/// The page's records of one live stream.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamGroup {
    /// Always `stream`.
    #[serde(rename = "type")]
    pub entry_type: StreamEntryType,
    /// The stream's id.
    #[schema(pattern = "^[0-9a-f]{24}$")]
    pub stream_id: String,
    /// The stream; null only if it was deleted meanwhile.
    pub stream: Option<StreamInfo>,
    /// Sum of the records' amounts.
    pub total_amount: i64,
    /// How many records.
    pub count: u64,
    /// The records, newest first.
    pub transactions: Vec<Transaction>,
}

/// A record that belongs to no live stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct SingleTransaction {
    /// Always `transaction`.
    #[serde(rename = "type")]
    pub entry_type: TransactionEntryType,
    /// The record.
    pub transaction: Transaction,
}

/// The `type` of a [`StreamGroup`].
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StreamEntryType {
    /// Records of one live stream.
    Stream,
}

/// The `type` of a [`SingleTransaction`].
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TransactionEntryType {
    /// A standalone record.
    Transaction,
}

// Each variant carries its own `type` field rather than a serde tag, so the
// document describes the entry as `oneOf` two named schemas, which client
// generators read (an internally tagged enum renders as inline `allOf`s that
// openapi-python-client cannot parse); the JSON is the same.
/// An entry of the grouped history: `type` tells which.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum GroupedEntry {
    /// Records of one live stream.
    Stream(StreamGroup),
    /// A standalone record.
    Transaction(SingleTransaction),
}

impl GroupedEntry {
    /// The entry, instants rendered in `zone`.
    pub fn new(entry: &HistoryEntry, zone: TimeZone) -> Self {
        match entry {
            HistoryEntry::Stream {
                stream_id,
                stream,
                total_amount,
                transactions,
            } => Self::Stream(StreamGroup {
                entry_type: StreamEntryType::Stream,
                stream_id: stream_id.to_string(),
                stream: stream.as_ref().map(|s| StreamInfo::new(s, zone)),
                total_amount: *total_amount,
                count: transactions.len() as u64,
                transactions: transactions
                    .iter()
                    .map(|t| Transaction::new(t, zone))
                    .collect(),
            }),
            HistoryEntry::Single(record) => Self::Transaction(SingleTransaction {
                entry_type: TransactionEntryType::Transaction,
                transaction: Transaction::new(record, zone),
            }),
        }
    }
}

/// Examples shown in the document, in the docs' own values.
mod examples {
    use serde_json::{Value, json};

    use crate::docs::success_example as success;

    fn transaction(
        id: &str,
        kind: &str,
        amount: i64,
        balance: i64,
        stream: Option<&str>,
        at: &str,
    ) -> Value {
        json!({
            "_id": id, "type": kind, "amount": amount, "balanceAfter": balance,
            "streamId": stream, "description": "Gift sent in a live stream", "createdAt": at
        })
    }

    /// The cursor after the examples' last record (John's, made at
    /// 2026-05-22T15:00:00Z, id `6650f1a2c3d4e5f6a7b8c9cf`).
    pub const NEXT_CURSOR: &str = "AVB_H3e8-GzXmUOQEQAAAABqEG9wAAAAAGZQ8aLD1OX2p7jJzw";

    fn paged(items: Vec<Value>) -> Value {
        json!({
            "items": items, "page": 1, "limit": 20, "total": 57, "totalPages": 3, "hasNext": true,
            "nextCursor": NEXT_CURSOR
        })
    }

    /// A history page.
    pub fn transactions() -> Value {
        success(paged(vec![
            transaction(
                "6650f1a2c3d4e5f6a7b8c9d0",
                "gift_sent",
                -50,
                450,
                Some("6650f1a2c3d4e5f6a7b8c9aa"),
                "2026-05-22T19:11:26.806+03:00",
            ),
            transaction(
                "6650f1a2c3d4e5f6a7b8c9cf",
                "purchase",
                500,
                500,
                None,
                "2026-05-22T18:00:00.000+03:00",
            ),
        ]))
    }

    /// A grouped history page.
    pub fn grouped_transactions() -> Value {
        success(paged(vec![
            json!({
                "type": "stream",
                "streamId": "6650f1a2c3d4e5f6a7b8c9aa",
                "stream": {
                    "title": "Late night design session",
                    "hostUsername": "johndoe123",
                    "startedAt": "2026-05-22T18:30:00.000+03:00",
                    "endedAt": "2026-05-22T20:00:00.000+03:00"
                },
                "totalAmount": -50,
                "count": 1,
                "transactions": [transaction("6650f1a2c3d4e5f6a7b8c9d0", "gift_sent", -50, 450, Some("6650f1a2c3d4e5f6a7b8c9aa"), "2026-05-22T19:11:26.806+03:00")]
            }),
            json!({
                "type": "transaction",
                "transaction": transaction("6650f1a2c3d4e5f6a7b8c9cf", "purchase", 500, 500, None, "2026-05-22T18:00:00.000+03:00")
            }),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::error::Detail;
    use crate::query::test_pairs as pairs;
    use allmine_domain::history::{HistoryFilter, TransactionType};

    fn history(
        pairs: &[(String, String)],
        zone: TimeZone,
    ) -> Result<(HistoryFilter, HistoryPageRequest), ApiError> {
        HistoryParams::read(pairs, zone)
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
        assert_eq!((page.page(), page.limit()), (Some(1), 20));
        assert_eq!(filter, HistoryFilter::default());
    }

    fn johns_cursor() -> HistoryCursor {
        HistoryCursor::new(
            allmine_domain::UserId::parse("507f1f77bcf86cd799439011").unwrap(),
            time::macros::datetime!(2026-05-22 15:00 UTC),
            allmine_domain::TransactionId::parse("6650f1a2c3d4e5f6a7b8c9cf").unwrap(),
        )
    }

    #[test]
    fn a_cursor_asks_for_the_records_after_it_with_the_limit_given() {
        let text = johns_cursor().encode();
        let (_, page) = history(
            &pairs(&[("cursor", &text), ("limit", "5"), ("type", "refund")]),
            TimeZone::default(),
        )
        .unwrap();
        assert_eq!(
            page,
            HistoryPageRequest::After(AfterCursor::new(johns_cursor(), 5).unwrap())
        );
        let (_, page) = history(&pairs(&[("cursor", &text)]), TimeZone::default()).unwrap();
        assert_eq!((page.page(), page.limit()), (None, 20));
    }

    #[test]
    fn page_and_cursor_together_are_one_problem_named_under_cursor_whatever_their_values() {
        let text = johns_cursor().encode();
        let together = || Detail::InvalidParameter {
            name: "cursor".into(),
            problem: ParamProblem::ExcludedBy("page"),
        };
        assert_eq!(problems(&[("page", "1"), ("cursor", &text)]), [together()]);
        assert_eq!(problems(&[("cursor", &text), ("page", "2")]), [together()]);
        let not_a_cursor = Detail::InvalidParameter {
            name: "cursor".into(),
            problem: ParamProblem::NotACursor,
        };
        assert_eq!(
            problems(&[("page", "2"), ("cursor", "garbage")]),
            [not_a_cursor, together()]
        );
        let messages = history(
            &pairs(&[("page", "1"), ("cursor", &text)]),
            TimeZone::default(),
        )
        .unwrap_err()
        .messages(crate::i18n::Language::Tr, TimeZone::default());
        assert_eq!(messages[1], "cursor: page ile birlikte verilemez");
    }

    #[test]
    fn a_cursor_that_does_not_decode_is_named_in_both_languages() {
        for text in ["", "garbage", "AQ", &johns_cursor().encode()[..48]] {
            let error = history(&pairs(&[("cursor", text)]), TimeZone::default()).unwrap_err();
            let message = |language| error.messages(language, TimeZone::default())[1..].to_vec();
            assert_eq!(
                message(crate::i18n::Language::En),
                [
                    "cursor: is not a cursor of this history; send the nextCursor of an earlier answer"
                ],
                "{text:?}"
            );
            assert_eq!(
                message(crate::i18n::Language::Tr),
                [
                    "cursor: bu geçmişe ait bir imleç değil; önceki bir yanıttaki nextCursor değerini gönderin"
                ],
                "{text:?}"
            );
        }
        let text = johns_cursor().encode();
        assert_eq!(
            problems(&[("cursor", &text), ("cursor", &text)]),
            [Detail::InvalidParameter {
                name: "cursor".into(),
                problem: ParamProblem::Repeated
            }]
        );
    }

    #[test]
    fn the_documented_cursor_is_johns_after_the_examples_last_record() {
        assert_eq!(examples::NEXT_CURSOR, johns_cursor().encode());
        assert_eq!(
            examples::transactions()["data"]["items"][1]["_id"],
            johns_cursor().id().to_string()
        );
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
