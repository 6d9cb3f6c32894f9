//! Everything decided before a row is written: [`GeneratorSettings`] checked
//! and turned into a [`Plan`], which answers for any user number whether that
//! user is private, deactivated or on air and who is popular, and holds the
//! blocked pairs; and the salts that give each table its own stream of random
//! numbers.

use std::collections::HashSet;

use crate::calendar::now_micros;
use crate::error::GenerateError;
use crate::rng::{Rng, hash};

/// How much to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorSettings {
    /// Users `user_1` ... `user_<users>`.
    pub users: u64,
    /// Average follows made by each user (default 10).
    pub follows_per_user: u64,
    /// Live streams per user (default 0.1: one stream per ten users).
    pub streams_per_user_ratio: f64,
    /// Average credit transactions per user (default 10).
    pub transactions_per_user: u64,
    /// Credit transactions of `user_1` (default 100,000).
    pub heavy_user_transactions: u64,
    /// Seed of the pseudo-random generator: the same seed gives the same data.
    pub seed: u64,
}

impl GeneratorSettings {
    /// The defaults for this many users.
    pub fn new(users: u64) -> Self {
        Self {
            users,
            follows_per_user: 10,
            streams_per_user_ratio: 0.1,
            transactions_per_user: 10,
            heavy_user_transactions: 100_000,
            seed: 1,
        }
    }
}

/// Salts: each table draws from its own stream of random numbers.
pub(crate) const SALT_USERS: u64 = 1;
const SALT_PRIVATE: u64 = 2;
const SALT_DEACTIVATED: u64 = 3;
const SALT_LIVE: u64 = 4;
pub(crate) const SALT_FOLLOWS: u64 = 5;
pub(crate) const SALT_STREAMS: u64 = 6;
pub(crate) const SALT_BLOCKS: u64 = 7;
pub(crate) const SALT_TRANSACTIONS: u64 = 8;

/// Users numbered up to this many: follows and blocks pack two into a u64.
const MAX_USERS: u64 = u32::MAX as u64;

/// The settings, checked, and what follows from them.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) users: u64,
    pub(crate) follows_per_user: u64,
    pub(crate) streams: u64,
    pub(crate) transactions_per_user: u64,
    pub(crate) heavy_user_transactions: u64,
    seed: u64,
    /// Microseconds since the Unix epoch when the plan was made.
    pub(crate) now: i64,
    /// Users on air now, ascending.
    pub(crate) live_hosts: Vec<u64>,
    /// Blocks (blocker, blocked), ascending.
    pub(crate) blocks: Vec<(u64, u64)>,
    /// Both orders of every blocked pair, packed: no follow joins them.
    pub(crate) blocked_pairs: HashSet<u64>,
}

impl Plan {
    pub(crate) fn new(settings: &GeneratorSettings) -> Result<Self, GenerateError> {
        let invalid = |message: &str| Err(GenerateError::InvalidSettings(message.to_owned()));
        if settings.users == 0 || settings.users > MAX_USERS {
            return invalid("users must be between 1 and 4294967295");
        }
        if !(settings.streams_per_user_ratio >= 0.0 && settings.streams_per_user_ratio <= 100.0) {
            return invalid("streams_per_user_ratio must be between 0 and 100");
        }
        if settings.follows_per_user > 10_000 || settings.transactions_per_user > 1_000_000 {
            return invalid("follows_per_user or transactions_per_user is implausibly large");
        }
        let now = now_micros();
        let mut plan = Self {
            users: settings.users,
            follows_per_user: settings.follows_per_user,
            streams: 0,
            transactions_per_user: settings.transactions_per_user,
            heavy_user_transactions: settings.heavy_user_transactions,
            seed: settings.seed,
            now,
            live_hosts: Vec::new(),
            blocks: Vec::new(),
            blocked_pairs: HashSet::new(),
        };
        plan.live_hosts = (1..=plan.users).filter(|&n| plan.is_live(n)).collect();
        let wanted = (settings.users as f64 * settings.streams_per_user_ratio).round() as u64;
        plan.streams = wanted.max(plan.live_hosts.len() as u64);
        plan.blocks = plan.make_blocks();
        plan.blocked_pairs = plan
            .blocks
            .iter()
            .flat_map(|&(a, b)| [pair(a, b), pair(b, a)])
            .collect();
        Ok(plan)
    }

    pub(crate) fn rng(&self, salt: u64, n: u64) -> Rng {
        Rng(hash(self.seed, salt, n))
    }

    fn is_showcase(&self, n: u64) -> bool {
        n <= 10
    }

    pub(crate) fn is_private(&self, n: u64) -> bool {
        !self.is_showcase(n) && hash(self.seed, SALT_PRIVATE, n) % 100 < 10
    }

    pub(crate) fn is_deactivated(&self, n: u64) -> bool {
        !self.is_showcase(n) && hash(self.seed, SALT_DEACTIVATED, n) % 100 < 2
    }

    /// `user_2` always, and one active user in two hundred.
    fn is_live(&self, n: u64) -> bool {
        n == 2
            || (!self.is_showcase(n)
                && !self.is_deactivated(n)
                && hash(self.seed, SALT_LIVE, n).is_multiple_of(200))
    }

    /// Heavy-tailed: `user_1` is the most popular, then `user_2`, ...
    pub(crate) fn popular_user(&self, rng: &mut Rng, exponent: i32) -> u64 {
        let pick = (self.users as f64 * rng.unit().powi(exponent)) as u64;
        (pick + 1).min(self.users)
    }

    fn make_blocks(&self) -> Vec<(u64, u64)> {
        if self.users < 2 {
            return Vec::new();
        }
        let target = (self.users / 100).max(1) as usize;
        let mut blocks = Vec::with_capacity(target + 1);
        if self.users >= 4 {
            blocks.push((3, 4));
        }
        let mut rng = self.rng(SALT_BLOCKS, 0);
        let mut attempts = 0;
        while blocks.len() < target && attempts < 10 * target + 100 {
            attempts += 1;
            let blocker = 1 + rng.below(self.users);
            let blocked = 1 + rng.below(self.users);
            // Keep the showcase users' relationships as documented.
            if blocker == blocked || self.is_showcase(blocker) || self.is_showcase(blocked) {
                continue;
            }
            blocks.push((blocker, blocked));
            if blocks.len() == target {
                blocks.sort_unstable();
                blocks.dedup();
            }
        }
        blocks.sort_unstable();
        blocks.dedup();
        blocks
    }
}

/// Two user numbers in one `u64`, `a` high.
pub(crate) fn pair(a: u64, b: u64) -> u64 {
    (a << 32) | b
}
