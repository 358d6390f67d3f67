#!/usr/bin/env bash
# Socket activation: the pool takes its listening socket the way systemd
# passes it (fd 3, LISTEN_FDS=1, LISTEN_PID), from tests/tools/sdlaunch,
# which holds the socket open like memeter-fcgi.socket does.  Then the
# whole pool PROCESS is restarted (SIGTERM, exit, new master: what
# `systemctl restart memeter-fcgi` does) several times under a load of
# ratings through nginx, and the master is once killed outright: not one
# request may fail, because connections wait in the socket's backlog while
# no master runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pool_lib.sh"

RESTARTS=3

# stack_up, with the pool started under the launcher.
socket_stack_up() {
    local tries
    T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memeter-$T_NAME.XXXXXX")
    JAR="$T_DIR/rater.jar"
    ADMIN_JAR="$T_DIR/admin.jar"
    trap stack_down EXIT
    trap 'exit 130' INT TERM
    for tries in 1 2 3; do
        stack_init "$T_DIR" "$(stack_free_port)"
        stack_sanitizer_env
        "$MEMETER_BIN/sdlaunch" -p "$T_DIR/pool.pid" "$STACK_DIR/fcgi.sock" -- \
            "$MEMETER_BIN/memeter-fcgi" >>"$STACK_DIR/logs/fcgi.log" 2>&1 &
        LAUNCHER_PID=$!
        STACK_PIDS+=("$LAUNCHER_PID")
        # The master's status socket says it is up.
        if stack_wait_for_socket "$STACK_DIR/control.sock" "$LAUNCHER_PID" fcgi &&
            stack_start_pushd && stack_start_nginx && stack_wait_ready; then
            return 0
        fi
        stack_stop
        grep -q "Address already in use" "$T_DIR/logs/nginx-error.log" 2>/dev/null || break
    done
    echo "$T_NAME: the stack did not start" >&2
    T_FAILED=$((T_FAILED + 1))
    exit 1
}

master_pid() { cat "$T_DIR/pool.pid"; }
sock_inode() { stat -c %i "$STACK_DIR/fcgi.sock"; }

socket_stack_up
pool_settled 30
check "the pool serves through nginx" bash -c 'curl -fsS "$0/api/health" >/dev/null' "$BASE"
check "the master took the socket from LISTEN_FDS" grep -q "from systemd" "$STACK_DIR/logs/fcgi.log"
check "the status socket names the launcher's child as master" \
    test "$(jq -r .pid <<<"$(pool_status)")" = "$(master_pid)"
inode=$(sock_inode)

pool_party 8 20 || check "a party for the load" false
pool_load_start
check "the load runs before the restarts" pool_load_wait 100

pids_seen=()
for ((r = 1; r <= RESTARTS; r++)); do
    old=$(master_pid)
    pids_seen+=("$old" $(jq -r '.workers[].pid' <<<"$(pool_status)"))
    kill -HUP "$LAUNCHER_PID"           # the launcher: SIGTERM, wait, start again
    for ((i = 0; i < 600; i++)); do
        new=$(master_pid)
        [ "$new" != "$old" ] && kill -0 "$new" 2>/dev/null && break
        sleep 0.05
    done
    check "restart $r: a new master ($old -> $new)" test "$new" != "$old"
    check "restart $r: the old master is gone" bash -c '! kill -0 "$0" 2>/dev/null' "$old"
    pool_wait "(.pid == $new) and .pending == 0 and ([.workers[] | select(.state == \"ready\")] | length) == $POOL_N" 60
    check "restart $r: the new master's workers are ready" test $? = 0
    check "restart $r: the socket file is the same one" test "$(sock_inode)" = "$inode"
    check "restart $r: requests go on" pool_load_wait 100
done

# A crash of the master (SIGKILL): its workers get SIGTERM from the kernel
# (parent-death signal), finish their requests, and the launcher starts a
# new master at once (Restart= in the unit); the socket never closed.
old=$(master_pid)
pids_seen+=("$old" $(jq -r '.workers[].pid' <<<"$(pool_status)"))
kill -KILL "$old"
pool_wait "(.pid != $old) and .pending == 0 and ([.workers[] | select(.state == \"ready\")] | length) == $POOL_N" 60
check "after a SIGKILLed master: a new one with ready workers" test $? = 0
check "after the crash: requests go on" pool_load_wait 100
pool_load_stop

check "the load made requests ($LOAD_TOTAL)" test "$LOAD_TOTAL" -ge $((100 * (RESTARTS + 1)))
check "zero failed requests across $RESTARTS restarts and a crash ($LOAD_OK of $LOAD_TOTAL ok; $(sort "$LOAD_CODES" | uniq -c | tr '\n' ' '))" \
    test "$LOAD_FAILED" = 0
starts=$(grep -c "sdlaunch: started" "$STACK_DIR/logs/fcgi.log")
check "the launcher started the pool $((RESTARTS + 2)) times ($starts)" test "$starts" = $((RESTARTS + 2))
check "every master took the socket from systemd's variables" \
    test "$(grep -c "from systemd" "$STACK_DIR/logs/fcgi.log")" = $((RESTARTS + 2))
alive=""
for p in "${pids_seen[@]}"; do
    kill -0 "$p" 2>/dev/null && alive="$alive $p"
done
check "no process of an old pool is left (${alive:-none})" test -z "$alive"
pool_ratings_whole
check "nginx logged no upstream error" bash -c '! grep -E "connect\(\) to unix:.* failed|upstream prematurely closed" "$0"' \
    "$STACK_DIR/logs/nginx-error.log"
t_done
