#!/usr/bin/env bash
# The operations side of issue 11, against the real stack: one address
# holding its maximum of WebSockets (and many addresses holding them all)
# is refused beyond the limits while the pages and the API answer; nginx's
# own errors are the API's JSON; the pages carry their security headers;
# the sockets are closed to other local users; a client that never reads
# is closed with 4008 through nginx; and `make run` (mk/run.sh) restarts a
# killed pushd, pool or nginx while the rest keeps serving, and stops with
# nothing left behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
export MEMETER_PING_SECONDS=5	# pushd's stall time for a stuck client
stack_up

HOLD="$STACK_ROOT/tests/stack/ws_hold.py"
declare -a HOLDERS=()
RUN_SH_PID=

ops_down() {
    local rc=$? pid
    for pid in "${HOLDERS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ -n "$RUN_SH_PID" ] && kill -0 "$RUN_SH_PID" 2>/dev/null; then
        MEMETER_RUN_DIR="$T_DIR/run" bash "$STACK_ROOT/mk/run.sh" stop >/dev/null 2>&1
    fi
    (exit "$rc")
    stack_down
}
trap ops_down EXIT

# hold NAME SRC COUNT: a background holder; its summary in $T_DIR/NAME.hold.
hold() {
    python3 "$HOLD" --port "$STACK_PORT" --src "$2" --count "$3" --seconds 120 \
        > "$T_DIR/$1.hold" 2>&1 &
    HOLDERS+=($!)
}
_summary() { [ -s "$T_DIR/$1.hold" ]; }
# held NAME / refused NAME / statuses NAME: from the holder's summary.
held() { sed -n 's/.*held=\([0-9]*\).*/\1/p' "$T_DIR/$1.hold"; }
refused() { sed -n 's/.*refused=\([0-9]*\).*/\1/p' "$T_DIR/$1.hold"; }
statuses() { sed -n 's/.*statuses=//p' "$T_DIR/$1.hold"; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }

# --- security headers on the pages ------------------------------------------------------
for page in / /admin /results /results/1; do
    HDRS=$(curl -s -D - -o /dev/null "$BASE$page" | tr -d '\r')
    check "$page: a Content-Security-Policy allowing only its own scripts" \
        grep -qiE "^content-security-policy: .*script-src 'self'(;|$)" <<<"$HDRS"
    check "$page: CSP refuses framing and plugins" \
        bash -c 'grep -qi "^content-security-policy: .*frame-ancestors .none." <<<"$0" &&
                 grep -qi "^content-security-policy: .*object-src .none." <<<"$0"' "$HDRS"
    check "$page: X-Frame-Options DENY" grep -qix 'x-frame-options: deny' <<<"$HDRS"
    check "$page: X-Content-Type-Options nosniff" grep -qix 'x-content-type-options: nosniff' <<<"$HDRS"
    check "$page: Referrer-Policy" grep -qi '^referrer-policy: ' <<<"$HDRS"
done
HDRS=$(curl -s -D - -o /dev/null "$BASE/admin.html" | tr -d '\r')
check "a page by its file name has the same headers" grep -qix 'x-frame-options: deny' <<<"$HDRS"
# The policy must fit the pages: no inline script or style element, and
# every script and stylesheet from this server.
inline=$(grep -lE '<script>|<script [^>]*>[^<]|<style|javascript:' "$STACK_ROOT"/htdocs/*.html)
check "no page has an inline script or style element (${inline:-none})" test -z "$inline"
foreign=$(grep -hoE '(src|href)="(https?:)?//[^"]*' "$STACK_ROOT"/htdocs/*.html | sort -u)
check "no page loads anything from another host (${foreign:-none})" test -z "$foreign"

# --- nginx's own errors are JSON --------------------------------------------------------
# nginx_error WHAT STATUS CODE CURL-ARGS...: nginx answers STATUS with the JSON error CODE.
nginx_error() {
    local what=$1 want=$2 code=$3 out; shift 3
    out=$(curl -s -D "$T_DIR/err.hdrs" -w '\n%{http_code}' "$@")
    STATUS=${out##*$'\n'}
    BODY=${out%$'\n'*}
    check "$what: $want as JSON ($STATUS)" error_is "$want" "$code"
    check "$what: Content-Type application/json" grep -qi '^content-type: application/json' "$T_DIR/err.hdrs"
}
long=$(head -c 20000 /dev/zero | tr '\0' a)
nginx_error "a 20 kB URI under /api/" 414 uri_too_long "$BASE/api/$long"
head -c 100000 /dev/zero > "$T_DIR/big.json"
nginx_error "a 100 kB body to /api/ratings" 413 body_too_large -X POST \
    -H 'Content-Type: application/json' --data-binary @"$T_DIR/big.json" "$BASE/api/ratings"
nginx_error "TRACE /api/health (nginx refuses the method)" 405 method_not_allowed -X TRACE "$BASE/api/health"
nginx_error "POST to a page" 405 method_not_allowed -X POST "$BASE/"
nginx_error "a 20 kB header" 431 headers_too_large -H "X-Big: $long" "$BASE/api/health"
nginx_error "an unknown Transfer-Encoding" 501 not_implemented -X POST -H 'Transfer-Encoding: gzip' \
    "$BASE/api/ratings"
# A request line nginx cannot parse: 400, still JSON.
raw=$(python3 - "$STACK_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace"))
PY
)
check "a malformed request line: 400" grep -q '^HTTP/1.1 400' <<<"$raw"
check "a malformed request line: a JSON error" grep -q '^{"error":{"code":"bad_request","message":"' <<<"$raw"
code=$(http_code "$BASE/.memeter-error/400")
check "the error locations are internal only ($code)" test "$code" = 404

# --- sockets: not for other local users -------------------------------------------------
mode=$(stat -c %a "$STACK_DIR")
check "the stack's folder (its sockets, its database) is mode 700 ($mode)" test "$mode" = 700
socks=("$STACK_DIR"/*.sock)
check "the stack has its five sockets (${#socks[@]})" test "${#socks[@]}" -ge 5
if [ "$(id -u)" -eq 0 ] && [ -x /usr/bin/python3 ]; then
    # As nobody: every socket refuses (EACCES), whatever its own mode.
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - "${socks[@]}" <<'PY'
import socket, sys
for path in sys.argv[1:]:
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_UNIX, kind)
            try:
                s.connect(path)
                print("open", path)
                break
            except PermissionError:
                print("denied", path)
                break
            except OSError:
                continue
            finally:
                s.close()
    except OSError as e:
        print("error", path, e)
PY
)
    check "another local user is refused by every socket ($(grep -c '^denied' <<<"$out") of ${#socks[@]})" \
        test "$(grep -c '^denied' <<<"$out")" = "${#socks[@]}"
fi
check "installed: the FastCGI socket is 0660 in a 0750 folder" \
    bash -c 'grep -qx "SocketMode=0660" "$0" && grep -qx "DirectoryMode=0750" "$0"' \
    "$STACK_ROOT/conf/systemd/memeter-fcgi.socket"
for unit in memeter-fcgi.service memeter-pushd.service; do
    check "installed: $unit keeps /run/memeter at 0750 and creates files 0600 (UMask)" \
        bash -c 'grep -qx "RuntimeDirectoryMode=0750" "$0" && grep -qx "UMask=0077" "$0"' \
        "$STACK_ROOT/conf/systemd/$unit"
done

# --- a client that never reads is closed with 4008, through nginx -----------------------
hold stuck 127.0.0.9 1
_poll 10 _summary stuck
check "the stuck client is upgraded" test "$(held stuck)" = 1
C0=$(metric slow_closes_total)
pad=$(head -c 20000 /dev/zero | tr '\0' x)
# 1 MB in all: without a bounded send buffer nginx takes it all in (its
# socket to the client grows to 4 MiB) and pushd never sees it stall.
ev_add memes_populated "{\"session_id\":1,\"added\":0,\"memes\":[],\"pad\":\"$pad\"}" 50 >/dev/null
_slow_closed() { [ "$(metric slow_closes_total)" -gt "$C0" ]; }
t0=$SECONDS
check "pushd closes it as too slow (4008) after 1 MB, through nginx" _poll 20 _slow_closed
echo "slow client closed after $((SECONDS - t0)) s (stall time ${MEMETER_PING_SECONDS} s)"
check "and logged why" grep -q 'stopped reading (4008)' "$STACK_DIR/logs/pushd.log"
# nginx still holds it, unable to write the close: checked after make run.

# --- make run: supervision ------------------------------------------------------------
RUN="$T_DIR/run"
RUN_PORT=$(stack_free_port)
RUN_BASE="http://127.0.0.1:$RUN_PORT"
RUN_PW=run-$RANDOM$RANDOM
# A background job of a script starts with SIGINT ignored, and bash cannot
# trap a signal ignored at entry: restore it, as a terminal's run.sh has it.
# The log starts empty, so that the banner waited for is this run's.
run_up() {
    : > "$T_DIR/run.out"
    MEMETER_RUN_DIR=$RUN MEMETER_PORT=$RUN_PORT MEMETER_ADMIN_PASSWORD=$RUN_PW python3 -c \
        'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp("bash", sys.argv[1:])' \
        bash "$STACK_ROOT/mk/run.sh" > "$T_DIR/run.out" 2>&1 &
    RUN_SH_PID=$!
}
_running() { grep -q 'memeter is running' "$T_DIR/run.out"; }
run_pid() { awk -v r="$1" '$2 == r { print $1 }' "$RUN/stack.pids"; }
_restarted() { local p; p=$(run_pid "$1"); [ -n "$p" ] && [ "$p" != "$2" ] && kill -0 "$p" 2>/dev/null; }
_answers() { [ "$(http_code "$RUN_BASE$1")" = 200 ]; }
# Every process group a stack program ever had: nothing may be left in one.
SEEN=()
seen_add() { local p; for p in $(awk '{ print $1 }' "$RUN/stack.pids"); do SEEN+=("$p"); done; }
leftovers() {
    ps -e -o pid=,pgid=,stat= | awk -v list=" ${SEEN[*]} " \
        '$3 !~ /^Z/ && index(list, " " $2 " ") { print $1 }'
    # and anything reading this stack's config
    grep -lsxF "MEMETER_CONFIG=$RUN/memeter.conf" --null-data /proc/[0-9]*/environ | cut -d/ -f3
}

run_up
check "make run starts (mk/run.sh in $RUN)" _poll 60 _running
seen_add
POOL0=$(run_pid pool) PUSHD0=$(run_pid pushd) NGINX0=$(run_pid nginx)
RJAR="$T_DIR/run-rater"
# The demo party is a draft: the host starts it, as on the dashboard.
sid=$(sqlite3 "$RUN/memeter.db" "SELECT id FROM sessions WHERE name = 'Demo party' AND status = 'draft'")
memes=$(sqlite3 "$RUN/memeter.db" "SELECT meme_id FROM session_memes WHERE session_id = ${sid:-0}")
AJAR="$T_DIR/run-admin"
csrf=$(curl -s -b "$AJAR" -c "$AJAR" -H "Origin: $RUN_BASE" -H 'Content-Type: application/json' \
    --data-binary "{\"password\":\"$RUN_PW\"}" "$RUN_BASE/api/admin/login" | jq -r .csrf)
started=$(curl -s -o /dev/null -w '%{http_code}' -X POST -b "$AJAR" -H "Origin: $RUN_BASE" \
    -H "X-CSRF-Token: $csrf" "$RUN_BASE/api/admin/sessions/${sid:-0}/start")
check "the demo party (a draft) starts" test -n "$sid" -a -n "$memes" -a "$started" = 200

# The party goes on while pushd is down and restarting (twice, the second
# time after a longer delay): every rating is answered and stored.
rate_all() {
    local r m
    for r in 1 2 3 4 5 6; do
        rm -f "$RJAR.$r"
        curl -s -o /dev/null -b "$RJAR.$r" -c "$RJAR.$r" "$RUN_BASE/api/state"
        for m in $memes; do
            curl -s -o /dev/null -w '%{http_code}\n' -b "$RJAR.$r" -c "$RJAR.$r" -H "Origin: $RUN_BASE" \
                -H 'Content-Type: application/json' --data-binary "{\"meme_id\":$m,\"score\":$((m % 11))}" \
                "$RUN_BASE/api/ratings"
        done
    done > "$T_DIR/ratings.codes"
}
rate_all &
RATER_PID=$!
kill -KILL "$PUSHD0"
check "run.sh restarts the killed pushd" _poll 15 _restarted pushd "$PUSHD0"
seen_add
check "it says so, with the signal" grep -q 'pushd (memeter-pushd) died (killed by signal 9' "$T_DIR/run.out"
P1=$(run_pid pushd)
kill -KILL "$P1"
check "run.sh restarts it again" _poll 15 _restarted pushd "$P1"
seen_add
check "a pushd that dies again soon waits longer (0.2 s)" \
    grep -q 'pushd (memeter-pushd) died .* restarting it in 0.2 s' "$T_DIR/run.out"
wait "$RATER_PID"
acked=$(grep -c '^201$' "$T_DIR/ratings.codes")
want=$((6 * $(wc -w <<<"$memes")))
rows=$(sqlite3 "$RUN/memeter.db" "SELECT count(*) FROM ratings WHERE session_id = $sid")
check "while pushd restarts every rating is acknowledged ($acked of $want)" test "$acked" = "$want"
check "and stored (ratings acknowledged $acked = rows $rows)" test "$rows" = "$acked"
check "the pool and nginx kept running" \
    test "$(run_pid pool) $(run_pid nginx)" = "$POOL0 $NGINX0"
head=$(sqlite3 "$RUN/memeter.db" "SELECT max(seq) FROM events")
hello=$("$MEMETER_BIN/wsclient" --port "$RUN_PORT" --path /ws/user --origin "$RUN_BASE" \
    --count 1 --timeout 10 2>/dev/null)
check "the new pushd serves WebSockets, caught up (hello seq $(jq -r .seq <<<"$hello" 2>/dev/null) = $head)" \
    test "$(jq -r .seq <<<"$hello" 2>/dev/null)" = "$head"

kill -KILL "$POOL0"
check "run.sh restarts a killed pool master" _poll 20 _restarted pool "$POOL0"
seen_add
check "and the API answers again" _poll 15 _answers /api/health
kill -KILL "$NGINX0"
check "run.sh restarts a killed nginx" _poll 20 _restarted nginx "$NGINX0"
seen_add
check "and the pages answer again" _poll 15 _answers /
left=$(ps -e -o pid=,pgid=,stat= | awk -v a="$POOL0" -v b="$NGINX0" \
    '($2 == a || $2 == b) && $3 !~ /^Z/ { print $1 }' | paste -sd ' ')
check "the dead masters' workers are gone (${left:-none})" test -z "$left"

out=$(MEMETER_RUN_DIR=$RUN bash "$STACK_ROOT/mk/run.sh" stop 2>&1)
check "make stop stops it ($out)" grep -q 'stopped' <<<"$out"
_run_sh_gone() { ! kill -0 "$RUN_SH_PID" 2>/dev/null; }
check "run.sh has exited" _poll 10 _run_sh_gone
wait "$RUN_SH_PID" 2>/dev/null
left=$(leftovers | sort -u | paste -sd ' ')
check "no stack process is left after make stop (${left:-none})" test -z "$left"

# Ctrl-C (SIGINT to run.sh) likewise.
run_up
check "make run starts again on its data" _poll 60 _running
SEEN=(); seen_add
kill -INT "$RUN_SH_PID"
check "SIGINT stops run.sh" _poll 30 _run_sh_gone
wait "$RUN_SH_PID" 2>/dev/null
left=$(leftovers | sort -u | paste -sd ' ')
check "no stack process is left after Ctrl-C (${left:-none})" test -z "$left"

# --- the stuck client, meanwhile: nginx let it go ------------------------------------
_stuck_gone() { [ -z "$(ss -Htn state established "( src 127.0.0.9 )")" ]; }
check "nginx resets the stuck client within its send_timeout (30 s after pushd's close)" \
    _poll 40 _stuck_gone
kill "${HOLDERS[@]}"; wait "${HOLDERS[@]}" 2>/dev/null; HOLDERS=()

# --- WebSocket limits: one address, then every address ----------------------------------
PER=$(sed -n 's/.*limit_conn memeter_ws_addr \([0-9]*\);.*/\1/p' "$STACK_DIR/memeter-server.conf")
ALL=$(sed -n 's/.*limit_conn memeter_ws_all \([0-9]*\);.*/\1/p' "$STACK_DIR/memeter-server.conf")
CONNS=$(sed -n 's/.*worker_connections \([0-9]*\);.*/\1/p' "$STACK_DIR/nginx.conf")
check "limits: $PER per address, $ALL in all" test -n "$PER" -a -n "$ALL"
check "a party behind one address fits: >= 300 WebSockets per address ($PER)" test "${PER:-0}" -ge 300
check "every WebSocket in one nginx worker still leaves 1024 connections ($CONNS - 2 x $ALL)" \
    test $((CONNS - 2 * ALL)) -ge 1024
_users() { [ "$(metric 'clients{group="user"}')" = "$1" ]; }
_poll 10 _users 0

hold a1 127.0.0.1 $((PER + 20))
_poll 60 _summary a1
check "one address gets its $PER WebSockets ($(statuses a1))" test "$(held a1)" = "$PER"
check "and 429 beyond them" test "$(refused a1) $(statuses a1)" = "20 101:$PER,429:20"
page_ok() {
    local c1 c2 c3
    c1=$(http_code "$BASE/")
    c2=$(http_code "$BASE/api/health")
    c3=$(http_code "$BASE/api/state")
    [ "$c1$c2$c3" = 200200200 ] || { echo "     / $c1, /api/health $c2, /api/state $c3" >&2; return 1; }
}
check "while it holds them, the pages and the API answer" page_ok
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --http1.1 --interface 127.0.0.7 \
    -H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
    -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" -H "Origin: $BASE" "$BASE/ws/user")
check "another address still gets a WebSocket ($code)" test "$code" = 101

check "its WebSocket is gone with curl" _poll 10 _users "$PER"
# The rest of the whole budget from more addresses, then one more.
rest=$((ALL - PER))
n=2
while [ "$rest" -gt 0 ]; do
    take=$((rest < PER ? rest : PER))
    hold "a$n" "127.0.0.$n" "$take"
    rest=$((rest - take))
    n=$((n + 1))
done
for ((i = 2; i < n; i++)); do _poll 60 _summary "a$i"; done
total=$(held a1)
for ((i = 2; i < n; i++)); do total=$((total + $(held "a$i"))); done
check "$((n - 1)) addresses hold all $ALL WebSockets ($total)" test "$total" = "$ALL"
hold over 127.0.0.200 10
_poll 30 _summary over
check "past $ALL in all, a new address is refused too ($(statuses over))" \
    test "$(held over) $(statuses over)" = "0 429:10"
check "with every WebSocket taken, the pages and the API answer" page_ok
check "nginx never ran out of connections" \
    bash -c '! grep -q "worker_connections are not enough" "$0"' "$STACK_DIR/logs/nginx-error.log"
for pid in "${HOLDERS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
HOLDERS=()
check "pushd sees them all go" _poll 30 _users 0
hold again 127.0.0.1 1
_poll 10 _summary again
check "then the address gets WebSockets again" test "$(held again)" = 1
kill "${HOLDERS[@]}" 2>/dev/null; wait "${HOLDERS[@]}" 2>/dev/null; HOLDERS=()

t_done
