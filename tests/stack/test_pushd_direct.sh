#!/usr/bin/env bash
# pushd's direct listener (pushd_listen: browsers without nginx), plain
# and then TLS with a certificate made here: the same checks as through
# nginx (a wrong Origin 403, /ws/admin 401 without the admin cookie and
# open with it, since-replay with no gap or duplicate across a
# reconnect), a reload of the pool that drops no direct WebSocket and
# gives the pages the new ws_url in GET /api/config, the per-address cap
# (pushd_ws_per_addr: one over it gets 429, a closed one frees its place,
# nginx's path is not counted) and the bound on the request head.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pool_lib.sh"
. "$(dirname "$0")/pushd_lib.sh"

CERT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memeter-direct-cert.XXXXXX")
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$CERT_DIR/key.pem" \
    -out "$CERT_DIR/cert.pem" 2>/dev/null
CAP=4
DPORT=$(stack_free_port)
export MEMETER_PUSHD_LISTEN=127.0.0.1:$DPORT MEMETER_PUSHD_WS_PER_ADDR=$CAP
export STACK_RATER_RATE=100000r/s STACK_RATER_BURST=100000
stack_up
# stack_down reads the status the test ended with: keep it.
trap 'rc=$?; rm -rf "$CERT_DIR"; (exit $rc); stack_down' EXIT
MASTER=$STACK_POOL_PID
TLS=()			# wsclient's extra argument on the TLS listener

check "a party with 4 memes and 6 raters" pool_party 4 6
COOKIE="mr_admin=$(admin_token)"
api GET /api/config
check "GET /api/config: ws_url null by default (the pages' own origin)" json_is .ws_url null
check "pushd listens for browsers on pushd_listen" \
    grep -q "listening for browsers on 127.0.0.1:$DPORT (ws)" "$STACK_DIR/logs/pushd.log"

# rate N: N ratings through nginx and the pool, as raters post them.
rate() {
    local i r m
    for ((i = 0; i < $1; i++)); do
        r=${RATER_TOKENS[RANDOM % ${#RATER_TOKENS[@]}]}
        m=${MEME_IDS[RANDOM % ${#MEME_IDS[@]}]}
        curl -sS -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
            -H "Origin: $BASE" -b "mr_rater=$r" \
            --data-binary "{\"meme_id\":$m,\"score\":$((RANDOM % 11))}" "$BASE/api/ratings"
    done | grep -vc '^20[01]$' | grep -qx 0
}
head_seq() { db "SELECT max(seq) FROM events"; }
# direct NAME PATH [args]: a wsclient on the direct listener.
direct() { local n=$1 p=$2; shift 2; ws_start "$n" "$p" --port "$DPORT" "${TLS[@]}" "$@"; }
refused_with() { ws_wait_exit "$1" 10; [ "$WS_RC" = 2 ] && grep -q "refused status=$2" "$T_DIR/$1.err"; }
_last_is() { [ "$(ws_events "$1" | tail -1)" = "$2" ]; }
hello_group() { ws_wait_lines "$1" 1 && [ "$(head -1 "$T_DIR/$1.out" | jq -r .group)" = "$2" ]; }
same_list() { [ "$(cat | tr '\n' ' ')" = "$(db_seqs "$1" "$2" | tr '\n' ' ')" ]; }

# same_checks TAG: the checks the proxied path has, on the direct one.
same_checks() {
    local t=$1 s0 s1
    direct "evil$t" /ws/user --origin http://evil.example --timeout 5
    check "$t: a wrong Origin is refused (403)" refused_with "evil$t" 403
    direct "good$t" /ws/user --origin "$BASE" --timeout 5 --count 1
    check "$t: the site's Origin opens /ws/user (hello)" hello_group "good$t" user
    ws_wait_exit "good$t"
    direct "anon$t" /ws/admin --origin "$BASE" --timeout 5
    check "$t: /ws/admin without the admin cookie is refused (401)" refused_with "anon$t" 401
    direct "adm$t" /ws/admin --origin "$BASE" --cookie "$COOKIE" --timeout 5 --count 1
    check "$t: /ws/admin with the admin cookie opens (hello admin)" hello_group "adm$t" admin
    ws_wait_exit "adm$t"

    # since-replay: a client rated at, away, and back with its last seq.
    s0=$(head_seq)
    direct "ra$t" "/ws/admin?since=$s0" --origin "$BASE" --cookie "$COOKIE" --timeout 60
    direct "ru$t" "/ws/user?since=$s0" --origin "$BASE" --timeout 60
    ws_wait_open "ra$t" && ws_wait_open "ru$t"
    check "$t: ratings go through" rate 8
    s1=$(head_seq)
    _poll 10 _last_is "ra$t" "$s1"
    _poll 10 _last_is "ru$t" "$s1"
    ws_stop "ra$t"; ws_stop "ru$t"
    rate 8 >/dev/null		# while they are away
    direct "rb$t" "/ws/admin?since=$(ws_events "ra$t" | tail -1)" --origin "$BASE" \
        --cookie "$COOKIE" --timeout 60
    direct "rv$t" "/ws/user?since=$s1" --origin "$BASE" --timeout 60
    check "$t: back with since, admin reaches the head" _poll 10 _last_is "rb$t" "$(head_seq)"
    check "$t: back with since, user reaches the head" _poll 10 _last_is "rv$t" "$(head_seq)"
    ws_stop "rb$t"; ws_stop "rv$t"
    check "$t: admin's two connections hold every event once, in order" \
        same_list "$s0" admin < <(ws_events "ra$t"; ws_events "rb$t")
    cat "$T_DIR/ru$t.out" "$T_DIR/rv$t.out" > "$T_DIR/ruv$t.out"
    check "$t: user's two connections: no gap, no duplicate" ws_gapless "ruv$t" "$s0" user
}

# reload_checks TAG WS_URL: direct clients held over a SIGHUP of the pool
# under load, which also brings in the config's new ws_url.
reload_checks() {
    local t=$1 url=$2 s0 conn0 st
    s0=$(head_seq)
    direct "ha$t" "/ws/admin?since=$s0" --origin "$BASE" --cookie "$COOKIE" --timeout 300
    direct "hu$t" "/ws/user?since=$s0" --origin "$BASE" --timeout 300
    check "$t: the held clients open" ws_wait_open "ha$t"
    ws_wait_open "hu$t"
    conn0=$(metric connections_total)
    sed -i '/^ws_url =/d' "$MEMETER_CONFIG"
    echo "ws_url = $url" >> "$MEMETER_CONFIG"
    pool_load_start
    pool_load_wait 30
    st=$(pool_status)
    kill -HUP "$MASTER"
    check "$t: the pool reloads under load" pool_wait "(.generation) as \$g | .reloads == \
$(jq .reloads <<<"$st") + 1 and .generation > $(jq .generation <<<"$st") and $POOL_SETTLED" 60
    pool_load_wait 30
    pool_load_stop
    api GET /api/config
    check "$t: GET /api/config gives the new ws_url" json_is .ws_url "${url%/}"
    check "$t: admin reaches the head" _poll 30 _last_is "ha$t" "$(head_seq)"
    check "$t: user reaches the head" _poll 30 _last_is "hu$t" "$(head_seq)"
    check "$t: no direct WebSocket dropped" kill -0 "${WS_PID[ha$t]}"
    check "$t: (the user's neither)" kill -0 "${WS_PID[hu$t]}"
    check "$t: nobody reconnected" test "$(metric connections_total)" = "$conn0"
    check "$t: admin: every event once, in order" ws_gapless "ha$t" "$s0" admin
    check "$t: user: its events once, in order" ws_gapless "hu$t" "$s0" user
    ws_stop "ha$t"; ws_stop "hu$t"
}

# --- plain --------------------------------------------------------------------
same_checks ws
reload_checks ws "ws://127.0.0.1:$DPORT/"

# The cap, from another loopback address so the tests' own clients (from
# 127.0.0.1) do not count.  hold NAME PORT COUNT: holds COUNT upgrades.
hold() {
    python3 "$STACK_ROOT/tests/stack/ws_hold.py" --port "$2" --src 127.0.0.2 \
        --origin "$BASE" --count "$3" --seconds 60 > "$T_DIR/$1.hold" &
    WS_PID[$1]=$!
    _poll 15 grep -q held= "$T_DIR/$1.hold"
}
users_are() { [ "$(metric 'clients{group="user"}')" = "$1" ]; }
hold cap1 "$DPORT" $((CAP + 1))
check "one WebSocket over pushd_ws_per_addr is refused (429)" \
    grep -qx "held=$CAP refused=1 statuses=101:$CAP,429:1" "$T_DIR/cap1.hold"
hold nginx1 "$STACK_PORT" $((CAP + 1))
check "through nginx the same address is not held to it" \
    grep -qx "held=$((CAP + 1)) refused=0 statuses=101:$((CAP + 1))" "$T_DIR/nginx1.hold"
ws_stop nginx1
direct mine /ws/user --origin "$BASE" --timeout 5 --count 1
check "another address still gets in directly" hello_group mine user
ws_wait_exit mine
ws_stop cap1
check "the closed ones are counted out" _poll 10 users_are 0
hold cap2 "$DPORT" "$CAP"
check "and their places are free again" grep -qx "held=$CAP refused=0 statuses=101:$CAP" "$T_DIR/cap2.hold"
ws_stop cap2

# head_status BYTES: the answer to an upgrade with a header of BYTES.
head_status() {
    python3 - "$DPORT" "$BASE" "$1" <<'PY'
import base64, os, socket, sys
port, origin, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /ws/user HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
           f"Origin: {origin}\r\nX-Pad: {'a' * n}\r\n\r\n").encode())
head = b""
try:
    while b"\r\n" not in head:
        c = s.recv(256)
        if not c:
            break
        head += c
except OSError:
    pass
print(head.split(b" ")[1].decode() if head.count(b" ") else "closed")
PY
}
check "an upgrade with a 2 kB header is taken" test "$(head_status 2000)" = 101
big=$(head_status 6000)
check "one with a 6 kB header is refused (got $big)" test "$big" != 101
check "pushd lives on" kill -0 "$STACK_PUSHD_PID"

# --- TLS ----------------------------------------------------------------------
out=$(MEMETER_PUSHD_TLS_CERT=$CERT_DIR/cert.pem "$MEMETER_BIN/memeter-pushd" 2>&1)
rc=$?
check "a certificate without its key stops pushd ($rc), naming pushd_tls_key" \
    eval '[ "$rc" -ne 0 ] && grep -q pushd_tls_key <<<"$out"'
stack_kill "$STACK_PUSHD_PID"
export MEMETER_PUSHD_TLS_CERT=$CERT_DIR/cert.pem MEMETER_PUSHD_TLS_KEY=$CERT_DIR/key.pem
check "pushd starts again with TLS on pushd_listen" pushd_restart
check "and says so" grep -q "listening for browsers on 127.0.0.1:$DPORT (wss)" \
    "$STACK_DIR/logs/pushd.log"
fp() { openssl x509 -noout -fingerprint -sha256; }
served=$(openssl s_client -connect "127.0.0.1:$DPORT" -servername 127.0.0.1 </dev/null 2>/dev/null | fp)
check "it serves the certificate made here" test "$served" = "$(fp < "$CERT_DIR/cert.pem")"
direct plain /ws/user --origin "$BASE" --timeout 5
check "a plain WebSocket on the TLS port gets no upgrade" refused_with plain 0
TLS=(--tls)
same_checks wss
reload_checks wss "wss://127.0.0.1:$DPORT"
t_done
