//! The one error of the generator, shared by the plan (settings refused), the
//! COPY streams (the row writer or the database failing) and the load (names
//! or ids already taken).

/// Why the generator did not load the data.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The settings make no sense.
    #[error("invalid generator settings: {0}")]
    InvalidSettings(String),
    /// Generated names or ids are already in the database.
    #[error(
        "{what} is already in the database: the generator creates user_1 ... user_N and needs \
         them free (use a fresh database, for example another DATABASE_URL)"
    )]
    AlreadyPresent {
        /// The name or id found.
        what: String,
    },
    /// PostgreSQL refused something.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The thread making the rows died.
    #[error("the row generator failed: {0}")]
    Generator(String),
}
