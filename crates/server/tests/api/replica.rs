//! DATABASE_READ_URL: reads that may lag go to a read replica, and an author
//! never reads their profile from before their own write. The "replica" here
//! is a second database loaded with the same fixture and never written to
//! again: the worst replica, one that never replays. Rows the tests change
//! only there show which database answered.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::helpers::*;

const STALE: &str = "read from the replica";

/// Marks users' rows in the replica only.
async fn mark_in_replica(app: &TestApp, ids: &[&str]) {
    let replica = app.replica.as_ref().unwrap();
    for id in ids {
        sqlx::query("UPDATE users SET bio = $1 WHERE id = $2")
            .bind(STALE)
            .bind(
                allmine_domain::UserId::parse(id)
                    .unwrap()
                    .as_bytes()
                    .to_vec(),
            )
            .execute(&replica.pool)
            .await
            .unwrap();
    }
}

async fn profile(app: &TestApp, path: &str, caller: Option<&str>) -> (StatusCode, Value) {
    let request = app.get(path);
    let request = match caller {
        Some(id) => request.bearer_auth(app.token(id)),
        None => request,
    };
    send(request).await
}

/// Waits until `caller`'s read of `path` answers from the replica (the replay
/// poller marks it reachable within milliseconds of the start).
async fn until_read_from_replica(app: &TestApp, path: &str, caller: Option<&str>) {
    let started = Instant::now();
    loop {
        let (status, body) = profile(app, path, caller).await;
        if status == StatusCode::OK && profile_of(&body["data"])["bio"] == STALE {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} was never read from the replica: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The profile in a single read's data, or the first of a batch's.
fn profile_of(data: &Value) -> &Value {
    match data.get("items") {
        Some(items) => &items[0],
        None => data,
    }
}

async fn rename(app: &TestApp, caller: &str, new_username: &str) {
    let (status, body) = send(
        app.patch("/api/v1/users/username")
            .bearer_auth(app.token(caller))
            .json(&json!({ "newUsername": new_username })),
    )
    .await;
    assert_ok(status, &body);
}

/// Everything the author reads about themselves after renaming shows the
/// new name; the old name is not theirs any more.
async fn assert_author_sees_the_rename(app: &TestApp, new_username: &str) {
    let (status, body) = profile(app, "/api/v1/users/me", Some(JOHN)).await;
    assert_eq!(assert_ok(status, &body)["username"], new_username);
    assert_ne!(body["data"]["bio"], STALE);
    let (status, body) = profile(app, &format!("/api/v1/users/profile/{JOHN}"), Some(JOHN)).await;
    assert_eq!(assert_ok(status, &body)["username"], new_username);
    let by_new = format!("/api/v1/users/profile/username/{new_username}");
    let (status, body) = profile(app, &by_new, Some(JOHN)).await;
    assert_eq!(assert_ok(status, &body)["username"], new_username);
    let (status, body) =
        profile(app, "/api/v1/users/profile/username/johndoe123", Some(JOHN)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the author's old name is not them any more: {body}"
    );
    let (status, body) = profile(app, &format!("/api/v1/users?ids={JOHN}"), Some(JOHN)).await;
    assert_eq!(
        profile_of(&assert_ok(status, &body))["username"],
        new_username
    );
}

#[tokio::test]
async fn others_read_the_replica_while_an_author_never_reads_it_back_from_before_their_write() {
    let app = TestApp::spawn_with_stale_replica(false).await;
    mark_in_replica(&app, &[JOHN, FAN_ACCEPTED]).await;
    let john = format!("/api/v1/users/profile/{JOHN}");
    let fan = format!("/api/v1/users/profile/{FAN_ACCEPTED}");
    until_read_from_replica(&app, &john, None).await;
    until_read_from_replica(&app, &john, Some(FAN_ACCEPTED)).await;
    // Before writing anything, the author reads others from the replica but
    // never their own profile.
    until_read_from_replica(&app, &fan, Some(JOHN)).await;
    let (status, body) = profile(&app, "/api/v1/users/me", Some(JOHN)).await;
    assert_ne!(assert_ok(status, &body)["bio"], STALE);

    rename(&app, JOHN, "john.replica").await;

    assert_author_sees_the_rename(&app, "john.replica").await;
    // This instance holds the author on the primary for everything until the
    // replica replays the write, which this one never does.
    let (status, body) = profile(&app, &fan, Some(JOHN)).await;
    assert_ne!(assert_ok(status, &body)["bio"], STALE);
    // Everyone else still reads the replica, which has not seen the rename.
    let (status, body) = profile(&app, "/api/v1/users/profile/username/johndoe123", None).await;
    assert_eq!(assert_ok(status, &body)["bio"], STALE);
    let (status, _) = profile(&app, "/api/v1/users/profile/username/john.replica", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = profile(&app, &fan, Some(JANE_PRIVATE)).await;
    assert_eq!(assert_ok(status, &body)["bio"], STALE);
}

#[tokio::test]
async fn an_author_s_profile_update_is_what_they_read_next() {
    let app = TestApp::spawn_with_stale_replica(false).await;
    mark_in_replica(&app, &[JOHN]).await;
    until_read_from_replica(&app, &format!("/api/v1/users/profile/{JOHN}"), None).await;
    let (status, body) = send(
        app.patch("/api/v1/users/me")
            .bearer_auth(app.token(JOHN))
            .json(&json!({ "bio": "written by the author" })),
    )
    .await;
    assert_ok(status, &body);
    for path in [
        "/api/v1/users/me".to_owned(),
        format!("/api/v1/users/profile/{JOHN}"),
        "/api/v1/users/profile/username/johndoe123".to_owned(),
        format!("/api/v1/users?ids={JOHN}"),
    ] {
        let (status, body) = profile(&app, &path, Some(JOHN)).await;
        let data = assert_ok(status, &body);
        assert_eq!(profile_of(&data)["bio"], "written by the author", "{path}");
    }
}

#[tokio::test]
async fn on_another_instance_an_author_still_never_sees_their_rename_undone() {
    let app = TestApp::spawn_with_stale_replica(false).await;
    let other_pod = app.spawn_peer_with_replica(false).await;
    mark_in_replica(&app, &[JOHN]).await;
    let john = format!("/api/v1/users/profile/{JOHN}");
    until_read_from_replica(&other_pod, &john, None).await;

    rename(&app, JOHN, "john.fleet").await;

    // The other instance knows nothing of the write; the author's reads of
    // themselves are settled on the primary there too.
    assert_author_sees_the_rename(&other_pod, "john.fleet").await;
    let (status, body) = profile(
        &other_pod,
        "/api/v1/users/profile/username/johndoe123",
        None,
    )
    .await;
    assert_eq!(assert_ok(status, &body)["bio"], STALE);
}

#[tokio::test]
async fn with_the_read_model_single_profiles_are_never_kept_from_the_replica_while_batches_read_it()
{
    let app = TestApp::spawn_with_stale_replica(true).await;
    mark_in_replica(&app, &[JOHN]).await;
    until_read_from_replica(&app, &format!("/api/v1/users?ids={JOHN}"), None).await;
    for _ in 0..3 {
        let (status, body) = profile(&app, &format!("/api/v1/users/profile/{JOHN}"), None).await;
        assert_ne!(assert_ok(status, &body)["bio"], STALE);
    }
    rename(&app, JOHN, "john.cached").await;
    assert_author_sees_the_rename(&app, "john.cached").await;
}

#[tokio::test]
async fn on_another_instance_whose_read_model_holds_the_author_they_still_see_their_rename() {
    let app = TestApp::spawn_with_stale_replica(true).await;
    let other_pod = app.spawn_peer_with_replica(true).await;
    // The other instance's read model holds John under his old name (once
    // its feed follower trusts it).
    let model = other_pod.read_model.as_ref().unwrap();
    let started = Instant::now();
    loop {
        let hits = model.stats().hits;
        let (status, body) = profile(
            &other_pod,
            "/api/v1/users/profile/username/johndoe123",
            None,
        )
        .await;
        assert_eq!(assert_ok(status, &body)["username"], "johndoe123");
        if model.stats().hits > hits {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the old name was never held in memory"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    rename(&app, JOHN, "john.held").await;

    // At once, before that model's feed follower can have heard of it.
    assert_author_sees_the_rename(&other_pod, "john.held").await;
}

#[tokio::test]
async fn reads_kept_off_the_replica_are_counted_by_reason_and_its_pool_is_sampled() {
    let app = TestApp::spawn_observed_with_stale_replica().await;
    mark_in_replica(&app, &[JOHN]).await;
    until_read_from_replica(&app, &format!("/api/v1/users/profile/{JOHN}"), None).await;
    let (status, body) = profile(&app, "/api/v1/users/me", Some(JOHN)).await;
    assert_ok(status, &body);
    let (status, _) = profile(
        &app,
        "/api/v1/users/profile/username/nobody_here",
        Some(JOHN),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let scrape_url = format!("{}/metrics", app.metrics_address.as_ref().unwrap());
    let started = Instant::now();
    loop {
        let scrape = app
            .client
            .get(&scrape_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let counted = |reason: &str| {
            scrape.lines().any(|line| {
                line.starts_with(&format!(
                    "allmine_db_replica_fallbacks_total{{reason=\"{reason}\"}}"
                ))
            })
        };
        // The pools are sampled every second.
        if counted("own_profile")
            && counted("own_or_missing")
            && scrape.contains("allmine_db_pool_connections{pool=\"replica\"")
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "fallbacks or the replica pool missing from the scrape:\n{scrape}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn an_unreachable_replica_sends_every_read_to_the_primary_and_says_so() {
    let app = TestApp::spawn_with_stale_replica(false).await;
    mark_in_replica(&app, &[JOHN]).await;
    let john = format!("/api/v1/users/profile/{JOHN}");
    until_read_from_replica(&app, &john, None).await;

    let replica = app.replica.as_ref().unwrap();
    let mut admin = PgConnection::connect_with(&replica.options.clone().database("postgres"))
        .await
        .unwrap();
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE \"{}\" WITH (FORCE)",
        replica.name
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();

    let started = Instant::now();
    while !logs().contains("the read replica does not answer") {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the lost replica was never reported"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..5 {
        let (status, body) = profile(&app, &john, None).await;
        assert_ne!(assert_ok(status, &body)["bio"], STALE);
    }
    let (status, body) = profile(&app, "/api/v1/users/profile/username/johndoe123", None).await;
    assert_eq!(assert_ok(status, &body)["username"], "johndoe123");
}
