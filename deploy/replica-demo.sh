#!/usr/bin/env bash
# A primary and a streaming read replica of their own on loopback, replay
# delayed on purpose, and the Users API over both (DATABASE_URL on the
# primary, DATABASE_READ_URL on the replica). Each round renames johndoe123
# through the API and reads right away, as the author and anonymously: the
# author must never see the old name, while anonymous readers catch up once
# the replica replays the rename. Prints a PASS/FAIL table, exits 1 on FAIL,
# and removes everything it started (trap).
#
# Needs the PostgreSQL 15 binaries (PG_BIN), python3 and, when run as root,
# the `postgres` OS user (initdb refuses to run as root).
#
# Settings (environment): READ_MODEL_BYTES (default 0: the read model off, so
# that profile reads really hit the replica), REPLAY_DELAY (default 2s),
# ROUNDS (default 5), PRIMARY_PORT/REPLICA_PORT/API_PORT (55432/55433/58080).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PRIMARY_PORT=${PRIMARY_PORT:-55432}
REPLICA_PORT=${REPLICA_PORT:-55433}
API_PORT=${API_PORT:-58080}
PEER_PORT=$((API_PORT + 1))
REPLAY_DELAY=${REPLAY_DELAY:-2s}
ROUNDS=${ROUNDS:-5}
READ_MODEL_BYTES=${READ_MODEL_BYTES:-0}
REPO=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
JOHN_ID=507f1f77bcf86cd799439011

WORK=$(mktemp -d /tmp/allmine-replica-demo.XXXXXX)
SERVER_PID=
PEER_PID=
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
    local status=$?
    for pid in $SERVER_PID $PEER_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    for node in replica primary; do
        if [ -f "$WORK/$node/postmaster.pid" ]; then
            as_pg "$PG_BIN/pg_ctl" -D "$WORK/$node" -m immediate stop >/dev/null 2>&1 || true
        fi
    done
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK"; fi
chmod 755 "$WORK"

say "primary on 127.0.0.1:$PRIMARY_PORT (initdb, wal_level=replica)"
as_pg "$PG_BIN/initdb" -D "$WORK/primary" -U postgres --auth=trust >/dev/null
cat >>"$WORK/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$WORK'
wal_level = replica
max_wal_senders = 4
fsync = off
EOF
as_pg "$PG_BIN/pg_ctl" -D "$WORK/primary" -l "$WORK/primary.log" -w start >/dev/null

say "streaming replica on 127.0.0.1:$REPLICA_PORT (pg_basebackup -R, recovery_min_apply_delay = '$REPLAY_DELAY')"
as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$WORK/replica" -R -X stream
cat >>"$WORK/replica/postgresql.conf" <<EOF
port = $REPLICA_PORT
recovery_min_apply_delay = '$REPLAY_DELAY'
EOF
as_pg "$PG_BIN/pg_ctl" -D "$WORK/replica" -l "$WORK/replica.log" -w start >/dev/null
psql_on() { "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3"; }
echo "replica in recovery: $(psql_on "$REPLICA_PORT" postgres 'SELECT pg_is_in_recovery()')"

say "building the server (debug)"
(cd "$REPO" && cargo build -q -p allmine-server)
BIN=$TARGET/debug/allmine

export DATABASE_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/allmine"
export DATABASE_READ_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/allmine"
export SEARCH_INDEX_DIR="$WORK/index" READ_MODEL_BYTES BIND_ADDRESS="127.0.0.1:$API_PORT"
export APP_ENV=development LOG_FORMAT=pretty RUST_LOG=${RUST_LOG:-info} HTTP_WORKERS=2
export RATE_LIMIT_USERNAME_CHANGES_PER_MINUTE=1000 RATE_LIMIT_ANONYMOUS_PROFILE_READS_PER_MINUTE=100000

say "seeding the demo data on the primary, waiting for the replica to replay it"
"$BIN" seed --demo 2>&1 | tail -1 | sed -E 's/\x1b\[[0-9;]*m//g; s/^[^ ]+ +//'
TOKEN=$("$BIN" token johndoe123 2>/dev/null)
for _ in $(seq 1 100); do
    if [ "$(psql_on "$REPLICA_PORT" allmine "SELECT count(*) FROM users WHERE username = 'johndoe123'" 2>/dev/null)" = 1 ]; then break; fi
    sleep 0.2
done

say "starting the API: DATABASE_URL=:$PRIMARY_PORT DATABASE_READ_URL=:$REPLICA_PORT READ_MODEL_BYTES=$READ_MODEL_BYTES"
"$BIN" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
    if grep -q "the read replica answers" "$WORK/server.log" && curl -fsS "http://127.0.0.1:$API_PORT/health/ready" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/server.log"; exit 1; fi
    sleep 0.2
done
plain_log() { sed -E 's/\x1b\[[0-9;]*m//g; s/^[^ ]+ +//' "$WORK/server.log"; }
plain_log | grep -E "read replica|DATABASE_READ_URL" || true

say "a second instance on :$PEER_PORT over the same primary and replica (another pod: it knows nothing of the first one's writes)"
SEARCH_INDEX_DIR="$WORK/index-peer" BIND_ADDRESS="127.0.0.1:$PEER_PORT" "$BIN" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
for _ in $(seq 1 150); do
    if grep -q "the read replica answers" "$WORK/peer.log" && curl -fsS "http://127.0.0.1:$PEER_PORT/health/ready" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$PEER_PID" 2>/dev/null; then cat "$WORK/peer.log"; exit 1; fi
    sleep 0.2
done

say "$ROUNDS rounds: rename as johndoe123, then read at once as the author and anonymously"
set +e
python3 - "$API_PORT" "$PEER_PORT" "$TOKEN" "$ROUNDS" "$JOHN_ID" "$PG_BIN/psql" "$PRIMARY_PORT" "$REPLICA_PORT" <<'PY'
import json, subprocess, sys, time, urllib.request, urllib.error

port, peer_port, token, rounds, john, psql, primary_port, replica_port = sys.argv[1:]
base = f"http://127.0.0.1:{port}"
peer = f"http://127.0.0.1:{peer_port}"
rounds = int(rounds)

def call(method, path, body=None, auth=True, at=None):
    request = urllib.request.Request((at or base) + path, method=method)
    if auth:
        request.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")

def sql(port, statement):
    return subprocess.run([psql, "-X", "-q", "-At", "-h", "127.0.0.1", "-p", port, "-U", "postgres",
                           "-d", "allmine", "-c", statement], check=True, capture_output=True, text=True).stdout.strip()

rows, failed = [], False
current = "johndoe123"
lags = []
for n in range(1, rounds + 1):
    new = f"johndoe_r{n}"
    # The 30-day cooldown would refuse the next rename: reset it on the primary.
    sql(primary_port, f"UPDATE users SET username_changed_at = NULL WHERE id = '\\x{john}'")
    # An out-of-band SQL write: with the read model on, the API learns it
    # through the change feed, so wait until /me says a change is allowed.
    deadline = time.monotonic() + 10
    while call("GET", "/api/v1/users/me")[1]["data"].get("nextUsernameChangeAllowedAt") is not None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    status, body = call("PATCH", "/api/v1/users/username", {"newUsername": new})
    renamed_at = time.monotonic()
    if status != 200:
        print(f"round {n}: rename refused: {status} {body}")
        failed = True
        break
    author_reads = author_stale = peer_reads = peer_stale = 0
    anon = {"single": [0, 0, None], "batch": [0, 0, None]}  # stale, reads, caught up after (ms)
    while time.monotonic() - renamed_at < 8:
        # The author: their own profile, themselves by the new name, and a batch with themselves.
        # On the instance that took the write, and on the other one.
        for at in (base, peer):
            for path in ("/api/v1/users/me", f"/api/v1/users/profile/username/{new}", f"/api/v1/users?ids={john}"):
                s, b = call("GET", path, at=at)
                data = b.get("data") or {}
                data = (data.get("items") or [{}])[0] if "items" in data else data
                stale = s != 200 or data.get("username") != new
                if at == base:
                    author_reads += 1
                    author_stale += stale
                else:
                    peer_reads += 1
                    peer_stale += stale
        # Anyone: single reads (by id and by the new name; through the read
        # model when it is on) and a batch (never kept by the read model).
        s1, b1 = call("GET", f"/api/v1/users/profile/{john}", auth=False)
        s2, _ = call("GET", f"/api/v1/users/profile/username/{new}", auth=False)
        s3, b3 = call("GET", f"/api/v1/users?ids={john}", auth=False)
        elapsed = (time.monotonic() - renamed_at) * 1000
        single_fresh = [s1 == 200 and b1["data"]["username"] == new, s2 == 200]
        items = b3.get("data", {}).get("items") or [{}]
        batch_fresh = [s3 == 200 and items[0].get("username") == new]
        for kind, fresh in (("single", single_fresh), ("batch", batch_fresh)):
            anon[kind][0] += fresh.count(False)
            anon[kind][1] += len(fresh)
            if all(fresh) and anon[kind][2] is None:
                anon[kind][2] = elapsed
        caught = [anon[k][2] for k in anon]
        if all(c is not None for c in caught) and elapsed > max(caught) + 500:
            break
        time.sleep(0.05)
    ok = author_stale == 0 and peer_stale == 0 and all(anon[k][2] is not None for k in anon)
    failed |= not ok
    after = lambda k: "never" if anon[k][2] is None else f"{anon[k][2]:.0f} ms"
    if anon["batch"][2] is not None:
        lags.append(anon["batch"][2])
    rows.append((n, f"{current} -> {new}", f"{author_stale}/{author_reads}", f"{peer_stale}/{peer_reads}",
                 f"{anon['single'][0]}/{anon['single'][1]}", after("single"),
                 f"{anon['batch'][0]}/{anon['batch'][1]}", after("batch"), "PASS" if ok else "FAIL"))
    current = new

header = ("round", "rename", "author stale/reads", "author on other pod stale/reads", "anon single stale/reads", "anon single fresh after",
          "anon batch stale/reads", "anon batch fresh after", "result")
widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
line = lambda r: " | ".join(str(v).ljust(w) for v, w in zip(r, widths))
print(line(header))
print("-+-".join("-" * w for w in widths))
for r in rows:
    print(line(r))
if lags:
    print(f"anonymous batch reads (always the replica) saw the rename after {min(lags):.0f}..{max(lags):.0f} ms")
print("replica now: WAL received but not yet replayed:", sql(replica_port, "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"), "bytes")
print("OVERALL:", "FAIL" if failed or not rows else "PASS")
sys.exit(1 if failed or not rows else 0)
PY
RESULT=$?
set -e
say "server log lines about the replica"
plain_log | grep -iE "replica" || true
exit $RESULT
