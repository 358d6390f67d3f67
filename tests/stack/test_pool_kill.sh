#!/usr/bin/env bash
# SIGKILL under load: workers of the FastCGI pool are killed one after
# another while raters keep posting ratings through nginx.  The master
# replaces each one (back to N ready workers), requests keep succeeding
# (only a request in flight on the killed worker may fail), and the
# database holds whole transactions only: every rating has its new_rating
# event and every new_rating event its rating.  SIGTERM then stops all.
. "$(dirname "$0")/lib.sh"
export STACK_WORKERS=${STACK_WORKERS:-3}
. "$(dirname "$0")/pool_lib.sh"

export STACK_RATER_RATE=100000r/s STACK_RATER_BURST=100000
KILLS=3

pool_copy_binaries
stack_up
trap pool_down EXIT
MASTER=$STACK_POOL_PID

check "the pool settles with $POOL_N ready workers" pool_settled
check "a party with 6 memes and 8 raters" pool_party 6 8
pool_load_start
check "the load runs" pool_load_wait 100

POOL_SEEN_PIDS=""
for ((k = 1; k <= KILLS; k++)); do
    s=$(pool_status)
    victim=$(jq -r ".workers[$((k % POOL_N))].pid" <<<"$s")
    POOL_SEEN_PIDS="$POOL_SEEN_PIDS $victim"
    kill -KILL "$victim"
    check "killed worker $victim is replaced ($POOL_N ready again)" pool_wait \
        "(.generation) as \$g | .restarts == $(jq .restarts <<<"$s") + 1 and
         all(.workers[]; .pid != $victim) and $POOL_SETTLED" 30
    check "requests go on after kill $k" pool_load_wait 100
done
pool_load_stop

echo "$T_NAME: $LOAD_TOTAL rating requests, $LOAD_FAILED failed, over $KILLS SIGKILLs"
[ "$LOAD_FAILED" = 0 ] || sort "$LOAD_CODES" | uniq -c
check "at most the requests in flight on killed workers failed ($LOAD_FAILED <= $KILLS)" \
    test "$LOAD_FAILED" -le "$KILLS"
check "a failed request got nginx's 503, not a broken reply" \
    test -z "$(grep -v -x -E '20[01]|503' "$LOAD_CODES")"
check "the load was real (>= 300 requests)" test "$LOAD_TOTAL" -ge 300

STATUS_LINE=$(pool_status)
check "the master is the same process" test "$(jq -r .pid <<<"$STATUS_LINE")" = "$MASTER"
check "$KILLS restarts counted" test "$(jq -r .restarts <<<"$STATUS_LINE")" = "$KILLS"
check "no reload happened" test "$(jq -r .reloads <<<"$STATUS_LINE")" = 0
alive=""
for p in $POOL_SEEN_PIDS; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
check "the killed workers are gone (${alive:-none left})" test -z "$alive"
check "the master logged each replacement" \
    test "$(grep -c 'was killed by signal 9 (Killed).*replacing it' "$STACK_DIR/logs/fcgi.log")" = "$KILLS"

# A killed worker may have committed a rating and died before answering;
# nothing else may differ between the answers and the database.
events=$(db "SELECT count(*) FROM events WHERE type = 'new_rating'")
check "new_rating events match the accepted requests ($events vs $LOAD_OK + <= $LOAD_FAILED)" \
    test "$events" -ge "$LOAD_OK" -a "$events" -le $((LOAD_OK + LOAD_FAILED))
pool_ratings_whole

pool_stop_check
t_done
