#!/usr/bin/env bash
# Keepalive: pushd pings quiet clients; one that answers stays as long as
# it likes, one that cannot answer (it stopped reading) is dropped after
# hangup_seconds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
export MEMETER_PING_SECONDS=1 MEMETER_HANGUP_SECONDS=3
stack_up

ws_start live /ws/user --timeout 30
ws_start dead /ws/user --no-read --timeout 30
ws_wait_open live && ws_wait_open dead
_users() { [ "$(metric 'clients{group="user"}')" = "$1" ]; }
check "both connected" _poll 5 _users 2
H0=$(metric hangups_total)
_hung() { [ "$(metric hangups_total)" -gt "$H0" ]; }
check "the client that cannot answer pings is dropped" _poll 10 _hung
check "only the live one is left" _poll 5 _users 1
grep -q 'was silent too long' "$STACK_DIR/logs/pushd.log"
check "pushd logged why" test $? -eq 0
sleep 4		# several hangup periods: the answering client must stay
check "the client that answers pings stays" kill -0 "${WS_PID[live]}"
check "and is still counted" _users 1
X=$(ev_add memes_populated '{"session_id":1,"added":0,"memes":[]}')
_last_is() { [ "$(ws_events "$1" | tail -1)" = "$2" ]; }
check "and still gets events" _poll 10 _last_is live "$X"
ws_stop live; ws_stop dead
t_done
