#!/usr/bin/env bash
# `make run`: the whole stack (nginx + FastCGI pool + pushd) in ./run on
# http://127.0.0.1:${MEMETER_PORT:-8080}, in the foreground with every log
# tailed; Ctrl-C or SIGTERM stops it all.  The database in ./run survives
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
	while read -r pid; do
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
	stack_stop
	if [ -n "${RUN_TAIL_PID:-}" ]; then
		kill "$RUN_TAIL_PID" 2>/dev/null
		wait "$RUN_TAIL_PID" 2>/dev/null
	fi
	rm -f "$RUN_PIDFILE" "$RUN_STACKPIDS" "$RUN_DIR/.admin-cookies"
	say "stopped"
}

cmd_start() {
	local pid which rc=0 f
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
	printf '%s\n' "${STACK_PIDS[@]}" > "$RUN_STACKPIDS"
	load_demo || say "could not load the demo data (the stack keeps running)"
	banner

	# Until a signal comes or one of the three dies.
	wait -n "${STACK_PIDS[@]}"
	for pid in "${STACK_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && continue
		case $pid in
		"$STACK_POOL_PID") which="the worker pool (memeter-fcgi)"; f=fcgi.log ;;
		"${STACK_PUSHD_PID:-}") which="pushd (memeter-pushd)"; f=pushd.log ;;
		*) which="nginx"; f=nginx-error.log ;;
		esac
		say "$which exited unexpectedly; see $RUN_DIR/logs/$f"
		rc=1
	done
	exit "$rc"
}

case "${1:-start}" in
start)	cmd_start ;;
stop)	cmd_stop ;;
*)	echo "usage: mk/run.sh [start|stop]" >&2; exit 2 ;;
esac
