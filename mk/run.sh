#!/usr/bin/env bash
# `make run`: the whole stack (nginx + FastCGI pool + pushd) in ./run on
# http://127.0.0.1:${MEMETER_PORT:-8080}, in the foreground with every log
# tailed; Ctrl-C or SIGTERM stops it all.  A program that dies is started
# again (with backoff, logged) while the others keep serving: see
# run_supervise.  The database in ./run survives
# restarts; the first start (no sessions yet) loads the demo party through
# the real API.  `make stop` (mk/run.sh stop) stops it from elsewhere.
#
#   MEMETER_PORT            port (8080)
#   MEMETER_ADMIN_PASSWORD  admin password; else a random one, printed
#   MEMETER_RUN_DIR         data folder (./run)
#   MEMETER_BIN             binaries (build/$V/bin, V=release)
#   MEMETER_LISTEN          nginx's bind address (127.0.0.1; 0.0.0.0 serves
#                           the whole network: phones on the same Wi-Fi)
#   MEMETER_PUBLIC_URL      what raters open (the QR code); listening beyond
#                           loopback without it: http://<LAN IPv4>:<port>/
#
# The stack itself is mk/stack.sh's, the one every stack test starts.

# make calls this with sh (dash stops reading at the exec); mk/stack.sh is bash.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${MEMETER_RUN_DIR:-$ROOT/run}
PORT=${MEMETER_PORT:-8080}
LISTEN=${MEMETER_LISTEN:-127.0.0.1}
: "${MEMETER_BIN:=$ROOT/build/${V:-release}/bin}"
export MEMETER_BIN
RUN_PIDFILE=$RUN_DIR/run.pid		# this script while it runs
RUN_STACKPIDS=$RUN_DIR/stack.pids	# the processes it started

say() { printf 'memeter: %s\n' "$*"; }
die() { printf 'memeter: %s\n' "$*" >&2; exit 1; }

# Is pid alive and its command line matching pattern?  (Guards against a
# stale pid file naming a reused pid.)
pid_is() {
	local pid=$1 pattern=$2
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
	    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"
}

# Is pid a stack process of this folder: its nginx, or a memeter program
# reading its config?
stack_proc_is_ours() {
	local pid=$1
	if pid_is "$pid" "$RUN_DIR/nginx\.conf"; then
		return 0
	fi
	pid_is "$pid" 'memeter-' && tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null |
	    grep -qxF "MEMETER_CONFIG=$RUN_DIR/memeter.conf"
}

# The stack processes a previous run left behind (one killed with SIGKILL).
orphans() {
	local pid
	[ -f "$RUN_STACKPIDS" ] || return 0
	while read -r pid _; do
		stack_proc_is_ours "$pid" && echo "$pid"
	done < "$RUN_STACKPIDS"
}

stop_orphans() {
	local pid i
	for pid in $(orphans); do
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 500; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$pid" 2>/dev/null
	done
	rm -f "$RUN_STACKPIDS"
}

run_url() {
	sed -n 's/^site_origin = //p' "$RUN_DIR/memeter.conf" 2>/dev/null
}

# The machine's IPv4 address on its network: the source address of the
# route to the outside (reads the routing table, sends nothing), else the
# first address `hostname -I` lists.
lan_ipv4() {
	local ip
	ip=$(ip -4 route get 1.1.1.1 2>/dev/null |
	    sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n 1)
	if [ -z "$ip" ]; then
		ip=$(hostname -I 2>/dev/null | tr ' ' '\n' |
		    grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | head -n 1)
	fi
	printf '%s' "$ip"
}

is_loopback() {
	case $1 in
	127.*|localhost|::1|'[::1]') return 0 ;;
	esac
	return 1
}

# MEMETER_PUBLIC_URL: as given, else (listening beyond loopback) the LAN
# address, else none (the dashboard then shows the loopback one and says
# that phones cannot open it).
public_url() {
	local ip
	if [ -n "${MEMETER_PUBLIC_URL:-}" ]; then
		printf '%s' "$MEMETER_PUBLIC_URL"
		return 0
	fi
	is_loopback "$LISTEN" && return 0
	case $LISTEN in
	0.0.0.0|'*'|'[::]') ip=$(lan_ipv4) ;;
	*) ip=$LISTEN ;;
	esac
	if [ -z "$ip" ]; then
		say "no LAN address found; set MEMETER_PUBLIC_URL=http://<this machine>:$PORT/" >&2
		return 0
	fi
	printf 'http://%s:%s/' "$ip" "$PORT"
}

cmd_stop() {
	local pid i
	pid=$(cat "$RUN_PIDFILE" 2>/dev/null)
	if pid_is "$pid" 'run\.sh'; then
		kill -TERM "$pid"
		for ((i = 0; i < 1500; i++)); do
			pid_is "$pid" 'run\.sh' || { say "stopped"; return 0; }
			sleep 0.02
		done
		die "pid $pid is still running after 30 s"
	fi
	if [ -n "$(orphans)" ]; then
		stop_orphans
		say "stopped the processes of a run that had died"
		return 0
	fi
	say "not running"
}

# --- talking to the API (demo data) -----------------------------------------

# api METHOD PATH [JSON]: sets STATUS and BODY.
api() {
	local method=$1 path=$2 out args
	args=(-sS -X "$method" -b "$RUN_JAR" -c "$RUN_JAR" -H "Origin: $BASE"
	    -w '\n%{http_code}')
	[ -n "${CSRF:-}" ] && args+=(-H "X-CSRF-Token: $CSRF")
	[ $# -gt 2 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	out=$(curl "${args[@]}" "$BASE$path") || return 1
	STATUS=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

# expect STATUS "what": fails with the answer when the status differs.
expect() {
	[ "$STATUS" = "$1" ] && return 0
	echo "memeter: $2: HTTP $STATUS $BODY" >&2
	return 1
}

# On an empty database: the demo images and a draft "Demo party" with
# them.  A draft, not a running party: the host starts it (or deletes it,
# or creates their own) from the dashboard, and guests who scan early see
# "about to start"; nothing of it reaches the Hall of Fame unless played.
load_demo() {
	local sid n
	RUN_JAR=$RUN_DIR/.admin-cookies
	CSRF=
	rm -f "$RUN_JAR"
	api POST /api/admin/login "$(jq -cn --arg p "$MEMETER_ADMIN_PASSWORD" '{password: $p}')" &&
	    expect 200 "admin login" || return 1
	CSRF=$(jq -r .csrf <<<"$BODY")
	api GET /api/admin/state && expect 200 "admin state" || return 1
	if [ "$(jq '.sessions | length' <<<"$BODY")" != 0 ]; then
		say "keeping the existing data in $RUN_DIR"
	else
		"$MEMETER_BIN/memeter-demo" "$RUN_DIR/library" || return 1
		api POST /api/admin/sessions '{"name":"Demo party"}' &&
		    expect 201 "create the demo session" || return 1
		sid=$(jq -r .id <<<"$BODY")
		api POST "/api/admin/sessions/$sid/populate" &&
		    expect 200 "populate the demo session" || return 1
		n=$(jq -r .added <<<"$BODY")
		say "demo data: draft session \"Demo party\" with $n memes; start it on the dashboard"
	fi
	api POST /api/admin/logout
	rm -f "$RUN_JAR"
	return 0
}

# --- start ------------------------------------------------------------------

banner() {
	local line="=================================================================="
	printf '\n%s\n' "$line"
	printf '  memeter is running\n\n'
	printf '    rater view        %s/\n' "$BASE"
	if [ -n "$RUN_PUBLIC_URL" ]; then
		printf '    join (phones)     %s\n' "$RUN_PUBLIC_URL"
	else
		printf '    join (phones)     none: 127.0.0.1 is this machine only;\n'
		printf '                      MEMETER_LISTEN=0.0.0.0 make run serves the network\n'
	fi
	printf '    admin dashboard   %s/admin\n' "$BASE"
	printf '    big screen        %s/screen\n' "$BASE"
	printf '    results           %s/results\n\n' "$BASE"
	if [ -n "$RUN_GENERATED" ]; then
		printf '    admin password    %s\n' "$MEMETER_ADMIN_PASSWORD"
		printf '                      (new on every start; set MEMETER_ADMIN_PASSWORD to choose one)\n\n'
	else
		printf '    admin password    from MEMETER_ADMIN_PASSWORD\n\n'
	fi
	printf '  data in %s, logs in %s/logs\n' "$RUN_DIR" "$RUN_DIR"
	printf '  Ctrl-C (or "make stop" elsewhere) stops everything\n'
	printf '%s\n\n' "$line"
}

RUN_STOPPING=
cleanup() {
	[ -n "$RUN_STOPPING" ] && return
	RUN_STOPPING=1
	trap '' INT TERM	# a second Ctrl-C must not cut the stop short
	echo
	say "stopping..."
	[ -n "${RUN_SLEEP_PID:-}" ] && kill "$RUN_SLEEP_PID" 2>/dev/null
	local pids=("${STACK_PIDS[@]}") pid
	stack_stop
	# Whatever a master left in its process group (a worker killed
	# with it) goes too.
	for pid in "${pids[@]}"; do
		run_reap_group "$pid"
	done
	if [ -n "${RUN_TAIL_PID:-}" ]; then
		kill "$RUN_TAIL_PID" 2>/dev/null
		wait "$RUN_TAIL_PID" 2>/dev/null
	fi
	rm -f "$RUN_PIDFILE" "$RUN_STACKPIDS" "$RUN_DIR/.admin-cookies"
	say "stopped"
}

cmd_start() {
	local pid f
	for f in "$MEMETER_BIN/memeter-fcgi" "$MEMETER_BIN/memeter-pushd" \
	    "$MEMETER_BIN/memeter-demo"; do
		[ -x "$f" ] || die "$f is missing; run make first"
	done
	mkdir -p "$RUN_DIR/logs" || exit 1

	# One stack per folder: the lock is held as long as this script runs.
	exec 9>"$RUN_DIR/run.lock"
	if ! flock -n 9; then
		pid=$(cat "$RUN_PIDFILE" 2>/dev/null)
		die "already running (pid ${pid:-?}) on $(run_url)/ -- stop it with \`make stop\` or Ctrl-C in its terminal"
	fi
	if [ -n "$(orphans)" ]; then
		say "stopping what a previous run left behind"
		stop_orphans
	fi
	if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
		die "port $PORT is in use by another program; choose another with MEMETER_PORT=8081 make run"
	fi
	echo $$ > "$RUN_PIDFILE"

	. "$ROOT/mk/stack.sh"
	RUN_GENERATED=
	if [ -z "${MEMETER_ADMIN_PASSWORD:-}" ]; then
		MEMETER_ADMIN_PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 16)
		RUN_GENERATED=1
	fi
	export MEMETER_ADMIN_PASSWORD
	trap 'cleanup; exit 0' INT
	trap 'cleanup; exit 0' TERM
	trap cleanup EXIT

	RUN_PUBLIC_URL=$(public_url)
	STACK_LISTEN=$LISTEN STACK_PUBLIC_URL=$RUN_PUBLIC_URL \
	    stack_init "$RUN_DIR" "$PORT"
	# Nothing else runs in this folder (we hold the lock): sockets here
	# are left over from a crash.
	rm -f "$RUN_DIR"/*.sock
	# This run's logs, in the foreground; the previous run's keep a .1.
	local logs=("$RUN_DIR/logs/fcgi.log" "$RUN_DIR/logs/pushd.log"
	    "$RUN_DIR/logs/nginx-error.log" "$RUN_DIR/nginx-error.log")
	for f in "${logs[@]}" "$RUN_DIR/logs/access.log"; do
		[ -s "$f" ] && mv "$f" "$f.1"
		: > "$f"
	done
	# --pid: the tail ends with this script, even one killed with SIGKILL.
	tail -q -n +1 -F --pid=$$ "${logs[@]}" 9>&- &
	RUN_TAIL_PID=$!

	say "starting nginx, the worker pool and pushd in $RUN_DIR on port $PORT"
	# The stack must not hold the lock: it is this script's.  Job control
	# gives each of its processes a process group of its own, so Ctrl-C
	# reaches only this script, which stops them in order.
	set -m
	if ! stack_start 9>&-; then
		say "the stack did not start; logs are in $RUN_DIR/logs"
		exit 1
	fi
	set +m
	run_write_pids
	load_demo || say "could not load the demo data (the stack keeps running)"
	banner
	run_supervise
}

# --- supervision ------------------------------------------------------------
# A program that dies is started again while the others keep serving, as
# systemd's Restart=on-failure does for the installed units: the workers
# take ratings while pushd is down (the events wait in the database and
# pushd catches up), nginx answers 503 while the pool is.  The delay
# before a restart starts at RUN_BACKOFF_MIN_MS and doubles up to
# RUN_BACKOFF_MAX_MS while the program keeps dying; it starts over once
# the program has stayed up RUN_STABLE_S seconds.

RUN_BACKOFF_MIN_MS=100
RUN_BACKOFF_MAX_MS=5000
RUN_STABLE_S=10
declare -A RUN_DELAY_MS RUN_STARTED

# The stack's processes, one "pid role" a line, for `make stop` and for
# whoever looks (a restart changes a pid).
run_write_pids() {
	{
		echo "$STACK_POOL_PID pool"
		[ -n "${STACK_PUSHD_PID:-}" ] && echo "$STACK_PUSHD_PID pushd"
		echo "$STACK_NGINX_PID nginx"
	} > "$RUN_STACKPIDS.tmp" && mv "$RUN_STACKPIDS.tmp" "$RUN_STACKPIDS"
}

run_role_of() {
	case $1 in
	"$STACK_POOL_PID") echo pool ;;
	"${STACK_PUSHD_PID:-}") echo pushd ;;
	"$STACK_NGINX_PID") echo nginx ;;
	esac
}

run_describe() {
	case $1 in
	pool) echo "the worker pool (memeter-fcgi)" ;;
	pushd) echo "pushd (memeter-pushd)" ;;
	nginx) echo "nginx" ;;
	esac
}

run_log_of() {
	case $1 in
	pool) echo fcgi.log ;;
	pushd) echo pushd.log ;;
	nginx) echo nginx-error.log ;;
	esac
}

# Each program runs in a process group of its own (set -m): what a dead
# master leaves behind (nginx's workers keep the port, the pool's would
# keep the socket) goes with the group before the new one starts.
run_reap_group() {
	local pgid=$1 i
	kill -TERM -- "-$pgid" 2>/dev/null || return 0
	for ((i = 0; i < 250; i++)); do
		run_group_alive "$pgid" || return 0
		sleep 0.02
	done
	kill -KILL -- "-$pgid" 2>/dev/null
}

# Has process group pgid a member that is not a zombie?
run_group_alive() {
	ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# Sleeps ms milliseconds; a signal cuts it short (cleanup stops it).
run_sleep_ms() {
	sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))" &
	RUN_SLEEP_PID=$!
	# (bash reports a killed child at the next wait; run_restart says more)
	wait "$RUN_SLEEP_PID" 2>/dev/null
	RUN_SLEEP_PID=
}

# Starts role again: its stale sockets removed, in its own process group.
run_start_role() {
	local role=$1
	case $role in
	pool)
		rm -f "$RUN_DIR/fcgi.sock" "$RUN_DIR/control.sock"
		set -m; stack_start_pool 9>&-; local rc=$?; set +m ;;
	pushd)
		rm -f "$RUN_DIR/pushd.sock" "$RUN_DIR/metrics.sock" "$RUN_DIR/notify.sock"
		set -m; stack_start_pushd 9>&-; local rc=$?; set +m ;;
	nginx)
		set -m; stack_start_nginx 9>&-; set +m
		stack_wait_ready; local rc=$? ;;
	esac
	RUN_STARTED[$role]=$SECONDS
	run_write_pids
	return "$rc"
}

# One program died (pid, its wait status): wait out its delay, start it.
run_restart() {
	local pid=$1 status=$2 role how delay p
	role=$(run_role_of "$pid")
	[ -n "$role" ] || return 0
	if [ "$status" -gt 128 ]; then
		how="killed by signal $((status - 128))"
	else
		how="exit status $status"
	fi
	run_reap_group "$pid"
	delay=${RUN_DELAY_MS[$role]:-$RUN_BACKOFF_MIN_MS}
	if [ $((SECONDS - ${RUN_STARTED[$role]:-0})) -ge "$RUN_STABLE_S" ]; then
		delay=$RUN_BACKOFF_MIN_MS
	fi
	say "$(run_describe "$role") died ($how; see $RUN_DIR/logs/$(run_log_of "$role")); restarting it in $(printf '%d.%d' $((delay / 1000)) $((delay % 1000 / 100))) s"
	run_sleep_ms "$delay"
	RUN_DELAY_MS[$role]=$((delay * 2 > RUN_BACKOFF_MAX_MS ? RUN_BACKOFF_MAX_MS : delay * 2))
	local kept=()
	for p in "${STACK_PIDS[@]}"; do
		[ "$p" != "$pid" ] && kept+=("$p")
	done
	STACK_PIDS=("${kept[@]}")
	if run_start_role "$role"; then
		say "$(run_describe "$role") restarted (pid $(run_pid_of "$role"))"
	else
		say "$(run_describe "$role") did not start again; trying again"
	fi
}

run_pid_of() {
	case $1 in
	pool) echo "$STACK_POOL_PID" ;;
	pushd) echo "${STACK_PUSHD_PID:-}" ;;
	nginx) echo "$STACK_NGINX_PID" ;;
	esac
}

# Until a signal comes (its trap stops everything and exits).  A poll,
# not `wait -n`: bash's job table forgets a child whose death it has
# reported while job control was on (during a restart), and wait -n would
# then never return for it.
run_supervise() {
	local role pid status
	for role in pool pushd nginx; do
		RUN_STARTED[$role]=$SECONDS
	done
	while :; do
		for role in pool pushd nginx; do
			pid=$(run_pid_of "$role")
			[ -n "$pid" ] || continue
			kill -0 "$pid" 2>/dev/null && continue
			wait "$pid" 2>/dev/null
			status=$?
			run_restart "$pid" "$status"
		done
		run_sleep_ms 200
	done
}

case "${1:-start}" in
start)	cmd_start ;;
stop)	cmd_stop ;;
*)	echo "usage: mk/run.sh [start|stop]" >&2; exit 2 ;;
esac
