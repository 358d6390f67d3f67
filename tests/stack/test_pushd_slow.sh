#!/usr/bin/env bash
# Slow consumers: a client that stops reading for a moment falls behind
# the ring and is skipped ahead with resync (not flooded, not dropped);
# one that never reads again is closed with 4008 and pushd's memory stays
# bounded meanwhile.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
export MEMETER_SEND_QUEUE=16
export MEMETER_PING_SECONDS=5	# pushd closes a stuck client after 5 s
stack_up

# ASan keeps freed memory in quarantine; that would hide what this test
# measures, so pushd runs here with a small one.
kill -TERM "$STACK_PUSHD_PID"; wait "$STACK_PUSHD_PID" 2>/dev/null
stack_sanitizer_env() {
    export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:quarantine_size_mb=1:log_path=$STACK_DIR/logs/asan"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$STACK_DIR/logs/ubsan"
}
pushd_restart || exit 1

# big N: N events of about 40 kB each in one transaction, then the hint.
big() {
    local seq
    seq=$(db ".timeout 5000" "BEGIN IMMEDIATE;
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $1)
        INSERT INTO events(type, session_id, data)
            SELECT 'memes_populated', 1, json_object('session_id', 1, 'added', 0,
                'memes', json('[]'), 'pad', hex(randomblob(20000))) FROM k;
        SELECT max(seq) FROM events; COMMIT;")
    "$MEMETER_BIN/notify" "$seq"
    echo "$seq"
}
flood() { local i; for ((i = 0; i < $1; i++)); do LASTSEQ=$(big 50); done; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$STACK_PUSHD_PID/status"; }
_head_is() { [ "$(metric head_seq)" = "$1" ]; }
_last_is() { [ "$(ws_events "$1" | tail -1)" = "$2" ]; }

# --- a pause: resync, then live again ---------------------------------------
P0=$(db "SELECT coalesce(max(seq),0) FROM events")
ws_start slow "/ws/user?since=$P0" --pause 3 --timeout 40
ws_wait_open slow
flood 8				# 400 events, 16 MB: far more than socket buffers
check "pushd read the flood" _poll 20 _head_is "$LASTSEQ"
_resynced() { grep -q '"type":"resync"' "$T_DIR/slow.out"; }
check "the paused client is skipped ahead with resync" _poll 20 _resynced
check "every run of events between resyncs is gapless" ws_gapless slow "$P0" user
X=$(ev_add memes_populated '{"session_id":1,"added":0,"memes":[]}')
check "then it follows live" _poll 10 _last_is slow "$X"
check "it was not closed" kill -0 "${WS_PID[slow]}"
ws_stop slow

# --- never reads again: 4008, bounded memory --------------------------------
ws_start stuck /ws/user --no-read --timeout 90
ws_start fine /ws/user --timeout 90
ws_wait_open stuck && ws_wait_open fine
_users() { [ "$(metric 'clients{group="user"}')" = "$1" ]; }
_poll 10 _users 2
F0=$(db "SELECT max(seq) FROM events")
RSS0=$(rss_kb)
C0=$(metric slow_closes_total)
flood 16			# 800 events, 32 MB
check "pushd read the second flood" _poll 30 _head_is "$LASTSEQ"
# The party goes on: events keep coming until its socket buffers are full
# for good; the stuck client takes none of them.
_closed() { [ "$(metric slow_closes_total)" -gt "$C0" ]; }
for ((i = 0; i < 150; i++)); do
    LASTSEQ=$(big 1)
    _closed && break
    sleep 0.2
done
check "the client that stopped reading is closed as too slow" _closed
check "and is gone" _poll 10 _users 1
grep -q 'stopped reading (4008)' "$STACK_DIR/logs/pushd.log"
check "pushd logged the 4008 close" test $? -eq 0
RSS1=$(rss_kb)
echo "pushd VmRSS: ${RSS0} kB before, ${RSS1} kB after 32 MB to a stuck client"
check "pushd's memory stayed bounded (+$((RSS1 - RSS0)) kB)" test $((RSS1 - RSS0)) -lt 12288
_at_head() { [ "$(jq -r 'select(.ts or .type=="resync") | .seq' "$T_DIR/$1.out" | tail -1)" = "$2" ]; }
check "a reading client meanwhile ends at the head" _poll 30 _at_head fine "$LASTSEQ"
check "with every run of events gapless" ws_gapless fine "$F0" user
check "and is still connected" kill -0 "${WS_PID[fine]}"
ws_stop stuck; ws_stop fine
t_done
