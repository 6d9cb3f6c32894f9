//! The failure every storage port shares: [`RepositoryError`], and [`BoxError`] for the
//! adapter's own cause. A shared leaf: every area's ports return it; it uses no area.

/// Any error an adapter wants to pass along as the cause of a failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A storage failure, in the only terms the domain cares about: is it worth
/// retrying soon (`Unavailable`) or not (`Failed`)?
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The store cannot be reached or is overloaded right now; a later retry may work.
    #[error("the data store is unavailable")]
    Unavailable(#[source] BoxError),
    /// The store answered with something unexpected.
    #[error("the data store failed")]
    Failed(#[source] BoxError),
}
