//! Engine-only cost of searches on an index on disk, one at a time, no HTTP or
//! PostgreSQL: `cargo run --release -p allmine-search --example query_cost -- DIR [QUERY…]`.
//!
//! DIR must not be open in another process (copy a running server's index first).
//! Prints, per query, the matches and the median and p95 time of one search for the
//! first page of 20. With `EXCLUDE=N` in the environment, every search leaves out the
//! same N random indexed users, as for a caller who blocked them.
#![allow(clippy::print_stdout, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use allmine_search::TantivyUserIndex;

const DEFAULT_QUERIES: &[&str] = &[
    "me",
    "ay",
    "em",
    "ze",
    "Ayşe Yılmaz",
    "mehmet kaya",
    "maria garcia",
    "user_123456",
    "mehmte",
    "user_12345x",
    "zeynpe",
    "ozturkk",
];
const RUNS: usize = 300;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: query_cost DIR [QUERY…]"));
    let queries: Vec<String> = args.collect();
    let queries: Vec<&str> = if queries.is_empty() {
        DEFAULT_QUERIES.to_vec()
    } else {
        queries.iter().map(String::as_str).collect()
    };
    let index = TantivyUserIndex::open_or_create(&dir).expect("open the index");
    let exclude: usize = std::env::var("EXCLUDE")
        .ok()
        .map_or(0, |n| n.parse().expect("EXCLUDE is a number"));
    let excluded = index
        .sample_blocking(&[], exclude)
        .expect("pick users to exclude")
        .ids;
    println!("{} users excluded", excluded.len());
    println!(
        "{:<16} {:>8} {:>10} {:>10}",
        "query", "total", "p50 µs", "p95 µs"
    );
    for query in queries {
        let mut times = Vec::with_capacity(RUNS);
        let mut total = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let hits = index
                .search_blocking(query, &excluded, 0, 20)
                .expect("search");
            times.push(start.elapsed().as_micros());
            total = hits.total;
        }
        times.sort_unstable();
        println!(
            "{:<16} {:>8} {:>10} {:>10}",
            query,
            total,
            times[RUNS / 2],
            times[RUNS * 95 / 100]
        );
    }
}
