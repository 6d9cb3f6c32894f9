#!/usr/bin/env bash
# The metrics check (issue 14): one release server with every fleet setting on
# (Redis limits, a trusted proxy, a "replica" that is the primary itself, the
# read model, metrics), a short load, then the scrape of every allmine_ family.
# Needs wrk, Redis and PostgreSQL; builds nothing: `cargo build --release` first.
#   deploy/metrics-demo.sh   (or `just metrics-demo`)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/allmine}
DB=allmine_metricsdemo
psql -h 127.0.0.1 -U postgres -qAtc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
psql -h 127.0.0.1 -U postgres -qAtc "CREATE DATABASE $DB" postgres
rm -rf /tmp/metricsdemo-index; mkdir -p /tmp/metricsdemo-index
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export DATABASE_READ_URL=$DATABASE_URL   # a "replica" that is the primary itself: shows the pool and the fallbacks
export APP_ENV=development BIND_ADDRESS=127.0.0.1:18300 METRICS_ADDRESS=127.0.0.1:18301
export SEARCH_INDEX_DIR=/tmp/metricsdemo-index RUST_LOG=warn
export RATE_LIMIT_STORE=redis REDIS_URL=redis://127.0.0.1:6379 RATE_LIMIT_REDIS_PREFIX="metricsdemo:$$:"
export TRUSTED_PROXIES=127.0.0.1 RATE_LIMIT_ANONYMOUS_PROFILE_READS_PER_MINUTE=600
"$BIN" serve > /tmp/metricsdemo.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 60); do curl -fs 127.0.0.1:18300/health/ready >/dev/null && break; sleep 0.5; done
TOKEN=$("$BIN" token johndoe123 2>/dev/null | tail -1)
API=http://127.0.0.1:18300
echo "== load: 5 s of anonymous reads from four forwarded clients (wrk -t1 -c8)"
wrk -t1 -c8 -d5s -s deploy/bench/forwarded-reads.lua $API | grep -E "Requests/sec|Non-2xx"
echo "== signed-in reads, searches, history, a rename, unknown paths"
for i in $(seq 1 30); do
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" $API/api/v1/users/me
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/api/v2/users/search?query=jo"
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/api/v1/users/profile/username/johndoe123"
  curl -s -o /dev/null "$API/nowhere/$i"
done
curl -s -o /dev/null -w "rename: %{http_code}\n" -X PATCH -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"newUsername":"johndoe_metrics"}' $API/api/v1/users/username
curl -s -o /dev/null -w "own profile after the rename: %{http_code}\n" -H "Authorization: Bearer $TOKEN" $API/api/v1/users/profile/username/johndoe_metrics
for i in $(seq 1 5); do
  curl -s -o /dev/null -w "history after the rename (held on the primary): %{http_code}\n" -H "Authorization: Bearer $TOKEN" "$API/api/v1/users/me/transactions?page=1&limit=20"
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/api/v1/users/507f1f77bcf86cd799439011/stats"
done
sleep 2.5
echo "== curl -s 127.0.0.1:18301/metrics | grep -E '^allmine_' (buckets left out)"
curl -s 127.0.0.1:18301/metrics > /tmp/metricsdemo.prom
grep -E '^allmine_' /tmp/metricsdemo.prom | grep -v '_bucket' | sort
echo "== families present:"
grep -oE '^allmine_[a-z_]+' /tmp/metricsdemo.prom | sed -E 's/_(bucket|sum|count)$//' | sort -u | tr '\n' ' '; echo
echo "== user names, ids or addresses in the scrape (expect none):"
grep -cE 'johndoe|203\.0\.113|507f1f77' /tmp/metricsdemo.prom
