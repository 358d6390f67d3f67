#!/usr/bin/env bash
# The rater API against the real stack: the rater cookie, state, ratings
# (insert, replace, client_id replay, their outbox events), skips, names,
# health; and every kind of bad request, each answered with a JSON error
# and changing nothing in the database.
. "$(dirname "$0")/lib.sh"

# The checks below send far more than a phone would; the limiter has its
# own test (nginx's, not ours).
export STACK_RATER_RATE=1000r/s STACK_RATER_BURST=1000
stack_up

head_seq() { db "SELECT coalesce(max(seq),0) FROM events"; }
has_header() { grep -qi "^$1" <<<"$HDRS"; }

# raw METHOD PATH BODY [curl args]: as the rater, but every header other
# than the cookie is the caller's (api sends our Origin and JSON type).
raw() {
    local method=$1 path=$2 body=$3 out; shift 3
    out=$(curl -sS -X "$method" -b "$JAR" -c "$JAR" -D "$T_DIR/hdrs" \
        --data-binary "$body" "$@" -w '\n%{http_code}' "$BASE$path")
    STATUS=${out##*$'\n'}
    BODY=${out%$'\n'*}
    HDRS=$(tr -d '\r' < "$T_DIR/hdrs")
}

# bad WHAT STATUS CODE: the last request failed as expected and left the
# database as it was before it ($FP).
bad() {
    check "$1: $2 $3" error_is "$2" "$3"
    check "$1: JSON answer" has_header 'Content-Type: application/json'
    check "$1: database unchanged" [ "$(db_fingerprint)" = "$FP" ]
}

# --- the rater cookie --------------------------------------------------------
api GET /api/state
check "first state: 200" status_is 200
check "first state: sets mr_rater" has_header 'Set-Cookie: mr_rater=[0-9a-f]\{32\}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax'
check "API answers are no-store" has_header 'Cache-Control: no-store'
check "API answers are JSON" has_header 'Content-Type: application/json'
check "no session yet: null" json_is .session null
check "no session yet: no memes" json_is '.memes|length' 0
check "seq is the outbox head" json_is .seq "$(head_seq)"
RATER_ID=$(jq -r .me.id <<<"$BODY")
RATER_NAME=$(jq -r .me.name <<<"$BODY")
check "a funny two-word name" grep -Eq '^[A-Z][a-z]+ [A-Z][a-z]+$' <<<"$RATER_NAME"
TOKEN=$(awk '$6 == "mr_rater" { print $7 }' "$JAR")
HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
check "only the token's SHA-256 is stored" \
    [ "$(db "SELECT count(*) FROM raters WHERE id=$RATER_ID AND lower(hex(token_hash))='$HASH'")" = 1 ]
check "the token itself is not stored" \
    [ "$(db "SELECT count(*) FROM raters WHERE instr(token_hash, '$TOKEN') OR instr(name, '$TOKEN')")" = 0 ]
api GET /api/state
check "known cookie: same rater" json_is .me.id "$RATER_ID"
check "known cookie: no new cookie" eval '! has_header Set-Cookie'
check "known cookie: no new rater" [ "$(db 'SELECT count(*) FROM raters')" = 1 ]

# --- no session to rate in ---------------------------------------------------
FP=$(db_fingerprint)
api POST /api/ratings '{"meme_id":1,"score":5}'
bad "rating without a session" 409 no_active_session
api POST /api/skips '{"meme_id":1}'
bad "skip without a session" 409 no_active_session

# --- a live session, made through the admin API ------------------------------
python3 "$STACK_ROOT/tests/bench/mklibrary.py" "$STACK_DIR/library" 3
admin_login
admin_api POST /api/admin/sessions '{"name":"Friday memes"}'
SID=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/populate" '{}'
check "populate added 3" json_is .added 3
admin_api POST "/api/admin/sessions/$SID/start" '{}'
check "session started" json_is .status active

api GET /api/state
check "state: the active session" json_is .session.id "$SID"
check "state: its memes" json_is '.memes|length' 3
check "state: seq is the outbox head" json_is .seq "$(head_seq)"
M1=$(jq -r '.memes[0].id' <<<"$BODY")
M2=$(jq -r '.memes[1].id' <<<"$BODY")
M3=$(jq -r '.memes[2].id' <<<"$BODY")

# --- ratings ------------------------------------------------------------------
api POST /api/ratings "{\"meme_id\":$M1,\"score\":7}"
check "first rating: 201" status_is 201
check "first rating: answer" json_is '[.meme_id,.score,.replaced]|@csv' "$M1,7,false"
check "new_rating event" [ "$(db "SELECT json_extract(data,'$.rater.id') || '/' || json_extract(data,'$.rater.name') || '/' || json_extract(data,'$.score') || '/' || json_extract(data,'$.replaced') || '/' || session_id FROM events WHERE type='new_rating' ORDER BY seq DESC LIMIT 1")" = "$RATER_ID/$RATER_NAME/7/0/$SID" ]
check "stats_updated event after it" [ "$(db "SELECT type FROM events ORDER BY seq DESC LIMIT 1")" = stats_updated ]
check "stats_updated: totals and the meme" [ "$(db "SELECT json_extract(data,'$.ratings') || '/' || json_extract(data,'$.raters') || '/' || json_extract(data,'$.memes[0].meme_id') || '/' || json_extract(data,'$.memes[0].count') || '/' || json_array_length(data,'$.memes[0].histogram') FROM events ORDER BY seq DESC LIMIT 1")" = "1/1/$M1/1/11" ]

api POST /api/ratings "{\"meme_id\":$M1,\"score\":3}"
check "re-rating replaces: 200" status_is 200
check "re-rating: replaced true" json_is .replaced true
check "re-rating: one row, new score" [ "$(db "SELECT count(*) || '/' || max(score) FROM ratings")" = 1/3 ]
check "re-rating: event says replaced" [ "$(db "SELECT json_extract(data,'$.replaced') FROM events WHERE type='new_rating' ORDER BY seq DESC LIMIT 1")" = 1 ]

api POST /api/ratings "{\"meme_id\":$M2,\"score\":10,\"client_id\":\"offline-1\"}" -H 'Content-Type: application/json; charset=utf-8'
check "rating with client_id (charset allowed): 201" status_is 201
FP=$(db_fingerprint)
api POST /api/ratings "{\"meme_id\":$M2,\"score\":10,\"client_id\":\"offline-1\"}"
check "client_id replay: 200" status_is 200
check "client_id replay: first answer" json_is '[.meme_id,.score,.replaced]|@csv' "$M2,10,false"
check "client_id replay: nothing changed" [ "$(db_fingerprint)" = "$FP" ]
api POST /api/ratings "{\"meme_id\":$M2,\"score\":0,\"client_id\":\"offline-1\"}"
check "client_id replay with another score: still nothing" [ "$(db_fingerprint)" = "$FP" ]

# --- bad input, each changing nothing ----------------------------------------
FP=$(db_fingerprint)
api POST /api/ratings "{\"meme_id\":$M1,\"score\":"
bad "malformed JSON" 400 invalid_json
api POST /api/ratings "[$M1,5]"
bad "JSON array body" 400 invalid_json
api POST /api/ratings "{'meme_id':$M1,'score':5}"
bad "single-quoted JSON" 400 invalid_json
raw POST /api/ratings "{\"meme_id\":$M1,\"score\":5}" -H 'Content-Type: text/plain' -H "Origin: $BASE"
bad "text/plain body" 415 unsupported_media_type
for s in -1 11 5.5 '"5"' true null 1e1 99999999999999999999; do
    api POST /api/ratings "{\"meme_id\":$M1,\"score\":$s}"
    bad "score $s" 400 invalid_score
done
for m in "\"$M1\"" "$M1.0" 0 -3 null '[1]' 18446744073709551616 9223372036854775807; do
    api POST /api/ratings "{\"meme_id\":$m,\"score\":5}"
    bad "meme_id $m" 400 invalid_meme_id
done
api POST /api/ratings "{\"meme_id\":$M1,\"score\":5,\"client_id\":\"$(printf 'x%.0s' {1..65})\"}"
bad "client_id of 65 characters" 400 invalid_client_id
api POST /api/ratings "{\"meme_id\":$M1,\"score\":5,\"client_id\":17}"
bad "numeric client_id" 400 invalid_client_id
api POST /api/ratings '{"meme_id":999999,"score":5}'
bad "unknown meme" 404 unknown_meme
api POST /api/skips '{"meme_id":999999}'
bad "skip of an unknown meme" 404 unknown_meme
JAR="$T_DIR/none.jar" api POST /api/ratings "{\"meme_id\":$M1,\"score\":5}"
bad "rating without a cookie" 401 no_rater
check "no_rater says to load the page" json_is '.error.message|test("load the page")' true
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tmr_rater\t0123456789abcdef0123456789abcdef\n' > "$T_DIR/fake.jar"
JAR="$T_DIR/fake.jar" api POST /api/ratings "{\"meme_id\":$M1,\"score\":5}"
bad "rating with an unknown cookie" 401 no_rater
JAR="$T_DIR/none.jar" api POST /api/skips "{\"meme_id\":$M1}"
bad "skip without a cookie" 401 no_rater
JAR="$T_DIR/none.jar" api PATCH /api/me '{"name":"Ghost"}'
bad "rename without a cookie" 401 no_rater
api GET /api/ratings
bad "GET /api/ratings" 405 method_not_allowed
check "405 names the allowed method" has_header 'Allow: POST'
api DELETE /api/me
bad "DELETE /api/me" 405 method_not_allowed
check "405 Allow: PATCH" has_header 'Allow: PATCH'
api POST /api/state '{}'
bad "POST /api/state" 405 method_not_allowed
check "405 Allow: GET" has_header 'Allow: GET'
api GET /api/nothing-here
bad "unknown API path" 404 not_found
api GET /api/results/abc
bad "non-numeric id" 404 not_found
raw POST /api/ratings "{\"meme_id\":$M1,\"score\":5}" -H 'Origin: http://evil.example' -H 'Content-Type: application/json'
bad "rating from another origin" 403 bad_origin
raw PATCH /api/me '{"name":"Hacked"}' -H 'Origin: http://evil.example' -H 'Content-Type: application/json'
bad "rename from another origin" 403 bad_origin
raw POST /api/ratings "{\"meme_id\":$M1,\"score\":5}" -H 'Referer: http://evil.example/page' -H 'Content-Type: application/json'
bad "rating referred by another site" 403 bad_origin
head -c 70000 /dev/zero | tr '\0' ' ' > "$T_DIR/big.json"
api POST /api/ratings "@$T_DIR/big.json"
bad "oversized body (nginx)" 413 body_too_large

# --- skips -----------------------------------------------------------------------
api POST /api/skips "{\"meme_id\":$M3}"
check "skip: 200" status_is 200
check "skip: answer" json_is '[.meme_id,.skipped]|@csv' "$M3,true"
FP=$(db_fingerprint)
api POST /api/skips "{\"meme_id\":$M3}"
check "skip again: 200" status_is 200
check "skip again: nothing new" [ "$(db_fingerprint)" = "$FP" ]
api GET /api/state
check "state: my ratings" json_is ".me.ratings[\"$M1\"],.me.ratings[\"$M2\"]" "$(printf '3\n10')"
check "state: my skipped" json_is '.me.skipped|@csv' "$M3"

# --- names ---------------------------------------------------------------------
FP=$(db_fingerprint)
for n in '""' '"   "' 5 null '"a\u0000b"' '"line\nbreak"' "\"$(printf 'y%.0s' {1..41})\""; do
    api PATCH /api/me "{\"name\":$n}"
    bad "name $n" 400 invalid_name
done
NASTY="Robert'); DROP TABLE raters;-- \\\"%_"
api PATCH /api/me "{\"name\":\"  $NASTY  \"}"
check "rename: 200" status_is 200
check "rename: trimmed, literal" json_is .name "Robert'); DROP TABLE raters;-- \"%_"
check "SQL metacharacters stored literally" \
    [ "$(db "SELECT name FROM raters WHERE id=$RATER_ID")" = "Robert'); DROP TABLE raters;-- \"%_" ]
check "raters table intact" [ "$(db 'SELECT count(*) FROM raters')" -ge 1 ]
api PATCH /api/me '{"name":"Zoë 🐸"}'
check "rename to UTF-8" json_is .name "Zoë 🐸"
api POST /api/ratings "{\"meme_id\":$M3,\"score\":6}"
check "events carry the new name" [ "$(db "SELECT json_extract(data,'$.rater.name') FROM events WHERE type='new_rating' ORDER BY seq DESC LIMIT 1")" = "Zoë 🐸" ]
api GET /api/state
check "state: rated after skipping is not skipped" json_is '.me.skipped|length' 0

# --- many raters at once ---------------------------------------------------------
MEMES=("$M1" "$M2" "$M3")
PIDS=()
for i in $(seq 1 40); do
    (
        jar="$T_DIR/many$i.jar"
        curl -sS -o /dev/null -b "$jar" -c "$jar" "$BASE/api/state"
        curl -sS -o /dev/null -w '%{http_code}\n' -b "$jar" -c "$jar" -H "Origin: $BASE" \
            -H 'Content-Type: application/json' \
            --data-binary "{\"meme_id\":${MEMES[i % 3]},\"score\":$(( i % 11 ))}" "$BASE/api/ratings"
    ) > "$T_DIR/many$i.out" &
    PIDS+=($!)
done
wait "${PIDS[@]}"
check "40 raters at once: all 201" [ "$(cat "$T_DIR"/many*.out | grep -c '^201$')" = 40 ]
RATINGS=$(db "SELECT count(*) FROM ratings")
check "one new_rating per accepted rating" \
    [ "$(db "SELECT count(*) FROM events WHERE type='new_rating'")" = "$(( RATINGS + 1 ))" ]
check "as many stats_updated as new_rating" \
    [ "$(db "SELECT count(*) FROM events WHERE type='stats_updated'")" = "$(db "SELECT count(*) FROM events WHERE type='new_rating'")" ]
check "every new_rating is followed by its stats_updated" \
    [ "$(db "SELECT count(*) FROM events a WHERE a.type='new_rating' AND (SELECT type FROM events b WHERE b.seq=a.seq+1) IS NOT 'stats_updated'")" = 0 ]
check "latest totals = a recount" \
    [ "$(db "SELECT json_extract(data,'$.ratings') || '/' || json_extract(data,'$.raters') FROM events WHERE type='stats_updated' ORDER BY seq DESC LIMIT 1")" = \
      "$(db "SELECT count(*) || '/' || count(DISTINCT rater_id) FROM ratings WHERE session_id=$SID")" ]

LAST_MEME=$(db "SELECT json_extract(data,'$.memes[0].meme_id') FROM events WHERE type='stats_updated' ORDER BY seq DESC LIMIT 1")
check "latest meme histogram = a recount" \
    [ "$(db "SELECT json_extract(data,'$.memes[0].histogram') FROM events WHERE type='stats_updated' ORDER BY seq DESC LIMIT 1")" = \
      "$(db "WITH s(v) AS (VALUES(0),(1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) SELECT '[' || group_concat((SELECT count(*) FROM ratings WHERE session_id=$SID AND meme_id=$LAST_MEME AND score=v), ',') || ']' FROM (SELECT v FROM s ORDER BY v)")" ]
check "every kept histogram bar = a recount" \
    [ "$(db "SELECT count(*) FROM meme_scores m WHERE m.n <> (SELECT count(*) FROM ratings r WHERE r.session_id=m.session_id AND r.meme_id=m.meme_id AND r.score=m.score)")" = 0 ]

# --- health ----------------------------------------------------------------------
api GET /api/health
check "health: 200 ok" json_is '[.ok,.db,.pushd]|@csv' 'true,"ok","up"'
check "health: no worker facts for anyone" json_is '(.generation == null) and (.pid == null) and (.binary == null) and (.version|length > 0)' true
admin_api GET /api/health
check "health: worker facts for the admin" json_is '(.generation > 0) and (.pid > 0) and (.binary|length == 16) and (.version|length > 0)' true
api POST /api/health '{}'
check "POST /api/health: 405" error_is 405 method_not_allowed

# --- after the session -------------------------------------------------------------
admin_api POST "/api/admin/sessions/$SID/finish" '{}'
check "session finished" json_is .status finished
FP=$(db_fingerprint)
api POST /api/ratings "{\"meme_id\":$M1,\"score\":9}"
bad "rating a finished session" 409 no_active_session
api GET /api/state
check "state after: the finished session" json_is '.session.status' finished
check "state after: still my ratings" json_is ".me.ratings[\"$M1\"]" 3

# pushd down: health says so, ratings still work later (the outbox keeps them).
stack_kill "$STACK_PUSHD_PID"
api GET /api/health
check "health: pushd down" json_is '[.ok,.pushd]|@csv' 'true,"down"'

t_done
