#!/usr/bin/env bash
# The admin API against the real stack: sessions and their states,
# populate and upload (bytes checked, per-file limit, nothing stored on a
# refusal), CSRF, stats after real ratings, reveal, public results, the
# CSV export, and the outbox row every mutation writes.
. "$(dirname "$0")/lib.sh"

# A small per-file limit, so "too large" needs no big file.
export MEMETER_MAX_UPLOAD_BYTES=65536
stack_up

IMG="$T_DIR/img"
mkdir -p "$IMG"
# mkimg KIND FILE N: a real, distinct PNG (N x 3 pixels) or GIF (N x 2).
mkimg() {
    python3 - "$@" <<'EOF'
import struct, sys, zlib
kind, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def chunk(k, d):
    return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)
if kind == "png":
    raw = b"".join(b"\0" + bytes([n % 256, 7, 9]) * n for _ in range(3))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, 3, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
elif kind == "gif":
    data = (b"GIF89a" + struct.pack("<HH", n, 2) + b"\x80\x00\x00" + bytes([n % 256, 0, 0])
            + b"\xff\xff\xff\x2c\x00\x00\x00\x00" + struct.pack("<HH", n, 2)
            + b"\x00\x02\x02\x44\x01\x00\x3b")
elif kind == "bigpng":
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, 3, 8, 2, 0, 0, 0))
            + b"\0" * 70000)
open(path, "wb").write(data)
EOF
}

LIB="$STACK_DIR/library"
mkimg png "$LIB/cat_one.png" 5
mkimg png "$LIB/dog two.png" 6
mkimg png "$LIB/eel.png" 7
mkimg gif "$LIB/frog.gif" 8
printf 'I am text wearing a .png name\n' > "$LIB/liar.png"
mkimg png "$IMG/upload_a.png" 11
mkimg gif "$IMG/upload-b.gif" 12
mkimg png "$IMG/late.png" 13
mkimg bigpng "$IMG/huge.png" 14
printf 'not an image at all\n' > "$IMG/fake.png"

# The originals (each has a phone and a thumbnail variant next to it).
media_count() { find "$STACK_DIR/media" -type f ! -name '*-1080.webp' ! -name '*-320.webp' | wc -l; }
variant_count() { find "$STACK_DIR/media" -type f \( -name '*-1080.webp' -o -name '*-320.webp' \) | wc -l; }
last_event() { db "SELECT type FROM events ORDER BY seq DESC LIMIT 1"; }
last_data() { db "SELECT data FROM events ORDER BY seq DESC LIMIT 1"; }
head_seq() { db "SELECT coalesce(max(seq),0) FROM events"; }
data_is() { [ "$(last_data | jq -r "$1")" = "$2" ]; }

# --- not logged in, CSRF -----------------------------------------------------
api GET /api/admin/state
check "admin state needs the admin cookie (401)" status_is 401

admin_login
admin_api GET /api/admin/state
check "admin state 200" status_is 200
check "no session yet" json_is .session null
check "no sessions yet" json_is '.sessions|length' 0
check "empty stats" json_is '.stats.ratings' 0
check "stats avg null" json_is '.stats.avg' null
check "participants 0" json_is .participants 0
check "state seq is the outbox head" json_is .seq "$(head_seq)"

fp=$(db_fingerprint)
_request "$ADMIN_JAR" POST /api/admin/sessions '{"name":"No token"}'
check "create without CSRF token -> 403" status_is 403
_request "$ADMIN_JAR" POST /api/admin/sessions '{"name":"Bad token"}' -H "X-CSRF-Token: deadbeef"
check "create with a wrong CSRF token -> 403" status_is 403
check "refused creates changed nothing" test "$(db_fingerprint)" = "$fp"

# --- create ------------------------------------------------------------------
EVIL="Robert'); DROP TABLE sessions;--"
admin_api POST /api/admin/sessions "$(jq -nc --arg n "  $EVIL  " '{name:$n}')"
check "create -> 201" status_is 201
check "create returns S with the trimmed name" json_is .name "$EVIL"
check "new session is a draft" json_is .status draft
check "started_at null" json_is .started_at null
check "created_at is ISO 8601 UTC" json_is '.created_at|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' true
A=$(jq -r .id <<<"$BODY")
check "name stored literally" test "$(db "SELECT name FROM sessions WHERE id=$A")" = "$EVIL"
check "sessions table survived" test "$(db "SELECT count(*) FROM sessions")" = 1
check "session_created event" test "$(last_event)" = session_created
check "event data is S" data_is .name "$EVIL"
check "event has the session id" test "$(db "SELECT session_id FROM events ORDER BY seq DESC LIMIT 1")" = "$A"

fp=$(db_fingerprint)
admin_api POST /api/admin/sessions '{"name":"   "}'
check "blank name -> 400 invalid_name" error_is 400 invalid_name
admin_api POST /api/admin/sessions "$(jq -nc --arg n "$(printf 'x%.0s' {1..81})" '{name:$n}')"
check "81-character name -> 400" error_is 400 invalid_name
admin_api POST /api/admin/sessions "$(jq -nc --arg n "$(printf 'é%.0s' {1..80})" '{name:$n}')"
check "80 two-byte characters are fine -> 201" status_is 201
C=$(jq -r .id <<<"$BODY")
fp=$(db_fingerprint)
admin_api POST /api/admin/sessions '{"name":"tab\tinside"}'
check "control character -> 400" error_is 400 invalid_name
admin_api POST /api/admin/sessions '{"name":"cut\u0000short"}'
check "NUL inside the name -> 400" error_is 400 invalid_name
admin_api POST /api/admin/sessions '{"name":42}'
check "number as name -> 400" error_is 400 invalid_name
admin_api POST /api/admin/sessions '{}'
check "missing name -> 400" error_is 400 invalid_name
admin_api POST /api/admin/sessions '{"name":'
check "broken JSON -> 400" status_is 400
admin_api POST /api/admin/sessions '[1,2]'
check "JSON array body -> 400" status_is 400
check "bad creates changed nothing" test "$(db_fingerprint)" = "$fp"

# --- populate ----------------------------------------------------------------
admin_api POST "/api/admin/sessions/$A/populate"
check "populate -> 200" status_is 200
check "populate adds the 4 images, not the liar" json_is .added 4
check "populate returns 4 memes" json_is '.memes|length' 4
check "memes in file name order" json_is '[.memes[].title]|join(",")' "cat one,dog two,eel,frog"
check "meme size parsed (png)" json_is '.memes[0].width' 5
check "meme size parsed (gif)" json_is '.memes[3].height' 2
check "url under /media, named by hash" json_is '.memes[0].url|test("^/media/[0-9a-f]{64}\\.png$")' true
url=$(jq -r '.memes[3].url' <<<"$BODY")
check "4 files in the media folder" test "$(media_count)" = 4
check "... each with its phone and thumbnail variants" test "$(variant_count)" = 8
code=$(curl -s -o "$T_DIR/got.gif" -w '%{http_code} %{content_type}' "$BASE$url")
check "nginx serves the stored gif" test "$code" = "200 image/gif"
check "stored bytes are the library bytes" cmp -s "$T_DIR/got.gif" "$LIB/frog.gif"
check "memes_populated event" test "$(last_event)" = memes_populated
check "event says 4 added" data_is .added 4
check "event lists the added memes" data_is '.memes|length' 4
check "event names the session" data_is .session_id "$A"

seq=$(head_seq)
admin_api POST "/api/admin/sessions/$A/populate"
check "second populate adds nothing" json_is .added 0
check "... and writes no event" test "$(head_seq)" = "$seq"
admin_api POST "/api/admin/sessions/$C/populate"
check "another session reuses the library" json_is .added 4
check "no new media files (dedup by hash)" test "$(media_count)" = 4
check "no new memes rows" test "$(db "SELECT count(*) FROM memes")" = 4
admin_api POST /api/admin/sessions/99999/populate
check "populate unknown session -> 404" error_is 404 not_found

# --- upload ------------------------------------------------------------------
admin_api POST "/api/admin/sessions/$A/memes" -F "files=@$IMG/upload_a.png" -F "files=@$IMG/upload-b.gif"
check "upload two files -> 201" status_is 201
check "upload added 2" json_is .added 2
check "titles from the file names" json_is '[.memes[].title]|join(",")' "upload a,upload-b"
check "gif width from its header" json_is '.memes[1].width' 12
check "uploaded event" data_is .added 2
check "6 memes in the session" test "$(db "SELECT count(*) FROM session_memes WHERE session_id=$A")" = 6
check "positions append" test "$(db "SELECT group_concat(position) FROM (SELECT position FROM session_memes WHERE session_id=$A ORDER BY position)")" = "1,2,3,4,5,6"

fp=$(db_fingerprint); mc=$(media_count)
admin_api POST "/api/admin/sessions/$A/memes" -F "files=@$IMG/late.png" -F "files=@$IMG/fake.png"
check "a text file named .png -> 400 unsupported_media" error_is 400 unsupported_media
check "the message names the file" json_is '.error.message|test("fake.png")' true
check "nothing stored in the database" test "$(db_fingerprint)" = "$fp"
check "nothing stored in the media folder" test "$(media_count)" = "$mc"
admin_api POST "/api/admin/sessions/$A/memes" -F "files=@$IMG/huge.png"
check "a file over max_upload_bytes -> 413" error_is 413 file_too_large
check "nothing stored after 413" test "$(db_fingerprint)" = "$fp"
check "no media file after 413" test "$(media_count)" = "$mc"
admin_api POST "/api/admin/sessions/$A/memes" '{"files":[]}'
check "JSON to the upload -> 415" status_is 415
admin_api POST "/api/admin/sessions/$A/memes" -F "note=hello"
check "multipart without files -> 400" error_is 400 no_files
admin_api POST "/api/admin/sessions/$A/memes" -H 'Content-Type: multipart/form-data; boundary=zz' --data-binary $'--zz\r\nContent-Disposition: form-data; name="f"; filename="x.png"\r\n\r\ntruncated'
check "malformed multipart -> 400" error_is 400 invalid_multipart
admin_api POST /api/admin/sessions/99999/memes -F "files=@$IMG/late.png"
check "upload to an unknown session -> 404" error_is 404 not_found
_request "$ADMIN_JAR" POST "/api/admin/sessions/$A/memes" -F "files=@$IMG/late.png"
check "upload without CSRF -> 403" status_is 403
check "refused uploads changed nothing" test "$(db_fingerprint)" = "$fp"
check "refused uploads stored no file" test "$(media_count)" = "$mc"

# --- start / finish ------------------------------------------------------------
admin_api POST /api/admin/sessions '{"name":"Second"}'
B=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$A/start"
check "start -> 200" status_is 200
check "start returns S active" json_is .status active
check "started_at set" json_is '.started_at|test("Z$")' true
check "session_started event" test "$(last_event)" = session_started
check "session_started carries the memes" data_is '.memes|length' 6
check "session_started is S" data_is .status active
fp=$(db_fingerprint)
admin_api POST "/api/admin/sessions/$B/start"
check "start while another is active -> 409" error_is 409 another_session_active
admin_api POST "/api/admin/sessions/$A/start"
check "start the active one again -> 409" error_is 409 session_already_active
admin_api POST "/api/admin/sessions/$B/finish"
check "finish a draft -> 409" error_is 409 session_not_active
admin_api POST /api/admin/sessions/99999/start
check "start unknown -> 404" error_is 404 not_found
admin_api POST /api/admin/sessions/99999/finish
check "finish unknown -> 404" error_is 404 not_found
admin_api POST "/api/admin/sessions/$A/reveal" '{"action":"next"}'
check "reveal before finish -> 409" error_is 409 session_not_finished
api GET "/api/results/$A"
check "results before finish -> 409" error_is 409 session_not_finished
check "conflicts changed nothing" test "$(db_fingerprint)" = "$fp"

# A late upload into the active session reaches the raters.
admin_api POST "/api/admin/sessions/$A/memes" -F "files=@$IMG/late.png"
check "upload into the active session -> 201" json_is .added 1
check "memes_populated for the raters" test "$(last_event)" = memes_populated
api GET /api/state
check "rater state shows 7 memes" json_is '.memes|length' 7
MEMES=($(db "SELECT meme_id FROM session_memes WHERE session_id=$A ORDER BY position"))

# --- ratings and stats -----------------------------------------------------------
# Three raters; scores per meme position (1-based), '-' = not rated.
SCORES=("7 3 10 -  5 0 -"
        "9 3 6  -  5 2 -"
        "8 3 -  -  5 1 -")
for r in 0 1 2; do
    JAR="$T_DIR/rater$r.jar"
    api GET /api/state
    i=0
    for s in ${SCORES[$r]}; do
        if [ "$s" != - ]; then
            api POST /api/ratings "{\"meme_id\":${MEMES[$i]},\"score\":$s}"
            [ "$STATUS" = 201 ] || echo "rating refused: $STATUS $BODY" >&2
        fi
        i=$((i + 1))
    done
done
JAR="$T_DIR/rater.jar"
check "14 ratings stored" test "$(db "SELECT count(*) FROM ratings WHERE session_id=$A")" = 14

admin_api GET "/api/admin/sessions/$A/stats"
check "stats 200" status_is 200
check "stats ratings" json_is .ratings 14
check "stats raters" json_is .raters 3
check "stats avg" json_is .avg "$(db "SELECT round(avg(score),2) FROM ratings WHERE session_id=$A")"
check "one entry per meme" json_is '.memes|length' 7
check "meme 1: count, min, max" json_is '.memes[0]|"\(.count) \(.min) \(.max)"' "3 7 9"
check "meme 1: avg and median" json_is '.memes[0]|"\(.avg) \(.median)"' "8 8"
check "meme 1: stddev" json_is '.memes[0].stddev' 0.82
check "meme 3: median of two" json_is '.memes[2].median' 8
check "meme 2: stddev 0" json_is '.memes[1].stddev' 0
check "histogram has 11 bins" json_is '.memes[5].histogram|length' 11
check "histogram counts" json_is '.memes[5].histogram[0:3]|map(tostring)|join(",")' "1,1,1"
check "unrated meme: count 0, nulls" json_is '.memes[3]|"\(.count) \(.avg) \(.median) \(.stddev)"' "0 null null null"
check "histograms add up to the count" json_is '[.memes[]|(.histogram|add) == .count]|all' true
admin_api GET "/api/admin/state"
check "dashboard shows the active session" json_is .session.id "$A"
check "participants" json_is .participants 3
check "dashboard memes" json_is '.memes|length' 7
check "dashboard lists all sessions" json_is '.sessions|length' 3
check "dashboard stats" json_is .stats.ratings 14
check "dashboard seq is the head" json_is .seq "$(head_seq)"
admin_api GET "/api/admin/state?session=$C"
check "?session= picks another session" json_is .session.id "$C"
admin_api GET /api/admin/sessions/99999/stats
check "stats of unknown session -> 404" error_is 404 not_found

# --- finish, reveal, results ------------------------------------------------------
admin_api POST "/api/admin/sessions/$A/finish"
check "finish -> 200" json_is .status finished
check "finished_at set" json_is '.finished_at|test("Z$")' true
check "session_finished event" test "$(last_event)" = session_finished
admin_api POST "/api/admin/sessions/$A/finish"
check "finish twice -> 409" error_is 409 session_not_active
admin_api POST "/api/admin/sessions/$A/start"
check "restart a finished session -> 409" error_is 409 session_finished
admin_api POST "/api/admin/sessions/$A/memes" -F "files=@$IMG/late.png"
check "upload to a finished session -> 409" error_is 409 session_finished
admin_api POST "/api/admin/sessions/$A/populate"
check "populate a finished session -> 409" error_is 409 session_finished

api GET /api/sessions
check "public list of finished sessions" json_is '[.[].id]|map(tostring)|join(",")' "$A"
api GET "/api/results/$A"
check "results: nothing revealed yet" json_is '"\(.revealed) \(.total) \(.results|length)"' "0 7 0"
check "results carry S" json_is .session.name "$EVIL"

fp=$(db_fingerprint)
admin_api POST "/api/admin/sessions/$A/reveal" '{"action":"sideways"}'
check "bad action -> 400" error_is 400 invalid_action
admin_api POST "/api/admin/sessions/$A/reveal" '{"action":1}'
check "non-string action -> 400" error_is 400 invalid_action
_request "$ADMIN_JAR" POST "/api/admin/sessions/$A/reveal" '{"action":"next"}'
check "reveal without CSRF -> 403" status_is 403
check "refused reveals changed nothing" test "$(db_fingerprint)" = "$fp"

admin_api POST "/api/admin/sessions/$A/reveal" '{"action":"next"}'
check "next -> revealed 1 of 7" json_is '"\(.revealed) \(.total)"' "1 7"
check "results_revealed event" test "$(last_event)" = results_revealed
check "event shows one place, the last" data_is '.results|map(.place)|join(",")' 7
api GET "/api/results/$A"
check "public sees the last place only" json_is '.results|map(.place)|join(",")' 7
check "last place is an unrated meme" json_is '.results[0].count' 0
for i in 2 3 4 5 6 7 8; do admin_api POST "/api/admin/sessions/$A/reveal" '{"action":"next"}'; done
check "next clamps at the total" json_is .revealed 7
api GET "/api/results/$A"
check "all places shown, best first" json_is '.results|map(.place)|join(",")' "1,2,3,4,5,6,7"
# Expected order: averages 8 (3 ratings), 8 (2 ratings), 5, 3, 1, unrated x2.
check "winner: avg 8 with 3 ratings" json_is '.results[0]|"\(.meme.id) \(.avg) \(.count)"' "${MEMES[0]} 8 3"
check "tie broken by more ratings" json_is '.results[1].meme.id' "${MEMES[2]}"
check "ranked by average" json_is '[.results[0:5][].avg]|map(tostring)|join(",")' "8,8,5,3,1"
check "unrated last, by position" json_is '[.results[5:][].meme.id]|map(tostring)|join(",")' "${MEMES[3]},${MEMES[6]}"
check "a place has its meme" json_is '.results[0].meme.title' "cat one"
admin_api POST "/api/admin/sessions/$A/reveal" '{"action":"prev"}'
check "prev -> 6" json_is .revealed 6
admin_api POST "/api/admin/sessions/$A/reveal" '{"action":"reset"}'
check "reset -> 0" json_is .revealed 0
n=$(db "SELECT count(*) FROM events WHERE type='results_revealed' AND session_id=$A")
admin_api POST "/api/admin/sessions/$A/reveal" '{"action":"prev"}'
check "prev at 0 stays 0" json_is .revealed 0
check "an unchanged reveal writes no event" test "$(db "SELECT count(*) FROM events WHERE type='results_revealed' AND session_id=$A")" = "$n"
check "one event per change (7 next, prev, reset)" test "$n" = 9
api GET /api/results/99999
check "results of unknown session -> 404" error_is 404 not_found
api GET "/api/results/$B"
check "results of a draft -> 409" error_is 409 session_not_finished

# --- export -------------------------------------------------------------------------
admin_api GET "/api/admin/sessions/$A/export.csv"
check "export 200" status_is 200
check "export is text/csv" header_has "Content-Type: text/csv"
check "export is an attachment with a file name" header_has 'Content-Disposition: attachment; filename="[^"]*\.csv"'
printf '%s' "$BODY" | tr -d '\r' > "$T_DIR/export.csv"
check "header row" test "$(head -1 "$T_DIR/export.csv")" = "place,title,count,avg,min,max,median"
check "one row per meme" test "$(($(wc -l < "$T_DIR/export.csv") + 0))" -ge 7
check "first place row" test "$(sed -n 2p "$T_DIR/export.csv")" = '1,"cat one",3,8.00,7,9,8'
check "median of two in the csv" test "$(sed -n 3p "$T_DIR/export.csv")" = '2,"eel",2,8.00,6,10,8'
check "unrated rows have empty figures" test "$(sed -n 8p "$T_DIR/export.csv")" = '7,"late",0,,,,'
check "csv parses with 8 rows" test "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1])))))' "$T_DIR/export.csv")" = 8
# Titles with quotes, commas, newlines and a formula prefix.
db "UPDATE memes SET title = 'Say \"hi\", then' || char(10) || 'go' WHERE id = ${MEMES[0]};
    UPDATE memes SET title = '=HYPERLINK(1)' WHERE id = ${MEMES[2]}"
admin_api GET "/api/admin/sessions/$A/export.csv"
printf '%s' "$BODY" > "$T_DIR/export2.csv"
csvcell() { python3 -c 'import csv,sys; print(list(csv.reader(open(sys.argv[1], newline="")))[int(sys.argv[2])][int(sys.argv[3])])' "$T_DIR/export2.csv" "$1" "$2"; }
check "quotes, comma and newline survive CSV quoting" test "$(csvcell 1 1)" = $'Say "hi", then\ngo'
check "the row after it is intact" test "$(csvcell 1 2)" = 3
check "a formula title is defused" test "$(csvcell 2 1)" = "'=HYPERLINK(1)"
admin_api GET /api/admin/sessions/99999/export.csv
check "export unknown -> 404" error_is 404 not_found
api GET "/api/admin/sessions/$A/export.csv"
check "export needs the admin cookie" status_is 401

# Every event row is valid JSON with a known type.
check "every event row is JSON" test "$(db "SELECT count(*) FROM events WHERE json_valid(data)=0")" = 0
check "only SPEC event types" test "$(db "SELECT count(*) FROM events WHERE type NOT IN ('session_created','session_started','session_finished','memes_populated','new_rating','stats_updated','results_revealed')")" = 0
check "three session_created events" test "$(db "SELECT count(*) FROM events WHERE type='session_created'")" = 3

t_done
