//! How a driver error becomes a domain storage failure: retryable
//! (`Unavailable`) or not (`Failed`), decided in one place.

use allmine_domain::RepositoryError;

/// Sorts a driver error into the domain's two kinds of storage failure: the
/// ones worth retrying soon (the server is down, restarting, overloaded, or a
/// statement ran past its timeout) and all the others.
pub fn repository_error(error: sqlx::Error) -> RepositoryError {
    if is_transient(&error) {
        RepositoryError::Unavailable(Box::new(error))
    } else {
        RepositoryError::Failed(Box::new(error))
    }
}

fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 53: insufficient resources;
            // 55P03: lock_not_available (lock_timeout);
            // 57014: query_canceled (statement_timeout); 57P0x: server shutting down.
            code.starts_with("08")
                || code.starts_with("53")
                || code == "55P03"
                || code == "57014"
                || code.starts_with("57P")
        }),
        _ => false,
    }
}
