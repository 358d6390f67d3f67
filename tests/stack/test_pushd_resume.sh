#!/usr/bin/env bash
# Resuming with ?since=SEQ: a client that was away gets exactly what it
# missed; a replay from the table that races with new commits ends in the
# live stream with no gap and no duplicate; too old a seq gets resync;
# after SIGKILL of pushd and a restart, clients that reconnect with the
# last seq they hold end with every event exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
# A small ring, so that replays must come from the table and then switch.
export MEMETER_SEND_QUEUE=16
stack_up
admin_login || exit 1
COOKIE="mr_admin=$(admin_token)"

RATING='{"session_id":1,"meme_id":1,"rater":{"id":1,"name":"Brave Falcon"},"score":5,"replaced":false}'
POP='{"session_id":1,"added":0,"memes":[]}'
# mixed N: N rounds of an admin-only and a shared event.
mixed() {
    local i
    for ((i = 0; i < $1; i++)); do
        ev_add new_rating "$RATING" >/dev/null
        ev_add memes_populated "$POP" >/dev/null
    done
}
# same_seqs NAME... AFTER GROUP: the union of what the clients got is the
# table's list for the group, each once.
no_dups() { [ -z "$(cat "$@" | sort | uniq -d)" ]; }
seqs_of() { local n; for n in "$@"; do ws_events "$n"; done; }

# --- away and back ----------------------------------------------------------
mixed 3
H0=$(db "SELECT max(seq) FROM events")
ws_start a1 "/ws/admin?since=$H0" --cookie "$COOKIE" --timeout 20
ws_start u1 "/ws/user?since=$H0" --timeout 20
ws_wait_open a1 && ws_wait_open u1
mixed 2
H1=$(db "SELECT max(seq) FROM events")
_last_is() { [ "$(ws_events "$1" | tail -1)" = "$2" ]; }
_poll 10 _last_is a1 "$H1"
_poll 10 _last_is u1 "$H1"
ws_stop a1; ws_stop u1
mixed 5		# committed while they are away
ws_start a2 "/ws/admin?since=$H1" --cookie "$COOKIE" --timeout 20
ws_start u2 "/ws/user?since=$H1" --timeout 20
H2=$(db "SELECT max(seq) FROM events")
_poll 10 _last_is a2 "$H2"
_poll 10 _last_is u2 "$H2"
check "admin back with since gets exactly the missed events" \
    test "$(ws_events a2 | tr '\n' ' ')" = "$(db_seqs "$H1" admin | tr '\n' ' ')"
check "user back with since gets exactly the missed events it may see" \
    test "$(ws_events u2 | tr '\n' ' ')" = "$(db_seqs "$H1" user | tr '\n' ' ')"
check "admin: both connections together hold every event once" \
    test "$(seqs_of a1 a2 | tr '\n' ' ')" = "$(db_seqs "$H0" admin | tr '\n' ' ')"
check "hello of a resuming client carries head" \
    test "$(head -1 "$T_DIR/a2.out" | jq -r .seq)" = "$H2"
ws_stop a2; ws_stop u2

# --- a long replay racing with commits --------------------------------------
mixed 150
S0=$(db "SELECT max(seq) FROM events")
ws_start ra "/ws/admin?since=0" --cookie "$COOKIE" --timeout 60
ws_start ru "/ws/user?since=0" --timeout 60
( for ((k = 0; k < 100; k++)); do
      ev_add new_rating "$RATING" >/dev/null
      ev_add memes_populated "$POP" >/dev/null
  done ) &
WRITER=$!
wait "$WRITER"
S1=$(db "SELECT max(seq) FROM events")
_poll 30 _last_is ra "$S1"
_poll 30 _last_is ru "$S1"
check "replay + live: admin holds 1..$S1, no gap, no duplicate" \
    test "$(ws_events ra | tr '\n' ' ')" = "$(db_seqs 0 admin | tr '\n' ' ')"
check "replay + live: user holds its events, no gap, no duplicate" \
    test "$(ws_events ru | tr '\n' ' ')" = "$(db_seqs 0 user | tr '\n' ' ')"
check "the replays came from the table" test "$(metric replays_total)" -ge 2
check "more events replayed than the ring holds" \
    test "$(metric replayed_events_total)" -gt 32
ws_stop ra; ws_stop ru

# --- too old, or from another database: resync ------------------------------
db "DELETE FROM events WHERE seq <= 10" >/dev/null
R0=$(metric resyncs_total)
HN=$(db "SELECT max(seq) FROM events")
ws_start old "/ws/user?since=3" --timeout 20
ws_start fut "/ws/user?since=999999" --timeout 20
ws_start ok9 "/ws/admin?since=10" --cookie "$COOKIE" --timeout 20
ws_wait_lines old 2 && ws_wait_lines fut 2
_resync_in() { grep -q '"type":"resync"' "$T_DIR/$1.out"; }
_poll 10 _resync_in old
check "since older than the table: resync with head" \
    test "$(jq -c 'select(.type=="resync")' "$T_DIR/old.out")" = "{\"type\":\"resync\",\"seq\":$HN}"
_poll 10 _resync_in fut
check "since beyond head: resync" _resync_in fut
check "the resyncing client replays nothing" test -z "$(ws_events old)"
_poll 10 _last_is ok9 "$HN"
check "since = oldest kept - 1 replays from the oldest" \
    test "$(ws_events ok9 | head -1)" = 11
HX=$(ev_add memes_populated "$POP")
_poll 10 _last_is old "$HX"
check "after resync it follows live" test "$(ws_events old)" = "$HX"
check "resyncs counted" test "$(metric resyncs_total)" -ge $((R0 + 2))
ws_stop old; ws_stop fut; ws_stop ok9

# --- SIGKILL of pushd, restart, resume --------------------------------------
K0=$(db "SELECT max(seq) FROM events")
ws_start ka "/ws/admin?since=$K0" --cookie "$COOKIE" --timeout 60
ws_start ku "/ws/user?since=$K0" --timeout 60
ws_wait_open ka && ws_wait_open ku
( for ((k = 0; k < 60; k++)); do
      ev_add new_rating "$RATING" >/dev/null
      ev_add memes_populated "$POP" >/dev/null
      sleep 0.02
  done ) &
WRITER=$!
_some() { [ "$(ws_events "$1" | wc -l)" -ge "$2" ]; }
_poll 10 _some ka 20
{ kill -KILL "$STACK_PUSHD_PID"; wait "$STACK_PUSHD_PID"; } 2>/dev/null
ws_wait_exit ka
check "admin client saw the connection drop" test "$WS_RC" = 3
ws_wait_exit ku
check "user client saw the connection drop" test "$WS_RC" = 3
pushd_restart
check "pushd restarted" test -n "$(metric head_seq)"
LA=$(ws_events ka | tail -1); LU=$(ws_events ku | tail -1)
ws_start ka2 "/ws/admin?since=${LA:-$K0}" --cookie "$COOKIE" --timeout 60
ws_start ku2 "/ws/user?since=${LU:-$K0}" --timeout 60
wait "$WRITER"
K1=$(db "SELECT max(seq) FROM events")
_poll 20 _last_is ka2 "$K1"
_poll 20 _last_is ku2 "$K1"
check "admin across the crash: every event once, in order" \
    test "$(seqs_of ka ka2 | tr '\n' ' ')" = "$(db_seqs "$K0" admin | tr '\n' ' ')"
check "user across the crash: every event once, in order" \
    test "$(seqs_of ku ku2 | tr '\n' ' ')" = "$(db_seqs "$K0" user | tr '\n' ' ')"
check "the crash happened mid-stream" test "$(ws_events ka2 | wc -l)" -gt 0
ws_stop ka2; ws_stop ku2
t_done
