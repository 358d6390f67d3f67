# shellcheck shell=bash
# make bench, the big screen's load (issue 13): a host-paced round open,
# BENCH_SHOW_PHONES phones (distinct rater cookies) each sending
# POST /api/reactions at BENCH_SHOW_PER_PHONE a second, spread evenly
# (open loop), while other raters rate the open meme at BENCH_SHOW_RATE a
# second and one /ws/admin client plays /screen.  A first step of the same
# ratings without reactions is the comparison.  Figures: reactions sent /
# accepted / 429, reactions messages at the screen (most in any one
# second: the goal is <= 4), their summed counts against the reactions
# accepted (aggregation loses nothing), the ratings' p50 / p99 (POST ->
# 2xx, and POST -> new_rating at the screen; goal p99 <= 20 ms), and the
# server CPU a reaction costs.  Rows in $OUT/rows-show.md.
#
# nginx's reactions zone (5 a second per rater, memeter-http.conf) is
# kept as deployed: it is keyed by the rater cookie, so 1,000 phones on
# one address are 1,000 keys, and a phone at 1/s is far under it.  Only
# the join limit (MEMETER_JOIN_*) and the general per-rater zone are
# raised, as for the rest of make bench.
#
# Sourced by run.sh (show_bench), or on its own:
#   BENCH_SHOW_PHONES=20 bash tests/bench/show.sh build/release

SHOW_PHONES=${BENCH_SHOW_PHONES:-1000}
SHOW_PER_PHONE=${BENCH_SHOW_PER_PHONE:-1}
SHOW_RATE=${BENCH_SHOW_RATE:-200}
SHOW_MS=${BENCH_SHOW_MS:-10000}

# shellcheck source=parts.sh
. "$(dirname "${BASH_SOURCE[0]}")/parts.sh"

# Starts a stack of its own with a host-paced session, round 1 open;
# SHOW_SID and SHOW_MEME.
show_start() {
    local body
    export STACK_WS_PER_ADDR=20000 STACK_WS_MAX=20000
    export MEMETER_JOIN_BURST=100000 MEMETER_JOIN_RATE=100000
    export STACK_NGINX_WORKERS=${BENCH_NGINX_WORKERS:-2} STACK_NGINX_CONNECTIONS=19000
    export STACK_NGINX_NOFILE=19500 STACK_WORKERS=${BENCH_POOL_WORKERS:-4}
    export STACK_RATER_RATE=1000000r/s STACK_RATER_BURST=1000000
    export STACK_LOGIN_RATE=1000r/s STACK_LOGIN_BURST=1000
    export STACK_ACCESS_LOG=off STACK_LOG_LEVEL=warn
    STACK_PIDS=()
    stack_init "$BENCH_DIR/show" "$(stack_free_port)"
    python3 "$root/tests/bench/mklibrary.py" "$STACK_DIR/library" 10
    stack_start || return 1
    part_admin_login || return 1
    body=$(part_admin POST /api/admin/sessions '{"name":"Show","pace":"host","seconds":0}')
    SHOW_SID=$(jq -r '.id // empty' <<<"$body")
    [ -n "$SHOW_SID" ] || { echo "bench-show: create session: $body" >&2; return 1; }
    body=$(part_admin POST "/api/admin/sessions/$SHOW_SID/populate")
    [ "$(jq -r '.added // 0' <<<"$body")" -gt 0 ] || { echo "bench-show: populate: $body" >&2; return 1; }
    body=$(part_admin POST "/api/admin/sessions/$SHOW_SID/start")
    [ "$(jq -r '.status // empty' <<<"$body")" = active ] || { echo "bench-show: start: $body" >&2; return 1; }
    body=$(part_admin POST "/api/admin/sessions/$SHOW_SID/round" '{"action":"next"}')
    SHOW_MEME=$(jq -r 'select(.state == "open") | .meme_id // empty' <<<"$body")
    [ -n "$SHOW_MEME" ] || { echo "bench-show: round next: $body" >&2; return 1; }
    part_say "show: stack on :$STACK_PORT, host-paced session $SHOW_SID, meme $SHOW_MEME open"
}

# show_cpu FILE PHASE PROC: us of PROC in PHASE (the cpu line).
show_cpu() {
    awk -v ph="phase=$2" -v p="proc=$3" '$1 == "cpu" && $2 == ph && $4 == p {
        split($5, kv, "="); print kv[2]; exit }' "$1"
}

show_rows() {
    local f=$1 sent ok r429 rfail maxs msgs counted lost p99 e99 cpu_r cpu_q per
    v() { part_val "$f" show "$1" phase=reactions; }
    q() { part_val "$f" show "$1" phase=quiet; }
    sent=$(v reactions_sent); ok=$(v reactions_ok); r429=$(v reactions_429); rfail=$(v reactions_failed)
    maxs=$(v screen_max_per_s); msgs=$(v screen_msgs); counted=$(v screen_counted); lost=$(v screen_lost)
    p99=$(v http_p99_ms); e99=$(v p99_ms)
    yes() { if [ "$1" = 1 ]; then echo yes; else echo "**no**"; fi; }
    le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a + 0 <= b + 0) ? 1 : 0 }'; }
    cpu_r=$(show_cpu "$f" show all); cpu_q=$(show_cpu "$f" quiet all)
    per=$(awk -v r="$cpu_r" -v q="${cpu_q:-0}" -v n="$ok" 'BEGIN { if (n > 0 && r != "") printf "%.1f", (r - q) / n; else print "-" }')
    {
        echo "| big screen under reactions (issue 13): $SHOW_PHONES phones x $SHOW_PER_PHONE reaction/s, $SHOW_RATE ratings/s of the open meme, $((SHOW_MS / 1000)) s | measured | target | met |"
        echo "|---|---|---|---|"
        echo "| reactions sent / accepted (202) / 429 / failed | $sent / $ok / $r429 / $rfail | all accepted | $(yes "$([ "$ok" = "$sent" ] && [ "${sent:-0}" -gt 0 ] && echo 1)") |"
        echo "| reactions messages at the screen: most in any 1 s (all, over the step) | $maxs ($msgs) | <= 4 | $(yes "$(le "$maxs" 4)") |"
        echo "| counts summed at the screen / reactions accepted (lost) | $counted / $ok ($lost) | equal, 0 lost | $(yes "$([ "$counted" = "$ok" ] && [ "$lost" = 0 ] && echo 1)") |"
        echo "| rating POST -> 2xx, p50 / p99 / max, with reactions | $(v http_p50_ms) / $p99 / $(v http_max_ms) ms ($(v ratings_ok)/$(v ratings_sent) ok) | p99 <= 20 ms | $(yes "$(le "$p99" 20)") |"
        echo "| rating POST -> new_rating at the screen, p50 / p99 / max, with reactions | $(v p50_ms) / $e99 / $(v max_ms) ms ($(v missing) missing) | p99 <= 20 ms | $(yes "$(le "$e99" 20)") |"
        if [ -n "$(q ratings_sent)" ]; then
            echo "| the same ratings without reactions: POST -> 2xx / -> new_rating, p50 / p99 | $(q http_p50_ms) / $(q http_p99_ms) ms; $(q p50_ms) / $(q p99_ms) ms | - | - |"
            echo "| server CPU per reaction (nginx + pool + pushd; the step with reactions minus the one without, / accepted) | $per us | - | - |"
        fi
        echo "| reaction POST -> 202, p50 / p99 | $(v react_http_p50_ms) / $(v react_http_p99_ms) ms | - | - |"
        echo "| load average (1 min) at the start / at the end (the machine is shared: above ~1 is other work) | ${SHOW_LOAD0:-?} / $(cut -d' ' -f1 /proc/loadavg) | - | - |"
    } > "$OUT/rows-show.md"
}

show_bench() {
    local f="$OUT/show.txt" workers pool quiet=""
    show_start || return 1
    workers=$(part_children "$STACK_NGINX_PID" | tr ' ' ',')
    pool=$(part_children "$STACK_POOL_PID" | tr ' ' ',')
    [ -n "${BENCH_SHOW_NO_QUIET:-}" ] && quiet=-q
    SHOW_LOAD0=$(cut -d' ' -f1 /proc/loadavg)
    part_say "show: $SHOW_PHONES phones reacting at $SHOW_PER_PHONE/s, $SHOW_RATE ratings/s, $SHOW_MS ms"
    # shellcheck disable=SC2086
    part_wsload "$f" show -u "$BASE" -H "Cookie: mr_admin=$ADMIN_COOKIE" -m "$SHOW_MEME" \
        -n "$SHOW_PHONES" -r "$SHOW_PER_PHONE" -R "$SHOW_RATE" -s "$SHOW_MS" $quiet \
        -P "nginx=$workers" -P "pool=$pool" -P "pushd=$STACK_PUSHD_PID" || { stack_stop; return 1; }
    stack_stop
    [ -n "$(part_val "$f" show reactions_sent phase=reactions)" ] ||
        { echo "bench-show: no result line in $f" >&2; return 1; }
    show_rows "$f"
    part_rows show
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    part_standalone "${1:-build/release}" show
    show_bench
fi
