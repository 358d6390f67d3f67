# shellcheck shell=bash
# What tests/bench/show.sh and tests/bench/cluster.sh share.  Sourced by
# run.sh (make bench) through them, or by either part run on its own
# (the bench smoke test: bash tests/bench/show.sh build/release), which
# then gets its own temporary folder and output directory and stops what
# it started on exit.

# The repository (run.sh sets it too).
root=${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# part_standalone BUILD NAME: the setup run.sh would have done.
part_standalone() {
    local build=$1 name=$2
    case $build in
    /*) export MEMETER_BIN="$build/bin" ;;
    *) export MEMETER_BIN="$root/$build/bin" ;;
    esac
    # shellcheck source=../../mk/stack.sh
    . "$root/mk/stack.sh"
    WSLOAD="$MEMETER_BIN/wsload"
    [ -x "$WSLOAD" ] || { echo "bench-$name: $WSLOAD missing" >&2; exit 1; }
    BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memeter-bench-$name.XXXXXX")
    OUT=${BENCH_OUT:-$BENCH_DIR/out}
    mkdir -p "$OUT"
    STACK_PIDS=()
    trap part_standalone_cleanup EXIT
    trap 'exit 130' INT TERM
}

part_standalone_cleanup() {
    local rc=$?
    [ -n "${STACK_PIDS[*]:-}" ] && stack_stop
    if [ "$rc" -ne 0 ]; then
        echo "bench: failed; logs kept in $BENCH_DIR" >&2
    elif [ -z "${KEEP_BENCH_DIR:-}" ]; then
        rm -rf "$BENCH_DIR"
    fi
    exit "$rc"
}

part_say() { printf '== %s\n' "$*" >&2; }

# part_wsload FILE ARGS...: wsload with its output in FILE (echoed).
part_wsload() {
    local file=$1 rc; shift
    [ -n "${COMMANDS+x}" ] && COMMANDS+=("wsload $*")
    "$WSLOAD" "$@" > "$file" 2> "$file.err"
    rc=$?
    cat "$file" >&2
    [ "$rc" -eq 0 ] || { echo "bench: wsload $1 failed ($rc):" >&2; tail -5 "$file.err" >&2; }
    return "$rc"
}

# part_val FILE TAG KEY [SEL]: KEY's value on the first line tagged TAG
# that has the word SEL (e.g. phase=reactions).
part_val() {
    awk -v tag="$2" -v key="$3" -v sel="${4:-}" '
        $1 == tag {
            ok = sel == ""
            for (i = 2; i <= NF; i++) if ($i == sel) ok = 1
            if (!ok) next
            for (i = 2; i <= NF; i++) {
                split($i, kv, "=")
                if (kv[1] == key) { print kv[2]; exit }
            }
        }' "$1"
}

# part_cpu_ns PID...: time on CPU (ns, user + system) of every thread of
# the processes, from /proc/PID/task/TID/schedstat: the kernel's exact
# sum, where /proc/PID/stat's utime + stime come in 10 ms ticks (Redis
# spends well under one tick on a whole fan-out run).
part_cpu_ns() {
    local p t v s=0
    for p in "$@"; do
        for t in /proc/"$p"/task/*/schedstat; do
            [ -r "$t" ] || continue
            read -r v _ < "$t" 2>/dev/null && s=$((s + v))
        done
    done
    echo "$s"
}

# part_children PID: PID and its children (an nginx master's workers).
part_children() {
    # One space between pids, none around: ps pads them to a column width.
    echo $1 $(pgrep -P "$1")
}

# part_admin_login: ADMIN_JAR, CSRF and ADMIN_COOKIE for $BASE.
part_admin_login() {
    local body
    ADMIN_JAR="$STACK_DIR/admin.jar"
    body=$(curl -sS -c "$ADMIN_JAR" -H "Origin: $BASE" -H 'Content-Type: application/json' \
        --data-binary "{\"password\":\"$MEMETER_ADMIN_PASSWORD\"}" "$BASE/api/admin/login") || return 1
    CSRF=$(jq -r '.csrf // empty' <<<"$body")
    ADMIN_COOKIE=$(awk '$6 == "mr_admin" { print $7 }' "$ADMIN_JAR")
    if [ -z "$CSRF" ] || [ -z "$ADMIN_COOKIE" ]; then
        echo "bench: admin login failed: $body" >&2
        return 1
    fi
}

# part_admin METHOD PATH [JSON]: the answer's body on stdout.
part_admin() {
    local body=${3:-'{}'}
    curl -sS -X "$1" -b "$ADMIN_JAR" -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: application/json' --data-binary "$body" "$BASE$2"
}

# part_rows NAME: prints $OUT/rows-NAME.md (the part's table) to stderr.
part_rows() {
    echo >&2
    cat "$OUT/rows-$1.md" >&2
}
