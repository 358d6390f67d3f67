#!/usr/bin/env bash
# SIGHUP under load: ten reloads of the FastCGI pool while raters keep
# posting ratings through nginx, one of them after memeter-fcgi was
# rebuilt and moved over the running binary, plus one with a broken
# binary that must leave the serving generation alone.  Not one request
# may fail; afterwards every worker runs the new binary, the old ones are
# gone, the master is the same process, and SIGTERM leaves nothing behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pool_lib.sh"

# The pool is under test here, not nginx's per-rater limits.
export STACK_RATER_RATE=100000r/s STACK_RATER_BURST=100000

pool_copy_binaries
BIN="$MEMETER_BIN/memeter-fcgi"
OLD_ID=$(pool_binary_id "$BIN")
stack_up
trap pool_down EXIT
MASTER=$STACK_POOL_PID

check "the pool settles with $POOL_N ready workers" pool_settled
GEN0=$(jq -r .generation <<<"$STATUS_LINE")
check "the status names the master" test "$(jq -r .pid <<<"$STATUS_LINE")" = "$MASTER"
check "the workers run the binary we started" \
    test "$(jq -r '[.workers[].binary] | unique | join(",")' <<<"$STATUS_LINE")" = "$OLD_ID"

check "a party with 6 memes and 8 raters" pool_party 6 8
NEW="$T_DIR/memeter-fcgi.new"
check "memeter-fcgi rebuilds with another version" pool_rebuild "$NEW"
NEW_ID=$(pool_binary_id "$NEW")
check "the rebuilt binary is a different file" test "$NEW_ID" != "$OLD_ID"
check "the rebuilt binary reports its version" \
    grep -q reload-test <<<"$("$NEW" --version)"

POOL_SEEN_PIDS=""
pool_load_start
check "the load runs" pool_load_wait 100

# hup: one SIGHUP, then wait for a complete new generation (and the old
# one gone from the list) and for the load to get through it.
hup() {
    local s
    s=$(pool_status)
    POOL_SEEN_PIDS="$POOL_SEEN_PIDS $(jq -r '.workers[].pid' <<<"$s")"
    kill -HUP "$MASTER"
    pool_wait "(.generation) as \$g | .reloads == $(jq .reloads <<<"$s") + 1 and
        .generation > $(jq .generation <<<"$s") and $POOL_SETTLED" 60 &&
        pool_load_wait 100
}

for i in 1 2 3 4 5 6 7 8 9 10; do
    if [ "$i" = 6 ]; then
        # A new build lands on the running path, atomically, as a
        # package manager or `install` would put it.
        cp "$NEW" "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
    fi
    if [ "$i" = 8 ]; then
        # A broken binary: the new generation dies before it is ready.
        before=$(pool_status)
        cp -p "$BIN" "$T_DIR/good"
        printf '#!/bin/sh\necho "broken build" >&2\nexit 3\n' > "$BIN.tmp"
        chmod +x "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
        kill -HUP "$MASTER"
        check "a broken binary fails the reload" pool_wait \
            ".reload_failures == $(jq .reload_failures <<<"$before") + 1 and .pending == 0" 60
        check "the serving generation stays" \
            test "$(jq -c '[.generation, [.workers[].pid]]' <<<"$STATUS_LINE")" = \
            "$(jq -c '[.generation, [.workers[].pid]]' <<<"$before")"
        check "the master logs why the reload failed" \
            grep -q "generation $(( $(jq .generation <<<"$before") + 1 )) failed (worker [0-9]* exited with status 3 before it was ready)" \
            "$STACK_DIR/logs/fcgi.log"
        check "requests go on after the failed reload" pool_load_wait 40
        mv -f "$T_DIR/good" "$BIN"
    fi
    check "reload $i completes under load" hup
done
TEN=$(pool_status)

# Five SIGHUPs at once: they fold into one or two reloads, no more.  One
# kill call sends all five (a loop of five could be descheduled under the
# load for longer than a reload takes, and then they are not "at once").
kill -HUP "$MASTER" "$MASTER" "$MASTER" "$MASTER" "$MASTER"
check "a burst of SIGHUPs settles" pool_wait "(.generation) as \$g |
    .reloads >= 11 and .generation > $(jq .generation <<<"$TEN") and $POOL_SETTLED" 60
check "a burst of five SIGHUPs makes at most two reloads" \
    test "$(jq .reloads <<<"$STATUS_LINE")" -le 12
POOL_SEEN_PIDS="$POOL_SEEN_PIDS $(jq -r '.workers[].pid' <<<"$TEN")"
pool_load_wait 100
pool_load_stop

echo "$T_NAME: $LOAD_TOTAL rating requests, $LOAD_FAILED failed, over $(jq .reloads <<<"$STATUS_LINE") reloads"
check "no request failed during the reloads ($LOAD_FAILED of $LOAD_TOTAL)" \
    test "$LOAD_FAILED" = 0
check "the load was real (>= 500 requests)" test "$LOAD_TOTAL" -ge 500
[ "$LOAD_FAILED" = 0 ] || sort "$LOAD_CODES" | uniq -c >&2

check "ten generations later (one number went to the failed one)" \
    test "$(jq -r .generation <<<"$TEN")" = $((GEN0 + 11))
check "ten reloads and one failure counted" \
    test "$(jq -c '[.reloads, .reload_failures]' <<<"$TEN")" = "[10,1]"
STATUS_LINE=$(pool_status)
check "the master is the same process" test "$(jq -r .pid <<<"$STATUS_LINE")" = "$MASTER"
check "every worker runs the rebuilt binary" \
    test "$(jq -r '[.workers[].binary] | unique | join(",")' <<<"$STATUS_LINE")" = "$NEW_ID"

current=$(jq -r '.workers[].pid' <<<"$STATUS_LINE")
alive=""
for p in $POOL_SEEN_PIDS; do
    grep -qx "$p" <<<"$current" && continue
    kill -0 "$p" 2>/dev/null && alive="$alive $p"
done
check "no worker of an old generation is left (${alive:-none})" test -z "$alive"

# Through nginx, every answer comes from a worker of the new binary.
health_old=0
for i in $(seq 1 20); do
    admin_api GET /api/health
    [ "$STATUS" = 200 ] && grep -q "$NEW_ID" <<<"$BODY" || health_old=$((health_old + 1))
done
check "/api/health names the new binary in 20 of 20 answers" test "$health_old" = 0
check "/api/health reports the new version" grep -q reload-test <<<"$BODY"

check "one new_rating event per accepted rating request" \
    test "$(db "SELECT count(*) FROM events WHERE type = 'new_rating'")" = "$LOAD_OK"
pool_ratings_whole

pool_stop_check
t_done
