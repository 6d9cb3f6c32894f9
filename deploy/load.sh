#!/usr/bin/env bash
# Load test of the read endpoints: the release server under 500 concurrent
# connections for 60 s (wrk, with deploy/load.lua), its resident memory
# sampled every second. Not part of CI: run it by hand (`just load`).
#
#   deploy/load.sh                  # allmine_seed1m if it exists, else a fresh
#                                   # database with the demo data (dropped after)
#   deploy/load.sh demo             # always a fresh database with the demo data
#   deploy/load.sh postgres://postgres@127.0.0.1:5432/allmine_seed100k
#
# The database given (or allmine_seed1m) is migrated by the server at start,
# like any deployment, and served with APP_ENV=production (no demo data is
# ever loaded into it); nothing else in it is written. Its search index is
# first built by `allmine reindex` in a process of its own, so the server only
# catches up at start and its memory is the serving memory; LOAD_INDEX=server
# leaves the build to the server instead (the startup peak is printed: about
# 340 MB for a million users, since the server holds every user while it
# builds the index).
#
# Environment: CONNECTIONS (500), DURATION (60s), WRK_THREADS (2), LOAD_PORT
# (18480), SAMPLE (users read, 20000), RSS_LIMIT_MB (100), LOAD_INDEX
# (prebuilt or server), SKIP_BUILD=1 (use the existing target/release/allmine),
# and the server's own variables (HTTP_WORKERS, DATABASE_MAX_CONNECTIONS, ...).
# Rate limits are lifted.
# Needs wrk (apt-get install wrk), psql and curl.
#
# Exits 1 if any request failed (a socket error or an answer other than 200)
# or the resident memory reached RSS_LIMIT_MB.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-500}
DURATION=${DURATION:-60s}
WRK_THREADS=${WRK_THREADS:-2}
PORT=${LOAD_PORT:-18480}
SAMPLE=${SAMPLE:-20000}
RSS_LIMIT_MB=${RSS_LIMIT_MB:-100}
ADMIN_URL=${LOAD_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}

for tool in wrk psql curl; do
  command -v "$tool" >/dev/null || { echo "load: $tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done

work=$(mktemp -d -t allmine-load.XXXXXX)
server_pid=""
sampler_pid=""
created_db=""
cleanup() {
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$created_db" ]; then
    psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$created_db\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

server_base=${ADMIN_URL%/*}
if [ $# -ge 1 ] && [ "$1" != demo ]; then
  DATABASE_URL=$1
elif [ "${1:-}" != demo ] && [ "$(psql "$ADMIN_URL" -Atc "SELECT count(*) FROM pg_database WHERE datname = 'allmine_seed1m'")" = 1 ]; then
  DATABASE_URL=$server_base/allmine_seed1m
else
  created_db=allmine_load_$$
  DATABASE_URL=$server_base/$created_db
fi
db_name=${DATABASE_URL##*/}
db_name=${db_name%%\?*}
index_dir=$work/search-index
if [ -n "$created_db" ]; then
  app_env=development # loads the demo data into the empty database
else
  app_env=production
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --bin allmine
fi
bin=target/release/allmine

export DATABASE_URL
export APP_ENV=$app_env
export JWT_ALGORITHM=HS256
export JWT_SECRET=load-test-secret-load-test-secret-0123456789
export SEARCH_INDEX_DIR=$index_dir
export BIND_ADDRESS=127.0.0.1:$PORT
export RUST_LOG=${LOAD_RUST_LOG:-warn}
export LOG_FORMAT=pretty
export RATE_LIMIT_USERNAME_CHECKS_PER_MINUTE=1000000000
export RATE_LIMIT_USERNAME_CHANGES_PER_MINUTE=1000000000
export RATE_LIMIT_SEARCHES_PER_MINUTE=1000000000
export RATE_LIMIT_ANONYMOUS_PROFILE_READS_PER_MINUTE=1000000000

if [ -z "$created_db" ] && [ "${LOAD_INDEX:-prebuilt}" != server ]; then
  echo "load: building the search index of $db_name"
  "$bin" reindex
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "load: something already listens on 127.0.0.1:$PORT; set LOAD_PORT" >&2
  exit 2
fi
ulimit -n 65536 2>/dev/null || ulimit -n 4096 2>/dev/null || true
echo "load: starting the server on $BIND_ADDRESS over $db_name"
"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!

rss_file=$work/rss.txt
: >"$rss_file"
(
  while kill -0 "$server_pid" 2>/dev/null; do
    ps -o rss= -p "$server_pid" >>"$rss_file" 2>/dev/null || true
    sleep 1
  done
) &
sampler_pid=$!

for _ in $(seq 1 600); do
  curl -sf "http://$BIND_ADDRESS/health/ready" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "load: the server exited" >&2; exit 1; }
  sleep 0.5
done
curl -sf "http://$BIND_ADDRESS/health/ready" >/dev/null || { echo "load: the server is not ready" >&2; exit 1; }
rss_ready_kb=$(ps -o rss= -p "$server_pid" | tr -d ' ')

# Public, active users with no block either way: every read should be 200.
psql "$DATABASE_URL" -AtF ' ' -c "
  SELECT username, encode(id, 'hex') FROM users u
  WHERE NOT is_private AND deactivated_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id)
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocked_id = u.id)
  ORDER BY random() LIMIT $SAMPLE" >"$work/users.txt"
head -n 10 "$work/users.txt" | while read -r name _; do
  "$bin" token "$name"
done >"$work/tokens.txt"
echo "load: $(wc -l <"$work/users.txt") users, $(wc -l <"$work/tokens.txt") tokens; RSS at ready $((rss_ready_kb / 1024)) MB"

echo "load: wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION over http://$BIND_ADDRESS"
rss_before_lines=$(wc -l <"$rss_file")
LOAD_USERS=$work/users.txt LOAD_TOKENS=$work/tokens.txt \
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency \
  -s deploy/load.lua "http://$BIND_ADDRESS" | tee "$work/wrk.txt"

max_rss_kb=$(tail -n +"$((rss_before_lines + 1))" "$rss_file" | sort -n | tail -n 1 | tr -d ' ')
max_rss_kb=${max_rss_kb:-0}
startup_rss_kb=$(head -n "$rss_before_lines" "$rss_file" | sort -n | tail -n 1 | tr -d ' ')
startup_rss_kb=${startup_rss_kb:-$rss_ready_kb}
result=$(grep '^LOAD_RESULT' "$work/wrk.txt" || true)
errors=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$result")
errors=${errors:-unknown}
workers=${HTTP_WORKERS:-$(nproc)}
pool=${DATABASE_MAX_CONNECTIONS:-10}

echo
echo "== load summary: $db_name, $CONNECTIONS connections for $DURATION, HTTP_WORKERS=$workers, pool $pool"
grep -E '^(requests|latency|statuses|socket errors):' "$work/wrk.txt" || true
echo "errors: $errors"
echo "server RSS: peak $((startup_rss_kb / 1024)) MB while starting, $((rss_ready_kb / 1024)) MB when ready, max $((max_rss_kb / 1024)) MB under load (limit $RSS_LIMIT_MB MB)"
if grep -qiE 'ERROR|panicked' "$work/server.log"; then
  echo "server log (errors):"
  grep -iE 'ERROR|panicked' "$work/server.log" | tail -n 20
fi

status=0
[ "$errors" = 0 ] || { echo "FAIL: $errors failed requests"; status=1; }
[ "$max_rss_kb" -lt $((RSS_LIMIT_MB * 1024)) ] || { echo "FAIL: RSS reached $((max_rss_kb / 1024)) MB"; status=1; }
[ "$status" = 0 ] && echo "PASS: zero errors, RSS under $RSS_LIMIT_MB MB"
exit "$status"
