#!/usr/bin/env bash
# WebSockets live in pushd alone: ten SIGHUP reloads of the FastCGI pool
# while raters post ratings drop no WebSocket, and every event the
# reloading workers commit reaches the clients, in order, once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pool_lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
export STACK_RATER_RATE=100000r/s STACK_RATER_BURST=100000
stack_up
MASTER=$STACK_POOL_PID
check "a party with 4 memes and 6 raters" pool_party 4 6
TOKEN=$(admin_token)
S0=$(db "SELECT max(seq) FROM events")
ws_start adm "/ws/admin?since=$S0" --cookie "mr_admin=$TOKEN" --timeout 300
ws_start usr "/ws/user?since=$S0" --origin "$BASE" --timeout 300
check "both clients open" ws_wait_open adm
ws_wait_open usr
CONN0=$(metric connections_total)

pool_load_start
check "the load runs" pool_load_wait 50
reloads_ok=0
for i in $(seq 1 10); do
    s=$(pool_status)
    kill -HUP "$MASTER"
    pool_wait "(.generation) as \$g | .reloads == $(jq .reloads <<<"$s") + 1 and
        .generation > $(jq .generation <<<"$s") and $POOL_SETTLED" 60 &&
        pool_load_wait 30 && reloads_ok=$((reloads_ok + 1))
done
pool_load_stop
check "ten reloads completed under load" test "$reloads_ok" -eq 10
check "ratings went through ($LOAD_OK of $LOAD_TOTAL)" test "$LOAD_OK" -gt 100

HEAD=$(db "SELECT max(seq) FROM events")
_at_head() { [ "$(jq -r 'select(.ts or .type=="resync") | .seq' "$T_DIR/$1.out" | tail -1)" = "$2" ]; }
check "admin reaches the head" _poll 30 _at_head adm "$HEAD"
check "user reaches the head" _poll 30 _at_head usr "$HEAD"
check "the admin WebSocket never dropped" kill -0 "${WS_PID[adm]}"
check "the user WebSocket never dropped" kill -0 "${WS_PID[usr]}"
check "nobody reconnected" test "$(metric connections_total)" = "$CONN0"
check "no close seen" test -z "$(grep closed "$T_DIR/adm.err" "$T_DIR/usr.err")"
check "admin: every event once, in order" ws_gapless adm "$S0" admin
check "user: its events once, in order" ws_gapless usr "$S0" user
N=$(db "SELECT count(*) FROM events WHERE seq > $S0 AND type = 'new_rating'")
check "admin got all $N new_rating events" \
    test "$(jq -r 'select(.type=="new_rating") | .seq' "$T_DIR/adm.out" | wc -l)" = "$N"
check "the user got stats_updated, coalesced" \
    test "$(jq -r 'select(.type=="stats_updated") | .seq' "$T_DIR/usr.out" | wc -l)" -ge 1
ws_stop adm; ws_stop usr
t_done
