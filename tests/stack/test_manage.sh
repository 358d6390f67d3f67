#!/usr/bin/env bash
# The host tidying up and watching the room, against the real stack:
# GET /api/state shows a draft to early guests; DELETE a session, PATCH a
# meme's title, DELETE a meme from a draft, each with its event on
# /ws/user; the raters list (progress, online) and the activity feed;
# every refused request (unknown ids, wrong state, bad input) answers its
# JSON error and changes nothing in the database.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
stack_up

for n in 3 4 5; do png "$STACK_DIR/library/m$n.png" "$n"; done

# The data tables plus every meme title (a refused rename must keep it).
fp() { db_fingerprint; db "SELECT group_concat(id || ':' || title) FROM memes"; }
# refused STATUS CODE METHOD PATH [JSON]: the error, and nothing changed.
refused() {
    local status=$1 code=$2 before; shift 2
    before=$(fp)
    admin_api "$@"
    check "$* -> $status $code" error_is "$status" "$code"
    check "... the database is unchanged" test "$(fp)" = "$before"
}
_has_type() { jq -e --arg t "$2" 'select(.type == $t)' "$T_DIR/$1.out" >/dev/null 2>&1; }
frame() { jq -c --arg t "$2" 'select(.type == $t)' "$T_DIR/$1.out" | tail -n 1; }

admin_login || exit 1

# --- early guests see the draft -------------------------------------------
admin_api POST /api/admin/sessions '{"name":"Old one"}'
OLD=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$OLD/populate"
admin_api POST "/api/admin/sessions/$OLD/start"
admin_api POST "/api/admin/sessions/$OLD/finish"
admin_api POST /api/admin/sessions '{"name":"Tonight"}'
SID=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/populate"
check "populated the draft" json_is .added 3
M1=$(jq -r '.memes[0].id' <<<"$BODY")
M2=$(jq -r '.memes[1].id' <<<"$BODY")
api GET /api/state
check "GET /api/state with a draft and a finished one: the draft" \
    json_is '"\(.session.id) \(.session.status) \(.memes|length)"' "$SID draft 3"

ws_start u0 /ws/user --origin "$BASE" --timeout 30
ws_wait_open u0

# --- the raters list in the lobby -------------------------------------------
api GET /api/state
ME=$(jq -r .me.name <<<"$BODY")
admin_api GET "/api/admin/sessions/$SID/raters"
check "raters of the draft: 200" status_is 200
check "... the early guest is listed, online, nothing rated" \
    json_is '[.[] | "\(.name) \(.rated) \(.skipped) \(.online)"] | join(",")' "$ME 0 0 true"
check "... with the SPEC keys" json_is '.[0] | keys | join(",")' "id,name,online,rated,skipped"
refused 404 not_found GET /api/admin/sessions/99999/raters
api GET "/api/admin/sessions/$SID/raters"
check "raters need the admin (401)" error_is 401 not_logged_in

# --- rename a meme --------------------------------------------------------
admin_api PATCH "/api/admin/memes/$M1" '{"title":"  Cat, upright  "}'
check "PATCH meme title -> 200 M" json_is '"\(.id) \(.title)"' "$M1 Cat, upright"
check "... stored trimmed" test "$(db "SELECT title FROM memes WHERE id=$M1")" = "Cat, upright"
_poll 10 _has_type u0 meme_renamed
f=$(frame u0 meme_renamed)
check "... meme_renamed reaches /ws/user" test "$(jq -r '"\(.data.meme_id) \(.data.title)"' <<<"$f")" = "$M1 Cat, upright"
long=$(printf 'x%.0s' $(seq 81))
refused 400 invalid_title PATCH "/api/admin/memes/$M1" "{\"title\":\"$long\"}"
refused 400 invalid_title PATCH "/api/admin/memes/$M1" '{"title":"   "}'
refused 400 invalid_title PATCH "/api/admin/memes/$M1" '{"title":42}'
refused 400 invalid_title PATCH "/api/admin/memes/$M1" '{"name":"wrong key"}'
refused 400 invalid_title PATCH "/api/admin/memes/$M1" '{"title":"a\u0000b"}'
refused 400 invalid_json PATCH "/api/admin/memes/$M1" '{"title":'
refused 404 unknown_meme PATCH /api/admin/memes/99999 '{"title":"Nope"}'
before=$(fp)
_request "$ADMIN_JAR" PATCH "/api/admin/memes/$M1" '{"title":"No CSRF"}'
check "PATCH without CSRF -> 403" error_is 403 bad_csrf
check "... unchanged" test "$(fp)" = "$before"

# --- remove a meme from the draft -------------------------------------------
admin_api DELETE "/api/admin/sessions/$SID/memes/$M2"
check "DELETE meme from a draft -> 200" json_is .removed "$M2"
check "... the session has 2 memes" test "$(db "SELECT count(*) FROM session_memes WHERE session_id=$SID")" = 2
check "... the library keeps the meme" test "$(db "SELECT count(*) FROM memes WHERE id=$M2")" = 1
_poll 10 _has_type u0 memes_removed
f=$(frame u0 memes_removed)
check "... memes_removed reaches /ws/user" test "$(jq -c '[.data.session_id, .data.meme_ids]' <<<"$f")" = "[$SID,[$M2]]"
refused 404 unknown_meme DELETE "/api/admin/sessions/$SID/memes/$M2"
refused 404 not_found DELETE "/api/admin/sessions/99999/memes/$M1"
refused 409 session_not_draft DELETE "/api/admin/sessions/$OLD/memes/$M1"

# --- ratings: progress, online, the feed ------------------------------------
admin_api POST "/api/admin/sessions/$SID/start"
check "start -> 200" status_is 200
api POST /api/ratings "{\"meme_id\":$M1,\"score\":7}"
check "a rating -> 201" status_is 201
JAR2="$T_DIR/rater2.jar"
_request "$JAR2" GET /api/state
_request "$JAR2" POST /api/skips "{\"meme_id\":$M1}"
_request "$JAR2" POST /api/ratings "{\"meme_id\":$(db "SELECT meme_id FROM session_memes WHERE session_id=$SID AND meme_id<>$M1 LIMIT 1"),\"score\":3}"
check "a second rater rates -> 201" status_is 201
db "UPDATE raters SET last_seen=0 WHERE id=(SELECT max(id) FROM raters)"
admin_api GET "/api/admin/sessions/$SID/raters"
check "raters: two, most rated first, counts per rater" \
    json_is '[.[] | "\(.rated)/\(.skipped)"] | sort | join(",")' "1/0,1/1"
check "... one heard from lately, one not" \
    json_is '[.[] | .online] | sort | map(tostring) | join(",")' "false,true"
_request "$JAR2" POST /api/presence
check "POST /api/presence -> 200" status_is 200
admin_api GET "/api/admin/sessions/$SID/raters"
check "... presence brings the quiet one back online" json_is '[.[] | select(.online)] | length' 2
_request "$T_DIR/nobody.jar" POST /api/presence
check "presence without a cookie is refused (401)" error_is 401 no_rater

api POST /api/ratings "{\"meme_id\":$M1,\"score\":9}"
admin_api GET "/api/admin/sessions/$SID/activity"
check "activity: 200, newest first" json_is '[.[] | .data.score] | join(",")' "9,3,7"
check "... as the push channel sends new_rating" \
    json_is '.[0] | "\(.type) \(.data.session_id) \(.data.meme_id) \(.data.replaced) \(.seq > 0) \(.ts|length > 0)"' \
    "new_rating $SID $M1 true true true"
admin_api GET "/api/admin/sessions/$SID/activity?limit=1"
check "activity?limit=1: one" json_is 'length' 1
refused 400 invalid_limit GET "/api/admin/sessions/$SID/activity?limit=0x"
refused 400 invalid_limit GET "/api/admin/sessions/$SID/activity?limit=201"
refused 404 not_found GET /api/admin/sessions/99999/activity
admin_api GET "/api/admin/sessions/$OLD/activity"
check "activity of a session without ratings: []" json_is 'length' 0

# --- delete sessions --------------------------------------------------------
refused 409 session_active DELETE "/api/admin/sessions/$SID"
refused 404 not_found DELETE /api/admin/sessions/99999
admin_api PATCH "/api/admin/sessions/$SID"
check "PATCH on a session path -> 405 naming DELETE" error_is 405 method_not_allowed
admin_api POST "/api/admin/sessions/$SID/finish"
nev=$(db "SELECT count(*) FROM events WHERE session_id=$SID")
admin_api DELETE "/api/admin/sessions/$SID"
check "DELETE a finished session -> 200" json_is .deleted "$SID"
check "... its row, memes list, ratings and skips are gone" test \
    "$(db "SELECT (SELECT count(*) FROM sessions WHERE id=$SID) + (SELECT count(*) FROM session_memes WHERE session_id=$SID)
        + (SELECT count(*) FROM ratings WHERE session_id=$SID) + (SELECT count(*) FROM skips WHERE session_id=$SID)
        + (SELECT count(*) FROM session_totals WHERE session_id=$SID) + (SELECT count(*) FROM meme_scores WHERE session_id=$SID)")" = 0
check "... its events stay, plus session_deleted" test \
    "$(db "SELECT count(*) FROM events WHERE session_id=$SID")" = $((nev + 1))
check "... the replay records of its ratings are gone" test \
    "$(db "SELECT count(*) FROM rating_requests WHERE rating_id NOT IN (SELECT id FROM ratings)")" = 0
_poll 10 _has_type u0 session_deleted
f=$(frame u0 session_deleted)
check "... session_deleted reaches /ws/user" test "$(jq -r .data.session_id <<<"$f")" = "$SID"
check "... the database is sound" test "$(db "PRAGMA foreign_key_check" | wc -l)" = 0
api GET /api/state
check "GET /api/state falls back to the finished one" json_is .session.id "$OLD"
admin_api DELETE "/api/admin/sessions/$OLD"
check "DELETE the last session (finished, with no ratings) -> 200" status_is 200
api GET /api/state
check "... GET /api/state: no session" json_is .session null
admin_api POST /api/admin/sessions '{"name":"Draft to drop"}'
D=$(jq -r .id <<<"$BODY")
admin_api DELETE "/api/admin/sessions/$D"
check "DELETE a draft -> 200" status_is 200
api GET /api/sessions
check "GET /api/sessions lists none" json_is length 0
ws_stop u0
t_done
