//! `live_streams`: the ended streams first, hosts drawn toward popular users,
//! then one open stream for each user the plan puts on air.

use crate::calendar::{MICROS_PER_DAY, MICROS_PER_SECOND, YEAR};
use crate::copy::{Closed, Sink};
use crate::ids::{STREAM_PREFIX, USER_PREFIX};
use crate::plan::{Plan, SALT_STREAMS};
use crate::words::STREAM_TITLES;

/// The columns, in the order the writer below writes them.
pub(crate) const STREAMS_COPY: &str =
    "COPY live_streams (id, host_id, title, started_at, ended_at, viewer_count) FROM STDIN";

pub(crate) fn write_streams(plan: &Plan, out: &mut Sink) -> Result<(), Closed> {
    let ended = plan.streams - plan.live_hosts.len() as u64;
    let mut title = String::with_capacity(64);
    for index in 0..plan.streams {
        let mut rng = plan.rng(SALT_STREAMS, index);
        let live_host = index
            .checked_sub(ended)
            .and_then(|i| plan.live_hosts.get(i as usize).copied());
        let host = live_host.unwrap_or_else(|| plan.popular_user(&mut rng, 2));
        title.clear();
        let topic = *rng.pick(STREAM_TITLES);
        title.push_str(topic);
        title.push_str(" #");
        title.push_str(&(1 + rng.below(300)).to_string());
        // Popular hosts draw bigger audiences.
        let reach = if host <= plan.users / 100 + 1 {
            9.0
        } else {
            7.0
        };
        let viewers = (rng.unit() * reach).exp() as i64 - 1;

        out.id(STREAM_PREFIX, index + 1);
        out.id(USER_PREFIX, host);
        out.text(&title);
        if live_host.is_some() {
            out.timestamp(plan.now - rng.below_i64(3 * 3600 * MICROS_PER_SECOND));
            out.null();
        } else {
            let started = plan.now - YEAR + rng.below_i64(YEAR - MICROS_PER_DAY);
            let minutes = 10 + rng.below_i64(170);
            out.timestamp(started);
            out.timestamp(started + minutes * 60 * MICROS_PER_SECOND);
        }
        out.int(viewers);
        out.end_row()?;
    }
    Ok(())
}
