//! The read model: two instances over one database, each reading profiles,
//! accounts and relationships through a read model of its own. A write
//! through an instance is served by it on its next request; any change,
//! through the other instance or made directly in SQL, within one second.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use allmine_domain::UserId;
use allmine_domain::profiles::{ProfileAccessDenied, UserLookup, UserRepository, may_view_profile};
use allmine_postgres::PgUsers;
use allmine_postgres::testing::TestDatabase;

use crate::helpers::*;

/// The bound every other instance is held to.
const BOUND: Duration = Duration::from_secs(1);

/// A read: its path, by whom (`None`: anonymous).
#[derive(Clone)]
struct Read {
    path: String,
    viewer: Option<String>,
}

impl Read {
    fn anonymous(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            viewer: None,
        }
    }

    fn by(viewer: &str, path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            viewer: Some(viewer.to_owned()),
        }
    }

    /// `target`'s profile by id, read by `viewer` (`None`: anonymous).
    fn profile(viewer: Option<&str>, target: &str) -> Self {
        Self {
            path: format!("/api/v1/users/profile/{target}"),
            viewer: viewer.map(str::to_owned),
        }
    }

    async fn send(&self, app: &TestApp) -> (StatusCode, Value) {
        let request = app.get(&self.path);
        let request = match &self.viewer {
            Some(viewer) => request.bearer_auth(app.token(viewer)),
            None => request,
        };
        send(request).await
    }
}

/// Reads until `expected` holds, failing once `BOUND` has passed since
/// `since`; returns how long it took.
async fn within_bound(
    app: &TestApp,
    read: &Read,
    since: Instant,
    what: &str,
    expected: impl Fn(StatusCode, &Value) -> bool,
) -> Duration {
    loop {
        let (status, body) = read.send(app).await;
        if expected(status, &body) {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < BOUND,
            "{what}: still {status} {body} after {:?}",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two instances with read models, both warmed with `read` (twice, so the
/// second answer comes from memory).
async fn two_warm_instances(reads: &[Read]) -> (TestApp, TestApp) {
    let a = TestApp::spawn_with_read_model().await;
    let b = a.spawn_peer_with_read_model().await;
    for app in [&a, &b] {
        wait_until_trusted(app).await;
        let model = app.read_model.as_ref().unwrap();
        for read in reads {
            read.send(app).await;
            let hits = model.stats().hits;
            read.send(app).await;
            assert!(
                model.stats().hits > hits,
                "a warm read is answered from memory"
            );
        }
    }
    (a, b)
}

/// Waits until the instance's read model has caught up with the feed once.
async fn wait_until_trusted(app: &TestApp) {
    let model = app.read_model.as_ref().unwrap();
    let started = Instant::now();
    while !model.is_trusted() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the read model never caught up"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn name_of(body: &Value) -> &str {
    body["data"]["name"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_write_through_an_instance_is_served_by_it_next_and_by_its_peer_within_a_second() {
    let profile = Read::anonymous(format!("/api/v1/users/profile/{JOHN}"));
    let (a, b) = two_warm_instances(std::slice::from_ref(&profile)).await;
    let hits_before = a.read_model.as_ref().unwrap().stats().hits;
    assert_eq!(name_of(&profile.send(&a).await.1), "John");
    assert!(
        a.read_model.as_ref().unwrap().stats().hits > hits_before,
        "a warm read is answered from memory"
    );

    let (status, body) = send(
        a.patch("/api/v1/users/me")
            .bearer_auth(a.token(JOHN))
            .json(&json!({ "name": "Johnny" })),
    )
    .await;
    assert_ok(status, &body);
    let written = Instant::now();

    let (status, body) = profile.send(&a).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(name_of(&body), "Johnny", "the writer's very next read");
    within_bound(&b, &profile, written, "the peer", |_, body| {
        name_of(body) == "Johnny"
    })
    .await;
}

#[tokio::test]
async fn a_rename_through_an_instance_moves_the_name_at_once_there_and_soon_on_its_peer() {
    let old = Read::anonymous("/api/v1/users/profile/username/johndoe123");
    let new = Read::anonymous("/api/v1/users/profile/username/john_renamed");
    let (a, b) = two_warm_instances(std::slice::from_ref(&old)).await;

    let (status, body) = send(
        a.patch("/api/v1/users/username")
            .bearer_auth(a.token(JOHN))
            .json(&json!({ "newUsername": "john_renamed" })),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let written = Instant::now();

    assert_eq!(old.send(&a).await.0, StatusCode::NOT_FOUND);
    assert_eq!(new.send(&a).await.0, StatusCode::OK);
    within_bound(
        &b,
        &old,
        written,
        "the old name on the peer",
        |status, _| status == StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(new.send(&b).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_profile_write_through_an_instance_shows_in_its_own_search_results_next() {
    let search = Read::by(FAN_PENDING, "/api/v2/users/search?query=johndoe123");
    let (a, b) = two_warm_instances(std::slice::from_ref(&search)).await;
    assert_eq!(search.send(&a).await.1["data"]["items"][0]["name"], "John");

    let (status, body) = send(
        a.patch("/api/v1/users/me")
            .bearer_auth(a.token(JOHN))
            .json(&json!({ "name": "Johnny", "expertise": "chef" })),
    )
    .await;
    assert_ok(status, &body);
    let written = Instant::now();

    let item = search.send(&a).await.1["data"]["items"][0].clone();
    assert_eq!(
        (item["name"].clone(), item["expertise"].clone()),
        (json!("Johnny"), json!("chef")),
        "the writer's very next search"
    );
    within_bound(&b, &search, written, "the peer's search", |_, body| {
        body["data"]["items"][0]["name"] == "Johnny"
    })
    .await;
}

#[tokio::test]
async fn a_warm_page_of_search_results_is_answered_from_memory_with_each_viewers_follow() {
    let app = TestApp::spawn_with_read_model().await;
    wait_until_trusted(&app).await;
    let by_pending = Read::by(FAN_PENDING, "/api/v2/users/search?query=private_jane");
    let by_accepted = Read::by(FAN_ACCEPTED, "/api/v2/users/search?query=private_jane");
    let jane_for = |body: &Value| body["data"]["items"][0].clone();
    by_pending.send(&app).await;
    by_accepted.send(&app).await;

    let before = misses(&app);
    let (status, pending) = by_pending.send(&app).await;
    assert_eq!(status, StatusCode::OK);
    let (status, accepted) = by_accepted.send(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(misses(&app), before, "a warm page asks storage nothing");
    // One card held for both, each viewer's follow applied to it.
    assert_eq!(jane_for(&pending)["username"], "private_jane");
    assert_eq!(jane_for(&accepted)["username"], "private_jane");
    assert!(
        jane_for(&pending)["minutePriceInLiveStream"].is_null(),
        "a pending follower sees a private user's card closed: {pending}"
    );
    assert!(
        jane_for(&accepted)["minutePriceInLiveStream"].is_u64(),
        "an accepted follower sees it open: {accepted}"
    );
}

#[tokio::test]
async fn a_follow_landing_on_a_user_moves_their_count_and_keeps_their_search_card() {
    let app = TestApp::spawn_with_read_model().await;
    wait_until_trusted(&app).await;
    let search = Read::by(FAN_PENDING, "/api/v2/users/search?query=johndoe123");
    let profile = Read::anonymous(format!("/api/v1/users/profile/{JOHN}"));
    for read in [&search, &search, &profile, &profile] {
        read.send(&app).await;
    }
    let followers = |body: &Value| body["data"]["followersCount"].as_u64();
    let before = followers(&profile.send(&app).await.1).unwrap();
    let (john, searcher) = (sql_id(JOHN), sql_id(FAN_PENDING));
    // Anyone but the searcher, whose own relations the follow would drop.
    run_sql(
        &app,
        format!(
            "INSERT INTO follows (follower_id, followee_id, status, accepted_at) \
             SELECT u.id, {john}, 'accepted', now() FROM users u \
             WHERE u.id NOT IN ({john}, {searcher}) AND u.deactivated_at IS NULL AND NOT EXISTS \
               (SELECT 1 FROM follows f WHERE f.follower_id = u.id AND f.followee_id = {john}) \
             LIMIT 1"
        ),
    )
    .await;
    within_bound(
        &app,
        &profile,
        Instant::now(),
        "the new count",
        |_, body| followers(body) == Some(before + 1),
    )
    .await;

    let misses_before = misses(&app);
    let (status, body) = search.send(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["items"][0]["_id"], JOHN);
    assert_eq!(
        misses(&app),
        misses_before,
        "the card is still held: a count is not on it"
    );
}

#[tokio::test]
async fn a_search_result_on_air_shows_its_viewer_count_as_it_is_now() {
    let app = TestApp::spawn_with_read_model().await;
    let john = sql_id(JOHN);
    run_sql(
        &app,
        format!(
            "INSERT INTO live_streams (host_id, title, started_at, viewer_count) VALUES ({john}, 'On air', now(), 5)"
        ),
    )
    .await;
    let search = Read::by(FAN_PENDING, "/api/v2/users/search?query=johndoe123");
    let viewers = |body: &Value| body["data"]["items"][0]["liveStream"]["viewerCount"].clone();
    let started = Instant::now();
    while viewers(&search.send(&app).await.1) != json!(5) {
        assert!(started.elapsed() < Duration::from_secs(5), "never on air");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_until_trusted(&app).await;
    search.send(&app).await;

    // A viewer count moves without a feed row: the next search shows it all the same.
    run_sql(
        &app,
        format!(
            "UPDATE live_streams SET viewer_count = 6 WHERE host_id = {john} AND ended_at IS NULL"
        ),
    )
    .await;
    assert_eq!(viewers(&search.send(&app).await.1), json!(6));
}

/// One kind of change made in SQL, and what a read shows once it arrived.
struct SqlChange {
    what: &'static str,
    read: Read,
    statements: Vec<String>,
    /// Given the answer before the change, whether this answer shows it.
    shows: fn(&Value, StatusCode, &Value) -> bool,
}

fn changes_made_in_sql() -> Vec<SqlChange> {
    let john = sql_id(JOHN);
    let jane = sql_id(JANE_PRIVATE);
    let fan = sql_id(FAN_PENDING);
    let carl = sql_id(CARL_BLOCKED);
    let bob = sql_id(BOB_BLOCKER);
    let accepted_fan = sql_id(FAN_ACCEPTED);
    let john_profile = format!("/api/v1/users/profile/{JOHN}");
    let jane_profile = format!("/api/v1/users/profile/{JANE_PRIVATE}");
    vec![
        SqlChange {
            what: "a profile field",
            read: Read::anonymous(&john_profile),
            statements: vec![format!(
                "UPDATE users SET surname = 'Changed' WHERE id = {john}"
            )],
            shows: |_, _, body| body["data"]["surname"] == "Changed",
        },
        SqlChange {
            what: "a photo",
            read: Read::anonymous(&john_profile),
            statements: vec![format!(
                "WITH photo AS (INSERT INTO profile_photos (user_id, original_url) \
                 VALUES ({john}, 'https://cdn.example/new.jpg') RETURNING id) \
                 UPDATE users SET profile_photo_id = (SELECT id FROM photo) WHERE id = {john}"
            )],
            shows: |_, _, body| {
                body["data"]["profilePhoto"]["url"] == "https://cdn.example/new.jpg"
            },
        },
        SqlChange {
            what: "the privacy flag",
            read: Read::anonymous(&john_profile),
            statements: vec![format!(
                "UPDATE users SET is_private = true WHERE id = {john}"
            )],
            shows: |_, status, _| status == StatusCode::FORBIDDEN,
        },
        SqlChange {
            what: "a deactivation, for readers",
            read: Read::anonymous(&john_profile),
            statements: vec![format!(
                "UPDATE users SET deactivated_at = now() WHERE id = {john}"
            )],
            shows: |_, status, _| status == StatusCode::NOT_FOUND,
        },
        SqlChange {
            what: "a deactivation, for the account's own token",
            read: Read::by(JOHN, "/api/v1/users/me"),
            statements: vec![format!(
                "UPDATE users SET deactivated_at = now() WHERE id = {john}"
            )],
            shows: |_, status, _| status == StatusCode::UNAUTHORIZED,
        },
        SqlChange {
            what: "a follow request accepted",
            read: Read::by(FAN_PENDING, &jane_profile),
            statements: vec![format!(
                "UPDATE follows SET status = 'accepted', accepted_at = now() \
                 WHERE follower_id = {fan} AND followee_id = {jane}"
            )],
            shows: |_, status, _| status == StatusCode::OK,
        },
        SqlChange {
            what: "a follow removed",
            read: Read::by(FAN_ACCEPTED, &jane_profile),
            statements: vec![format!(
                "DELETE FROM follows WHERE follower_id = {accepted_fan} AND followee_id = {jane}"
            )],
            shows: |_, status, _| status == StatusCode::FORBIDDEN,
        },
        SqlChange {
            what: "a follow requested, counted",
            read: Read::anonymous(&john_profile),
            statements: vec![format!(
                "INSERT INTO follows (follower_id, followee_id, status, accepted_at) \
                 SELECT u.id, {john}, 'accepted', now() FROM users u \
                 WHERE u.id <> {john} AND u.deactivated_at IS NULL AND NOT EXISTS \
                   (SELECT 1 FROM follows f WHERE f.follower_id = u.id AND f.followee_id = {john}) \
                 LIMIT 1"
            )],
            shows: |before, _, body| {
                body["data"]["followersCount"].as_u64()
                    == before["data"]["followersCount"].as_u64().map(|n| n + 1)
            },
        },
        SqlChange {
            what: "a block added",
            read: Read::by(CARL_BLOCKED, &john_profile),
            statements: vec![format!(
                "INSERT INTO blocks (blocker_id, blocked_id) VALUES ({john}, {carl})"
            )],
            shows: |_, status, _| status == StatusCode::FORBIDDEN,
        },
        SqlChange {
            what: "a block removed",
            read: Read::by(CARL_BLOCKED, format!("/api/v1/users/profile/{BOB_BLOCKER}")),
            statements: vec![format!(
                "DELETE FROM blocks WHERE blocked_id = {carl} AND blocker_id = {bob}"
            )],
            shows: |_, status, _| status == StatusCode::OK,
        },
        SqlChange {
            what: "a search result's field",
            read: Read::by(FAN_PENDING, "/api/v2/users/search?query=johndoe123"),
            statements: vec![format!(
                "UPDATE users SET expertise = 'chef' WHERE id = {john}"
            )],
            shows: |_, _, body| body["data"]["items"][0]["expertise"] == "chef",
        },
        SqlChange {
            what: "a search result's 96 px photo",
            read: Read::by(FAN_PENDING, "/api/v2/users/search?query=johndoe123"),
            statements: vec![format!(
                "UPDATE profile_photo_variants SET url = 'https://cdn.example/new_96.jpg' \
                 WHERE size_px = 96 AND photo_id = (SELECT profile_photo_id FROM users WHERE id = {john})"
            )],
            shows: |_, _, body| {
                body["data"]["items"][0]["profilePhoto"]["url"] == "https://cdn.example/new_96.jpg"
            },
        },
        SqlChange {
            what: "a search result going live",
            read: Read::by(FAN_PENDING, "/api/v2/users/search?query=johndoe123"),
            statements: vec![format!(
                "INSERT INTO live_streams (host_id, title, started_at) VALUES ({john}, 'On air', now())"
            )],
            shows: |_, _, body| body["data"]["items"][0]["liveStream"]["title"] == "On air",
        },
        SqlChange {
            what: "a follow request accepted, in search",
            read: Read::by(FAN_PENDING, "/api/v2/users/search?query=private_jane"),
            statements: vec![
                format!("UPDATE users SET minute_price_in_live_stream = 7 WHERE id = {jane}"),
                format!(
                    "UPDATE follows SET status = 'accepted', accepted_at = now() \
                     WHERE follower_id = {fan} AND followee_id = {jane}"
                ),
            ],
            shows: |_, _, body| body["data"]["items"][0]["minutePriceInLiveStream"] == 7,
        },
        SqlChange {
            what: "a deactivation, in search",
            read: Read::by(FAN_PENDING, "/api/v2/users/search?query=johndoe123"),
            statements: vec![format!(
                "UPDATE users SET deactivated_at = now() WHERE id = {john}"
            )],
            shows: |_, status, body| {
                status == StatusCode::OK
                    && body["data"]["items"]
                        .as_array()
                        .is_some_and(|items| items.iter().all(|item| item["_id"] != JOHN))
            },
        },
        SqlChange {
            what: "a live stream started",
            read: Read::by(FAN_PENDING, format!("/api/v1/users/{JOHN}/stats")),
            statements: vec![format!(
                "INSERT INTO live_streams (host_id, title, started_at) VALUES ({john}, 'Live', now())"
            )],
            shows: |before, _, body| {
                body["data"]["totalLiveStreams"].as_u64()
                    == before["data"]["totalLiveStreams"].as_u64().map(|n| n + 1)
            },
        },
    ]
}

/// Runs one statement built at run time.
async fn run_sql(app: &TestApp, statement: String) {
    sqlx::query(AssertSqlSafe(statement))
        .execute(&app.db.pool)
        .await
        .unwrap();
}

/// A user id as an SQL literal.
fn sql_id(id: &str) -> String {
    format!("'\\x{id}'::bytea")
}

#[tokio::test]
async fn a_transaction_left_open_in_another_database_neither_silences_nor_stales_the_read_model() {
    // A snapshot's xmin is cluster-wide: a transaction of another database (a bulk load,
    // a forgotten BEGIN) used to hold the feed back, so the read model's trust lapsed and
    // every read went to PostgreSQL until it ended. It can never write here.
    let profile = Read::anonymous(format!("/api/v1/users/profile/{JOHN}"));
    let (a, _b) = two_warm_instances(std::slice::from_ref(&profile)).await;
    let model = a.read_model.as_ref().unwrap();
    let elsewhere = TestDatabase::new().await;
    let (open_elsewhere, _) = elsewhere.open_writing_transaction().await;

    run_sql(
        &a,
        format!("UPDATE users SET name = 'Jon' WHERE id = {}", sql_id(JOHN)),
    )
    .await;
    let written = Instant::now();
    within_bound(&a, &profile, written, "the change in SQL", |_, body| {
        name_of(body) == "Jon"
    })
    .await;

    // Well past the lease the model would have lost: still trusted, and answering.
    tokio::time::sleep(BOUND * 2).await;
    assert!(model.is_trusted(), "the read model still trusts itself");
    let hits = model.stats().hits;
    assert_eq!(name_of(&profile.send(&a).await.1), "Jon");
    assert!(
        model.stats().hits > hits,
        "the read is answered from memory"
    );
    drop(open_elsewhere);
}

#[tokio::test]
async fn every_kind_of_change_made_in_sql_reaches_both_instances_within_a_second() {
    for change in changes_made_in_sql() {
        let (a, b) = two_warm_instances(std::slice::from_ref(&change.read)).await;
        let (status, before) = change.read.send(&a).await;
        assert!(
            !(change.shows)(&before, status, &before),
            "{}: shows before the change: {status} {before}",
            change.what
        );
        for statement in &change.statements {
            sqlx::query(AssertSqlSafe(statement.as_str()))
                .execute(&a.db.pool)
                .await
                .unwrap();
        }
        let committed = Instant::now();
        for (instance, app) in [("A", &a), ("B", &b)] {
            within_bound(
                app,
                &change.read,
                committed,
                &format!("{} on {instance}", change.what),
                |status, body| (change.shows)(&before, status, body),
            )
            .await;
        }
    }
}

/// A small deterministic generator: the same run every time, no extra crate.
struct Draws(u64);

impl Draws {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// What the privacy rule, evaluated on the database itself, says `viewer`
/// gets for `target`'s profile: a status and, for a refusal, its code.
async fn rule_on_database(
    app: &TestApp,
    viewer: Option<&str>,
    target: &str,
) -> (StatusCode, Option<&'static str>) {
    let storage = PgUsers::new(app.db.pool.clone());
    if let Some(viewer) = viewer {
        let (me, _) = storage
            .find_for_viewer(UserLookup::Id(&UserId::parse(viewer).unwrap()), None)
            .await
            .unwrap()
            .unwrap();
        if me.is_deactivated {
            return (StatusCode::UNAUTHORIZED, Some("AUTHENTICATION_REQUIRED"));
        }
    }
    let viewer_id = viewer.map(|v| UserId::parse(v).unwrap());
    let (owner, relationship) = storage
        .find_for_viewer(
            UserLookup::Id(&UserId::parse(target).unwrap()),
            viewer_id.as_ref(),
        )
        .await
        .unwrap()
        .unwrap();
    match may_view_profile(viewer_id.as_ref(), &owner, relationship) {
        Ok(()) => (StatusCode::OK, None),
        Err(ProfileAccessDenied::NotFound) => (StatusCode::NOT_FOUND, Some("NOT_FOUND")),
        Err(ProfileAccessDenied::Blocked) => (StatusCode::FORBIDDEN, Some("PROFILE_UNAVAILABLE")),
        Err(ProfileAccessDenied::Private) => (StatusCode::FORBIDDEN, Some("PROFILE_PRIVATE")),
    }
}

/// One random change among `people`, made in SQL.
async fn random_change(app: &TestApp, people: &[String], draws: &mut Draws) {
    let one = sql_id(&people[draws.below(people.len())]);
    let mut other = sql_id(&people[draws.below(people.len())]);
    while other == one {
        other = sql_id(&people[draws.below(people.len())]);
    }
    let statement = match draws.below(7) {
        0 => format!(
            "INSERT INTO blocks (blocker_id, blocked_id) VALUES ({one}, {other}) ON CONFLICT DO NOTHING"
        ),
        1 => format!("DELETE FROM blocks WHERE blocker_id = {one} AND blocked_id = {other}"),
        2 => format!(
            "INSERT INTO follows (follower_id, followee_id, status) VALUES ({one}, {other}, 'pending') \
             ON CONFLICT DO NOTHING"
        ),
        3 => format!(
            "UPDATE follows SET status = 'accepted', accepted_at = now() \
             WHERE follower_id = {one} AND followee_id = {other}"
        ),
        4 => format!("DELETE FROM follows WHERE follower_id = {one} AND followee_id = {other}"),
        5 => format!("UPDATE users SET is_private = NOT is_private WHERE id = {one}"),
        _ => format!(
            "UPDATE users SET deactivated_at = CASE WHEN deactivated_at IS NULL THEN now() END \
             WHERE id = {one}"
        ),
    };
    sqlx::query(AssertSqlSafe(statement))
        .execute(&app.db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn privacy_never_goes_stale_across_random_changes_made_in_sql() {
    let a = TestApp::spawn_with_read_model().await;
    let b = a.spawn_peer_with_read_model().await;
    let mut people = Vec::new();
    for n in 0..5 {
        people.push(a.add_user(&format!("privacy_{n}")).await);
    }
    let mut draws = Draws(0x9e37_79b9_7f4a_7c15);
    let viewers: Vec<Option<&str>> = std::iter::once(None)
        .chain(people.iter().map(|p| Some(p.as_str())))
        .collect();
    for round in 0..4 {
        // Changes interleaved with reads that fill both read models.
        for _ in 0..12 {
            random_change(&a, &people, &mut draws).await;
            let app = if draws.below(2) == 0 { &a } else { &b };
            let viewer = viewers[draws.below(viewers.len())];
            let target = &people[draws.below(people.len())];
            let read = Read::profile(viewer, target);
            read.send(app).await;
        }
        tokio::time::sleep(BOUND).await;
        for viewer in &viewers {
            for target in &people {
                let expected = rule_on_database(&a, *viewer, target).await;
                let read = Read::profile(*viewer, target);
                for (instance, app) in [("A", &a), ("B", &b)] {
                    let (status, body) = read.send(app).await;
                    let code = body["code"].as_str();
                    assert_eq!(
                        (status, code),
                        (expected.0, expected.1),
                        "round {round}, instance {instance}, viewer {viewer:?}, target {target}: {body}"
                    );
                }
            }
        }
    }
    let hits =
        a.read_model.as_ref().unwrap().stats().hits + b.read_model.as_ref().unwrap().stats().hits;
    assert!(hits > 0, "the reads went through the read models");
}

/// Ends the feed's connections to this test's database; how many.
async fn kill_feed_connections(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE application_name = $1 AND datname = current_database()",
    )
    .bind(allmine_postgres::CHANGE_FEED_APPLICATION)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// Lets new connections into the test's database, or refuses them (from
/// another database: PostgreSQL refuses to shut the current one).
async fn allow_connections(app: &TestApp, allowed: bool) {
    let mut admin = PgConnection::connect_with(&app.db.options.clone().database("postgres"))
        .await
        .unwrap();
    sqlx::query(AssertSqlSafe(format!(
        "ALTER DATABASE \"{}\" ALLOW_CONNECTIONS {allowed}",
        app.db.name
    )))
    .execute(&mut admin)
    .await
    .unwrap();
}

#[tokio::test]
async fn with_its_feed_cut_an_instance_serves_no_stale_read_and_catches_up_when_it_is_back() {
    let profile = Read::anonymous(format!("/api/v1/users/profile/{JOHN}"));
    let (a, _b) = two_warm_instances(std::slice::from_ref(&profile)).await;
    let model = a.read_model.clone().unwrap();
    // Open enough pooled connections that the test and the app need no new
    // one while new connections are refused.
    futures::future::join_all(
        (0..6).map(|_| sqlx::query("SELECT pg_sleep(0.05)").execute(&a.db.pool)),
    )
    .await;

    // The feed loses its connection and cannot get another.
    allow_connections(&a, false).await;
    assert!(
        kill_feed_connections(&a).await > 0,
        "the feed was connected"
    );
    let cut = Instant::now();
    let mut changes: Vec<(Instant, String)> = Vec::new();
    let mut n = 0;
    while cut.elapsed() < Duration::from_millis(2_500) {
        n += 1;
        let surname = format!("Cut{n}");
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE users SET surname = '{surname}' WHERE id = {}",
            sql_id(JOHN)
        )))
        .execute(&a.db.pool)
        .await
        .unwrap();
        changes.push((Instant::now(), surname));
        for _ in 0..5 {
            let asked = Instant::now();
            let (_, body) = profile.send(&a).await;
            let shown = body["data"]["surname"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            // Every change committed more than the bound before the read
            // must show: the one shown is that one or a later one.
            if let Some(due) = changes
                .iter()
                .rposition(|(at, _)| asked.saturating_duration_since(*at) > BOUND)
            {
                let shown_at = changes.iter().position(|(_, s)| *s == shown);
                assert!(
                    shown_at.is_some_and(|i| i >= due),
                    "{shown:?} shown {:?} after {:?} was committed",
                    asked.duration_since(changes[due].0),
                    changes[due].1
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert!(
        !model.is_trusted(),
        "without its feed the model is not trusted"
    );
    assert!(
        model.stats().bypassed > 0,
        "reads went to PostgreSQL meanwhile"
    );

    allow_connections(&a, true).await;
    let back = Instant::now();
    let latest = changes.last().unwrap().1.clone();
    within_bound(&a, &profile, back, "after the feed is back", |_, body| {
        body["data"]["surname"] == latest.as_str()
    })
    .await;
    let started = Instant::now();
    while !model.is_trusted() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "never caught up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let hits = model.stats().hits;
    profile.send(&a).await;
    let (_, body) = profile.send(&a).await;
    assert!(model.stats().hits > hits, "answered from memory again");
    assert_eq!(
        body["data"]["surname"],
        latest.as_str(),
        "what memory answers after catching up is current"
    );
}

/// The misses an instance's read model has counted so far.
fn misses(app: &TestApp) -> u64 {
    app.read_model.as_ref().unwrap().stats().misses
}

#[tokio::test]
async fn a_viewers_relations_answer_owners_the_viewer_has_never_read() {
    let app = TestApp::spawn_with_read_model().await;
    wait_until_trusted(&app).await;
    // The owners are held (read anonymously), and each viewer's relations
    // once they have read anyone.
    for owner in [JANE_PRIVATE, BOB_BLOCKER, JOHN] {
        Read::profile(None, owner).send(&app).await;
    }
    for viewer in [FAN_ACCEPTED, FAN_PENDING, CARL_BLOCKED] {
        Read::profile(Some(viewer), JOHN).send(&app).await;
    }

    let before = misses(&app);
    let cases = [
        (FAN_ACCEPTED, JANE_PRIVATE, StatusCode::OK, None),
        (
            FAN_PENDING,
            JANE_PRIVATE,
            StatusCode::FORBIDDEN,
            Some("PROFILE_PRIVATE"),
        ),
        (
            CARL_BLOCKED,
            BOB_BLOCKER,
            StatusCode::FORBIDDEN,
            Some("PROFILE_UNAVAILABLE"),
        ),
    ];
    for (viewer, owner, status, code) in cases {
        let (got, body) = Read::profile(Some(viewer), owner).send(&app).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, code),
            "{viewer} reading {owner}: {body}"
        );
        assert_eq!(
            rule_on_database(&app, Some(viewer), owner).await,
            (status, code),
            "the rule on the database agrees"
        );
    }
    assert_eq!(
        misses(&app),
        before,
        "pairs never read before are answered from the viewers' relations in memory"
    );
}

#[tokio::test]
async fn a_follow_an_accept_and_blocks_made_in_sql_reach_a_held_viewer_within_a_second_on_both_instances()
 {
    let a = TestApp::spawn_with_read_model().await;
    let b = a.spawn_peer_with_read_model().await;
    let viewer = a.add_user("held_viewer").await;
    let private = a.add_user("private_owner").await;
    let blocker = a.add_user("blocking_owner").await;
    let blocked = a.add_user("blocked_owner").await;
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE users SET is_private = true WHERE id = {}",
        sql_id(&private)
    )))
    .execute(&a.db.pool)
    .await
    .unwrap();
    let reads = [
        Read::profile(Some(&viewer), &private),
        Read::profile(Some(&viewer), &blocker),
        Read::profile(Some(&viewer), &blocked),
    ];
    // Both instances hold the viewer's relations and the three owners.
    for app in [&a, &b] {
        wait_until_trusted(app).await;
        for read in &reads {
            read.send(app).await;
        }
        let hits = app.read_model.as_ref().unwrap().stats().hits;
        reads[0].send(app).await;
        assert!(app.read_model.as_ref().unwrap().stats().hits > hits, "warm");
    }

    let run = |statement: String| {
        let pool = a.db.pool.clone();
        async move {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&pool)
                .await
                .unwrap();
            Instant::now()
        }
    };
    let (v, p) = (sql_id(&viewer), sql_id(&private));
    let steps: Vec<(&str, String, &Read, StatusCode)> = vec![
        (
            "a follow requested (still private)",
            format!(
                "INSERT INTO follows (follower_id, followee_id, status) VALUES ({v}, {p}, 'pending')"
            ),
            &reads[0],
            StatusCode::FORBIDDEN,
        ),
        (
            "the follow accepted",
            format!(
                "UPDATE follows SET status = 'accepted', accepted_at = now() \
                 WHERE follower_id = {v} AND followee_id = {p}"
            ),
            &reads[0],
            StatusCode::OK,
        ),
        (
            "the owner blocks the viewer",
            format!(
                "INSERT INTO blocks (blocker_id, blocked_id) VALUES ({}, {v})",
                sql_id(&blocker)
            ),
            &reads[1],
            StatusCode::FORBIDDEN,
        ),
        (
            "the viewer blocks the owner",
            format!(
                "INSERT INTO blocks (blocker_id, blocked_id) VALUES ({v}, {})",
                sql_id(&blocked)
            ),
            &reads[2],
            StatusCode::FORBIDDEN,
        ),
        (
            "the follow removed",
            format!("DELETE FROM follows WHERE follower_id = {v} AND followee_id = {p}"),
            &reads[0],
            StatusCode::FORBIDDEN,
        ),
    ];
    for (what, statement, read, expected) in steps {
        let committed = run(statement).await;
        for (instance, app) in [("A", &a), ("B", &b)] {
            within_bound(
                app,
                read,
                committed,
                &format!("{what} on {instance}"),
                |status, _| status == expected,
            )
            .await;
        }
    }
    // Once caught up, every pair is answered from memory again, and right.
    tokio::time::sleep(BOUND).await;
    for app in [&a, &b] {
        let before = misses(app);
        for read in &reads {
            read.send(app).await;
        }
        let after = misses(app);
        for read in &reads {
            let (status, _) = read.send(app).await;
            let target = read.path.rsplit('/').next().unwrap();
            assert_eq!(
                status,
                rule_on_database(app, Some(&viewer), target).await.0,
                "{}",
                read.path
            );
        }
        assert!(after - before <= 1, "the viewer's relations read once");
        assert_eq!(misses(app), after, "then every pair from memory");
    }
}

#[tokio::test]
async fn users_missed_at_the_same_moment_are_read_together_and_each_answer_is_its_own() {
    let app = TestApp::spawn_with_read_model().await;
    wait_until_trusted(&app).await;
    let mut crowd = Vec::new();
    for n in 0..40 {
        let username = format!("crowd_{n:02}");
        let id = app
            .add_person(&username, &format!("Name{n:02}"), "Crowd")
            .await;
        crowd.push((username, id));
    }
    // Each of them asked for at once by name and by id, anonymously and by
    // a signed-in viewer (whose account check misses by id as well).
    let reads: Vec<(Read, &str, &str)> = crowd
        .iter()
        .flat_map(|(username, id)| {
            [
                Read::anonymous(format!("/api/v1/users/profile/username/{username}")),
                Read::by(JOHN, format!("/api/v1/users/profile/username/{username}")),
                Read::profile(None, id),
                Read::profile(Some(JOHN), id),
            ]
            .map(|read| (read, username.as_str(), id.as_str()))
        })
        .collect();
    let before = misses(&app);
    let answers = futures::future::join_all(reads.iter().map(|(read, _, _)| read.send(&app))).await;

    for ((read, username, id), (status, body)) in reads.iter().zip(&answers) {
        assert_eq!(*status, StatusCode::OK, "{}: {body}", read.path);
        assert_eq!(body["data"]["username"], *username, "{}: {body}", read.path);
        assert_eq!(body["data"]["_id"], *id, "{}: {body}", read.path);
        let n = &username["crowd_".len()..];
        assert_eq!(body["data"]["name"], format!("Name{n}"), "{}", read.path);
    }
    assert!(
        misses(&app) >= before + crowd.len() as u64,
        "the crowd came from storage, not from memory"
    );
}
