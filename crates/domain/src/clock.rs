//! The clock port: the current time, behind a trait so that tests can step through a
//! 30-day cooldown without sleeping. A shared leaf: every area may use it; it uses none.

use time::OffsetDateTime;

/// The current time. A port so that tests can step through a 30-day cooldown
/// without sleeping.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
