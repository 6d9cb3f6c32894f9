//! The generator's own connection to the database the pool points at.

use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

/// A connection of our own, like the pool's: its settings never leak into the
/// pool, and the long statements do not fill the logs with "slow statement"
/// warnings.
pub(crate) async fn quiet_connection(pool: &PgPool) -> Result<PgConnection, sqlx::Error> {
    let options = (*pool.connect_options())
        .clone()
        .disable_statement_logging();
    PgConnection::connect_with(&options).await
}
