#!/usr/bin/env bash
# make bench: memeter's push path (nginx -> pushd) and nginx + Nchan, side by
# side in one run on loopback with the same load client (wsload) and equal
# messages; then memeter's end-to-end rating path and a reload under load.
# Prints the table and writes docs/BENCHMARKS.md.
#
#   bash tests/bench/run.sh build/release
#
# Sizes can be lowered for a quick look (BENCH_LEVELS=500 BENCH_FANOUT=500 ...);
# docs/BENCHMARKS.md is only rewritten by a full-size run unless
# BENCH_WRITE_DOC=1.  For development, BENCH_ONLY=memeter|nchan runs
# one side, and BENCH_SKIP=nginx,listen,proxymem,direct,ratings,ratings1,
# reload,cpu,show,cluster skips parts of memeter's (the doc is then not
# written): nginx = the push rounds through nginx, listen = the direct
# path's (pushd_listen or pushd_port, with 1 and 2 pushd: BENCH_DIRECT_PROCS),
# proxymem = the proxied path's memory with each /ws/ proxy_buffer_size of
# BENCH_PROXY_BUFFERS (default: 4k and the one in conf/nginx), direct =
# the "pushd alone" diagnostic, show and cluster = tests/bench/show.sh and
# cluster.sh (each starts its own stacks).  BENCH_CLIENT_PROCS (2) and BENCH_SOURCES (4)
# size the load client; BENCH_WS_PROXY_BUFFER runs the whole stack with
# another /ws/ proxy_buffer_size.  BENCH_BASELINE_BIN=DIR adds
# the server CPU per rating of another build (the commit before a change)
# next to this one's, in alternating rounds of the same run.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build/release}
case $build in
/*) export MEMETER_BIN="$build/bin" ;;
*) export MEMETER_BIN="$root/$build/bin" ;;
esac
# The source tree the binaries were built in (for the doc's record).
MEMETER_SRC=$(cd "$MEMETER_BIN/../../.." 2>/dev/null && pwd)
WSLOAD="$MEMETER_BIN/wsload"
# shellcheck source=../../mk/stack.sh
. "$root/mk/stack.sh"
# shellcheck source=parts.sh
. "$root/tests/bench/parts.sh"

LEVELS=${BENCH_LEVELS:-1000,5000,10000}
FANOUT=${BENCH_FANOUT:-20000,10000,1000}
FANOUT_EVENTS=${BENCH_FANOUT_EVENTS:-20}
FANOUT_GAP_MS=${BENCH_FANOUT_GAP_MS:-250}
RATE_CLIENTS=${BENCH_RATE_CLIENTS:-1000}
RATES=${BENCH_RATES:-50,100,200,300,400,500,600,700,800,1000,1200,1500,2000,3000,4000,6000,8000}
STEP_MS=${BENCH_STEP_MS:-3000}
# The ladder's latency bound (p99 of a step), ms: a higher one runs the
# top rates even on a loaded machine (to see that nothing is lost).
RATE_P99_MS=${BENCH_RATE_P99_MS:-100}
HOLD_MS=${BENCH_HOLD_MS:-3000}
E2E_ADMINS=${BENCH_E2E_ADMINS:-100}
E2E_RATERS=${BENCH_E2E_RATERS:-2500}
E2E_RATES=${BENCH_E2E_RATES:-250,500,1000,2000,3000,4000,5000,6000,7000,8000}
E2E_STEP_MS=${BENCH_E2E_STEP_MS:-3000}
E2E_CONNS=${BENCH_E2E_CONNS:-64}
RELOAD_RATE=${BENCH_RELOAD_RATE:-200}
RELOAD_USERS=${BENCH_RELOAD_USERS:-1000}
RELOAD_HUPS=${BENCH_RELOAD_HUPS:-30}
MEMES=${BENCH_MEMES:-60}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-2}
POOL_WORKERS=${BENCH_POOL_WORKERS:-4}
ROUNDS=${BENCH_ROUNDS:-2}
# Every process here may hold at most 20,000 files: the load client runs as
# CLIENT_PROCS processes (the idle and fan-out clients spread over them,
# latencies merged over every sample) from SOURCES loopback addresses
# (127.0.0.1..N, each its own ephemeral ports).
CLIENT_PROCS=${BENCH_CLIENT_PROCS:-2}
SOURCES=${BENCH_SOURCES:-4}

full_size=0
[ "$LEVELS" = 1000,5000,10000 ] && [ "$FANOUT" = 20000,10000,1000 ] && full_size=1
write_doc=${BENCH_WRITE_DOC:-$full_size}

[ -x "$WSLOAD" ] || { echo "bench: $WSLOAD missing (make $build/bin/wsload)" >&2; exit 1; }
[ "${BENCH_ONLY:-}" = nchan ] ||
for b in memeter-fcgi memeter-pushd; do
    [ -x "$MEMETER_BIN/$b" ] || { echo "bench: $MEMETER_BIN/$b missing" >&2; exit 1; }
done

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memeter-bench.XXXXXX")
OUT="$BENCH_DIR/out"
mkdir -p "$OUT" "$BENCH_DIR/bin"
# One version for the whole run, even if the build tree is relinked while
# it runs.
for b in memeter-fcgi memeter-pushd memeterctl memeter-relay wsload; do
    [ -x "$MEMETER_BIN/$b" ] && cp "$MEMETER_BIN/$b" "$BENCH_DIR/bin/"
done
export MEMETER_BIN="$BENCH_DIR/bin"
WSLOAD="$MEMETER_BIN/wsload"
NCHAN_PID=""
COMMANDS=()

cleanup() {
    local rc=$?
    [ -n "$NCHAN_PID" ] && stack_kill "$NCHAN_PID"
    NCHAN_PID=""
    [ -n "${STACK_PIDS[*]:-}" ] && stack_stop
    if [ "$rc" -ne 0 ]; then
        echo "bench: failed; logs kept in $BENCH_DIR" >&2
    elif [ -z "${KEEP_BENCH_DIR:-}" ]; then
        rm -rf "$BENCH_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# --- what fits under the file limit -----------------------------------------
# Every process here may hold at most FD_CAP files.  A fan-out level runs
# only where each server process's share fits: FDS_PER_CLIENT files per
# client (Nchan and pushd 1; nginx proxying to pushd 2: the client's socket
# and the one to pushd), spread over PROCS processes with SPREAD_SLACK
# for an uneven split (nginx's workers took 46/54 of 10,000 here; the
# kernel's SO_REUSEPORT hash is closer), and a few files of their own.
FD_CAP=$(ulimit -Hn)
[ "$FD_CAP" = unlimited ] && FD_CAP=1048576
SPREAD_SLACK=${BENCH_SPREAD_SLACK:-1.15}
# fits N FDS_PER_CLIENT PROCS LIMIT: 1 if N clients fit.
fits() {
    awk -v n="$1" -v f="$2" -v p="$3" -v lim="$4" -v s="$SPREAD_SLACK" 'BEGIN {
        share = (p > 1) ? n / p * s : n; if (share > n) share = n
        print (share * f + 64 <= lim) ? 1 : 0 }'
}
# fitting LIST FDS_PER_CLIENT PROCS LIMIT: the levels of LIST that fit.
# The load client's processes must hold their shares too (an even split).
fitting() {
    local n out=""
    for n in ${1//,/ }; do
        [ "$(fits "$n" "$2" "$3" "$4")" = 1 ] && [ "$(client_fits "$n")" = 1 ] && out+="${out:+,}$n"
    done
    echo "$out"
}
client_fits() {
    awk -v n="$1" -v p="$CLIENT_PROCS" -v lim="$FD_CAP" 'BEGIN { print (n / p + 64 <= lim) ? 1 : 0 }'
}
# The most clients that fit (for the table's note on a level left out).
fit_max() {
    awk -v f="$1" -v p="$2" -v lim="$3" -v s="$SPREAD_SLACK" 'BEGIN {
        share = (p > 1) ? s / p : 1; printf "%d", (lim - 64) / f / share }'
}
NGINX_FD_LIMIT=19000	# worker_connections (worker_rlimit_nofile is 19,500)
DIAG_FANOUT=""

# The worker pids of an nginx master, comma separated.
nginx_workers() {
    ps -o pid= --ppid "$1" | tr -s ' \n' ',' | sed 's/^,//; s/,$//'
}

# The pool master and its workers, comma separated.
pool_pids() { echo "$1,$(nginx_workers "$1")"; }

# -P arguments for the rating path's server processes: nginx (master and
# workers), the pool (master and workers), pushd.
rating_procs() {
    echo -P "nginx=$STACK_NGINX_PID,$MEMETER_WORKERS" -P "pool=$(pool_pids "$STACK_POOL_PID")" \
        -P "pushd=$STACK_PUSHD_PID"
}



# --- Nchan ----------------------------------------------------------------

nchan_start() {
    local dir="$BENCH_DIR/nchan" user_line="" i
    mkdir -p "$dir/nginx-tmp" "$dir/logs"
    NCHAN_PORT=$(stack_free_port)
    [ "$(id -u)" -eq 0 ] && user_line="user root root;"
    sed -e "s|@USER_LINE@|$user_line|" -e "s|@DIR@|$dir|g" -e "s|@PORT@|$NCHAN_PORT|g" \
        -e "s|@NGINX_WORKERS@|$NGINX_WORKERS|g" -e "s|@NGINX_NOFILE@|19500|g" \
        -e "s|@NGINX_CONNECTIONS@|19000|g" \
        "$root/tests/bench/nchan.conf.in" > "$dir/nginx.conf"
    nginx -e "$dir/logs/nginx-error.log" -p "$dir" -c "$dir/nginx.conf" \
        >> "$dir/logs/nginx.log" 2>&1 &
    NCHAN_PID=$!
    for ((i = 0; i < 250; i++)); do
        curl -fsS -o /dev/null -X POST --data-binary x \
            "http://127.0.0.1:$NCHAN_PORT/pub?id=warmup" 2>/dev/null && break
        kill -0 "$NCHAN_PID" 2>/dev/null || { cat "$dir/logs/nginx-error.log" >&2; return 1; }
        sleep 0.02
    done
    NCHAN_WORKERS=$(nginx_workers "$NCHAN_PID")
    part_say "Nchan on :$NCHAN_PORT (workers $NCHAN_WORKERS)"
}

# nchan_push FILE: the push figures of Nchan.
nchan_push() {
    part_say "Nchan: idle hold, fan-out, sustained ($1)"
    part_wsload "$1" push -u "ws://127.0.0.1:$NCHAN_PORT/sub?id=bench" \
        -p "nchan:http://127.0.0.1:$NCHAN_PORT/pub?id=bench" -r open \
        -l "$LEVELS" -f "$(fitting "$FANOUT" 1 "$NGINX_WORKERS" "$NGINX_FD_LIMIT")" \
        -e "$FANOUT_EVENTS" -g "$FANOUT_GAP_MS" \
        -R "$RATES" -n "$RATE_CLIENTS" -s "$STEP_MS" -L "$RATE_P99_MS" -t "$HOLD_MS" \
        -j "$CLIENT_PROCS" -b "$SOURCES" -P "nginx=$NCHAN_WORKERS"
}

# --- memeter --------------------------------------------------------------

make_library() { python3 "$root/tests/bench/mklibrary.py" "$1" "$MEMES"; }

memeter_session() {
    local body sid
    part_admin_login || return 1
    body=$(part_admin POST /api/admin/sessions '{"name":"Benchmark"}')
    sid=$(jq -r '.id // empty' <<<"$body")
    [ -n "$sid" ] || { echo "bench: create session failed: $body" >&2; return 1; }
    body=$(part_admin POST "/api/admin/sessions/$sid/populate")
    [ "$(jq -r '.added // 0' <<<"$body")" -gt 0 ] || {
        echo "bench: populate failed: $body" >&2; return 1; }
    body=$(part_admin POST "/api/admin/sessions/$sid/start")
    [ "$(jq -r '.status // empty' <<<"$body")" = active ] || {
        echo "bench: start failed: $body" >&2; return 1; }
    SESSION_ID=$sid
}

memeter_start() {
    local port
    # Benchmark-sized nginx (each proxied WebSocket costs it 2 fds) and
    # limits far above the load, so the figures are the code's, not the
    # limiter's.
    # The load client is one address holding every WebSocket: the
    # per-address and total /ws/ limits go above it.
    export STACK_WS_PER_ADDR=20000 STACK_WS_MAX=20000
    export MEMETER_JOIN_BURST=100000 MEMETER_JOIN_RATE=100000
    export STACK_NGINX_WORKERS=$NGINX_WORKERS STACK_NGINX_CONNECTIONS=19000
    export STACK_NGINX_NOFILE=19500 STACK_WORKERS=$POOL_WORKERS
    export STACK_RATER_RATE=1000000r/s STACK_RATER_BURST=1000000
    export STACK_LOGIN_RATE=1000r/s STACK_LOGIN_BURST=1000
    export STACK_ACCESS_LOG=off STACK_LOG_LEVEL=warn
    port=$(stack_free_port)
    stack_init "$BENCH_DIR/memeter" "$port"
    [ -n "${BENCH_WS_PROXY_BUFFER:-}" ] && ws_buffer_set "$BENCH_WS_PROXY_BUFFER"
    # For trying server-level nginx directives (e.g. request_pool_size):
    # appended to memeter's server{} snippet.
    [ -n "${BENCH_NGINX_SERVER_EXTRA:-}" ] && printf '%s\n' "$BENCH_NGINX_SERVER_EXTRA" >> "$STACK_DIR/memeter-server.conf"
    make_library "$STACK_DIR/library"
    stack_start || return 1
    memeter_session || return 1
    MEMETER_WORKERS=$(nginx_workers "$STACK_NGINX_PID")
    part_say "memeter on :$port (pushd $STACK_PUSHD_PID, nginx workers $MEMETER_WORKERS, pool $STACK_POOL_PID, session $SESSION_ID)"
}

# The /ws/ location's proxy_buffer_size in the stack's nginx config (a
# proxied WebSocket holds one such buffer each way, whatever proxy_buffers
# say: an upgraded connection is relayed through these two only).
ws_buffer_get() {
    awk '$1 == "proxy_buffer_size" { sub(";", "", $2); print $2; exit }' "${1:-$STACK_DIR/memeter-server.conf}"
}
ws_buffer_set() {
    sed -i "s|^\( *proxy_buffer_size\) [^;]*;|\1 $1;|" "$STACK_DIR/memeter-server.conf"
    [ "$(ws_buffer_get)" = "$1" ] || { echo "bench: could not set proxy_buffer_size $1" >&2; return 1; }
}

# A fresh nginx for the stack (after its config changed): new workers, so
# their memory starts from nothing again.
nginx_restart() {
    local pid keep=()
    stack_kill "$STACK_NGINX_PID"
    for pid in "${STACK_PIDS[@]}"; do
        [ "$pid" = "$STACK_NGINX_PID" ] || keep+=("$pid")
    done
    STACK_PIDS=("${keep[@]}")
    stack_start_nginx
    stack_wait_ready || return 1
    MEMETER_WORKERS=$(nginx_workers "$STACK_NGINX_PID")
}

# memeter_push FILE: the push figures of memeter (nginx -> pushd).
memeter_push() {
    part_say "memeter: idle hold, fan-out, sustained ($1)"
    part_wsload "$1" push -u "ws://127.0.0.1:$STACK_PORT/ws/user" \
        -p memeter -S "$SESSION_ID" -r hello \
        -l "$LEVELS" -f "$(fitting "$FANOUT" 2 "$NGINX_WORKERS" "$NGINX_FD_LIMIT")" \
        -e "$FANOUT_EVENTS" -g "$FANOUT_GAP_MS" \
        -R "$RATES" -n "$RATE_CLIENTS" -s "$STEP_MS" -L "$RATE_P99_MS" -t "$HOLD_MS" \
        -j "$CLIENT_PROCS" -b "$SOURCES" -P "pushd=$STACK_PUSHD_PID" -P "nginx=$MEMETER_WORKERS"
}

# --- memeter's direct path (pushd_listen) and several pushd (pushd_processes)

# supports KEY: 1 if this build's config knows KEY (memeterctl lists every
# key it knows; an unknown key in the environment is ignored, in a file
# refused).
supports() {
    [ -x "$MEMETER_BIN/memeterctl" ] &&
        "$MEMETER_BIN/memeterctl" config 2>/dev/null | grep -q "^$1 = "
}

# pushd and every process it started, comma separated.
pushd_pids() {
    local all=$STACK_PUSHD_PID frontier=$STACK_PUSHD_PID kids p
    while [ -n "$frontier" ]; do
        kids=""
        for p in $frontier; do kids+=" $(ps -o pid= --ppid "$p" | tr -s ' \n' ' ')"; done
        frontier=$(echo $kids)
        [ -n "$frontier" ] && all+=" $frontier"
    done
    echo $all | tr ' ' ','
}

# pushd_restart [VAR=VALUE...]: the stack's pushd again, with these in its
# environment (the config reads MEMETER_<KEY>).  With none, as the stack
# starts it (on its Unix socket, for nginx); with some, the caller waits
# for what they ask for.
pushd_restart() {
    local pid keep=() kv names=() rc=0
    stack_kill "$STACK_PUSHD_PID"
    for pid in "${STACK_PIDS[@]}"; do
        [ "$pid" = "$STACK_PUSHD_PID" ] || keep+=("$pid")
    done
    STACK_PIDS=("${keep[@]}")
    if [ "$#" = 0 ]; then
        rm -f "$STACK_DIR/pushd.sock"
        stack_start_pushd
        return
    fi
    for kv in "$@"; do export "${kv?}"; names+=("${kv%%=*}"); done
    "$MEMETER_BIN/memeter-pushd" >>"$STACK_DIR/logs/pushd.log" 2>&1 &
    STACK_PUSHD_PID=$!
    STACK_PIDS+=("$STACK_PUSHD_PID")
    unset "${names[@]}"
    return "$rc"
}

# Waits until N sockets listen on 127.0.0.1:PORT (one per pushd process
# with SO_REUSEPORT, so that none of them misses its share of clients);
# one listener shared by all of them does too, after a while.
wait_listeners() {
    local port=$1 want=$2 i n=0
    for ((i = 0; i < 500; i++)); do
        n=$(ss -Hltn "sport = :$port" 2>/dev/null | wc -l)
        [ "$n" -ge "$want" ] && return 0
        kill -0 "$STACK_PUSHD_PID" 2>/dev/null || break
        sleep 0.02
    done
    if [ "$n" -ge 1 ] && kill -0 "$STACK_PUSHD_PID" 2>/dev/null; then
        part_say "pushd: $n listener(s) on :$port for $want processes (one shared socket?)"
        return 0
    fi
    echo "bench: pushd did not listen on :$port; its log:" >&2
    tail -5 "$STACK_DIR/logs/pushd.log" >&2
    return 1
}

# How this build serves WebSockets without nginx: pushd_listen (the direct
# listener, beside the Unix socket), else pushd_port (127.0.0.1 only,
# instead of the Unix socket: the same lws path, the diagnostic's), and
# whether pushd_processes can make it several processes.
DIRECT_PROCS=${BENCH_DIRECT_PROCS:-1,2}
DIRECT_KEY=""
MULTI=""
direct_check() {
    if supports pushd_listen; then DIRECT_KEY=pushd_listen
    elif supports pushd_port; then DIRECT_KEY=pushd_port
    fi
    supports pushd_processes && MULTI=yes
    part_say "memeter direct: ${DIRECT_KEY:-not supported by this build} (pushd_processes: ${MULTI:-not supported by this build})"
}
# direct_why PROCS: why the direct column with PROCS pushd has no figures
# ("" when it can have some).
direct_why() {
    if [ -z "$DIRECT_KEY" ]; then echo "pushd_listen not supported by this build"
    elif [ "$1" -gt 1 ] && [ -z "$MULTI" ]; then echo "pushd_processes not supported by this build"
    fi
}

# memeter_direct FILE PROCS: fan-out straight to pushd (no nginx on the
# push path) with PROCS pushd processes; server = every pushd process.
# Leaves the stack's pushd as it was.
memeter_direct() {
    local file=$1 procs=$2 dport rc max_level fo env=()
    dport=$(stack_free_port)
    max_level=$(tr ',' '\n' <<<"$LEVELS" | sort -n | tail -1)
    fo=$(fitting "$FANOUT" 1 "$procs" "$FD_CAP")
    if [ "$DIRECT_KEY" = pushd_listen ]; then
        env=("MEMETER_PUSHD_LISTEN=127.0.0.1:$dport")
    else
        env=("MEMETER_PUSHD_PORT=$dport")
    fi
    [ -n "$MULTI" ] && env+=("MEMETER_PUSHD_PROCESSES=$procs")
    # The load client is a few addresses holding every WebSocket: the
    # direct listener's per-address cap goes above it, as nginx's does.
    supports pushd_ws_per_addr && env+=("MEMETER_PUSHD_WS_PER_ADDR=1000000")
    pushd_restart "${env[@]}" || return 1
    wait_listeners "$dport" "$procs" || return 1
    part_say "memeter direct ($DIRECT_KEY 127.0.0.1:$dport), $procs pushd (pids $(pushd_pids)): idle $max_level, fan-out $fo"
    part_wsload "$file" push -u "ws://127.0.0.1:$dport/ws/user" -O "$BASE" \
        -p memeter -S "$SESSION_ID" -r hello -l "$max_level" -f "$fo" \
        -e "$FANOUT_EVENTS" -g "$FANOUT_GAP_MS" -R "" -t "$HOLD_MS" \
        -j "$CLIENT_PROCS" -b "$SOURCES" -P "pushd=$(pushd_pids)"
    rc=$?
    pushd_restart || return 1
    return "$rc"
}

# Memory per connection of the proxied path with each /ws/
# proxy_buffer_size of PROXY_BUFFERS side by side, each on a fresh nginx
# (the one before and the one in conf/nginx/memeter-server.conf.in), and
# a fan-out to the same clients for the CPU each costs per delivery.
PROXY_BUFFERS=${BENCH_PROXY_BUFFERS:-4k,$(ws_buffer_get "$root/conf/nginx/memeter-server.conf.in")}
bench_proxy_memory() {
    local b saved max_level seen=","
    saved=$(ws_buffer_get)
    max_level=$(tr ',' '\n' <<<"$LEVELS" | sort -n | tail -1)
    for b in ${PROXY_BUFFERS//,/ }; do
        [[ $seen == *",$b,"* ]] && continue
        seen+="$b,"
        # Both fresh: pushd keeps (and reuses) what the last clients freed.
        ws_buffer_set "$b" && nginx_restart && pushd_restart || return 1
        part_say "memeter proxied path, proxy_buffer_size $b: memory at $max_level, fan-out"
        part_wsload "$OUT/proxymem-$b.txt" push -u "ws://127.0.0.1:$STACK_PORT/ws/user" \
            -p memeter -S "$SESSION_ID" -r hello -l "$max_level" -f "$max_level" \
            -e "$FANOUT_EVENTS" -g "$FANOUT_GAP_MS" -R "" -t "$HOLD_MS" \
            -j "$CLIENT_PROCS" -b "$SOURCES" -P "pushd=$STACK_PUSHD_PID" -P "nginx=$MEMETER_WORKERS" || return 1
    done
    ws_buffer_set "$saved" && nginx_restart
}

# The rest of memeter's figures, after the push rounds.
skipped() { [[ ",${BENCH_SKIP:-}," == *",$1,"* ]]; }

memeter_rest() {
    if ! skipped proxymem; then bench_proxy_memory || return 1; fi
    if ! skipped direct; then bench_pushd_direct || return 1; fi

    if ! skipped ratings; then
        part_say "memeter end to end: POST /api/ratings -> new_rating at $E2E_ADMINS admin clients"
        # shellcheck disable=SC2046
        part_wsload "$OUT/ratings.txt" ratings -u "$BASE" -a "$E2E_ADMINS" \
            -c "$E2E_RATERS" -C "$E2E_CONNS" -R "$E2E_RATES" -s "$E2E_STEP_MS" -L 20 \
            -H "Cookie: mr_admin=$ADMIN_COOKIE" $(rating_procs) || return 1
    fi

    # The same with one admin client: what the pool alone sustains, to
    # tell the workers' limit from the fan-out's.
    if ! skipped ratings1; then
        part_say "memeter end to end with 1 admin client (the pool's own limit)"
        part_wsload "$OUT/ratings1.txt" ratings -u "$BASE" -a 1 \
            -c "$E2E_RATERS" -C "$E2E_CONNS" -R "$E2E_RATES" -s "$E2E_STEP_MS" -L 20 \
            -H "Cookie: mr_admin=$ADMIN_COOKIE" || return 1
    fi

    if ! skipped reload; then
        part_say "memeter reload under load: SIGHUP to the pool every second, $RELOAD_HUPS times"
        part_wsload "$OUT/reload.txt" ratings -u "$BASE" -a 10 -U "$RELOAD_USERS" \
            -c 500 -C 16 -R "$RELOAD_RATE" -s "$(( (RELOAD_HUPS + 1) * 1000 ))" \
            -K "$STACK_POOL_PID" -k 1000 -N "$RELOAD_HUPS" \
            -H "Cookie: mr_admin=$ADMIN_COOKIE" || return 1
    fi
    stack_stop
}

# Server CPU per rating at one fixed offered rate, this build next to
# BENCH_BASELINE_BIN's (the commit before a change), in alternating rounds
# of one run: user + system time of nginx, the pool and pushd from /proc,
# divided by the ratings accepted.  Without a baseline only this build.
CPU_RATE=${BENCH_CPU_RATE:-1000}
CPU_STEP_MS=${BENCH_CPU_STEP_MS:-6000}
CPU_ROUNDS=${BENCH_CPU_ROUNDS:-2}
cpu_per_rating() {
    local r name bin saved_bin=$MEMETER_BIN saved_dir=$STACK_DIR saved_port=$STACK_PORT
    local saved_base=$BASE saved_pids=("${STACK_PIDS[@]}")
    local builds=("current=$MEMETER_BIN")
    if [ -n "${BENCH_BASELINE_BIN:-}" ]; then
        mkdir -p "$BENCH_DIR/baseline-bin"
        cp "$BENCH_BASELINE_BIN"/memeter-fcgi "$BENCH_BASELINE_BIN"/memeter-pushd "$BENCH_DIR/baseline-bin/"
        builds=("baseline=$BENCH_DIR/baseline-bin" "current=$MEMETER_BIN")
    fi
    for ((r = 1; r <= CPU_ROUNDS; r++)); do
        for b in "${builds[@]}"; do
            name=${b%%=*}; bin=${b#*=}
            STACK_PIDS=()
            MEMETER_BIN=$bin
            stack_init "$BENCH_DIR/cpu-$name-$r" "$(stack_free_port)"
            # An older build refuses config keys it does not know yet;
            # the ones mk/stack.sh leaves empty are defaults anyway.
            [ "$name" = baseline ] && sed -i '/^[a-z_]* = *$/d' "$MEMETER_CONFIG"
            make_library "$STACK_DIR/library"
            stack_start || return 1
            memeter_session || return 1
            MEMETER_WORKERS=$(nginx_workers "$STACK_NGINX_PID")
            part_say "CPU per rating, $name build, round $r: $CPU_RATE ratings/s for $CPU_STEP_MS ms, $E2E_ADMINS admin clients"
            # shellcheck disable=SC2046
            part_wsload "$OUT/cpu-$name.$r.txt" ratings -u "$BASE" -a "$E2E_ADMINS" \
                -c "$E2E_RATERS" -C "$E2E_CONNS" -R "$CPU_RATE" -s "$CPU_STEP_MS" -L 1000 \
                -H "Cookie: mr_admin=$ADMIN_COOKIE" $(rating_procs) || return 1
            stack_stop
        done
    done
    MEMETER_BIN=$saved_bin STACK_DIR=$saved_dir STACK_PORT=$saved_port BASE=$saved_base
    STACK_PIDS=("${saved_pids[@]}")
}

# cpu_fanout FILE N PROC: us per delivery of PROC in the fan-out to N.
cpu_fanout() {
    awk -v n="n=$2" -v p="proc=$3" '$1 == "cpu" && $2 == "phase=fanout" && $3 == n && $4 == p {
        for (i = 5; i <= NF; i++) if ($i ~ /^us_per_/) { split($i, kv, "="); print kv[2]; exit } }' "$1"
}

# cpu_user FILE N: us per delivery in user space (the server's own code;
# the rest is the kernel's, mostly the loopback TCP path of both ends).
cpu_user() {
    awk -v n="n=$2" '$1 == "cpu" && $2 == "phase=fanout" && $3 == n && $4 == "proc=all" {
        u = ""; sh = ""
        for (i = 5; i <= NF; i++) {
            split($i, kv, "=")
            if (kv[1] ~ /^us_per_/) u = kv[2]
            if (kv[1] == "sys_share") sh = kv[2]
        }
        if (u != "" && sh != "") printf "%.2f\n", u * (1 - sh)
        exit }' "$1"
}

# cpu_pick N FILE...: the round with the least CPU per delivery at N.
cpu_pick() {
    local n=$1 f v best="" bestf=""
    shift
    for f in "$@"; do
        v=$(cpu_fanout "$f" "$n" all)
        [ -n "$v" ] || continue
        if [ -z "$bestf" ] || [ "$(fcmp "$v" "<" "$best")" = 1 ]; then best=$v; bestf=$f; fi
    done
    echo "${bestf:-${1:-/dev/null}}"
}

# cpu_us FILE PHASE PROC: us_per_<unit> of PROC on FILE's cpu line.
cpu_us() {
    awk -v ph="phase=$2" -v p="proc=$3" '$1 == "cpu" && $2 == ph && $4 == p {
        for (i = 5; i <= NF; i++) if ($i ~ /^us_per_/) { split($i, kv, "="); print kv[2]; exit } }' "$1"
}
# cpu_min NAME PROC: the lowest us per rating of PROC over NAME's rounds.
cpu_min() {
    local f v min=""
    for f in "$OUT/$1".[0-9].txt; do
        [ -s "$f" ] || continue
        v=$(cpu_us "$f" ratings "$2")
        [ -n "$v" ] || continue
        if [ -z "$min" ] || [ "$(fcmp "$v" "<" "$min")" = 1 ]; then min=$v; fi
    done
    echo "$min"
}

# A diagnostic: a second pushd on the same database listening on TCP,
# measured without nginx in front, to tell pushd's share of the push
# figures from the proxy's.
bench_pushd_direct() {
    local pport pid rc max_level
    DIAG_FANOUT=$(fitting "$FANOUT" 1 1 "$FD_CAP")
    pport=$(stack_free_port)
    max_level=$(tr ',' '\n' <<<"$LEVELS" | sort -n | tail -1)
    MEMETER_PUSHD_PORT=$pport MEMETER_NOTIFY_SOCKET="$STACK_DIR/notify-direct.sock" \
        MEMETER_METRICS_SOCKET="$STACK_DIR/metrics-direct.sock" \
        MEMETER_PUSHD_SOCKET="$STACK_DIR/pushd-direct.sock" \
        "$MEMETER_BIN/memeter-pushd" >> "$STACK_DIR/logs/pushd-direct.log" 2>&1 &
    pid=$!
    STACK_PIDS+=("$pid")
    stack_wait_for_socket "$STACK_DIR/notify-direct.sock" "$pid" pushd-direct || return 1
    part_say "pushd alone on 127.0.0.1:$pport (pid $pid), no nginx"
    MEMETER_NOTIFY_SOCKET="$STACK_DIR/notify-direct.sock" \
        part_wsload "$OUT/direct.txt" push -u "ws://127.0.0.1:$pport/ws/user" -O "$BASE" \
        -p memeter -S "$SESSION_ID" -r hello -l "$max_level" -f "$DIAG_FANOUT" \
        -e "$FANOUT_EVENTS" -g "$FANOUT_GAP_MS" -R "$RATES" -n "$RATE_CLIENTS" \
        -s "$STEP_MS" -L 100 -t 500 -j "$CLIENT_PROCS" -b "$SOURCES" -P "pushd=$pid"
    rc=$?
    stack_kill "$pid"
    return "$rc"
}

# shellcheck source=show.sh
. "$root/tests/bench/show.sh"
# shellcheck source=cluster.sh
. "$root/tests/bench/cluster.sh"

# --- the table ------------------------------------------------------------

yesno() { if [ "$1" = 1 ]; then echo yes; else echo "**no**"; fi; }
# fcmp A OP B: 1 if the comparison holds (numbers, awk).
fcmp() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
    if (a == "" || b == "") { print 0; exit }
    r = (op == "<") ? a < b : (op == "<=") ? a <= b : (op == ">=") ? a >= b : a > b
    print r ? 1 : 0 }'; }
fsum() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }

lat3() { # FILE TAG SEL -> "p50 / p99 / max ms"
    echo "$(part_val "$1" "$2" p50_ms "$3") / $(part_val "$1" "$2" p99_ms "$3") / $(part_val "$1" "$2" max_ms "$3") ms"
}

# memval FILE N PROC: per-connection PSS growth of PROC at N connections.
memval() {
    [ -f "$1" ] || return 0
    awk -v n="n=$2" -v p="proc=$3" '$1 == "mem" && $2 == n && $3 == p {
        split($6, kv, "="); print kv[2] }' "$1"
}

# min_held NAME N: the fewest connections held at N over every round.
min_held() {
    local f v min=""
    while read -r f; do
        v=$(part_val "$f" idle held "n=$2")
        v=${v:-0}
        if [ -z "$min" ] || [ "$v" -lt "$min" ]; then min=$v; fi
    done < <(rounds "$1")
    echo "${min:-0}"
}

# rounds NAME: the output file of every round of NAME, round 1 first.
rounds() {
    local f
    for f in "$OUT/$1.txt" "$OUT/$1".[0-9].txt; do
        [ -s "$f" ] && echo "$f"
    done
}

# pick TAG SEL KEY min|max FILE...: the file whose TAG line (with SEL)
# has the best KEY; the first file if none has it.
pick() {
    local tag=$1 sel=$2 key=$3 how=$4 f v best="" bestf="" op=">"
    shift 4
    [ "$how" = min ] && op="<"
    for f in "$@"; do
        v=$(part_val "$f" "$tag" "$key" "$sel")
        [ -n "$v" ] || continue
        if [ -z "$bestf" ] || [ "$(fcmp "$v" "$op" "$best")" = 1 ]; then
            best=$v
            bestf=$f
        fi
    done
    echo "${bestf:-${1:-/dev/null}}"
}

# " (round N)" when more than one round ran.
round_of() {
    [ "$ROUNDS" -gt 1 ] || return 0
    case $1 in
    *.[0-9].txt) local r=${1%.txt}; echo " (round ${r##*.})" ;;
    *) echo " (round 1)" ;;
    esac
}

# The push table: the servers side by side, one column each (Nchan,
# memeter through nginx, memeter direct with each of DIRECT_PROCS pushd),
# and memeter / Nchan for the deployment a user picks for a big party:
# direct with the most pushd processes when this build has it, else nginx.
PUSH_HEAD=""
make_push_table() {
    local lv max_level fo p f files cols=() v
    PUSH_ROWS=()
    prow() { local r="|" c; for c in "$@"; do r+=" $c |"; done; PUSH_ROWS+=("$r"); }
    max_level=$(tr ',' '\n' <<<"$LEVELS" | sort -n | tail -1)
    # name:label per column
    cols=("nchan:Nchan" "memeter:memeter, nginx")
    for p in ${DIRECT_PROCS//,/ }; do cols+=("direct-$p:memeter direct, $p pushd"); done
    BEST=memeter BEST_LABEL="nginx"
    for p in ${DIRECT_PROCS//,/ }; do
        [ -n "$(rounds "direct-$p")" ] && BEST="direct-$p" BEST_LABEL="direct, $p pushd"
    done
    PUSH_HEAD="| figure |"
    for c in "${cols[@]}"; do PUSH_HEAD+=" ${c#*:} |"; done
    PUSH_HEAD+=" memeter / Nchan ($BEST_LABEL) | target | met |"
    PUSH_HEAD+=$'\n'"|---|"
    for c in "${cols[@]}"; do PUSH_HEAD+="---|"; done
    PUSH_HEAD+="---|---|---|"

    # cell NAME: what a column shows when it has no figure.
    absent() {
        case $1 in
        direct-*) local why; why=$(direct_why "${1#direct-}"); echo "${why:--}" ;;
        *) echo "-" ;;
        esac
    }
    # fit_note NAME N: why level N was not run for NAME ("" if it was).
    fit_note() {
        local per procs lim
        case $1 in
        nchan) per=1 procs=$NGINX_WORKERS lim=$NGINX_FD_LIMIT ;;
        memeter) per=2 procs=$NGINX_WORKERS lim=$NGINX_FD_LIMIT ;;
        direct-*) per=1 procs=${1#direct-} lim=$FD_CAP ;;
        esac
        if [ "$(client_fits "$2")" != 1 ]; then
            echo "does not fit: $CLIENT_PROCS client processes of at most $FD_CAP files"
            return 0
        fi
        [ "$(fits "$2" "$per" "$procs" "$lim")" = 1 ] && return 0
        echo "does not fit: $per file(s) a client over $procs process(es) of $lim: at most ~$(fit_max "$per" "$procs" "$lim")"
    }
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "" }'; }

    for lv in ${LEVELS//,/ }; do
        local row=("idle connections held, $lv") all=1 c name held
        for c in "${cols[@]}"; do
            name=${c%%:*}
            if [ -z "$(rounds "$name")" ]; then row+=("$(absent "$name")"); continue; fi
            held=$(min_held "$name" "$lv")
            case $name in direct-*) [ "$lv" = "$max_level" ] || { row+=("-"); continue; } ;; esac
            row+=("${held:-0}/$lv")
            [ "${held:-0}" = "$lv" ] || all=0
        done
        prow "${row[@]}" "-" "all held" "$(yesno "$all")"
    done

    # Memory per connection at the top level, round 1.
    local mp mn nc dp row=("memory per connection at $max_level (kB, PSS growth, round 1)") ok=1
    nc=$(memval "$OUT/nchan.txt" "$max_level" nginx)
    row+=("${nc:-$(absent nchan)}")
    mp=$(memval "$OUT/memeter.txt" "$max_level" pushd); mn=$(memval "$OUT/memeter.txt" "$max_level" nginx)
    MEM_E2E=""
    [ -n "$mp" ] && MEM_E2E=$(fsum "$mp" "${mn:-0}")
    if [ -n "$mp" ]; then row+=("$MEM_E2E (pushd $mp + nginx $mn)"); else row+=("-"); fi
    [ -z "$MEM_E2E" ] || [ "$(fcmp "$MEM_E2E" "<=" "$nc")" = 1 ] || ok=0
    for p in ${DIRECT_PROCS//,/ }; do
        dp=$(memval "$OUT/direct-$p.txt" "$max_level" pushd)
        row+=("${dp:-$(absent "direct-$p")}")
        [ -z "$dp" ] || [ "$(fcmp "$dp" "<" 3)" = 1 ] || ok=0
    done
    prow "${row[@]}" "nginx path $(ratio "$MEM_E2E" "$nc")" "nginx path <= Nchan; direct < 3 kB" "$(yesno "$ok")"

    # Fan-out latency: each column's best round (least p99).
    for fo in ${FANOUT//,/ }; do
        local lrow=("fan-out to $fo, p50 / p99 / max") name bf nf note bp50 bp99 np50 np99
        for c in "${cols[@]}"; do
            name=${c%%:*}
            note=$(fit_note "$name" "$fo")
            if [ -n "$note" ]; then lrow+=("$note"); continue; fi
            mapfile -t files < <(rounds "$name")
            if [ "${#files[@]}" = 0 ]; then lrow+=("$(absent "$name")"); continue; fi
            f=$(pick fanout "n=$fo" p99_ms min "${files[@]}")
            v=$(part_val "$f" fanout p99_ms "n=$fo")
            if [ -z "$v" ]; then lrow+=("-"); continue; fi
            lrow+=("$(lat3 "$f" fanout "n=$fo")$(round_of "$f")")
            [ "$name" = nchan ] && nf=$f
            [ "$name" = "$BEST" ] && bf=$f
        done
        np50=$(part_val "${nf:-/dev/null}" fanout p50_ms "n=$fo"); np99=$(part_val "${nf:-/dev/null}" fanout p99_ms "n=$fo")
        bp50=$(part_val "${bf:-/dev/null}" fanout p50_ms "n=$fo"); bp99=$(part_val "${bf:-/dev/null}" fanout p99_ms "n=$fo")
        local r50 r99
        r50=$(ratio "$bp50" "$np50"); r99=$(ratio "$bp99" "$np99")
        prow "${lrow[@]}" "${r50:--} / ${r99:--}" "p50 and p99 <= 0.7" \
            "$(yesno "$([ "$(fcmp "$r50" "<=" 0.7)" = 1 ] && [ "$(fcmp "$r99" "<=" 0.7)" = 1 ] && echo 1)")"
        bf="" nf=""
    done

    # Server CPU per delivery: each column's least-CPU round, and under
    # it the same round's user part (where the servers' own code differs).
    for fo in ${FANOUT//,/ }; do
        local crow=("server CPU per delivery, fan-out to $fo (us, user + system)") name cv bc nc2 parts
        local urow=("of which user space (us; the rest is kernel time)") uv bu nu
        bc="" nc2="" bu="" nu=""
        for c in "${cols[@]}"; do
            name=${c%%:*}
            mapfile -t files < <(rounds "$name")
            f=$(cpu_pick "$fo" "${files[@]}" /dev/null)
            cv=$(cpu_fanout "$f" "$fo" all)
            if [ -z "$cv" ]; then crow+=("$(absent "$name")"); urow+=("-"); continue; fi
            parts=""
            [ "$name" = memeter ] && parts=" (pushd $(cpu_fanout "$f" "$fo" pushd) + nginx $(cpu_fanout "$f" "$fo" nginx))"
            crow+=("$cv$parts$(round_of "$f")")
            uv=$(cpu_user "$f" "$fo")
            urow+=("${uv:--}")
            [ "$name" = nchan ] && nc2=$cv nu=$uv
            [ "$name" = "$BEST" ] && bc=$cv bu=$uv
        done
        local rc
        rc=$(ratio "$bc" "$nc2")
        prow "${crow[@]}" "${rc:--}" "<= 0.7" "$(yesno "$(fcmp "$rc" "<=" 0.7)")"
        prow "${urow[@]}" "$(ratio "$bu" "$nu")" "-" "-"
    done

    # Sustained ladder (Nchan and the nginx path; the direct runs skip it).
    local srow=("sustained delivery to $RATE_CLIENTS clients, msgs/s with p99 <= 100 ms") sv sn="" sm=""
    for c in "${cols[@]}"; do
        name=${c%%:*}
        mapfile -t files < <(rounds "$name")
        f=$(pick sustained "" delivered_per_s max "${files[@]}" /dev/null)
        sv=$(part_val "$f" sustained delivered_per_s)
        if [ -z "$sv" ]; then srow+=("-"); continue; fi
        srow+=("$sv ($(part_val "$f" sustained best_rate) events/s)$(round_of "$f")")
        [ "$name" = nchan ] && sn=$sv
        [ "$name" = memeter ] && sm=$sv
    done
    prow "${srow[@]}" "nginx path $(ratio "$sm" "$sn")" "nginx path >= Nchan" "$(yesno "$(fcmp "$sm" ">=" "$sn")")"

    # The proxied path's memory with each /ws/ proxy_buffer_size, side by side.
    local b pf
    for b in ${PROXY_BUFFERS//,/ }; do
        pf="$OUT/proxymem-$b.txt"
        [ -s "$pf" ] || continue
        mp=$(memval "$pf" "$max_level" pushd); mn=$(memval "$pf" "$max_level" nginx)
        local prow_=("proxied path, /ws/ proxy_buffer_size $b: memory per connection at $max_level (kB); CPU per delivery; fan-out p50 / p99 / max" "-")
        prow_+=("$(fsum "${mp:-0}" "${mn:-0}") kB (pushd $mp + nginx $mn); $(cpu_fanout "$pf" "$max_level" all) us; $(lat3 "$pf" fanout "n=$max_level")")
        for p in ${DIRECT_PROCS//,/ }; do prow_+=("-"); done
        prow "${prow_[@]}" "$(ratio "$(fsum "${mp:-0}" "${mn:-0}")" "$nc")" "smallest that loses nothing" \
            "$(yesno "$([ "$(part_val "$pf" fanout missing "n=$max_level")" = 0 ] && [ "$(part_val "$pf" fanout dropped "n=$max_level")" = 0 ] && echo 1)")"
    done
}

# The rest, one figure each: memeter's end-to-end rating path and reload.
# The other bench parts (show.sh, cluster.sh) write tables of their own,
# $OUT/rows-*.md, printed after this one.
make_table() {
    local r="$OUT/ratings.txt" h="$OUT/reload.txt"
    make_push_table
    ROWS=()
    row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); }
    local e2e_ach e2e_lat
    if [ -s "$r" ]; then
        read -r _ e2e_ach e2e_lat <<<"$(e2e_best "$r")"
        row "end to end ratings/s at $E2E_ADMINS admin clients (p99 < 20 ms); p50 / p99" \
            "${e2e_ach}; $e2e_lat (max $(e2e_max "$r")/s at any latency)" "n/a" ">= 5000/s, p99 < 20 ms" \
            "$(yesno "$(fcmp "$e2e_ach" ">=" 4900)")"
    fi
    local rf rc rd ru
    if [ -s "$h" ]; then
        rf=$(part_val "$h" reload failed); rc=$(part_val "$h" reload conn_errors)
        rd=$(part_val "$h" reload admin_dropped); ru=$(part_val "$h" reload user_dropped)
        RELOAD_FAILED=$(( ${rf:-1} + ${rc:-1} ))
        RELOAD_DROPPED=$(( ${rd:-1} + ${ru:-1} ))
        row "reload: $(part_val "$h" reload hups) SIGHUPs, $RELOAD_RATE ratings/s, $RELOAD_USERS+10 sockets: failed requests / dropped sockets" \
            "$RELOAD_FAILED / $RELOAD_DROPPED ($(part_val "$h" reload ok) ratings ok, $(part_val "$h" reload missing) events missing)" \
            "n/a" "0 / 0" "$(yesno "$([ "$RELOAD_FAILED" = 0 ] && [ "$RELOAD_DROPPED" = 0 ] && echo 1)")"
    fi
}

# e2e_best FILE: "rate achieved p50/p99" of the best step with p99 < 20 ms,
# nothing failed and nothing missing ("0 0 -" if none).
e2e_best() {
    awk '$1 == "ratings" { delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        if (v["p99_ms"] < 20 && v["failed"] == 0 && v["missing"] == 0 && v["achieved_per_s"] > best) {
            best = v["achieved_per_s"]; line = v["rate"] " " v["achieved_per_s"] " " v["p50_ms"] " / " v["p99_ms"] " ms" } }
        END { print (line == "" ? "0 0 -" : line) }' "$1"
}
e2e_max() {
    awk '$1 == "ratings" { for (i = 2; i <= NF; i++) { split($i, kv, "=")
        if (kv[1] == "achieved_per_s" && kv[2] > best) best = kv[2] } } END { print best + 0 }' "$1"
}

# The rows that split memeter's figures between pushd, nginx and the pool.
make_diag() {
    local d="$OUT/direct.txt" r1="$OUT/ratings1.txt" fo max_level e2e_ach e2e_lat
    DIAG=()
    max_level=$(tr ',' '\n' <<<"$LEVELS" | sort -n | tail -1)
    for fo in ${DIAG_FANOUT//,/ }; do
        DIAG+=("| pushd alone (no nginx): fan-out to $fo, p50 / p99 / max | $(lat3 "$d" fanout "n=$fo") |")
    done
    DIAG+=("| pushd alone: sustained msgs/s to $RATE_CLIENTS clients with p99 <= 100 ms | $(part_val "$d" sustained delivered_per_s) ($(part_val "$d" sustained best_rate) events/s) |")
    DIAG+=("| pushd alone: memory per connection at $max_level (kB, PSS growth) | $(memval "$d" "$max_level" pushd) |")
    local b proc
    for b in baseline current; do
        [ -n "$(cpu_min "cpu-$b" all)" ] || continue
        DIAG+=("| server CPU per rating, $b build, $CPU_RATE ratings/s, $E2E_ADMINS admin clients (us; best of $CPU_ROUNDS rounds) | $(cpu_min "cpu-$b" all) = nginx $(cpu_min "cpu-$b" nginx) + pool $(cpu_min "cpu-$b" pool) + pushd $(cpu_min "cpu-$b" pushd) |")
    done
    read -r _ e2e_ach e2e_lat <<<"$(e2e_best "$r1")"
    DIAG+=("| the pool with 1 admin client: ratings/s with p99 < 20 ms; p50 / p99 | $e2e_ach; $e2e_lat (max $(e2e_max "$r1")/s at any latency) |")
}

print_table() {
    echo "$PUSH_HEAD"
    printf '%s\n' "${PUSH_ROWS[@]}"
    echo
    [ "${#ROWS[@]}" -gt 0 ] || return 0
    echo "| figure | memeter (nginx + pushd) | Nchan | target | met |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
}

print_diag() {
    echo "| diagnostic (memeter only) | measured |"
    echo "|---|---|"
    printf '%s\n' "${DIAG[@]}"
}

machine() {
    echo "- CPU: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "- kernel: $(uname -sr); $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- nginx $(nginx -v 2>&1 | sed 's|.*/||'), libnginx-mod-nchan $(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null), libwebsockets $(dpkg-query -W -f='${Version}' libwebsockets17 2>/dev/null || echo '?'), SQLite $(sqlite3 --version | cut -d' ' -f1)"
    echo "- open files: $(ulimit -n) per process (hard $(ulimit -Hn))"
    echo "- memeter build: $build$(git -C "$MEMETER_SRC" log -1 --format=' (commit %h, %s)' 2>/dev/null)"
    echo "- load average (1/5/15 min) at the start: $LOAD_AT_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (anything above ~1 is other work sharing the 2 cores)"
}

# The detail lines of every step, for the record.
details() {
    local f
    for f in "$OUT"/*.txt; do
        [ -s "$f" ] || continue
        f=$(basename "$f" .txt)
        echo "#### $f"
        echo '```'
        grep -v '^done' "$OUT/$f.txt"
        echo '```'
    done
}

write_doc() {
    local doc="$root/docs/BENCHMARKS.md" notes="$root/tests/bench/NOTES.md"
    mkdir -p "$root/docs"
    {
        echo "# Benchmarks"
        echo
        echo "Written by \`make bench\` (tests/bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'); every figure below is from that one run."
        echo
        echo "## Machine"
        machine
        echo
        echo "## Results"
        echo
        print_table
        echo
        echo "Where the time goes (same run):"
        echo
        print_diag
        echo
        for f in "$OUT"/rows-*.md; do [ -f "$f" ] && cat "$f" && echo; done
        [ -f "$notes" ] && cat "$notes" && echo
        echo "## Commands"
        echo
        echo '```'
        echo "make bench        # = bash tests/bench/run.sh $build"
        printf '%s\n' "${COMMANDS[@]}"
        echo '```'
        echo
        echo "## Every step"
        echo
        details
    } > "$doc.tmp" && mv "$doc.tmp" "$doc"
    echo "bench: wrote $doc" >&2
}

started=$(date +%s)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_SKIP=${BENCH_SKIP:-}
only=${BENCH_ONLY:-}	# nchan or memeter: one side only (for development)
touch "$OUT"/{nchan,memeter,direct,ratings,ratings1,reload}.txt
# Both servers are up at once and measured in alternating rounds; the
# table takes each server's better round for latency and rate, so a burst
# of other work on the machine cannot decide the comparison alone.  Memory
# per connection comes from round 1, while the processes are fresh.
if [ "$only" != memeter ]; then nchan_start || exit 1; fi
if [ "$only" != nchan ]; then memeter_start || exit 1; direct_check; fi
for ((round = 1; round <= ROUNDS; round++)); do
    sfx=""
    [ "$round" -gt 1 ] && sfx=".$round"
    if [ "$only" != memeter ]; then nchan_push "$OUT/nchan$sfx.txt" || exit 1; fi
    if [ "$only" != nchan ]; then
        if ! skipped nginx; then memeter_push "$OUT/memeter$sfx.txt" || exit 1; fi
        if ! skipped listen; then
            for p in ${DIRECT_PROCS//,/ }; do
                [ -z "$(direct_why "$p")" ] || continue
                memeter_direct "$OUT/direct-$p$sfx.txt" "$p" || exit 1
            done
        fi
    fi
done
if [ -n "$NCHAN_PID" ]; then stack_kill "$NCHAN_PID"; NCHAN_PID=""; fi
if [ "$only" != nchan ]; then memeter_rest || exit 1; fi
if [ "$only" != nchan ] && ! skipped cpu; then cpu_per_rating || exit 1; fi
# The big screen's load and the edge cluster (tests/bench/show.sh, cluster.sh).
if [ "$only" != nchan ] && ! skipped show; then show_bench || exit 1; fi
if [ "$only" != nchan ] && ! skipped cluster; then cluster_bench || exit 1; fi
[ -n "$only$BENCH_SKIP" ] && write_doc=0
make_table
make_diag
echo
print_table
echo
print_diag
echo
for f in "$OUT"/rows-*.md; do [ -f "$f" ] && cat "$f" && echo; done
echo "bench: $(( $(date +%s) - started )) s"
[ "$write_doc" = 1 ] && write_doc
exit 0
