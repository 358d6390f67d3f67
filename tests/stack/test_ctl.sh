#!/usr/bin/env bash
# memeterctl against the real stack: every command, each change checked
# through the API (same rows, same outbox event, pushd woken), exit
# statuses, and an online backup taken under a load of ratings, restored
# into a fresh folder and served by a second stack.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pool_lib.sh"

stack_up
CTL="$MEMETER_BIN/memeterctl"

# ctl ARGS...: runs memeterctl; OUT, ERR and RC hold what it did.
ctl() {
    OUT=$("$CTL" "$@" 2>"$T_DIR/ctl.err")
    RC=$?
    ERR=$(cat "$T_DIR/ctl.err")
}
rc_is() { [ "$RC" = "$1" ]; }
out_has() { grep -q -- "$1" <<<"$OUT"; }
err_has() { grep -q -- "$1" <<<"$ERR"; }
out_json() { [ "$(jq -r "$1" <<<"$OUT" 2>/dev/null)" = "$2" ]; }
metric() {
    curl -s --unix-socket "$STACK_DIR/metrics.sock" http://pushd/metrics |
        awk -v m="$1" '$1 == m { print $2 }'
}
# Waits (bounded) until pushd has fanned out the database's newest event.
pushd_caught_up() {
    local head i
    head=$(db "SELECT coalesce(max(seq), 0) FROM events")
    for ((i = 0; i < 200; i++)); do
        [ "$(metric memeter_pushd_head_seq)" = "$head" ] && return 0
        sleep 0.02
    done
    return 1
}

# --- usage, help, configuration errors -------------------------------------------
ctl --help
check "--help exits 0" rc_is 0
for c in passwd "sessions list" "session create" populate export backup check status migrate "exit status" MEMETER_CONFIG; do
    check "--help documents \"$c\"" out_has "$c"
done
ctl
check "no command: exit 2" rc_is 2
ctl frobnicate
check "unknown command: exit 2, named" bash -c '[ '"$RC"' = 2 ] && grep -q frobnicate <<<"$0"' "$ERR"
ctl session start
check "session start without id: exit 2" rc_is 2
ctl session start abc
check "a non-numeric id: exit 2, named" bash -c '[ '"$RC"' = 2 ] && grep -q "\"abc\" is not a session id" <<<"$0"' "$ERR"
MEMETER_WORKERS=lots ctl sessions list
check "a bad environment value: exit 3" rc_is 3
check "the error names the variable and key" err_has 'MEMETER_WORKERS: workers: "lots"'
printf 'db_path = %s\nsend_queue = -4\n' "$STACK_DIR/memeter.db" > "$T_DIR/bad.conf"
ctl -c "$T_DIR/bad.conf" sessions list
check "a bad file value: exit 3, file, line and key" \
    bash -c '[ '"$RC"' = 3 ] && grep -q "bad.conf:2: send_queue" <<<"$0"' "$ERR"
ctl -c "$T_DIR/missing.conf" sessions list
check "-c names a missing file: exit 3" rc_is 3
ctl config
check "config prints the effective db_path" out_has "^db_path = $STACK_DIR/memeter.db$"
check "config hides the admin password" bash -c '! grep -q -- "$1" <<<"$0"' "$OUT" "$MEMETER_ADMIN_PASSWORD"

# --- passwd ------------------------------------------------------------------------
admin_login
admin_api GET /api/admin/state
check "the admin is logged in before passwd" status_is 200
hash_before=$(db "SELECT value FROM settings WHERE key='admin_password_hash'")
ctl passwd <<<"short"
check "passwd refuses a short password: exit 6" rc_is 6
check "a refused password changes nothing" test "$(db "SELECT value FROM settings WHERE key='admin_password_hash'")" = "$hash_before"
ctl passwd </dev/null
check "passwd with empty stdin: exit 6" rc_is 6
ctl passwd extra
check "passwd takes no argument (never on the command line): exit 2" rc_is 2
NEWPW="correct horse battery $RANDOM"
ctl passwd <<<"$NEWPW"
check "passwd: exit 0" rc_is 0
check "passwd reports the ended admin login" out_has "1 admin login ended"
check "only a crypt(3) hash is stored" bash -c '[[ $0 == \$y\$* ]] && [[ $0 != *"$1"* ]]' \
    "$(db "SELECT value FROM settings WHERE key='admin_password_hash'")" "$NEWPW"
admin_api GET /api/admin/state
check "the old admin login has ended" status_is 401
OLDPW=$MEMETER_ADMIN_PASSWORD
MEMETER_ADMIN_PASSWORD=$NEWPW
check "the new password logs in" admin_login
_request "$T_DIR/old.jar" POST /api/admin/login "{\"password\":\"$OLDPW\"}"
check "the old password is refused" status_is 401
# On a terminal: asked twice, never echoed.  tty_passwd FIRST SECOND runs
# memeterctl passwd on a pseudo-terminal, answering each prompt when it
# appears; prints what the terminal showed, exits with memeterctl's status.
tty_passwd() {
    python3 - "$CTL" "$@" <<'PY'
import os, pty, select, signal, sys, time
ctl, answers = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(ctl, [ctl, "passwd"])
seen = b""
deadline = time.monotonic() + 20
def until(text):
    """Reads until text shows (True), or EOF or the deadline (False)."""
    global seen
    while text not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return False
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            return False
        if not chunk:
            return False
        seen += chunk
    return True
for prompt, answer in zip((b"New admin password: ", b"Again: "), answers):
    if not until(prompt):
        break
    os.write(fd, answer.encode() + b"\n")
until(b"\0")          # the rest, until memeterctl closes the terminal
if time.monotonic() >= deadline:
    os.kill(pid, signal.SIGKILL)
    seen += b"\n(tty_passwd: memeterctl did not finish within 20 s)"
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
}
hash_before=$(db "SELECT value FROM settings WHERE key='admin_password_hash'")
OUT=$(tty_passwd "tty password one" "tty password two"); RC=$?
check "tty: two different passwords: exit 6" rc_is 6
check "tty: says they differ" out_has "differ"
check "tty: nothing changed" test "$(db "SELECT value FROM settings WHERE key='admin_password_hash'")" = "$hash_before"
OUT=$(tty_passwd "tty password one" "tty password one"); RC=$?
check "tty: the same password twice: exit 0" rc_is 0
check "tty: the password is never echoed" bash -c '! grep -q "tty password" <<<"$0"' "$OUT"
_request "$T_DIR/tty.jar" POST /api/admin/login '{"password":"tty password one"}'
check "tty: the new password logs in" status_is 200
MEMETER_ADMIN_PASSWORD=$NEWPW ctl passwd <<<"$NEWPW"
check "passwd warns when admin_password is configured" err_has "admin_password is set"
admin_login   # passwd ended it again

# --- sessions ------------------------------------------------------------------------
ctl sessions list
check "sessions list on an empty database" out_has "no sessions yet"
before=$(db "SELECT coalesce(max(seq), 0) FROM events")
datagrams=$(metric memeter_pushd_notify_datagrams_total)
ctl --json session create "Friday memes"
check "session create: exit 0" rc_is 0
SID=$(jq -r .id <<<"$OUT")
check "session create prints S" out_json .status draft
check "the session_created event is in the outbox" \
    test "$(db "SELECT type || ' ' || session_id FROM events WHERE seq > $before")" = "session_created $SID"
check "pushd has the event" pushd_caught_up
check "memeterctl woke pushd with a datagram" \
    test "$(metric memeter_pushd_notify_datagrams_total)" -gt "${datagrams:-0}"
admin_api GET /api/admin/state
check "the API sees the new session" json_is "[.sessions[] | select(.id == $SID) | .name] | .[0]" "Friday memes"
ctl session create ""
check "an empty name: exit 6" rc_is 6
ctl session create "$(printf 'x%.0s' {1..81})"
check "an 81-character name: exit 6, nothing written" \
    bash -c '[ '"$RC"' = 6 ] && [ "$0" = 1 ]' "$(db 'SELECT count(*) FROM sessions')"
ctl session create "Second"
check "text output names the session" out_has "^session [0-9]* created: \"Second\" is draft$"
SID2=$(db "SELECT max(id) FROM sessions")

# --- populate ------------------------------------------------------------------------
FOLDER="$T_DIR/memes"
mkdir -p "$FOLDER"
python3 "$STACK_ROOT/tests/bench/mklibrary.py" "$FOLDER" 4
echo "not an image" > "$FOLDER/readme.png"
ctl populate 999 "$FOLDER"
check "populate an unknown session: exit 4" rc_is 4
ctl populate "$SID" "$T_DIR/no-such-folder"
check "populate a missing folder: exit 1, named" \
    bash -c '[ '"$RC"' = 1 ] && grep -q no-such-folder <<<"$0"' "$ERR"
ctl --json populate "$SID" "$FOLDER"
check "populate: exit 0" rc_is 0
check "populate adds the 4 images, not the fake one" out_json .added 4
check "the memes_populated event is in the outbox" \
    test "$(db "SELECT json_extract(data, '\$.added') FROM events WHERE type='memes_populated' AND session_id=$SID")" = 4
ctl populate "$SID" "$FOLDER"
check "populating again adds nothing" out_has "added 0 memes (4 images"
url=$(db "SELECT filename FROM memes ORDER BY id LIMIT 1")
out=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE/media/$url")
check "nginx serves the imported image ($out)" test "$out" = "200 image/png"
cp "$STACK_DIR/library/"* "$FOLDER/" 2>/dev/null
python3 "$STACK_ROOT/tests/bench/mklibrary.py" "$STACK_DIR/library" 2
ctl populate "$SID2"
check "populate without a folder reads library_dir" out_has "added 2 memes (2 images in $STACK_DIR/library)"

# --- start, finish, states -------------------------------------------------------------
ctl session finish "$SID"
check "finish a draft: exit 5" rc_is 5
ctl session start "$SID"
check "session start: exit 0" rc_is 0
api GET /api/state
check "raters see the started session" json_is .session.status active
check "with its memes" json_is '.memes | length' 4
ctl session start "$SID2"
check "a second active session: exit 5, reason given" \
    bash -c '[ '"$RC"' = 5 ] && grep -qi "another session is active" <<<"$0"' "$ERR"
ctl session start 12345
check "start an unknown session: exit 4" rc_is 4

# Ratings to export: 3 raters, every meme.
mapfile -t MEMES < <(db "SELECT meme_id FROM session_memes WHERE session_id=$SID ORDER BY position")
for r in 1 2 3; do
    JAR="$T_DIR/r$r.jar"
    api GET /api/state
    for i in "${!MEMES[@]}"; do
        api POST /api/ratings "{\"meme_id\":${MEMES[$i]},\"score\":$(( (i * 3 + r * 2) % 11 ))}"
    done
done
check "12 ratings stored" test "$(db "SELECT count(*) FROM ratings WHERE session_id=$SID")" = 12

ctl session finish "$SID"
check "session finish: exit 0" rc_is 0
check "the session is finished" test "$(db "SELECT status FROM sessions WHERE id=$SID")" = finished
ctl session start "$SID"
check "start a finished session: exit 5" rc_is 5
ctl populate "$SID" "$FOLDER"
check "populate a finished session: exit 5" rc_is 5

ctl sessions list
check "sessions list shows counts" out_has "^ *$SID  finished *4 *12 "
ctl sessions list --json
check "sessions list --json (after the command)" out_json "[.[] | select(.id == $SID) | .ratings] | .[0]" 12

# --- export ------------------------------------------------------------------------------
ctl export "$SID" --csv
check "export --csv: exit 0" rc_is 0
check "the CSV has a header and 4 rows" test "$(wc -l <<<"$OUT")" = 5
"$CTL" export "$SID" --csv > "$T_DIR/export.csv"
curl -s -b "$ADMIN_JAR" -H "X-CSRF-Token: $CSRF" "$BASE/api/admin/sessions/$SID/export.csv" > "$T_DIR/api.csv"
check "export --csv is byte for byte the API's CSV download" cmp -s "$T_DIR/export.csv" "$T_DIR/api.csv"
ctl export "$SID" --json
check "export --json: every place" out_json '.results | length' 4
check "export --json: the session" out_json .session.status finished
check "export --json: the stats" out_json .stats.ratings 12
check "export --json: places in the CSV's order" test \
    "$(jq -r '.results[].meme.title' <<<"$OUT" | paste -sd,)" = \
    "$(tail -n +2 "$T_DIR/export.csv" | cut -d, -f2 | tr -d '"\r' | paste -sd,)"
ctl export "$SID"
check "export without a format: exit 2" rc_is 2
ctl export 777 --csv
check "export an unknown session: exit 4" rc_is 4

# --- check, migrate -----------------------------------------------------------------------
ctl check
check "check: exit 0" rc_is 0
check "check reports integrity and foreign keys" out_has "integrity ok, foreign keys ok"
cp "$STACK_DIR/memeter.db" "$T_DIR/broken.db"
sqlite3 "$T_DIR/broken.db" "PRAGMA foreign_keys=OFF; INSERT INTO ratings (session_id, meme_id, rater_id, score) VALUES ($SID, ${MEMES[0]}, 4242, 5);"
MEMETER_DB_PATH="$T_DIR/broken.db" ctl check
check "check finds a dangling rater: exit 7" rc_is 7
check "check names the table" out_has "foreign key: ratings row"
MEMETER_DB_PATH="$T_DIR/nothing-here.db" ctl sessions list
check "a missing database is an error, not created" \
    bash -c '[ '"$RC"' = 1 ] && [ ! -e "$0" ]' "$T_DIR/nothing-here.db"
MEMETER_DB_PATH="$T_DIR/fresh.db" ctl migrate
check "migrate creates a database" rc_is 0
latest=$(db "PRAGMA user_version")
check "migrate brings it to the latest schema" test "$(sqlite3 "$T_DIR/fresh.db" "PRAGMA user_version")" = "$latest"
MEMETER_DB_PATH="$T_DIR/fresh.db" ctl migrate
check "migrate again: already current" out_has "is current"
sqlite3 "$T_DIR/fresh.db" "PRAGMA user_version=1"
MEMETER_DB_PATH="$T_DIR/fresh.db" ctl sessions list
check "an old schema is refused with advice" \
    bash -c '[ '"$RC"' = 1 ] && grep -q "run \"memeterctl migrate\"" <<<"$0"' "$ERR"

# Run as root, memeterctl works as the owner of the database's folder, so
# the files SQLite creates stay usable by the services' user.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    chmod o+x "$T_DIR"
    mkdir "$T_DIR/owned"
    chown nobody "$T_DIR/owned"
    MEMETER_DB_PATH="$T_DIR/owned/m.db" ctl migrate
    MEMETER_DB_PATH="$T_DIR/owned/m.db" ctl session create "As nobody"
    check "as root: the new database belongs to the folder's owner" \
        test "$(stat -c %U "$T_DIR/owned/m.db")" = nobody
    check "as root: the folder's owner can still write the database" \
        runuser -u nobody -- sqlite3 "$T_DIR/owned/m.db" "PRAGMA journal_mode=WAL; UPDATE settings SET value=value" >/dev/null
    MEMETER_DB_PATH="$T_DIR/owned/m.db" ctl backup "$T_DIR/owned-backup.db"
    check "as root: the backup belongs to root" test "$(stat -c %U "$T_DIR/owned-backup.db")" = root
    check "as root: the backup has the session" \
        test "$(sqlite3 "$T_DIR/owned-backup.db" "SELECT name FROM sessions")" = "As nobody"
fi

# --- status --------------------------------------------------------------------------------
pushd_caught_up
ctl --json status
check "status: exit 0 with both daemons up" rc_is 0
check "status: the pool master's pid" out_json .pool.pid "$STACK_POOL_PID"
check "status: the pool's generation" out_json .pool.generation "$(jq -r .generation <<<"$(pool_status)")"
check "status: the workers" out_json '.pool.workers | length' "$POOL_N"
check "status: pushd's head seq" out_json .pushd.head_seq "$(db "SELECT max(seq) FROM events")"
check "status: the database schema" out_json .database.schema "$latest"
ctl status
check "status text: pool line" out_has "^pool: *running, master pid $STACK_POOL_PID"
check "status text: pushd line" out_has "^pushd: *running, [0-9]* clients"

# --- backup under load, restored and served ---------------------------------------------------
pool_party 3 6 || check "a party for the load" false
PARTY=$(db "SELECT id FROM sessions WHERE status='active'")
pool_load_start
pool_load_wait 100
ctl backup "$T_DIR/backup.db"
check "backup under load: exit 0" rc_is 0
pool_load_wait 100
pool_load_stop
check "every rating during the backup succeeded ($LOAD_OK of $LOAD_TOTAL)" test "$LOAD_FAILED" = 0
check "the backup passes integrity_check" test "$(sqlite3 "$T_DIR/backup.db" "PRAGMA integrity_check")" = ok
check "the backup is one file (journal_mode delete)" test "$(sqlite3 "$T_DIR/backup.db" "PRAGMA journal_mode")" = delete
check "no partial file is left" bash -c '! ls "$0".partial-* 2>/dev/null' "$T_DIR/backup.db"
n=$(sqlite3 "$T_DIR/backup.db" "SELECT count(*) FROM ratings WHERE session_id=$PARTY")
check "the backup holds ratings made under load ($n)" test "$n" -gt 0
check "the backup holds no more than the live database" test "$n" -le "$(db "SELECT count(*) FROM ratings WHERE session_id=$PARTY")"
check "the backup's outbox matches its ratings" test \
    "$(sqlite3 "$T_DIR/backup.db" "SELECT count(*) FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.type='new_rating' AND json_extract(e.data,'\$.rater.id')=r.rater_id AND json_extract(e.data,'\$.meme_id')=r.meme_id AND json_extract(e.data,'\$.session_id')=r.session_id)")" = 0
ctl backup "$T_DIR/backup.db"
check "backup refuses to overwrite: exit 1" \
    bash -c '[ '"$RC"' = 1 ] && grep -q "exists already" <<<"$0"' "$ERR"
ctl backup "$T_DIR/no/such/dir/b.db"
check "backup into a missing folder: exit 1, named" \
    bash -c '[ '"$RC"' = 1 ] && grep -q "no/such/dir" <<<"$0"' "$ERR"

api GET "/api/results/$SID"
results_live=$BODY
api GET /api/sessions
sessions_live=$(jq -c '[.[] | {id, name, status}]' <<<"$BODY")

# pushd down: status degrades, the rest still shows.
stack_kill "$STACK_PUSHD_PID"
ctl status
check "status with pushd down: exit 1" rc_is 1
check "status says pushd is not running" out_has "^pushd: *NOT RUNNING"
check "status still shows the pool" out_has "^pool: *running"

# The restore: a fresh folder, the backup as its database, a new stack.
stack_stop
FIRST_DIR=$STACK_DIR
for tries in 1 2 3; do
    stack_init "$T_DIR/restored" "$(stack_free_port)"
    cp "$T_DIR/backup.db" "$STACK_DIR/memeter.db"
    cp "$FIRST_DIR"/media/* "$STACK_DIR/media/"
    stack_start && break
    stack_stop
done
api GET /api/sessions
check "the restored stack serves the sessions" test "$(jq -c '[.[] | {id, name, status}]' <<<"$BODY")" = "$sessions_live"
api GET "/api/results/$SID"
check "the restored stack serves the same results" test "$BODY" = "$results_live"
api GET /api/state
check "the restored stack has the active party" json_is .session.id "$PARTY"
ctl check
check "check on the restored database: exit 0" rc_is 0
ctl --json status
check "status on the restored stack" out_json .pool.pid "$STACK_POOL_PID"
t_done
