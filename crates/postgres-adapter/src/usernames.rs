//! Username reservations in PostgreSQL: whether a name is free, taken or held
//! after a rename, and the rename itself, settled by the unique claim on
//! `username_claims` rather than by a read before the write.

use async_trait::async_trait;
use sqlx::PgPool;
use time::OffsetDateTime;

use allmine_domain::RepositoryError;
use allmine_domain::usernames::{
    NameState, UsernameChange, UsernameChangeFailure, UsernameReservations,
};

use crate::errors::repository_error;
use crate::replica::ReadRouting;
use crate::rows::user_id;

/// The username registry over PostgreSQL: `username_claims` holds every name in
/// use or held, `username_history` every change.
#[derive(Debug, Clone)]
pub struct PgUsernames {
    routing: ReadRouting,
}

impl PgUsernames {
    /// An adapter over this pool.
    pub fn new(pool: PgPool) -> Self {
        Self::routed(ReadRouting::primary_only(pool))
    }

    /// An adapter that records each change as its author's write in
    /// `routing`. Everything it reads and writes is on the primary: the
    /// states decide what a caller may take, and a held name must show as
    /// held to its former owner at once.
    pub fn routed(routing: ReadRouting) -> Self {
        Self { routing }
    }
}

#[async_trait]
impl UsernameReservations for PgUsernames {
    #[tracing::instrument(name = "db.username_states", skip(self), err(Debug))]
    async fn states(
        &self,
        canonical_names: &[String],
        now: OffsetDateTime,
    ) -> Result<Vec<NameState>, RepositoryError> {
        let rows = sqlx::query!(
            r#"
            SELECT c.user_id AS "user_id?", c.held_until
            FROM unnest($1::text[]) WITH ORDINALITY AS asked(key, position)
            LEFT JOIN username_claims c ON c.username_key = asked.key
            ORDER BY asked.position
            "#,
            canonical_names,
        )
        .fetch_all(self.routing.primary())
        .await
        .map_err(repository_error)?;
        rows.into_iter()
            .map(|row| {
                let Some(owner) = row.user_id else {
                    return Ok(NameState::Free);
                };
                let owner = user_id(&owner, "username_claims.user_id")?;
                Ok(match row.held_until {
                    None => NameState::InUse { owner },
                    Some(until) if until > now => NameState::Held { owner, until },
                    Some(_) => NameState::Free,
                })
            })
            .collect()
    }

    #[tracing::instrument(name = "db.change_username", skip(self), err(Debug))]
    async fn change(&self, change: &UsernameChange) -> Result<(), UsernameChangeFailure> {
        let outcome = self.store(change).await;
        // Whatever the outcome: a lost answer may hide a commit.
        self.routing.wrote(&change.user).await;
        outcome
    }
}

impl PgUsernames {
    async fn store(&self, change: &UsernameChange) -> Result<(), UsernameChangeFailure> {
        let db = |error: sqlx::Error| UsernameChangeFailure::Repository(repository_error(error));
        let user = change.user.as_bytes().as_slice();
        let new_key = change.new.canonical();
        let old_key = change.old.canonical();
        let mut tx = self.routing.primary().begin().await.map_err(db)?;

        // Compare-and-set on the user's row: of several concurrent changes by
        // one user, the first to commit wins and the others find the row
        // changed. The unique index on username_key settles two users racing
        // for one name in use.
        let updated = sqlx::query!(
            r#"
            UPDATE users SET username = $2, username_changed_at = $3, updated_at = now()
            WHERE id = $1 AND username = $4 AND username_changed_at IS NOT DISTINCT FROM $5
            "#,
            user,
            change.new.as_str(),
            change.changed_at,
            change.old.as_str(),
            change.expected_changed_at,
        )
        .execute(&mut *tx)
        .await;
        match updated {
            Ok(result) if result.rows_affected() == 1 => {}
            Ok(_) => return Err(UsernameChangeFailure::Concurrent),
            Err(sqlx::Error::Database(error))
                if error.constraint() == Some("users_username_key_unique") =>
            {
                return Err(UsernameChangeFailure::Taken);
            }
            Err(error) => return Err(db(error)),
        }

        if new_key != old_key {
            // Claim the new name unless someone else holds it; the row lock of
            // ON CONFLICT serialises racing claims.
            let claimed = sqlx::query_scalar!(
                r#"
                INSERT INTO username_claims (username_key, user_id, held_until)
                VALUES ($1, $2, NULL)
                ON CONFLICT (username_key) DO UPDATE
                    SET user_id = EXCLUDED.user_id, held_until = NULL
                    WHERE username_claims.user_id = EXCLUDED.user_id
                       OR username_claims.held_until <= $3
                RETURNING true AS "claimed!"
                "#,
                new_key,
                user,
                change.now,
            )
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            if claimed.is_none() {
                let held = sqlx::query_scalar!(
                    r#"SELECT (held_until IS NOT NULL) AS "held!" FROM username_claims WHERE username_key = $1"#,
                    new_key,
                )
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
                return Err(if held == Some(true) {
                    UsernameChangeFailure::Held
                } else {
                    UsernameChangeFailure::Taken
                });
            }
            sqlx::query!(
                r#"
                INSERT INTO username_claims (username_key, user_id, held_until)
                VALUES ($1, $2, $3)
                ON CONFLICT (username_key) DO UPDATE SET held_until = EXCLUDED.held_until
                    WHERE username_claims.user_id = EXCLUDED.user_id
                "#,
                old_key,
                user,
                change.hold_until,
            )
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }

        let held_until = if new_key == old_key {
            change.now
        } else {
            change.hold_until
        };
        sqlx::query!(
            r#"
            INSERT INTO username_history (user_id, old_username, new_username, changed_at, held_until)
            VALUES ($1, $2, $3, $4, $5)
            "#,
            user,
            change.old.as_str(),
            change.new.as_str(),
            change.now,
            held_until,
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}
