#!/usr/bin/env bash
# Reactions and moderation against the real stack.
# Reactions: bad emoji and no active session refused; a flood from one
# rater meets nginx's 5 a second (429); three raters' bursts reach an
# admin WebSocket as "reactions" messages (no seq) at most 4 a second
# whose counts sum to exactly the 202s; nothing is stored.
# Moderation: rename (name rules, unknown rater), kick (ratings leave,
# stats equal a recount, the cookie is dead, a new rater next), lock
# joining (403 joining_locked for a newcomer), each refusal leaving the
# database unchanged, and the events on /ws/admin and /ws/user.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
stack_up

png "$STACK_DIR/library/one.png" 3
png "$STACK_DIR/library/two.png" 4
admin_login || exit 1
TOKEN=$(admin_token)

refused_admin() { # "what" STATUS CODE METHOD PATH [JSON]
    local what=$1 st=$2 code=$3; shift 3
    local before; before=$(db_fingerprint)
    admin_api "$@"
    check "$what: $st $code" error_is "$st" "$code"
    check "$what: database unchanged" test "$(db_fingerprint)" = "$before"
}
refused_rater() { # "what" STATUS CODE METHOD PATH [JSON]
    local what=$1 st=$2 code=$3; shift 3
    local before; before=$(db_fingerprint)
    api "$@"
    check "$what: $st $code" error_is "$st" "$code"
    check "$what: database unchanged" test "$(db_fingerprint)" = "$before"
}

api GET /api/state
refused_rater "reaction without an active session" 409 no_active_session POST /api/reactions '{"emoji":"🔥"}'
admin_api POST /api/admin/sessions '{"name":"Show"}'
SID=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/populate"
admin_api POST "/api/admin/sessions/$SID/start"
check "started" status_is 200

for bad in '{"emoji":"🍕"}' '{"emoji":"🔥🔥"}' '{"emoji":""}' '{"emoji":5}' '{}' '{"emoji":"🔥\u0000"}'; do
    refused_rater "emoji $bad" 400 invalid_emoji POST /api/reactions "$bad"
done
before=$(db_fingerprint)
api POST /api/reactions '{"emoji":"😂"}'
check "a good reaction: 202" status_is 202
check "a reaction is not stored" test "$(db_fingerprint)" = "$before"
JAR0=$JAR

# Three raters, each with a cookie; an admin listening with timestamps.
for r in 1 2 3; do
    JAR="$T_DIR/r$r.jar"; api GET /api/state
done
sleep 1.1   # the 202 above is over a second old: a newcomer is not sent it
"$MEMETER_BIN/wsclient" --port "$STACK_PORT" --path /ws/admin --cookie "mr_admin=$TOKEN" --timeout 60 \
    --stamp 2>"$T_DIR/adm.err" >"$T_DIR/adm.out" &
ADM_PID=$!
ws_wait_open adm

EMOJIS=(😂 🔥 💀 👏 😍 🤔)
: >"$T_DIR/codes"
# burst RATER N: N reactions over one keep-alive connection of one curl
# (a curl process per request would spread them over seconds on a loaded
# machine, under nginx's 5 a second), one status per line.
burst() {
    local jar="$T_DIR/r$1.jar" i args=()
    for ((i = 0; i < $2; i++)); do
        [ "$i" -gt 0 ] && args+=(--next)
        args+=(-sS -o /dev/null -w '%{http_code} '"${EMOJIS[$((i % 6))]}"'\n' -b "$jar"
            -H "Origin: $BASE" -H 'Content-Type: application/json'
            --data-binary "{\"emoji\":\"${EMOJIS[$((i % 6))]}\"}" "$BASE/api/reactions")
    done
    curl "${args[@]}"
}
for round in 1 2 3; do
    burst 1 12 >>"$T_DIR/codes" & b1=$!
    burst 2 12 >>"$T_DIR/codes" & b2=$!
    burst 3 12 >>"$T_DIR/codes" & b3=$!
    wait "$b1" "$b2" "$b3"
    sleep 0.3
done
ACCEPTED=$(grep -c '^202 ' "$T_DIR/codes")
LIMITED=$(grep -c '^429 ' "$T_DIR/codes")
check "bursts: some accepted, some 429 (got $ACCEPTED/$LIMITED)" test "$ACCEPTED" -ge 15 -a "$LIMITED" -ge 1
check "bursts: every answer is 202 or 429" test "$((ACCEPTED + LIMITED))" = 108
JAR="$T_DIR/r1.jar"
# The flood in one curl too; the last answer's head and body are kept.
FLOOD_OK=0; FLOOD_LIMITED=0
args=()
for i in 1 2 3 4 5 6 7 8 9 10; do
    [ "$i" -gt 1 ] && args+=(--next)
    args+=(-sS -b "$JAR" -H "Origin: $BASE" -H 'Content-Type: application/json'
        --data-binary '{"emoji":"👏"}' -D "$T_DIR/flood$i.hdrs" -o "$T_DIR/flood$i.body"
        -w '%{http_code}\n' "$BASE/api/reactions")
done
while read -r code; do
    case $code in 202) FLOOD_OK=$((FLOOD_OK + 1)) ;; 429) FLOOD_LIMITED=$((FLOOD_LIMITED + 1)) ;; esac
done < <(curl "${args[@]}")
for i in 10 9 8 7 6 5 4 3 2 1; do
    if grep -q '^HTTP/[0-9.]* 429' "$T_DIR/flood$i.hdrs"; then
        LAST429_HDRS=$(cat "$T_DIR/flood$i.hdrs"); LAST429=$(cat "$T_DIR/flood$i.body"); break
    fi
done
check "a flood from one rater: some 429 ($FLOOD_OK/$FLOOD_LIMITED)" test "$FLOOD_LIMITED" -ge 1 -a "$FLOOD_OK" -le 5
check "the 429 has Retry-After" grep -qi '^Retry-After' <<<"${LAST429_HDRS:-}"
check "the 429 is a JSON error" test "$(jq -r .error.code <<<"${LAST429:-}")" = rate_limited
ACCEPTED=$((ACCEPTED + FLOOD_OK))

sum_counts() { cut -f2- "$T_DIR/adm.out" | jq -s '[.[] | select(.type=="reactions") | .data.counts | to_entries[] | .value] | add // 0'; }
_sum_is() { [ "$(sum_counts)" = "$1" ]; }
_poll 5 _sum_is "$ACCEPTED"
check "the admin got every accepted reaction, summed (want $ACCEPTED, got $(sum_counts))" _sum_is "$ACCEPTED"
check "reactions messages carry no seq" test "$(cut -f2- "$T_DIR/adm.out" | jq -s '[.[] | select(.type=="reactions" and has("seq"))] | length')" = 0
check "reactions name the session" test "$(cut -f2- "$T_DIR/adm.out" | jq -s "[.[] | select(.type==\"reactions\" and .data.session_id != $SID)] | length")" = 0
NMSG=$(cut -f2- "$T_DIR/adm.out" | jq -s '[.[] | select(.type=="reactions")] | length')
check "the bursts came as few messages ($NMSG for $ACCEPTED reactions)" test "$NMSG" -ge 1 -a "$NMSG" -lt "$ACCEPTED"
# At most 4 a second: any 5 consecutive messages span at least ~1 s.
check "at most 4 reaction messages in any second" python3 - "$T_DIR/adm.out" <<'PY'
import json, sys
t = [float(l.split("\t", 1)[0]) for l in open(sys.argv[1]) if '"type":"reactions"' in l]
bad = [(t[i], t[i + 4]) for i in range(len(t) - 4) if t[i + 4] - t[i] < 0.95]
sys.exit(1 if bad else 0)
PY

# pushd off the CPU: its datagram queue (net.unix.max_dgram_qlen) fills,
# and a reaction it cannot take is refused 503 with Retry-After instead
# of a 202 for a reaction that is lost. Once pushd runs again, every 202
# reaches the admin. Six fresh raters stay inside nginx's rate per rater.
for r in 4 5 6 7 8 9 10; do
    JAR="$T_DIR/r$r.jar"; api GET /api/state
done
SUM0=$(sum_counts)
PUSHD_ALL=$(echo "$STACK_PUSHD_PID" $(pgrep -P "$STACK_PUSHD_PID"))
# shellcheck disable=SC2086
kill -STOP $PUSHD_ALL
: >"$T_DIR/codes2"
for r in 4 5 6 7 8 9; do burst "$r" 5 >>"$T_DIR/codes2"; done
JAR="$T_DIR/r10.jar"; api POST /api/reactions '{"emoji":"🔥"}'
STOPPED_STATUS=$STATUS STOPPED_CODE=$(jq -r .error.code <<<"$BODY") STOPPED_HDRS=$HDRS
# shellcheck disable=SC2086
kill -CONT $PUSHD_ALL
OK2=$(grep -c '^202 ' "$T_DIR/codes2"); FULL2=$(grep -c '^503 ' "$T_DIR/codes2")
LIMITED2=$(grep -c '^429 ' "$T_DIR/codes2")
# The kernel queues one more than max_dgram_qlen (it refuses only above).
QLEN=$(( $(cat /proc/sys/net/unix/max_dgram_qlen) + 1 ))
check "pushd stopped: at most its queue accepted ($OK2 202, queue $QLEN)" test "$OK2" -le "$QLEN"
check "pushd stopped: the rest refused 503 ($FULL2 of 30, $LIMITED2 429)" test "$((OK2 + FULL2 + LIMITED2))" = 30 -a "$FULL2" -ge 1
check "a reaction pushd cannot take: 503 unavailable" test "$STOPPED_STATUS/$STOPPED_CODE" = 503/unavailable
check "the 503 has Retry-After" grep -qi '^Retry-After' <<<"$STOPPED_HDRS"
_poll 5 _sum_is "$((SUM0 + OK2))"
check "pushd running again: the admin got every 202 (want $((SUM0 + OK2)), got $(sum_counts))" _sum_is "$((SUM0 + OK2))"
kill "$(pgrep -P $$ -x wsclient)" 2>/dev/null; wait "$ADM_PID" 2>/dev/null

# --- moderation ---------------------------------------------------------------
ws_start u0 /ws/user --origin "$BASE" --timeout 60
ws_start a0 /ws/admin --cookie "mr_admin=$TOKEN" --timeout 60
ws_wait_open u0; ws_wait_open a0
JAR="$T_DIR/r1.jar"; api GET /api/state
R1=$(jq -r .me.id <<<"$BODY"); M1=$(jq -r '.memes[0].id' <<<"$BODY"); M2=$(jq -r '.memes[1].id' <<<"$BODY")
api POST /api/ratings "{\"meme_id\":$M1,\"score\":9}"; api POST /api/ratings "{\"meme_id\":$M2,\"score\":1}"
api POST /api/skips "{\"meme_id\":$M2}"
JAR="$T_DIR/r2.jar"; api GET /api/state; R2=$(jq -r .me.id <<<"$BODY")
api POST /api/ratings "{\"meme_id\":$M1,\"score\":4}"

refused_admin "rename an unknown rater" 404 unknown_rater PATCH /api/admin/raters/9999 '{"name":"Nice"}'
refused_admin "rename to nothing" 400 invalid_name PATCH "/api/admin/raters/$R1" '{"name":"  "}'
refused_admin "rename to 41 chars" 400 invalid_name PATCH "/api/admin/raters/$R1" "{\"name\":\"$(printf 'x%.0s' $(seq 41))\"}"
refused_admin "rename with a bidi override" 400 invalid_name PATCH "/api/admin/raters/$R1" '{"name":"a\u202eb"}'
refused_admin "rename with a zero-width space" 400 invalid_name PATCH "/api/admin/raters/$R1" '{"name":"a\u200bb"}'
refused_admin "rename without a name" 400 invalid_name PATCH "/api/admin/raters/$R1" '{"title":"x"}'
refused_admin "kick an unknown rater" 404 unknown_rater POST /api/admin/raters/9999/kick
refused_admin "lock an unknown session" 404 not_found POST /api/admin/sessions/9999/lock '{"locked":true}'
refused_admin "lock with a string" 400 invalid_locked POST "/api/admin/sessions/$SID/lock" '{"locked":"yes"}'
_request "$T_DIR/r1.jar" PATCH "/api/admin/raters/$R2" '{"name":"Mallory"}'
check "a rater cannot rename others (401)" status_is 401

admin_api PATCH "/api/admin/raters/$R1" '{"name":"Polite Name"}'
check "rename: 200 with the name" json_is .name "Polite Name"
check "rename: in the database" test "$(db "SELECT name FROM raters WHERE id=$R1")" = "Polite Name"
_renamed() { jq -s -e --argjson id "$R1" 'any(.[]; .type=="rater_renamed" and .data.rater.id==$id and .data.rater.name=="Polite Name")' "$T_DIR/$1.out" >/dev/null; }
check "rater_renamed on /ws/admin" _poll 5 _renamed a0
check "rater_renamed on /ws/user" _poll 5 _renamed u0
JAR="$T_DIR/r1.jar"; api GET /api/state
check "the renamed rater sees the new name" json_is .me.name "Polite Name"

recount_ok() {
    [ "$(db "SELECT t.ratings || '/' || t.raters || '/' || t.score_sum FROM session_totals t WHERE session_id=$SID")" = \
      "$(db "SELECT count(*) || '/' || count(DISTINCT rater_id) || '/' || total(score) FROM ratings WHERE session_id=$SID" | sed 's/\.0$//')" ] &&
    [ "$(db "SELECT count(*) FROM (SELECT meme_id, score, n FROM meme_scores WHERE session_id=$SID AND n > 0 EXCEPT SELECT meme_id, score, count(*) FROM ratings WHERE session_id=$SID GROUP BY 1, 2)")" = 0 ] &&
    [ "$(db "SELECT count(*) FROM (SELECT meme_id, score, count(*) FROM ratings WHERE session_id=$SID GROUP BY 1, 2 EXCEPT SELECT meme_id, score, n FROM meme_scores WHERE session_id=$SID)")" = 0 ]
}
check "before the kick: stats equal a recount" recount_ok
admin_api POST "/api/admin/raters/$R1/kick"
check "kick: 200, two ratings removed" json_is .removed 2
check "kick: no rating of the rater left" test "$(db "SELECT count(*) FROM ratings WHERE rater_id=$R1 AND session_id=$SID")" = 0
check "kick: no skip left" test "$(db "SELECT count(*) FROM skips WHERE rater_id=$R1")" = 0
check "kick: stats equal a recount" recount_ok
admin_api GET "/api/admin/sessions/$SID/stats"
check "kick: stats say 1 rating, 1 rater" json_is '(.ratings|tostring) + "/" + (.raters|tostring)' 1/1
_kicked() { jq -s -e --argjson id "$R1" 'any(.[]; .type=="rater_kicked" and .data.rater.id==$id)' "$T_DIR/$1.out" >/dev/null; }
check "rater_kicked on /ws/admin" _poll 5 _kicked a0
check "rater_kicked on /ws/user" _poll 5 _kicked u0
_stats_after() { jq -s -e 'any(.[]; .type=="stats_updated" and .data.ratings==1 and .data.raters==1)' "$T_DIR/$1.out" >/dev/null; }
check "stats_updated after the kick on /ws/admin" _poll 5 _stats_after a0
check "and on /ws/user" _poll 5 _stats_after u0
JAR="$T_DIR/r1.jar"
api POST /api/ratings "{\"meme_id\":$M1,\"score\":9}"
check "the kicked cookie is dead: 401" error_is 401 no_rater
api GET /api/state
check "the kicked phone's next state is a new rater" test "$(jq -r .me.id <<<"$BODY")" != "$R1" -a "$(jq -r '.me.ratings|length' <<<"$BODY")" = 0

admin_api POST "/api/admin/sessions/$SID/lock" '{"locked":true}'
check "lock: 200, S says locked" json_is .locked true
_locked() { jq -s -e 'any(.[]; .type=="session_locked" and .data.locked==true)' "$T_DIR/$1.out" >/dev/null; }
check "session_locked on /ws/admin" _poll 5 _locked a0
check "session_locked is not for users" test "$(jq -r 'select(.type=="session_locked") | .seq' "$T_DIR/u0.out" | wc -l)" = 0
JAR="$T_DIR/fresh.jar"
refused_rater "a fresh phone while locked" 403 joining_locked GET /api/state
JAR="$T_DIR/r2.jar"
api GET /api/state
check "a joined rater still gets in while locked" status_is 200
admin_api POST "/api/admin/raters/$R2/kick"
JAR="$T_DIR/r2.jar"
refused_rater "a kicked rater while locked" 403 joining_locked GET /api/state
admin_api POST "/api/admin/sessions/$SID/lock" '{"locked":false}'
JAR="$T_DIR/fresh.jar"
api GET /api/state
check "unlocked: a fresh phone joins" status_is 200
ws_stop u0; ws_stop a0
t_done
