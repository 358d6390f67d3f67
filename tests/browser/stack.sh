#!/usr/bin/env bash
# Runs one memeter stack (nginx + FastCGI pool + pushd, mk/stack.sh) for the
# browser tests and keeps it up until standard input closes or a signal
# comes; then stops every process it started.
#
#   MEMETER_BIN=... MEMETER_ADMIN_PASSWORD=... bash tests/browser/stack.sh DIR
#
# Prints BASE=..., DIR=..., PUSHD_PID=... and then READY (or FAILED).
# Commands on standard input, one a line, each answered with one line:
#   kill-pushd     SIGKILL pushd (a crash)         -> OK
#   start-pushd    start pushd again               -> OK PUSHD_PID=N | ERR ...
set -u
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/mk/stack.sh"

dir=${1:?usage: stack.sh DIR}
mkdir -p "$dir"
STACK_PIDS=()
trap 'stack_stop' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

started=0
for try in 1 2 3; do
    port=$(stack_free_port)
    stack_init "$dir" "$port"
    if stack_start; then
        started=1
        break
    fi
    stack_stop
    grep -q "Address already in use" "$dir/logs/nginx-error.log" 2>/dev/null || break
done
if [ "$started" -ne 1 ]; then
    echo "FAILED"
    tail -n 20 "$dir"/logs/*.log >&2 2>/dev/null
    exit 1
fi
export STACK_PUSHD_PID
echo "BASE=$BASE"
echo "DIR=$STACK_DIR"
echo "PUSHD_PID=$STACK_PUSHD_PID"
echo "READY"

while IFS= read -r cmd; do
    case $cmd in
    kill-pushd)
        kill -KILL "$STACK_PUSHD_PID" 2>/dev/null
        wait "$STACK_PUSHD_PID" 2>/dev/null
        echo "OK"
        ;;
    start-pushd)
        # A killed pushd leaves its socket file behind.
        rm -f "$STACK_DIR/pushd.sock"
        if stack_start_pushd; then
            echo "OK PUSHD_PID=$STACK_PUSHD_PID"
        else
            echo "ERR pushd did not start"
        fi
        ;;
    "") ;;
    *) echo "ERR unknown command: $cmd" ;;
    esac
done
