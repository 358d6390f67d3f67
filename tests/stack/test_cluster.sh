#!/usr/bin/env bash
# A small cluster on this machine, each host a network namespace on one
# bridge (which sits in a namespace of its own: nothing is added outside
# them), addresses in 10.231.0.0/24 that exist only in there:
#   writer 10.231.0.1   nginx + pool (fcgi_listen over TCP) + SQLite + relay
#   redis  10.231.0.2   redis-server, no persistence
#   edge1  10.231.0.11  nginx (/api/ to the writer) + pushd (source = redis)
#   edge2  10.231.0.12  the same
#   client 10.231.0.100 the WebSocket clients and the raters
# Checks: clients on both edges get every event in order with the seqs of
# SQLite; an edge killed mid-stream (SIGKILL pushd and nginx): its clients
# resume on the other with since, no gap, no duplicate; Redis restarted
# empty mid-stream: the relay refills it, the edges go on, no gap; the
# relay killed mid-stream: nothing lost, it catches up, no id twice;
# presence is summed over the edges; admin auth on an edge follows the
# writer's sessions (logout closes with 4001); the pool's TCP listener
# answers allowed peers only; Redis stopped: an edge answers /ws/admin
# with 503 (it cannot check the cookie), serves /ws/user up to the seq it
# holds and 503 beyond, says so in its metrics, and recovers by itself
# when Redis is back; the edges' metrics carry the relay's and their own
# lag.
#
# Skips (and says why) without root, ip netns or redis-server.  Tears
# everything down in a trap, on failure too, and checks nothing is left.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/mk/stack.sh"

T_PASSED=0
T_FAILED=0
T_NAME=test_cluster

skip() {
    echo "$T_NAME: skipped: $1"
    [ -n "${T_COUNTS:-}" ] && echo "0 0" >> "$T_COUNTS"
    exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns"
command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
command -v redis-server >/dev/null 2>&1 || skip "no redis-server"
command -v redis-cli >/dev/null 2>&1 || skip "no redis-cli"

P="mmc$$"
NS_SW=${P}sw NS_W=${P}w NS_R=${P}r NS_E1=${P}e1 NS_E2=${P}e2 NS_C=${P}c
ALL_NS=("$NS_W" "$NS_R" "$NS_E1" "$NS_E2" "$NS_C" "$NS_SW")
IP_W=10.231.0.1 IP_R=10.231.0.2 IP_E1=10.231.0.11 IP_E2=10.231.0.12 IP_C=10.231.0.100
ORIGIN=http://memeter.test
STREAM=memeter:events
export MEMETER_SITE_ORIGIN=$ORIGIN

if ! ip netns add "$NS_SW" 2>/dev/null; then
    skip "ip netns add failed (no CAP_SYS_ADMIN here?)"
fi

T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memeter-$T_NAME.XXXXXX")
declare -A PID WS_PID

check() {
    local what=$1; shift
    if "$@"; then
        T_PASSED=$((T_PASSED + 1))
        [ -n "${T_VERBOSE:-}" ] && echo "ok   $what"
    else
        T_FAILED=$((T_FAILED + 1))
        echo "FAIL $what" >&2
    fi
    return 0
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

# --- processes ------------------------------------------------------------------

# run NAME NS DIR CMD...: a daemon in a namespace, logs in DIR/logs/NAME.log
run() {
    local name=$1 ns=$2 dir=$3; shift 3
    ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:log_path=$dir/logs/asan" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$dir/logs/ubsan" \
    MEMETER_CONFIG="$dir/memeter.conf" \
        ip netns exec "$ns" "$@" >>"$dir/logs/$name.log" 2>&1 &
    PID[$name]=$!
}

# Stops NAME (and an nginx master's workers) with SIG, waits for it.
halt() {
    local name=$1 sig=${2:-TERM} pid=${PID[$1]:-} i
    [ -n "$pid" ] || return 0
    if [ "$sig" = KILL ]; then
        # Stopped first: an nginx master would replace its killed workers.
        kill -STOP "$pid" 2>/dev/null
        pkill -KILL -P "$pid" 2>/dev/null
        kill -KILL "$pid" 2>/dev/null
    else
        kill -TERM "$pid" 2>/dev/null
    fi
    for ((i = 0; i < 500; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
    kill -0 "$pid" 2>/dev/null && { pkill -KILL -P "$pid"; kill -KILL "$pid"; }
    { wait "$pid"; } 2>/dev/null
    PID[$1]=""
}

teardown() {
    local name ns left
    for name in "${!WS_PID[@]}"; do
        kill "${WS_PID[$name]}" 2>/dev/null
        wait "${WS_PID[$name]}" 2>/dev/null
    done
    [ -n "${LOAD_PID:-}" ] && { kill "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null; }
    for name in nginx_e1 nginx_e2 pushd_e1 pushd_e2 nginx_w relay pool pool_sd redis; do
        halt "$name"
    done
    if ls "$T_DIR"/*/logs/asan.* "$T_DIR"/*/logs/ubsan.* >/dev/null 2>&1; then
        echo "FAIL sanitizer reports:" >&2
        cat "$T_DIR"/*/logs/asan.* "$T_DIR"/*/logs/ubsan.* 2>/dev/null | head -60 >&2
        T_FAILED=$((T_FAILED + 1))
    fi
    for ns in "${ALL_NS[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    left=$(ip netns list | grep -c "^$P" || true)
    if [ "$left" -eq 0 ]; then T_PASSED=$((T_PASSED + 1)); else
        echo "FAIL $left namespaces left behind" >&2; T_FAILED=$((T_FAILED + 1)); fi
    if [ "$T_FAILED" -gt 0 ]; then
        echo "--- $T_NAME: last log lines:" >&2
        tail -n 12 "$T_DIR"/*.err "$T_DIR"/*/logs/*.log 2>/dev/null | grep -v 'POST /api/ratings' >&2
    fi
    [ -n "${KEEP_STACK_DIR:-}" ] && echo "kept $T_DIR" >&2 || rm -rf "$T_DIR"
    echo "$T_NAME: $T_PASSED passed, $T_FAILED failed"
    [ -n "${T_COUNTS:-}" ] && echo "$T_PASSED $T_FAILED" >> "$T_COUNTS"
    [ "$T_FAILED" -eq 0 ] && exit 0
    exit 1
}
trap teardown EXIT
trap 'exit 130' INT TERM

# --- the network --------------------------------------------------------------

net_host() {
    local ns=$1 addr=$2 port=$3
    ip netns add "$ns"
    ip -n "$NS_SW" link add "$port" type veth peer name eth0 netns "$ns"
    ip -n "$NS_SW" link set "$port" master br0 up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
}

net_up() {
    ip -n "$NS_SW" link add br0 type bridge &&
    ip -n "$NS_SW" link set br0 up &&
    net_host "$NS_W" "$IP_W" p-w &&
    net_host "$NS_R" "$IP_R" p-r &&
    net_host "$NS_E1" "$IP_E1" p-e1 &&
    net_host "$NS_E2" "$IP_E2" p-e2 &&
    net_host "$NS_C" "$IP_C" p-c
}
if ! net_up; then
    echo "FAIL the namespaces' network could not be built" >&2
    T_FAILED=$((T_FAILED + 1))
    exit 1
fi

# --- the hosts -----------------------------------------------------------------

export STACK_RATER_RATE=2000r/s STACK_RATER_BURST=2000
# Config for a host in DIR listening on ADDR:80 (mk/stack.sh's, adapted).
host_init() {
    local dir=$1 addr=$2
    stack_init "$dir" 80
    sed -i "s|listen 127.0.0.1:80\([ ;]\)|listen $addr:80\1|" "$dir/nginx.conf"
    grep -q "listen $addr:80[ ;]" "$dir/nginx.conf" ||
        { echo "$T_NAME: mk/stack.sh's listen line changed; adapt host_init" >&2; exit 1; }
    cat >> "$dir/memeter.conf" <<EOC
redis_url = redis://$IP_R:6379
redis_stream = $STREAM
EOC
}

# Every nginx passes /api/ to the writer's pool over TCP (the writer's
# own too); the http{} level is the same template everywhere.
export STACK_FCGI_UPSTREAM=$IP_W:9000
W=$T_DIR/writer
host_init "$W" "$IP_W"
cat >> "$W/memeter.conf" <<EOC
fcgi_listen = $IP_W:9000
fcgi_allow = $IP_W,$IP_E1,$IP_E2
EOC

edge_init() {
    local dir=$1 addr=$2
    host_init "$dir" "$addr"
    echo "source = redis" >> "$dir/memeter.conf"
    grep -q "server $IP_W:9000;" "$dir/memeter-http.conf" ||
        { echo "$T_NAME: $dir/memeter-http.conf does not pass to the writer" >&2; exit 1; }
}
E1=$T_DIR/edge1 E2=$T_DIR/edge2
edge_init "$E1" "$IP_E1"
edge_init "$E2" "$IP_E2"
R=$T_DIR/redis
mkdir -p "$R/logs"
touch "$R/memeter.conf"

redis_start() {
    run redis "$NS_R" "$R" redis-server --bind "$IP_R" --port 6379 --save '' \
        --appendonly no --protected-mode no --dir "$R"
}
rcli() { ip netns exec "$NS_C" redis-cli -h "$IP_R" "$@"; }
_redis_up() { [ "$(rcli PING 2>/dev/null)" = PONG ]; }
_answers() { ip netns exec "$NS_C" curl -fsS -o /dev/null --max-time 2 "http://$1/api/health"; }
_sock() { [ -S "$1" ]; }

pushd_start() {   # NAME DIR NS
    rm -f "$2/pushd.sock" "$2/metrics.sock"
    run "pushd_$1" "$3" "$2" "$MEMETER_BIN/memeter-pushd"
    _poll 20 _sock "$2/pushd.sock"
}
nginx_start() {   # NAME DIR NS
    run "nginx_$1" "$3" "$2" nginx -e "$2/logs/nginx-error.log" -p "$2" -c "$2/nginx.conf"
}

redis_start
check "redis is up" _poll 10 _redis_up
run pool "$NS_W" "$W" "$MEMETER_BIN/memeter-fcgi"
nginx_start w "$W" "$NS_W"
check "the writer answers through its TCP pool" _poll 20 _answers "$IP_W"
run relay "$NS_W" "$W" "$MEMETER_BIN/memeter-relay"
check "edge1's pushd starts on the stream" pushd_start e1 "$E1" "$NS_E1"
check "edge2's pushd starts on the stream" pushd_start e2 "$E2" "$NS_E2"
nginx_start e1 "$E1" "$NS_E1"
nginx_start e2 "$E2" "$NS_E2"
check "edge1 passes /api/ to the writer" _poll 20 _answers "$IP_E1"
check "edge2 passes /api/ to the writer" _poll 20 _answers "$IP_E2"

# --- the pool's allow-list ----------------------------------------------------
# fcgi_probe NS [PORT]: one FastCGI request for /api/health from NS to the
# writer's pool; prints how many bytes came back.
fcgi_probe() {
    ip netns exec "$1" python3 - "$IP_W" "${2:-9000}" <<'PY'
import socket, struct, sys
def rec(t, body): return struct.pack(">BBHHBx", 1, t, 1, len(body), 0) + body
def nv(k, v): return bytes([len(k), len(v)]) + k + v
p = nv(b"REQUEST_METHOD", b"GET") + nv(b"REQUEST_URI", b"/api/health") + nv(b"SCRIPT_NAME", b"/api/health")
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(rec(1, struct.pack(">HB5x", 1, 0)) + rec(4, p) + rec(4, b"") + rec(5, b""))
n = 0
try:
    while True:
        b = s.recv(4096)
        if not b: break
        n += len(b)
except (socket.timeout, ConnectionResetError):
    pass
print(n)
PY
}
check "the pool answers an allowed peer (edge1)" test "$(fcgi_probe "$NS_E1")" -gt 0
check "the pool closes on a peer not allowed (the client host)" test "$(fcgi_probe "$NS_C")" -eq 0

# The writer under systemd (docs/OPERATIONS.md, "Edges"): memeter-fcgi.socket
# holds a TCP socket (fd 3, LISTEN_FDS=1, LISTEN_PID) and the service sets
# libfcgi's FCGI_WEB_SERVER_ADDRS; fcgi_listen is not used then.
run pool_sd "$NS_W" "$W" env MEMETER_CONTROL_SOCKET="$W/control-sd.sock" \
    FCGI_WEB_SERVER_ADDRS="$IP_W,$IP_E1" python3 -c '
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 9001))
s.listen(64)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execv(sys.argv[2], sys.argv[2:])' "$IP_W" "$MEMETER_BIN/memeter-fcgi"
_sd_answers() { [ "$(fcgi_probe "$NS_E1" 9001)" -gt 0 ]; }
check "a socket-activated pool on TCP answers an edge in FCGI_WEB_SERVER_ADDRS" _poll 10 _sd_answers
check "and closes on a peer not in it (the client host)" test "$(fcgi_probe "$NS_C" 9001)" -eq 0
check "and it served on systemd's socket, not on fcgi_listen" grep -q "socket fd 3 from systemd" "$W/logs/pool_sd.log"
halt pool_sd

# --- a party, through the writer and the edges -------------------------------
CURL=(ip netns exec "$NS_C" curl -sS --max-time 10 -H "Origin: $ORIGIN")
python3 "$ROOT/tests/bench/mklibrary.py" "$W/library" 3
"${CURL[@]}" -c "$T_DIR/admin.jar" -H 'Content-Type: application/json' \
    --data-binary "{\"password\":\"$MEMETER_ADMIN_PASSWORD\"}" \
    "http://$IP_E1/api/admin/login" > "$T_DIR/login.json"
CSRF=$(jq -r .csrf "$T_DIR/login.json")
TOKEN=$(awk '$6 == "mr_admin" { print $7 }' "$T_DIR/admin.jar")
check "admin login through edge1" test -n "$TOKEN" -a "$CSRF" != null
TOKEN_HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
_published() { [ "$(rcli HEXISTS "$STREAM:admin" "$TOKEN_HASH" 2>/dev/null)" = 1 ]; }
check "the relay publishes the new admin session for the edges" _poll 20 _published
admin() {   # METHOD HOST PATH [JSON]
    local body=${4:-}
    [ -n "$body" ] || body='{}'
    "${CURL[@]}" -X "$1" -H "Cookie: mr_admin=$TOKEN" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: application/json' --data-binary "$body" "http://$2$3"
}
SID=$(admin POST "$IP_W" /api/admin/sessions '{"name":"Cluster party"}' | jq -r .id)
admin POST "$IP_W" "/api/admin/sessions/$SID/populate" >/dev/null
admin POST "$IP_E2" "/api/admin/sessions/$SID/start" >/dev/null
"${CURL[@]}" -c "$T_DIR/r.jar" -b "$T_DIR/r.jar" "http://$IP_E1/api/state" > "$T_DIR/state.json"
mapfile -t MEMES < <(jq -r '.memes[].id' "$T_DIR/state.json")
check "the session runs with 3 memes" test "${#MEMES[@]}" -eq 3
# Raters keep their cookie whichever host they talk to (one site).
RATERS=()
for j in 0 1 2 3; do
    "${CURL[@]}" -o /dev/null -c "$T_DIR/r$j.jar" "http://$IP_E2/api/state"
    RATERS+=("$(awk '$6 == "mr_rater" { print $7 }' "$T_DIR/r$j.jar")")
done
check "four raters" test "$(printf '%s\n' "${RATERS[@]}" | grep -c .)" -eq 4

db() { sqlite3 -batch -noheader "$W/memeter.db" ".timeout 5000" "$@"; }
head_seq() { db "SELECT coalesce(max(seq),0) FROM events"; }
stream_last() { rcli --raw XREVRANGE "$STREAM" + - COUNT 1 2>/dev/null | head -1 | sed 's/-0$//'; }

# load HOST N: N ratings from a few raters through HOST, in the background.
load() {
    local host=$1 n=$2
    (
        for ((i = 0; i < n; i++)); do
            ip netns exec "$NS_C" curl -sS -o /dev/null --max-time 5 \
                -H "Cookie: mr_rater=${RATERS[$((i % 4))]}" \
                -H "Origin: $ORIGIN" -H 'Content-Type: application/json' \
                --data-binary "{\"meme_id\":${MEMES[$((i % 3))]},\"score\":$((i % 11))}" \
                "http://$host/api/ratings"
        done
    ) &
    LOAD_PID=$!
}
load_wait() { wait "$LOAD_PID"; LOAD_PID=""; }
_head_past() { [ "$(head_seq)" -ge "$1" ]; }

# ws NAME HOST PATH: a client on the client host, frames in $T_DIR/NAME.out
ws() {
    local name=$1 host=$2 path=$3; shift 3
    ip netns exec "$NS_C" "$MEMETER_BIN/wsclient" --host "$host" --port 80 --path "$path" \
        --origin "$ORIGIN" --timeout 300 "$@" >"$T_DIR/$name.out" 2>"$T_DIR/$name.err" &
    WS_PID[$name]=$!
}
ws_admin() { ws "$1" "$2" "/ws/admin?since=$3" --cookie "mr_admin=$TOKEN"; }
ws_user() { ws "$1" "$2" "/ws/user?since=$3"; }
ws_stop() { kill "${WS_PID[$1]}" 2>/dev/null; wait "${WS_PID[$1]}" 2>/dev/null; unset "WS_PID[$1]"; }
_open() { grep -q '^wsclient: open' "$T_DIR/$1.err" 2>/dev/null; }
_gone() { ! kill -0 "${WS_PID[$1]}" 2>/dev/null; }
last_seq() { jq -r 'select(.ts != null) | .seq' "$T_DIR/$1.out" | tail -1; }
_has_seq() { [ "$(last_seq "$1")" = "$2" ]; }
# Every given client (NAME...) has the writer's head now.
_all_at_head() {
    local h n; h=$(head_seq)
    for n in "$@"; do _has_seq "$n" "$h" || return 1; done
}

# gapless SINCE GROUP FILE...: the event frames of the files, in order, are
# exactly the writer's events after SINCE that GROUP sees (users' coalesced
# stats_updated: one may be left out only for a later one).
gapless() {
    local since=$1 group=$2; shift 2
    python3 - "$W/memeter.db" "$since" "$group" "$@" <<'PY'
import json, sqlite3, sys
path, since, group, files = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
hidden = ("session_created", "new_rating") if group == "user" else ()
rows = [r for r in sqlite3.connect(path, timeout=5).execute(
    "SELECT seq, type FROM events WHERE seq > ? ORDER BY seq", (since,)) if r[1] not in hidden]
def may_skip(i):
    if group != "user" or rows[i][1] != "stats_updated":
        return False
    return i + 1 < len(rows) and rows[i + 1][1] == "stats_updated"
pos = 0
for f in files:
    for n, line in enumerate(open(f), 1):
        m = json.loads(line)
        if m.get("type") == "resync":
            sys.exit(f"{f}:{n}: unexpected resync")
        if "ts" not in m:
            continue
        while pos < len(rows) and rows[pos][0] != m["seq"] and may_skip(pos):
            pos += 1
        if pos >= len(rows) or rows[pos][0] != m["seq"]:
            sys.exit(f"{f}:{n}: seq {m['seq']}, expected {rows[pos][0] if pos < len(rows) else None}")
        pos += 1
while pos < len(rows) and may_skip(pos):
    pos += 1
if pos < len(rows):
    sys.exit(f"missing seq {rows[pos][0]} and after")
PY
}

_gapless_quiet() { gapless "$@" 2>/dev/null; }
# check_gapless WHAT SINCE GROUP FILE...: waits a little for the last
# coalesced stats_updated, says why when it fails.
check_gapless() {
    local what=$1; shift
    if _poll 10 _gapless_quiet "$@"; then check "$what" true; else
        gapless "$@"; check "$what" false; fi
}

# --- 1: both edges get everything; presence is summed -------------------------
S0=$(head_seq)
ws_admin a1 "$IP_E1" "$S0"; ws_admin a2 "$IP_E2" "$S0"
ws_user u1 "$IP_E1" "$S0"; ws_user u2 "$IP_E2" "$S0"
_all_open() { local n; for n in "$@"; do _open "$n" || return 1; done; }
check "clients open on both edges" _poll 20 _all_open a1 a2 u1 u2
_presence_both() { grep -q '"raters":2,"admins":2' "$T_DIR/$1.out"; }
check "presence on edge1 counts both edges' clients" _poll 8 _presence_both u1
check "presence on edge2 too" _poll 8 _presence_both a2

# --- 2: an edge dies mid-stream -----------------------------------------------
load "$IP_E2" 150
_poll 30 _head_past $((S0 + 60))
halt pushd_e1 KILL
halt nginx_e1 KILL
check "edge1's clients lose their connection" _poll 10 _gone a1
_poll 10 _gone u1
A1=$(last_seq a1); U1=$(last_seq u1)
check "edge1's admin had events before it died" test -n "$A1"
ws_admin a1b "$IP_E2" "${A1:-$S0}"
ws_user u1b "$IP_E2" "${U1:-$S0}"
load_wait
check "all clients reach the writer's head" _poll 30 _all_at_head a1b a2
check_gapless "the moved admin saw each event once, in order" "$S0" admin "$T_DIR/a1.out" "$T_DIR/a1b.out"
check_gapless "the other admin too" "$S0" admin "$T_DIR/a2.out"
check_gapless "the moved user too (stats coalesced at most)" "$S0" user "$T_DIR/u1.out" "$T_DIR/u1b.out"
check_gapless "the other user too" "$S0" user "$T_DIR/u2.out"
for n in a1 u1 a1b u1b a2 u2; do ws_stop "$n"; done

check "edge1 comes back" pushd_start e1 "$E1" "$NS_E1"
nginx_start e1 "$E1" "$NS_E1"
_poll 20 _answers "$IP_E1"

# --- 3: Redis restarts empty mid-stream ---------------------------------------
S1=$(head_seq)
ws_admin a3 "$IP_E1" "$S1"; ws_admin a4 "$IP_E2" "$S1"
check "clients open for the Redis restart" _poll 20 _all_open a3 a4
load "$IP_E1" 150
_poll 30 _head_past $((S1 + 60))
halt redis KILL
_poll 30 _head_past $((S1 + 120))
redis_start
_poll 10 _redis_up
load_wait
_stream_at_head() { [ "$(stream_last)" = "$(head_seq)" ]; }
check "the relay refilled the empty stream" _poll 30 _stream_at_head
check "the edges resumed: both admins at the head" _poll 30 _all_at_head a3 a4
check_gapless "edge1's admin: no gap, no duplicate across the restart" "$S1" admin "$T_DIR/a3.out"
check_gapless "edge2's admin too" "$S1" admin "$T_DIR/a4.out"
check "the clients stayed connected" kill -0 "${WS_PID[a3]}"

# --- 4: the relay dies mid-stream --------------------------------------------
S2=$(head_seq)
ws_admin a5 "$IP_E2" "$S2"
check "a client opens for the relay's death" _poll 20 _all_open a5
load "$IP_W" 120
_poll 30 _head_past $((S2 + 40))
halt relay KILL
_poll 30 _head_past $((S2 + 100))
load_wait
check "while the relay is down the stream falls behind" test "$(stream_last)" -lt "$(head_seq)"
run relay "$NS_W" "$W" "$MEMETER_BIN/memeter-relay"
check "on restart it catches up" _poll 30 _stream_at_head
check "the edges deliver the rest" _poll 30 _all_at_head a5 a3 a4
check_gapless "no gap, no duplicate across the relay's death" "$S2" admin "$T_DIR/a5.out"
check_gapless "edge1's admin still exact from phase 3 on" "$S1" admin "$T_DIR/a3.out"
ids_are_seqs() {
    [ "$(rcli --raw XRANGE "$STREAM" - + | grep -E '^[0-9]+-0$' | sed 's/-0$//' | tr '\n' ' ')" = \
      "$(db "SELECT seq FROM events ORDER BY seq" | tr '\n' ' ')" ]
}
check "the stream holds each outbox seq exactly once, as <seq>-0" ids_are_seqs
# metric EDGE_NS EDGE_DIR NAME: one value of an edge's pushd metrics.
metric() {
    ip netns exec "$1" curl -s --max-time 2 --unix-socket "$2/metrics.sock" http://pushd/metrics |
        awk -v n="$3" '$1 == n { print $2 }'
}
_lag_zero() {
    local h; h=$(head_seq)
    [ "$(metric "$NS_E2" "$E2" memeter_pushd_stream_last_seq)" = "$h" ] &&
    [ "$(metric "$NS_E2" "$E2" memeter_pushd_head_seq)" = "$h" ] &&
    [ "$(metric "$NS_E2" "$E2" memeter_pushd_writer_head_seq)" = "$h" ]
}
check "edge2's metrics: writer_head_seq = stream_last_seq = head_seq = the outbox head" _poll 5 _lag_zero
_report_fresh() {
    [ $(( $(date +%s) - $(metric "$NS_E2" "$E2" memeter_pushd_relay_report_time_seconds) )) -le 3 ]
}
check "edge2's metrics: the relay reported within 3 s" _poll 5 _report_fresh

# --- 5: admin logout on the writer closes the edges' admin sockets ----------
admin POST "$IP_W" /api/admin/logout >/dev/null
_closed_4001() { grep -q '^wsclient: closed code=4001' "$T_DIR/$1.err"; }
check "logout closes edge1's admin socket with 4001" _poll 6 _closed_4001 a3
check "and edge2's" _poll 6 _closed_4001 a5
ws_admin a6 "$IP_E1" 0
_refused() { grep -q '^wsclient: refused status=' "$T_DIR/$1.err"; }
check "a logged-out token is refused on an edge" _poll 6 _refused a6

# --- 6: Redis out of reach: admins get 503, users what the edge holds ---------
"${CURL[@]}" -c "$T_DIR/admin2.jar" -H 'Content-Type: application/json' \
    --data-binary "{\"password\":\"$MEMETER_ADMIN_PASSWORD\"}" \
    "http://$IP_W/api/admin/login" > "$T_DIR/login2.json"
TOKEN=$(awk '$6 == "mr_admin" { print $7 }' "$T_DIR/admin2.jar")
TOKEN_HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
check "a new admin session is published for the edges" _poll 20 _published
# answer HOST PATH [COOKIE]: 101 if the upgrade succeeded (a hello came),
# else the status the edge refused it with.
answer() {
    local out
    out=$(ip netns exec "$NS_C" "$MEMETER_BIN/wsclient" --host "$1" --port 80 --path "$2" \
        --origin "$ORIGIN" --count 1 --timeout 4 ${3:+--cookie "$3"} 2>&1 >/dev/null)
    if grep -q '^wsclient: open' <<<"$out"; then echo 101; else
        sed -n 's/^wsclient: refused status=\([0-9]*\).*/\1/p' <<<"$out"; fi
}
_edge_up() { [ "$(metric "$NS_E1" "$E1" memeter_pushd_source_up)" = 1 ]; }
_answer_is() { [ "$(answer "$2" "$3" "${4:-}")" = "$1" ]; }
S3=$(head_seq)
check "before: edge1 follows its stream (source_up 1)" _edge_up
check "before: edge1 upgrades the admin" _answer_is 101 "$IP_E1" "/ws/admin?since=$S3" "mr_admin=$TOKEN"
halt redis
_edge_cut_off() {
    [ "$(metric "$NS_E1" "$E1" 'memeter_pushd_refused_total{reason="unavailable"}')" -ge 1 ] &&
    [ "$(metric "$NS_E1" "$E1" memeter_pushd_source_up)" = 0 ]
}
out=$(answer "$IP_E1" "/ws/admin?since=$S3" "mr_admin=$TOKEN")
check "Redis down: /ws/admin on edge1 answers 503, not 401 ($out)" test "$out" = 503
check "and edge1's metrics say so: refused unavailable, source_up 0" _poll 3 _edge_cut_off
ws_user u7 "$IP_E1" "$S3"
check "Redis down: /ws/user up to what the edge holds still upgrades" _poll 10 _open u7
load "$IP_W" 5
load_wait
S4=$(head_seq)
check "the writer goes on without Redis" test "$S4" -gt "$S3"
out=$(answer "$IP_E2" "/ws/user?since=$S4" "")
check "Redis down: /ws/user since a seq the edge lacks answers 503 ($out)" test "$out" = 503
redis_start
check "redis is back" _poll 10 _redis_up
check "edge1's source_up is 1 again by itself" _poll 10 _edge_up
check "edge1 upgrades the admin again by itself" _poll 20 _answer_is 101 "$IP_E1" "/ws/admin?since=$S4" "mr_admin=$TOKEN"
check "edge2 serves the since it lacked" _poll 20 _answer_is 101 "$IP_E2" "/ws/user?since=$S4"
check_gapless "the user kept through the outage got its events, no gap" "$S3" user "$T_DIR/u7.out"
ws_stop u7
