//! What `search` finds, and in which order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use allmine_domain::search::{IndexChange, IndexedUser, SearchIndexWriter, fold_for_search};
use common::{Fixture, at, user};

// Ranking

#[tokio::test]
async fn exact_username_ranks_above_username_prefix_above_name_prefix_above_typos() {
    // Followers grow as the match gets worse: the tier must win over followers.
    let fixture = Fixture::with(vec![
        user("ermek_k", "Ermek", "Bay", 5_000), // "erme" is "emre" with a transposition
        user("cnr", "Emre", "Aslan", 1_000),    // name starts with "emre"
        user("emre.can", "Can", "Kurt", 100),   // username starts with "emre"
        user("emre", "Ali", "Veli", 0),         // username is "emre"
        user("zeynep", "Zeynep", "Şahin", 9_000),
    ])
    .await;

    assert_eq!(
        fixture.find("emre").await,
        ["emre", "emre.can", "cnr", "ermek_k"]
    );
}

#[tokio::test]
async fn within_a_tier_users_with_more_followers_rank_first() {
    let fixture = Fixture::with(vec![
        user("dz1", "Deniz", "A", 10),
        user("dz2", "Deniz", "B", 300),
        user("dz3", "Deniz", "C", 20),
    ])
    .await;

    assert_eq!(fixture.find("deniz").await, ["dz2", "dz3", "dz1"]);
}

#[tokio::test]
async fn users_whose_words_are_the_typed_words_rank_before_users_whose_words_only_begin_with_them()
{
    // "Ayşe" begins "Ayşegül", and Ayşegül Yılmaz has by far the most followers: the
    // users named exactly Ayşe Yılmaz still come first.
    let fixture = Fixture::with(vec![
        user("ag", "Ayşegül", "Yılmaz", 90_000),
        user("ay10", "Ayşe", "Yılmaz", 10),
        user("ay30", "Ayşe", "Yılmaz", 30),
        user("ayer", "Ayşe", "Yılmazer", 50_000), // the surname only begins with Yılmaz
        user("ak", "Ayşe", "Kaya", 70_000),       // no match
        user("ay20", "Ayşe", "Yılmaz", 20),
    ])
    .await;
    let page = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();

    // The total counts both kinds, as when they were one tier.
    for text in ["ayşe yılmaz", "AYSE YILMAZ", "yılmaz ayşe"] {
        assert_eq!(
            fixture.find_page(text, &[], 0, 10).await,
            (page(&["ay30", "ay20", "ay10", "ag", "ayer"]), 5),
            "{text}"
        );
    }
    // A page across the two kinds.
    assert_eq!(
        fixture.find_page("ayşe yılmaz", &[], 2, 2).await,
        (page(&["ay10", "ag"]), 5)
    );
    // One word: every Ayşe, most followers first, then Ayşegül.
    assert_eq!(
        fixture.find_page("ayse", &[], 0, 10).await,
        (page(&["ak", "ayer", "ay30", "ay20", "ay10", "ag"]), 6)
    );
}

#[tokio::test]
async fn the_username_is_matched_without_its_separators() {
    let fixture = Fixture::with(vec![
        user("john.doe", "John", "Doe", 1),
        user("johndoe_fan", "Jane", "Roe", 1_000),
    ])
    .await;

    // "john doe", "john.doe" and "johndoe" are all the exact username john.doe.
    for text in ["john doe", "john.doe", "JohnDoe", "john_doe"] {
        assert_eq!(
            fixture.find(text).await,
            ["john.doe", "johndoe_fan"],
            "{text}"
        );
    }
}

// Folding

#[tokio::test]
async fn sukru_finds_sukru_ozturk() {
    let fixture = Fixture::with(vec![user("sozturk", "Şükrü", "Öztürk", 1)]).await;

    for text in ["sukru", "Şükrü", "SUKRU", "sükru öztürk", "ozturk", "OZT"] {
        assert_eq!(fixture.find(text).await, ["sozturk"], "{text}");
    }
}

#[tokio::test]
async fn every_turkish_i_finds_every_other() {
    let fixture = Fixture::with(vec![
        user("isik", "Işık", "Demir", 1),
        user("ipek", "İpek", "Kara", 1),
    ])
    .await;

    for text in ["ISIK", "ışık", "isik", "IŞIK", "İŞİK"] {
        assert_eq!(fixture.find(text).await, ["isik"], "{text}");
    }
    for text in ["ipek", "IPEK", "İPEK", "ıpek"] {
        assert_eq!(fixture.find(text).await, ["ipek"], "{text}");
    }
}

#[tokio::test]
async fn ayse_and_ayşe_both_find_ayşe() {
    let fixture = Fixture::with(vec![user("a_k", "Ayşe", "Kaya", 1)]).await;

    assert_eq!(fixture.find("ayşe").await, ["a_k"]);
    assert_eq!(fixture.find("ayse").await, ["a_k"]);
    assert_eq!(fixture.find("AYŞE").await, ["a_k"]);
}

// Several words

#[tokio::test]
async fn several_words_narrow_the_result_every_word_must_match() {
    let fixture = Fixture::with(vec![
        user("ay1", "Ayşe", "Yılmaz", 1),
        user("ay2", "Ayşe", "Kaya", 2),
        user("me3", "Mehmet", "Yılmaz", 3),
    ])
    .await;

    assert_eq!(fixture.find("ayse yil").await, ["ay1"]);
    assert_eq!(fixture.find("yil ayse").await, ["ay1"]);
    assert_eq!(fixture.find("ayse").await, ["ay2", "ay1"]);
    assert_eq!(fixture.find("yilmaz").await, ["me3", "ay1"]);
    assert!(fixture.find("ayse mehmet").await.is_empty());
}

#[tokio::test]
async fn a_word_every_user_has_is_narrowed_by_a_rare_one_in_either_order() {
    // Every username holds the word "user": the rare word must still decide.
    let users = (1..=300)
        .map(|n| user(&format!("user_{n}"), "Can", "Kurt", n))
        .collect();
    let fixture = Fixture::with(users).await;
    let expected_prefixes: Vec<String> = (170..=179).rev().map(|n| format!("user_{n}")).collect();

    // Joined, "user17" is user_17's username, and begins user_170…user_179.
    let mut exact_first = vec!["user_17".to_owned()];
    exact_first.extend(expected_prefixes.iter().cloned());
    assert_eq!(
        fixture.find_page("user 17", &[], 0, 100).await,
        (exact_first.clone(), 11)
    );

    // "17 user" is no username: eleven word matches. user_17's words are the typed words
    // themselves, so it comes first; the others' only begin with them.
    assert_eq!(
        fixture.find_page("17 user", &[], 0, 100).await,
        (exact_first, 11)
    );

    // With a typo in the common word, the same users match as typos, each within one
    // edit: most followers first.
    let mut by_followers = expected_prefixes.clone();
    by_followers.push("user_17".to_owned());
    assert_eq!(
        fixture.find_page("17 uesr", &[], 0, 100).await,
        (by_followers, 11)
    );
}

#[tokio::test]
async fn a_word_narrows_alike_whether_its_postings_are_looked_up_sought_or_intersected() {
    // 2,048 users: a word with at most 32 postings is read and looked up among the
    // candidates, a frequent one is sought at a few candidates or intersected with many.
    let users: Vec<_> = (0..2_048u64)
        .map(|n| {
            let name = match n {
                _ if n % 64 == 0 => "Nadir", // 32 users
                _ if n % 4 == 0 => "Sıla",   // 480
                _ => "Deniz",
            };
            let surname = match n {
                _ if n % 128 == 0 => "Ozan", // 16 users, all named Nadir
                _ if n % 3 == 0 => "Kaya",   // about 680
                _ => "Demir",
            };
            user(&format!("u{n}"), name, surname, (n * 7919) % 1000)
        })
        .collect();
    let expected = |name: &str, surname: &str| {
        let mut found: Vec<_> = users
            .iter()
            .filter(|u| u.name == name && u.surname == surname)
            .map(|u| (std::cmp::Reverse(u.followers), u.username.clone()))
            .collect();
        found.sort();
        let total = found.len() as u64;
        (
            found.into_iter().map(|(_, name)| name).collect::<Vec<_>>(),
            total,
        )
    };
    let fixture = Fixture::with(users.clone()).await;

    for (text, name, surname) in [
        ("nadir ozan", "Nadir", "Ozan"), // Nadir looked up among the 16 Ozan
        ("ozan nadir", "Nadir", "Ozan"),
        ("nadir kaya", "Nadir", "Kaya"), // Kaya sought at the 32 Nadir
        ("sila kaya", "Sıla", "Kaya"),   // Kaya intersected with the 480 Sıla
    ] {
        assert_eq!(
            fixture.find_page(text, &[], 0, 1_000).await,
            expected(name, surname),
            "{text}"
        );
    }
}

#[tokio::test]
async fn tiers_and_followers_order_users_across_index_segments() {
    let mut fixture = Fixture::with(vec![
        user("deniz1", "Ali", "Kaya", 10),
        user("deniz2", "Veli", "Kaya", 30),
    ])
    .await;
    // Written later, so held in segments of their own.
    let later = [
        user("deniz3", "Can", "Kaya", 20),
        user("deniz", "Cem", "Kaya", 0),
    ];
    for (sequence, added) in (2..).zip(later) {
        fixture.know(&added);
        fixture
            .index
            .apply(vec![IndexChange::Upsert(added)], at(sequence))
            .await
            .unwrap();
    }

    assert_eq!(
        fixture.find_page("deniz", &[], 0, 100).await,
        (
            vec![
                "deniz".into(),
                "deniz2".into(),
                "deniz3".into(),
                "deniz1".into()
            ],
            4
        )
    );
    assert_eq!(
        fixture.find_page("deniz", &["deniz2"], 1, 2).await,
        (vec!["deniz3".into(), "deniz1".into()], 3)
    );
}

#[tokio::test]
async fn every_page_of_a_large_tier_follows_the_follower_order() {
    // 150 of 200 users match: the first pages are read along the follower order, the
    // last ones by visiting every match. Both must agree with the plain sort.
    let users: Vec<_> = (0..200u64)
        .map(|n| {
            let name = if n % 4 == 0 { "Mert" } else { "Deniz" };
            user(&format!("u{n}"), name, "X", (n * 7919) % 1000)
        })
        .collect();
    let mut expected: Vec<_> = users
        .iter()
        .filter(|u| u.name == "Deniz")
        .map(|u| (std::cmp::Reverse(u.followers), u.username.clone()))
        .collect();
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, name)| name).collect();
    let fixture = Fixture::with(users).await;

    for (offset, limit) in [(0, 5), (5, 20), (60, 30), (140, 10), (145, 50)] {
        let end = (offset + limit).min(expected.len());
        assert_eq!(
            fixture.find_page("deniz", &[], offset, limit).await,
            (expected[offset..end].to_vec(), 150),
            "offset {offset}, limit {limit}"
        );
    }
}

// Typos

#[tokio::test]
async fn a_transposed_username_finds_the_username_it_begins() {
    let fixture = Fixture::with(vec![
        user("johndoe123", "John", "Doe", 1),
        user("jane", "Jane", "Roe", 1),
    ])
    .await;

    assert_eq!(fixture.find("jonhdoe").await, ["johndoe123"]);
}

#[tokio::test]
async fn a_word_of_three_letters_tolerates_no_typo_one_of_four_tolerates_one() {
    let fixture = Fixture::with(vec![user("ozan.kaya", "Ozan", "Kaya", 1)]).await;

    assert_eq!(fixture.find("oza").await, ["ozan.kaya"]);
    assert!(fixture.find("ozn").await.is_empty());
    assert!(fixture.find("oan").await.is_empty());
    assert_eq!(fixture.find("ozna").await, ["ozan.kaya"]);
    assert_eq!(fixture.find("kaay").await, ["ozan.kaya"]);
    // Two typos are too many for four letters.
    assert!(fixture.find("ozbb").await.is_empty());
}

#[tokio::test]
async fn two_typos_are_tolerated_only_in_words_of_eight_letters_or_more() {
    let fixture = Fixture::with(vec![user("astone", "Alexandra", "Stone", 1)]).await;

    // Nine letters, two substitutions.
    assert_eq!(fixture.find("alaxendra").await, ["astone"]);
    // Seven letters: one substitution is fine, two are not.
    assert_eq!(fixture.find("alexend").await, ["astone"]);
    assert!(fixture.find("alaxend").await.is_empty());
}

#[tokio::test]
async fn a_typo_of_one_edit_ranks_before_a_typo_of_two_even_with_fewer_followers() {
    let fixture = Fixture::with(vec![
        user("astone", "Alexandra", "Stone", 5_000), // "alaxendra": two substitutions
        user("bstone", "Alaxandra", "Stone", 10),    // one substitution
    ])
    .await;

    assert_eq!(
        fixture.find_page("alaxendra", &[], 0, 10).await,
        (vec!["bstone".to_owned(), "astone".to_owned()], 2)
    );
    // With several words, the word needing the most edits decides.
    assert_eq!(fixture.find("alaxendra stone").await, ["bstone", "astone"]);
    assert_eq!(fixture.find("alaxendra stnoe").await, ["bstone", "astone"]);
}

#[tokio::test]
async fn a_username_one_edit_away_ranks_before_one_two_edits_away() {
    // "alaxen dra": no word matches ("dra" begins none), but the joined words, nine
    // letters, may begin a username within two edits.
    let fixture = Fixture::with(vec![
        user("alexandra99", "Ali", "Veli", 5_000), // two substitutions
        user("alaxandra.k", "Can", "Kurt", 10),    // one substitution
    ])
    .await;

    assert_eq!(
        fixture.find_page("alaxen dra", &[], 0, 10).await,
        (vec!["alaxandra.k".to_owned(), "alexandra99".to_owned()], 2)
    );
}

#[tokio::test]
async fn every_word_of_several_may_carry_its_own_typo() {
    let fixture = Fixture::with(vec![
        user("ay1", "Ayşe", "Yılmaz", 1),
        user("ay2", "Ayşe", "Kaya", 2),
    ])
    .await;

    assert_eq!(fixture.find("ayes yilmza").await, ["ay1"]);
}

// Over generated names

/// First names and surnames to generate users from: many begin, or extend, another
/// (Ayşe and Ayşegül, Can, Canan and Cansu, Gül, Gülşen and Güler, Kara and Karaca, …),
/// so that every query below meets both exact and prefix matches.
const FIRST_NAMES: &[&str] = &[
    "Ayşe",
    "Ayşegül",
    "Can",
    "Cansu",
    "Canan",
    "Gül",
    "Gülşen",
    "Güler",
    "Li",
    "Liam",
    "Lina",
    "John",
    "Johnny",
    "Ivan",
    "Ivana",
    "Şule",
    "Şulenur",
    "Noa",
    "Noah",
    "Ana",
    "Anaïs",
    "Anastasia",
    "Mehmet",
    "Zeynep",
];
const SURNAMES: &[&str] = &[
    "Yılmaz",
    "Kara",
    "Karaca",
    "Karahan",
    "Li",
    "Lindqvist",
    "Ivanov",
    "Johnson",
    "Can",
    "Cansever",
    "Gül",
    "Gülen",
    "Demir",
    "Şahin",
    "Nováková",
];

/// A fixed, random-looking number for `n` (SplitMix64's finaliser).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The usernames of a group of results, in no order.
fn as_set(group: &[String]) -> HashSet<&str> {
    group.iter().map(String::as_str).collect()
}

/// The folded words of a text, as the index and the search see them.
fn folded_words(text: &str) -> Vec<String> {
    fold_for_search(text)
        .split(' ')
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn over_generated_names_every_exact_words_match_precedes_every_prefix_match_each_by_followers()
 {
    // Names drawn from the lists above; followers are drawn regardless of the names.
    let pick = |list: &[&'static str], seed: u64| list[(mix(seed) % list.len() as u64) as usize];
    let users: Vec<_> = (0..4_000u64)
        .map(|n| {
            let seed = mix(n);
            let (name, surname) = (pick(FIRST_NAMES, seed ^ 1), pick(SURNAMES, seed ^ 2));
            user(&format!("user_{n}"), name, surname, mix(seed ^ 3) % 2_000)
        })
        .collect();
    let indexed: HashMap<String, (Vec<String>, u64)> = users
        .iter()
        .map(|u| {
            let text = format!("{} {} {}", u.username, u.name, u.surname);
            (u.username.clone(), (folded_words(&text), u.followers))
        })
        .collect();
    let fixture = Fixture::with(users).await;

    let queries = [
        "ayşe yılmaz",
        "ayşe",
        "can",
        "gül",
        "kara",
        "li",
        "john",
        "ivan",
        "şule",
        "noa",
        "ana",
        "can kara",
        "gül can",
        "ayşe gül",
    ];
    let mut followers_overruled = 0;
    for text in queries {
        let typed = folded_words(text);
        let words_of = |username: &str| &indexed[username].0;
        let followers = |group: &[String]| -> Vec<u64> {
            group.iter().map(|username| indexed[username].1).collect()
        };
        let exact: HashSet<&str> = indexed
            .keys()
            .filter(|u| typed.iter().all(|t| words_of(u).contains(t)))
            .map(String::as_str)
            .collect();
        let prefix: HashSet<&str> = indexed
            .keys()
            .filter(|u| {
                typed
                    .iter()
                    .all(|t| words_of(u).iter().any(|w| w.starts_with(t.as_str())))
            })
            .map(String::as_str)
            .filter(|u| !exact.contains(u))
            .collect();
        assert!(
            !exact.is_empty() && !prefix.is_empty(),
            "{text}: the names should give both kinds of match"
        );

        let (hits, total) = fixture.find_page(text, &[], 0, usize::MAX).await;
        assert_eq!(hits.len() as u64, total, "{text}");
        assert!(hits.len() >= exact.len() + prefix.len(), "{text}");
        let (first, rest) = hits.split_at(exact.len());
        let (second, typos) = rest.split_at(prefix.len());
        assert_eq!(as_set(first), exact, "{text}: exact words first");
        assert_eq!(as_set(second), prefix, "{text}: then word prefixes");
        assert!(
            typos
                .iter()
                .all(|u| !exact.contains(u.as_str()) && !prefix.contains(u.as_str())),
            "{text}: only typos after"
        );
        for group in [first, second] {
            let followers = followers(group);
            assert!(
                followers.is_sorted_by(|a, b| a >= b),
                "{text}: most followers first in each group: {followers:?}"
            );
        }
        if followers(second).iter().max() > followers(first).iter().min() {
            followers_overruled += 1;
        }
    }
    // Not a coincidence of follower counts: in most queries, a prefix match with more
    // followers than an exact one still came after it.
    assert!(
        followers_overruled * 2 > queries.len(),
        "{followers_overruled} of {}",
        queries.len()
    );
}

// Exclusions and paging

#[tokio::test]
async fn excluded_users_are_left_out_of_pages_and_total() {
    let fixture = Fixture::with(vec![
        user("d50", "Deniz", "A", 50),
        user("d40", "Deniz", "B", 40),
        user("d30", "Deniz", "C", 30),
        user("d20", "Deniz", "D", 20),
        user("d10", "Deniz", "E", 10),
    ])
    .await;
    let excluded = ["d40", "d20", "somebody_not_indexed"];

    assert_eq!(
        fixture.find_page("deniz", &excluded, 0, 2).await,
        (vec!["d50".to_owned(), "d30".to_owned()], 3)
    );
    assert_eq!(
        fixture.find_page("deniz", &excluded, 2, 2).await,
        (vec!["d10".to_owned()], 3)
    );
}

/// The page a search must answer over `users` (all matching, none excluded): most
/// followers first.
fn expected_page(users: &[(String, u64)], offset: usize, limit: usize) -> (Vec<String>, u64) {
    let mut ranked = users.to_vec();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total = ranked.len() as u64;
    let page = ranked
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(name, _)| name)
        .collect();
    (page, total)
}

#[tokio::test]
async fn a_caller_with_thousands_of_exclusions_sees_none_of_them_with_exact_totals_and_pages() {
    // 3,000 users named Deniz over several segments (the later ones re-added, so
    // the first segment carries deletes); 2,000 excluded users, so the matches are
    // checked one by one, and 5, so the excluded users are looked up instead.
    let users: Vec<IndexedUser> = (0..3_000u64)
        .map(|n| user(&format!("dz{n:05}"), "Deniz", "Kaya", (n * 7_919) % 1_000))
        .collect();
    let fixture = Fixture::with(users.clone()).await;
    for chunk in users[..600].chunks(200) {
        let changes = chunk.iter().cloned().map(IndexChange::Upsert).collect();
        fixture.index.apply(changes, at(2)).await.unwrap();
    }
    for excluded_count in [2_000usize, 5] {
        let excluded: Vec<String> = (0..3_000u64)
            .filter(|n| n % 3 != 1)
            .take(excluded_count)
            .map(|n| format!("dz{n:05}"))
            .collect();
        let excluded_refs: Vec<&str> = excluded.iter().map(String::as_str).collect();
        let kept: Vec<(String, u64)> = users
            .iter()
            .filter(|u| !excluded.contains(&u.username))
            .map(|u| (u.username.clone(), u.followers))
            .collect();
        for (offset, limit) in [(0, 20), (40, 20), (kept.len() - 10, 20)] {
            let (page, total) = fixture
                .find_page("deniz", &excluded_refs, offset, limit)
                .await;
            let (expected, expected_total) = expected_page(&kept, offset, limit);
            assert_eq!(total, expected_total, "{excluded_count} excluded");
            // Ties in followers may fall in index order, so compare each page's
            // followers and that no excluded user shows.
            let followers = |names: &[String]| -> Vec<u64> {
                names
                    .iter()
                    .map(|name| {
                        users
                            .iter()
                            .find(|u| &u.username == name)
                            .unwrap()
                            .followers
                    })
                    .collect()
            };
            assert_eq!(
                followers(&page),
                followers(&expected),
                "{excluded_count} excluded, offset {offset}"
            );
            assert!(page.iter().all(|name| !excluded.contains(name)), "{page:?}");
        }
    }
}

#[tokio::test]
async fn pages_cut_the_ranking_and_total_counts_every_match() {
    let users = (1..=7)
        .map(|followers| user(&format!("deniz{followers}"), "Deniz", "X", followers))
        .chain([user("other", "Mehmet", "Kaya", 100)])
        .collect();
    let fixture = Fixture::with(users).await;
    let page = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();

    assert_eq!(
        fixture.find_page("deniz", &[], 0, 3).await,
        (page(&["deniz7", "deniz6", "deniz5"]), 7)
    );
    assert_eq!(
        fixture.find_page("deniz", &[], 3, 3).await,
        (page(&["deniz4", "deniz3", "deniz2"]), 7)
    );
    assert_eq!(
        fixture.find_page("deniz", &[], 6, 3).await,
        (page(&["deniz1"]), 7)
    );
    assert_eq!(fixture.find_page("deniz", &[], 9, 3).await, (page(&[]), 7));
    assert_eq!(fixture.find_page("deniz", &[], 0, 0).await, (page(&[]), 7));
}

#[tokio::test]
async fn huge_offsets_and_limits_do_not_panic() {
    let fixture = Fixture::with(vec![user("deniz", "Deniz", "X", 1)]).await;

    assert_eq!(
        fixture.find_page("deniz", &[], 0, usize::MAX).await,
        (vec!["deniz".to_owned()], 1)
    );
    assert_eq!(
        fixture
            .find_page("deniz", &[], usize::MAX, usize::MAX)
            .await,
        (Vec::new(), 1)
    );
}

// Text that is not words

#[tokio::test]
async fn query_syntax_characters_are_plain_text() {
    let fixture = Fixture::with(vec![
        user("jh", "Joanna", "Hnatyshyn", 1),
        user("jo", "Jo", "Smith", 1),
        user("hn", "Henry", "Hnat", 1),
    ])
    .await;
    let expected = fixture.find("jo hn").await;
    assert_eq!(expected, ["jh"]);

    for text in [
        "\"jo*hn:(%_",
        "jo) hn(",
        "jo~ hn^",
        "[jo hn\\",
        "+jo -hn",
        "jo:hn",
    ] {
        assert_eq!(fixture.find(text).await, expected, "{text}");
    }
    // Operators are not operators: `OR` is one more word to match, so nobody is found.
    assert!(fixture.find("jo OR hn").await.is_empty());
    for text in ["\"", "*", ":(", "\\", "%_", "~^", "[", "+-"] {
        assert!(fixture.find(text).await.is_empty(), "{text}");
    }
}

#[tokio::test]
async fn an_empty_or_separator_only_text_finds_nobody() {
    let fixture = Fixture::with(vec![user("deniz", "Deniz", "X", 1)]).await;

    for text in ["", "   ", "._-", "\t\n"] {
        assert_eq!(
            fixture.find_page(text, &[], 0, 10).await,
            (Vec::new(), 0),
            "{text:?}"
        );
    }
}

#[tokio::test]
async fn an_empty_index_finds_nobody() {
    let fixture = Fixture::with(Vec::new()).await;

    assert_eq!(
        fixture.find_page("deniz", &[], 0, 10).await,
        (Vec::new(), 0)
    );
}

fn names(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

/// 2,000 users named Deniz, and the first `count` of them by username as an
/// exclusion list.
fn denizes_and_a_long_exclusion_list(count: usize) -> (Vec<IndexedUser>, Vec<String>) {
    let users: Vec<IndexedUser> = (0..2_000u64)
        .map(|n| user(&format!("dn{n:05}"), "Deniz", "Kaya", n % 97))
        .collect();
    let excluded = users
        .iter()
        .take(count)
        .map(|u| u.username.clone())
        .collect();
    (users, excluded)
}

#[tokio::test]
async fn a_long_exclusion_list_kept_between_searches_still_holds_after_the_index_changes() {
    let (users, excluded) = denizes_and_a_long_exclusion_list(1_000);
    let excluded_refs: Vec<&str> = excluded.iter().map(String::as_str).collect();
    let mut fixture = Fixture::with(users.clone()).await;
    assert_eq!(
        fixture.find_page("deniz", &excluded_refs, 0, 5).await.1,
        1_000
    );

    // Excluded users re-indexed into new segments, one of them renamed, and a new
    // Deniz: the kept documents of the old segments say nothing of the new ones.
    let mut changes: Vec<IndexChange> = users[..300]
        .iter()
        .map(|u| {
            IndexChange::Upsert(IndexedUser {
                followers: u.followers + 1_000,
                ..u.clone()
            })
        })
        .collect();
    let newcomer = user("dn_new", "Deniz", "Kaya", 5_000);
    fixture.know(&newcomer);
    changes.push(IndexChange::Upsert(newcomer));
    fixture.index.apply(changes, at(2)).await.unwrap();

    let (page, total) = fixture.find_page("deniz", &excluded_refs, 0, 1_100).await;
    assert_eq!(total, 1_001, "the thousand not excluded and the newcomer");
    assert_eq!(page[0], "dn_new", "the most followed one not excluded");
    assert!(page.iter().all(|name| !excluded.contains(name)), "{page:?}");
}

#[tokio::test]
async fn two_long_exclusion_lists_that_differ_in_one_user_are_never_confused() {
    // Same length, same first and last users: only the whole list tells them apart.
    let (users, first) = denizes_and_a_long_exclusion_list(1_000);
    let mut second = first.clone();
    second[501] = "dn01999".to_owned();
    let fixture = Fixture::with(users).await;

    let (first_page, _) = fixture.find_page("deniz", &names(&first), 0, 2_000).await;
    let (second_page, _) = fixture.find_page("deniz", &names(&second), 0, 2_000).await;

    assert!(first_page.contains(&"dn01999".to_owned()));
    assert!(!first_page.contains(&"dn00501".to_owned()));
    assert!(
        !second_page.contains(&"dn01999".to_owned()),
        "blocked in the second list"
    );
    assert!(
        second_page.contains(&"dn00501".to_owned()),
        "blocked only in the first list"
    );
}
