//! Where a read goes when a streaming read replica is configured
//! (`DATABASE_READ_URL`): the primary or the replica, chosen per read from the
//! viewer the port call already names. The domain never sees this.
//!
//! The rule (see ADR 0014):
//! - writes, the change feed, the account check, username states, migrations
//!   and the commands stay on the primary (they never come through here);
//! - a signed-in caller reading their own profile reads the primary, and when
//!   the replica answers a signed-in caller with their own row or with nothing
//!   (a lookup by a name they may just have taken), the primary answers
//!   instead: these hold on every instance of a fleet, with no shared state;
//! - after a caller's write, this instance records the primary's WAL position
//!   past the commit and sends that caller's reads to the primary until the
//!   replica reports it has replayed that far (polled by one background task,
//!   never per request);
//! - everything else reads the replica; when the replica is unreachable or a
//!   read on it fails, the primary answers.
//!
//! Every read sent to the primary instead of the replica is counted in
//! `allmine_db_replica_fallbacks_total{reason}`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

use allmine_domain::UserId;

/// How often the replica's replay position is read: a write's author waits at
/// most about this long beyond the replica's own lag before reading it again.
pub const REPLAY_POLL_INTERVAL: Duration = Duration::from_millis(5);
/// How long the replay poller waits before reconnecting to a replica it lost.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
/// Authors remembered by their write position at most; beyond it the oldest
/// positions fold into one floor that holds every signed-in caller on the
/// primary until the replica passes it (memory stays bounded when the replica
/// falls far behind).
const REMEMBERED_WRITES: usize = 100_000;
/// A write whose position could not be read keeps its author on the primary
/// this long.
const UNKNOWN_POSITION_HOLD: Duration = Duration::from_secs(60);
/// The position of a write that could not be read: never replayed.
const UNKNOWN: u64 = u64::MAX;

/// The counter of reads sent to the primary instead of the replica.
pub const FALLBACKS_METRIC: &str = "allmine_db_replica_fallbacks_total";

/// Why a read went to the primary although a replica is configured (the
/// `reason` label of [`FALLBACKS_METRIC`]; a bounded set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FallbackReason {
    /// The replica does not answer its replay-position poll.
    ReplicaDown,
    /// The caller wrote, and the replica has not replayed that write yet
    /// (or cannot say how far it replayed).
    RecentWrite,
    /// A signed-in caller reads their own profile.
    OwnProfile,
    /// The replica answered a signed-in caller with their own row or with
    /// nothing; the primary's answer is the one given.
    OwnOrMissing,
    /// The read failed on the replica.
    ReplicaError,
}

impl FallbackReason {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReplicaDown => "replica_down",
            Self::RecentWrite => "recent_write",
            Self::OwnProfile => "own_profile",
            Self::OwnOrMissing => "own_or_missing",
            Self::ReplicaError => "replica_error",
        }
    }
}

/// Chooses the pool each read goes to. Cheap to clone; clones share the
/// replica's state and the record of recent writes.
#[derive(Clone)]
pub struct ReadRouting {
    shared: Arc<Shared>,
    /// Every read on the primary (the read model's fills, the feed follower),
    /// writes still recorded.
    pinned: bool,
}

impl std::fmt::Debug for ReadRouting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadRouting")
            .field("replica", &self.shared.replica.is_some())
            .field("pinned", &self.pinned)
            .finish_non_exhaustive()
    }
}

struct Shared {
    primary: PgPool,
    replica: Option<Replica>,
}

struct Replica {
    pool: PgPool,
    /// The WAL position the replica has replayed through, as last polled;
    /// 0 while unknown (not polled yet, or the server is not replaying).
    replayed: AtomicU64,
    /// Whether the last poll reached the replica.
    reachable: AtomicBool,
    writes: Mutex<Writes>,
}

#[derive(Default)]
struct Writes {
    /// Each recent author's highest write position not yet replayed.
    by_author: HashMap<UserId, (u64, Instant)>,
    /// Signed-in callers all read the primary until the replica passes this
    /// (positions of authors that did not fit in `by_author`).
    floor: u64,
}

impl Writes {
    fn record(&mut self, author: UserId, position: u64, now: Instant) {
        if self.by_author.len() >= REMEMBERED_WRITES && !self.by_author.contains_key(&author) {
            self.floor = self.floor.max(position);
            return;
        }
        let entry = self.by_author.entry(author).or_insert((0, now));
        *entry = (entry.0.max(position), now);
    }

    /// Whether `viewer`'s reads must wait for the replica to pass `replayed`.
    fn holds(&self, viewer: &UserId, replayed: u64) -> bool {
        (self.floor > 0 && self.floor > replayed)
            || self
                .by_author
                .get(viewer)
                .is_some_and(|(position, _)| *position > replayed)
    }

    /// Forgets what the replica has replayed.
    fn forget_through(&mut self, replayed: u64, now: Instant) {
        self.by_author.retain(|_, (position, at)| {
            if *position == UNKNOWN {
                now.duration_since(*at) < UNKNOWN_POSITION_HOLD
            } else {
                *position > replayed
            }
        });
        if self.floor != 0 && self.floor <= replayed {
            self.floor = 0;
        }
    }
}

/// Where one read goes.
enum Target<'a> {
    Primary,
    Replica(&'a PgPool),
}

impl ReadRouting {
    /// Every read on `primary`: no replica configured.
    pub fn primary_only(primary: PgPool) -> Self {
        Self {
            shared: Arc::new(Shared {
                primary,
                replica: None,
            }),
            pinned: false,
        }
    }

    /// Reads that may lag on `replica`, the others on `primary`. Until
    /// [`follow_replica`](Self::follow_replica) has polled the replica once,
    /// it counts as unreachable and every read goes to the primary.
    pub fn with_replica(primary: PgPool, replica: PgPool) -> Self {
        Self {
            shared: Arc::new(Shared {
                primary,
                replica: Some(Replica {
                    pool: replica,
                    replayed: AtomicU64::new(0),
                    reachable: AtomicBool::new(false),
                    writes: Mutex::new(Writes::default()),
                }),
            }),
            pinned: false,
        }
    }

    /// The same routing for readers that must see the primary (a cache that
    /// is kept exact by the change feed must not be filled from a copy that
    /// lags it); writes through it are still recorded for everyone.
    pub fn pinned_to_primary(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            pinned: true,
        }
    }

    /// The primary's pool: writes and reads that must not lag.
    pub fn primary(&self) -> &PgPool {
        &self.shared.primary
    }

    /// The replica's pool, when one is configured (for pool metrics).
    pub fn replica(&self) -> Option<&PgPool> {
        self.shared.replica.as_ref().map(|replica| &replica.pool)
    }

    /// Whether the replica answered its last replay poll (false without a
    /// replica).
    pub fn replica_reachable(&self) -> bool {
        self.shared
            .replica
            .as_ref()
            .is_some_and(|replica| replica.reachable.load(Ordering::Acquire))
    }

    /// Records that `author` just wrote (called after the commit, whatever
    /// the outcome: a failed answer may hide a commit): until the replica has
    /// replayed the primary's current WAL position, the author's reads on
    /// this instance go to the primary.
    pub async fn wrote(&self, author: &UserId) {
        let Some(replica) = &self.shared.replica else {
            return;
        };
        // Read after the commit returned: the insert position is then past
        // the commit record, whichever connection reads it.
        let position = sqlx::query_scalar!(
            r#"SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::int8 AS "position!""#
        )
        .fetch_one(&self.shared.primary)
        .await;
        let position = match position {
            Ok(position) => u64::try_from(position).unwrap_or(UNKNOWN),
            Err(error) => {
                tracing::warn!(error = %error, "cannot read the primary's WAL position after a write: its author reads the primary for a minute");
                UNKNOWN
            }
        };
        if let Ok(mut writes) = replica.writes.lock() {
            writes.record(*author, position, Instant::now());
        }
    }

    /// Runs the read `run` on the pool chosen for `viewer`; when it ran on
    /// the replica and failed, or its answer makes `recheck` true, runs it
    /// again on the primary and answers that.
    pub(crate) async fn read<'s, T, E, F, Fut>(
        &'s self,
        viewer: Option<&UserId>,
        recheck: impl Fn(&T) -> bool,
        run: F,
    ) -> Result<T, E>
    where
        F: Fn(&'s PgPool) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let replica = match self.target(viewer) {
            Target::Primary => return run(&self.shared.primary).await,
            Target::Replica(pool) => pool,
        };
        let reason = match run(replica).await {
            Ok(answer) if !recheck(&answer) => return Ok(answer),
            Ok(_) => FallbackReason::OwnOrMissing,
            Err(_) => FallbackReason::ReplicaError,
        };
        count(reason);
        run(&self.shared.primary).await
    }

    /// Runs the read on the primary, counting it as a fallback for `reason`
    /// when a replica would otherwise have been asked.
    pub(crate) async fn on_primary<'s, T, E, Fut>(
        &'s self,
        reason: FallbackReason,
        run: impl FnOnce(&'s PgPool) -> Fut,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        if self.shared.replica.is_some() && !self.pinned {
            count(reason);
        }
        run(&self.shared.primary).await
    }

    fn target(&self, viewer: Option<&UserId>) -> Target<'_> {
        let Some(replica) = &self.shared.replica else {
            return Target::Primary;
        };
        if self.pinned {
            return Target::Primary;
        }
        if !replica.reachable.load(Ordering::Acquire) {
            count(FallbackReason::ReplicaDown);
            return Target::Primary;
        }
        if let Some(viewer) = viewer {
            let replayed = replica.replayed.load(Ordering::Acquire);
            // A poisoned lock holds the caller on the primary: never stale.
            let held = replica
                .writes
                .lock()
                .map_or(true, |writes| writes.holds(viewer, replayed));
            if held {
                count(FallbackReason::RecentWrite);
                return Target::Primary;
            }
        }
        Target::Replica(&replica.pool)
    }

    /// Polls the replica's replay position every [`REPLAY_POLL_INTERVAL`] on a
    /// connection of its own, forgets the writes it has replayed, and marks it
    /// unreachable (logged once per outage) while it does not answer. Runs
    /// until the runtime stops; returns at once without a replica.
    pub async fn follow_replica(self) {
        let Some(replica) = &self.shared.replica else {
            return;
        };
        let options = replica.pool.connect_options().as_ref().clone();
        let mut said_not_replaying = false;
        // Whether the replica is known down: said once per outage, including
        // one that starts with the service.
        let mut said_down = false;
        loop {
            let mut conn = match connect(&options).await {
                Ok(conn) => conn,
                Err(error) => {
                    mark_unreachable(replica, &options, &error.to_string(), &mut said_down);
                    tokio::time::sleep(RECONNECT_AFTER).await;
                    continue;
                }
            };
            let mut tick = tokio::time::interval(REPLAY_POLL_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let replayed = sqlx::query_scalar!(
                    r#"SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::int8 AS "replayed""#
                )
                .fetch_one(&mut conn)
                .await;
                let replayed = match replayed {
                    Ok(replayed) => replayed,
                    Err(error) => {
                        mark_unreachable(replica, &options, &error.to_string(), &mut said_down);
                        break;
                    }
                };
                // NULL: the server is not replaying WAL (not a streaming
                // replica). Its position is unknown, so authors of writes
                // read the primary until their hold ends.
                let replayed = match replayed.and_then(|lsn| u64::try_from(lsn).ok()) {
                    Some(replayed) => replayed,
                    None => {
                        if !said_not_replaying {
                            said_not_replaying = true;
                            tracing::warn!(
                                replica = %address(&options),
                                "DATABASE_READ_URL is not replaying WAL (not a streaming replica): callers who wrote read the primary"
                            );
                        }
                        0
                    }
                };
                // The position first: a request that sees the replica
                // reachable sees a position no older than this poll's.
                replica.replayed.store(replayed, Ordering::Release);
                said_down = false;
                if !replica.reachable.swap(true, Ordering::AcqRel) {
                    tracing::info!(
                        replica = %address(&options),
                        "the read replica answers: reads that may lag go to it"
                    );
                }
                if let Ok(mut writes) = replica.writes.lock() {
                    writes.forget_through(replayed, Instant::now());
                }
            }
            let _ = conn.close().await;
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    }
}

async fn connect(options: &PgConnectOptions) -> Result<PgConnection, sqlx::Error> {
    tokio::time::timeout(RECONNECT_AFTER, PgConnection::connect_with(options))
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut))
}

fn mark_unreachable(
    replica: &Replica,
    options: &PgConnectOptions,
    error: &str,
    said_down: &mut bool,
) {
    replica.reachable.store(false, Ordering::Release);
    if !std::mem::replace(said_down, true) {
        tracing::warn!(
            replica = %address(options),
            error,
            "the read replica does not answer: every read goes to the primary until it does"
        );
    }
}

/// host:port/database, never the password.
fn address(options: &PgConnectOptions) -> String {
    format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    )
}

fn count(reason: FallbackReason) {
    metrics::counter!(FALLBACKS_METRIC, "reason" => reason.as_str()).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: u8) -> UserId {
        UserId::from_slice(&[n; 12]).unwrap()
    }

    #[test]
    fn an_author_is_held_until_the_replica_replays_their_write() {
        let mut writes = Writes::default();
        let now = Instant::now();
        writes.record(user(1), 100, now);
        assert!(writes.holds(&user(1), 99));
        assert!(!writes.holds(&user(2), 99), "others read the replica");
        assert!(!writes.holds(&user(1), 100));
        writes.forget_through(100, now);
        assert!(writes.by_author.is_empty());
    }

    #[test]
    fn an_author_s_later_write_is_never_forgotten_for_an_earlier_one() {
        let mut writes = Writes::default();
        let now = Instant::now();
        writes.record(user(1), 200, now);
        writes.record(user(1), 100, now);
        writes.forget_through(150, now);
        assert!(writes.holds(&user(1), 150));
    }

    #[test]
    fn a_write_of_unknown_position_holds_its_author_for_a_while_then_is_forgotten() {
        let mut writes = Writes::default();
        let then = Instant::now();
        writes.record(user(1), UNKNOWN, then);
        writes.forget_through(u64::MAX - 1, then);
        assert!(writes.holds(&user(1), u64::MAX - 1));
        writes.forget_through(0, then + UNKNOWN_POSITION_HOLD);
        assert!(writes.by_author.is_empty());
    }

    #[test]
    fn authors_beyond_the_memory_bound_hold_every_signed_in_caller_until_passed() {
        let mut writes = Writes::default();
        let now = Instant::now();
        for n in 0..REMEMBERED_WRITES {
            let bytes = (n as u64).to_be_bytes();
            let mut id = [0u8; 12];
            id[4..].copy_from_slice(&bytes);
            writes.record(UserId::from_slice(&id).unwrap(), 10, now);
        }
        writes.record(user(9), 50, now);
        assert_eq!(writes.by_author.len(), REMEMBERED_WRITES);
        assert!(writes.holds(&user(200), 49), "the floor holds everyone");
        writes.forget_through(50, now);
        assert!(!writes.holds(&user(200), 50));
        assert!(writes.by_author.is_empty());
    }

    #[test]
    fn fallback_reasons_are_a_small_fixed_set_of_labels() {
        let labels = [
            FallbackReason::ReplicaDown,
            FallbackReason::RecentWrite,
            FallbackReason::OwnProfile,
            FallbackReason::OwnOrMissing,
            FallbackReason::ReplicaError,
        ]
        .map(FallbackReason::as_str);
        assert_eq!(
            labels,
            [
                "replica_down",
                "recent_write",
                "own_profile",
                "own_or_missing",
                "replica_error"
            ]
        );
    }
}
