//! The public contract is reviewed like code: the OpenAPI document the server
//! serves must equal the committed `tests/fixtures/openapi.json`, so every
//! change to it shows in a diff. After a deliberate change, rewrite the file
//! with `UPDATE_OPENAPI_SNAPSHOT=1 cargo test -p allmine-server --test api openapi`
//! and review `git diff`.

use std::path::PathBuf;

use reqwest::StatusCode;

use crate::helpers::{TestApp, send};

/// Lines of context shown around the first difference.
const CONTEXT: usize = 6;

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi.json")
}

#[tokio::test]
async fn the_served_openapi_document_equals_the_committed_snapshot() {
    let app = TestApp::spawn().await;
    let (status, doc) = send(app.get("/api-docs/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    let served = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = snapshot_path();
    if std::env::var_os("UPDATE_OPENAPI_SNAPSHOT").is_some_and(|v| v == "1") {
        std::fs::write(&path, &served).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}; create it with UPDATE_OPENAPI_SNAPSHOT=1",
            path.display()
        )
    });
    if committed != served {
        panic!(
            "the served OpenAPI document differs from {}:\n{}\n\
             If the change is intended, rerun with UPDATE_OPENAPI_SNAPSHOT=1 and review `git diff`.",
            path.display(),
            first_difference(&committed, &served)
        );
    }
}

/// The first line that differs, with a few lines of context, `-` committed and
/// `+` served.
fn first_difference(committed: &str, served: &str) -> String {
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = served.lines().collect();
    let at = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    let from = at.saturating_sub(CONTEXT);
    let mut out = format!("first difference at line {}:\n", at + 1);
    for line in &old[from..at] {
        out.push_str(&format!("  {line}\n"));
    }
    for line in old.iter().skip(at).take(CONTEXT) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in new.iter().skip(at).take(CONTEXT) {
        out.push_str(&format!("+ {line}\n"));
    }
    out
}
