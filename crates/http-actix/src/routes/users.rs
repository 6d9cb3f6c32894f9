//! Several public profiles in one request: by ids or by usernames, each
//! answered as the single profile read would answer it.

use std::num::NonZeroU32;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use allmine_domain::profiles::{Batch, CurrentUser, ProfileAccessDenied, ProfileView};
use allmine_domain::{UserId, Username};

use crate::caller::{LocalFuture, MaybeAuthenticated, count_profile_reads};
use crate::docs::{RateLimited, ServiceUnavailable, StandardHeaders, error_example};
use crate::envelope::{Envelope, ErrorEnvelope, ok};
use crate::error::ApiError;
use crate::query::{self, ParamProblem, read_user_ids, read_usernames};
use crate::routes::profiles::PublicProfile;
use crate::state::ApiState;

/// `GET`: several profiles, by `ids` or by `usernames`.
pub const USERS: &str = "/api/v1/users";

/// Public profiles in one request.
///
/// The public profiles of up to 100 users, by id (`ids`) or by username
/// (`usernames`, any case): exactly one of the two, a comma-separated list of
/// 1 to 100 values. A value given twice (a username in another case
/// too) counts and answers once. `items` holds the profiles the caller may
/// see, in the order asked; `unavailable` names every other user asked for,
/// in the order asked, with the code the single profile read would answer:
/// `NOT_FOUND` (no such user, a deactivated one, a reserved name),
/// `PROFILE_PRIVATE` or `PROFILE_UNAVAILABLE` (a block either way). A token
/// is optional, as for the single read; without one, each user asked for
/// counts against the per-address limit of profile reads.
#[utoipa::path(
    get,
    path = USERS,
    tag = "Users",
    operation_id = "getProfiles",
    params(BatchParams, StandardHeaders),
    security((), ("JWT-auth" = [])),
    responses(
        (status = 200, description = "The profiles the caller may see, and why the others are not shown", body = Envelope<ProfileBatch>, example = json!(examples::batch())),
        (status = 400, description = "Neither or both of `ids` and `usernames`, a list of no value or more than 100 values, a malformed value (each named), an unknown parameter, or an invalid header", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "ids: \"12345\": must be 24 lowercase hexadecimal characters"], "VALIDATION_FAILED"))),
        (status = 401, description = "A token was given but is invalid, expired, or names an inactive account", body = ErrorEnvelope,
            example = json!(error_example(401, &["Authentication required", "Authorization: the token is invalid"], "AUTHENTICATION_REQUIRED"))),
        RateLimited,
        ServiceUnavailable,
    )
)]
pub async fn profiles_batch(
    state: web::Data<ApiState>,
    request: BatchRequest,
) -> Result<HttpResponse, ApiError> {
    let viewer = request.viewer.as_ref();
    let (asked, answers) = match &request.wanted {
        Wanted::Ids(ids) => (
            ids.keys().iter().map(Asked::id).collect::<Vec<_>>(),
            state.profiles.profiles_by_ids(viewer, ids).await?,
        ),
        Wanted::Usernames(names) => (
            names.keys().iter().map(Asked::username).collect(),
            state.profiles.profiles_by_usernames(viewer, names).await?,
        ),
    };
    Ok(ok(ProfileBatch::new(asked, answers)))
}

/// The users a batch asks for.
#[derive(Debug)]
pub enum Wanted {
    /// By id.
    Ids(Batch<UserId>),
    /// By username.
    Usernames(Batch<Username>),
}

impl Wanted {
    /// How many users are asked for.
    fn count(&self) -> usize {
        match self {
            Self::Ids(ids) => ids.keys().len(),
            Self::Usernames(names) => names.keys().len(),
        }
    }
}

/// What the batch read takes from a request, its problems reported in this
/// order: the token, if one is given (401), then the query (400, naming every
/// bad parameter and value), then, for an anonymous caller, the limit, which
/// counts each user asked for (429). A request refused with 400 counts nothing.
#[derive(Debug)]
pub struct BatchRequest {
    viewer: Option<CurrentUser>,
    wanted: Wanted,
}

impl FromRequest for BatchRequest {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = MaybeAuthenticated::from_request(req, payload);
        let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string());
        let req = req.clone();
        Box::pin(async move {
            let MaybeAuthenticated(viewer) = viewer.await?;
            let pairs = pairs.map_err(ApiError::from)?;
            let wanted = BatchParams::read(&pairs)?;
            let count = u32::try_from(wanted.count())
                .ok()
                .and_then(NonZeroU32::new)
                .unwrap_or(NonZeroU32::MIN);
            count_profile_reads(&req, viewer.as_ref(), count).await?;
            Ok(Self { viewer, wanted })
        })
    }
}

/// The batch's query parameters, as [`BatchParams::read`] fills them: exactly
/// one of the two; every other parameter, and every bad value, is 400 naming
/// it.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchParams {
    /// Users by id: 1 to 100 ids, separated by commas (spaces around
    /// each are ignored). Not with `usernames`.
    #[param(value_type = Option<Vec<UserIdText>>, style = Form, explode = false, min_items = 1, max_items = 100,
        example = json!(["507f1f77bcf86cd799439011", "507f1f77bcf86cd799439021", "507f1f77bcf86cd799439041"]))]
    ids: Option<Batch<UserId>>,
    /// Users by username, in any case: 1 to 100 names, separated by
    /// commas (spaces around each are ignored). Not with `ids`.
    #[param(value_type = Option<Vec<UsernameText>>, style = Form, explode = false, min_items = 1, max_items = 100,
        example = json!(["johndoe123", "private_jane"]))]
    usernames: Option<Batch<Username>>,
}

impl BatchParams {
    /// The users asked for, from the query pairs.
    pub fn read(pairs: &[(String, String)]) -> Result<Wanted, ApiError> {
        let mut params = Self {
            ids: None,
            usernames: None,
        };
        let (mut ids_given, mut usernames_given) = (false, false);
        let mut problems = query::read_each(pairs, &[], |name, value, problems| match name {
            "ids" => {
                ids_given = true;
                params.ids = read_user_ids(name, value, problems);
            }
            "usernames" => {
                usernames_given = true;
                params.usernames = read_usernames(name, value, problems);
            }
            other => problems.add(other, ParamProblem::Unknown),
        });
        match (ids_given, usernames_given) {
            (true, true) => problems.add("usernames", ParamProblem::ExcludedBy("ids")),
            (false, false) => problems.add("ids", ParamProblem::RequiredWithout("usernames")),
            _ => {}
        }
        let wanted = match params {
            Self {
                ids: Some(ids),
                usernames: None,
            } => Some(Wanted::Ids(ids)),
            Self {
                ids: None,
                usernames: Some(names),
            } => Some(Wanted::Usernames(names)),
            _ => None,
        };
        match wanted {
            Some(wanted) if problems.is_empty() => Ok(wanted),
            _ => Err(problems.into()),
        }
    }
}

/// A user's id in a list, documented as the schema `UserId`.
#[derive(Debug)]
pub struct UserIdText;

impl utoipa::PartialSchema for UserIdText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A user's id: 24 lowercase hexadecimal characters."))
            .pattern(Some("^[0-9a-f]{24}$"))
            .into()
    }
}

impl ToSchema for UserIdText {
    fn name() -> std::borrow::Cow<'static, str> {
        "UserId".into()
    }
}

/// A username in a list, documented as the schema `Username`.
#[derive(Debug)]
pub struct UsernameText;

impl utoipa::PartialSchema for UsernameText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A username, in any case: 3-30 letters, digits, `_` and `.`, no `.` first, last or doubled.",
            ))
            .min_length(Some(3))
            .max_length(Some(30))
            .pattern(Some(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"))
            .into()
    }
}

impl ToSchema for UsernameText {
    fn name() -> std::borrow::Cow<'static, str> {
        "Username".into()
    }
}

/// The profiles of a batch: those the caller may see, and the others.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileBatch {
    /// The profiles the caller may see, in the order asked.
    pub items: Vec<PublicProfile>,
    /// The users asked for whose profile is not shown, in the order asked.
    pub unavailable: Vec<UnavailableProfile>,
}

impl ProfileBatch {
    /// Sorts `answers` (in the order of `asked`) into shown and withheld.
    fn new(asked: Vec<Asked>, answers: Vec<Result<ProfileView, ProfileAccessDenied>>) -> Self {
        let mut batch = Self {
            items: Vec::new(),
            unavailable: Vec::new(),
        };
        for (asked, answer) in asked.into_iter().zip(answers) {
            match answer {
                Ok(view) => batch.items.push(PublicProfile::from(&view)),
                Err(denied) => batch.unavailable.push(UnavailableProfile {
                    id: asked.id,
                    username: asked.username,
                    code: denied.into(),
                }),
            }
        }
        batch
    }
}

/// How a user was asked for: by id or by username (as written).
struct Asked {
    id: Option<String>,
    username: Option<String>,
}

impl Asked {
    fn id(id: &UserId) -> Self {
        Self {
            id: Some(id.to_string()),
            username: None,
        }
    }

    fn username(name: &Username) -> Self {
        Self {
            id: None,
            username: Some(name.as_str().to_owned()),
        }
    }
}

/// A user asked for whose profile is not shown: `id` or `username` as asked
/// (exactly one of the two, the one the request used), and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnavailableProfile {
    /// The id asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = false, pattern = "^[0-9a-f]{24}$", example = "507f1f77bcf86cd799439041")]
    pub id: Option<String>,
    /// The username asked for, as written (the first spelling, if several).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = false, example = "private_jane")]
    pub username: Option<String>,
    /// Why it is not shown: the code the single profile read answers.
    pub code: UnavailableCode,
}

/// Why a profile is not shown: the code the single profile read would answer
/// this caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnavailableCode {
    /// No such user, a deactivated one, or a reserved username (404).
    NotFound,
    /// The profile is private and the caller is not an accepted follower (403).
    ProfilePrivate,
    /// One of the two has blocked the other (403).
    ProfileUnavailable,
}

impl From<ProfileAccessDenied> for UnavailableCode {
    fn from(denied: ProfileAccessDenied) -> Self {
        match denied {
            ProfileAccessDenied::NotFound => Self::NotFound,
            ProfileAccessDenied::Private => Self::ProfilePrivate,
            ProfileAccessDenied::Blocked => Self::ProfileUnavailable,
        }
    }
}

/// Examples shown in the document, from the demo data.
mod examples {
    use serde_json::{Value, json};

    use crate::docs::success_example as success;
    use crate::routes::profiles::profile_example_data;

    /// A batch answer to an anonymous caller asking for johndoe123,
    /// private_jane and the deactivated gone_gary by id.
    pub fn batch() -> Value {
        success(json!({
            "items": [profile_example_data()],
            "unavailable": [
                {"id": "507f1f77bcf86cd799439021", "code": "PROFILE_PRIVATE"},
                {"id": "507f1f77bcf86cd799439041", "code": "NOT_FOUND"}
            ]
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use allmine_domain::profiles::ViewProfileError;

    use crate::error::Detail;
    use crate::query::test_pairs as pairs;

    fn problems(query: &[(&str, &str)]) -> Vec<Detail> {
        BatchParams::read(&pairs(query))
            .unwrap_err()
            .details()
            .to_vec()
    }

    fn named(name: &str, problem: ParamProblem) -> Detail {
        Detail::InvalidParameter {
            name: name.into(),
            problem,
        }
    }

    #[test]
    fn exactly_one_of_ids_and_usernames_is_taken() {
        let id = "507f1f77bcf86cd799439011";
        assert!(matches!(
            BatchParams::read(&pairs(&[("ids", id)])),
            Ok(Wanted::Ids(_))
        ));
        assert!(matches!(
            BatchParams::read(&pairs(&[("usernames", "johndoe123")])),
            Ok(Wanted::Usernames(_))
        ));
        assert_eq!(
            problems(&[]),
            [named("ids", ParamProblem::RequiredWithout("usernames"))]
        );
        assert_eq!(
            problems(&[("ids", id), ("usernames", "johndoe123")]),
            [named("usernames", ParamProblem::ExcludedBy("ids"))]
        );
        assert_eq!(
            problems(&[("ids", id), ("sort", "x")]),
            [named("sort", ParamProblem::Unknown)]
        );
        assert_eq!(
            problems(&[("ids", id), ("ids", id)]),
            [named("ids", ParamProblem::Repeated)]
        );
    }

    #[test]
    fn each_withheld_profile_carries_the_code_of_the_single_read() {
        for denied in [
            ProfileAccessDenied::NotFound,
            ProfileAccessDenied::Private,
            ProfileAccessDenied::Blocked,
        ] {
            let single = ApiError::from(ViewProfileError::from(denied)).code();
            assert_eq!(
                serde_json::to_value(UnavailableCode::from(denied)).unwrap(),
                serde_json::to_value(single).unwrap(),
                "{denied:?}"
            );
        }
    }
}
