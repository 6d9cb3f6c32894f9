#!/usr/bin/env bash
# Profile reads side by side, in one run on one machine (issue 11): what the
# read model must be measured against. Not part of CI: `just bench reads`.
#
#   deploy/read-bench.sh [DATABASE_URL]    # default: the allmine_seed1m database
#
# Over a generated database (created with `allmine seed --users` when it is
# missing; migrated by starting the current server), with the same wrk load
# for every HTTP line (`wrk -t2 -c64`, a warm-up, then ROUNDS rounds), it
# measures:
#   - the ceiling: allmine-ceiling, actix-web answering a real profile
#     envelope of the server from memory (crates/bench-ceiling);
#   - PostgreSQL alone: pgbench running the exact SQL of an anonymous profile
#     read, which is also a read-model miss (taken from .sqlx/ at run time),
#     for random usernames;
#   - the server with each READ_MODEL_BYTES setting (`0` = read model off,
#     `default` = the variable unset): usernames drawn uniformly and skewed
#     (Zipf), anonymous and signed in, each line on a server started for
#     it, so that none inherits the read model another draw filled; then, on
#     one more server, skewed reads round by round without and with pgbench
#     making FOLLOW_RATE follows a second land on the HOT_USERS most-read
#     users (the target compares the rounds of that one server);
#   - the ceiling again, round by round without and with the same follows,
#     paired like the server's: how much of the machine the follows
#     themselves take, which bounds the follows lines' ratios.
# It prints one markdown table (also written to target/bench/read-bench.md)
# and the ratios issue 11's targets name. Every figure is relative to others
# of the same run: no line passes or fails on an absolute time.
#
# Knobs (environment): THREADS (2), CONNECTIONS (64), WARMUP (10, seconds),
# DURATION (15, seconds a round), ROUNDS (3), PG_CLIENTS (16), FOLLOW_RATE
# (300), FOLLOWS_WARMUP (5, seconds of follows before a round measures them), HOT_USERS (100), VIEWERS (64), ZIPF_S (1), SEED_USERS (1000000),
# READ_MODEL_SETTINGS ("0 default"), READ_BENCH_PORT (18100; the ceiling
# listens on the next port), SKIP_BUILD, FEED_COST (1; 0 skips feed-cost.sh),
# FEED_COST_ROUNDS (feed-cost.sh's own default). A quick check of the harness:
#   WARMUP=2 DURATION=3 ROUNDS=1 deploy/read-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL=${1:-postgres://postgres@127.0.0.1:5432/allmine_seed1m}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP=${WARMUP:-10}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
PG_CLIENTS=${PG_CLIENTS:-16}
FOLLOW_RATE=${FOLLOW_RATE:-300}
FOLLOWS_WARMUP=${FOLLOWS_WARMUP:-5}
HOT_USERS=${HOT_USERS:-100}
VIEWERS=${VIEWERS:-64}
ZIPF_S=${ZIPF_S:-1}
SEED_USERS=${SEED_USERS:-1000000}
READ_MODEL_SETTINGS=${READ_MODEL_SETTINGS:-0 default}
PORT=${READ_BENCH_PORT:-18100}
CEILING_PORT=$(( PORT + 1 ))
# Release binaries, in the shared target directory when CARGO_TARGET_DIR says so.
TARGET=${CARGO_TARGET_DIR:-target}
OUT=target/bench
WRK_SCRIPT=deploy/bench/reads.lua

for tool in wrk pgbench psql curl jq; do
  command -v "$tool" >/dev/null || { echo "read-bench: $tool is missing" >&2; exit 2; }
done
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -p allmine-server -p allmine-bench-ceiling
# Run copies: a build in a shared target directory during the run must not
# swap the binary between one setting and the next.
mkdir -p "$OUT/bin"
cp "$TARGET/release/allmine" "$TARGET/release/allmine-ceiling" "$OUT/bin/"
BIN=$OUT/bin/allmine
CEILING_BIN=$OUT/bin/allmine-ceiling
: > "$OUT/read-server.log"

# The server's settings for every start: its own index directory (not the one
# deploy/bench.sh rebuilds), rate limits lifted so that wrk measures the read
# path and not the limiter, quiet logs. Production mode, so that an empty
# database is never filled with the demo fixture behind our back; it needs a
# real JWT secret, which `allmine token` must share to sign valid tokens.
export DATABASE_URL SEARCH_INDEX_DIR=$OUT/read-search-index BIND_ADDRESS=127.0.0.1:$PORT
export APP_ENV=production LOG_FORMAT=json RUST_LOG=warn
export JWT_ALGORITHM=HS256 JWT_SECRET=allmine-read-bench-secret-not-for-production-use
unset JWT_ISSUER JWT_AUDIENCE
export RATE_LIMIT_SEARCHES_PER_MINUTE=0 RATE_LIMIT_USERNAME_CHECKS_PER_MINUTE=0
export RATE_LIMIT_USERNAME_CHANGES_PER_MINUTE=0 RATE_LIMIT_ANONYMOUS_PROFILE_READS_PER_MINUTE=0
unset READ_MODEL_BYTES
PSQL=(psql "$DATABASE_URL" -qAtX -v ON_ERROR_STOP=1)

# --- processes --------------------------------------------------------------

server=""
ceiling=""
follows=""
stop() { # stop PID: end one process we started and wait for it
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() { stop "$follows"; stop "$ceiling"; stop "$server"; }
trap cleanup EXIT

wait_ready() { # wait_ready URL PID WHAT: the first index build of a million users takes a while
  for _ in $(seq 1 600); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "read-bench: $3 exited; see $OUT/read-server.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "read-bench: $3 did not get ready in 300 s" >&2; exit 1
}

# settle_index: wait (up to SETTLE_WAIT s) until the running server's index is
# settled: one segment and no deleted documents, which the server makes of it
# once no change has come for 5 s (SETTLE_AFTER in crates/server/src/search.rs).
# A round started before would pay for that merge: its CPU, and its memory
# (here some 30 MB more RSS while it runs, buffers and the new segment's pages).
settle_index() {
  for _ in $(seq 1 "${SETTLE_WAIT:-180}"); do
    [ "$(find "$SEARCH_INDEX_DIR" -name '*.idx' | wc -l)" -eq 1 ] \
      && [ "$(find "$SEARCH_INDEX_DIR" -name '*.del' | wc -l)" -eq 0 ] && break
    sleep 1
  done
  echo "search index: $(find "$SEARCH_INDEX_DIR" -name '*.idx' | wc -l) segment(s), $(find "$SEARCH_INDEX_DIR" -name '*.del' | wc -l) with deletes"
}

start_server() { # start_server SETTING: `default` leaves READ_MODEL_BYTES unset
  if [ "$1" = default ]; then
    "$BIN" serve >> "$OUT/read-server.log" 2>&1 &
  else
    READ_MODEL_BYTES=$1 "$BIN" serve >> "$OUT/read-server.log" 2>&1 &
  fi
  server=$!
  wait_ready "http://127.0.0.1:$PORT/health/ready" "$server" "the server"
}

# --- the database -------------------------------------------------------------

database=${DATABASE_URL##*/}
admin_url=${DATABASE_URL%/*}/postgres
if [ -z "$(psql "$admin_url" -qAtX -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
  echo "== $database is missing: seeding $SEED_USERS users (minutes; about 4.7 GB for a million)"
  "$BIN" seed --users "$SEED_USERS"
fi
# Starting the current server migrates the database and brings the search
# index up to date; in the same start, take what the load needs.
echo "== migrating $database and building the search index (first start only)"
start_server 0
[ "$("${PSQL[@]}" -c "SELECT count(*) > 0 FROM users")" = t ] \
  || { echo "read-bench: $database has no users; drop it to have it seeded" >&2; exit 1; }

# The users the reads draw from: active and public, so that every read
# answers 200 and the non-2xx column counts failures only, in a fixed random
# order (by a hash of the id: the same on every run over the same data). The
# skewed draw reads line 1 most; lines 1..HOT_USERS are the follows' targets.
NAMES=$OUT/read-usernames.txt
"${PSQL[@]}" -c "COPY (SELECT username FROM users WHERE deactivated_at IS NULL AND NOT is_private
  ORDER BY md5(id::text)) TO STDOUT" > "$NAMES"
echo "reads draw from $(wc -l < "$NAMES") active public users"

# Viewers for the signed-in reads: active users no block touches either way,
# in another fixed order. One token each, from the server's own command with
# the server's JWT settings.
TOKENS=$OUT/read-tokens.txt
: > "$TOKENS"
for viewer in $("${PSQL[@]}" -c "SELECT username FROM users u WHERE deactivated_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id OR b.blocked_id = u.id)
    ORDER BY md5('viewer' || id::text) LIMIT $VIEWERS"); do
  "$BIN" token "$viewer" >> "$TOKENS"
done
echo "signed-in reads rotate over $(wc -l < "$TOKENS") viewers"

# The ceiling's body: the server's real answer for one of the fullest public
# profiles (bio, expertise, every handle filled; generated users have no
# photo), about the size of the docs' example (700 bytes).
BODY=$OUT/read-ceiling-body.json
full=$("${PSQL[@]}" -c "SELECT username FROM users WHERE deactivated_at IS NULL AND NOT is_private
  ORDER BY num_nonnulls(bio, expertise, instagram, snapchat, x, tiktok, facebook) DESC,
           cardinality(interests) DESC, md5(id::text) LIMIT 1")
curl -fs "http://127.0.0.1:$PORT/api/v1/users/profile/username/$full" > "$BODY"
echo "ceiling body: $(wc -c < "$BODY") bytes"
workers=${HTTP_WORKERS:-}
# Let it merge what earlier follows split the search index into (it settles
# once no change has come for a few seconds), up to SETTLE_WAIT seconds: no
# line should pay for that merge.
settle_index
stop "$server"; server=""

# PostgreSQL alone: the SQL the server runs for an anonymous profile read by
# username (and for every read-model miss), as compiled into it (the .sqlx/
# metadata of find_one_anonymously in crates/postgres-adapter/src/users.rs),
# with the username key ($1) of a random generated user, `user_N`.
mapfile -t query_files < <(grep -l 'false AS \\"blocked!\\"' .sqlx/query-*.json | xargs grep -l 'username_key = \$1')
[ "${#query_files[@]}" -eq 1 ] \
  || { echo "read-bench: expected one .sqlx query for find_one_anonymously, found ${#query_files[@]}" >&2; exit 1; }
MISS_SQL=$OUT/read-profile-miss.sql
PROFILE_SQL=$(jq -r .query "${query_files[0]}")
generated=$("${PSQL[@]}" -c "SELECT count(*) FROM users WHERE username_key ~ '^user_[0-9]+$'")
username_key="('user_' || :n)"
{
  echo "\\set n random(1, $generated)"
  echo "${PROFILE_SQL//\$1/$username_key};"
} > "$MISS_SQL"

# The follows: each transaction toggles the follow between a random generated
# user and one of the HOT_USERS most-read users (inserts it, or deletes it if
# it is there), so the hot users' counters change at FOLLOW_RATE a second and
# their number of followers stays about where it was.
FOLLOW_SQL=$OUT/read-follows.sql
hot_list=$(head -n "$HOT_USERS" "$NAMES" | tr 'A-Z' 'a-z' | sed "s/.*/'&'/" | paste -sd,)
cat > "$FOLLOW_SQL" <<EOF
\set h random(1, $(head -n "$HOT_USERS" "$NAMES" | wc -l))
\set fan random(1, $generated)
WITH hot AS (SELECT id FROM users WHERE username_key = (ARRAY[$hot_list])[:h]),
     fan AS (SELECT id FROM users WHERE username_key = 'user_' || :fan),
     gone AS (DELETE FROM follows f USING hot, fan
              WHERE f.follower_id = fan.id AND f.followee_id = hot.id RETURNING 1)
INSERT INTO follows (follower_id, followee_id, status, accepted_at)
SELECT fan.id, hot.id, 'accepted', now() FROM hot, fan
WHERE fan.id <> hot.id AND NOT EXISTS (SELECT 1 FROM gone)
ON CONFLICT DO NOTHING;
EOF

# --- measuring ------------------------------------------------------------------

TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
cpu_ticks() { # cpu_ticks PID: user + system time of the process (all threads), in ticks
  local fields
  fields=$(sed 's/^.*) //' "/proc/$1/stat")
  echo "$fields" | awk '{ print $12 + $13 }'
}
# The PostgreSQL that DATABASE_URL names (not the clusters tests may start):
# its postmaster, whose children are the backends and background workers.
POSTMASTER=$(head -n 1 "$("${PSQL[@]}" -c "SHOW data_directory")/postmaster.pid")
pg_ticks() { # the CPU of the postmaster and its children, exited ones included (reaped into its children's time)
  local total pid
  total=$(sed 's/^.*) //' "/proc/$POSTMASTER/stat" | awk '{ print $12 + $13 + $14 + $15 }')
  for pid in $(pgrep -P "$POSTMASTER"); do
    total=$(( total + $(cpu_ticks "$pid" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
reset_peak_rss() { echo 5 > "/proc/$1/clear_refs"; } # VmHWM restarts from the current RSS
peak_rss_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

TABLE=$OUT/read-bench.md
ROWS=$OUT/read-bench.tsv # key, req/s, p99 (µs), RSS (MB): for the ratios
: > "$ROWS"
{
  echo "| line | req/s | p50 | p95 | p99 | non-2xx | server RSS | server CPU/req | PostgreSQL CPU/req |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$TABLE"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { grep -o "$1=[0-9.]*" | cut -d= -f2; } # field NAME < result lines
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
thousands() { printf '%.0f' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }

wrk_round() { # wrk_round PORT SECONDS: one wrk run with the draw set in the environment
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2"s -s "$WRK_SCRIPT" "http://127.0.0.1:$1" | grep '^result '
}

# row KEY LABEL RESULTS: one row of the table from a line's rounds (their
# wrk results in RESULTS, their CPU and RSS in RESULTS.usage): medians of the
# rounds' rate and percentiles, the sum of non-2xx, the peak RSS, CPU over
# the rounds divided by their requests.
row() {
  local key=$1 label=$2 results=$3 requests rps p99 server_ticks pg_ticks rss
  requests=$(field requests < "$results" | awk '{ s += $1 } END { print s }')
  rps=$(field rps < "$results" | median)
  p99=$(field p99_us < "$results" | median)
  read -r server_ticks pg_ticks rss < <(awk '{ s += $1; p += $2; if ($3 > r) r = $3 } END { print s, p, r }' "$results.usage")
  printf '| %s | %s | %s | %s | %s | %s | %s MB | %s µs | %s µs |\n' "$label" "$(thousands "$rps")" \
    "$(ms "$(field p50_us < "$results" | median)")" "$(ms "$(field p95_us < "$results" | median)")" "$(ms "$p99")" \
    "$(field non2xx < "$results" | awk '{ s += $1 } END { print s }')" "$rss" \
    "$(( server_ticks * TICK_US / requests ))" "$(( pg_ticks * TICK_US / requests ))" >> "$TABLE"
  printf '%s\t%s\t%s\t%s\n' "$key" "$rps" "$p99" "$rss" >> "$ROWS"
}

# measured_round PORT PID RESULTS: one round of DURATION s, its wrk result
# appended to RESULTS, and to RESULTS.usage the CPU ticks of the process and
# of PostgreSQL over the round and the process's peak RSS in it.
measured_round() {
  local server0 pg0
  reset_peak_rss "$2"
  server0=$(cpu_ticks "$2"); pg0=$(pg_ticks)
  wrk_round "$1" "$DURATION" | tee -a "$3"
  echo "$(( $(cpu_ticks "$2") - server0 )) $(( $(pg_ticks) - pg0 )) $(peak_rss_mb "$2")" >> "$3.usage"
}

# http_line KEY LABEL PORT PID: warm up, then ROUNDS rounds; one row.
http_line() {
  local key=$1 label=$2 port=$3 pid=$4 results
  echo "-- $label"
  wrk_round "$port" "$WARMUP" >/dev/null
  results=$(mktemp)
  for _ in $(seq 1 "$ROUNDS"); do
    measured_round "$port" "$pid" "$results"
  done
  row "$key" "$label" "$results"
  rm -f "$results" "$results.usage"
}

# Follows landing on the hot users during a line, from its warm-up to the end
# of its last round: pgbench runs until stopped and reports its rate every
# 5 s (the mean of those is the rate achieved, listed under the table).
follow_rates=""
follow_pairs=""
start_follows() { # start_follows KEY
  pgbench -n -M prepared -c 4 -j 1 -R "$FOLLOW_RATE" -T 86400 -P 5 \
    -f "$FOLLOW_SQL" "$DATABASE_URL" > "$OUT/read-follows-$1.log" 2>&1 &
  follows=$!
}
stop_follows() { # stop_follows KEY
  stop "$follows"; follows=""
  follow_rates="$follow_rates $1 $(grep -o '^progress: [0-9.]* s, [0-9.]* tps' "$OUT/read-follows-$1.log" \
    | awk '{ s += $4; n++ } END { printf "%.0f", n ? s / n : 0 }')/s,"
}

# The ceiling's follows ratio bounds the servers' only if its follows landed
# at their rate: on a fast machine, at the ceiling's pace, they fell to
# 207-275 a second of 300 (their transactions waiting seconds for the cores,
# on 4 connections as on 16), and the ceiling then kept more than the bound.
ceiling_bound() {
  local short
  short=$(echo "$follow_rates" | tr ',' '\n' | awk -v want="$FOLLOW_RATE" \
    '$1 ~ /^ceiling\./ && $2 + 0 < 0.9 * want { printf "%s%s %d/s", (n++ ? ", " : ""), $1, $2 }')
  if [ -n "$short" ]; then echo "(no bound this run: its follows fell short, $short)"; else echo "(the bound of the two above)"; fi
}

start_ceiling() { # the ceiling on its port, answering the server's profile from memory
  HTTP_WORKERS=$workers BIND_ADDRESS=127.0.0.1:$CEILING_PORT "$CEILING_BIN" "$BODY" >> "$OUT/read-server.log" 2>&1 &
  ceiling=$!
  wait_ready "http://127.0.0.1:$CEILING_PORT/api/v1/users/profile/username/ready" "$ceiling" "the ceiling"
}

# paired_follows_line KEY LABEL PORT PID: skewed anonymous reads of the
# process on PORT with and without the follows, round by round: after a
# read-only warm-up, ROUNDS pairs of a read-only round and a round while the
# follows land (FOLLOWS_WARMUP s after they start); after each pair the
# follows stop and a server's search index settles, so that no read-only
# round pays for the merge of what they split. Two rows, KEY.zipf.between
# (read-only) and KEY.zipf.follows: the machine's drift over a run (15 %
# between lines of one binary minutes apart) falls on both alike. Run for
# the ceiling too, so that the bound and the servers are measured the same way.
paired_follows_line() {
  local key=$1 label=$2 port=$3 pid=$4 quiet loud round
  echo "-- $label: skewed, anonymous, read-only and with follows, round by round"
  wrk_round "$port" "$WARMUP" >/dev/null
  quiet=$(mktemp); loud=$(mktemp)
  for round in $(seq 1 "$ROUNDS"); do
    measured_round "$port" "$pid" "$quiet"
    start_follows "$key.$round"
    wrk_round "$port" "$FOLLOWS_WARMUP" >/dev/null
    measured_round "$port" "$pid" "$loud"
    stop_follows "$key.$round"
    [ "$pid" = "$ceiling" ] || settle_index
  done
  # Each pair's own ratio too, listed under the table: the medians pair
  # rounds of different pairs.
  follow_pairs="$follow_pairs $key $(paste <(field rps < "$quiet") <(field rps < "$loud") \
    | awk '{ printf "%s%.0f → %.0f (%.2f)", (NR > 1 ? ", " : ""), $1, $2, $2 / $1 }'),"
  row "$key.zipf.between" "$label: skewed, anonymous, read-only, the rounds between those with follows" "$quiet"
  row "$key.zipf.follows" "$label: skewed, anonymous, $FOLLOW_RATE follows/s on the top $HOT_USERS" "$loud"
  rm -f "$quiet" "$quiet.usage" "$loud" "$loud.usage"
}

reads() { # reads DRAW [TOKENS]: the environment of the wrk script for one line
  export READ_BENCH_NAMES=$NAMES READ_BENCH_DRAW=$1 READ_BENCH_ZIPF_S=$ZIPF_S READ_BENCH_TOKENS=${2:-}
}

echo "== $THREADS wrk threads, $CONNECTIONS connections; ${WARMUP} s warm-up, then $ROUNDS x ${DURATION} s a line"

# a. The ceiling, on the skewed draw (it answers every name alike).
start_ceiling
reads zipf
http_line ceiling "ceiling: actix-web, the same answer from memory" "$CEILING_PORT" "$ceiling"
stop "$ceiling"; ceiling=""

# b. PostgreSQL alone. pgbench's own rate (transactions a second) and failed
# transactions; no latency percentiles or server columns.
echo "-- PostgreSQL alone"
pgbench_round() { # pgbench_round SECONDS
  pgbench -n -M prepared -c "$PG_CLIENTS" -j "$THREADS" -T "$1" -f "$MISS_SQL" "$DATABASE_URL" 2>&1
}
pgbench_round "$WARMUP" >/dev/null
results=$(mktemp)
pg0=$(pg_ticks)
for _ in $(seq 1 "$ROUNDS"); do
  pgbench_round "$DURATION" > "$results.round"
  tps=$(grep -o 'tps = [0-9.]*' "$results.round" | cut -d' ' -f3)
  count=$(grep -o 'number of transactions actually processed: [0-9]*' "$results.round" | grep -o '[0-9]*$')
  failed=$(grep -o 'number of failed transactions: [0-9]*' "$results.round" | grep -o '[0-9]*$' || echo 0)
  echo "result tps=$tps count=$count failed=$failed" | tee -a "$results"
done
pg1=$(pg_ticks)
pg_tps=$(field tps < "$results" | median)
printf '| %s | %s | | | | %s | | | %s µs |\n' "PostgreSQL alone: the profile query, pgbench -c$PG_CLIENTS -M prepared" \
  "$(thousands "$pg_tps")" "$(field failed < "$results" | awk '{ s += $1 } END { print s }')" \
  "$(( (pg1 - pg0) * TICK_US / $(field count < "$results" | awk '{ s += $1 } END { print s }') ))" >> "$TABLE"
printf 'postgres\t%s\t\t\n' "$pg_tps" >> "$ROWS"
rm -f "$results" "$results.round"

# c. The server, once per read model setting: the read-only lines of every
# setting first, then the lines with follows. Follows split the search index
# into small segments that a server merges once they stop; a read-only line
# run after a follows line would pay for that merge.
setting_name() { # setting_name SETTING: sets name and key
  case $1 in
    0) name="read model off (READ_MODEL_BYTES=0)"; key=off ;;
    default) name="read model on (default size)"; key=on ;;
    *) name="read model on (READ_MODEL_BYTES=$1)"; key=$1 ;;
  esac
}
for setting in $READ_MODEL_SETTINGS; do
  setting_name "$setting"
  echo "== server, $name"
  # Each line starts a server of its own: a line must not inherit the read
  # model another draw filled (after a uniform line, the skewed draw's hot
  # users are spread over a cache full of one-off reads).
  fresh_line() { # fresh_line KEY-SUFFIX LABEL: a new server, then http_line
    start_server "$setting"
    http_line "$key.$1" "server, $name: $2" "$PORT" "$server"
    stop "$server"; server=""
  }
  reads uniform;           fresh_line uniform.anon "uniform, anonymous"
  reads uniform "$TOKENS"; fresh_line uniform.signed "uniform, signed in"
  reads zipf;              fresh_line zipf.anon "skewed, anonymous"
  reads zipf "$TOKENS";    fresh_line zipf.signed "skewed, signed in"
done
# The ceiling again, round by round without and with the follows: what the
# follows alone take from this machine's cores, the bound of the follows
# lines' ratios (a server answering from memory as cheaply as the ceiling
# would keep no more). After the read-only lines: the follows split the
# search index, which the servers below let settle before they are measured.
echo "== the ceiling, with follows"
start_ceiling
reads zipf
paired_follows_line ceiling "ceiling" "$CEILING_PORT" "$ceiling"
stop "$ceiling"; ceiling=""
for setting in $READ_MODEL_SETTINGS; do
  setting_name "$setting"
  echo "== server, $name, with follows"
  # Skewed anonymous reads with and without the follows on the hot users.
  start_server "$setting"
  # The follows of the line before split the index; its merge is not this
  # line's cost (the read-only lines started from a settled index too).
  settle_index
  reads zipf; paired_follows_line "$key" "server, $name" "$PORT" "$server"
  stop "$server"; server=""
done

# --- the ratios ---------------------------------------------------------------

value() { # value KEY COLUMN (2 req/s, 3 p99, 4 RSS); empty when the line was not run
  awk -F'\t' -v k="$1" -v c="$2" '$1 == k { print $c }' "$ROWS"
}
ratio() { # ratio A B: A / B to two decimals, or n/a
  if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo "n/a"; fi
}
# "on" is the default size, or the last explicit size given; "off" is 0.
on=on; off=off
for setting in $READ_MODEL_SETTINGS; do case $setting in 0|default) ;; *) on=$setting ;; esac; done
peak_on=$(for k in uniform.anon uniform.signed zipf.anon zipf.signed zipf.between zipf.follows; do value "$on.$k" 4; done | sort -n | tail -n 1)
{
  echo
  echo "| ratio (issue 11's targets) | measured | target |"
  echo "|---|---:|---:|"
  echo "| skewed anonymous: on / off | $(ratio "$(value "$on.zipf.anon" 2)" "$(value "$off.zipf.anon" 2)")× | ≥ 3× |"
  echo "| skewed anonymous on / PostgreSQL alone | $(ratio "$(value "$on.zipf.anon" 2)" "$(value postgres 2)")× | ≥ 1.5× |"
  echo "| skewed anonymous on / ceiling | $(ratio "$(value "$on.zipf.anon" 2)" "$(value ceiling 2)")× | ≥ 0.3× |"
  echo "| p99, skewed anonymous on / ceiling | $(ratio "$(value "$on.zipf.anon" 3)" "$(value ceiling 3)")× | ≤ 3× |"
  echo "| signed in / anonymous, skewed, on | $(ratio "$(value "$on.zipf.signed" 2)" "$(value "$on.zipf.anon" 2)")× | ≥ 0.8× |"
  echo "| signed in / anonymous, uniform, on | $(ratio "$(value "$on.uniform.signed" 2)" "$(value "$on.uniform.anon" 2)")× | ≥ 0.8× |"
  echo "| uniform anonymous on / PostgreSQL alone | $(ratio "$(value "$on.uniform.anon" 2)" "$(value postgres 2)")× | ≥ 0.6× |"
  echo "| uniform anonymous: on / off | $(ratio "$(value "$on.uniform.anon" 2)" "$(value "$off.uniform.anon" 2)")× | ≥ 1× |"
  echo "| server RSS, peak of the on lines | ${peak_on:-n/a} MB | ≤ 160 MB |"
  echo "| skewed anonymous on: with follows / read-only, rounds paired on one server | $(ratio "$(value "$on.zipf.follows" 2)" "$(value "$on.zipf.between" 2)")× | ≥ 0.85× |"
  echo "| skewed anonymous on: with follows / the read-only line (another server, minutes before) | $(ratio "$(value "$on.zipf.follows" 2)" "$(value "$on.zipf.anon" 2)")× | |"
  echo "| skewed anonymous off: with follows / read-only, rounds paired on one server | $(ratio "$(value "$off.zipf.follows" 2)" "$(value "$off.zipf.between" 2)")× | (today's 0.70×) |"
  echo "| ceiling: with follows / read-only, rounds paired (what the follows leave of this machine) | $(ratio "$(value ceiling.zipf.follows 2)" "$(value ceiling.zipf.between 2)")× | $(ceiling_bound) |"
  echo
  echo "Follows applied during the follows lines (pgbench -R $FOLLOW_RATE, by line):${follow_rates%,}."
  echo
  echo "Skewed anonymous reads, each read-only round → the round with follows after it, by setting:${follow_pairs%,}."
} >> "$TABLE"

# Follow throughput with and without the feed's triggers (target >= 0.85x),
# on a database of its own: the script refuses to write follows into this one.
# FEED_COST=0 skips it (it takes about three minutes more). It runs its own
# number of rounds (FEED_COST_ROUNDS, or its default), never this script's ROUNDS.
if [ "${FEED_COST:-1}" != 0 ]; then
  echo "== deploy/feed-cost.sh"
  ROUNDS=${FEED_COST_ROUNDS:-} deploy/feed-cost.sh | tee -a "$TABLE" || echo "Follows with the feed / without: deploy/feed-cost.sh failed" >> "$TABLE"
fi

echo
echo "== read bench, $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (modified)'), $(nproc) cores"
cat "$TABLE"
