//! The history port against a real PostgreSQL, a fresh database per test:
//! paging by number and by cursor over the same order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use allmine_domain::history::{
    AfterCursor, HistoryCursor, HistoryFilter, HistoryPageRequest, HistoryRecords,
    TransactionHistory, TransactionType,
};
use allmine_domain::paging::PageRequest;
use allmine_domain::{TransactionId, UserId};
use allmine_postgres::PgHistory;
use allmine_postgres::testing::TestDatabase;
use common::insert_user;
use sqlx::PgPool;

/// Inserts a record of `user` with id `[n; 12]`, made at `at`.
async fn record(pool: &PgPool, user: UserId, n: u8, kind: &str, at: &str) {
    sqlx::query(
        "INSERT INTO credit_transactions (id, user_id, type, amount, balance_after, created_at)
         VALUES ($1, $2, $3, 1, 0, $4::timestamptz)",
    )
    .bind(vec![n; 12])
    .bind(user.as_bytes().as_slice())
    .bind(kind)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}

fn numbers(found: &HistoryRecords) -> Vec<u8> {
    found.records.iter().map(|r| r.id.as_bytes()[0]).collect()
}

/// Every page after the first by cursor: the records' numbers, page by page.
async fn walk(
    history: &PgHistory,
    user: UserId,
    filter: &HistoryFilter,
    limit: u32,
) -> Vec<Vec<u8>> {
    let mut request = HistoryPageRequest::from(PageRequest::new(1, limit).unwrap());
    let mut pages = Vec::new();
    loop {
        let found = history.page(&user, filter, request).await.unwrap();
        pages.push(numbers(&found));
        if !found.more {
            return pages;
        }
        let cursor = HistoryCursor::after(user, found.records.last().unwrap());
        request = AfterCursor::new(cursor, limit).unwrap().into();
    }
}

#[tokio::test]
async fn records_sharing_an_instant_are_walked_by_id_descending_across_page_edges() {
    let db = TestDatabase::new().await;
    let user = insert_user(&db.pool, "walker").await;
    let other = insert_user(&db.pool, "neighbour").await;
    record(&db.pool, user, 9, "purchase", "2026-05-22 12:00:01Z").await;
    for n in [3, 1, 5, 2, 4] {
        record(&db.pool, user, n, "gift_sent", "2026-05-22 12:00:00Z").await;
    }
    record(&db.pool, user, 7, "refund", "2026-05-22 11:59:59.999999Z").await;
    // Another user's records at the very same instants never show.
    record(&db.pool, other, 6, "gift_sent", "2026-05-22 12:00:00Z").await;
    record(&db.pool, other, 8, "purchase", "2026-05-22 12:00:01Z").await;
    let history = PgHistory::new(db.pool.clone());

    let all = HistoryFilter::default();
    assert_eq!(
        walk(&history, user, &all, 2).await,
        [vec![9, 5], vec![4, 3], vec![2, 1], vec![7]]
    );
    assert_eq!(
        walk(&history, user, &all, 7).await,
        [vec![9, 5, 4, 3, 2, 1, 7]],
        "exactly a page: nothing more"
    );
    let gifts = HistoryFilter {
        types: vec![TransactionType::GiftSent],
        ..HistoryFilter::default()
    };
    assert_eq!(
        walk(&history, user, &gifts, 3).await,
        [vec![5, 4, 3], vec![2, 1]]
    );
}

#[tokio::test]
async fn a_page_after_a_cursor_counts_every_matching_record_and_says_whether_more_follow() {
    let db = TestDatabase::new().await;
    let user = insert_user(&db.pool, "counter").await;
    for n in 1..=5u8 {
        let at = format!("2026-05-2{n} 12:00:00Z");
        let kind = if n % 2 == 0 { "refund" } else { "purchase" };
        record(&db.pool, user, n, kind, &at).await;
    }
    let history = PgHistory::new(db.pool.clone());
    let after = |n: u8, day: u8, limit: u32| {
        let at = time::OffsetDateTime::parse(
            &format!("2026-05-2{day}T12:00:00Z"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let cursor = HistoryCursor::new(user, at, TransactionId::from_bytes([n; 12]));
        HistoryPageRequest::from(AfterCursor::new(cursor, limit).unwrap())
    };

    let found = history
        .page(&user, &HistoryFilter::default(), after(4, 4, 2))
        .await
        .unwrap();
    assert_eq!(
        (numbers(&found), found.more, found.total),
        (vec![3, 2], true, 5)
    );
    let found = history
        .page(&user, &HistoryFilter::default(), after(2, 2, 2))
        .await
        .unwrap();
    assert_eq!(
        (numbers(&found), found.more, found.total),
        (vec![1], false, 5)
    );
    let refunds = HistoryFilter {
        types: vec![TransactionType::Refund],
        ..HistoryFilter::default()
    };
    let found = history.page(&user, &refunds, after(5, 5, 1)).await.unwrap();
    assert_eq!(
        (numbers(&found), found.more, found.total),
        (vec![4], true, 2)
    );
    // A position no record holds still marks where the page starts: at
    // record 3's instant, a higher id comes before it and a lower one after.
    let found = history
        .page(&user, &HistoryFilter::default(), after(200, 3, 5))
        .await
        .unwrap();
    assert_eq!(numbers(&found), [3, 2, 1]);
    let found = history
        .page(&user, &HistoryFilter::default(), after(0, 3, 5))
        .await
        .unwrap();
    assert_eq!(numbers(&found), [2, 1]);
    // Numbered pages say whether more follow the same way.
    let page = |n| HistoryPageRequest::from(PageRequest::new(n, 2).unwrap());
    let found = history
        .page(&user, &HistoryFilter::default(), page(2))
        .await
        .unwrap();
    assert_eq!((numbers(&found), found.more), (vec![3, 2], true));
    let found = history
        .page(&user, &HistoryFilter::default(), page(3))
        .await
        .unwrap();
    assert_eq!((numbers(&found), found.more), (vec![1], false));
    let found = history
        .page(&user, &HistoryFilter::default(), page(4))
        .await
        .unwrap();
    assert_eq!(
        (numbers(&found), found.more, found.total),
        (vec![], false, 5)
    );
}

/// The stored per-type counts of `user`, by type, zeros included.
async fn type_counts(pool: &PgPool, user: UserId) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT type, count FROM credit_transaction_type_counts WHERE user_id = $1 ORDER BY type",
    )
    .bind(user.as_bytes().as_slice())
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The per-type counts of `user` as the records say, zeros left out.
async fn recount(pool: &PgPool, user: UserId) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT type, count(*) FROM credit_transactions WHERE user_id = $1 GROUP BY type ORDER BY type",
    )
    .bind(user.as_bytes().as_slice())
    .fetch_all(pool)
    .await
    .unwrap()
}

fn counted(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
}

async fn run(pool: &PgPool, sql: &'static str, n: u8) {
    sqlx::query(sql)
        .bind(vec![n; 12])
        .execute(pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn per_type_counts_follow_inserts_deletes_type_and_owner_updates_and_user_deletion() {
    let db = TestDatabase::new().await;
    let pool = &db.pool;
    let user = insert_user(pool, "typed").await;
    let other = insert_user(pool, "other").await;
    for (n, kind) in [
        (1, "purchase"),
        (2, "purchase"),
        (3, "refund"),
        (4, "gift_sent"),
    ] {
        record(pool, user, n, kind, "2026-05-22 12:00:00Z").await;
    }
    record(pool, other, 5, "purchase", "2026-05-22 12:00:00Z").await;
    assert_eq!(
        type_counts(pool, user).await,
        counted(&[("gift_sent", 1), ("purchase", 2), ("refund", 1)])
    );

    run(pool, "DELETE FROM credit_transactions WHERE id = $1", 3).await;
    // A count that falls to 0 keeps its row.
    assert_eq!(
        type_counts(pool, user).await,
        counted(&[("gift_sent", 1), ("purchase", 2), ("refund", 0)])
    );

    run(
        pool,
        "UPDATE credit_transactions SET type = 'refund' WHERE id = $1",
        2,
    )
    .await;
    assert_eq!(
        type_counts(pool, user).await,
        counted(&[("gift_sent", 1), ("purchase", 1), ("refund", 1)])
    );
    // Writing the same type, or another column, changes nothing.
    run(
        pool,
        "UPDATE credit_transactions SET type = 'refund', amount = 7 WHERE id = $1",
        2,
    )
    .await;
    assert_eq!(
        type_counts(pool, user).await,
        counted(&[("gift_sent", 1), ("purchase", 1), ("refund", 1)])
    );

    // A record moved to another owner moves its count.
    sqlx::query("UPDATE credit_transactions SET user_id = $2 WHERE id = $1")
        .bind(vec![4u8; 12])
        .bind(other.as_bytes().as_slice())
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        type_counts(pool, user).await,
        counted(&[("gift_sent", 0), ("purchase", 1), ("refund", 1)])
    );
    assert_eq!(
        type_counts(pool, other).await,
        counted(&[("gift_sent", 1), ("purchase", 1)])
    );

    // Deleting the user takes its records and its counts; the other's stay.
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user.as_bytes().as_slice())
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(type_counts(pool, user).await, []);
    assert_eq!(type_counts(pool, other).await, recount(pool, other).await);
}

/// `tasks` transactions on connections of their own, released together by a
/// barrier: each inserts one record of each of `kinds` for `user` (in the
/// reverse order for odd tasks), then commits.
async fn insert_all_at_once(db: &TestDatabase, user: UserId, kinds: &'static [&str], tasks: usize) {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(tasks));
    let mut handles = Vec::new();
    for task in 0..tasks {
        let options = db.options.clone();
        let start = start.clone();
        handles.push(tokio::spawn(async move {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            let mut order = kinds.to_vec();
            if task % 2 == 1 {
                order.reverse();
            }
            start.wait().await;
            for kind in order {
                sqlx::query(
                    "INSERT INTO credit_transactions (user_id, type, amount, balance_after)
                     VALUES ($1, $2, 1, 0)",
                )
                .bind(user.as_bytes().as_slice())
                .bind(kind)
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
            conn.close().await.unwrap();
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_inserts_of_one_user_and_type_end_with_exact_per_type_counts() {
    let db = TestDatabase::new().await;
    let user = insert_user(&db.pool, "crowded").await;

    // The first record of each type comes from 20 transactions at once.
    insert_all_at_once(&db, user, &["gift_sent"], 20).await;
    // Two types in opposite orders: the owner's row, locked first by the
    // per-type trigger (and the per-user one), queues them instead of a deadlock.
    insert_all_at_once(&db, user, &["purchase", "refund"], 20).await;

    assert_eq!(
        type_counts(&db.pool, user).await,
        counted(&[("gift_sent", 20), ("purchase", 20), ("refund", 20)])
    );
    let total: i64 = sqlx::query_scalar("SELECT credit_transaction_count FROM users WHERE id = $1")
        .bind(user.as_bytes().as_slice())
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(total, 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn per_type_counts_stay_exact_under_concurrent_writes_without_the_per_user_counter() {
    // The per-type trigger takes the owner's row lock itself, so it needs no
    // other trigger: with the per-user counter's trigger off, concurrent
    // inserts and deletes still end exact. (Without that lock, transactions
    // writing two types in opposite orders deadlocked on the type rows.)
    let db = TestDatabase::new().await;
    sqlx::raw_sql("ALTER TABLE credit_transactions DISABLE TRIGGER credit_transactions_count")
        .execute(&db.pool)
        .await
        .unwrap();
    let user = insert_user(&db.pool, "racing").await;

    insert_all_at_once(&db, user, &["stream_spend"], 20).await;
    insert_all_at_once(&db, user, &["stream_spend"], 20).await;
    insert_all_at_once(&db, user, &["withdrawal"], 20).await;

    assert_eq!(
        type_counts(&db.pool, user).await,
        counted(&[("stream_spend", 40), ("withdrawal", 20)])
    );
    // And concurrent deletes come down to exactly 0.
    let mut handles = Vec::new();
    for _ in 0..20 {
        let options = db.options.clone();
        handles.push(tokio::spawn(async move {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
            sqlx::query(
                "DELETE FROM credit_transactions WHERE id = (
                     SELECT id FROM credit_transactions WHERE user_id = $1 AND type = 'stream_spend'
                     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)",
            )
            .bind(user.as_bytes().as_slice())
            .execute(&mut conn)
            .await
            .unwrap();
            conn.close().await.unwrap();
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    assert_eq!(
        type_counts(&db.pool, user).await,
        counted(&[("stream_spend", 20), ("withdrawal", 20)])
    );
    assert_eq!(
        type_counts(&db.pool, user).await,
        recount(&db.pool, user).await
    );
}

/// The total of page 1 and of a page after a cursor for `filter`.
async fn totals(history: &PgHistory, user: UserId, filter: &HistoryFilter) -> (u64, u64) {
    let first = history
        .page(&user, filter, PageRequest::new(1, 2).unwrap().into())
        .await
        .unwrap();
    let cursor = HistoryCursor::new(
        user,
        time::OffsetDateTime::now_utc(),
        TransactionId::from_bytes([255; 12]),
    );
    let after = history
        .page(&user, filter, AfterCursor::new(cursor, 2).unwrap().into())
        .await
        .unwrap();
    (first.total, after.total)
}

/// The number of `user`'s records of these types (all for none) in `[from, until)`.
async fn matching(
    pool: &PgPool,
    user: UserId,
    types: &[TransactionType],
    from: Option<time::OffsetDateTime>,
    until: Option<time::OffsetDateTime>,
) -> u64 {
    let types: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM credit_transactions
         WHERE user_id = $1 AND (cardinality($2::text[]) = 0 OR type = ANY($2))
           AND ($3::timestamptz IS NULL OR created_at >= $3)
           AND ($4::timestamptz IS NULL OR created_at < $4)",
    )
    .bind(user.as_bytes().as_slice())
    .bind(&types)
    .bind(from)
    .bind(until)
    .fetch_one(pool)
    .await
    .unwrap();
    n as u64
}

#[tokio::test]
async fn a_type_filtered_total_is_the_number_of_matching_records_after_inserts_and_deletes() {
    use TransactionType::*;
    let db = TestDatabase::new().await;
    let pool = &db.pool;
    let user = insert_user(pool, "filtered").await;
    let other = insert_user(pool, "bystander").await;
    let kinds = [
        "purchase",
        "gift_sent",
        "refund",
        "purchase",
        "stream_spend",
        "withdrawal",
    ];
    for n in 1..=60u8 {
        let at = format!("2026-05-{:02} 12:00:00Z", 1 + n % 28);
        record(pool, user, n, kinds[usize::from(n) % kinds.len()], &at).await;
    }
    for n in 100..110u8 {
        record(pool, other, n, "purchase", "2026-05-10 12:00:00Z").await;
    }
    let history = PgHistory::new(pool.clone());
    let sets: Vec<Vec<TransactionType>> = vec![
        vec![Purchase],
        vec![Refund],
        vec![GiftSent, StreamSpend],
        vec![Purchase, Purchase, Refund],
        vec![GiftReceived],
        vec![GiftReceived, Withdrawal],
        TransactionType::ALL.to_vec(),
    ];
    let day = |d: u8| {
        time::OffsetDateTime::parse(
            &format!("2026-05-{d:02}T00:00:00Z"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };

    for round in 0..3 {
        if round == 1 {
            // More records, of types seen and unseen.
            for n in 61..=70u8 {
                let kind = if n % 2 == 0 {
                    "gift_received"
                } else {
                    "refund"
                };
                record(pool, user, n, kind, "2026-05-15 08:00:00Z").await;
            }
        }
        if round == 2 {
            // Every third record gone, and one type emptied.
            sqlx::query(
                "DELETE FROM credit_transactions
                 WHERE user_id = $1 AND (get_byte(id, 0) % 3 = 0 OR type = 'withdrawal')",
            )
            .bind(user.as_bytes().as_slice())
            .execute(pool)
            .await
            .unwrap();
        }
        for types in &sets {
            let filter = HistoryFilter {
                types: types.clone(),
                ..HistoryFilter::default()
            };
            let expected = matching(pool, user, types, None, None).await;
            assert_eq!(
                totals(&history, user, &filter).await,
                (expected, expected),
                "round {round}, types {types:?}"
            );
            // With dates, the total is still the count of the matches.
            let dated = HistoryFilter {
                types: types.clone(),
                from: Some(day(5)),
                until: Some(day(20)),
                ..HistoryFilter::default()
            };
            let expected = matching(pool, user, types, Some(day(5)), Some(day(20))).await;
            assert_eq!(
                totals(&history, user, &dated).await,
                (expected, expected),
                "round {round}, types {types:?} from the 5th to the 20th"
            );
        }
        let dated = HistoryFilter {
            from: Some(day(10)),
            ..HistoryFilter::default()
        };
        let expected = matching(pool, user, &[], Some(day(10)), None).await;
        assert_eq!(totals(&history, user, &dated).await, (expected, expected));
        let expected = matching(pool, user, &[], None, None).await;
        assert_eq!(
            totals(&history, user, &HistoryFilter::default()).await,
            (expected, expected)
        );
    }
}
