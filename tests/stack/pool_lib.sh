# shellcheck shell=bash
# Helpers for the pool stack tests (test_pool_*.sh), sourced after lib.sh:
#
#   pool_status                 the master's status line (control socket)
#   pool_wait COND [SECS]       until jq COND holds for the status line
#   pool_party MEMES RATERS     a started session, raters with cookies
#   pool_load_start / pool_load_stop / pool_load_wait N
#                               POST /api/ratings through nginx, in the
#                               background, every status code counted
#   pool_stop_check             SIGTERM the master: nothing may survive it
#   pool_ratings_whole          every rating has its new_rating and back

POOL_N=${STACK_WORKERS:-2}

# One status line from the master's control socket.
pool_status() {
    python3 - "$STACK_DIR/control.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
print(s.makefile().readline(), end="")
EOF
}

# pool_wait JQ_CONDITION [SECONDS]: polls the status (bounded) until the
# condition is true; STATUS_LINE holds the last line read.
pool_wait() {
    local cond=$1 secs=${2:-30} i
    for ((i = 0; i < secs * 20; i++)); do
        STATUS_LINE=$(pool_status 2>/dev/null) &&
            [ "$(jq -r "$cond" <<<"$STATUS_LINE" 2>/dev/null)" = true ] &&
            return 0
        sleep 0.05
    done
    echo "pool_wait: timed out waiting for $cond; last: $STATUS_LINE" >&2
    return 1
}

# "N workers of the serving generation, all ready, no reload under way."
# shellcheck disable=SC2016  # $g is jq's, bound by the caller
POOL_SETTLED='.pending == 0 and ([.workers[] | select(.state == "ready")] | length) == '"$POOL_N"'
    and all(.workers[]; .generation == $g and .state == "ready")'
pool_settled() {
    pool_wait "(.generation) as \$g | $POOL_SETTLED" "${1:-60}"
}

# pool_party MEMES RATERS: a started session with MEMES library images and
# RATERS raters (cookie tokens in RATER_TOKENS, meme ids in MEME_IDS).
pool_party() {
    local memes=$1 raters=$2 sid i jar
    python3 "$STACK_ROOT/tests/bench/mklibrary.py" "$STACK_DIR/library" "$memes"
    admin_login || return 1
    admin_api POST /api/admin/sessions '{"name":"Pool under load"}'
    sid=$(jq -r .id <<<"$BODY")
    admin_api POST "/api/admin/sessions/$sid/populate" '{}'
    mapfile -t MEME_IDS < <(jq -r '.memes[].id' <<<"$BODY")
    admin_api POST "/api/admin/sessions/$sid/start" '{}'
    [ "$(jq -r .status <<<"$BODY")" = active ] || return 1
    RATER_TOKENS=()
    for ((i = 0; i < raters; i++)); do
        jar="$T_DIR/rater$i.jar"
        curl -sS -o /dev/null -c "$jar" "$BASE/api/state" || return 1
        RATER_TOKENS+=("$(awk '$6 == "mr_rater" { print $7 }' "$jar")")
    done
    [ "${#MEME_IDS[@]}" -eq "$memes" ] && [ "${#RATER_TOKENS[@]}" -eq "$raters" ]
}

# A curl config of 64 rating requests over random raters and memes; each
# one prints its status code on a line of its own (000: no response).
pool_load_config() {
    local cfg=$1 i r m
    : > "$cfg"
    for ((i = 0; i < 64; i++)); do
        r=${RATER_TOKENS[RANDOM % ${#RATER_TOKENS[@]}]}
        m=${MEME_IDS[RANDOM % ${#MEME_IDS[@]}]}
        # "next" only between requests: a trailing one fails the batch.
        [ "$i" -gt 0 ] && echo next >> "$cfg"
        cat >> "$cfg" <<EOF
url = "$BASE/api/ratings"
header = "Content-Type: application/json"
header = "Origin: $BASE"
cookie = "mr_rater=$r"
data = "{\"meme_id\":$m,\"score\":$((RANDOM % 11))}"
output = "/dev/null"
write-out = "%{http_code}\n"
silent
EOF
    done
}

# Runs batches of parallel rating requests until pool_load_stop.
pool_load_start() {
    LOAD_CODES="$T_DIR/load.codes"
    : > "$LOAD_CODES"
    rm -f "$T_DIR/load.stop"
    (
        n=0
        # Also ends if the test itself died without stopping us ($$ is
        # the test's pid even in this subshell).
        while [ ! -e "$T_DIR/load.stop" ] && kill -0 $$ 2>/dev/null; do
            pool_load_config "$T_DIR/load.$((n % 4)).cfg"
            curl --parallel --parallel-max 8 -K "$T_DIR/load.$((n % 4)).cfg" \
                >> "$LOAD_CODES" 2>> "$T_DIR/load.err"
            n=$((n + 1))
        done
    ) &
    LOAD_PID=$!
}

pool_load_count() { grep -c . "$LOAD_CODES"; }

# Waits (bounded) until at least N more responses came back.
pool_load_wait() {
    local want=$(( $(pool_load_count) + $1 )) i
    for ((i = 0; i < 1200; i++)); do
        [ "$(pool_load_count)" -ge "$want" ] && return 0
        kill -0 "$LOAD_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "pool_load_wait: the load stalled at $(pool_load_count)" >&2
    return 1
}

# shellcheck disable=SC2034  # LOAD_* are the callers' results
pool_load_stop() {
    touch "$T_DIR/load.stop"
    wait "$LOAD_PID" 2>/dev/null
    LOAD_PID=
    LOAD_TOTAL=$(pool_load_count)
    LOAD_OK=$(grep -c -E '^20[01]$' "$LOAD_CODES")
    LOAD_FAILED=$((LOAD_TOTAL - LOAD_OK))
}

# Every rating has a new_rating event for its (session, meme, rater), the
# newest of them carries its score, and every such event has its rating:
# no transaction was cut in half.
pool_ratings_whole() {
    local match="e.type = 'new_rating'
        AND json_extract(e.data, '\$.session_id') = r.session_id
        AND json_extract(e.data, '\$.meme_id') = r.meme_id
        AND json_extract(e.data, '\$.rater.id') = r.rater_id"
    check "every rating has its new_rating event" test "$(db "
        SELECT count(*) FROM ratings r WHERE NOT EXISTS
            (SELECT 1 FROM events e WHERE $match)")" = 0
    check "every new_rating event has its rating" test "$(db "
        SELECT count(*) FROM events e WHERE e.type = 'new_rating' AND NOT EXISTS
            (SELECT 1 FROM ratings r WHERE $match)")" = 0
    check "the newest event of each rating has its score" test "$(db "
        SELECT count(*) FROM ratings r WHERE r.score IS NOT
            (SELECT json_extract(e.data, '\$.score') FROM events e WHERE $match
             ORDER BY e.seq DESC LIMIT 1)")" = 0
    check "ratings were written" test "$(db "SELECT count(*) FROM ratings")" -gt 0
}

# SIGTERM to the master: it and every worker it ever listed exit, and the
# sockets are gone.  pids of earlier generations go in POOL_SEEN_PIDS.
pool_stop_check() {
    local pids i alive
    pids=$(jq -r '.workers[].pid' <<<"$(pool_status)")
    kill -TERM "$STACK_POOL_PID"
    for ((i = 0; i < 300; i++)); do
        kill -0 "$STACK_POOL_PID" 2>/dev/null || break
        sleep 0.05
    done
    check "the master exits on SIGTERM" bash -c "! kill -0 $STACK_POOL_PID 2>/dev/null"
    wait "$STACK_POOL_PID"
    check "the master exits with status 0" test $? = 0
    alive=""
    for i in $pids ${POOL_SEEN_PIDS:-}; do
        kill -0 "$i" 2>/dev/null && alive="$alive $i"
    done
    check "no worker outlives the master (${alive:-none alive})" test -z "$alive"
    check "no process of this binary is left" \
        bash -c "! pgrep -f '^$MEMETER_BIN/memeter-fcgi' >/dev/null"
    check "the FastCGI socket is removed" test ! -e "$STACK_DIR/fcgi.sock"
    check "the control socket is removed" test ! -e "$STACK_DIR/control.sock"
}

# Runs the tests on a copy of the binaries in the test's own folder, so
# the test can replace memeter-fcgi on disk under the running master.
pool_copy_binaries() {
    local src=$MEMETER_BIN f
    # Physical path: workers are exec'd by the master's realpath.
    POOL_BIN_DIR=$(cd "$(mktemp -d "${TMPDIR:-/tmp}/memeter-$T_NAME-bin.XXXXXX")" && pwd -P)
    for f in "$src"/*; do
        cp -p "$f" "$POOL_BIN_DIR/"
    done
    POOL_ORIG_BIN=$src
    MEMETER_BIN=$POOL_BIN_DIR
}

pool_binary_id() { sha256sum "$1" | cut -c1-16; }

# pool_rebuild OUT: builds memeter-fcgi again with another version string
# into OUT (a separate build folder in the test's directory, seeded from
# the build the test runs, so only fcgi/ compiles again).
pool_rebuild() {
    local out=$1 build variant tmpb
    build=$(cd "$POOL_ORIG_BIN/.." && pwd)
    variant=$(basename "$build")
    tmpb="$T_DIR/build2"
    [ -d "$build/obj" ] || { echo "pool_rebuild: $build is not a build folder" >&2; return 1; }
    cp -a "$build" "$tmpb"
    rm -rf "${tmpb:?}/obj/fcgi" "${tmpb:?}/lib/libfcgiapp.a" "${tmpb:?}/bin"
    # Not the outer make's flags (make test runs us): this build is ours.
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
        make -s -j"$(nproc)" -C "$STACK_ROOT" V="$variant" BUILD="$tmpb" \
        CC='cc -DMEMETER_VERSION=\"reload-test\"' "$tmpb/bin/memeter-fcgi" \
        > "$T_DIR/rebuild.log" 2>&1 || { cat "$T_DIR/rebuild.log" >&2; return 1; }
    cp "$tmpb/bin/memeter-fcgi" "$out"
}

# After stack_up: also remove the binaries' copy when the test passed.
pool_down() {
    local rc=$?
    [ -n "${LOAD_PID:-}" ] && pool_load_stop
    [ "$T_FAILED" -eq 0 ] && [ -n "${POOL_BIN_DIR:-}" ] && rm -rf "$POOL_BIN_DIR"
    (exit "$rc")
    stack_down
}
