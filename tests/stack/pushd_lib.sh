# shellcheck shell=bash
# Helpers for the push daemon's stack tests (test_pushd_*.sh), sourced
# after lib.sh and stack_up:
#
#   ws_start NAME PATH [wsclient args]  a background wsclient through nginx;
#                                       frames in $T_DIR/NAME.out, status
#                                       lines in $T_DIR/NAME.err
#   ws_wait_open NAME / ws_wait_lines NAME N [SECS] / ws_wait_exit NAME [SECS]
#   ws_events NAME       the seqs of the event frames NAME received
#   ev_add TYPE JSON [N] commits N events as a worker does (row + notify)
#   metric NAME          one value from pushd's metrics socket
#   admin_token          the mr_admin cookie value after admin_login
#   pushd_restart        starts pushd again (after a kill), waits for it

declare -A WS_PID

ws_start() {
    local name=$1 path=$2; shift 2
    "$MEMETER_BIN/wsclient" --port "$STACK_PORT" --path "$path" "$@" \
        >"$T_DIR/$name.out" 2>"$T_DIR/$name.err" &
    WS_PID[$name]=$!
}

# _poll SECS COMMAND...: until COMMAND succeeds, at most SECS seconds.
_poll() {
    local secs=$1 i; shift
    for ((i = 0; i < secs * 50; i++)); do
        "$@" && return 0
        sleep 0.02
    done
    return 1
}

_has_open() { grep -q '^wsclient: open' "$T_DIR/$1.err" 2>/dev/null; }
_has_lines() { [ "$(wc -l < "$T_DIR/$1.out" 2>/dev/null || echo 0)" -ge "$2" ]; }
_has_exited() { ! kill -0 "${WS_PID[$1]}" 2>/dev/null; }

ws_wait_open() { _poll "${2:-10}" _has_open "$1"; }
ws_wait_lines() { _poll "${3:-10}" _has_lines "$1" "$2"; }

# ws_wait_exit NAME [SECS]: waits for the client; WS_RC is its status.
ws_wait_exit() {
    _poll "${2:-15}" _has_exited "$1" || { kill "${WS_PID[$1]}" 2>/dev/null; }
    wait "${WS_PID[$1]}" 2>/dev/null
    WS_RC=$?
}

ws_stop() { kill "${WS_PID[$1]}" 2>/dev/null; wait "${WS_PID[$1]}" 2>/dev/null; }

# Event frames carry a ts; hello and resync carry a seq but no ts.
ws_events() { jq -r 'select(.ts != null) | .seq' "$T_DIR/$1.out"; }
ws_types() { jq -r '.type' "$T_DIR/$1.out"; }

# ev_user_data TYPE: the SQL of the user view of an event row of TYPE
# (over the row's data), as the store's append renders it.
ev_user_data() {
    case $1 in
        session_created|new_rating) echo "NULL" ;;
        stats_updated) echo "json_object('session_id', json_extract(d, '\$.session_id'),
            'ratings', json_extract(d, '\$.ratings'), 'raters', json_extract(d, '\$.raters'))" ;;
        *) echo "d" ;;
    esac
}

# ev_add TYPE JSON [N]: N events in one transaction, then the hint; prints
# the last seq.
ev_add() {
    local type=$1 json=$2 n=${3:-1} seq
    seq=$(db ".timeout 5000" "BEGIN IMMEDIATE;
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n),
            r(d) AS (SELECT '$json')
        INSERT INTO events(type, session_id, data, user_data)
            SELECT '$type', 1, d, $(ev_user_data "$type") FROM k, r;
        SELECT max(seq) FROM events; COMMIT;")
    "$MEMETER_BIN/notify" "$seq"
    echo "$seq"
}

metric() {
    curl -s --max-time 5 --unix-socket "$STACK_DIR/metrics.sock" http://pushd/metrics |
        awk -v m="memeter_pushd_$1" '$1 == m { print $2 }'
}

admin_token() { awk '$6 == "mr_admin" { print $7 }' "$ADMIN_JAR"; }

_pushd_answers() {
    curl -s -o /dev/null --max-time 2 --unix-socket "$STACK_DIR/metrics.sock" http://pushd/metrics
}

# Starts pushd again after it was killed (its old sockets are stale).
pushd_restart() {
    rm -f "$STACK_DIR/pushd.sock" "$STACK_DIR/metrics.sock"
    stack_start_pushd && _poll 10 _pushd_answers
}

# The expected seq list of a group: every event in the table after $1.
db_seqs() {
    local after=$1 group=$2 filter=""
    [ "$group" = user ] && filter="AND type NOT IN ('session_created','new_rating')"
    db "SELECT seq FROM events WHERE seq > $after $filter ORDER BY seq"
}

# ws_gapless NAME SINCE GROUP: every run of events NAME received (from
# SINCE, and from each resync's seq on) follows the table for GROUP with
# no gap and no duplicate.  Users' stats_updated may be coalesced: one
# may be left out only for a later one, and the newest always arrives.
ws_gapless() {
    python3 - "$T_DIR/$1.out" "$STACK_DIR/memeter.db" "$2" "$3" <<'PY'
import json, sqlite3, sys
out, path, since, group = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
hidden = ("session_created", "new_rating") if group == "user" else ()
db = sqlite3.connect(path, timeout=5)
rows = [r for r in db.execute("SELECT seq, type FROM events WHERE seq > ? ORDER BY seq", (since,))
        if r[1] not in hidden]
def may_skip(i):
    # a user stats_updated followed by another before any other event
    if group != "user" or rows[i][1] != "stats_updated":
        return False
    for s, t in rows[i + 1:]:
        return t == "stats_updated"
    return False
pos = 0
for n, line in enumerate(open(out), 1):
    m = json.loads(line)
    if m.get("type") == "resync":
        pos = next((i for i, r in enumerate(rows) if r[0] > m["seq"]), len(rows))
    elif "ts" in m:
        while pos < len(rows) and rows[pos][0] != m["seq"] and may_skip(pos):
            pos += 1
        if pos >= len(rows) or rows[pos][0] != m["seq"]:
            want = rows[pos][0] if pos < len(rows) else None
            sys.exit(f"line {n}: seq {m['seq']}, expected {want}")
        pos += 1
while pos < len(rows) and may_skip(pos):
    pos += 1
if pos < len(rows):
    sys.exit(f"missing seq {rows[pos][0]} and after")
PY
}
