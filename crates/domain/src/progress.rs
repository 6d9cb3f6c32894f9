//! How long work reports how far it got: the generator's load and the search
//! index's rebuild call a [`Progress`] per phase, and the server decides how
//! to show it (a bar on a terminal, a log line every few seconds otherwise).
//! The workers stay free of terminal concerns.

use std::sync::Arc;

/// Receives the progress of long work, one phase after another. Called from
/// any thread (the generator writes rows on a blocking thread).
pub trait Progress: Send + Sync {
    /// A phase begins: `total` items are expected (`None` when the work
    /// cannot tell, such as one long SQL statement). A phase still open is
    /// finished first.
    fn start(&self, phase: &str, total: Option<u64>);
    /// `items` more of the current phase are done.
    fn advance(&self, items: u64);
    /// The current phase is over.
    fn finish(&self);
}

/// Reports nothing: for callers that show no progress (tests, the server's
/// own rebuild at start).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _phase: &str, _total: Option<u64>) {}
    fn advance(&self, _items: u64) {}
    fn finish(&self) {}
}

/// A shared [`Progress`].
pub type SharedProgress = Arc<dyn Progress>;
