#!/usr/bin/env bash
# A bad day for the database (issue 11, findings 6 and 7): another process
# holds SQLite's write lock for longer than a request may wait, and then
# the disk under the database fills up.  Writes that cannot be done are
# answered 503 with Retry-After and a code that says why (`unavailable`,
# `storage_full`), never 500; /api/health says the database cannot write;
# nothing acknowledged is lost and the database stays whole.
. "$(dirname "$0")/lib.sh"

export STACK_RATER_RATE=100000r/s STACK_RATER_BURST=100000

# The database and the media live on a small tmpfs of their own, so the
# test can fill it; the logs stay on the test's folder and keep going.
FULL_DIR=""
fs_ready=0
if [ "$(id -u)" -eq 0 ]; then
    FULL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memeter-full.XXXXXX")
    mount -t tmpfs -o size=6m tmpfs "$FULL_DIR" 2>/dev/null && fs_ready=1
fi
if [ "$fs_ready" = 1 ]; then
    mkdir -p "$FULL_DIR/media"
    export MEMETER_DB_PATH="$FULL_DIR/memeter.db" MEMETER_MEDIA_DIR="$FULL_DIR/media"
fi

fault_down() {
    local rc=$?
    [ -n "${LOCK_PID:-}" ] && kill "$LOCK_PID" 2>/dev/null
    stack_stop
    if [ "$fs_ready" = 1 ]; then umount "$FULL_DIR" 2>/dev/null; fi
    [ -n "$FULL_DIR" ] && rmdir "$FULL_DIR" 2>/dev/null
    (exit "$rc")
    stack_down
}

stack_up
trap fault_down EXIT
DB=${MEMETER_DB_PATH:-$STACK_DIR/memeter.db}
dbq() { sqlite3 -batch -noheader "$DB" "$@"; }

python3 "$STACK_ROOT/tests/bench/mklibrary.py" "$STACK_DIR/library" 6
admin_login
admin_api POST /api/admin/sessions '{"name":"Bad day"}'
SID=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/populate" '{}'
admin_api POST "/api/admin/sessions/$SID/start" '{}'
check "a running party" status_is 200
api GET /api/state
mapfile -t MEMES < <(jq -r '.memes[].id' <<<"$BODY")
check "with memes" test "${#MEMES[@]}" -ge 4

# rate MEME SCORE: one rating as the rater; LAST keeps the score of each
# meme that the server acknowledged last (what the database must hold).
declare -A LAST=()
NEW_RATING_EVENTS=0
rate() {
    api POST /api/ratings "{\"meme_id\":$1,\"score\":$2}"
    case $STATUS in 200|201) LAST[$1]=$2; NEW_RATING_EVENTS=$((NEW_RATING_EVENTS + 1)) ;; esac
}

# Every acknowledged rating is in the database with its last score, and
# nothing that was refused.
acked_match_db() {
    local m
    [ "$(dbq "SELECT count(*) FROM ratings")" = "${#LAST[@]}" ] || return 1
    for m in "${!LAST[@]}"; do
        [ "$(dbq "SELECT score FROM ratings WHERE meme_id = $m")" = "${LAST[$m]}" ] || return 1
    done
}

# --- a write lock held by someone else -------------------------------------
# sqlite3 holds BEGIN IMMEDIATE until told to roll back; "locked" on its
# output says the lock is taken (no sleep needed to know it).
LOCK_IN="$T_DIR/lock.in"
: > "$T_DIR/lock.out"
mkfifo "$LOCK_IN"
sqlite3 -batch "$DB" < "$LOCK_IN" > "$T_DIR/lock.out" 2>&1 &
LOCK_PID=$!
exec 7> "$LOCK_IN"
echo "BEGIN IMMEDIATE; SELECT 'locked';" >&7
for ((i = 0; i < 200; i++)); do
    grep -q locked "$T_DIR/lock.out" && break
    sleep 0.05
done
check "another process holds the write lock" grep -q locked "$T_DIR/lock.out"

start=$(date +%s%N)
rate "${MEMES[0]}" 7
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a rating under a held lock is 503 unavailable, not 500" error_is 503 unavailable
check "with Retry-After" header_has "Retry-After: "
check "and it did not stall for long (${took_ms} ms <= 6000)" test "$took_ms" -le 6000
api GET /api/state
check "reads go on under the lock" status_is 200
admin_api POST /api/admin/sessions '{"name":"Blocked"}'
check "an admin write under the lock is 503 unavailable" error_is 503 unavailable

echo "ROLLBACK;" >&7
exec 7>&-
wait "$LOCK_PID" 2>/dev/null
LOCK_PID=""
rate "${MEMES[0]}" 7
check "once the lock is gone the same rating is accepted" status_is 201
check "the refused rating left nothing behind, the accepted one is there" acked_match_db

# --- a full disk ---------------------------------------------------------------
if [ "$fs_ready" != 1 ]; then
    echo "$T_NAME: not root or no tmpfs: the full-disk half cannot run here" >&2
    check "root can mount a tmpfs for the full-disk half" false
    t_done
fi
api GET /api/health
check "health is ok while there is room" json_is .ok true
# Fill every byte left; SQLite then cannot grow the WAL or the database.
dd if=/dev/zero of="$FULL_DIR/filler" bs=64k 2>/dev/null
dd if=/dev/zero of="$FULL_DIR/filler2" bs=1 2>/dev/null
full=0 other=0
for ((i = 1; i < ${#MEMES[@]}; i++)); do
    for s in 1 2 3 4 5 6 7 8; do
        rate "${MEMES[$i]}" "$s"
        if [ "$STATUS" = 503 ] && json_is .error.code storage_full; then full=$((full + 1))
        elif [ "$STATUS" != 200 ] && [ "$STATUS" != 201 ]; then other=$((other + 1)); fi
    done
done
check "writes on a full disk are 503 storage_full ($full of them)" test "$full" -gt 0
check "and nothing else went wrong ($other other failures)" test "$other" = 0
api GET /api/health
check "health says the database cannot write" json_is .ok false
check "health is 503 then" status_is 503
check "health names the reason" json_is .db storage_full
printf '\x89PNG\r\n\x1a\n' > "$T_DIR/tiny.png"
admin_api POST "/api/admin/sessions/$SID/memes" -F "file=@$T_DIR/tiny.png;type=image/png"
check "an upload on a full disk is refused with a clear code, not 500" \
    test "$STATUS" != 500 -a "$STATUS" -ge 400
check "the fcgi log kept going and says why" grep -q -i 'full' "$STACK_DIR/logs/fcgi.log"

rm -f "$FULL_DIR/filler" "$FULL_DIR/filler2"
rate "${MEMES[1]}" 9
check "with room again, writes work" test "$STATUS" = 200 -o "$STATUS" = 201
api GET /api/health
check "and health is ok again" json_is .ok true
check "every acknowledged rating is in the database, nothing refused is" acked_match_db
check "every answer that changed a rating has its event" \
    test "$(dbq "SELECT count(*) FROM events WHERE type='new_rating'")" = "$NEW_RATING_EVENTS"
check "the database is whole" test "$(dbq 'PRAGMA integrity_check')" = ok
t_done
