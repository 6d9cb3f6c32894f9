//! GET /api/v2/users/search, on the real engine fed from the real database.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn search(app: &TestApp, caller: &str, query: &str) -> (StatusCode, Value) {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/api/v2/users/search", app.address),
        &[("query", query)],
    )
    .unwrap();
    send(app.client.get(url).bearer_auth(app.token(caller))).await
}

fn usernames(data: &Value) -> Vec<String> {
    data["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits (up to `limit`) until `app`'s index has caught up with the database.
async fn until_found(
    app: &TestApp,
    caller: &str,
    query: &str,
    username: &str,
    limit: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let (status, body) = search(app, caller, query).await;
        if usernames(&assert_ok(status, &body))
            .iter()
            .any(|u| u == username)
        {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{username} not found by {query:?} within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn ranking_puts_exact_username_then_prefix_then_name_then_typos() {
    let app = TestApp::spawn().await;
    app.add_person("johnny_b", "Bravo", "Bee").await;
    app.add_person("zed_k", "Johnathan", "Kaya").await;
    app.add_person("john", "Some", "One").await;
    until_found(&app, CARL_BLOCKED, "john", "john", Duration::from_secs(2)).await;
    until_found(
        &app,
        CARL_BLOCKED,
        "johnathan",
        "zed_k",
        Duration::from_secs(2),
    )
    .await;
    let (status, body) = search(&app, CARL_BLOCKED, "john").await;
    let names = usernames(&assert_ok(status, &body));
    assert_eq!(names[0], "john", "exact username first: {names:?}");
    let prefix_end = names.iter().position(|n| !n.starts_with("john")).unwrap();
    assert!(
        names[1..prefix_end].contains(&"johnny_b".to_owned())
            && names[1..prefix_end].contains(&"johndoe123".to_owned()),
        "{names:?}"
    );
    assert_eq!(names[prefix_end], "zed_k", "then a name prefix: {names:?}");
}

#[tokio::test]
async fn users_named_exactly_as_typed_come_before_users_whose_names_only_begin_so() {
    let app = TestApp::spawn().await;
    // Two Ayşegül Yılmaz: "Ayşe" begins "Ayşegül". The demo has 32 Ayşe Yılmaz
    // with at most a follower or two; one Ayşegül gets far more.
    app.add_person("aysegul_zero", "Ayşegül", "Yılmaz").await;
    let star = app.add_person("aysegul_star", "Ayşegül", "Yılmaz").await;
    sqlx::query("UPDATE users SET followers_count = 100000 WHERE id = decode($1, 'hex')")
        .bind(&star)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Until the index has her followers, she ranks after the other one.
    let started = Instant::now();
    loop {
        let (status, body) = search(&app, CARL_BLOCKED, "aysegul").await;
        if usernames(&assert_ok(status, &body))
            .first()
            .map(String::as_str)
            == Some("aysegul_star")
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "followers never indexed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    for query in ["ayşe yılmaz", "AYSE YILMAZ", "yılmaz ayşe"] {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/v2/users/search", app.address),
            &[("query", query), ("limit", "50")],
        )
        .unwrap();
        let (status, body) = send(app.client.get(url).bearer_auth(app.token(JOHN))).await;
        let data = assert_ok(status, &body);
        let names: Vec<(String, String)> = data["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["name"].as_str().unwrap().to_owned(),
                    u["username"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let first_prefix = names
            .iter()
            .position(|(name, _)| name == "Ayşegül")
            .unwrap();
        assert!(first_prefix >= 30, "{query}: {names:?}");
        assert!(
            names[..first_prefix].iter().all(|(name, _)| name == "Ayşe"),
            "{query}: every exact Ayşe first: {names:?}"
        );
        assert!(
            names[first_prefix..]
                .iter()
                .all(|(name, _)| name == "Ayşegül"),
            "{query}: {names:?}"
        );
        assert_eq!(
            names[first_prefix].1, "aysegul_star",
            "{query}: then by followers"
        );
        assert_eq!(data["total"], first_prefix + 2, "{query}");
    }
}

#[tokio::test]
async fn a_typo_finds_the_user() {
    let app = TestApp::spawn().await;
    let (status, body) = search(&app, CARL_BLOCKED, "jonhdoe").await;
    assert_eq!(usernames(&assert_ok(status, &body))[0], "johndoe123");
}

#[tokio::test]
async fn turkish_letters_fold_the_way_people_type_them() {
    let app = TestApp::spawn().await;
    app.add_person("sukru_o", "Şükrü", "Öztürk").await;
    app.add_person("isik_k", "Işık", "Kılıç").await;
    until_found(
        &app,
        CARL_BLOCKED,
        "isik_k",
        "isik_k",
        Duration::from_secs(2),
    )
    .await;
    until_found(
        &app,
        CARL_BLOCKED,
        "sukru_o",
        "sukru_o",
        Duration::from_secs(2),
    )
    .await;
    for (query, expected) in [
        ("sukru", "sukru_o"),
        ("ŞÜKRÜ", "sukru_o"),
        ("sukru ozturk", "sukru_o"),
        ("ISIK", "isik_k"),
        ("ışık", "isik_k"),
        ("kilic", "isik_k"),
    ] {
        let (status, body) = search(&app, CARL_BLOCKED, query).await;
        assert!(
            usernames(&assert_ok(status, &body)).contains(&expected.to_owned()),
            "{query}"
        );
    }
}

#[tokio::test]
async fn several_words_narrow_the_result() {
    let app = TestApp::spawn().await;
    app.add_person("a_one", "Ayşenur", "Yılmazer").await;
    app.add_person("a_two", "Ayşenur", "Kaya").await;
    app.add_person("a_three", "Mehmet", "Yılmazer").await;
    for name in ["a_one", "a_two", "a_three"] {
        until_found(&app, CARL_BLOCKED, name, name, Duration::from_secs(2)).await;
    }
    let (status, body) = search(&app, CARL_BLOCKED, "aysenur yilmaz").await;
    let data = assert_ok(status, &body);
    let names = usernames(&data);
    assert!(names.contains(&"a_one".to_owned()), "{names:?}");
    assert!(
        !names.contains(&"a_two".to_owned()) && !names.contains(&"a_three".to_owned()),
        "{names:?}"
    );
}

#[tokio::test]
async fn blocked_and_deactivated_users_never_appear_and_totals_agree() {
    let app = TestApp::spawn().await;
    let (status, body) = search(&app, CARL_BLOCKED, "blocker").await;
    let data = assert_ok(status, &body);
    assert!(usernames(&data).is_empty(), "{data}");
    assert_eq!(data["total"], 0);
    let (status, body) = search(&app, JOHN, "blocker").await;
    assert_eq!(usernames(&assert_ok(status, &body))[0], "blocker_bob");
    let (status, body) = search(&app, JOHN, "gone_gary").await;
    let data = assert_ok(status, &body);
    assert!(usernames(&data).is_empty());
    assert_eq!(data["total"], 0);
}

#[tokio::test]
async fn items_carry_the_96_px_photo_the_live_stream_and_the_price() {
    let app = TestApp::spawn().await;
    app.sql(
        "INSERT INTO live_streams (id, host_id, title, started_at, viewer_count)
         VALUES (decode('5e5e5e5e5e5e5e5e5e5e5e09', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'Live now', '2026-05-22 16:00Z', 42)",
    )
    .await;
    let (status, body) = search(&app, CARL_BLOCKED, "johndoe123").await;
    let data = assert_ok(status, &body);
    assert_eq!(
        data["items"][0],
        json!({
            "_id": JOHN,
            "username": "johndoe123",
            "name": "John",
            "surname": "Doe",
            "expertise": "designer",
            "minutePriceInLiveStream": 1,
            "profilePhoto": {"_id": "507f1f77bcf86cd799439012", "url": "https://example.com/profile_96.jpg", "type": "image"},
            "liveStream": {"_id": "5e5e5e5e5e5e5e5e5e5e5e09", "title": "Live now", "startedAt": "2026-05-22T16:00:00.000Z", "viewerCount": 42}
        })
    );
    assert_eq!(
        (
            data["page"].clone(),
            data["limit"].clone(),
            data["hasNext"].clone()
        ),
        (json!(1), json!(20), json!(false))
    );
}

#[tokio::test]
async fn a_private_user_is_found_with_only_what_privacy_allows() {
    let app = TestApp::spawn().await;
    app.sql("UPDATE users SET expertise = 'chef', minute_price_in_live_stream = 9 WHERE username = 'private_jane'").await;
    let (status, body) = search(&app, JOHN, "private_jane").await;
    let item = assert_ok(status, &body)["items"][0].clone();
    assert_eq!(item["username"], "private_jane");
    assert!(
        item["expertise"].is_null()
            && item["minutePriceInLiveStream"].is_null()
            && item["liveStream"].is_null(),
        "{item}"
    );
    let (status, body) = search(&app, FAN_ACCEPTED, "private_jane").await;
    let item = assert_ok(status, &body)["items"][0].clone();
    assert_eq!(
        (
            item["expertise"].clone(),
            item["minutePriceInLiveStream"].clone()
        ),
        (json!("chef"), json!(9))
    );
}

#[tokio::test]
async fn an_empty_query_returns_a_different_random_sample_each_time() {
    let app = TestApp::spawn().await;
    let sample = || async {
        let (status, body) = send(
            app.get("/api/v2/users/search?limit=10")
                .bearer_auth(app.token(JOHN)),
        )
        .await;
        let data = assert_ok(status, &body);
        assert!(data["total"].as_u64().unwrap() > 250, "{data}");
        usernames(&data)
    };
    let first = sample().await;
    assert_eq!(first.len(), 10);
    let mut differs = false;
    for _ in 0..5 {
        differs |= sample().await != first;
    }
    assert!(differs, "five samples equal to {first:?}");
    assert!(
        !first.contains(&"gone_gary".to_owned()) && !first.contains(&"johndoe123".to_owned()),
        "no deactivated user, not the caller"
    );
}

#[tokio::test]
async fn pages_split_the_results_and_limits_are_enforced() {
    let app = TestApp::spawn().await;
    let (status, body) = send(
        app.get("/api/v2/users/search?query=demo&limit=50&page=2")
            .bearer_auth(app.token(JOHN)),
    )
    .await;
    let data = assert_ok(status, &body);
    assert_eq!(data["total"], 256);
    assert_eq!(data["totalPages"], 6);
    assert_eq!(data["items"].as_array().unwrap().len(), 50);
    assert_eq!(data["hasNext"], true);
    let long = "x".repeat(101);
    for (query, message) in [
        ("limit=51", "limit: must be from 1 to 50"),
        ("limit=0", "limit: must be from 1 to 50"),
        ("page=0", "page: starts at 1"),
        (
            &*format!("query={long}"),
            "query: may have at most 100 characters",
        ),
        ("q=john", "q: is not a parameter of this endpoint"),
    ] {
        let (status, body) = send(
            app.get(&format!("/api/v2/users/search?{query}"))
                .bearer_auth(app.token(JOHN)),
        )
        .await;
        assert_eq!(
            assert_error(status, &body, 400, "VALIDATION_FAILED")[1..],
            [message.to_owned()],
            "{query}"
        );
    }
    let (status, body) = send(app.get("/api/v2/users/search?query=john")).await;
    assert_error(status, &body, 401, "AUTHENTICATION_REQUIRED");
}

#[tokio::test]
async fn query_syntax_characters_are_plain_text() {
    let app = TestApp::spawn().await;
    for query in [
        "\"johndoe",
        "john*",
        "name:john",
        "(john",
        "john%",
        "john_",
        "+john -doe",
        "jo~hn^2",
        "[a TO z]",
        "\\",
        "\"",
        "*",
    ] {
        let (status, body) = search(&app, CARL_BLOCKED, query).await;
        assert_ok(status, &body);
    }
    let (status, body) = search(&app, CARL_BLOCKED, "\"johndoe123\"").await;
    assert_eq!(usernames(&assert_ok(status, &body))[0], "johndoe123");
}

#[tokio::test]
async fn a_rename_is_searchable_within_a_second_on_every_instance() {
    let app = TestApp::spawn().await;
    let peer = app.spawn_peer().await;
    assert_eq!(rename(&app, JOHN, "zanzibar_nights").await, StatusCode::OK);

    for instance in [&app, &peer] {
        let waited = until_found(
            instance,
            CARL_BLOCKED,
            "zanzibar",
            "zanzibar_nights",
            Duration::from_secs(1),
        )
        .await;
        assert!(waited < Duration::from_secs(1), "{waited:?}");
        let (status, body) = search(instance, CARL_BLOCKED, "johndoe123").await;
        assert!(
            !usernames(&assert_ok(status, &body)).contains(&"johndoe123".to_owned()),
            "old name still found"
        );
    }
}

#[tokio::test]
async fn deactivation_and_a_stream_going_live_reach_the_index() {
    let app = TestApp::spawn().await;
    app.sql("UPDATE users SET deactivated_at = now() WHERE username = 'blocked_carl'")
        .await;
    let started = Instant::now();
    loop {
        let (status, body) = search(&app, JOHN, "blocked_carl").await;
        if usernames(&assert_ok(status, &body)).is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "deactivated user still found"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn rename(app: &TestApp, caller: &str, new_username: &str) -> StatusCode {
    let request = app
        .patch("/api/v1/users/username")
        .bearer_auth(app.token(caller));
    request
        .json(&json!({ "newUsername": new_username }))
        .send()
        .await
        .unwrap()
        .status()
}
