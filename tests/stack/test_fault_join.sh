#!/usr/bin/env bash
# Random rater cookies from one address (issue 11, finding 2): nginx keys
# the rater limit on the cookie, so every made-up token used to get a fresh
# budget and a new rater row.  An unknown token is a cookieless request:
# creating raters is limited per address whatever the cookie says, while a
# rater who already has a valid cookie is never held back by it.
. "$(dirname "$0")/lib.sh"

# nginx's own per-cookie limit far above the load: what is measured is
# the server's join limit.
export STACK_RATER_RATE=100000r/s STACK_RATER_BURST=100000
export MEMETER_JOIN_BURST=40 MEMETER_JOIN_RATE=1
stack_up

api GET /api/state
check "a first visit creates a rater" status_is 200
KNOWN_JAR=$JAR
rows_before=$(db "SELECT count(*) FROM raters")

created=0 limited=0 other=0
started=$(date +%s%N)
for ((i = 0; i < 150; i++)); do
    tok=$(head -c 16 /dev/urandom | xxd -p)
    out=$(curl -sS -o /dev/null -D - -w '%{http_code}' -H "Cookie: mr_rater=$tok" "$BASE/api/state" | tr -d '\r')
    code=${out##*$'\n'}
    case $code in
    200) created=$((created + 1)) ;;
    429) limited=$((limited + 1)); LAST_429=$out ;;
    *) other=$((other + 1)) ;;
    esac
done
secs=$(( ($(date +%s%N) - started + 999999999) / 1000000000 ))
rows_after=$(db "SELECT count(*) FROM raters")
new_rows=$((rows_after - rows_before))
echo "$T_NAME: 150 made-up cookies: $created answered, $limited limited, $new_rows new raters"
# The burst, plus one a second of the loop's own duration.
allowed=$((MEMETER_JOIN_BURST + secs * MEMETER_JOIN_RATE))
check "made-up cookies stop creating raters at the join limit ($new_rows <= $allowed in ${secs} s)" \
    test "$new_rows" -le "$allowed"
check "the rest are refused with 429 ($limited)" test "$limited" -ge $((150 - allowed))
check "with Retry-After" grep -qi '^Retry-After: ' <<<"${LAST_429:-}"
check "nothing else ($other)" test "$other" = 0
# The bucket refills one a second: of three quick cookieless requests at
# most one can find a token, however slow this build answers.
cookieless_429=0
for i in 1 2 3; do
    [ "$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/api/state")" = 429 ] &&
        cookieless_429=$((cookieless_429 + 1))
done
check "cookieless requests from the same address are limited too ($cookieless_429 of 3)" \
    test "$cookieless_429" -ge 2
rows_after=$(db "SELECT count(*) FROM raters")

JAR=$KNOWN_JAR
api GET /api/state
check "the rater with a real cookie goes on as before" status_is 200
check "and is the same rater" test "$(db "SELECT count(*) FROM raters")" = "$rows_after"
t_done
