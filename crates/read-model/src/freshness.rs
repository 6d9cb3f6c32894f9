//! How fresh the read model is: the latest moment before which every committed
//! change is known to have been applied.
//!
//! Each feed read is taken at some moment and reports the transactions not yet
//! started ([`FeedBatch::unstarted_from`]): every change committed before that
//! moment belongs to an older transaction. Once a later complete read has been
//! applied and reports every transaction below that number settled
//! ([`FeedBatch::settled_below`]), the model has applied every change
//! committed before the earlier moment. A transaction that stays open holds
//! the settled bound back, and with it the freshness: the model then stops
//! being trusted instead of serving what it cannot vouch for.
//!
//! [`FeedBatch::unstarted_from`]: allmine_domain::feed::FeedBatch::unstarted_from
//! [`FeedBatch::settled_below`]: allmine_domain::feed::FeedBatch::settled_below

use std::collections::VecDeque;
use std::time::Instant;

/// Reads waiting for the settled bound to pass what they saw unstarted.
/// Older ones beyond this many are forgotten: a freshness that old is past
/// any useful bound anyway.
const WAITING_AT_MOST: usize = 1024;

/// Tracks the moment the model is fresh as of.
#[derive(Debug, Default)]
pub(crate) struct Freshness {
    waiting: VecDeque<(Instant, u64)>,
    fresh_as_of: Option<Instant>,
}

impl Freshness {
    /// Records a read taken at `read_at` that saw transactions from
    /// `unstarted_from` on unstarted.
    pub(crate) fn read_taken(&mut self, read_at: Instant, unstarted_from: u64) {
        if self.waiting.len() == WAITING_AT_MOST {
            self.waiting.pop_front();
        }
        self.waiting.push_back((read_at, unstarted_from));
    }

    /// Records that every change of the transactions below `settled_below`
    /// has been applied, and returns the moment the model is now fresh as of.
    pub(crate) fn applied_below(&mut self, settled_below: u64) -> Option<Instant> {
        while let Some(&(read_at, unstarted_from)) = self.waiting.front() {
            if unstarted_from > settled_below {
                break;
            }
            self.waiting.pop_front();
            self.fresh_as_of = Some(self.fresh_as_of.map_or(read_at, |then| then.max(read_at)));
        }
        self.fresh_as_of
    }

    /// Forgets everything: after the model was emptied, nothing is vouched for.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_read_with_nothing_running_makes_the_model_fresh_as_of_that_read() {
        let mut freshness = Freshness::default();
        let read_at = Instant::now();
        freshness.read_taken(read_at, 100);
        assert_eq!(freshness.applied_below(100), Some(read_at));
    }

    #[test]
    fn an_open_older_transaction_holds_freshness_back_until_it_settles() {
        let mut freshness = Freshness::default();
        let start = Instant::now();
        let first = start;
        let second = start + Duration::from_millis(100);
        let third = start + Duration::from_millis(200);
        // Transaction 90 stays open: reads see 90 unsettled.
        freshness.read_taken(first, 100);
        assert_eq!(freshness.applied_below(90), None);
        freshness.read_taken(second, 105);
        assert_eq!(freshness.applied_below(90), None);
        // 90 ends; everything below 104 is settled: the first read is covered,
        // the second (which saw 104 running) is not yet.
        freshness.read_taken(third, 110);
        assert_eq!(freshness.applied_below(104), Some(first));
        assert_eq!(freshness.applied_below(110), Some(third));
    }

    #[test]
    fn freshness_never_moves_back_and_resets_to_nothing() {
        let mut freshness = Freshness::default();
        let later = Instant::now() + Duration::from_secs(1);
        freshness.read_taken(later, 10);
        assert_eq!(freshness.applied_below(10), Some(later));
        assert_eq!(freshness.applied_below(5), Some(later));
        freshness.reset();
        assert_eq!(freshness.applied_below(1_000), None);
    }

    #[test]
    fn a_backlog_of_reads_is_bounded() {
        let mut freshness = Freshness::default();
        let start = Instant::now();
        for n in 0..(WAITING_AT_MOST as u64 + 10) {
            freshness.read_taken(start + Duration::from_millis(n), 1_000 + n);
        }
        assert_eq!(freshness.waiting.len(), WAITING_AT_MOST);
        assert_eq!(
            freshness.applied_below(u64::MAX),
            Some(start + Duration::from_millis(WAITING_AT_MOST as u64 + 9))
        );
    }
}
