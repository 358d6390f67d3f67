# shellcheck shell=bash
# Helpers for stack tests: each tests/stack/test_*.sh sources this, calls
# stack_up (a real nginx + pool + pushd in a temporary directory on a free
# loopback port, stopped on exit), then makes requests and checks.
#
#   api METHOD PATH [JSON] [curl args...]   as the rater (cookie jar $JAR)
#   admin_api METHOD PATH [JSON] [args...]  as the logged-in admin, with CSRF
#   check "what" COMMAND...                 one assertion: passes if COMMAND does
#   status_is N, json_is FILTER VALUE, error_is N CODE
#   db SQL                                  query the stack's database
#   t_done                                  print "N passed, N failed", exit
#
# After api/admin_api: $STATUS (HTTP code), $BODY (response), $HDRS (headers).

set -u
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/mk/stack.sh"

T_PASSED=0
T_FAILED=0
T_NAME=$(basename "$0" .sh)

stack_up() {
    local dir port tries
    dir=$(mktemp -d "${TMPDIR:-/tmp}/memeter-$T_NAME.XXXXXX")
    T_DIR=$dir
    JAR="$dir/rater.jar"
    ADMIN_JAR="$dir/admin.jar"
    trap stack_down EXIT
    trap 'exit 130' INT TERM
    for tries in 1 2 3; do
        port=$(stack_free_port)
        stack_init "$dir" "$port"
        stack_start && return 0
        stack_stop
        grep -q "Address already in use" "$dir/logs/nginx-error.log" 2>/dev/null || break
    done
    echo "$T_NAME: the stack did not start" >&2
    T_FAILED=$((T_FAILED + 1))
    exit 1
}

stack_down() {
    local rc=$?
    stack_stop
    if [ -n "${T_DIR:-}" ] && stack_sanitizer_reports >/dev/null; then
        echo "FAIL sanitizer reports:" >&2
        cat "$T_DIR"/logs/asan.* "$T_DIR"/logs/ubsan.* 2>/dev/null | head -60 >&2
        T_FAILED=$((T_FAILED + 1))
        rc=1
    fi
    if [ "$T_FAILED" -gt 0 ] && [ -n "${T_DIR:-}" ]; then
        echo "--- $T_NAME: logs in $T_DIR/logs; last lines:" >&2
        tail -n 15 "$T_DIR"/logs/fcgi.log "$T_DIR"/logs/pushd.log 2>/dev/null >&2
    elif [ -n "${T_DIR:-}" ] && [ -z "${KEEP_STACK_DIR:-}" ]; then
        rm -rf "$T_DIR"
    fi
    echo "$T_NAME: $T_PASSED passed, $T_FAILED failed"
    [ -n "${T_COUNTS:-}" ] && echo "$T_PASSED $T_FAILED" >> "$T_COUNTS"
    [ "$T_FAILED" -eq 0 ] && [ "$rc" -eq 0 ] && exit 0
    exit 1
}

t_done() { exit 0; }

# check "description" COMMAND [ARGS...]
check() {
    local what=$1; shift
    if "$@"; then
        T_PASSED=$((T_PASSED + 1))
        [ -n "${T_VERBOSE:-}" ] && echo "ok   $what"
    else
        T_FAILED=$((T_FAILED + 1))
        echo "FAIL $what" >&2
        echo "     status=${STATUS:-} body=$(printf '%s' "${BODY:-}" | head -c 400)" >&2
    fi
    return 0
}

# _request JAR METHOD PATH [JSON] [curl args...]
_request() {
    local jar=$1 method=$2 path=$3; shift 3
    local data=() out
    if [ $# -gt 0 ] && [ "${1:0:1}" != "-" ]; then
        data=(-H 'Content-Type: application/json' --data-binary "$1"); shift
    fi
    out=$(curl -sS -X "$method" -b "$jar" -c "$jar" -D "$T_DIR/hdrs" \
        -H "Origin: $BASE" "${data[@]}" "$@" -w '\n%{http_code}' "$BASE$path")
    STATUS=${out##*$'\n'}
    BODY=${out%$'\n'*}
    HDRS=$(tr -d '\r' < "$T_DIR/hdrs")
}

api() { _request "$JAR" "$@"; }

admin_login() {
    _request "$ADMIN_JAR" POST /api/admin/login "{\"password\":\"$MEMETER_ADMIN_PASSWORD\"}"
    [ "$STATUS" = 200 ] || { echo "admin login failed: $STATUS $BODY" >&2; return 1; }
    CSRF=$(jq -r .csrf <<<"$BODY")
}

admin_api() {
    local method=$1 path=$2; shift 2
    _request "$ADMIN_JAR" "$method" "$path" "$@" -H "X-CSRF-Token: ${CSRF:-}"
}

status_is() { [ "$STATUS" = "$1" ]; }
json_is() { [ "$(jq -r "$1" <<<"$BODY" 2>/dev/null)" = "$2" ]; }
error_is() { [ "$STATUS" = "$1" ] && json_is .error.code "$2" && json_is '.error.message|length > 0' true; }
header_has() { grep -qi "^$1" <<<"$HDRS"; }
db() { sqlite3 -batch -noheader "$STACK_DIR/memeter.db" "$@"; }

# png FILE N: a real, distinct N x 3 PNG.
png() {
    python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
path, n = sys.argv[1], int(sys.argv[2])
def chunk(k, d):
    return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)
raw = b"".join(b"\0" + bytes([n % 256, 3, 5]) * n for _ in range(3))
open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, 3, 8, 2, 0, 0, 0))
                       + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
}

# A fingerprint of every data table, to prove a bad request changed nothing.
db_fingerprint() {
    db "SELECT (SELECT count(*) FROM sessions) || '/' || (SELECT count(*) FROM ratings) || '/' ||
        (SELECT total(score) FROM ratings) || '/' || (SELECT count(*) FROM skips) || '/' ||
        (SELECT count(*) FROM memes) || '/' || (SELECT count(*) FROM session_memes) || '/' ||
        (SELECT coalesce(max(seq),0) FROM events) || '/' || (SELECT group_concat(name) FROM raters) || '/' ||
        (SELECT group_concat(status || revealed || pace || seconds || locked) FROM sessions) || '/' ||
        (SELECT group_concat(session_id || position || meme_id || state || coalesce(closes_at, '')) FROM rounds) || '/' ||
        (SELECT group_concat(hex(token_hash)) FROM raters)"
}
