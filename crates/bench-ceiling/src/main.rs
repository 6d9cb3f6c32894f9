//! `allmine-ceiling`: the ceiling of `deploy/read-bench.sh`. It answers
//! `GET /api/v1/users/profile/username/{username}` with one fixed profile
//! envelope held in memory: the HTTP stack's own cost on this machine, with
//! no database, no middleware and no serialization, to set the server's
//! figures against.
//!
//! ```sh
//! allmine-ceiling [BODY_FILE]
//! ```
//!
//! `BODY_FILE` is a real answer of the server (the bench captures one at each
//! run); without it, the committed `profile.json`: one such answer, for one of
//! the fullest generated profiles (576 bytes; the docs' example, with a photo,
//! is about 700).
//! `BIND_ADDRESS` (default `127.0.0.1:8090`) and `HTTP_WORKERS` (default one
//! per CPU, as the server) are read from the environment.

use std::process::ExitCode;

use actix_web::http::header::ContentType;
use actix_web::{App, HttpResponse, HttpServer, web};

/// A profile envelope as the server answered it for a generated user
/// (`deploy/read-bench.sh` writes one to `target/bench/read-ceiling-body.json`),
/// for when no body file is given.
const DEFAULT_BODY: &str = include_str!("../profile.json");

#[actix_web::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("allmine-ceiling: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let body: &'static str = match std::env::args().nth(1) {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("cannot read {path}: {error}"))?;
            // Read once at start and kept for the life of the process.
            Box::leak(text.trim_end().to_owned().into_boxed_str())
        }
        None => DEFAULT_BODY.trim_end(),
    };
    let address = env_or("BIND_ADDRESS", "127.0.0.1:8090");
    // The server's default: one worker per CPU, 2 if that cannot be told.
    let default_workers = std::thread::available_parallelism().map_or(2, usize::from);
    let workers = match std::env::var("HTTP_WORKERS") {
        Ok(value) if !value.is_empty() => value
            .parse::<usize>()
            .map_err(|_| format!("HTTP_WORKERS is not a number: {value}"))?,
        _ => default_workers,
    };
    HttpServer::new(move || {
        App::new().route(
            "/api/v1/users/profile/username/{username}",
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .insert_header(ContentType::json())
                    .body(body)
            }),
        )
    })
    .workers(workers.max(1))
    .bind(&address)
    .map_err(|error| format!("cannot listen on {address}: {error}"))?
    .run()
    .await
    .map_err(|error| error.to_string())
}

/// The variable's value, or `default` when it is unset or empty (as the
/// server reads its configuration).
fn env_or(name: &str, default: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => default.to_owned(),
    }
}
