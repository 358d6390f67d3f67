#!/usr/bin/env bash
# The benchmark's load client (tests/bench/wsload.c) against the real stack,
# briefly: `make test` does not run the benchmarks, but this proves the
# client and both paths it measures work (events row + notify -> pushd ->
# nginx -> 50 WebSocket clients; POST /api/ratings -> new_rating at
# /ws/admin clients), and runs the bench's show and cluster parts at tiny
# sizes.  Builds nothing.
. "$(dirname "$0")/lib.sh"

WSLOAD="$MEMETER_BIN/wsload"
[ -x "$WSLOAD" ] || { echo "$T_NAME: $WSLOAD missing" >&2; exit 1; }

stack_up
python3 "$STACK_ROOT/tests/bench/mklibrary.py" "$STACK_DIR/library" 5

admin_login
admin_api POST /api/admin/sessions '{"name":"Smoke"}'
sid=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$sid/populate" '{}'
check "populate adds the library" json_is .added 5
admin_api POST "/api/admin/sessions/$sid/start" '{}'
check "session starts" json_is .status active

# field FILE TAG KEY: KEY's value on the line tagged TAG.
field() {
    awk -v tag="$2" -v key="$3" '$1 == tag { for (i = 2; i <= NF; i++) {
        split($i, kv, "="); if (kv[1] == key) { print kv[2]; exit } } }' "$1"
}

out="$T_DIR/push.txt"
"$WSLOAD" push -u "ws://127.0.0.1:$STACK_PORT/ws/user" -p memeter -S "$sid" \
    -l 50 -f 50 -e 3 -g 100 -t 200 -P "pushd=$STACK_PUSHD_PID" \
    > "$out" 2> "$T_DIR/push.err"
rc=$?
[ -n "${T_VERBOSE:-}" ] && cat "$out"
check "wsload push exits 0" test "$rc" = 0
check "50 clients connected and got hello" test "$(field "$out" connect ready)" = 50
check "all 50 held while idle" test "$(field "$out" idle held)" = 50
check "3 events published" test "$(field "$out" fanout events)" = 3
check "every client got every event (150)" test "$(field "$out" fanout deliveries)" = 150
check "nothing missing" test "$(field "$out" fanout missing)" = 0
check "no socket dropped" test "$(field "$out" fanout dropped)" = 0
check "latencies were recorded" awk -v v="$(field "$out" fanout max_ms)" 'BEGIN { exit !(v > 0) }'
check "pushd memory was read" awk -v v="$(awk '$1 == "mem" { split($4, a, "="); print a[2]; exit }' "$out")" \
    'BEGIN { exit !(v > 0) }'

# Two client processes (-j 2) from two source addresses: the helper's
# deliveries come back to the parent as samples, every one of them timed.
out="$T_DIR/push2.txt"
"$WSLOAD" push -u "ws://127.0.0.1:$STACK_PORT/ws/user" -p memeter -S "$sid" \
    -l 100 -f 100 -e 3 -g 100 -t 200 -j 2 -b 2 -P "pushd=$STACK_PUSHD_PID" \
    > "$out" 2> "$T_DIR/push2.err"
rc=$?
[ -n "${T_VERBOSE:-}" ] && cat "$out"
check "wsload push -j 2 exits 0" test "$rc" = 0
check "100 clients over 2 processes got hello" test "$(field "$out" connect ready)" = 100
check "the client ran as 2 processes" test "$(field "$out" connect procs)" = 2
check "all 100 held while idle" test "$(field "$out" idle held)" = 100
check "every client of both processes got every event (300)" test "$(field "$out" fanout deliveries)" = 300
check "one latency sample per delivery, merged" test "$(field "$out" fanout samples)" = 300
check "no sample without its publish time" test "$(field "$out" fanout unmatched)" = 0
check "nothing missing over 2 processes" test "$(field "$out" fanout missing)" = 0
# (CPU time itself may round to 0 at 300 deliveries: clock ticks.)
check "pushd's CPU is divided by the merged deliveries" \
    grep -q '^cpu phase=fanout n=100 proc=all us=[0-9]* deliverys=300 ' "$out"

cookie=$(awk '$6 == "mr_admin" { print $7 }' "$ADMIN_JAR")
out="$T_DIR/ratings.txt"
"$WSLOAD" ratings -u "$BASE" -a 5 -c 20 -C 4 -R 50 -s 1000 \
    -H "Cookie: mr_admin=$cookie" > "$out" 2> "$T_DIR/ratings.err"
rc=$?
[ -n "${T_VERBOSE:-}" ] && cat "$out"
check "wsload ratings exits 0" test "$rc" = 0
check "20 raters created" test "$(field "$out" setup raters)" = 20
check "50 ratings sent" test "$(field "$out" ratings sent)" = 50
check "all 50 accepted" test "$(field "$out" ratings ok)" = 50
check "5 admin clients got every new_rating (250)" test "$(field "$out" ratings deliveries)" = 250
check "no rating event missing" test "$(field "$out" ratings missing)" = 0
check "the ratings are in the database" test "$(db "SELECT count(*) FROM ratings WHERE session_id = $sid")" = 50

# run.sh itself at tiny sizes: both servers when Nchan is installed, the
# proxied path's memory with two proxy_buffer_size values, the direct rows
# (pushd_listen, else pushd_port), and a level above the file cap, which
# is left out with the reason instead of run.
bench_args=(BENCH_LEVELS=40 BENCH_FANOUT=60,50000 BENCH_FANOUT_EVENTS=3
    BENCH_FANOUT_GAP_MS=100 BENCH_RATES=20 BENCH_RATE_CLIENTS=20 BENCH_STEP_MS=500
    BENCH_HOLD_MS=200 BENCH_ROUNDS=1 BENCH_PROXY_BUFFERS=4k,1k
    BENCH_SKIP=direct,ratings,ratings1,reload,cpu,show,cluster BENCH_WRITE_DOC=0)
[ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] || bench_args+=(BENCH_ONLY=memeter)
out="$T_DIR/run.txt"
env "${bench_args[@]}" TMPDIR="$T_DIR" bash "$STACK_ROOT/tests/bench/run.sh" "$(dirname "$MEMETER_BIN")" \
    > "$out" 2> "$T_DIR/run.err"
rc=$?
[ -n "${T_VERBOSE:-}" ] && cat "$out"
[ "$rc" = 0 ] || tail -20 "$T_DIR/run.err" >&2
check "run.sh at tiny sizes exits 0" test "$rc" = 0
# cell ROW_PREFIX COLUMN: a cell of the push table (column 1 = figure).
cell() {
    awk -F' [|] ' -v p="| $1" -v c="$2" 'index($0, p) == 1 { gsub(/^[|] | [|]$/, ""); split($0, f, / [|] /); print f[c]; exit }' "$out"
}
check "the nginx path's fan-out to 60 is in the table" grep -q '^| fan-out to 60, .* ms' "$out"
check "the direct path with 1 pushd has its fan-out" awk -v v="$(cell "fan-out to 60," 4)" 'BEGIN { exit !(v ~ / ms/) }'
check "direct memory per connection measured" awk -v v="$(cell "memory per connection at 40" 4)" 'BEGIN { exit !(v + 0 > 0) }'
check "50,000 clients are over the file cap, said so" grep -q '^| fan-out to 50000, [^|]*| does not fit[^|]*| does not fit[^|]*| does not fit' "$out"
check "the proxied path with proxy_buffer_size 4k lost nothing" grep -q '^| proxied path, /ws/ proxy_buffer_size 4k: .* yes |$' "$out"
check "the proxied path with proxy_buffer_size 1k lost nothing" grep -q '^| proxied path, /ws/ proxy_buffer_size 1k: .* yes |$' "$out"
# (a number: at 180 deliveries the CPU time may round to 0 clock ticks)
check "CPU per delivery of the nginx path, pushd + nginx" awk -v v="$(cell "server CPU per delivery, fan-out to 60" 3)" \
    'BEGIN { exit !(v ~ /^[0-9.]+ [(]pushd [0-9.]+ [+] nginx [0-9.]+[)]/) }'

# The bench's own parts (tests/bench/show.sh, cluster.sh) at tiny sizes:
# each starts and stops stacks of its own and must leave figures that add up.
bench_part() {   # NAME: runs tests/bench/NAME.sh, output in $T_DIR/NAME.log
    BENCH_OUT="$T_DIR/bench-$1" bash "$STACK_ROOT/tests/bench/$1.sh" "$(dirname "$MEMETER_BIN")" \
        > "$T_DIR/$1.log" 2>&1
}
BENCH_SHOW_PHONES=20 BENCH_SHOW_RATE=20 BENCH_SHOW_MS=1000 bench_part show
rc=$?
[ "$rc" = 0 ] || tail -20 "$T_DIR/show.log" >&2
check "bench show part exits 0" test "$rc" = 0
sv() { field "$T_DIR/bench-show/show.txt" show "$1"; }   # the first line: no reactions
rv() { awk -v key="$1" '$1 == "show" && $2 == "phase=reactions" { for (i = 3; i <= NF; i++) {
    split($i, kv, "="); if (kv[1] == key) print kv[2] } }' "$T_DIR/bench-show/show.txt"; }
check "show: every reaction accepted (20 phones x 1 s)" test "$(rv reactions_ok)" = 20 -a "$(rv reactions_sent)" = 20
check "show: the screen's counts add up to the reactions accepted" test "$(rv screen_counted)" = "$(rv reactions_ok)"
check "show: at most 4 reactions messages in any second" test "$(rv screen_max_per_s)" -le 4 -a "$(rv screen_msgs)" -ge 1
check "show: every rating of the open meme accepted and seen" test "$(rv ratings_ok)" = 20 -a "$(rv missing)" = 0
check "show: the quiet step rated too" test "$(sv ratings_ok)" = 20
check "show: its rows were written" grep -q 'reactions messages at the screen' "$T_DIR/bench-show/rows-show.md"

BENCH_CLUSTER_CLIENTS=200 BENCH_CLUSTER_EVENTS=5 BENCH_CLUSTER_RATE_EVENTS=200 bench_part cluster
rc=$?
[ "$rc" = 0 ] || tail -20 "$T_DIR/cluster.log" >&2
check "bench cluster part exits 0 (it needs redis-server)" test "$rc" = 0
cv() { field "$T_DIR/bench-cluster/cluster-edge$1.txt" fanout "$2"; }
check "cluster: 100 clients on each edge" test "$(cv 1 ready)" = 100 -a "$(cv 2 ready)" = 100
check "cluster: every event reached every client on both edges" \
    test "$(cv 1 deliveries)" = 500 -a "$(cv 2 deliveries)" = 500 -a "$(cv 1 complete_clients)" = 100 -a "$(cv 2 complete_clients)" = 100
check "cluster: the stream alone carried 200 events" grep -q '^| the stream alone, 200 events' "$T_DIR/bench-cluster/rows-cluster.md"
check "cluster: Redis CPU per event was measured" \
    grep -Eq '^\| Redis CPU per event .*\| [0-9]+\.[0-9]+ / [0-9]+\.[0-9]+; [0-9]+\.[0-9]+ / ' "$T_DIR/bench-cluster/rows-cluster.md"

t_done
