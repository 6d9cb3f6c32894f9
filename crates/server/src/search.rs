//! Keeping this instance's search index fresh: build or catch up at start,
//! then follow the outbox, woken by NOTIFY and by a one-second tick that
//! catches up after a missed notification or a reconnect.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use allmine_domain::user_search::{SearchSync, SyncError};
use allmine_postgres::{OutboxListener, PgPool, PgSearch};
use allmine_search::TantivyUserIndex;

/// Longest a change waits when a notification was missed.
pub const CATCH_UP_EVERY: Duration = Duration::from_secs(1);

/// Opens (or creates) the on-disk index in `dir`.
pub fn open_index(dir: &Path) -> Result<Arc<TantivyUserIndex>, String> {
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "cannot create the search index directory {}: {e}",
            dir.display()
        )
    })?;
    TantivyUserIndex::open_or_create(dir)
        .map(Arc::new)
        .map_err(|e| format!("cannot open the search index in {}: {e}", dir.display()))
}

/// The sync between `pool`'s outbox and `index`.
pub fn sync_for(pool: &PgPool, index: Arc<TantivyUserIndex>) -> SearchSync {
    SearchSync::new(Arc::new(PgSearch::new(pool.clone())), index)
}

/// Builds the index if it was never written, catches up, marks `ready`, then
/// follows the outbox until the task is dropped.
pub async fn keep_fresh(pool: PgPool, sync: SearchSync, ready: Arc<AtomicBool>) {
    loop {
        match sync.prepare().await {
            Ok(()) => break,
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "search index not ready; retrying");
                tokio::time::sleep(CATCH_UP_EVERY).await;
            }
        }
    }
    ready.store(true, Ordering::SeqCst);
    tracing::info!("search index caught up");
    loop {
        let mut listener = match OutboxListener::connect(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for search changes; polling meanwhile");
                catch_up(&sync).await;
                tokio::time::sleep(CATCH_UP_EVERY).await;
                continue;
            }
        };
        loop {
            match tokio::time::timeout(CATCH_UP_EVERY, listener.wait()).await {
                Ok(Err(error)) => {
                    tracing::warn!(%error, "lost the search change listener; reconnecting");
                    catch_up(&sync).await;
                    break;
                }
                // A notification, a lost connection (reconnects on the next
                // wait), or the tick: catch up in every case.
                Ok(Ok(_)) | Err(_) => catch_up(&sync).await,
            }
        }
    }
}

async fn catch_up(sync: &SearchSync) {
    match sync.catch_up().await {
        Ok(0) => {}
        Ok(count) => tracing::debug!(count, "search index updated"),
        Err(error) => tracing::warn!(error = %error_chain(&error), "search index catch-up failed"),
    }
}

fn error_chain(error: &SyncError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
