//! `follows`: each user follows about `follows_per_user` others, drawn toward
//! the popular, never themself and never across a block; follows of private
//! users are sometimes still pending.

use crate::calendar::{MICROS_PER_DAY, YEAR};
use crate::copy::{Closed, Sink};
use crate::ids::USER_PREFIX;
use crate::plan::{Plan, SALT_FOLLOWS, pair};

/// The columns, in the order the writer below writes them.
pub(crate) const FOLLOWS_COPY: &str =
    "COPY follows (follower_id, followee_id, status, created_at, accepted_at) FROM STDIN";

/// Returns the number of pending follows.
pub(crate) fn write_follows(plan: &Plan, out: &mut Sink) -> Result<u64, Closed> {
    let mut pending = 0;
    let mut followees: Vec<u64> = Vec::new();
    for follower in 1..=plan.users {
        let mut rng = plan.rng(SALT_FOLLOWS, follower);
        let wanted = (plan.follows_per_user as f64 * -(1.0 - rng.unit()).ln()).round() as u64;
        let wanted = wanted
            .min(plan.users - 1)
            .min(50 * plan.follows_per_user + 50) as usize;
        followees.clear();
        let mut attempts = 0;
        while followees.len() < wanted && attempts < 4 * wanted + 16 {
            attempts += 1;
            let followee = plan.popular_user(&mut rng, 3);
            if followee == follower || plan.blocked_pairs.contains(&pair(follower, followee)) {
                continue;
            }
            if let Err(at) = followees.binary_search(&followee) {
                followees.insert(at, followee);
            }
        }
        for &followee in &followees {
            let is_pending = plan.is_private(followee) && rng.chance(0.4);
            let created = plan.now - rng.below_i64(YEAR);
            out.id(USER_PREFIX, follower);
            out.id(USER_PREFIX, followee);
            if is_pending {
                pending += 1;
                out.text("pending");
                out.timestamp(created);
                out.null();
            } else {
                let wait = if plan.is_private(followee) {
                    rng.below_i64(2 * MICROS_PER_DAY)
                } else {
                    0
                };
                out.text("accepted");
                out.timestamp(created);
                out.timestamp((created + wait).min(plan.now));
            }
            out.end_row()?;
        }
    }
    Ok(pending)
}
