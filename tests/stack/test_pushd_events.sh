#!/usr/bin/env bash
# The push channel through nginx: hello and presence, REST mutations and
# committed events arriving in seq order with each group's data, the
# upgrade checks (admin cookie, Origin, path), coalesced user stats and
# the metrics endpoint.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
stack_up
admin_login || exit 1
TOKEN=$(admin_token)
check "admin login set an mr_admin cookie" test -n "$TOKEN"

# --- hello, presence --------------------------------------------------------
HEAD=$(db "SELECT coalesce(max(seq),0) FROM events")
ws_start u0 /ws/user --origin "$BASE" --timeout 20
ws_wait_lines u0 2
check "hello comes first, with head and group" \
    test "$(head -1 "$T_DIR/u0.out" | jq -c .)" = "{\"type\":\"hello\",\"seq\":$HEAD,\"group\":\"user\"}"
check "presence counts the rater" \
    grep -q '^{"type":"presence","data":{"raters":1,"admins":0}}$' "$T_DIR/u0.out"
ws_start a0 /ws/admin --cookie "mr_admin=$TOKEN" --timeout 20
ws_wait_lines a0 2
ws_wait_lines u0 3
check "admin hello names its group" test "$(head -1 "$T_DIR/a0.out" | jq -r .group)" = admin
check "presence reaches the rater when an admin joins" \
    grep -q '"raters":1,"admins":1' "$T_DIR/u0.out"

# --- REST mutations arrive as events, in order, per group -------------------
admin_api POST /api/admin/sessions '{"name":"Push party"}'
check "session created" status_is 201
SID=$(jq -r .id <<<"$BODY")
python3 - "$STACK_DIR/library" <<'PY'
import struct, sys, zlib
def chunk(k, d):
    return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)
for n in (3, 4):
    raw = b"".join(b"\0" + bytes([n, 7, 9]) * n for _ in range(3))
    open(f"{sys.argv[1]}/m{n}.png", "wb").write(b"\x89PNG\r\n\x1a\n" +
        chunk(b"IHDR", struct.pack(">IIBBBBB", n, 3, 8, 2, 0, 0, 0)) +
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
admin_api POST "/api/admin/sessions/$SID/populate"
check "populated" status_is 200
MEME=$(jq -r '.memes[0].id' <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/start"
check "started" status_is 200
api GET /api/state
api POST /api/ratings "{\"meme_id\":$MEME,\"score\":7}"
check "rated" status_is 201
admin_api POST "/api/admin/sessions/$SID/finish"
check "finished" status_is 200
LAST=$(db "SELECT max(seq) FROM events")
NA=$(db "SELECT count(*) FROM events WHERE seq > $HEAD")
NU=$(db "SELECT count(*) FROM events WHERE seq > $HEAD AND type NOT IN ('session_created','new_rating')")
check "the mutations wrote events" test "$NA" -ge 6
_got() { [ "$(ws_events "$1" | tail -1)" = "$LAST" ]; }
_poll 10 _got a0
_poll 10 _got u0
check "admin got every event, in seq order" \
    test "$(ws_events a0 | tr '\n' ' ')" = "$(db_seqs "$HEAD" admin | tr '\n' ' ')"
check "user got the events users may see, in seq order" \
    test "$(ws_events u0 | tr '\n' ' ')" = "$(db_seqs "$HEAD" user | tr '\n' ' ')"
check "user events count" test "$(ws_events u0 | wc -l)" -eq "$NU"
check "admin sees new_rating with the rater" \
    test "$(jq -r 'select(.type=="new_rating") | .data.rater.name | length > 0' "$T_DIR/a0.out")" = true
check "user never sees new_rating or session_created" \
    test -z "$(jq -r 'select(.type=="new_rating" or .type=="session_created") | .seq' "$T_DIR/u0.out")"
check "user stats_updated has no per-meme figures" \
    test "$(jq -c 'select(.type=="stats_updated") | .data | keys' "$T_DIR/u0.out" | sort -u)" = '["raters","ratings","session_id"]'
check "admin stats_updated has them" \
    test "$(jq -r 'select(.type=="stats_updated") | .data | has("memes")' "$T_DIR/a0.out" | sort -u)" = true
check "the event data is the outbox row" \
    test "$(jq -c "select(.seq==$LAST and .ts) | .data" "$T_DIR/a0.out")" = \
         "$(db "SELECT data FROM events WHERE seq=$LAST" | jq -c .)"

# --- the upgrade checks -----------------------------------------------------
upgrade_status() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H 'Connection: Upgrade' \
        -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
        -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$@"
}
check "/ws/admin without a cookie: 401" test "$(upgrade_status "$BASE/ws/admin")" = 401
check "/ws/admin with a wrong cookie: 401" \
    test "$(upgrade_status -H "Cookie: mr_admin=${TOKEN//?/0}" "$BASE/ws/admin")" = 401
check "/ws/admin with the rater's cookie only: 401" \
    test "$(upgrade_status -b "$JAR" "$BASE/ws/admin")" = 401
check "bad Origin on /ws/user: 403" \
    test "$(upgrade_status -H 'Origin: http://evil.example' "$BASE/ws/user")" = 403
check "bad Origin on /ws/admin even with the cookie: 403" \
    test "$(upgrade_status -H 'Origin: http://evil.example' -H "Cookie: mr_admin=$TOKEN" "$BASE/ws/admin")" = 403
check "unknown path: 404" test "$(upgrade_status "$BASE/ws/nothing")" = 404
check "bad since: 400" test "$(upgrade_status "$BASE/ws/user?since=x1")" = 400
check "plain GET of /ws/user: 404" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/ws/user")" = 404
ws_start bad /ws/admin --origin "$BASE" --timeout 5
ws_wait_exit bad
check "wsclient sees the refusal" grep -q 'refused status=401' "$T_DIR/bad.err"
# Another session, expired (a0's own must stay: pushd would close a0).
_request "$T_DIR/admin2.jar" POST /api/admin/login "{\"password\":\"$MEMETER_ADMIN_PASSWORD\"}"
TOKEN2=$(awk '$6 == "mr_admin" { print $7 }' "$T_DIR/admin2.jar")
db "UPDATE admin_sessions SET expires_at = unixepoch() - 1
    WHERE id = (SELECT max(id) FROM admin_sessions)" >/dev/null
check "an expired admin session: 401" \
    test "$(upgrade_status -H "Cookie: mr_admin=$TOKEN2" "$BASE/ws/admin")" = 401

# --- coalescing: users get a few stats_updated a second, admins all ----------
B0=$(db "SELECT max(seq) FROM events")
for i in $(seq 1 40); do
    ev_add stats_updated "{\"session_id\":$SID,\"ratings\":$i,\"raters\":1,\"memes\":[]}" >/dev/null
done
B1=$(db "SELECT max(seq) FROM events")
_last_is() { [ "$(ws_events "$1" | tail -1)" = "$B1" ]; }
_poll 10 _last_is a0
_poll 10 _last_is u0
n_admin=$(ws_events a0 | awk -v b="$B0" '$1 > b' | wc -l)
n_user=$(ws_events u0 | awk -v b="$B0" '$1 > b' | wc -l)
check "admins got all 40 stats_updated" test "$n_admin" -eq 40
check "users got fewer, coalesced ($n_user)" test "$n_user" -lt 40 -a "$n_user" -ge 1
check "users got the latest stats (ratings 40)" \
    test "$(jq -r "select(.seq==$B1) | .data.ratings" "$T_DIR/u0.out")" = 40
check "coalesced_total counts the replaced ones" test "$(metric coalesced_total)" -gt 0

# --- metrics ----------------------------------------------------------------
check "metrics: one user and one admin client" \
    test "$(metric 'clients{group="user"}')/$(metric 'clients{group="admin"}')" = 1/1
check "metrics: notify datagrams counted" test "$(metric notify_datagrams_total)" -ge 40
check "metrics: head seq" test "$(metric head_seq)" = "$B1"
check "metrics: refusals counted" test "$(metric 'refused_total{reason="auth"}')" -ge 4
check "metrics: events sent" test "$(metric 'events_sent_total{group="admin"}')" -ge 46
check "metrics: outbox read (fetches_total)" test "$(metric fetches_total)" -gt 0
check "metrics: a burst goes out in fewer writes than frames" \
    test "$(metric writes_total)" -gt 0 -a "$(metric writes_total)" -lt "$(metric messages_sent_total)"

# --- SIGTERM: close frames (1001) to all, clean exit ------------------------
kill -TERM "$STACK_PUSHD_PID"
ws_wait_exit u0
check "rater sees close code 1001 on SIGTERM" grep -q 'closed code=1001' "$T_DIR/u0.err"
ws_wait_exit a0
check "admin sees close code 1001 on SIGTERM" grep -q 'closed code=1001' "$T_DIR/a0.err"
wait "$STACK_PUSHD_PID"
check "pushd exits 0 after SIGTERM" test $? -eq 0
t_done
