#!/usr/bin/env bash
# What the change feed costs writers: follows per second inserted by pgbench
# (8 clients, random follows between random generated users, each its own
# transaction) with the feed's triggers on and with them off, in alternating
# rounds (the order swapped every round, so that a drift over the run falls
# on both sides alike), and the ratio of the sums. One round's ratio moves by
# 10-20 % on a 2-core machine whose disk flushes at its own pace, so six
# rounds by default. Only the feed's triggers are turned off (those whose
# name holds `change_feed`, or `search_outbox` on a database of the older
# design); the counter triggers keep running, so both sides do the same
# follow. Not part of CI: run it by hand (`just feed-cost`). ADR 0011 keeps
# the figures.
#
#   deploy/feed-cost.sh [DATABASE_URL]   # default: the allmine_feedcost database
#
# A missing database is created and loaded with `allmine seed --users
# $USERS` (200,000 by default) by the release binary, which also migrates it.
# Leaves the triggers on, whatever happens.
#
#   CLIENTS (8), RUN_SECONDS (15), ROUNDS (6), USERS (200000)
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL=${1:-postgres://postgres@127.0.0.1:5432/allmine_feedcost}
CLIENTS=${CLIENTS:-8}
SECONDS_PER_RUN=${RUN_SECONDS:-15}
ROUNDS=${ROUNDS:-6}
USERS=${USERS:-200000}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/allmine}

command -v pgbench >/dev/null || { echo "feed-cost: pgbench is missing (postgresql-client)" >&2; exit 2; }
database=${DATABASE_URL##*/}
database=${database%%\?*}
case "$database" in
  allmine_seed1m) echo "feed-cost: refusing to write follows into allmine_seed1m; give it a database of its own" >&2; exit 2 ;;
esac
server_url=${DATABASE_URL%/*}/postgres
PSQL=(psql "$DATABASE_URL" -qAtX -v ON_ERROR_STOP=1)

if [ -z "$(psql "$server_url" -qAtX -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
  [ -x "$BIN" ] || { echo "feed-cost: $BIN is missing: cargo build --release -p allmine-server" >&2; exit 2; }
  echo "== creating $database with $USERS generated users"
  psql "$server_url" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$database\""
  DATABASE_URL=$DATABASE_URL APP_ENV=development RUST_LOG=warn "$BIN" seed --users "$USERS"
fi

# The generated users by number, so a transaction draws two with two index
# lookups, the same on both sides of the comparison.
"${PSQL[@]}" -c "CREATE TABLE IF NOT EXISTS feed_cost_users (n int PRIMARY KEY, id bytea NOT NULL)"
if [ "$("${PSQL[@]}" -c "SELECT count(*) FROM feed_cost_users")" = 0 ]; then
  "${PSQL[@]}" -c "INSERT INTO feed_cost_users
    SELECT row_number() OVER (ORDER BY id), id FROM users WHERE deactivated_at IS NULL"
  "${PSQL[@]}" -c "ANALYZE feed_cost_users"
fi
population=$("${PSQL[@]}" -c "SELECT count(*) FROM feed_cost_users")

mapfile -t triggers < <("${PSQL[@]}" -c "
  SELECT format('%I.%I', c.relname, t.tgname) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE NOT t.tgisinternal AND c.relname IN ('users', 'follows')
    AND (t.tgname LIKE '%change_feed%' OR t.tgname LIKE '%search_outbox%')
  ORDER BY 1")
[ ${#triggers[@]} -gt 0 ] || { echo "feed-cost: no feed triggers found on users and follows" >&2; exit 2; }

set_triggers() { # ENABLE or DISABLE
  for t in "${triggers[@]}"; do
    "${PSQL[@]}" -c "ALTER TABLE ${t%%.*} $1 TRIGGER ${t#*.}"
  done
}
trap 'set_triggers ENABLE' EXIT

script=$(mktemp)
cat > "$script" <<'SQL'
\set a random(1, :population)
\set b random(1, :population)
INSERT INTO follows (follower_id, followee_id, status)
SELECT x.id, y.id, 'accepted' FROM feed_cost_users x, feed_cost_users y
WHERE x.n = :a AND y.n = :b AND x.n <> y.n
ON CONFLICT DO NOTHING;
SQL

# Follows a second of one run: pgbench's tps, one insert per transaction
# (--max-tries: before migration 20261207000002 two follows crossing each
# other deadlocked now and then; the retries keep older databases comparable).
run() {
  pgbench "$DATABASE_URL" -n -f "$script" -D population="$population" -c "$CLIENTS" -j "$CLIENTS" \
    -T "$SECONDS_PER_RUN" -M prepared --max-tries=10 2>&1 |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

echo "== $database: $population users, ${#triggers[@]} feed triggers (${triggers[*]})"
echo "== $CLIENTS clients, $SECONDS_PER_RUN s a run, $ROUNDS rounds"
# A warm-up, not counted: the first run after a load pays for a cold cache.
SECONDS_PER_RUN=10 run >/dev/null
with=()
without=()
measure() { # measure ENABLE|DISABLE: one run with the feed's triggers so, its rate appended
  set_triggers "$1"
  "${PSQL[@]}" -c "CHECKPOINT"
  if [ "$1" = ENABLE ]; then with+=("$(run)"); else without+=("$(run)"); fi
}
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then measure ENABLE; measure DISABLE; else measure DISABLE; measure ENABLE; fi
  printf 'round %d: with the feed %8.0f follows/s   without %8.0f follows/s   ratio %.2f\n' \
    "$round" "${with[-1]}" "${without[-1]}" "$(echo "${with[-1]} / ${without[-1]}" | bc -l)"
done
sum() { local IFS=+; echo "($*)" | bc -l; }
w=$(sum "${with[@]}")
o=$(sum "${without[@]}")
printf 'mean: with the feed %.0f follows/s, without %.0f follows/s: %.2fx (target >= 0.85x)\n' \
  "$(echo "$w / $ROUNDS" | bc -l)" "$(echo "$o / $ROUNDS" | bc -l)" "$(echo "$w / $o" | bc -l)"
rm -f "$script"
