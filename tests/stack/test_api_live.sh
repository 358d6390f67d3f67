#!/usr/bin/env bash
# The admin mutations as the push channel carries them: a rater's
# /ws/user sees the session start with its memes, memes added to the
# active session (upload and populate), the finish and every reveal step;
# the admin's seq from GET /api/admin/state resumes /ws/admin with no gap.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
stack_up
[ -x "$MEMETER_BIN/wsclient" ] || { echo "$T_NAME: wsclient missing" >&2; exit 1; }

# frame NAME TYPE [N]: the Nth (default last) frame of TYPE NAME received.
frame() { jq -c --arg t "$2" 'select(.type == $t)' "$T_DIR/$1.out" | sed -n "${3:-\$}p"; }
_nframes() { [ "$(jq -r --arg t "$2" 'select(.type == $t) | .seq' "$T_DIR/$1.out" | wc -l)" -ge "$3" ]; }
# wait_frames NAME TYPE N: until NAME has N frames of TYPE (10 s at most).
wait_frames() { _poll 10 _nframes "$1" "$2" "$3"; }
fjq() { jq -r "$2" <<<"$1"; }

png "$STACK_DIR/library/one.png" 3
png "$STACK_DIR/library/two.png" 4
png "$T_DIR/live_upload.png" 9
admin_login || exit 1
TOKEN=$(admin_token)
admin_api POST /api/admin/sessions '{"name":"Live"}'
SID=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/populate"
check "populated a draft" json_is .added 2

api GET /api/state
ws_start u0 /ws/user --origin "$BASE" --timeout 30
ws_start a0 /ws/admin --cookie "mr_admin=$TOKEN" --timeout 30
ws_wait_open u0
ws_wait_open a0

# --- start: the raters get the session and its memes ----------------------
admin_api POST "/api/admin/sessions/$SID/start"
check "start -> 200" status_is 200
wait_frames u0 session_started 1
f=$(frame u0 session_started)
check "rater gets session_started" test -n "$f"
check "... it is S (id, status)" test "$(fjq "$f" '"\(.data.id) \(.data.status)"')" = "$SID active"
check "... with the session's memes" test "$(fjq "$f" '.data.memes|length')" = 2
check "... each meme an M (SPEC's fields, then the variants' ones)" test \
    "$(fjq "$f" '.data.memes[0] | [has("id","title","url","width","height")] | all')" = true
check "... with the seq of the outbox row" test "$(fjq "$f" .seq)" = \
    "$(db "SELECT seq FROM events WHERE type='session_started' AND session_id=$SID")"

# --- memes added to the active session reach the raters --------------------
admin_api POST "/api/admin/sessions/$SID/memes" -F "file=@$T_DIR/live_upload.png"
check "upload into the active session -> 201" json_is .added 1
NEW=$(jq -r '.memes[0].id' <<<"$BODY")
wait_frames u0 memes_populated 1
f=$(frame u0 memes_populated)
check "rater gets memes_populated after an upload" test "$(fjq "$f" .data.added)" = 1
check "... naming the session" test "$(fjq "$f" .data.session_id)" = "$SID"
check "... with the new meme" test "$(fjq "$f" '.data.memes[0]|"\(.id) \(.title) \(.width)"')" = "$NEW live upload 9"
check "... whose url nginx serves" test "$(curl -s -o /dev/null -w '%{http_code}' "$BASE$(fjq "$f" '.data.memes[0].url')")" = 200
png "$STACK_DIR/library/three.png" 5
admin_api POST "/api/admin/sessions/$SID/populate"
check "populate the active session adds the new library file" json_is .added 1
wait_frames u0 memes_populated 2
check "rater gets memes_populated after populate" \
    test "$(fjq "$(frame u0 memes_populated 2)" '.data.memes[0].title')" = three
api GET /api/state
check "rater state lists all 4 memes" json_is '.memes|length' 4
check "rater state's seq covers the events" test "$(jq -r .seq <<<"$BODY")" -ge "$(fjq "$f" .seq)"

# --- finish and reveal ---------------------------------------------------------
api POST /api/ratings "{\"meme_id\":$NEW,\"score\":9}"
check "a rating" status_is 201
admin_api POST "/api/admin/sessions/$SID/finish"
wait_frames u0 session_finished 1
check "rater gets session_finished" test "$(fjq "$(frame u0 session_finished)" .data.status)" = finished

admin_api GET /api/admin/state
RESUME=$(jq -r .seq <<<"$BODY")
check "admin state seq is the outbox head" test "$RESUME" = "$(db "SELECT max(seq) FROM events")"
admin_api POST "/api/admin/sessions/$SID/reveal" '{"action":"next"}'
admin_api POST "/api/admin/sessions/$SID/reveal" '{"action":"next"}'
admin_api POST "/api/admin/sessions/$SID/reveal" '{"action":"prev"}'
check "reveal answers" json_is '"\(.revealed) \(.total)"' "1 4"
wait_frames u0 results_revealed 3
f=$(frame u0 results_revealed 1)
check "rater gets results_revealed: 1 of 4" test "$(fjq "$f" '"\(.data.revealed) \(.data.total)"')" = "1 4"
check "... showing the last place" test "$(fjq "$f" '.data.results|map(.place)|join(",")')" = 4
f=$(frame u0 results_revealed 2)
check "second step shows the two last places" test "$(fjq "$f" '.data.results|map(.place)|join(",")')" = "3,4"
check "... each place with its meme and figures" \
    test "$(fjq "$f" '.data.results[0]|keys|join(",")')" = "avg,count,max,median,meme,min,place"
check "prev hides one again" test "$(fjq "$(frame u0 results_revealed 3)" .data.revealed)" = 1
api GET "/api/results/$SID"
check "public results match the last event" json_is '.results|map(.place)|join(",")' 4
admin_api POST "/api/admin/sessions/$SID/reveal" '{"action":"reset"}'
for i in 1 2 3 4; do admin_api POST "/api/admin/sessions/$SID/reveal" '{"action":"next"}'; done
wait_frames u0 results_revealed 8
check "fully revealed, the winner is the rated meme" \
    test "$(fjq "$(frame u0 results_revealed)" '.data.results[0]|"\(.place) \(.meme.id) \(.avg)"')" = "1 $NEW 9"

# --- the admin's resume point misses nothing ------------------------------------
LAST=$(db "SELECT max(seq) FROM events")
ws_start a1 "/ws/admin?since=$RESUME" --cookie "mr_admin=$TOKEN" --timeout 20
_got_last() { [ "$(ws_events a1 | tail -1)" = "$LAST" ]; }
_poll 10 _got_last a1
check "since=state.seq replays exactly the later events" \
    test "$(ws_events a1 | tr '\n' ' ')" = "$(db_seqs "$RESUME" admin | tr '\n' ' ')"
check "the replay is the 8 reveal steps" test "$(ws_events a1 | wc -l)" = 8
_got_last_a0() { [ "$(ws_events a0 | tail -1)" = "$LAST" ]; }
_poll 10 _got_last_a0 a0
check "admin live stream got every admin mutation event" \
    test "$(jq -r 'select(.ts != null and (.type=="session_started" or .type=="memes_populated" or .type=="session_finished" or .type=="results_revealed")) | .seq' "$T_DIR/a0.out" | wc -l)" = 12
check "the user never sees session_created" \
    test -z "$(jq -r 'select(.type=="session_created") | .seq' "$T_DIR/u0.out")"
ws_stop u0
ws_stop a0
ws_stop a1

t_done
