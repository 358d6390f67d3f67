#!/usr/bin/env bash
# Host-paced rounds against the real stack: pace and seconds on create
# (bad ones refused, nothing written), the round steps and their
# refusals (self-paced, draft, finished, unknown action, past the ends),
# ratings only for the open meme (409 not_open), the clock closing a
# round by itself at closes_at (round_changed on /ws/user written by the
# pool master, a rating after it 409), ROUND in both states.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
stack_up

png "$STACK_DIR/library/one.png" 3
png "$STACK_DIR/library/two.png" 4
png "$STACK_DIR/library/three.png" 5
admin_login || exit 1

# refused: every one leaves the database as it was
refused() { # refused "what" STATUS CODE METHOD PATH [JSON]
    local what=$1 st=$2 code=$3; shift 3
    local before; before=$(db_fingerprint)
    admin_api "$@"
    check "$what: $st $code" error_is "$st" "$code"
    check "$what: database unchanged" test "$(db_fingerprint)" = "$before"
}
refused "pace nonsense" 400 invalid_pace POST /api/admin/sessions '{"name":"X","pace":"fast"}'
refused "pace a number" 400 invalid_pace POST /api/admin/sessions '{"name":"X","pace":1}'
refused "seconds 601" 400 invalid_seconds POST /api/admin/sessions '{"name":"X","pace":"host","seconds":601}'
refused "seconds -1" 400 invalid_seconds POST /api/admin/sessions '{"name":"X","pace":"host","seconds":-1}'
refused "seconds 1.5" 400 invalid_seconds POST /api/admin/sessions '{"name":"X","pace":"host","seconds":1.5}'
refused "seconds a string" 400 invalid_seconds POST /api/admin/sessions '{"name":"X","seconds":"5"}'

admin_api POST /api/admin/sessions '{"name":"Self"}'
check "a session without pace is self-paced" json_is '.pace + (.seconds|tostring)' self0
SELF=$(jq -r .id <<<"$BODY")
admin_api POST /api/admin/sessions '{"name":"Host","pace":"host","seconds":4}'
check "created host-paced, 4 s" json_is '.pace + (.seconds|tostring)' host4
HOST=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$HOST/populate"
check "populated" json_is .added 3

refused "round of a self-paced session" 409 self_paced POST "/api/admin/sessions/$SELF/round" '{"action":"next"}'
refused "round of a draft" 409 session_not_active POST "/api/admin/sessions/$HOST/round" '{"action":"next"}'
refused "round of an unknown session" 404 not_found POST /api/admin/sessions/9999/round '{"action":"next"}'
refused "unknown action" 400 invalid_action POST "/api/admin/sessions/$HOST/round" '{"action":"skip"}'

admin_api POST "/api/admin/sessions/$HOST/start"
check "started" status_is 200
admin_api GET /api/admin/state
check "admin state carries the round, none yet" json_is '(.round.index|tostring) + .round.state' 0closed
api GET /api/state
check "rater state carries the round" json_is '.round.total' 3
MEME1=$(jq -r '.memes[0].id' <<<"$BODY")
MEME2=$(jq -r '.memes[1].id' <<<"$BODY")
refused "prev before the first" 409 no_more_memes POST "/api/admin/sessions/$HOST/round" '{"action":"prev"}'
before=$(db_fingerprint)
api POST /api/ratings "{\"meme_id\":$MEME1,\"score\":5}"
check "no round open: rating 409 not_open" error_is 409 not_open
check "no round open: database unchanged" test "$(db_fingerprint)" = "$before"

TOKEN=$(admin_token)
ws_start u0 /ws/user --origin "$BASE" --timeout 30
ws_wait_open u0

admin_api POST "/api/admin/sessions/$HOST/round" '{"action":"next"}'
check "next opens meme 1" json_is '(.index|tostring) + .state' 1open
check "next: the round's meme" json_is .meme_id "$MEME1"
check "closes_at is opens_at + 4 s" test "$(jq -r '(.closes_at|sub("\\.[0-9]+Z$";"Z")|fromdate) - (.opens_at|sub("\\.[0-9]+Z$";"Z")|fromdate)' <<<"$BODY")" = 4
CLOSES=$(jq -r .closes_at <<<"$BODY")
api POST /api/ratings "{\"meme_id\":$MEME2,\"score\":5}"
check "another meme than the open one: 409 not_open" error_is 409 not_open
api POST /api/ratings "{\"meme_id\":$MEME1,\"score\":7}"
check "the open meme: 201" status_is 201
api GET /api/state
check "reconnecting mid-round: state has the open round" json_is '(.round.meme_id|tostring) + .round.state' "${MEME1}open"
admin_api GET /api/admin/state
check "voted counts the rating" json_is .round.voted 1

# The clock closes it: the pool master writes the close, nobody asks.
_closed() { jq -s -e --arg c "$CLOSES" 'any(.[]; .type=="round_changed" and .data.state=="closed" and .data.closes_at==$c)' "$T_DIR/u0.out" >/dev/null; }
check "round_changed closed reaches /ws/user by the clock" _poll 6 _closed
check "the close was written at closes_at or after (server clock)" \
    test "$(db "SELECT ts >= '$CLOSES' FROM events WHERE type='round_changed' ORDER BY seq DESC LIMIT 1")" = 1
check "and within a second of it" \
    test "$(db "SELECT (julianday(ts) - julianday('$CLOSES')) * 86400 < 1 FROM events WHERE type='round_changed' ORDER BY seq DESC LIMIT 1")" = 1
before=$(db_fingerprint)
api POST /api/ratings "{\"meme_id\":$MEME1,\"score\":9}"
check "after closes_at: 409 not_open" error_is 409 not_open
check "after closes_at: database unchanged" test "$(db_fingerprint)" = "$before"
admin_api POST "/api/admin/sessions/$HOST/round" '{"action":"close"}'
check "close of a closed round: 200, nothing written" test "$STATUS/$(db_fingerprint)" = "200/$before"

admin_api POST "/api/admin/sessions/$HOST/round" '{"action":"next"}'
check "next opens meme 2" json_is '(.index|tostring) + .state + (.voted|tostring)' 2open0
admin_api POST "/api/admin/sessions/$HOST/round" '{"action":"close"}'
check "the host closes it" json_is .state closed
api POST /api/ratings "{\"meme_id\":$MEME2,\"score\":3}"
check "closed by the host: 409 not_open" error_is 409 not_open
admin_api POST "/api/admin/sessions/$HOST/round" '{"action":"prev"}'
check "prev reopens meme 1" json_is '(.index|tostring) + .state + (.voted|tostring)' 1open1
admin_api POST "/api/admin/sessions/$HOST/round" '{"action":"next"}'
admin_api POST "/api/admin/sessions/$HOST/round" '{"action":"next"}'
check "next reaches meme 3" json_is .index 3
refused "next after the last" 409 no_more_memes POST "/api/admin/sessions/$HOST/round" '{"action":"next"}'
_rc_frames() { [ "$(jq -r 'select(.type=="round_changed") | .seq' "$T_DIR/u0.out" | wc -l)" -ge 7 ]; }
check "every step reached /ws/user as round_changed" _poll 6 _rc_frames
admin_api POST "/api/admin/sessions/$HOST/finish"
refused "round of a finished session" 409 session_not_active POST "/api/admin/sessions/$HOST/round" '{"action":"next"}'
admin_api GET "/api/admin/state?session=$HOST"
check "finished: the round reads closed" json_is .round.state closed
ws_stop u0
t_done
