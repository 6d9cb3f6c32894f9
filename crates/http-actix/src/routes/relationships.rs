//! What the signed-in user and other users are to each other: follows and
//! blocks, both ways, for the follow button and the block menu.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use allmine_domain::FollowState;
use allmine_domain::UserId;
use allmine_domain::profiles::{Batch, RelationshipView};

use crate::caller::Authenticated;
use crate::docs::{ServiceUnavailable, StandardHeaders, Unauthenticated, error_example};
use crate::envelope::{Envelope, ErrorEnvelope, ok};
use crate::error::ApiError;
use crate::query::{self, ParamProblem, read_user_ids};
use crate::routes::users::UserIdText;
use crate::state::ApiState;

/// `GET`: the caller's relationships with a batch of users.
pub const RELATIONSHIPS: &str = "/api/v1/users/me/relationships";

/// Own relationships with other users.
///
/// For each user of `ids` (1 to 100 ids, comma-separated), in the
/// order asked: whether the caller follows them (`none`, `requested`: waiting
/// for a private profile's owner to accept, or `accepted`), whether they
/// follow the caller (an accepted follow), and whether either has blocked the
/// other. Users that do not exist or are deactivated are left out. Blocks and
/// privacy hide nothing here: these are the caller's own relationships.
#[utoipa::path(
    get,
    path = RELATIONSHIPS,
    tag = "Users",
    operation_id = "getMyRelationships",
    params(RelationshipParams, StandardHeaders),
    security(("JWT-auth" = [])),
    responses(
        (status = 200, description = "The relationships, in the order asked", body = Envelope<RelationshipList>, example = json!(examples::relationships())),
        (status = 400, description = "`ids` absent, listing no id or more than 100, or holding a malformed id (each named); an unknown parameter; an invalid header", body = ErrorEnvelope,
            example = json!(error_example(400, &["Validation failed", "ids: must list from 1 to 100 values, separated by commas"], "VALIDATION_FAILED"))),
        Unauthenticated,
        ServiceUnavailable,
    )
)]
pub async fn relationships(
    state: web::Data<ApiState>,
    caller: Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let ids = RelationshipParams::read(&query)?;
    let found = state.profiles.relationships(&caller.0, &ids).await?;
    Ok(ok(RelationshipList {
        items: found.iter().map(Relationship::from).collect(),
    }))
}

/// The relationships endpoint's query, as [`RelationshipParams::read`] fills
/// it: every other parameter, and every bad value, is 400 naming it.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelationshipParams {
    /// The users: 1 to 100 ids, separated by commas (spaces around
    /// each are ignored); an id given twice answers once.
    #[param(value_type = Vec<UserIdText>, style = Form, explode = false, min_items = 1, max_items = 100,
        example = json!(["000000000000000000000001", "0000000000000000000000c8", "507f1f77bcf86cd799439021"]))]
    ids: Option<Batch<UserId>>,
}

impl RelationshipParams {
    /// The users asked about, from the query pairs.
    pub fn read(pairs: &[(String, String)]) -> Result<Batch<UserId>, ApiError> {
        let mut params = Self { ids: None };
        let mut given = false;
        let mut problems = query::read_each(pairs, &[], |name, value, problems| match name {
            "ids" => {
                given = true;
                params.ids = read_user_ids(name, value, problems);
            }
            other => problems.add(other, ParamProblem::Unknown),
        });
        if !given {
            problems.add("ids", ParamProblem::ListSizeOutOfRange);
        }
        match params.ids {
            Some(ids) if problems.is_empty() => Ok(ids),
            _ => Err(problems.into()),
        }
    }
}

/// The caller's relationships, in the order asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationshipList {
    /// One per existing, active user asked about.
    pub items: Vec<Relationship>,
}

/// Whether the caller follows a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Following {
    /// Not following, and no request waiting.
    None,
    /// Asked to follow a private profile; its owner has not accepted yet.
    Requested,
    /// Following.
    Accepted,
}

impl From<FollowState> for Following {
    fn from(state: FollowState) -> Self {
        match state {
            FollowState::NotFollowing => Self::None,
            FollowState::Pending => Self::Requested,
            FollowState::Accepted => Self::Accepted,
        }
    }
}

/// What the caller and one user are to each other.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    /// The other user's id.
    #[serde(rename = "_id")]
    #[schema(pattern = "^[0-9a-f]{24}$", example = "000000000000000000000001")]
    pub id: String,
    /// Whether the caller follows them.
    pub following: Following,
    /// Whether they follow the caller (an accepted follow; a request the
    /// caller has not accepted is not one).
    #[schema(example = true)]
    pub followed_by: bool,
    /// Whether the caller has blocked them.
    #[schema(example = false)]
    pub blocking: bool,
    /// Whether they have blocked the caller.
    #[schema(example = false)]
    pub blocked_by: bool,
}

impl From<&RelationshipView> for Relationship {
    fn from(view: &RelationshipView) -> Self {
        Self {
            id: view.user.to_string(),
            following: view.following.into(),
            followed_by: view.followed_by,
            blocking: view.blocking,
            blocked_by: view.blocked_by,
        }
    }
}

/// Examples shown in the document, from the demo data.
mod examples {
    use serde_json::{Value, json};

    use crate::docs::success_example as success;

    /// johndoe123's relationships with demo_fan_001 (who follows him back),
    /// demo_fan_200 (who does not) and private_jane.
    pub fn relationships() -> Value {
        success(json!({
            "items": [
                {"_id": "000000000000000000000001", "following": "accepted", "followedBy": true, "blocking": false, "blockedBy": false},
                {"_id": "0000000000000000000000c8", "following": "accepted", "followedBy": false, "blocking": false, "blockedBy": false},
                {"_id": "507f1f77bcf86cd799439021", "following": "none", "followedBy": false, "blocking": false, "blockedBy": false}
            ]
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Detail;
    use crate::query::test_pairs as pairs;

    #[test]
    fn ids_are_required_and_nothing_else_is_taken() {
        let problems = |query: &[(&str, &str)]| {
            RelationshipParams::read(&pairs(query))
                .unwrap_err()
                .details()
                .to_vec()
        };
        let named = |name: &str, problem: ParamProblem| Detail::InvalidParameter {
            name: name.into(),
            problem,
        };
        assert_eq!(
            problems(&[]),
            [named("ids", ParamProblem::ListSizeOutOfRange)]
        );
        assert_eq!(
            problems(&[("ids", "507f1f77bcf86cd799439011"), ("usernames", "john")]),
            [named("usernames", ParamProblem::Unknown)]
        );
        let ids = RelationshipParams::read(&pairs(&[(
            "ids",
            "507f1f77bcf86cd799439011,507f1f77bcf86cd799439011",
        )]))
        .unwrap();
        assert_eq!(ids.keys().len(), 1);
    }
}
