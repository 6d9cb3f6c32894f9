//! The change feed (`PgChangeFeed`) against a real PostgreSQL, a fresh database per test:
//! what each kind of write puts in it, that only committed changes come out, each once,
//! in order, even while many connections commit at once, and what a trim does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use allmine_domain::UserId;
use allmine_domain::feed::{Change, ChangeFeed, Counter, FeedError, FeedLag, FeedPosition};
use allmine_postgres::testing::TestDatabase;
use allmine_postgres::{CHANGE_FEED_APPLICATION, PgChangeFeed, PgSearch};
use common::{age_feed, feed_head, insert_user, settle};
use sqlx::{Connection, PgConnection, PgPool};

/// Longest any single feed call may take in these tests: a read never hangs.
const NEVER_LONGER_THAN: Duration = Duration::from_secs(10);

async fn read(
    feed: &PgChangeFeed,
    after: FeedPosition,
    at_most: usize,
) -> Result<allmine_domain::feed::FeedBatch, FeedError> {
    tokio::time::timeout(NEVER_LONGER_THAN, feed.read(after, at_most))
        .await
        .expect("a feed read hung")
}

/// Every final change after `position`, read to the end in pages of `page`.
async fn read_all(
    feed: &PgChangeFeed,
    mut position: FeedPosition,
    page: usize,
) -> (Vec<Change>, FeedPosition) {
    let mut all = Vec::new();
    loop {
        let batch = read(feed, position, page).await.unwrap();
        assert!(batch.changes.len() <= page);
        all.extend(batch.changes);
        position = batch.through;
        if batch.complete {
            return (all, position);
        }
    }
}

/// Reads from `position` until `awaited` comes (failing after
/// `NEVER_LONGER_THAN`): every change read on the way, and the position reached.
async fn read_until(
    feed: &PgChangeFeed,
    mut position: FeedPosition,
    awaited: Change,
) -> (Vec<Change>, FeedPosition) {
    let mut seen = Vec::new();
    let started = std::time::Instant::now();
    while !seen.contains(&awaited) {
        assert!(
            started.elapsed() < NEVER_LONGER_THAN,
            "{awaited:?} never came; read {seen:?}"
        );
        let batch = read(feed, position, 100).await.unwrap();
        seen.extend(batch.changes);
        position = batch.through;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (seen, position)
}

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

fn hex(id: &UserId) -> String {
    id.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A `change_feed` row: kind, user, other user, counters.
type FeedRow = (String, Vec<u8>, Option<Vec<u8>>, bool);

/// Every change the table's rows after `start` stand for, in feed order: a
/// pair that moved the follow counters is the pair, then each side.
async fn table(pool: &PgPool, start: FeedPosition) -> Vec<Change> {
    assert_eq!(
        start.change(),
        0,
        "tables are read from before a transaction"
    );
    let rows: Vec<FeedRow> = sqlx::query_as(
        "SELECT kind, user_id, other_id, counters FROM change_feed
         WHERE xid >= $1::text::xid8 ORDER BY xid, seq",
    )
    .bind(start.transaction().to_string())
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .flat_map(|(kind, user, other, counters)| {
            let user = UserId::from_slice(&user).unwrap();
            match (kind.as_str(), other) {
                ("user", None) => vec![Change::User(user)],
                ("pair", Some(other)) => {
                    let other = UserId::from_slice(&other).unwrap();
                    if counters {
                        vec![
                            Change::Pair(user, other),
                            Change::Counted(user, Counter::Following),
                            Change::Counted(other, Counter::Followers),
                        ]
                    } else {
                        vec![Change::Pair(user, other)]
                    }
                }
                row => panic!("a malformed row {row:?}"),
            }
        })
        .collect()
}

#[tokio::test]
async fn each_kind_of_change_made_in_sql_comes_out_as_the_change_it_names() {
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    let a = insert_user(&db.pool, "kind_a").await;
    let b = insert_user(&db.pool, "kind_b").await;
    let c = insert_user(&db.pool, "kind_c").await;
    let (a_, b_, c_) = (hex(&a), hex(&b), hex(&c));
    let user = |id: &UserId| Change::User(*id);
    let following = |id: &UserId| Change::Counted(*id, Counter::Following);
    let followers = |id: &UserId| Change::Counted(*id, Counter::Followers);
    let pair = |x: &UserId, y: &UserId| Change::Pair(*x, *y);
    settle(&db.pool).await;
    let (_, mut position) = read_all(&feed, feed_head(&db.pool).await, 100).await;

    let cases: Vec<(String, Vec<Change>)> = vec![
        (format!("UPDATE users SET bio = 'hi' WHERE id = '\\x{a_}'"), vec![user(&a)]),
        (format!("UPDATE users SET name = 'Other' WHERE id = '\\x{a_}'"), vec![user(&a)]),
        (format!("UPDATE users SET interests = '{{music}}' WHERE id = '\\x{a_}'"), vec![user(&a)]),
        (format!("UPDATE users SET username = 'kind_a2' WHERE id = '\\x{a_}'"), vec![user(&a)]),
        // Nothing a profile, search or the account check shows.
        (format!("UPDATE users SET credit_balance = 5, updated_at = now() WHERE id = '\\x{a_}'"), vec![]),
        (format!("UPDATE users SET bio = 'hi' WHERE id = '\\x{a_}'"), vec![]),
        // A follow of a public profile, accepted at once: the pair and both counters.
        (
            format!("INSERT INTO follows (follower_id, followee_id, status) VALUES ('\\x{a_}', '\\x{b_}', 'accepted')"),
            vec![pair(&a, &b), following(&a), followers(&b)],
        ),
        // A counter set directly (not by a follow): the user's own change.
        (format!("UPDATE users SET followers_count = 7 WHERE id = '\\x{b_}'"), vec![user(&b)]),
        (format!("UPDATE users SET is_private = true WHERE id = '\\x{b_}'"), vec![user(&b)]),
        // A follow request: the pair only, no counter moves.
        (
            format!("INSERT INTO follows (follower_id, followee_id, status) VALUES ('\\x{c_}', '\\x{b_}', 'pending')"),
            vec![pair(&c, &b)],
        ),
        (
            format!("UPDATE follows SET status = 'accepted', accepted_at = now() WHERE follower_id = '\\x{c_}' AND followee_id = '\\x{b_}'"),
            vec![pair(&c, &b), followers(&b), following(&c)],
        ),
        (
            format!("DELETE FROM follows WHERE follower_id = '\\x{c_}' AND followee_id = '\\x{b_}'"),
            vec![pair(&c, &b), followers(&b), following(&c)],
        ),
        (
            format!("INSERT INTO blocks (blocker_id, blocked_id) VALUES ('\\x{c_}', '\\x{a_}')"),
            vec![pair(&c, &a)],
        ),
        (
            format!("DELETE FROM blocks WHERE blocker_id = '\\x{c_}' AND blocked_id = '\\x{a_}'"),
            vec![pair(&c, &a)],
        ),
        // A profile photo, its variant, its URL.
        (
            format!(
                "WITH p AS (INSERT INTO profile_photos (id, user_id, original_url)
                            VALUES ('\\x000000000000000000000001', '\\x{a_}', 'https://x/1.jpg') RETURNING id)
                 UPDATE users SET profile_photo_id = (SELECT id FROM p) WHERE id = '\\x{a_}'"
            ),
            vec![user(&a)],
        ),
        (
            "INSERT INTO profile_photo_variants (photo_id, size_px, url) VALUES ('\\x000000000000000000000001', 96, 'https://x/96.jpg')".to_owned(),
            vec![user(&a)],
        ),
        (
            "UPDATE profile_photo_variants SET url = 'https://x/96b.jpg'".to_owned(),
            vec![user(&a)],
        ),
        (
            "UPDATE profile_photos SET original_url = 'https://x/2.jpg'".to_owned(),
            vec![user(&a)],
        ),
        // A live stream starting (and its counter), renamed, watched, ended.
        (
            format!("INSERT INTO live_streams (host_id, title, started_at) VALUES ('\\x{b_}', 'Live', now())"),
            vec![user(&b)],
        ),
        ("UPDATE live_streams SET title = 'Still live'".to_owned(), vec![user(&b)]),
        ("UPDATE live_streams SET viewer_count = 40".to_owned(), vec![]),
        ("UPDATE live_streams SET ended_at = now()".to_owned(), vec![user(&b)]),
        // Deactivation, a new user, a user deleted (with what cascades).
        (format!("UPDATE users SET deactivated_at = now() WHERE id = '\\x{c_}'"), vec![user(&c)]),
        (
            "INSERT INTO users (id, username, name, surname) VALUES ('\\x0000000000000000000000ff', 'kind_new', 'N', 'U')".to_owned(),
            vec![Change::User(UserId::from_bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff]))],
        ),
        (
            format!("DELETE FROM users WHERE id = '\\x{a_}'"),
            // The user, the follow (and the counter it held on b), the photo.
            vec![user(&a), pair(&a, &b), following(&a), followers(&b)],
        ),
    ];

    for (sql, expected) in cases {
        exec(&db.pool, &sql).await;
        settle(&db.pool).await;
        let (changes, through) = read_all(&feed, position, 100).await;
        let got: HashSet<Change> = changes.iter().copied().collect();
        let wanted: HashSet<Change> = expected.iter().copied().collect();
        assert_eq!(got, wanted, "{sql}: {changes:?}");
        position = through;
    }
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_nothing_in_the_feed() {
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    let a = insert_user(&db.pool, "rolled_a").await;
    settle(&db.pool).await;
    let (_, position) = read_all(&feed, feed_head(&db.pool).await, 100).await;

    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("UPDATE users SET bio = 'never' WHERE id = $1")
        .bind(a.as_bytes().as_slice())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO users (username, name, surname) VALUES ('rolled_b', 'R', 'B')")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    settle(&db.pool).await;

    let (changes, _) = read_all(&feed, position, 100).await;
    assert!(changes.is_empty(), "{changes:?}");
}

#[tokio::test]
async fn a_change_of_a_transaction_still_open_comes_once_it_commits_never_skipped_for_later_ones() {
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    let a = insert_user(&db.pool, "open_a").await;
    let b = insert_user(&db.pool, "open_b").await;
    let c = insert_user(&db.pool, "open_c").await;
    settle(&db.pool).await;
    let (_, start) = read_all(&feed, feed_head(&db.pool).await, 100).await;
    let update = |id: UserId| {
        sqlx::query("UPDATE users SET bio = 'changed' WHERE id = $1").bind(id.as_bytes().to_vec())
    };

    // `first` writes (takes its transaction id) before b's change commits,
    // `third` after it; both stay open.
    let mut first = PgConnection::connect_with(&db.options).await.unwrap();
    let mut first_tx = first.begin().await.unwrap();
    update(a).execute(&mut *first_tx).await.unwrap();
    update(b).execute(&db.pool).await.unwrap();
    let mut third = PgConnection::connect_with(&db.options).await.unwrap();
    let mut third_tx = third.begin().await.unwrap();
    update(c).execute(&mut *third_tx).await.unwrap();

    // b's change committed, but an older transaction is still open: nothing
    // after it is final yet.
    let batch = read(&feed, start, 100).await.unwrap();
    assert!(batch.changes.is_empty(), "{:?}", batch.changes);
    assert_eq!(batch.through, start);

    first_tx.commit().await.unwrap();
    // a's and b's changes come once `first` has committed; c's not while
    // `third` is open.
    let (seen, position) = read_until(&feed, start, Change::User(b)).await;
    assert_eq!(seen, [Change::User(a), Change::User(b)]);

    third_tx.commit().await.unwrap();
    settle(&db.pool).await;
    let (rest, _) = read_all(&feed, position, 100).await;
    assert_eq!(rest, [Change::User(c)]);
}

#[tokio::test]
async fn a_transaction_open_in_another_database_does_not_hold_the_feed_back() {
    // A snapshot's xmin is cluster-wide: a transaction of another database that took
    // its id before this change committed sits below it. It can never write here.
    let db = TestDatabase::new().await;
    let elsewhere = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    settle(&db.pool).await;
    let (_, start) = read_all(&feed, feed_head(&db.pool).await, 100).await;
    let (open_elsewhere, _) = elsewhere.open_writing_transaction().await;

    let user = insert_user(&db.pool, "not_held_back").await;

    let (seen, _) = read_until(&feed, start, Change::User(user)).await;
    assert_eq!(seen, [Change::User(user)]);
    drop(open_elsewhere);
}

#[tokio::test]
async fn a_transaction_open_in_this_database_still_holds_the_feed_back() {
    // The other side of the rule above: an open transaction here may still commit a
    // change that sorts before everything after it.
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    settle(&db.pool).await;
    let (_, start) = read_all(&feed, feed_head(&db.pool).await, 100).await;
    let (open_here, open_xid) = db.open_writing_transaction().await;

    insert_user(&db.pool, "held_back").await;

    let batch = read(&feed, start, 100).await.unwrap();
    assert!(batch.changes.is_empty(), "{:?}", batch.changes);
    assert!(batch.settled_below <= open_xid);
    drop(open_here);
}

#[tokio::test]
async fn paging_with_a_small_at_most_walks_every_row_once_in_order() {
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    let start = feed_head(&db.pool).await;
    let mut users = Vec::new();
    for n in 0..7 {
        users.push(insert_user(&db.pool, &format!("page_{n}")).await);
    }
    for pair in users.windows(2) {
        sqlx::query(
            "INSERT INTO follows (follower_id, followee_id, status) VALUES ($1, $2, 'accepted')",
        )
        .bind(pair[0].as_bytes().as_slice())
        .bind(pair[1].as_bytes().as_slice())
        .execute(&db.pool)
        .await
        .unwrap();
    }
    settle(&db.pool).await;

    for page in [1, 2, 3, 100] {
        let (changes, _) = read_all(&feed, start, page).await;
        assert_eq!(changes, table(&db.pool, start).await, "pages of {page}");
    }
    assert_eq!(table(&db.pool, start).await.len(), 7 + 3 * 6);
    // One row per accepted follow stands for its three changes.
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM change_feed WHERE xid >= $1::text::xid8")
            .bind(start.transaction().to_string())
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(rows, 7 + 6);
}

#[tokio::test]
async fn a_position_below_a_trim_is_told_trimmed_and_the_head_reads_on() {
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    let start = feed_head(&db.pool).await;
    insert_user(&db.pool, "trimmed_a").await;
    settle(&db.pool).await;
    age_feed(&db.pool, 10).await;

    let deleted = PgSearch::new(db.pool.clone())
        .trim_feed(Duration::from_secs(3600))
        .await
        .unwrap();

    assert_eq!(deleted, 1);
    assert!(matches!(
        read(&feed, start, 10).await,
        Err(FeedError::Trimmed)
    ));
    let head = feed.head().await.unwrap();
    let later = insert_user(&db.pool, "trimmed_b").await;
    settle(&db.pool).await;
    let (changes, _) = read_all(&feed, head, 10).await;
    assert_eq!(changes, [Change::User(later)]);
}

#[tokio::test]
async fn a_batch_reports_the_settled_and_unstarted_transactions_around_what_it_read() {
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    let start = feed_head(&db.pool).await;
    insert_user(&db.pool, "bounds_a").await;
    settle(&db.pool).await;

    let batch = read(&feed, start, 10).await.unwrap();

    assert!(batch.complete);
    assert!(batch.through.transaction() < batch.settled_below);
    assert!(batch.settled_below <= batch.unstarted_from);
    let next: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::int8")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(next as u64 >= batch.unstarted_from);
}

/// The pids of the feed's own connections to this test's database.
async fn feed_backends(db: &TestDatabase) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
    )
    .bind(&db.name)
    .bind(CHANGE_FEED_APPLICATION)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_killed_feed_connection_fails_at_most_one_read_and_the_next_one_reads_on() {
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    let start = feed_head(&db.pool).await;
    let (_, position) = read_all(&feed, start, 10).await;
    let backends = feed_backends(&db).await;
    assert!(!backends.is_empty());

    for pid in backends {
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let changed = insert_user(&db.pool, "after_kill").await;
    settle(&db.pool).await;

    let first = read(&feed, position, 10).await;
    let batch = match first {
        Ok(batch) => batch,
        Err(_) => read(&feed, position, 10).await.unwrap(),
    };
    assert_eq!(batch.changes, [Change::User(changed)]);
}

/// A tiny xorshift: each writer draws its own reproducible operations.
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const WRITERS: usize = 16;
const TRANSACTIONS_PER_WRITER: usize = 200;
const USERS: usize = 40;

/// How a writer's transaction ended.
enum Ended {
    /// Committed, having written change feed rows (it read its own before
    /// committing).
    CommittedWithChanges(i64),
    /// Committed, having changed nothing the feed names (an unfollow of a
    /// follow that was not there).
    CommittedWithout,
    RolledBack(i64),
}

/// One small random transaction on `conn`: one to three follows, unfollows,
/// blocks, unblocks or profile updates; rolled back one time in five.
async fn random_transaction(
    conn: &mut PgConnection,
    users: &[Vec<u8>],
    draw: &mut Draw,
) -> Result<Ended, sqlx::Error> {
    let mut tx = conn.begin().await?;
    for _ in 0..=draw.below(3) {
        let i = draw.below(users.len());
        let j = (i + 1 + draw.below(users.len() - 1)) % users.len();
        let sql = match draw.below(5) {
            0 => {
                "INSERT INTO follows (follower_id, followee_id, status) VALUES ($1, $2, 'accepted') ON CONFLICT DO NOTHING"
            }
            1 => "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2",
            2 => {
                "INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            }
            3 => "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2",
            _ => {
                "UPDATE users SET bio = md5(random()::text) WHERE id = $1 AND $2::bytea IS NOT NULL"
            }
        };
        sqlx::query(sql)
            .bind(&users[i])
            .bind(&users[j])
            .execute(&mut *tx)
            .await?;
    }
    let (xid, rows): (i64, i64) = sqlx::query_as(
        "SELECT pg_current_xact_id()::text::int8,
                (SELECT count(*) FROM change_feed WHERE xid = pg_current_xact_id())",
    )
    .fetch_one(&mut *tx)
    .await?;
    if draw.below(5) == 0 {
        tx.rollback().await?;
        return Ok(Ended::RolledBack(xid));
    }
    tx.commit().await?;
    Ok(if rows > 0 {
        Ended::CommittedWithChanges(xid)
    } else {
        Ended::CommittedWithout
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_committed_at_once_from_many_connections_are_each_read_exactly_once() {
    let db = TestDatabase::new().await;
    let feed = Arc::new(PgChangeFeed::new(&db.options));
    let mut users = Vec::new();
    for n in 0..USERS {
        users.push(
            insert_user(&db.pool, &format!("many_{n}"))
                .await
                .as_bytes()
                .to_vec(),
        );
    }
    settle(&db.pool).await;
    let start = feed_head(&db.pool).await;
    let users = Arc::new(users);

    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let users = users.clone();
            let options = db.options.clone();
            tokio::spawn(async move {
                let mut conn = PgConnection::connect_with(&options).await.unwrap();
                let mut draw = Draw(0x9e37_79b9_7f4a_7c15 ^ ((writer as u64 + 1) * 0x2545_f491));
                let (mut committed, mut rolled_back) = (Vec::new(), Vec::new());
                for _ in 0..TRANSACTIONS_PER_WRITER {
                    match random_transaction(&mut conn, &users, &mut draw).await {
                        Ok(Ended::CommittedWithChanges(xid)) => committed.push(xid),
                        Ok(Ended::CommittedWithout) => {}
                        Ok(Ended::RolledBack(xid)) => rolled_back.push(xid),
                        // Two transactions of several writes each may lock
                        // the same users in opposite orders: PostgreSQL
                        // rolls one back.
                        Err(sqlx::Error::Database(error))
                            if error.code().as_deref() == Some("40P01") => {}
                        Err(error) => panic!("{error}"),
                    }
                }
                (committed, rolled_back)
            })
        })
        .collect();

    // The reader pages through the feed while they write, and now and then
    // loses its connection.
    let mut received = Vec::new();
    let mut position = start;
    let mut reads = 0;
    let mut failed_reads = 0;
    while !writers.iter().all(|writer| writer.is_finished()) {
        match read(&feed, position, 50).await {
            Ok(batch) => {
                assert!(batch.through >= position);
                received.extend(batch.changes);
                position = batch.through;
            }
            Err(FeedError::Repository(_)) => failed_reads += 1,
            Err(FeedError::Trimmed) => panic!("trimmed"),
        }
        reads += 1;
        if reads % 40 == 0 {
            for pid in feed_backends(&db).await {
                sqlx::query("SELECT pg_terminate_backend($1)")
                    .bind(pid)
                    .execute(&db.pool)
                    .await
                    .unwrap();
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut committed = HashSet::new();
    let mut rolled_back = HashSet::new();
    for writer in writers {
        let (yes, no) = writer.await.unwrap();
        committed.extend(yes);
        rolled_back.extend(no);
    }
    settle(&db.pool).await;
    let (rest, _) = read_all(&feed, position, 50).await;
    received.extend(rest);

    // Exactly the rows in the table, each once, in the table's order.
    let expected = table(&db.pool, start).await;
    assert_eq!(received.len(), expected.len());
    assert!(
        received == expected,
        "the reader's changes differ from the table's"
    );
    // And the table holds exactly the changes of the transactions that
    // committed having written some: none of a rolled-back one.
    let xids: HashSet<i64> = sqlx::query_scalar(
        "SELECT DISTINCT xid::text::int8 FROM change_feed WHERE xid >= $1::text::xid8",
    )
    .bind(start.transaction().to_string())
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert!(
        xids == committed,
        "the table's transactions are not the committed ones"
    );
    assert!(xids.is_disjoint(&rolled_back));
    assert!(
        committed.len() > WRITERS * TRANSACTIONS_PER_WRITER / 4,
        "{} committed",
        committed.len()
    );
    eprintln!(
        "{} changes from {} committed transactions ({} rolled back), {reads} reads, {failed_reads} failed",
        received.len(),
        committed.len(),
        rolled_back.len()
    );
}

#[tokio::test]
async fn lag_counts_committed_rows_after_a_position_final_or_not_and_ages_the_oldest() {
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    insert_user(&db.pool, "lag_before").await;
    settle(&db.pool).await;
    let (_, caught_up) = read_all(&feed, feed_head(&db.pool).await, 100).await;
    assert_eq!(feed.lag(caught_up).await.unwrap(), FeedLag::default());

    // An open transaction that wrote first, then one that committed after it:
    // the committed row is behind although no read can return it yet.
    let mut open = db.pool.begin().await.unwrap();
    sqlx::query("INSERT INTO users (username, name, surname) VALUES ('lag_open', 'L', 'O')")
        .execute(&mut *open)
        .await
        .unwrap();
    insert_user(&db.pool, "lag_committed").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lag = feed.lag(caught_up).await.unwrap();
    assert_eq!(lag.rows, 1, "{lag:?}");
    assert!(lag.oldest >= Duration::from_millis(100), "{lag:?}");
    assert!(
        read(&feed, caught_up, 100)
            .await
            .unwrap()
            .changes
            .is_empty()
    );

    open.commit().await.unwrap();
    settle(&db.pool).await;
    assert_eq!(feed.lag(caught_up).await.unwrap().rows, 2);
    // A reader that has read one of the two rows is one row behind.
    let one = read(&feed, caught_up, 1).await.unwrap();
    assert_eq!(one.changes.len(), 1);
    assert_eq!(feed.lag(one.through).await.unwrap().rows, 1);
    let (_, all) = read_all(&feed, one.through, 100).await;
    assert_eq!(feed.lag(all).await.unwrap(), FeedLag::default());
}

#[tokio::test]
async fn the_head_is_never_below_the_horizon_even_while_an_older_transaction_runs() {
    // On a fresh database, a transaction anywhere in the cluster that began before the
    // migration holds the oldest running transaction below the horizon the migration
    // set. Here: a transaction opened first, then the horizon moved past it.
    let db = TestDatabase::new().await;
    let feed = PgChangeFeed::new(&db.options);
    let mut older = PgConnection::connect_with(&db.options).await.unwrap();
    sqlx::query("BEGIN").execute(&mut older).await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut older)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE change_feed_horizon SET trimmed_xid = pg_current_xact_id(), trimmed_seq = 0",
    )
    .execute(&db.pool)
    .await
    .unwrap();

    let head = feed.head().await.unwrap();

    assert!(
        read(&feed, head, 10).await.is_ok(),
        "a read from the head is never trimmed"
    );
    sqlx::query("ROLLBACK").execute(&mut older).await.unwrap();
}
