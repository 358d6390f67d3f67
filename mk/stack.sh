# shellcheck shell=bash
# Starts and stops a whole memeter stack (nginx + FastCGI pool + pushd) in
# one directory on one loopback port.  Sourced by mk/run.sh (make run),
# tests/stack/lib.sh (stack tests), the browser tests and the benchmarks.
#
#   stack_init DIR PORT        write config, nginx config, folders
#   stack_start_pool / stack_start_pushd / stack_start_nginx
#   stack_wait_ready           until /api/health answers through nginx
#   stack_stop                 SIGTERM everything, wait, SIGKILL stragglers
#
# Knobs (environment, before stack_init): MEMETER_BIN (binaries),
# STACK_WORKERS, STACK_NGINX_WORKERS, STACK_NGINX_CONNECTIONS,
# STACK_RATER_RATE, STACK_RATER_BURST, STACK_LOGIN_RATE, STACK_LOGIN_BURST,
# STACK_WS_PER_ADDR, STACK_WS_MAX (WebSockets per address and in all),
# STACK_ACCESS_LOG (path or "off"), MEMETER_ADMIN_PASSWORD,
# STACK_FCGI_UPSTREAM (nginx's pool: an edge's is the writer's host:port;
# default unix: the folder's fcgi.sock), STACK_LISTEN (nginx's bind
# address; MEMETER_LISTEN, else 127.0.0.1) and
# STACK_PUBLIC_URL (config public_url: what raters open; MEMETER_PUBLIC_URL,
# else none), STACK_PUSHD_LISTEN and STACK_WS_URL (config pushd_listen
# and ws_url: pushd's direct WebSocket listener and the URL the pages
# use for it, which the pages' CSP then allows).  BASE, the address the stack's own tools use, stays on
# loopback: 0.0.0.0 serves 127.0.0.1 too, a single other address is used
# as it is.

STACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${MEMETER_BIN:=$STACK_ROOT/build/release/bin}"

# A free loopback TCP port (the kernel picks it).
stack_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

stack_init() {
    STACK_DIR=$1
    STACK_PORT=$2
    STACK_LISTEN=${STACK_LISTEN:-${MEMETER_LISTEN:-127.0.0.1}}
    STACK_PUBLIC_URL=${STACK_PUBLIC_URL:-${MEMETER_PUBLIC_URL:-}}
    local host=127.0.0.1
    case $STACK_LISTEN in
    0.0.0.0|'*'|'[::]') ;;
    *) host=$STACK_LISTEN ;;
    esac
    BASE="http://$host:$STACK_PORT"
    STACK_PIDS=()
    mkdir -p "$STACK_DIR"/{media,library,nginx-tmp,logs}
    # The folder holds the sockets (the FastCGI one skips nginx's limits,
    # the control one runs the pool) and the database: only this user,
    # which nginx here runs as too, may enter it.
    chmod 0700 "$STACK_DIR"
    : "${MEMETER_ADMIN_PASSWORD:=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 16)}"
    export MEMETER_ADMIN_PASSWORD
    export MEMETER_CONFIG="$STACK_DIR/memeter.conf"
    cat > "$MEMETER_CONFIG" <<EOC
# written by mk/stack.sh for the stack in this folder
db_path = $STACK_DIR/memeter.db
fcgi_socket = $STACK_DIR/fcgi.sock
notify_socket = $STACK_DIR/notify.sock
pushd_socket = $STACK_DIR/pushd.sock
metrics_socket = $STACK_DIR/metrics.sock
control_socket = $STACK_DIR/control.sock
media_dir = $STACK_DIR/media
library_dir = $STACK_DIR/library
site_origin = $BASE
public_url = $STACK_PUBLIC_URL
workers = ${STACK_WORKERS:-2}
pushd_listen = ${STACK_PUSHD_LISTEN:-}
ws_url = ${STACK_WS_URL:-}
log_level = ${STACK_LOG_LEVEL:-info}
EOC
    local user_line=""
    [ "$(id -u)" -eq 0 ] && user_line="user root root;"
    local sed_args=(
        -e "s|@USER_LINE@|$user_line|"
        -e "s|@DIR@|$STACK_DIR|g"
        -e "s|@PORT@|$STACK_PORT|g"
        -e "s|@LISTEN@|$STACK_LISTEN|g"
        -e "s|@HTDOCS@|$STACK_ROOT/htdocs|g"
        -e "s|@MEDIA_DIR@|$STACK_DIR/media|g"
        -e "s|@FCGI_UPSTREAM@|${STACK_FCGI_UPSTREAM:-unix:$STACK_DIR/fcgi.sock}|g"
        -e "s|@PUSHD_UPSTREAM@|unix:$STACK_DIR/pushd.sock|g"
        -e "s|@NGINX_WORKERS@|${STACK_NGINX_WORKERS:-2}|g"
        -e "s|@NGINX_CONNECTIONS@|${STACK_NGINX_CONNECTIONS:-4096}|g"
        -e "s|@NGINX_NOFILE@|${STACK_NGINX_NOFILE:-10000}|g"
        -e "s|@ACCESS_LOG@|${STACK_ACCESS_LOG:-$STACK_DIR/logs/access.log}|g"
        -e "s|@RATER_RATE@|${STACK_RATER_RATE:-20r/s}|g"
        -e "s|@RATER_BURST@|${STACK_RATER_BURST:-100}|g"
        -e "s|@LOGIN_RATE@|${STACK_LOGIN_RATE:-10r/m}|g"
        -e "s|@LOGIN_BURST@|${STACK_LOGIN_BURST:-10}|g"
        -e "s|@WS_PER_ADDR@|${STACK_WS_PER_ADDR:-500}|g"
        -e "s|@WS_MAX@|${STACK_WS_MAX:-1500}|g"
        -e "s|@UPLOAD_MAX@|64m|g"
        -e "s|@WS_CONNECT_SRC@|${STACK_WS_URL:+ ${STACK_WS_URL%/}}|g"
        -e "s|@CONF@|$STACK_ROOT/conf|g"
    )
    # memeter-server.conf includes fastcgi_params relative to the config dir.
    cp /etc/nginx/fastcgi_params "$STACK_DIR/fastcgi_params"
    sed "${sed_args[@]}" "$STACK_ROOT/conf/nginx-local.conf.in" > "$STACK_DIR/nginx.conf"
    sed "${sed_args[@]}" "$STACK_ROOT/conf/nginx/memeter-http.conf.in" > "$STACK_DIR/memeter-http.conf"
    sed "${sed_args[@]}" "$STACK_ROOT/conf/nginx/memeter-server.conf.in" > "$STACK_DIR/memeter-server.conf"
}

# Sanitizer reports go to files so a test can fail on them after the fact.
stack_sanitizer_env() {
    export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:log_path=$STACK_DIR/logs/asan"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$STACK_DIR/logs/ubsan"
}

stack_start_pool() {
    stack_sanitizer_env
    "$MEMETER_BIN/memeter-fcgi" >>"$STACK_DIR/logs/fcgi.log" 2>&1 &
    STACK_POOL_PID=$!
    STACK_PIDS+=("$STACK_POOL_PID")
    stack_wait_for_socket "$STACK_DIR/fcgi.sock" "$STACK_POOL_PID" pool
}

stack_start_pushd() {
    stack_sanitizer_env
    "$MEMETER_BIN/memeter-pushd" >>"$STACK_DIR/logs/pushd.log" 2>&1 &
    STACK_PUSHD_PID=$!
    STACK_PIDS+=("$STACK_PUSHD_PID")
    stack_wait_for_socket "$STACK_DIR/pushd.sock" "$STACK_PUSHD_PID" pushd
}

stack_start_nginx() {
    nginx -e "$STACK_DIR/logs/nginx-error.log" -p "$STACK_DIR" -c "$STACK_DIR/nginx.conf" \
        >>"$STACK_DIR/logs/nginx.log" 2>&1 &
    STACK_NGINX_PID=$!
    STACK_PIDS+=("$STACK_NGINX_PID")
}

# Waits (bounded) until path is a socket; fails early if pid died.
stack_wait_for_socket() {
    local path=$1 pid=$2 what=$3 i
    for ((i = 0; i < 500; i++)); do
        [ -S "$path" ] && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "stack: $what exited during start; its log:" >&2
            tail -n 20 "$STACK_DIR/logs/$what.log" "$STACK_DIR/logs/fcgi.log" 2>/dev/null >&2
            return 1
        fi
        sleep 0.02
    done
    echo "stack: $what did not create $path" >&2
    return 1
}

stack_wait_ready() {
    local i
    for ((i = 0; i < 500; i++)); do
        curl -fsS -o /dev/null "$BASE/api/health" 2>/dev/null && return 0
        if ! kill -0 "$STACK_NGINX_PID" 2>/dev/null; then
            echo "stack: nginx exited:" >&2
            tail -n 20 "$STACK_DIR/logs/nginx-error.log" "$STACK_DIR/logs/nginx.log" >&2
            return 1
        fi
        sleep 0.02
    done
    echo "stack: $BASE/api/health never answered" >&2
    return 1
}

# Starts everything; STACK_NO_PUSHD=1 leaves pushd out.
stack_start() {
    stack_start_pool || return 1
    if [ -z "${STACK_NO_PUSHD:-}" ]; then stack_start_pushd || return 1; fi
    stack_start_nginx
    stack_wait_ready
}

# Stops one process: SIGTERM, then SIGKILL after 10 s.
stack_kill() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 500; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        sleep 0.02
    done
    echo "stack: pid $pid ignored SIGTERM for 10 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 1
}

stack_stop() {
    local pid
    for pid in "${STACK_PIDS[@]}"; do
        stack_kill "$pid"
    done
    STACK_PIDS=()
}

# 1 if a sanitizer wrote a report during this stack's life.
stack_sanitizer_reports() {
    ls "$STACK_DIR"/logs/asan.* "$STACK_DIR"/logs/ubsan.* 2>/dev/null
}
