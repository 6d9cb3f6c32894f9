# Daily commands for the Allmine Users API: thin wrappers over cargo.
# `just` alone lists them. Nothing here reads .env: the server takes its
# configuration from the environment (see .env.example).

set dotenv-load := false

# The development database the server uses by default (config.rs). db-reset
# always targets this one, never $DATABASE_URL, so it cannot drop another.
dev_database_url := "postgres://postgres@127.0.0.1:5432/allmine"

# A throwaway database that `prepare` migrates from scratch and drops again.
prepare_database_url := "postgres://postgres@127.0.0.1:5432/allmine_sqlx_prepare"

# List the recipes.
default:
    @just --list

# Start the server (creates and migrates its database; in development, loads the demo data into an empty one).
run:
    cargo run --release

# Run every test: the README's command, the one CI runs.
test:
    cargo test --workspace

# Check formatting and lints as CI does.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# Regenerate .sqlx/ against a freshly migrated scratch database (needs sqlx-cli 0.9).
prepare:
    cargo sqlx database reset -y -f --source migrations -D {{ prepare_database_url }}
    SQLX_OFFLINE=false DATABASE_URL={{ prepare_database_url }} cargo sqlx prepare --workspace -- --all-targets
    cargo sqlx database drop -y -f -D {{ prepare_database_url }}

# Check that .sqlx/ matches a freshly migrated scratch database, as CI does.
sqlx-check:
    .ci/sqlx-check

# Drop and recreate the development database `allmine`; the server migrates it on its next start.
db-reset:
    cargo sqlx database drop -y -f -D {{ dev_database_url }}
    cargo sqlx database create -D {{ dev_database_url }}
    rm -rf data/search-index/allmine
    @echo 'allmine is empty: the next `just run` migrates it and loads the demo data'

# Load the demo fixture (does nothing if it is already there).
seed:
    cargo run --release -- seed --demo

# Print a 24-hour JWT for a user, by username or id.
token user:
    cargo run --release -- token {{ user }}

# Mutation testing: cargo-mutants on the domain crate against its own unit and doc tests (needs cargo-mutants; about an hour). Report in mutants.out/; e.g. `just mutants --file crates/domain/src/profiles/social.rs`.
mutants *args:
    cargo mutants -p allmine-domain {{ args }}

# CORS in a real browser: headless Chromium (Debian's `chromium`) calls the API from a listed and an unlisted origin.
browser-cors:
    .ci/browser-cors

# Run the CI script: fmt, clippy, the tests, then Schemathesis.
ci:
    .ci/run

# Load test: 500 connections for 60 s over the read endpoints with wrk, server RSS sampled (allmine_seed1m if present; `just load demo` for a fresh demo database).
load *args:
    deploy/load.sh {{ args }}

# Benchmarks on the generated million users (wrk): `just bench` runs both, `just bench reads` the profile reads against PostgreSQL and a static ceiling (deploy/read-bench.sh), `just bench search` the search and history budgets (deploy/bench.sh).
bench which="all":
    #!/usr/bin/env bash
    set -euo pipefail
    case "{{ which }}" in
      all) deploy/read-bench.sh; deploy/bench.sh ;;
      reads) deploy/read-bench.sh ;;
      search) deploy/bench.sh ;;
      *) echo "just bench [all|reads|search]" >&2; exit 2 ;;
    esac

# What the change feed costs writers: pgbench follows/s with its triggers on and off, 6 alternating rounds (creates and seeds allmine_feedcost if missing; needs the release binary).
feed-cost *args:
    cargo build --release -p allmine-server
    deploy/feed-cost.sh {{ args }}

# A primary and a streaming replica of their own on loopback (replay delayed 2 s), the API over both: a rename is never seen undone by its author while anonymous readers catch up. Runs with the read model off (reads hit the replica), then on.
replica-demo:
    READ_MODEL_BYTES=0 deploy/replica-demo.sh
    READ_MODEL_BYTES=67108864 deploy/replica-demo.sh

# Metrics after a short load: one release server with Redis limits, a trusted proxy, a replica and metrics on; prints the scrape (needs `cargo build --release`, wrk, Redis).
metrics-demo:
    deploy/metrics-demo.sh
