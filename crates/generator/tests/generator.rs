//! The data generator against a real PostgreSQL: what `allmine seed --users N`
//! promises about the data it loads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use allmine_domain::progress::Progress;
use allmine_generator::{
    GenerateError, GeneratorReport, GeneratorSettings, check_counters, generate,
    generate_with_progress,
};
use allmine_postgres::testing::TestDatabase;
use sqlx::PgPool;

const USERS: u64 = 300;
const HEAVY: u64 = 2000;

fn settings() -> GeneratorSettings {
    GeneratorSettings {
        follows_per_user: 10,
        transactions_per_user: 4,
        heavy_user_transactions: HEAVY,
        seed: 42,
        ..GeneratorSettings::new(USERS)
    }
}

async fn generated() -> (TestDatabase, GeneratorReport) {
    let db = TestDatabase::new().await;
    let report = generate(&db.pool, &settings()).await.unwrap();
    (db, report)
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn user_id(pool: &PgPool, username: &str) -> Vec<u8> {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_report_counts_what_the_tables_hold() {
    let (db, report) = generated().await;
    let pool = &db.pool;

    assert_eq!(report.users, USERS);
    assert_eq!(
        count(pool, "SELECT count(*) FROM users").await as u64,
        report.users
    );
    assert_eq!(
        count(pool, "SELECT count(*) FROM follows").await as u64,
        report.follows
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM follows WHERE status = 'pending'"
        )
        .await as u64,
        report.pending_follows
    );
    assert_eq!(
        count(pool, "SELECT count(*) FROM live_streams").await as u64,
        report.streams
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM live_streams WHERE ended_at IS NULL"
        )
        .await as u64,
        report.live_now
    );
    assert_eq!(
        count(pool, "SELECT count(*) FROM blocks").await as u64,
        report.blocks
    );
    assert_eq!(
        count(pool, "SELECT count(*) FROM credit_transactions").await as u64,
        report.transactions
    );
    // Every generated user holds the claim on its name, as the trigger would have made it.
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM users u JOIN username_claims c
             ON c.username_key = u.username_key AND c.user_id = u.id AND c.held_until IS NULL"
        )
        .await as u64,
        USERS
    );
    // The change feed's readers (running search indexes) learn of every new
    // user, once, and of nothing else.
    assert_eq!(
        count(
            pool,
            "SELECT count(DISTINCT user_id) FROM change_feed WHERE kind = 'user'"
        )
        .await as u64,
        USERS
    );
    assert_eq!(
        count(pool, "SELECT count(*) FROM change_feed").await as u64,
        USERS
    );
    // Roughly the sizes asked for.
    assert_eq!(report.streams, USERS / 10);
    assert!(report.follows > USERS * 5, "{report}");
    assert!(report.blocks >= 1, "{report}");
    assert!(report.transactions > HEAVY + USERS, "{report}");
    assert!(!report.phases.is_empty());
}

#[tokio::test]
async fn counters_and_balance_chains_end_exact() {
    let (db, _) = generated().await;

    let drift = check_counters(&db.pool).await.unwrap();

    assert!(drift.is_exact(), "{drift}");
    assert_eq!(drift.users_checked, USERS);
    // The counters are not all zero: there was something to count.
    assert!(count(&db.pool, "SELECT max(followers_count) FROM users").await > 0);
    assert!(count(&db.pool, "SELECT max(total_live_streams) FROM users").await > 0);
    assert!(count(&db.pool, "SELECT max(credit_balance) FROM users").await > 0);
}

#[tokio::test]
async fn the_check_finds_a_wrong_counter_and_a_broken_balance_chain() {
    let (db, _) = generated().await;
    sqlx::query("UPDATE users SET followers_count = followers_count + 1 WHERE username = 'user_7'")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET credit_balance = credit_balance + 5 WHERE username = 'user_8'")
        .execute(&db.pool)
        .await
        .unwrap();
    // One record in the middle of user_1's history: it and its successor break.
    sqlx::query(
        "UPDATE credit_transactions SET balance_after = balance_after + 1
         WHERE id = (SELECT id FROM credit_transactions
                     WHERE user_id = (SELECT id FROM users WHERE username = 'user_1')
                     ORDER BY created_at, id OFFSET 10 LIMIT 1)",
    )
    .execute(&db.pool)
    .await
    .unwrap();

    let drift = check_counters(&db.pool).await.unwrap();

    assert!(!drift.is_exact());
    assert_eq!(drift.followers, 1, "{drift}");
    assert_eq!(drift.following, 0, "{drift}");
    assert_eq!(drift.credit_balance, 1, "{drift}");
    assert_eq!(drift.broken_balance_chain, 2, "{drift}");
}

#[tokio::test]
async fn per_type_counts_are_loaded_exact_and_the_check_finds_a_tampered_one() {
    let (db, _) = generated().await;
    let pool = &db.pool;
    // The load filled the counts: every type user_1 has, counted.
    let user_1 = user_id(pool, "user_1").await;
    let (types, sum): (i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(count)::bigint FROM credit_transaction_type_counts WHERE user_id = $1",
    )
    .bind(&user_1)
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(types > 1, "{types} types");
    assert_eq!(sum, HEAVY as i64);
    assert_eq!(
        check_counters(pool).await.unwrap().credit_transaction_types,
        0
    );

    // One count too high, and one (user, type) that has records but no row.
    sqlx::query(
        "UPDATE credit_transaction_type_counts SET count = count + 1
         WHERE (user_id, type) = (SELECT user_id, type FROM credit_transaction_type_counts
                                  ORDER BY user_id, type LIMIT 1)",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "DELETE FROM credit_transaction_type_counts
         WHERE (user_id, type) = (SELECT user_id, type FROM credit_transaction_type_counts
                                  ORDER BY user_id DESC, type DESC LIMIT 1)",
    )
    .execute(pool)
    .await
    .unwrap();

    let drift = check_counters(pool).await.unwrap();

    assert!(!drift.is_exact());
    assert_eq!(drift.credit_transaction_types, 2, "{drift}");
    assert_eq!(drift.credit_transactions, 0, "{drift}");
    assert!(
        drift
            .to_string()
            .contains("credit_transaction_type_counts wrong for 2"),
        "{drift}"
    );
}

#[tokio::test]
async fn usernames_follow_the_documented_pattern_and_ids_are_deterministic() {
    let (db, _) = generated().await;

    let off_pattern = count(
        &db.pool,
        "SELECT count(*) FROM users WHERE username !~ '^user_[1-9][0-9]*$'",
    )
    .await;
    assert_eq!(off_pattern, 0);
    let numbers: (i64, i64, i64) = sqlx::query_as(
        "SELECT min(substr(username, 6)::bigint), max(substr(username, 6)::bigint),
                count(DISTINCT username)
         FROM users",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(numbers, (1, USERS as i64, USERS as i64));
    assert_eq!(
        hex(&user_id(&db.pool, "user_1").await),
        "5eed00010000000000000001"
    );
    assert_eq!(
        hex(&user_id(&db.pool, "user_300").await),
        "5eed0001000000000000012c"
    );
}

#[tokio::test]
async fn user_1_is_the_heavy_user_with_a_consistent_history() {
    let (db, _) = generated().await;
    let user_1 = user_id(&db.pool, "user_1").await;

    let (records, first_type, last_balance, stored_balance, negative): (
        i64,
        String,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(
        "SELECT count(*),
                (array_agg(type ORDER BY created_at, id))[1],
                (array_agg(balance_after ORDER BY created_at DESC, id DESC))[1],
                (SELECT credit_balance FROM users WHERE id = $1),
                count(*) FILTER (WHERE balance_after < 0)
         FROM credit_transactions WHERE user_id = $1",
    )
    .bind(&user_1)
    .fetch_one(&db.pool)
    .await
    .unwrap();

    assert_eq!(records, HEAVY as i64);
    assert_eq!(first_type, "purchase");
    assert_eq!(last_balance, stored_balance);
    assert_eq!(negative, 0);
    // Spending is negative, earning positive, and stream records name a stream.
    let wrong_sign = count(
        &db.pool,
        "SELECT count(*) FROM credit_transactions
         WHERE (type IN ('gift_sent', 'stream_spend', 'withdrawal') AND amount > 0)
            OR (type IN ('purchase', 'gift_received', 'stream_earning', 'refund') AND amount < 0)",
    )
    .await;
    assert_eq!(wrong_sign, 0);
    let streamless = count(
        &db.pool,
        "SELECT count(*) FROM credit_transactions
         WHERE type IN ('gift_sent', 'gift_received', 'stream_earning', 'stream_spend')
           AND stream_id IS NULL",
    )
    .await;
    assert_eq!(streamless, 0);
    let dangling = count(
        &db.pool,
        "SELECT count(*) FROM credit_transactions t
         WHERE stream_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM live_streams s WHERE s.id = t.stream_id)",
    )
    .await;
    assert_eq!(dangling, 0);
}

#[tokio::test]
async fn some_users_are_live_private_deactivated_or_blocked() {
    let (db, _) = generated().await;
    let pool = &db.pool;

    assert!(
        count(
            pool,
            "SELECT count(*) FROM live_streams WHERE ended_at IS NULL"
        )
        .await
            >= 1
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM live_streams s JOIN users u ON u.id = s.host_id
             WHERE s.ended_at IS NULL AND u.username = 'user_2'"
        )
        .await,
        1,
        "user_2 is documented as always on air"
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM (SELECT host_id FROM live_streams WHERE ended_at IS NULL
                                   GROUP BY host_id HAVING count(*) > 1) twice"
        )
        .await,
        0
    );
    assert!(count(pool, "SELECT count(*) FROM users WHERE is_private").await > 0);
    assert!(
        count(
            pool,
            "SELECT count(*) FROM users WHERE deactivated_at IS NOT NULL"
        )
        .await
            > 0
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM blocks b
             JOIN users a ON a.id = b.blocker_id JOIN users c ON c.id = b.blocked_id
             WHERE a.username = 'user_3' AND c.username = 'user_4'"
        )
        .await,
        1,
        "user_3 is documented as having blocked user_4"
    );
    assert!(
        count(
            pool,
            "SELECT count(*) FROM follows WHERE status = 'pending'"
        )
        .await
            > 0
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM follows f JOIN users u ON u.id = f.followee_id
             WHERE f.status = 'pending' AND NOT u.is_private"
        )
        .await,
        0,
        "only follows of private users wait"
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM follows f JOIN blocks b
             ON (b.blocker_id, b.blocked_id) IN ((f.follower_id, f.followee_id),
                                                 (f.followee_id, f.follower_id))"
        )
        .await,
        0,
        "no follow joins a blocked pair"
    );
}

#[tokio::test]
async fn followers_are_heavy_tailed() {
    let (db, _) = generated().await;

    let (max, median): (i64, f64) = sqlx::query_as(
        "SELECT max(followers_count),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY followers_count)
         FROM users",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();

    assert!(
        max as f64 >= 5.0 * median.max(1.0),
        "max {max} followers, median {median}"
    );
    let top: String =
        sqlx::query_scalar("SELECT username FROM users ORDER BY followers_count DESC LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(top, "user_1");
}

#[tokio::test]
async fn profiles_look_real() {
    let (db, _) = generated().await;
    let pool = &db.pool;

    assert!(
        count(
            pool,
            "SELECT count(*) FROM users WHERE name || surname ~ '[çğıİöşüÇĞÖŞÜ]'"
        )
        .await
            > 0,
        "Turkish letters in names"
    );
    assert!(count(pool, "SELECT count(DISTINCT name) FROM users").await > 50);
    assert!(count(pool, "SELECT count(DISTINCT surname) FROM users").await > 50);
    let (youngest, oldest): (i32, i32) = sqlx::query_as(
        "SELECT min(extract(year FROM age(birth_date))::int),
                max(extract(year FROM age(birth_date))::int)
         FROM users",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(youngest >= 18 && oldest < 65, "ages {youngest} to {oldest}");
    assert!(count(pool, "SELECT count(*) FROM users WHERE bio IS NOT NULL").await > 0);
    assert!(
        count(
            pool,
            "SELECT count(*) FROM users WHERE cardinality(interests) > 0"
        )
        .await
            > 0
    );
    assert!(
        count(
            pool,
            "SELECT count(*) FROM users WHERE instagram IS NOT NULL"
        )
        .await
            > 0
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(DISTINCT availability_status) FROM users"
        )
        .await,
        4
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM users WHERE minute_price_in_live_stream NOT BETWEEN 0 AND 50"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn generating_twice_into_one_database_is_refused_and_changes_nothing() {
    let (db, report) = generated().await;

    let again = generate(&db.pool, &settings()).await;

    match again {
        Err(GenerateError::AlreadyPresent { what }) => assert!(what.contains("user_"), "{what}"),
        other => panic!("expected AlreadyPresent, got {other:?}"),
    }
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM users").await as u64,
        report.users
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_people() {
    let (first, _) = generated().await;
    let (second, _) = generated().await;
    let people = |pool: PgPool| async move {
        sqlx::query_as::<_, (String, String, String, bool)>(
            "SELECT username, name, surname, is_private FROM users ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let follows = |pool: PgPool| async move {
        sqlx::query_as::<_, (Vec<u8>, Vec<u8>, String)>(
            "SELECT follower_id, followee_id, status FROM follows ORDER BY 1, 2",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };

    assert_eq!(
        people(first.pool.clone()).await,
        people(second.pool.clone()).await
    );
    assert_eq!(
        follows(first.pool.clone()).await,
        follows(second.pool.clone()).await
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records every phase: its name, its expected count, and the items reported.
#[derive(Default)]
struct Recorded(Mutex<Vec<(String, Option<u64>, u64)>>);

impl Progress for Recorded {
    fn start(&self, phase: &str, total: Option<u64>) {
        self.0.lock().unwrap().push((phase.to_owned(), total, 0));
    }
    fn advance(&self, items: u64) {
        self.0.lock().unwrap().last_mut().unwrap().2 += items;
    }
    fn finish(&self) {}
}

#[tokio::test]
async fn progress_reports_every_phase_in_order_with_the_rows_each_table_got() {
    let db = TestDatabase::new().await;
    let recorded = Arc::new(Recorded::default());
    let report = generate_with_progress(&db.pool, &settings(), recorded.clone())
        .await
        .unwrap();

    let phases = recorded.0.lock().unwrap().clone();
    let names: Vec<&str> = phases.iter().map(|(name, _, _)| name.as_str()).collect();
    let timed: Vec<&str> = report.phases.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, timed, "one progress phase per timed phase, in order");
    let rows = |phase: &str| {
        phases
            .iter()
            .find(|(name, _, _)| name == phase)
            .map(|(_, total, done)| (*total, *done))
            .unwrap()
    };
    assert_eq!(rows("users"), (Some(USERS), report.users));
    assert_eq!(rows("live streams"), (Some(report.streams), report.streams));
    assert_eq!(rows("blocks"), (Some(report.blocks), report.blocks));
    // Follows and transactions are announced with the plan's average.
    assert_eq!(rows("follows"), (Some(USERS * 10), report.follows));
    assert_eq!(
        rows("credit transactions"),
        (Some((USERS - 1) * 4 + HEAVY), report.transactions)
    );
    assert_eq!(rows("counters"), (None, 0));
}
