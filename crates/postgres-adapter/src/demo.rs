//! The demo fixture: the docs' example users (`johndoe123` and the people
//! around him) loaded into an empty development database, once.

use sqlx::PgPool;

use allmine_domain::UserId;

/// The docs' example user, `johndoe123`.
pub const DEMO_USER_ID: UserId = UserId::from_bytes([
    0x50, 0x7f, 0x1f, 0x77, 0xbc, 0xf8, 0x6c, 0xd7, 0x99, 0x43, 0x90, 0x11,
]);

/// What [`seed_demo`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoSeed {
    /// The fixture was loaded.
    Loaded,
    /// The demo user already existed; nothing was changed.
    AlreadyPresent,
}

/// Whether the database holds any user at all.
pub async fn has_users(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users) AS "exists!""#)
        .fetch_one(pool)
        .await
}

/// Loads the demo fixture (see `sql/demo.sql`) in one transaction, unless the
/// demo user is already there.
pub async fn seed_demo(pool: &PgPool) -> Result<DemoSeed, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Two instances starting on an empty database must not both load it.
    sqlx::query!("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let present = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE id = $1) AS "exists!""#,
        DEMO_USER_ID.as_bytes().as_slice(),
    )
    .fetch_one(&mut *tx)
    .await?;
    if present {
        return Ok(DemoSeed::AlreadyPresent);
    }
    sqlx::raw_sql(include_str!("../sql/demo.sql"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(DemoSeed::Loaded)
}
