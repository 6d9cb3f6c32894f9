//! GET /api/v1/users/me/transactions and /api/v1/users/me/transactions/grouped.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const STREAM: &str = "5e5e5e5e5e5e5e5e5e5e5e01";

/// John's five records (newest last here), and two of Carl's in the same stream.
/// The demo's history of John's is deleted first: these tests know every record.
async fn history_fixture(app: &TestApp) {
    app.sql(
        "DELETE FROM credit_transactions WHERE user_id = decode('507f1f77bcf86cd799439011', 'hex')",
    )
    .await;
    app.sql(
        "INSERT INTO live_streams (id, host_id, title, started_at, ended_at, viewer_count)
         VALUES (decode('5e5e5e5e5e5e5e5e5e5e5e01', 'hex'), decode('507f1f77bcf86cd799439031', 'hex'),
                 'Bob''s stream', '2026-05-20 18:00Z', '2026-05-20 20:00Z', 42)",
    )
    .await;
    app.sql(
        "INSERT INTO credit_transactions (id, user_id, type, amount, balance_after, stream_id, description, created_at)
         VALUES
         (decode('7a0000000000000000000001', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'purchase', 500, 500, NULL, 'Bought 500 credits', '2026-05-20 10:00Z'),
         (decode('7a0000000000000000000002', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'gift_sent', -50, 450, decode('5e5e5e5e5e5e5e5e5e5e5e01', 'hex'), 'Rose for Bob', '2026-05-20 18:30Z'),
         (decode('7a0000000000000000000003', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'stream_spend', -20, 430, decode('5e5e5e5e5e5e5e5e5e5e5e01', 'hex'), 'Two minutes of call', '2026-05-20 19:00Z'),
         (decode('7a0000000000000000000004', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'refund', 20, 450, NULL, 'Refund of a dropped call', '2026-05-21 23:30Z'),
         (decode('7a0000000000000000000005', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'gift_sent', -100, 350, decode('5e5e5e5e5e5e5e5e5e5e5e01', 'hex'), 'Crown for Bob', '2026-05-22 12:00Z'),
         (decode('7b0000000000000000000001', 'hex'), decode('507f1f77bcf86cd799439032', 'hex'), 'purchase', 1000, 1000, NULL, 'Carl buys', '2026-05-20 09:00Z'),
         (decode('7b0000000000000000000002', 'hex'), decode('507f1f77bcf86cd799439032', 'hex'), 'gift_sent', -10, 990, decode('5e5e5e5e5e5e5e5e5e5e5e01', 'hex'), 'Carl gives', '2026-05-20 18:45Z')",
    )
    .await;
}

async fn history(app: &TestApp, query: &str) -> (StatusCode, Value) {
    send(
        app.get(&format!("/api/v1/users/me/transactions{query}"))
            .bearer_auth(app.token(JOHN)),
    )
    .await
}

fn ids(data: &Value) -> Vec<String> {
    data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["_id"].as_str().unwrap()[22..].to_owned())
        .collect()
}

#[tokio::test]
async fn records_come_newest_first_with_the_documented_fields_and_paging() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let (status, body) = history(&app, "").await;
    let data = assert_ok(status, &body);
    assert_eq!(ids(&data), ["05", "04", "03", "02", "01"]);
    assert_eq!(
        (
            data["page"].clone(),
            data["limit"].clone(),
            data["total"].clone()
        ),
        (json!(1), json!(20), json!(5))
    );
    assert_eq!(
        (data["totalPages"].clone(), data["hasNext"].clone()),
        (json!(1), json!(false))
    );
    assert_eq!(
        data["items"][0],
        json!({
            "_id": "7a0000000000000000000005",
            "type": "gift_sent",
            "amount": -100,
            "balanceAfter": 350,
            "streamId": STREAM,
            "description": "Crown for Bob",
            "createdAt": "2026-05-22T12:00:00.000Z"
        })
    );
    assert!(data["items"][1]["streamId"].is_null());
}

#[tokio::test]
async fn created_at_is_rendered_in_the_requested_time_zone() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let request = app
        .get("/api/v1/users/me/transactions?limit=1")
        .bearer_auth(app.token(JOHN));
    let (status, body) = send(request.header("X-Timezone", "UTC+03:00")).await;
    assert_eq!(
        assert_ok(status, &body)["items"][0]["createdAt"],
        "2026-05-22T15:00:00.000+03:00"
    );
}

#[tokio::test]
async fn signs_and_balances_are_consistent_record_to_record() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let (status, body) = history(&app, "?limit=100").await;
    let data = assert_ok(status, &body);
    let mut items: Vec<Value> = data["items"].as_array().unwrap().clone();
    items.reverse();
    let mut balance = 0;
    for item in items {
        let amount = item["amount"].as_i64().unwrap();
        let outgoing =
            ["gift_sent", "stream_spend", "withdrawal"].contains(&item["type"].as_str().unwrap());
        assert_eq!(amount < 0, outgoing, "{item}");
        balance += amount;
        assert_eq!(item["balanceAfter"].as_i64().unwrap(), balance, "{item}");
    }
}

#[tokio::test]
async fn types_filter_one_or_several() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let (status, body) = history(&app, "?type=gift_sent").await;
    assert_eq!(ids(&assert_ok(status, &body)), ["05", "02"]);
    let (status, body) = history(&app, "?type=gift_sent,refund").await;
    assert_eq!(ids(&assert_ok(status, &body)), ["05", "04", "02"]);
    let (status, body) = history(&app, "?type=purchase&type=refund").await;
    assert_eq!(ids(&assert_ok(status, &body)), ["04", "01"]);
}

#[tokio::test]
async fn a_record_at_23_30_utc_belongs_to_the_next_day_in_utc_plus_three() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let (status, body) = history(&app, "?startDate=2026-05-22&endDate=2026-05-22").await;
    assert_eq!(
        ids(&assert_ok(status, &body)),
        ["05"],
        "in UTC the refund is on the 21st"
    );
    let request = app
        .get("/api/v1/users/me/transactions?startDate=2026-05-22&endDate=2026-05-22")
        .bearer_auth(app.token(JOHN));
    let (status, body) = send(request.header("X-Timezone", "UTC+03:00")).await;
    assert_eq!(
        ids(&assert_ok(status, &body)),
        ["05", "04"],
        "in UTC+03:00 it is 02:30 on the 22nd"
    );
    let (status, body) = history(&app, "?startDate=2026-05-20&endDate=2026-05-20").await;
    assert_eq!(
        ids(&assert_ok(status, &body)),
        ["03", "02", "01"],
        "both ends included"
    );
}

#[tokio::test]
async fn the_stream_filter_never_shows_another_users_records() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let (status, body) = history(&app, &format!("?streamId={STREAM}")).await;
    let data = assert_ok(status, &body);
    assert_eq!(ids(&data), ["05", "03", "02"]);
    assert_eq!(
        data["total"], 3,
        "Carl's record in the same stream is not counted"
    );

    let request = app
        .get(&format!(
            "/api/v1/users/me/transactions?streamId={STREAM}&limit=100"
        ))
        .bearer_auth(app.token(CARL_BLOCKED));
    let (status, body) = send(request).await;
    let data = assert_ok(status, &body);
    assert_eq!(data["total"], 1);
    assert_eq!(data["items"][0]["description"], "Carl gives");
}

#[tokio::test]
async fn pages_split_the_records_and_say_whether_more_follow() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let (status, body) = history(&app, "?limit=2&page=1").await;
    let data = assert_ok(status, &body);
    assert_eq!(ids(&data), ["05", "04"]);
    assert_eq!(
        (data["totalPages"].clone(), data["hasNext"].clone()),
        (json!(3), json!(true))
    );
    let (status, body) = history(&app, "?limit=2&page=3").await;
    let data = assert_ok(status, &body);
    assert_eq!(ids(&data), ["01"]);
    assert_eq!(data["hasNext"], false);
    let (status, body) = history(&app, "?limit=2&page=4").await;
    let data = assert_ok(status, &body);
    assert!(ids(&data).is_empty());
    assert_eq!(data["total"], 5);
    let (status, body) = history(&app, "?limit=100").await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn parameters_outside_the_contract_are_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let cases = [
        ("?page=0", "page: starts at 1"),
        ("?limit=101", "limit: must be from 1 to 100"),
        ("?limit=0", "limit: must be from 1 to 100"),
        ("?limit=ten", "limit: must be a whole number"),
        (
            "?type=bribe",
            "type: unknown type \"bribe\"; one of: purchase, gift_sent, gift_received, stream_earning, stream_spend, refund, withdrawal, adjustment",
        ),
        (
            "?startDate=2026-02-30",
            "startDate: must be a calendar date written YYYY-MM-DD",
        ),
        (
            "?startDate=2026-05-03&endDate=2026-05-02",
            "startDate: must not be after endDate",
        ),
        (
            "?streamId=xyz",
            "streamId: must be 24 lowercase hexadecimal characters",
        ),
        ("?sort=asc", "sort: is not a parameter of this endpoint"),
    ];
    for (query, message) in cases {
        for path in [
            "/api/v1/users/me/transactions",
            "/api/v1/users/me/transactions/grouped",
        ] {
            let (status, body) = send(
                app.get(&format!("{path}{query}"))
                    .bearer_auth(app.token(JOHN)),
            )
            .await;
            let messages = assert_error(status, &body, 400, "VALIDATION_FAILED");
            assert_eq!(messages[1..], [message.to_owned()], "{path}{query}");
        }
    }
    let request = app
        .get("/api/v1/users/me/transactions?limit=101")
        .bearer_auth(app.token(JOHN));
    let (status, body) = send(request.header("X-Language", "tr")).await;
    assert_eq!(
        assert_error(status, &body, 400, "VALIDATION_FAILED")[1],
        "limit: 1 ile 100 arasında olmalıdır"
    );
}

#[tokio::test]
async fn the_history_requires_a_token() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/users/me/transactions",
        "/api/v1/users/me/transactions/grouped",
    ] {
        let (status, body) = send(app.get(path)).await;
        assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
    }
}

#[tokio::test]
async fn grouping_takes_the_flat_page_and_groups_it_across_a_page_edge() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let grouped = |query: &'static str| {
        let request = app
            .get(&format!("/api/v1/users/me/transactions/grouped{query}"))
            .bearer_auth(app.token(JOHN));
        send(request.header("X-Timezone", "UTC+03:00"))
    };
    // Flat page 1 of 3 per page: 05 (stream), 04, 03 (stream).
    let (status, body) = grouped("?limit=3&page=1").await;
    let data = assert_ok(status, &body);
    assert_eq!(
        (
            data["total"].clone(),
            data["totalPages"].clone(),
            data["hasNext"].clone()
        ),
        (json!(5), json!(2), json!(true))
    );
    let items = data["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["type"], "stream");
    assert_eq!(items[0]["streamId"], STREAM);
    assert_eq!(items[0]["count"], 2);
    assert_eq!(items[0]["totalAmount"], -120);
    assert_eq!(
        items[0]["stream"],
        json!({
            "title": "Bob's stream",
            "hostUsername": "blocker_bob",
            "startedAt": "2026-05-20T21:00:00.000+03:00",
            "endedAt": "2026-05-20T23:00:00.000+03:00"
        })
    );
    let inner: Vec<&str> = items[0]["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        inner,
        ["7a0000000000000000000005", "7a0000000000000000000003"]
    );
    assert_eq!(items[1]["type"], "transaction");
    assert_eq!(items[1]["transaction"]["_id"], "7a0000000000000000000004");

    // Page 2: 02 (stream) and 01: the stream appears again, with this page's record only.
    let (status, body) = grouped("?limit=3&page=2").await;
    let data = assert_ok(status, &body);
    let items = data["items"].as_array().unwrap();
    assert_eq!(items[0]["type"], "stream");
    assert_eq!(
        (items[0]["count"].clone(), items[0]["totalAmount"].clone()),
        (json!(1), json!(-50))
    );
    assert_eq!(items[1]["transaction"]["_id"], "7a0000000000000000000001");
}

/// A page of John's history as the demo fixture loads it, in `zone` (`None`: the default, UTC).
async fn demo_history(app: &TestApp, path: &str, zone: Option<&str>) -> Value {
    let mut request = app
        .get(&format!("/api/v1/users/me/transactions{path}"))
        .bearer_auth(app.token(JOHN));
    if let Some(zone) = zone {
        request = request.header("X-Timezone", zone);
    }
    let (status, body) = send(request).await;
    assert_ok(status, &body)
}

fn items(data: &Value) -> Vec<Value> {
    data["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_demo_fixture_gives_john_a_history_of_every_type_with_exact_balances() {
    let app = TestApp::spawn().await;
    let data = demo_history(&app, "?limit=100", None).await;
    assert_eq!(data["total"], 27);
    let mut records = items(&data);
    let types: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        [
            "adjustment",
            "gift_received",
            "gift_sent",
            "purchase",
            "refund",
            "stream_earning",
            "stream_spend",
            "withdrawal"
        ]
    );
    // Oldest first: each balance is the one before plus the amount, never below zero.
    records.reverse();
    let mut balance = 0;
    for record in &records {
        balance += record["amount"].as_i64().unwrap();
        assert_eq!(
            record["balanceAfter"].as_i64().unwrap(),
            balance,
            "{record}"
        );
        assert!(balance >= 0, "{record}");
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT credit_balance FROM users WHERE username = 'johndoe123'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, balance, "the stored balance is the last record's");

    // Spread over several weeks, all in the past.
    let at = |record: &Value| {
        let text = record["createdAt"].as_str().unwrap();
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let (oldest, newest) = (at(&records[0]), at(&records[records.len() - 1]));
    assert!(
        newest - oldest >= time::Duration::weeks(4),
        "{oldest} .. {newest}"
    );
    assert!(newest < time::OffsetDateTime::now_utc());
}

#[tokio::test]
async fn the_demo_fixture_gives_john_grouped_entries_with_streams_and_standalone_entries() {
    let app = TestApp::spawn().await;
    let page = demo_history(&app, "/grouped", None).await;
    assert_eq!(
        (
            page["total"].clone(),
            page["totalPages"].clone(),
            page["hasNext"].clone()
        ),
        (json!(27), json!(2), json!(true))
    );
    let entries = items(&page);
    let streams: Vec<&Value> = entries.iter().filter(|e| e["type"] == "stream").collect();
    let singles = entries
        .iter()
        .filter(|e| e["type"] == "transaction")
        .count();
    assert!(streams.len() >= 4 && singles >= 4, "{entries:?}");
    for stream in &streams {
        let records = stream["transactions"].as_array().unwrap();
        assert!(records.len() >= 2, "several movements per stream: {stream}");
        assert_eq!(stream["count"], records.len());
        let sum: i64 = records.iter().map(|r| r["amount"].as_i64().unwrap()).sum();
        assert_eq!(stream["totalAmount"], sum);
        assert!(records.iter().all(|r| r["streamId"] == stream["streamId"]));
    }
    let hosts: std::collections::BTreeSet<&str> = streams
        .iter()
        .map(|s| s["stream"]["hostUsername"].as_str().unwrap())
        .collect();
    assert!(
        hosts.contains("johndoe123") && hosts.len() >= 2,
        "{hosts:?}"
    );
    // Earned in John's streams, spent in the others'.
    for stream in &streams {
        let own = stream["stream"]["hostUsername"] == "johndoe123";
        for record in stream["transactions"].as_array().unwrap() {
            assert_eq!(record["amount"].as_i64().unwrap() > 0, own, "{record}");
        }
    }

    // The page of 20 ends inside a stream, which page 2 shows again with its rest.
    let last = entries.last().unwrap();
    assert_eq!(last["type"], "stream");
    let next = demo_history(&app, "/grouped?page=2", None).await;
    assert_eq!(items(&next)[0]["streamId"], last["streamId"]);
}

#[tokio::test]
async fn the_demo_fixture_has_records_at_22_30_utc_that_utc_plus_three_moves_to_the_next_day() {
    let app = TestApp::spawn().await;
    let utc = items(&demo_history(&app, "?limit=100", None).await);
    let late: Vec<&Value> = utc
        .iter()
        .filter(|r| r["createdAt"].as_str().unwrap().ends_with("T22:30:00.000Z"))
        .collect();
    assert!(late.len() >= 3, "{late:?}");
    let shifted = items(&demo_history(&app, "?limit=100", Some("UTC+03:00")).await);
    for record in late {
        let id = &record["_id"];
        let day_in_utc = &record["createdAt"].as_str().unwrap()[..10];
        let moved = shifted.iter().find(|r| &r["_id"] == id).unwrap();
        let moved_at = moved["createdAt"].as_str().unwrap();
        assert!(moved_at.ends_with("T01:30:00.000+03:00"), "{moved_at}");
        let day_in_utc3 = &moved_at[..10];
        assert_ne!(day_in_utc, day_in_utc3);

        let on = |day: &str| format!("?startDate={day}&endDate={day}&limit=100");
        let holds = |data: &Value| items(data).iter().any(|r| &r["_id"] == id);
        assert!(holds(&demo_history(&app, &on(day_in_utc), None).await));
        assert!(!holds(
            &demo_history(&app, &on(day_in_utc), Some("UTC+03:00")).await
        ));
        assert!(holds(
            &demo_history(&app, &on(day_in_utc3), Some("UTC+03:00")).await
        ));
    }
}

// Paging by cursor ------------------------------------------------------------

const FLAT: &str = "/api/v1/users/me/transactions";
const GROUPED: &str = "/api/v1/users/me/transactions/grouped";

/// A record of John's made now, so at the head of his history (a `gift_sent`,
/// so that it matches the filters the walks use).
async fn a_record_arrives_at_the_head(app: &TestApp) {
    app.sql(
        "INSERT INTO credit_transactions (user_id, type, amount, balance_after, description)
         VALUES (decode('507f1f77bcf86cd799439011', 'hex'), 'gift_sent', -1, 0, 'Arrived during the walk')",
    )
    .await;
}

/// One page of `path` for `who`, in English.
async fn page_of(app: &TestApp, who: &str, path: &str, query: &str) -> Value {
    let (status, body) = send(
        app.get(&format!("{path}?{query}"))
            .bearer_auth(app.token(who)),
    )
    .await;
    assert_ok(status, &body)
}

/// The full ids of a flat page's records, or of a grouped page's records in
/// the order its entries hold them.
fn record_ids(data: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for item in data["items"].as_array().unwrap() {
        let records = match item["type"].as_str() {
            Some("stream") => item["transactions"].as_array().unwrap().clone(),
            Some("transaction") if item.get("transaction").is_some() => {
                vec![item["transaction"].clone()]
            }
            _ => vec![item.clone()],
        };
        ids.extend(
            records
                .iter()
                .map(|r| r["_id"].as_str().unwrap().to_owned()),
        );
    }
    ids
}

/// Walks every page of `path` with `query` by cursor, from the numbered first
/// page, a new record arriving at the head before each later page. Returns the
/// records met, in order, and how many records arrived.
async fn walk_while_records_arrive(app: &TestApp, path: &str, query: &str) -> (Vec<String>, i64) {
    let first = page_of(app, JOHN, path, query).await;
    assert_eq!(first["page"], 1);
    let total = first["total"].as_i64().unwrap();
    let mut met = record_ids(&first);
    let mut next = first["nextCursor"].clone();
    let mut arrived = 0;
    while let Some(cursor) = next.as_str() {
        a_record_arrives_at_the_head(app).await;
        arrived += 1;
        let data = page_of(app, JOHN, path, &format!("{query}&cursor={cursor}")).await;
        assert!(data["page"].is_null(), "{data}");
        assert_eq!(data["hasNext"], !data["nextCursor"].is_null(), "{data}");
        assert!(
            !record_ids(&data).is_empty(),
            "a cursor is only given when more follow"
        );
        assert_eq!(data["limit"], first["limit"]);
        met.extend(record_ids(&data));
        assert_eq!(
            data["total"],
            total + arrived,
            "the total is exact, new records included"
        );
        next = data["nextCursor"].clone();
    }
    (met, arrived)
}

#[tokio::test]
async fn walking_every_page_by_cursor_returns_each_record_once_in_order_while_new_ones_arrive_at_the_head()
 {
    let app = TestApp::spawn().await;
    let before = record_ids(&page_of(&app, JOHN, FLAT, "limit=100").await);
    assert_eq!(before.len(), 27);
    let (met, arrived) = walk_while_records_arrive(&app, FLAT, "limit=4").await;
    assert_eq!(met, before);
    assert_eq!(arrived, 6, "seven pages of at most four");
    let after = page_of(&app, JOHN, FLAT, "limit=100").await;
    assert_eq!(
        after["total"],
        27 + arrived,
        "the new records are there, at the head"
    );
    assert_eq!(record_ids(&after)[arrived as usize..], before[..]);
}

#[tokio::test]
async fn walking_by_cursor_with_a_type_filter_returns_each_matching_record_once_in_order() {
    let app = TestApp::spawn().await;
    let query = "limit=2&type=gift_sent,stream_spend";
    let before =
        record_ids(&page_of(&app, JOHN, FLAT, "limit=100&type=gift_sent,stream_spend").await);
    assert_eq!(before.len(), 5, "{before:?}");
    let (met, arrived) = walk_while_records_arrive(&app, FLAT, query).await;
    assert_eq!(met, before);
    assert_eq!(arrived, 2, "three pages of at most two");
    // The records that arrived match the filter: the walk did not see them.
    let after = page_of(&app, JOHN, FLAT, "limit=100&type=gift_sent,stream_spend").await;
    assert_eq!(after["total"], before.len() as i64 + arrived);
}

#[tokio::test]
async fn the_grouped_history_walks_by_cursor_over_the_same_records() {
    let app = TestApp::spawn().await;
    let flat_first = page_of(&app, JOHN, FLAT, "limit=5").await;
    let grouped_first = page_of(&app, JOHN, GROUPED, "limit=5").await;
    assert_eq!(record_ids(&grouped_first), record_ids(&flat_first));
    assert_eq!(
        grouped_first["nextCursor"], flat_first["nextCursor"],
        "the cursor is after the page's last flat record"
    );
    let before = record_ids(&page_of(&app, JOHN, FLAT, "limit=100").await);
    let (met, _) = walk_while_records_arrive(&app, GROUPED, "limit=5").await;
    assert_eq!(met, before);
}

#[tokio::test]
async fn a_numbered_page_gives_the_cursor_of_the_next_page_too() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let first = page_of(&app, JOHN, FLAT, "limit=2&page=1").await;
    assert_eq!(ids(&first), ["05", "04"]);
    let cursor = first["nextCursor"].as_str().unwrap();
    assert!(
        cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "URL-safe as it is: {cursor}"
    );
    let second = page_of(&app, JOHN, FLAT, &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(
        ids(&second),
        ids(&page_of(&app, JOHN, FLAT, "limit=2&page=2").await)
    );
    assert_eq!(
        (
            second["page"].clone(),
            second["total"].clone(),
            second["totalPages"].clone(),
            second["hasNext"].clone()
        ),
        (Value::Null, json!(5), json!(3), json!(true))
    );
    // The cursor is a position, not a record: it outlives its record.
    app.sql("DELETE FROM credit_transactions WHERE id = decode('7a0000000000000000000004', 'hex')")
        .await;
    let after_delete = page_of(&app, JOHN, FLAT, &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&after_delete), ["03", "02"]);
}

#[tokio::test]
async fn next_cursor_is_null_on_the_last_page_and_on_an_empty_history() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    for path in [FLAT, GROUPED] {
        for query in ["limit=5", "limit=2&page=3", "limit=2&page=4"] {
            let data = page_of(&app, JOHN, path, query).await;
            assert!(data["nextCursor"].is_null(), "{path}?{query}: {data}");
            assert_eq!(data["hasNext"], false, "{path}?{query}");
        }
        let data = page_of(&app, JOHN, path, "limit=4").await;
        let cursor = data["nextCursor"].as_str().unwrap().to_owned();
        let last = page_of(&app, JOHN, path, &format!("limit=4&cursor={cursor}")).await;
        assert_eq!(record_ids(&last), ["7a0000000000000000000001"], "{path}");
        assert_eq!(
            (last["nextCursor"].clone(), last["hasNext"].clone()),
            (Value::Null, json!(false)),
            "{path}"
        );
    }
    // A cursor after which nothing is left answers an empty last page.
    let cursor = page_of(&app, JOHN, FLAT, "limit=4").await["nextCursor"].clone();
    app.sql("DELETE FROM credit_transactions WHERE id = decode('7a0000000000000000000001', 'hex')")
        .await;
    let cursor = cursor.as_str().unwrap();
    let data = page_of(&app, JOHN, FLAT, &format!("limit=4&cursor={cursor}")).await;
    assert_eq!(
        (
            data["items"].clone(),
            data["total"].clone(),
            data["nextCursor"].clone()
        ),
        (json!([]), json!(4), Value::Null)
    );

    app.sql(
        "DELETE FROM credit_transactions WHERE user_id = decode('507f1f77bcf86cd799439011', 'hex')",
    )
    .await;
    for path in [FLAT, GROUPED] {
        let data = page_of(&app, JOHN, path, "").await;
        assert_eq!(
            data,
            json!({"items": [], "page": 1, "limit": 20, "total": 0, "totalPages": 0, "hasNext": false, "nextCursor": null}),
            "{path}"
        );
    }
}

/// The messages of a 400 for `query` on `path`, as `who` in `language`.
async fn refusal(app: &TestApp, path: &str, query: &str, language: &str) -> Vec<String> {
    let url = reqwest::Url::parse(&format!("{}{path}?{query}", app.address)).unwrap();
    let (status, body) = send(
        app.client
            .get(url)
            .bearer_auth(app.token(JOHN))
            .header("X-Language", language),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_FAILED")[1..].to_vec()
}

const NOT_A_CURSOR_EN: &str =
    "cursor: is not a cursor of this history; send the nextCursor of an earlier answer";
const NOT_A_CURSOR_TR: &str =
    "cursor: bu geçmişe ait bir imleç değil; önceki bir yanıttaki nextCursor değerini gönderin";

#[tokio::test]
async fn a_cursor_of_another_users_history_is_400_naming_cursor() {
    let app = TestApp::spawn().await;
    history_fixture(&app).await;
    let carls = page_of(&app, CARL_BLOCKED, FLAT, "limit=1").await;
    let cursor = carls["nextCursor"].as_str().unwrap().to_owned();
    // Carl's own cursor works for Carl.
    let next = page_of(
        &app,
        CARL_BLOCKED,
        FLAT,
        &format!("limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(next["items"][0]["description"], "Carl buys");
    for path in [FLAT, GROUPED] {
        let query = format!("limit=1&cursor={cursor}");
        assert_eq!(
            refusal(&app, path, &query, "en").await,
            [NOT_A_CURSOR_EN],
            "{path}"
        );
        assert_eq!(
            refusal(&app, path, &query, "tr").await,
            [NOT_A_CURSOR_TR],
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_forged_or_garbage_cursor_is_400_naming_cursor_in_both_languages() {
    let app = TestApp::spawn().await;
    let real = page_of(&app, JOHN, FLAT, "limit=1").await["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let standard_alphabet = real.replace('-', "+").replace('_', "/");
    let garbage = [
        String::new(),
        "garbage".into(),
        "AQ".into(),
        "Ag".into(),
        real[..real.len() - 2].to_owned(),
        format!("{real}AA"),
        format!("{real}=="),
        format!("{real}x"),
        // Version 2 of the layout, and a valid base64url id.
        format!("Ag{}", &real[2..]),
        "UH8fd7z4bNeZQ5AR".into(),
        "' OR '1'='1".into(),
        "%00".into(),
        "ş".repeat(2_000),
        "A".repeat(10_000),
    ];
    for path in [FLAT, GROUPED] {
        for text in &garbage {
            let query = format!("cursor={}", urlencode(text));
            assert_eq!(
                refusal(&app, path, &query, "en").await,
                [NOT_A_CURSOR_EN],
                "{path} {text:?}"
            );
            assert_eq!(
                refusal(&app, path, &query, "tr").await,
                [NOT_A_CURSOR_TR],
                "{path} {text:?}"
            );
        }
        if standard_alphabet != real {
            let query = format!("cursor={}", urlencode(&standard_alphabet));
            assert_eq!(refusal(&app, path, &query, "en").await, [NOT_A_CURSOR_EN]);
        }
    }
}

fn urlencode(text: &str) -> String {
    let mut url = reqwest::Url::parse("http://x/").unwrap();
    url.query_pairs_mut().append_pair("c", text);
    url.query().unwrap()[2..].to_owned()
}

#[tokio::test]
async fn page_and_cursor_together_are_400_naming_both() {
    let app = TestApp::spawn().await;
    let cursor = page_of(&app, JOHN, FLAT, "limit=1").await["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [FLAT, GROUPED] {
        for query in [
            format!("page=1&cursor={cursor}"),
            format!("cursor={cursor}&page=2&limit=5"),
        ] {
            assert_eq!(
                refusal(&app, path, &query, "en").await,
                ["cursor: may not be given together with page"],
                "{path}?{query}"
            );
            assert_eq!(
                refusal(&app, path, &query, "tr").await,
                ["cursor: page ile birlikte verilemez"],
                "{path}?{query}"
            );
        }
        // Each other problem is named too.
        let query = format!("page=0&cursor={cursor}&limit=101");
        assert_eq!(
            refusal(&app, path, &query, "en").await,
            [
                "page: starts at 1",
                "limit: must be from 1 to 100",
                "cursor: may not be given together with page"
            ]
        );
    }
}
