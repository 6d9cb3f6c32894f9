//! User search (v2): typo-tolerant, accent-folding, privacy-aware.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use allmine_domain::paging::PageRequest;
use allmine_domain::search::{LiveNow, MAX_SEARCH_LIMIT, SearchResult, SearchText};

use crate::caller::LimitedCaller;
use crate::context::{RequestContext, TimeZone};
use crate::docs::{
    RateLimited, ServiceUnavailable, StandardHeaders, Unauthenticated, error_example,
};
use crate::envelope::{Envelope, ErrorEnvelope, Paged, ok};
use crate::error::{ApiError, ErrorCode};
use crate::query::{self, ParamProblem, ParamProblems, read_limit, read_page};
use crate::rate_limit::Searches;
use crate::routes::profiles::Photo;
use crate::state::ApiState;

/// `GET`: users matching a text.
pub const SEARCH: &str = "/api/v2/users/search";

/// Results per page when `limit` is absent.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;

/// Search users (v2).
///
/// Finds users by username, name or surname, ignoring case and accents
/// (Turkish letters folded as typed: `sukru` finds `Şükrü`), tolerating typos;
/// several words narrow the result. Ranked: exact username, username prefix,
/// users whose words are the typed words, users whose words begin with them,
/// then typos of one edit before typos of two; ties by follower count. An empty
/// `query` returns `limit` random users, a new sample on every call: `page`
/// then only shapes the paging fields, and `total` counts every user the caller
/// may see. Users blocked either way and deactivated users never appear;
/// private users appear with only their identity.
#[utoipa::path(
    get,
    path = SEARCH,
    tag = "Users",
    operation_id = "searchUsers",
    params(SearchParams, StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "A page of users, best first", body = Envelope<Paged<FoundUser>>, example = json!(examples::search())),
        (status = 400, description = "A parameter is invalid or unknown (named)", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "limit: must be from 1 to 50"], "VALIDATION_FAILED"))),
        Unauthenticated,
        RateLimited,
        ServiceUnavailable,
    )
)]
pub async fn search_users(
    state: web::Data<ApiState>,
    context: RequestContext,
    caller: LimitedCaller<Searches>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let (text, page) = SearchParams::read(&query)?;
    let found = state.search.search(&caller.0, &text, page).await?;
    Ok(ok(Paged::new(&found, |user| {
        FoundUser::new(user, context.timezone)
    })))
}

/// The search's query parameters, as [`SearchParams::read`] fills them:
/// every parameter outside these, and every bad value, is 400 naming it.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for in usernames, names and surnames (at most 100
    /// characters; empty or absent: `limit` random users, a new sample on
    /// every call, whatever the `page`).
    #[param(value_type = Option<String>, max_length = 100, example = "ayse yil")]
    query: Option<SearchText>,
    /// Page number, from 1 (default 1).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 2147483647, example = 1)]
    page: u32,
    /// Results per page, 1–50 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50, example = 20)]
    limit: u32,
}

impl SearchParams {
    /// The search's text and page from the query pairs.
    pub fn read(pairs: &[(String, String)]) -> Result<(SearchText, PageRequest), ApiError> {
        let mut params = Self {
            query: None,
            page: 1,
            limit: DEFAULT_SEARCH_LIMIT,
        };
        let problems = query::read_each(pairs, &[], |name, value, problems| {
            params.read_one(name, value, problems);
        });
        let text = match params.query {
            Some(text) => text,
            None => SearchText::new("").map_err(|_| ApiError::new(ErrorCode::InternalError))?,
        };
        match PageRequest::new(params.page, params.limit) {
            Ok(page) if problems.is_empty() => Ok((text, page)),
            _ => Err(problems.into()),
        }
    }

    fn read_one(&mut self, name: &str, value: &str, problems: &mut ParamProblems) {
        match name {
            "query" => {
                let text = SearchText::new(value).map_err(|_| ParamProblem::QueryTooLong);
                self.query = problems.check(name, text).or(self.query.take());
            }
            "page" => self.page = problems.check(name, read_page(value)).unwrap_or(self.page),
            "limit" => {
                let read = read_limit(value, MAX_SEARCH_LIMIT, ParamProblem::SearchLimitOutOfRange);
                self.limit = problems.check(name, read).unwrap_or(self.limit);
            }
            other => problems.add(other, ParamProblem::Unknown),
        }
    }
}

/// The stream a user is live in now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveStream {
    /// The stream's id.
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$", example = "6650f1a2c3d4e5f6a7b8c9aa")]
    pub id: String,
    /// Its title.
    #[schema(example = "Late night design session")]
    pub title: String,
    /// When it went on air, in `X-Timezone`.
    #[schema(format = DateTime, example = "2026-05-22T19:00:00.000+03:00")]
    pub started_at: String,
    /// Viewers watching now.
    #[schema(example = 42, minimum = 0)]
    pub viewer_count: u32,
}

impl LiveStream {
    fn new(live: &LiveNow, zone: TimeZone) -> Self {
        Self {
            id: live.id.to_string(),
            title: live.title.clone(),
            started_at: zone.render(live.started_at),
            viewer_count: live.viewer_count,
        }
    }
}

/// A user in search results. For a private profile the viewer does not
/// follow, `expertise`, `minutePriceInLiveStream` and `liveStream` are null.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FoundUser {
    /// The user's id.
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$", example = "507f1f77bcf86cd799439011")]
    pub id: String,
    /// Username.
    #[schema(example = "johndoe123")]
    pub username: String,
    /// Given name.
    #[schema(example = "John")]
    pub name: String,
    /// Family name.
    #[schema(example = "Doe")]
    pub surname: String,
    /// What the user does.
    #[schema(example = "designer")]
    pub expertise: Option<String>,
    /// Credits per minute in a live-stream call.
    #[schema(example = 1, minimum = 0)]
    pub minute_price_in_live_stream: Option<u32>,
    /// The 96 px profile photo, or null.
    pub profile_photo: Option<Photo>,
    /// The live stream on air now, or null.
    pub live_stream: Option<LiveStream>,
}

impl FoundUser {
    /// The result, instants rendered in `zone`.
    pub fn new(found: &SearchResult, zone: TimeZone) -> Self {
        Self {
            id: found.id.to_string(),
            username: found.username.clone(),
            name: found.name.clone(),
            surname: found.surname.clone(),
            expertise: found.expertise.clone(),
            minute_price_in_live_stream: found.minute_price_in_live_stream,
            profile_photo: found.photo.as_ref().map(Photo::from),
            live_stream: found.live.as_ref().map(|live| LiveStream::new(live, zone)),
        }
    }
}

/// Examples shown in the document, in the docs' own values.
mod examples {
    use serde_json::{Value, json};

    use crate::docs::success_example as success;

    /// A search answer.
    pub fn search() -> Value {
        success(json!({
            "items": [{
                "_id": "507f1f77bcf86cd799439011",
                "username": "johndoe123",
                "name": "John",
                "surname": "Doe",
                "expertise": "designer",
                "minutePriceInLiveStream": 1,
                "profilePhoto": {"_id": "507f1f77bcf86cd799439012", "url": "https://example.com/profile_96.jpg", "type": "image"},
                "liveStream": {"_id": "6650f1a2c3d4e5f6a7b8c9aa", "title": "Late night design session", "startedAt": "2026-05-22T19:00:00.000+03:00", "viewerCount": 42}
            }],
            "page": 1, "limit": 20, "total": 1, "totalPages": 1, "hasNext": false
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Detail;
    use crate::query::test_pairs as pairs;

    fn search(pairs: &[(String, String)]) -> Result<(SearchText, PageRequest), ApiError> {
        SearchParams::read(pairs)
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
}
