#!/usr/bin/env bash
# An admin WebSocket does not outlive its admin session: after logout,
# and after the session expires, pushd closes it with 4001 "admin session
# ended" within a sweep (a second), while other admins stay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
stack_up

_closed_with() { grep -q "^wsclient: closed code=$2 " "$T_DIR/$1.err" 2>/dev/null; }

# --- logout -----------------------------------------------------------------
admin_login || exit 1
TOKEN=$(admin_token)
ws_start a1 /ws/admin --cookie "mr_admin=$TOKEN" --timeout 30
ws_wait_lines a1 1
check "the admin socket is open" _has_open a1
CSRF1=$CSRF
# A second session (another login) must not be touched by the logout.
cp "$ADMIN_JAR" "$T_DIR/admin1.jar"
admin_login || exit 1
TOKEN2=$(admin_token)
check "a second login is another session" test "$TOKEN2" != "$TOKEN"
ws_start a2 /ws/admin --cookie "mr_admin=$TOKEN2" --timeout 30
ws_wait_lines a2 1
C0=$(metric admin_closes_total)
_request "$T_DIR/admin1.jar" POST /api/admin/logout -H "X-CSRF-Token: $CSRF1"
check "logout answered" status_is 200
T0=$(date +%s%N)
check "the logged-out admin socket is closed with 4001" _poll 3 _closed_with a1 4001
T1=$(date +%s%N)
echo "closed $(( (T1 - T0) / 1000000 )) ms after the logout"
check "within about 2 s" test $(( (T1 - T0) / 1000000 )) -lt 2500
check "admin_closes_total counts it" test "$(metric admin_closes_total)" -eq $((C0 + 1))
grep -q 'has no admin session any more (4001)' "$STACK_DIR/logs/pushd.log"
check "pushd logged why" test $? -eq 0
ws_wait_exit a1 5
check "the client saw the server close first" test "$WS_RC" -eq 3
check "the other admin's socket stays open" kill -0 "${WS_PID[a2]}"
X=$(ev_add memes_populated '{"session_id":1,"added":0,"memes":[]}')
_last_is() { [ "$(ws_events "$1" | tail -1)" = "$2" ]; }
check "and still gets events" _poll 10 _last_is a2 "$X"

# --- expiry -----------------------------------------------------------------
db ".timeout 5000" "UPDATE admin_sessions SET expires_at = strftime('%s','now') - 1
    WHERE token_hash = (SELECT token_hash FROM admin_sessions ORDER BY id DESC LIMIT 1)"
T0=$(date +%s%N)
check "the expired admin socket is closed with 4001" _poll 3 _closed_with a2 4001
T1=$(date +%s%N)
echo "closed $(( (T1 - T0) / 1000000 )) ms after the expiry"
check "within about 2 s" test $(( (T1 - T0) / 1000000 )) -lt 2500
ws_wait_exit a2 5
ws_start a3 /ws/admin --cookie "mr_admin=$TOKEN2" --timeout 10
ws_wait_exit a3 10
check "it is refused (401)" grep -q '^wsclient: refused status=401' "$T_DIR/a3.err"
t_done
