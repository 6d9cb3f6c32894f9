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
