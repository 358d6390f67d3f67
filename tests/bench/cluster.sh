# shellcheck shell=bash
# make bench, the edge cluster (issue 15): a writer (nginx + pool + SQLite
# + memeter-relay), one redis-server and two edges (pushd source = redis
# behind the edge's nginx, memeter-http.conf rendered for an edge as deployed), all on this
# machine's loopback: each "host" its own folder and port on 127.0.0.1
# (the multi-host path itself is proven by tests/stack/test_cluster.sh in
# network namespaces).  BENCH_CLUSTER_CLIENTS /ws/user clients, half on
# each edge, held by two wsload processes (one per edge, so each stays
# under the 20,000-file cap; several 127.0.0.x source addresses).  A
# third wsload commits BENCH_CLUSTER_EVENTS results_revealed events
# 500 ms apart to the writer's outbox (the clock starts before BEGIN, as
# in run.sh's fan-out); the relay moves them into the stream and both
# edges fan them out.  Figures: fan-out p50 / p99 / max from the commit
# over every delivery of both edges, all delivered, and CPU (every
# thread's time on CPU, /proc/PID/task/*/schedstat) of Redis and the
# relay per event and of each edge's pushd and nginx per delivery, minus
# what the same processes spend in an equally long idle window just before
# (presence, the relay's outbox poll, Redis's cron).  Rows in
# $OUT/rows-cluster.md.
#
# Sourced by run.sh (cluster_bench), or on its own:
#   BENCH_CLUSTER_CLIENTS=200 bash tests/bench/cluster.sh build/release

CLUSTER_CLIENTS=${BENCH_CLUSTER_CLIENTS:-20000}
CLUSTER_EVENTS=${BENCH_CLUSTER_EVENTS:-20}
# 500 ms: 20,000 clients then take the deliveries a second of run.sh's
# fan-out to 10,000 every 250 ms, on the same 2 cores (at 250 ms the
# edges and the clients fall behind and the figure measures a queue).
CLUSTER_GAP_MS=${BENCH_CLUSTER_GAP_MS:-500}
CLUSTER_STREAM=memeter:events
# The stream alone: events at 500/s after the clients are gone, for a
# Redis and relay CPU per event well above their idle work.
CLUSTER_RATE_EVENTS=${BENCH_CLUSTER_RATE_EVENTS:-2000}
CLUSTER_RATE_GAP_MS=2

# shellcheck source=parts.sh
. "$(dirname "${BASH_SOURCE[0]}")/parts.sh"

CL_PIDS=()
CL_PORT=() CL_PUSHD=() CL_NGINX=()
# cl_run NAME DIR CMD...: a daemon with DIR's config, its log in DIR/logs.
cl_run() {
    local name=$1 dir=$2; shift 2
    MEMETER_CONFIG="$dir/memeter.conf" "$@" >> "$dir/logs/$name.log" 2>&1 &
    CL_PIDS+=("$!")
    # run.sh's cleanup (and the standalone one) stops STACK_PIDS on failure.
    STACK_PIDS=("${CL_PIDS[@]}")
}

cl_wait() {   # SECS COMMAND...
    local secs=$1 i; shift
    for ((i = 0; i < secs * 50; i++)); do
        "$@" && return 0
        sleep 0.02
    done
    return 1
}

cl_redis_up() { [ "$(redis-cli -p "$CL_RPORT" PING 2>/dev/null)" = PONG ]; }
cl_stream_has() { [ "$(redis-cli -p "$CL_RPORT" EXISTS "$CLUSTER_STREAM" 2>/dev/null)" = 1 ]; }
cl_health() { curl -fsS -o /dev/null --max-time 2 "$1/api/health"; }

# cl_host DIR PORT: a host's folder and config (mk/stack.sh's) on PORT.
cl_host() {
    stack_init "$1" "$2"
    cat >> "$1/memeter.conf" <<EOC
redis_url = redis://127.0.0.1:$CL_RPORT
redis_stream = $CLUSTER_STREAM
EOC
}

cluster_start() {
    local e dir
    if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
        echo "bench-cluster: redis-server / redis-cli missing (mk/deps.sh installs redis-server)" >&2
        return 1
    fi
    [ -x "$MEMETER_BIN/memeter-relay" ] || { echo "bench-cluster: $MEMETER_BIN/memeter-relay missing" >&2; return 1; }
    export STACK_WS_PER_ADDR=20000 STACK_WS_MAX=20000
    export MEMETER_JOIN_BURST=100000 MEMETER_JOIN_RATE=100000
    export STACK_NGINX_WORKERS=${BENCH_NGINX_WORKERS:-2} STACK_NGINX_CONNECTIONS=19000
    export STACK_NGINX_NOFILE=19500 STACK_WORKERS=2
    export STACK_RATER_RATE=1000000r/s STACK_RATER_BURST=1000000
    export STACK_LOGIN_RATE=1000r/s STACK_LOGIN_BURST=1000
    export STACK_ACCESS_LOG=off STACK_LOG_LEVEL=warn
    CL_DIR="$BENCH_DIR/cluster"
    CL_PIDS=()
    STACK_PIDS=()
    CL_RPORT=$(stack_free_port)
    mkdir -p "$CL_DIR/redis/logs"
    cl_run redis "$CL_DIR/redis" redis-server --bind 127.0.0.1 --port "$CL_RPORT" --save '' \
        --appendonly no --protected-mode no --dir "$CL_DIR/redis"
    CL_REDIS_PID=$!
    cl_wait 10 cl_redis_up || { echo "bench-cluster: redis did not start" >&2; return 1; }

    # The writer: pool and nginx as mk/stack.sh starts them, no pushd (every
    # client is on an edge), and the relay.
    CL_W="$CL_DIR/writer"
    cl_host "$CL_W" "$(stack_free_port)"
    CL_WBASE=$BASE
    python3 "$root/tests/bench/mklibrary.py" "$CL_W/library" 5
    cl_run fcgi "$CL_W" "$MEMETER_BIN/memeter-fcgi"
    stack_wait_for_socket "$CL_W/fcgi.sock" "$!" pool || return 1
    cl_run nginx "$CL_W" nginx -e "$CL_W/logs/nginx-error.log" -p "$CL_W" -c "$CL_W/nginx.conf"
    cl_wait 10 cl_health "$CL_WBASE" || { echo "bench-cluster: the writer does not answer" >&2; return 1; }
    cl_run relay "$CL_W" "$MEMETER_BIN/memeter-relay"
    CL_RELAY_PID=$!

    for e in 1 2; do
        dir="$CL_DIR/edge$e"
        # On one machine the edge's nginx reaches the writer's pool on its
        # socket (the one http{} template, as an edge is deployed).
        STACK_FCGI_UPSTREAM="unix:$CL_W/fcgi.sock" cl_host "$dir" "$(stack_free_port)"
        echo "source = redis" >> "$dir/memeter.conf"
        cl_run pushd "$dir" "$MEMETER_BIN/memeter-pushd"
        CL_PUSHD[e]=$!
        stack_wait_for_socket "$dir/pushd.sock" "$!" pushd || return 1
        cl_run nginx "$dir" nginx -e "$dir/logs/nginx-error.log" -p "$dir" -c "$dir/nginx.conf"
        CL_NGINX[e]=$!
        CL_PORT[e]=$STACK_PORT
        cl_wait 10 cl_health "$BASE" || { echo "bench-cluster: edge $e does not answer" >&2; return 1; }
    done

    # The admin and the session, through the writer.
    STACK_DIR=$CL_W BASE=$CL_WBASE
    part_admin_login || return 1
    CL_SID=$(part_admin POST /api/admin/sessions '{"name":"Cluster"}' | jq -r '.id // empty')
    [ -n "$CL_SID" ] || { echo "bench-cluster: create session failed" >&2; return 1; }
    part_admin POST "/api/admin/sessions/$CL_SID/populate" > /dev/null
    [ "$(part_admin POST "/api/admin/sessions/$CL_SID/start" | jq -r '.status // empty')" = active ] ||
        { echo "bench-cluster: start failed" >&2; return 1; }
    cl_wait 20 cl_stream_has || { echo "bench-cluster: the relay wrote nothing to the stream" >&2; return 1; }
    part_say "cluster: writer $CL_WBASE (relay $CL_RELAY_PID), redis :$CL_RPORT ($CL_REDIS_PID), edges :${CL_PORT[1]} :${CL_PORT[2]}, session $CL_SID"
}

cl_ready() { grep -q '^ready ' "$1" || ! kill -0 "$2" 2>/dev/null; }

# cl_procs NAME: the pids of one measured process group.
cl_procs() {
    case $1 in
    redis) echo "$CL_REDIS_PID" ;;
    relay) echo "$CL_RELAY_PID" ;;
    pushd[12]) echo "${CL_PUSHD[${1#pushd}]}" ;;
    nginx[12]) part_children "${CL_NGINX[${1#nginx}]}" ;;
    esac
}
CL_GROUPS=(redis relay pushd1 pushd2 nginx1 nginx2)

# cl_cpu_all: "name=ns ..." of every group, now.
cl_cpu_all() {
    local n
    for n in "${CL_GROUPS[@]}"; do
        # shellcheck disable=SC2046
        printf '%s=%s ' "$n" "$(part_cpu_ns $(cl_procs "$n"))"
    done
    echo "t=$(date +%s%N)"
}

cluster_measure() {
    local n=(0 $(( CLUSTER_CLIENTS / 2 )) $(( CLUSTER_CLIENTS - CLUSTER_CLIENTS / 2 )))
    local t0f="$CL_DIR/t0.txt" e l=() rc=0 c0 c1 c2
    part_say "cluster: ${n[1]} + ${n[2]} clients on the two edges, $CLUSTER_EVENTS events ${CLUSTER_GAP_MS} ms apart"
    rm -f "$t0f"
    for e in 1 2; do
        [ -n "${COMMANDS+x}" ] && COMMANDS+=("wsload listen -u ws://127.0.0.1:${CL_PORT[e]}/ws/user -n ${n[e]} -e $CLUSTER_EVENTS -b 8 -T t0.txt -o lat$e.txt")
        "$WSLOAD" listen -u "ws://127.0.0.1:${CL_PORT[e]}/ws/user" -n "${n[e]}" \
            -e "$CLUSTER_EVENTS" -b 8 -T "$t0f" -o "$CL_DIR/lat$e.txt" \
            > "$OUT/cluster-edge$e.txt" 2> "$OUT/cluster-edge$e.txt.err" &
        l[e]=$!
    done
    cl_wait 300 cl_ready "$OUT/cluster-edge1.txt" "${l[1]}"
    cl_wait 300 cl_ready "$OUT/cluster-edge2.txt" "${l[2]}"
    if ! grep -q '^ready ' "$OUT/cluster-edge1.txt" || ! grep -q '^ready ' "$OUT/cluster-edge2.txt"; then
        echo "bench-cluster: the clients did not all connect:" >&2
        cat "$OUT"/cluster-edge?.txt "$OUT"/cluster-edge?.txt.err >&2
        kill "${l[1]}" "${l[2]}" 2>/dev/null; wait "${l[1]}" "${l[2]}" 2>/dev/null
        return 1
    fi
    # An idle window as long as the publishing: what the processes spend
    # with nothing to deliver.
    CL_LOAD0=$(cut -d' ' -f1 /proc/loadavg)
    c0=$(cl_cpu_all)
    sleep "$(awk -v ms=$((CLUSTER_EVENTS * CLUSTER_GAP_MS)) 'BEGIN { print ms / 1000 }')"
    c1=$(cl_cpu_all)
    cl_cmdstats > "$OUT/cluster-redis-before.txt"
    [ -n "${COMMANDS+x}" ] && COMMANDS+=("wsload publish -T t0.txt -e $CLUSTER_EVENTS -g $CLUSTER_GAP_MS -S $CL_SID  # MEMETER_CONFIG = the writer's")
    MEMETER_CONFIG="$CL_W/memeter.conf" "$WSLOAD" publish -T "$t0f" -e "$CLUSTER_EVENTS" \
        -g "$CLUSTER_GAP_MS" -S "$CL_SID" > "$OUT/cluster-publish.txt" 2>&1 || rc=1
    wait "${l[1]}" || rc=1
    wait "${l[2]}" || rc=1
    c2=$(cl_cpu_all)
    cl_cmdstats > "$OUT/cluster-redis-after.txt"
    cat "$OUT/cluster-publish.txt" "$OUT/cluster-edge1.txt" "$OUT/cluster-edge2.txt" >&2
    [ "$rc" -eq 0 ] || { echo "bench-cluster: a wsload failed" >&2; tail -5 "$OUT"/cluster-edge?.txt.err >&2; return 1; }
    echo "$c0" > "$OUT/cluster-cpu.txt"; echo "$c1" >> "$OUT/cluster-cpu.txt"; echo "$c2" >> "$OUT/cluster-cpu.txt"
    sort -n "$CL_DIR/lat1.txt" "$CL_DIR/lat2.txt" > "$CL_DIR/lat.txt"
}

# cl_edges_at SEQ: both edges' pushd have read the stream up to SEQ.
cl_edges_at() {
    local e h
    for e in 1 2; do
        h=$(curl -s --max-time 2 --unix-socket "$CL_DIR/edge$e/metrics.sock" http://pushd/metrics |
            awk '$1 == "memeter_pushd_head_seq" { print $2 }')
        [ "${h:-0}" -ge "$1" ] || return 1
    done
}

# The stream's cost without clients: Redis (XADD, both edges' XREAD) and
# the relay per event, at 500 events/s.
cluster_stream_rate() {
    local t0f="$CL_DIR/t0-rate.txt" last
    part_say "cluster: $CLUSTER_RATE_EVENTS events at $((1000 / CLUSTER_RATE_GAP_MS))/s, no clients (Redis and relay CPU)"
    cl_cmdstats > "$OUT/cluster-rate-redis-before.txt"
    { cl_cpu_all
      sleep "$(awk -v ms=$((CLUSTER_RATE_EVENTS * CLUSTER_RATE_GAP_MS)) 'BEGIN { print ms / 1000 }')"
      cl_cpu_all; } > "$OUT/cluster-rate-cpu.txt"
    [ -n "${COMMANDS+x}" ] && COMMANDS+=("wsload publish -T t0-rate.txt -e $CLUSTER_RATE_EVENTS -g $CLUSTER_RATE_GAP_MS -S $CL_SID")
    MEMETER_CONFIG="$CL_W/memeter.conf" "$WSLOAD" publish -T "$t0f" -e "$CLUSTER_RATE_EVENTS" \
        -g "$CLUSTER_RATE_GAP_MS" -S "$CL_SID" > "$OUT/cluster-rate-publish.txt" 2>&1 ||
        { cat "$OUT/cluster-rate-publish.txt" >&2; return 1; }
    last=$(awk '$1 ~ /^[0-9]+$/ { s = $1 } END { print s + 0 }' "$t0f")
    cl_wait 60 cl_edges_at "$last" || { echo "bench-cluster: the edges did not reach seq $last" >&2; return 1; }
    cl_cpu_all >> "$OUT/cluster-rate-cpu.txt"
    cl_cmdstats > "$OUT/cluster-rate-redis-after.txt"
    CL_RATE_EVENTS=$(grep -c '^[0-9]' "$t0f")
}

# Redis's own account of its commands: "name usec" a line.
cl_cmdstats() {
    redis-cli -p "$CL_RPORT" INFO commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_\([a-z|]*\):calls=[0-9]*,usec=\([0-9]*\),.*/\1 \2/p'
}
# cl_cmd_us CMD|all [PREFIX]: usec Redis spent in CMD during the fan-out
# (or the phase whose files start with PREFIX).
cl_cmd_us() {
    local pre=${2:-cluster}
    awk -v c="$1" 'FNR == NR { if (c == "all" || $1 == c) b += $2; next }
        { if (c == "all" || $1 == c) a += $2 } END { print a - b }' \
        "$OUT/$pre-redis-before.txt" "$OUT/$pre-redis-after.txt"
}

# cl_raw NAME: ns NAME spent from the first publish to the last delivery.
cl_raw() {
    awk -v k="$1" 'function get(line, key,   i, n, a, kv) { n = split(line, a, " ")
            for (i = 1; i <= n; i++) { split(a[i], kv, "="); if (kv[1] == key) return kv[2] } }
        { l[NR] = $0 } END { print get(l[3], k) - get(l[2], k) }' "$OUT/${2:-cluster}-cpu.txt"
}

# cl_net NAME: ns NAME spent during the fan-out beyond its idle rate.
cl_net() {
    awk -v k="$1" 'function get(line, key,   i, n, a, kv) { n = split(line, a, " ")
            for (i = 1; i <= n; i++) { split(a[i], kv, "="); if (kv[1] == key) return kv[2] } }
        { l[NR] = $0 }
        END { idle = get(l[2], k) - get(l[1], k); busy = get(l[3], k) - get(l[2], k)
              ti = get(l[2], "t") - get(l[1], "t"); tb = get(l[3], "t") - get(l[2], "t")
              net = busy - (ti > 0 ? idle * tb / ti : 0); print (net < 0 ? 0 : net) }' "$OUT/${2:-cluster}-cpu.txt"
}
# cl_per NS UNITS: microseconds per unit.
cl_per() { awk -v ns="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.2f", ns / n / 1000; else print "-" }'; }

cluster_rows() {
    local p50 p99 max n d1 d2 m1 m2 ev all yes_all c1 c2
    q() { awk -v q="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
        i = int(q * (NR - 1) + 0.5) + 1; printf "%.2f", v[i] / 1000 }' "$CL_DIR/lat.txt"; }
    p50=$(q 0.50); p99=$(q 0.99); max=$(q 1)
    ev=$(part_val "$OUT/cluster-edge1.txt" fanout events)
    d1=$(part_val "$OUT/cluster-edge1.txt" fanout deliveries); d2=$(part_val "$OUT/cluster-edge2.txt" fanout deliveries)
    m1=$(part_val "$OUT/cluster-edge1.txt" fanout missing); m2=$(part_val "$OUT/cluster-edge2.txt" fanout missing)
    c1=$(part_val "$OUT/cluster-edge1.txt" fanout complete_clients); c2=$(part_val "$OUT/cluster-edge2.txt" fanout complete_clients)
    n=$(( $(part_val "$OUT/cluster-edge1.txt" fanout ready) + $(part_val "$OUT/cluster-edge2.txt" fanout ready) ))
    all=0
    [ "$ev" = "$CLUSTER_EVENTS" ] && [ "$m1" = 0 ] && [ "$m2" = 0 ] &&
        [ $((c1 + c2)) = "$CLUSTER_CLIENTS" ] && [ "$n" = "$CLUSTER_CLIENTS" ] && all=1
    yes_all=$([ "$all" = 1 ] && echo yes || echo "**no**")
    {
        echo "| edge cluster (issue 15): $CLUSTER_CLIENTS /ws/user clients over 2 edges (edge nginx -> pushd source = redis), $CLUSTER_EVENTS events ${CLUSTER_GAP_MS} ms apart, loopback | measured | target | met |"
        echo "|---|---|---|---|"
        echo "| fan-out from the writer's commit (outbox -> relay -> Redis -> 2 edges), p50 / p99 / max over every delivery | $p50 / $p99 / $max ms | - | - |"
        echo "| per edge: p99 edge1 / edge2 | $(part_val "$OUT/cluster-edge1.txt" fanout p99_ms) / $(part_val "$OUT/cluster-edge2.txt" fanout p99_ms) ms | - | - |"
        echo "| delivered: deliveries / expected; clients with every event | $((d1 + d2)) / $((n * ${ev:-0})); $((c1 + c2)) / $CLUSTER_CLIENTS | all, >= 20,000 clients | $yes_all$([ "$CLUSTER_CLIENTS" -ge 20000 ] || echo " (at $CLUSTER_CLIENTS)") |"
        echo "| Redis CPU per event (us; process time beyond idle / all of it in the window; its commands' own time: XADD + XREAD / every command) | $(cl_per "$(cl_net redis)" "${ev:-0}") / $(cl_per "$(cl_raw redis)" "${ev:-0}"); $(cl_per "$(( ($(cl_cmd_us xadd) + $(cl_cmd_us xread)) * 1000 ))" "${ev:-0}") / $(cl_per "$(( $(cl_cmd_us all) * 1000 ))" "${ev:-0}") | - | - |"
        echo "| relay CPU per event (us; beyond idle / all of it) | $(cl_per "$(cl_net relay)" "${ev:-0}") / $(cl_per "$(cl_raw relay)" "${ev:-0}") | - | - |"
        if [ -n "${CL_RATE_EVENTS:-}" ]; then
            echo "| the stream alone, $CL_RATE_EVENTS events at $((1000 / CLUSTER_RATE_GAP_MS))/s, no clients: Redis CPU per event (us; process time beyond idle / all of it; its commands XADD + XREAD / every command) | $(cl_per "$(cl_net redis cluster-rate)" "$CL_RATE_EVENTS") / $(cl_per "$(cl_raw redis cluster-rate)" "$CL_RATE_EVENTS"); $(cl_per "$(( ($(cl_cmd_us xadd cluster-rate) + $(cl_cmd_us xread cluster-rate)) * 1000 ))" "$CL_RATE_EVENTS") / $(cl_per "$(( $(cl_cmd_us all cluster-rate) * 1000 ))" "$CL_RATE_EVENTS") | - | - |"
            echo "| the stream alone: relay CPU per event (us; beyond idle / all of it) | $(cl_per "$(cl_net relay cluster-rate)" "$CL_RATE_EVENTS") / $(cl_per "$(cl_raw relay cluster-rate)" "$CL_RATE_EVENTS") | - | - |"
        fi
        echo "| edge pushd CPU per delivery, edge1 / edge2 (us) | $(cl_per "$(cl_net pushd1)" "$d1") / $(cl_per "$(cl_net pushd2)" "$d2") | - | - |"
        echo "| edge nginx CPU per delivery, edge1 / edge2 (us) | $(cl_per "$(cl_net nginx1)" "$d1") / $(cl_per "$(cl_net nginx2)" "$d2") | - | - |"
        echo "| load average (1 min) at the start of the fan-out / at the end (the machine is shared: above ~1 is other work) | ${CL_LOAD0:-?} / $(cut -d' ' -f1 /proc/loadavg) | - | - |"
    } > "$OUT/rows-cluster.md"
}

cluster_stop() {
    STACK_PIDS=("${CL_PIDS[@]}")
    stack_stop
    CL_PIDS=()
}

cluster_bench() {
    cluster_start || { cluster_stop; return 1; }
    cluster_measure || { cluster_stop; return 1; }
    CL_RATE_EVENTS=""
    if [ "$CLUSTER_RATE_EVENTS" -gt 0 ]; then cluster_stream_rate || { cluster_stop; return 1; }; fi
    cluster_stop
    cluster_rows
    part_rows cluster
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    part_standalone "${1:-build/release}" cluster
    cluster_bench
fi
