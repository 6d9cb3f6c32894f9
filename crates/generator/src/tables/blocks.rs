//! `blocks`: the pairs the plan chose (`user_3` blocking `user_4` among them),
//! dated within the last year.

use crate::calendar::YEAR;
use crate::copy::{Closed, Sink};
use crate::ids::USER_PREFIX;
use crate::plan::{Plan, SALT_BLOCKS};

/// The columns, in the order the writer below writes them.
pub(crate) const BLOCKS_COPY: &str = "COPY blocks (blocker_id, blocked_id, created_at) FROM STDIN";

pub(crate) fn write_blocks(plan: &Plan, out: &mut Sink) -> Result<(), Closed> {
    let mut rng = plan.rng(SALT_BLOCKS, 1);
    for &(blocker, blocked) in &plan.blocks {
        out.id(USER_PREFIX, blocker);
        out.id(USER_PREFIX, blocked);
        out.timestamp(plan.now - rng.below_i64(YEAR));
        out.end_row()?;
    }
    Ok(())
}
