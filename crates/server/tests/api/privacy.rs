//! Privacy holds under every path: random small social graphs, every viewer
//! and every target, through the profile by id and by username, the batch by
//! ids and by usernames, the stats, search and the caller's relationships,
//! against what the domain's privacy rule allows.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use allmine_domain::profiles::{FollowState, ProfileAccessDenied, Relationship, may_view_profile};
use allmine_domain::{AvailabilityStatus, SocialHandles, Stats, User, UserId, Username};

use crate::helpers::*;

#[derive(Debug, Clone)]
struct Person {
    private: bool,
    deactivated: bool,
}

#[derive(Debug, Clone)]
struct Graph {
    people: Vec<Person>,
    /// follows[a][b]: how a follows b.
    follows: Vec<Vec<FollowState>>,
    /// blocks[a][b]: a blocked b.
    blocks: Vec<Vec<bool>>,
}

fn graphs() -> impl Strategy<Value = Graph> {
    (3usize..=5).prop_flat_map(|n| {
        let person = (prop::bool::weighted(0.4), prop::bool::weighted(0.2)).prop_map(
            |(private, deactivated)| Person {
                private,
                deactivated,
            },
        );
        let follow = prop_oneof![
            3 => Just(FollowState::NotFollowing),
            1 => Just(FollowState::Pending),
            2 => Just(FollowState::Accepted),
        ];
        (
            prop::collection::vec(person, n),
            prop::collection::vec(prop::collection::vec(follow, n), n),
            prop::collection::vec(prop::collection::vec(prop::bool::weighted(0.15), n), n),
        )
            .prop_map(|(people, follows, blocks)| Graph {
                people,
                follows,
                blocks,
            })
    })
}

static CASE: AtomicUsize = AtomicUsize::new(0);

struct Loaded {
    ids: Vec<String>,
    usernames: Vec<String>,
    tokens: Vec<String>,
}

async fn load(app: &TestApp, graph: &Graph) -> Loaded {
    let case = CASE.fetch_add(1, Ordering::SeqCst);
    let mut loaded = Loaded {
        ids: vec![],
        usernames: vec![],
        tokens: vec![],
    };
    for (i, person) in graph.people.iter().enumerate() {
        let username = format!("pv{case}_{i}");
        let id = app
            .add_person(&username, "Pv", &format!("zq{case}x{i}"))
            .await;
        sqlx::query("UPDATE users SET is_private = $2, deactivated_at = CASE WHEN $3 THEN now() END, minute_price_in_live_stream = 7 WHERE id = $1")
            .bind(UserId::parse(&id).unwrap().as_bytes().to_vec())
            .bind(person.private)
            .bind(person.deactivated)
            .execute(&app.db.pool)
            .await
            .unwrap();
        loaded.tokens.push(app.token(&id));
        loaded.ids.push(id);
        loaded.usernames.push(username);
    }
    let bytes = |i: usize| UserId::parse(&loaded.ids[i]).unwrap().as_bytes().to_vec();
    let n = graph.people.len();
    for a in 0..n {
        for b in 0..n {
            if a == b {
                continue;
            }
            let status = match graph.follows[a][b] {
                FollowState::NotFollowing => None,
                FollowState::Pending => Some("pending"),
                FollowState::Accepted => Some("accepted"),
            };
            if let Some(status) = status {
                sqlx::query(
                    "INSERT INTO follows (follower_id, followee_id, status) VALUES ($1, $2, $3)",
                )
                .bind(bytes(a))
                .bind(bytes(b))
                .bind(status)
                .execute(&app.db.pool)
                .await
                .unwrap();
            }
            if graph.blocks[a][b] {
                sqlx::query("INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)")
                    .bind(bytes(a))
                    .bind(bytes(b))
                    .execute(&app.db.pool)
                    .await
                    .unwrap();
            }
        }
    }
    loaded
}

fn user_with(id: UserId) -> User {
    User {
        id,
        username: Username::existing("someone").unwrap(),
        username_changed_at: None,
        name: String::new(),
        surname: String::new(),
        bio: None,
        interests: Vec::new(),
        expertise: None,
        birth_date: None,
        availability_status: AvailabilityStatus::Available,
        minute_price_in_live_stream: 0,
        socials: SocialHandles::default(),
        profile_photo: None,
        is_private: false,
        is_deactivated: false,
        stats: Stats::default(),
    }
}

/// What the domain rule says `viewer` (None: anonymous) may see of `target`.
fn expected(
    graph: &Graph,
    viewer: Option<usize>,
    target: usize,
) -> Result<(), ProfileAccessDenied> {
    let person = &graph.people[target];
    let mut owner = user_with(UserId::from_bytes([target as u8 + 1; 12]));
    owner.is_private = person.private;
    owner.is_deactivated = person.deactivated;
    let relationship = match viewer {
        None => Relationship::NONE,
        Some(v) => Relationship {
            blocked: graph.blocks[v][target] || graph.blocks[target][v],
            follow: graph.follows[v][target],
        },
    };
    let viewer_id = viewer.map(|v| UserId::from_bytes([v as u8 + 1; 12]));
    may_view_profile(viewer_id.as_ref(), &owner, relationship)
}

fn assert_access(
    rule: Result<(), ProfileAccessDenied>,
    status: reqwest::StatusCode,
    body: &Value,
    door: &str,
) {
    match rule {
        Ok(()) => {
            assert_eq!(status, 200, "{door}: {body}");
        }
        Err(ProfileAccessDenied::NotFound) => {
            assert_error(status, body, 404, "NOT_FOUND").truncate(0)
        }
        Err(ProfileAccessDenied::Blocked) => {
            assert_error(status, body, 403, "PROFILE_UNAVAILABLE").truncate(0)
        }
        Err(ProfileAccessDenied::Private) => {
            assert_error(status, body, 403, "PROFILE_PRIVATE").truncate(0)
        }
    }
}

async fn check(app: &TestApp, graph: &Graph) {
    let loaded = load(app, graph).await;
    let n = graph.people.len();
    // Wait until search has every active user of this graph (the observer,
    // Carl, is in no block with them).
    let started = Instant::now();
    for (i, person) in graph.people.iter().enumerate() {
        if person.deactivated {
            continue;
        }
        loop {
            let url = format!(
                "/api/v2/users/search?query={}",
                format!("zq{}", &loaded.usernames[i][2..]).replace('_', "x")
            );
            let (_, body) = send(app.get(&url).bearer_auth(app.token(CARL_BLOCKED))).await;
            let items = body["data"]["items"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if items
                .iter()
                .any(|item| item["username"] == loaded.usernames[i].as_str())
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "index did not catch up"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    let viewers: Vec<Option<usize>> = std::iter::once(None)
        .chain((0..n).filter(|v| !graph.people[*v].deactivated).map(Some))
        .collect();
    for viewer in viewers {
        check_batches(app, graph, &loaded, viewer).await;
        if let Some(v) = viewer {
            check_relationships(app, graph, &loaded, v).await;
        }
        for target in 0..n {
            let rule = expected(graph, viewer, target);
            let authorize = |request: reqwest::RequestBuilder| match viewer {
                Some(v) => request.bearer_auth(&loaded.tokens[v]),
                None => request,
            };
            let door = format!("viewer {viewer:?} target {target} in {graph:?}");
            let (status, body) = send(authorize(
                app.get(&format!("/api/v1/users/profile/{}", loaded.ids[target])),
            ))
            .await;
            assert_access(rule, status, &body, &format!("by id, {door}"));
            let (status, body) = send(authorize(app.get(&format!(
                "/api/v1/users/profile/username/{}",
                loaded.usernames[target]
            ))))
            .await;
            assert_access(rule, status, &body, &format!("by username, {door}"));
            let Some(v) = viewer else { continue };
            let (status, body) = send(authorize(
                app.get(&format!("/api/v1/users/{}/stats", loaded.ids[target])),
            ))
            .await;
            assert_access(rule, status, &body, &format!("stats, {door}"));

            // Search: never a deactivated or blocked user, nor oneself; a
            // private profile shows its identity only, unless followed.
            let query = format!("zq{}", &loaded.usernames[target][2..]).replace('_', "x");
            let (status, body) = send(authorize(
                app.get(&format!("/api/v2/users/search?query={query}")),
            ))
            .await;
            let data = assert_ok(status, &body);
            let found = data["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|item| item["_id"] == loaded.ids[target].as_str());
            let person = &graph.people[target];
            let blocked = graph.blocks[v][target] || graph.blocks[target][v];
            let visible = !person.deactivated && !blocked && v != target;
            assert_eq!(found.is_some(), visible, "search {query}, {door}: {body}");
            if let Some(item) = found {
                let open = !person.private || graph.follows[v][target] == FollowState::Accepted;
                assert_eq!(
                    item["minutePriceInLiveStream"].is_null(),
                    !open,
                    "search fields, {door}: {item}"
                );
            }
        }
    }
}

/// The code a single read answers for `denied`.
fn code(denied: ProfileAccessDenied) -> &'static str {
    match denied {
        ProfileAccessDenied::NotFound => "NOT_FOUND",
        ProfileAccessDenied::Blocked => "PROFILE_UNAVAILABLE",
        ProfileAccessDenied::Private => "PROFILE_PRIVATE",
    }
}

/// The batch, by ids and by usernames, asked for every user of the graph
/// (last first): each shown or withheld, with its code, as the rule says, in
/// the order asked.
async fn check_batches(app: &TestApp, graph: &Graph, loaded: &Loaded, viewer: Option<usize>) {
    let order: Vec<usize> = (0..graph.people.len()).rev().collect();
    for (parameter, keys, field) in [
        ("ids", &loaded.ids, "id"),
        ("usernames", &loaded.usernames, "username"),
    ] {
        let list: Vec<&str> = order.iter().map(|&t| keys[t].as_str()).collect();
        let request = app.get(&format!("/api/v1/users?{parameter}={}", list.join(",")));
        let request = match viewer {
            Some(v) => request.bearer_auth(&loaded.tokens[v]),
            None => request,
        };
        let (status, body) = send(request).await;
        let data = assert_ok(status, &body);
        let mut shown = Vec::new();
        let mut withheld = Vec::new();
        for &target in &order {
            match expected(graph, viewer, target) {
                Ok(()) => shown.push(json!(loaded.ids[target])),
                Err(denied) => {
                    withheld.push(json!({field: keys[target], "code": code(denied)}));
                }
            }
        }
        let ids: Vec<Value> = data["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["_id"].clone())
            .collect();
        let door = format!("batch by {parameter}, viewer {viewer:?} in {graph:?}");
        assert_eq!(ids, shown, "{door}: {body}");
        assert_eq!(data["unavailable"], json!(withheld), "{door}: {body}");
    }
}

/// The caller's relationships with every user of the graph (last first):
/// every active user, in the order asked, with the facts of the graph.
async fn check_relationships(app: &TestApp, graph: &Graph, loaded: &Loaded, v: usize) {
    let order: Vec<usize> = (0..graph.people.len()).rev().collect();
    let list: Vec<&str> = order.iter().map(|&t| loaded.ids[t].as_str()).collect();
    let (status, body) = send(
        app.get(&format!(
            "/api/v1/users/me/relationships?ids={}",
            list.join(",")
        ))
        .bearer_auth(&loaded.tokens[v]),
    )
    .await;
    let data = assert_ok(status, &body);
    let expected: Vec<Value> = order
        .iter()
        .filter(|&&t| !graph.people[t].deactivated)
        .map(|&t| {
            // Nobody follows or blocks themselves (the loader skips those).
            let other = t != v;
            let following = match graph.follows[v][t] {
                FollowState::Accepted if other => "accepted",
                FollowState::Pending if other => "requested",
                _ => "none",
            };
            json!({
                "_id": loaded.ids[t],
                "following": following,
                "followedBy": other && graph.follows[t][v] == FollowState::Accepted,
                "blocking": other && graph.blocks[v][t],
                "blockedBy": other && graph.blocks[t][v],
            })
        })
        .collect();
    assert_eq!(
        data["items"],
        json!(expected),
        "relationships of {v} in {graph:?}"
    );
}

#[test]
fn every_door_reveals_exactly_what_the_privacy_rule_allows() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(TestApp::spawn_with_read_model());
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&graphs(), |graph| {
            runtime.block_on(check(&app, &graph));
            Ok(())
        })
        .unwrap();
}
