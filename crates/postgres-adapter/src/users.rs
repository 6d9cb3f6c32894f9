//! Users in PostgreSQL: the profile a viewer sees (one query joining the
//! photo, the live stream, the block either way and the viewer's follow; one
//! query for a batch too), the relationships between the viewer and a batch of
//! users, the account check behind every token, and the profile update,
//! settled in one statement so two requests cannot interleave.

use async_trait::async_trait;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};

use allmine_domain::RepositoryError;
use allmine_domain::profiles::{
    AccountState, ProfileChanges, RelationshipView, Socials, UpdateProfileFailure, UserLookup,
    UserLookups, UserRepository, ViewerRelations, ViewerRelationships,
};
use allmine_domain::{
    AvailabilityStatus, Relationship, SocialHandles, Stats, User, UserId, Username,
};

use crate::errors::repository_error;
use crate::replica::{FallbackReason, ReadRouting};
use crate::rows::{corrupt, count, follow_state, profile_photo, quantity, user_id};

/// The users and relationships port over PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgUsers {
    routing: ReadRouting,
}

impl PgUsers {
    /// An adapter over this pool: every read and write on it.
    pub fn new(pool: PgPool) -> Self {
        Self::routed(ReadRouting::primary_only(pool))
    }

    /// An adapter whose reads that may lag go where `routing` says (see
    /// [`ReadRouting`]); writes and the account check go to the primary, and
    /// a profile update is recorded as its author's write.
    pub fn routed(routing: ReadRouting) -> Self {
        Self { routing }
    }
}

/// Whether a replica's answer to `viewer` must be confirmed on the primary:
/// it is the viewer's own row (maybe from before their write) or nothing (a
/// name they may just have taken). Holds on every instance of a fleet.
fn own_or_missing<'a>(
    viewer: Option<&UserId>,
    mut answers: impl Iterator<Item = Option<&'a User>>,
) -> bool {
    viewer.is_some_and(|viewer| answers.any(|user| user.is_none_or(|user| user.id == *viewer)))
}

/// One row of the profile queries, as PostgreSQL hands it over.
struct UserRow {
    /// Which of the users asked for the row answers, from 1 (always 1 for a
    /// single read).
    position: i64,
    id: Vec<u8>,
    username: String,
    username_changed_at: Option<OffsetDateTime>,
    name: String,
    surname: String,
    bio: Option<String>,
    interests: Vec<String>,
    expertise: Option<String>,
    birth_date: Option<Date>,
    availability_status: String,
    minute_price_in_live_stream: i32,
    instagram: Option<String>,
    snapchat: Option<String>,
    x: Option<String>,
    tiktok: Option<String>,
    facebook: Option<String>,
    is_private: bool,
    is_deactivated: bool,
    followers_count: i64,
    following_count: i64,
    total_live_streams: i64,
    photo_id: Option<Vec<u8>>,
    photo_url: Option<String>,
    photo_type: Option<String>,
    blocked: bool,
    follow_status: Option<String>,
}

#[async_trait]
impl UserRepository for PgUsers {
    #[tracing::instrument(name = "db.find_for_viewer", skip(self), err(Debug))]
    async fn find_for_viewer(
        &self,
        target: UserLookup<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Option<(User, Relationship)>, RepositoryError> {
        if let (UserLookup::Id(id), Some(viewer)) = (target, viewer)
            && id == viewer
        {
            return self
                .routing
                .on_primary(FallbackReason::OwnProfile, move |pool| {
                    find_one(pool, target, Some(viewer))
                })
                .await;
        }
        self.routing
            .read(
                viewer,
                |found: &Option<(User, Relationship)>| {
                    own_or_missing(
                        viewer,
                        std::iter::once(found.as_ref().map(|(user, _)| user)),
                    )
                },
                move |pool| find_one(pool, target, viewer),
            )
            .await
    }

    #[tracing::instrument(name = "db.find_many_for_viewer", skip(self, targets), fields(count = targets.len()), err(Debug))]
    async fn find_many_for_viewer(
        &self,
        targets: UserLookups<'_>,
        viewer: Option<&UserId>,
    ) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError> {
        if let (UserLookups::Ids(ids), Some(viewer)) = (targets, viewer)
            && ids.contains(viewer)
        {
            return self
                .routing
                .on_primary(FallbackReason::OwnProfile, move |pool| {
                    find_many(pool, targets, Some(viewer))
                })
                .await;
        }
        self.routing
            .read(
                viewer,
                |found: &Vec<Option<(User, Relationship)>>| {
                    own_or_missing(
                        viewer,
                        found
                            .iter()
                            .map(|found| found.as_ref().map(|(user, _)| user)),
                    )
                },
                move |pool| find_many(pool, targets, viewer),
            )
            .await
    }

    #[tracing::instrument(name = "db.relationships_with", skip(self, targets), fields(count = targets.len()), err(Debug))]
    async fn relationships_with(
        &self,
        viewer: &UserId,
        targets: &[UserId],
    ) -> Result<Vec<(AccountState, RelationshipView)>, RepositoryError> {
        self.routing
            .read(
                Some(viewer),
                |_: &Vec<(AccountState, RelationshipView)>| false,
                move |pool| relationships(pool, viewer, targets),
            )
            .await
    }

    #[tracing::instrument(name = "db.account_state", skip(self), err(Debug))]
    async fn account_state(&self, id: &UserId) -> Result<AccountState, RepositoryError> {
        // On the primary: a token of a deactivated account must stop working
        // at once, not after the replica's lag.
        let deactivated = sqlx::query_scalar!(
            r#"SELECT (deactivated_at IS NOT NULL) AS "deactivated!" FROM users WHERE id = $1"#,
            id.as_bytes().as_slice(),
        )
        .fetch_optional(self.routing.primary())
        .await
        .map_err(repository_error)?;
        Ok(match deactivated {
            None => AccountState::Missing,
            Some(true) => AccountState::Deactivated,
            Some(false) => AccountState::Active,
        })
    }

    #[tracing::instrument(name = "db.update_profile", skip(self, changes), err(Debug))]
    async fn update_profile(
        &self,
        id: &UserId,
        changes: &ProfileChanges,
    ) -> Result<(), UpdateProfileFailure> {
        let outcome = update(self.routing.primary(), id, changes).await;
        // Whatever the outcome: a lost answer may hide a commit.
        self.routing.wrote(id).await;
        outcome
    }
}

async fn find_one(
    pool: &PgPool,
    target: UserLookup<'_>,
    viewer: Option<&UserId>,
) -> Result<Option<(User, Relationship)>, RepositoryError> {
    let Some(viewer) = viewer else {
        return find_one_anonymously(pool, target).await;
    };
    let (by_id, by_username) = match target {
        UserLookup::Id(id) => (Some(id.as_bytes().as_slice()), None),
        UserLookup::Username(name) => (None, Some(name.canonical())),
    };
    let viewer = Some(viewer.as_bytes().as_slice());
    // Each branch of `target` uses its own index, also under a generic plan.
    let row = sqlx::query_as!(
        UserRow,
        r#"
            WITH target AS (
                SELECT id FROM users WHERE id = $1
                UNION ALL
                SELECT id FROM users WHERE username_key = $2
                LIMIT 1
            )
            SELECT 1::int8 AS "position!",
                   u.id, u.username, u.username_changed_at, u.name, u.surname, u.bio,
                   u.interests, u.expertise, u.birth_date, u.availability_status,
                   u.minute_price_in_live_stream, u.instagram, u.snapchat, u.x, u.tiktok,
                   u.facebook, u.is_private,
                   (u.deactivated_at IS NOT NULL) AS "is_deactivated!",
                   u.followers_count, u.following_count, u.total_live_streams,
                   p.id AS "photo_id?", p.original_url AS "photo_url?", p.media_type AS "photo_type?",
                   EXISTS (
                       SELECT 1 FROM blocks b
                       WHERE (b.blocker_id = $3 AND b.blocked_id = u.id)
                          OR (b.blocker_id = u.id AND b.blocked_id = $3)
                   ) AS "blocked!",
                   (SELECT f.status FROM follows f
                     WHERE f.follower_id = $3 AND f.followee_id = u.id) AS follow_status
            FROM target t
            JOIN users u ON u.id = t.id
            LEFT JOIN profile_photos p ON p.id = u.profile_photo_id
            "#,
        by_id,
        by_username,
        viewer,
    )
    .fetch_optional(pool)
    .await
    .map_err(repository_error)?;
    row.map(into_domain).transpose()
}

/// The read of a user with no viewer: a profile read anonymously, and every
/// read-model miss (which learns the viewer's relations elsewhere). The
/// commonest read of all, so it is the plainest query: one index probe and
/// the photo, with no relationship to work out.
///
/// Two texts, one per target, on purpose: sqlx checks literals only, and the
/// one query for both that keeps each target on its own index under a generic
/// plan (`u.id = COALESCE($1, (SELECT id … WHERE username_key = $2))`) costs
/// a by-username read one more index probe: 0.94 times the rate of this one
/// in `pgbench -M prepared -c16` (three alternating 8 s runs on a million
/// users).
async fn find_one_anonymously(
    pool: &PgPool,
    target: UserLookup<'_>,
) -> Result<Option<(User, Relationship)>, RepositoryError> {
    let row = match target {
        UserLookup::Id(id) => {
            sqlx::query_as!(
                UserRow,
                r#"
                    SELECT 1::int8 AS "position!",
                           u.id, u.username, u.username_changed_at, u.name, u.surname, u.bio,
                           u.interests, u.expertise, u.birth_date, u.availability_status,
                           u.minute_price_in_live_stream, u.instagram, u.snapchat, u.x, u.tiktok,
                           u.facebook, u.is_private,
                           (u.deactivated_at IS NOT NULL) AS "is_deactivated!",
                           u.followers_count, u.following_count, u.total_live_streams,
                           p.id AS "photo_id?", p.original_url AS "photo_url?",
                           p.media_type AS "photo_type?",
                           false AS "blocked!", NULL::text AS follow_status
                    FROM users u
                    LEFT JOIN profile_photos p ON p.id = u.profile_photo_id
                    WHERE u.id = $1
                    "#,
                id.as_bytes().as_slice(),
            )
            .fetch_optional(pool)
            .await
        }
        UserLookup::Username(name) => {
            sqlx::query_as!(
                UserRow,
                r#"
                    SELECT 1::int8 AS "position!",
                           u.id, u.username, u.username_changed_at, u.name, u.surname, u.bio,
                           u.interests, u.expertise, u.birth_date, u.availability_status,
                           u.minute_price_in_live_stream, u.instagram, u.snapchat, u.x, u.tiktok,
                           u.facebook, u.is_private,
                           (u.deactivated_at IS NOT NULL) AS "is_deactivated!",
                           u.followers_count, u.following_count, u.total_live_streams,
                           p.id AS "photo_id?", p.original_url AS "photo_url?",
                           p.media_type AS "photo_type?",
                           false AS "blocked!", NULL::text AS follow_status
                    FROM users u
                    LEFT JOIN profile_photos p ON p.id = u.profile_photo_id
                    WHERE u.username_key = $1
                    "#,
                name.canonical(),
            )
            .fetch_optional(pool)
            .await
        }
    }
    .map_err(repository_error)?;
    row.map(into_domain).transpose()
}

async fn find_many(
    pool: &PgPool,
    targets: UserLookups<'_>,
    viewer: Option<&UserId>,
) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError> {
    let Some(viewer) = viewer else {
        return find_many_anonymously(pool, targets).await;
    };
    let (ids, keys): (Vec<Vec<u8>>, Vec<String>) = match targets {
        UserLookups::Ids(ids) => (
            ids.iter().map(|id| id.as_bytes().to_vec()).collect(),
            vec![],
        ),
        UserLookups::Usernames(names) => (vec![], names.iter().map(Username::canonical).collect()),
    };
    let viewer = Some(viewer.as_bytes().as_slice());
    // One query for the batch, the same columns as `find_for_viewer`; each
    // branch of `wanted` reads its own index (one of the two arrays is empty),
    // and `position` says which user asked for each row.
    let rows = sqlx::query_as!(
        UserRow,
        r#"
            WITH wanted AS (
                SELECT w.position, u.id
                FROM unnest($1::bytea[]) WITH ORDINALITY AS w(id, position)
                JOIN users u ON u.id = w.id
                UNION ALL
                SELECT w.position, u.id
                FROM unnest($2::text[]) WITH ORDINALITY AS w(key, position)
                JOIN users u ON u.username_key = w.key
            )
            SELECT wanted.position AS "position!",
                   u.id, u.username, u.username_changed_at, u.name, u.surname, u.bio,
                   u.interests, u.expertise, u.birth_date, u.availability_status,
                   u.minute_price_in_live_stream, u.instagram, u.snapchat, u.x, u.tiktok,
                   u.facebook, u.is_private,
                   (u.deactivated_at IS NOT NULL) AS "is_deactivated!",
                   u.followers_count, u.following_count, u.total_live_streams,
                   p.id AS "photo_id?", p.original_url AS "photo_url?", p.media_type AS "photo_type?",
                   EXISTS (
                       SELECT 1 FROM blocks b
                       WHERE (b.blocker_id = $3 AND b.blocked_id = u.id)
                          OR (b.blocker_id = u.id AND b.blocked_id = $3)
                   ) AS "blocked!",
                   (SELECT f.status FROM follows f
                     WHERE f.follower_id = $3 AND f.followee_id = u.id) AS follow_status
            FROM wanted
            JOIN users u ON u.id = wanted.id
            LEFT JOIN profile_photos p ON p.id = u.profile_photo_id
            ORDER BY wanted.position
            "#,
        &ids,
        &keys,
        viewer,
    )
    .fetch_all(pool)
    .await
    .map_err(repository_error)?;
    in_asked_order(rows, targets.len())
}

/// Users read with no viewer, in one query: the read model's misses, read
/// together, and its feed's re-reads. As plain as [`find_one_anonymously`]
/// (each wanted user one index probe and the photo), so that a batch costs
/// the database little more than its rows: in `pgbench -M prepared -c16` on a
/// million users, sixteen names a query read 70,000 users a second, one a
/// query 14,000. Two texts, one per kind of key, for the reason given on
/// `find_one_anonymously` (the one text for both that `find_many` uses for a
/// viewer, a union over both arrays, read 12,400 a second one to a query and
/// 64,000 sixteen to a query).
async fn find_many_anonymously(
    pool: &PgPool,
    targets: UserLookups<'_>,
) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError> {
    let rows = match targets {
        UserLookups::Ids(ids) => {
            let ids: Vec<Vec<u8>> = ids.iter().map(|id| id.as_bytes().to_vec()).collect();
            sqlx::query_as!(
                UserRow,
                r#"
                    SELECT w.position AS "position!",
                           u.id, u.username, u.username_changed_at, u.name, u.surname, u.bio,
                           u.interests, u.expertise, u.birth_date, u.availability_status,
                           u.minute_price_in_live_stream, u.instagram, u.snapchat, u.x, u.tiktok,
                           u.facebook, u.is_private,
                           (u.deactivated_at IS NOT NULL) AS "is_deactivated!",
                           u.followers_count, u.following_count, u.total_live_streams,
                           p.id AS "photo_id?", p.original_url AS "photo_url?",
                           p.media_type AS "photo_type?",
                           false AS "blocked!", NULL::text AS follow_status
                    FROM unnest($1::bytea[]) WITH ORDINALITY AS w(id, position)
                    JOIN users u ON u.id = w.id
                    LEFT JOIN profile_photos p ON p.id = u.profile_photo_id
                    "#,
                &ids,
            )
            .fetch_all(pool)
            .await
        }
        UserLookups::Usernames(names) => {
            let keys: Vec<String> = names.iter().map(Username::canonical).collect();
            sqlx::query_as!(
                UserRow,
                r#"
                    SELECT w.position AS "position!",
                           u.id, u.username, u.username_changed_at, u.name, u.surname, u.bio,
                           u.interests, u.expertise, u.birth_date, u.availability_status,
                           u.minute_price_in_live_stream, u.instagram, u.snapchat, u.x, u.tiktok,
                           u.facebook, u.is_private,
                           (u.deactivated_at IS NOT NULL) AS "is_deactivated!",
                           u.followers_count, u.following_count, u.total_live_streams,
                           p.id AS "photo_id?", p.original_url AS "photo_url?",
                           p.media_type AS "photo_type?",
                           false AS "blocked!", NULL::text AS follow_status
                    FROM unnest($1::text[]) WITH ORDINALITY AS w(key, position)
                    JOIN users u ON u.username_key = w.key
                    LEFT JOIN profile_photos p ON p.id = u.profile_photo_id
                    "#,
                &keys,
            )
            .fetch_all(pool)
            .await
        }
    }
    .map_err(repository_error)?;
    in_asked_order(rows, targets.len())
}

async fn relationships(
    pool: &PgPool,
    viewer: &UserId,
    targets: &[UserId],
) -> Result<Vec<(AccountState, RelationshipView)>, RepositoryError> {
    let ids: Vec<Vec<u8>> = targets.iter().map(|id| id.as_bytes().to_vec()).collect();
    // One query: each wanted user that exists, with the four facts read
    // from the primary keys of `follows` and `blocks`, both ways.
    let rows = sqlx::query!(
        r#"
            SELECT u.id,
                   (u.deactivated_at IS NOT NULL) AS "is_deactivated!",
                   (SELECT f.status FROM follows f
                     WHERE f.follower_id = $2 AND f.followee_id = u.id) AS following,
                   EXISTS (SELECT 1 FROM follows f
                            WHERE f.follower_id = u.id AND f.followee_id = $2
                              AND f.status = 'accepted') AS "followed_by!",
                   EXISTS (SELECT 1 FROM blocks b
                            WHERE b.blocker_id = $2 AND b.blocked_id = u.id) AS "blocking!",
                   EXISTS (SELECT 1 FROM blocks b
                            WHERE b.blocker_id = u.id AND b.blocked_id = $2) AS "blocked_by!"
            FROM unnest($1::bytea[]) WITH ORDINALITY AS wanted(id, position)
            JOIN users u ON u.id = wanted.id
            ORDER BY wanted.position
            "#,
        &ids,
        viewer.as_bytes().as_slice(),
    )
    .fetch_all(pool)
    .await
    .map_err(repository_error)?;
    rows.into_iter()
        .map(|row| {
            let state = if row.is_deactivated {
                AccountState::Deactivated
            } else {
                AccountState::Active
            };
            let view = RelationshipView {
                user: user_id(&row.id, "users.id")?,
                following: follow_state(row.following.as_deref())?,
                followed_by: row.followed_by,
                blocking: row.blocking,
                blocked_by: row.blocked_by,
            };
            Ok((state, view))
        })
        .collect()
}

async fn update(
    pool: &PgPool,
    id: &UserId,
    changes: &ProfileChanges,
) -> Result<(), UpdateProfileFailure> {
    let (name_set, name) = set(&changes.name);
    let (surname_set, surname) = set(&changes.surname);
    let (bio_set, bio) = set_nullable(&changes.bio);
    let (interests_set, interests) = set(&changes.interests);
    let (expertise_set, expertise) = set_nullable(&changes.expertise);
    let (birth_set, birth_date) = set(&changes.birth_date);
    let (status_set, status) = set(&changes.availability_status.map(|s| s.as_str().to_owned()));
    let (price_set, price) = set(&changes
        .minute_price
        .map(|p| i32::try_from(p).unwrap_or(i32::MAX)));
    let Socials {
        instagram,
        snapchat,
        x,
        tiktok,
        facebook,
    } = &changes.socials;
    let (instagram_set, instagram) = set_nullable(instagram);
    let (snapchat_set, snapchat) = set_nullable(snapchat);
    let (x_set, x) = set_nullable(x);
    let (tiktok_set, tiktok) = set_nullable(tiktok);
    let (facebook_set, facebook) = set_nullable(facebook);
    let (private_set, private) = set(&changes.is_private);
    let (photo_set, photo) = set_nullable(
        &changes
            .profile_photo
            .map(|p| p.map(|id| id.as_bytes().to_vec())),
    );
    // One statement, each column written only when its flag says so: a
    // field can be set, cleared to NULL, or left alone.
    let result = sqlx::query!(
        r#"
            UPDATE users SET
                name = CASE WHEN $2 THEN $3::text ELSE name END,
                surname = CASE WHEN $4 THEN $5::text ELSE surname END,
                bio = CASE WHEN $6 THEN $7::text ELSE bio END,
                interests = CASE WHEN $8 THEN $9::text[] ELSE interests END,
                expertise = CASE WHEN $10 THEN $11::text ELSE expertise END,
                birth_date = CASE WHEN $12 THEN $13::date ELSE birth_date END,
                availability_status = CASE WHEN $14 THEN $15::text ELSE availability_status END,
                minute_price_in_live_stream = CASE WHEN $16 THEN $17::int4 ELSE minute_price_in_live_stream END,
                instagram = CASE WHEN $18 THEN $19::text ELSE instagram END,
                snapchat = CASE WHEN $20 THEN $21::text ELSE snapchat END,
                x = CASE WHEN $22 THEN $23::text ELSE x END,
                tiktok = CASE WHEN $24 THEN $25::text ELSE tiktok END,
                facebook = CASE WHEN $26 THEN $27::text ELSE facebook END,
                is_private = CASE WHEN $28 THEN $29::bool ELSE is_private END,
                profile_photo_id = CASE WHEN $30 THEN $31::bytea ELSE profile_photo_id END,
                updated_at = now()
            WHERE id = $1
            "#,
        id.as_bytes().as_slice(),
        name_set, name,
        surname_set, surname,
        bio_set, bio,
        interests_set, interests.as_deref(),
        expertise_set, expertise,
        birth_set, birth_date,
        status_set, status,
        price_set, price,
        instagram_set, instagram,
        snapchat_set, snapchat,
        x_set, x,
        tiktok_set, tiktok,
        facebook_set, facebook,
        private_set, private,
        photo_set, photo,
    )
    .execute(pool)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(error))
            if error.constraint() == Some("users_profile_photo_owned_fk") =>
        {
            Err(UpdateProfileFailure::PhotoNotOwned)
        }
        Err(error) => Err(repository_error(error).into()),
    }
}

#[async_trait]
impl ViewerRelationships for PgUsers {
    #[tracing::instrument(name = "db.relations_of", skip(self), err(Debug))]
    async fn relations_of(
        &self,
        viewer: &UserId,
        at_most: usize,
    ) -> Result<Option<ViewerRelations>, RepositoryError> {
        // On the primary whatever the routing: it fills the read model, which
        // must never hold what a lagging copy had.
        // One more than allowed says "too many" without reading them all.
        let limit = i64::try_from(at_most.saturating_add(1)).unwrap_or(i64::MAX);
        // Each branch reads an index led by the viewer: the primary keys of
        // `follows` and `blocks`, and `blocks_blocked_idx`.
        let rows = sqlx::query!(
            r#"
            SELECT other AS "other!", kind AS "kind!"
            FROM (
                SELECT followee_id AS other, status AS kind FROM follows WHERE follower_id = $1
                UNION ALL
                SELECT blocked_id, 'block' FROM blocks WHERE blocker_id = $1
                UNION ALL
                SELECT blocker_id, 'block' FROM blocks WHERE blocked_id = $1
            ) AS relations
            LIMIT $2
            "#,
            viewer.as_bytes().as_slice(),
            limit,
        )
        .fetch_all(self.routing.primary())
        .await
        .map_err(repository_error)?;
        if rows.len() > at_most {
            return Ok(None);
        }
        let mut follows = Vec::new();
        let mut blocked = Vec::new();
        for row in rows {
            let other = user_id(&row.other, "follows/blocks")?;
            if row.kind == "block" {
                blocked.push(other);
            } else {
                follows.push((other, follow_state(Some(&row.kind))?));
            }
        }
        Ok(Some(ViewerRelations::new(follows, blocked)))
    }
}

/// The users of a batch's `rows`, each at the `position` that asked for it,
/// `None` where no row came: one slot for each of the `asked`.
fn in_asked_order(
    rows: Vec<UserRow>,
    asked: usize,
) -> Result<Vec<Option<(User, Relationship)>>, RepositoryError> {
    let mut found: Vec<Option<(User, Relationship)>> = vec![None; asked];
    for row in rows {
        let slot = slot(&mut found, row.position)?;
        *slot = Some(into_domain(row)?);
    }
    Ok(found)
}

/// The answer's place for a row at 1-based `position` of the asked users.
fn slot<T>(found: &mut [Option<T>], position: i64) -> Result<&mut Option<T>, RepositoryError> {
    usize::try_from(position)
        .ok()
        .and_then(|position| position.checked_sub(1))
        .and_then(|index| found.get_mut(index))
        .ok_or_else(|| corrupt("wanted.position"))
}

/// A field of an update: whether to write it, and the value to write.
fn set<T: Clone>(change: &Option<T>) -> (bool, Option<T>) {
    (change.is_some(), change.clone())
}

fn set_nullable<T: Clone>(change: &Option<Option<T>>) -> (bool, Option<T>) {
    (change.is_some(), change.clone().flatten())
}

fn into_domain(row: UserRow) -> Result<(User, Relationship), RepositoryError> {
    let profile_photo = profile_photo(row.photo_id, row.photo_url, row.photo_type)?;
    let user = User {
        id: user_id(&row.id, "users.id")?,
        username: Username::existing(&row.username).map_err(|_| corrupt("users.username"))?,
        username_changed_at: row.username_changed_at,
        name: row.name,
        surname: row.surname,
        bio: row.bio,
        interests: row.interests,
        expertise: row.expertise,
        birth_date: row.birth_date,
        availability_status: AvailabilityStatus::parse(&row.availability_status)
            .ok_or_else(|| corrupt("users.availability_status"))?,
        minute_price_in_live_stream: quantity(
            row.minute_price_in_live_stream,
            "users.minute_price_in_live_stream",
        )?,
        socials: SocialHandles {
            instagram: row.instagram,
            snapchat: row.snapchat,
            x: row.x,
            tiktok: row.tiktok,
            facebook: row.facebook,
        },
        profile_photo,
        is_private: row.is_private,
        is_deactivated: row.is_deactivated,
        stats: Stats {
            followers: count(row.followers_count, "users.followers_count")?,
            following: count(row.following_count, "users.following_count")?,
            total_live_streams: count(row.total_live_streams, "users.total_live_streams")?,
        },
    };
    let follow = follow_state(row.follow_status.as_deref())?;
    Ok((
        user,
        Relationship {
            blocked: row.blocked,
            follow,
        },
    ))
}
