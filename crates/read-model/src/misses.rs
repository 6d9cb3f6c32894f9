//! Reads of users the read model does not hold, gathered into batches.
//!
//! Under load many requests miss at once, each for a different user, and a
//! round trip costs the database far more than the row it returns: on a
//! million users, `pgbench -M prepared -c16` read 14,000 users a second one
//! to a query and 70,000 sixteen to a query (ADR 0012, "Misses read
//! together"). So at most
//! [`MissSettings::concurrent_reads`] reads of each kind (by id, by name) run
//! at a time; a miss that finds them all running waits, and when one returns,
//! the first waiter reads everything that queued meanwhile, in one query.
//! With nothing running, a miss reads at once, alone: an idle server answers
//! as fast as before.
//!
//! A reader cancelled mid-read (its request dropped) leaves its batch to
//! read alone and hands the queue to the next waiter, so nobody waits on a
//! read that will not come.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use allmine_domain::profiles::{UserLookup, UserLookups, UserRepository};
use allmine_domain::{RepositoryError, User, UserId, Username};

/// How misses are gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissSettings {
    /// How many reads of each kind may run at once; the misses beyond wait
    /// and are read together. At least one.
    pub concurrent_reads: usize,
    /// The most users one read asks for. At least one.
    pub batch_at_most: usize,
}

impl Default for MissSettings {
    fn default() -> Self {
        Self {
            concurrent_reads: 1,
            batch_at_most: 64,
        }
    }
}

/// Users read from storage by id or by name, concurrent misses together.
pub(crate) struct MissReads {
    storage: Arc<dyn UserRepository>,
    by_id: Lane<UserId, User>,
    by_name: Lane<Username, User>,
}

impl MissReads {
    pub(crate) fn new(storage: Arc<dyn UserRepository>, settings: MissSettings) -> Self {
        Self {
            storage,
            by_id: Lane::new(settings),
            by_name: Lane::new(settings),
        }
    }

    /// The user `target` names, as storage holds it now, with no viewer.
    pub(crate) async fn read(
        &self,
        target: UserLookup<'_>,
    ) -> Result<Option<User>, RepositoryError> {
        match target {
            UserLookup::Id(id) => {
                self.by_id
                    .read(*id, |ids| async move {
                        self.read_batch(UserLookups::Ids(&ids)).await
                    })
                    .await
            }
            UserLookup::Username(name) => {
                self.by_name
                    .read(name.clone(), |names| async move {
                        self.read_batch(UserLookups::Usernames(&names)).await
                    })
                    .await
            }
        }
    }

    async fn read_batch(
        &self,
        targets: UserLookups<'_>,
    ) -> Result<Vec<Option<User>>, RepositoryError> {
        let found = self.storage.find_many_for_viewer(targets, None).await?;
        Ok(found
            .into_iter()
            .map(|found| found.map(|(user, _)| user))
            .collect())
    }
}

type Answer<V> = Result<Option<V>, RepositoryError>;

/// What a waiting miss is told: its answer, or that it reads next, for itself
/// and for the misses given.
enum Turn<K, V> {
    Answered(Answer<V>),
    ReadFor(Vec<Waiter<K, V>>),
}

struct Waiter<K, V> {
    key: K,
    reply: oneshot::Sender<Turn<K, V>>,
}

/// The reads of one kind of key.
struct Lane<K, V> {
    settings: MissSettings,
    state: Mutex<LaneState<K, V>>,
}

struct LaneState<K, V> {
    reading: usize,
    waiting: Vec<Waiter<K, V>>,
}

impl<K, V> Lane<K, V> {
    fn state(&self) -> MutexGuard<'_, LaneState<K, V>> {
        // The state is whole after every critical section (none can panic
        // half-way), so a poisoned lock still guards consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<K: Clone, V> Lane<K, V> {
    fn new(settings: MissSettings) -> Self {
        Self {
            settings: MissSettings {
                concurrent_reads: settings.concurrent_reads.max(1),
                batch_at_most: settings.batch_at_most.max(1),
            },
            state: Mutex::new(LaneState {
                reading: 0,
                waiting: Vec::new(),
            }),
        }
    }

    async fn read<F, Fut>(&self, key: K, read_batch: F) -> Answer<V>
    where
        F: Fn(Vec<K>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Option<V>>, RepositoryError>>,
    {
        let waiting = {
            let mut state = self.state();
            if state.reading < self.settings.concurrent_reads {
                state.reading += 1;
                None
            } else {
                let (reply, turn) = oneshot::channel();
                state.waiting.push(Waiter {
                    key: key.clone(),
                    reply,
                });
                Some(WaitingTurn {
                    lane: self,
                    turn,
                    settled: false,
                })
            }
        };
        let others = match waiting {
            None => Vec::new(),
            Some(mut waiting) => {
                let turn = (&mut waiting.turn).await;
                waiting.settled = true;
                match turn {
                    Ok(Turn::Answered(answer)) => return answer,
                    Ok(Turn::ReadFor(others)) => others,
                    // Its reader was cancelled: read alone, outside the lanes.
                    Err(_) => {
                        return read_batch(vec![key]).await.and_then(only);
                    }
                }
            }
        };
        // This task now holds one of the lane's reads until `_turn` drops.
        let _turn = ReadingTurn { lane: self };
        let mut keys = Vec::with_capacity(others.len() + 1);
        keys.push(key);
        keys.extend(others.iter().map(|waiter| waiter.key.clone()));
        let asked = keys.len();
        let found = read_batch(keys).await.and_then(|found| {
            if found.len() == asked {
                Ok(found)
            } else {
                Err(RepositoryError::Failed(
                    format!("asked for {asked} users, got {} answers", found.len()).into(),
                ))
            }
        });
        match found {
            Ok(found) => {
                let mut found = found.into_iter();
                let own = found.next().flatten();
                for (waiter, user) in others.into_iter().zip(found) {
                    // A waiter gone (its request dropped) needs no answer.
                    let _ = waiter.reply.send(Turn::Answered(Ok(user)));
                }
                Ok(own)
            }
            Err(error) => {
                let error = Arc::new(error);
                for waiter in others {
                    let _ = waiter.reply.send(Turn::Answered(Err(shared(&error))));
                }
                Err(shared(&error))
            }
        }
    }
}

/// One of a lane's reads, held by the task running it. Dropped (read done or
/// cancelled), it passes to the first miss still waiting with the queue
/// behind it, or frees its place.
struct ReadingTurn<'a, K, V> {
    lane: &'a Lane<K, V>,
}

impl<K, V> Drop for ReadingTurn<'_, K, V> {
    fn drop(&mut self) {
        let mut state = self.lane.state();
        loop {
            if state.waiting.is_empty() {
                state.reading = state.reading.saturating_sub(1);
                return;
            }
            let take = state.waiting.len().min(self.lane.settings.batch_at_most);
            let mut batch: Vec<Waiter<K, V>> = state.waiting.drain(..take).collect();
            let first = batch.remove(0);
            match first.reply.send(Turn::ReadFor(batch)) {
                Ok(()) => return,
                // The first waiter is gone: the others go back to the head
                // of the queue, and the next one is asked.
                Err(turn) => {
                    if let Turn::ReadFor(batch) = turn {
                        requeue(&mut state, batch);
                    }
                }
            }
        }
    }
}

/// A miss waiting for its answer or its turn. Dropped before either arrived
/// (its request cancelled), it makes sure a turn already sent to it is passed
/// on, so the lane never loses one of its reads.
struct WaitingTurn<'a, K, V> {
    lane: &'a Lane<K, V>,
    turn: oneshot::Receiver<Turn<K, V>>,
    settled: bool,
}

impl<K, V> Drop for WaitingTurn<'_, K, V> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        self.turn.close();
        if let Ok(Turn::ReadFor(batch)) = self.turn.try_recv() {
            requeue(&mut self.lane.state(), batch);
            drop(ReadingTurn { lane: self.lane });
        }
    }
}

fn requeue<K, V>(state: &mut LaneState<K, V>, batch: Vec<Waiter<K, V>>) {
    let behind = std::mem::replace(&mut state.waiting, batch);
    state.waiting.extend(behind);
}

fn only<V>(found: Vec<Option<V>>) -> Answer<V> {
    Ok(found.into_iter().next().flatten())
}

/// The same failure for every miss of a batch, keeping whether it is worth retrying.
fn shared(error: &Arc<RepositoryError>) -> RepositoryError {
    let cause = Box::new(SharedCause(Arc::clone(error)));
    match **error {
        RepositoryError::Unavailable(_) => RepositoryError::Unavailable(cause),
        RepositoryError::Failed(_) => RepositoryError::Failed(cause),
    }
}

#[derive(Debug)]
struct SharedCause(Arc<RepositoryError>);

impl std::fmt::Display for SharedCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for SharedCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::Semaphore;
    use tokio::task::JoinHandle;

    use super::*;

    /// Storage that holds every read until let through, and logs the keys of each.
    struct Gated {
        open: Semaphore,
        reads: Mutex<Vec<Vec<u32>>>,
    }

    impl Gated {
        fn new() -> Arc<Self> {
            Arc::new(Self {
                open: Semaphore::new(0),
                reads: Mutex::new(Vec::new()),
            })
        }

        /// Even keys exist, as ten times themselves; a key over 1000 fails the read.
        async fn read(&self, keys: Vec<u32>) -> Result<Vec<Option<u32>>, RepositoryError> {
            self.reads.lock().unwrap().push(keys.clone());
            self.open.acquire().await.unwrap().forget();
            if keys.iter().any(|key| *key > 1000) {
                return Err(RepositoryError::Unavailable("the store is down".into()));
            }
            Ok(keys
                .iter()
                .map(|key| (key % 2 == 0).then_some(key * 10))
                .collect())
        }

        fn reads(&self) -> Vec<Vec<u32>> {
            self.reads.lock().unwrap().clone()
        }
    }

    fn lane(concurrent_reads: usize, batch_at_most: usize) -> Arc<Lane<u32, u32>> {
        Arc::new(Lane::new(MissSettings {
            concurrent_reads,
            batch_at_most,
        }))
    }

    fn miss(lane: &Arc<Lane<u32, u32>>, storage: &Arc<Gated>, key: u32) -> JoinHandle<Answer<u32>> {
        let (lane, storage) = (Arc::clone(lane), Arc::clone(storage));
        tokio::spawn(async move {
            lane.read(key, |keys| {
                let storage = Arc::clone(&storage);
                async move { storage.read(keys).await }
            })
            .await
        })
    }

    /// A new miss is read and answered: the lane has a read free for it.
    async fn a_new_miss_is_read(lane: &Arc<Lane<u32, u32>>, storage: &Arc<Gated>, key: u32) {
        let later = miss(lane, storage, key);
        storage.open.add_permits(1);
        assert_eq!(later.await.unwrap().unwrap(), Some(key * 10));
    }

    /// Lets the spawned misses run until they wait.
    async fn settle() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    #[tokio::test]
    async fn misses_beyond_the_concurrent_reads_wait_and_are_read_together() {
        let (lane, storage) = (lane(1, 64), Gated::new());
        let first = miss(&lane, &storage, 2);
        settle().await;
        let queued: Vec<_> = [4, 5, 6].map(|key| miss(&lane, &storage, key)).into();
        settle().await;
        assert_eq!(storage.reads(), vec![vec![2]], "one read at a time");

        storage.open.add_permits(2);
        assert_eq!(first.await.unwrap().unwrap(), Some(20));
        let mut answers = Vec::new();
        for miss in queued {
            answers.push(miss.await.unwrap().unwrap());
        }
        assert_eq!(answers, vec![Some(40), None, Some(60)]);
        assert_eq!(storage.reads(), vec![vec![2], vec![4, 5, 6]]);
    }

    #[tokio::test]
    async fn with_a_read_free_a_miss_reads_at_once_and_alone() {
        let (lane, storage) = (lane(2, 64), Gated::new());
        let first = miss(&lane, &storage, 2);
        let second = miss(&lane, &storage, 4);
        settle().await;
        assert_eq!(storage.reads().len(), 2, "both read at once");
        storage.open.add_permits(2);
        assert_eq!(first.await.unwrap().unwrap(), Some(20));
        assert_eq!(second.await.unwrap().unwrap(), Some(40));
    }

    #[tokio::test]
    async fn a_batch_asks_for_at_most_its_limit_and_the_rest_read_next() {
        let (lane, storage) = (lane(1, 2), Gated::new());
        let first = miss(&lane, &storage, 2);
        settle().await;
        let queued: Vec<_> = [4, 6, 8].map(|key| miss(&lane, &storage, key)).into();
        settle().await;
        storage.open.add_permits(3);
        first.await.unwrap().unwrap();
        for miss in queued {
            miss.await.unwrap().unwrap();
        }
        assert_eq!(storage.reads(), vec![vec![2], vec![4, 6], vec![8]]);
    }

    #[tokio::test]
    async fn a_failed_read_fails_every_miss_of_its_batch_alike() {
        let (lane, storage) = (lane(1, 64), Gated::new());
        let first = miss(&lane, &storage, 2);
        settle().await;
        let queued: Vec<_> = [4, 2000].map(|key| miss(&lane, &storage, key)).into();
        settle().await;
        storage.open.add_permits(2);
        assert_eq!(first.await.unwrap().unwrap(), Some(20));
        for miss in queued {
            let error = miss.await.unwrap().unwrap_err();
            assert!(
                matches!(error, RepositoryError::Unavailable(_)),
                "still worth a retry: {error:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_reader_cancelled_mid_read_leaves_no_miss_waiting_forever() {
        let (lane, storage) = (lane(1, 64), Gated::new());
        let first = miss(&lane, &storage, 2);
        settle().await;
        let second = miss(&lane, &storage, 4);
        settle().await;
        first.abort();
        settle().await;
        // The turn passed on: the waiting miss reads now, and a new one after it.
        storage.open.add_permits(2);
        assert_eq!(second.await.unwrap().unwrap(), Some(40));
        a_new_miss_is_read(&lane, &storage, 6).await;
    }

    #[tokio::test]
    async fn a_miss_cancelled_after_its_turn_came_passes_the_turn_on() {
        let (lane, storage) = (lane(1, 64), Gated::new());
        let reader = |keys: Vec<u32>| {
            let storage = Arc::clone(&storage);
            async move { storage.read(keys).await }
        };
        let still_pending = |future| async move {
            tokio::time::timeout(Duration::from_millis(20), future)
                .await
                .is_err()
        };
        let mut first = Box::pin(lane.read(2, reader));
        assert!(still_pending(&mut first).await, "the first read is held");
        let mut turned = Box::pin(lane.read(4, reader));
        assert!(still_pending(&mut turned).await, "it waits");
        let mut kept = Box::pin(lane.read(6, reader));
        assert!(still_pending(&mut kept).await, "it waits too");

        storage.open.add_permits(1);
        assert_eq!(first.await.unwrap(), Some(20));
        // The turn has been sent to `turned`, which is dropped before it
        // ever looks: the turn must reach `kept` all the same.
        drop(turned);
        storage.open.add_permits(1);
        assert_eq!(kept.await.unwrap(), Some(60));
        // And the lane's one read is free again: the turn was not lost.
        let later = miss(&lane, &storage, 8);
        storage.open.add_permits(1);
        let answer = tokio::time::timeout(Duration::from_secs(5), later).await;
        assert_eq!(
            answer.expect("the turn was lost").unwrap().unwrap(),
            Some(80)
        );
    }

    #[tokio::test]
    async fn a_miss_cancelled_while_waiting_does_not_take_the_turn_with_it() {
        let (lane, storage) = (lane(1, 64), Gated::new());
        let first = miss(&lane, &storage, 2);
        settle().await;
        let gone = miss(&lane, &storage, 4);
        settle().await;
        let kept = miss(&lane, &storage, 6);
        settle().await;
        gone.abort();
        settle().await;
        storage.open.add_permits(2);
        assert_eq!(first.await.unwrap().unwrap(), Some(20));
        assert_eq!(kept.await.unwrap().unwrap(), Some(60));
        // The lane's one read is free again.
        a_new_miss_is_read(&lane, &storage, 8).await;
    }
}
