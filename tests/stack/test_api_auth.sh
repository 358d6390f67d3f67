#!/usr/bin/env bash
# Admin login and logout against the real stack: the password hash the
# master stores, the mr_admin cookie, the CSRF token, Origin checks, the
# router's 401/403/405 on admin routes, and nginx's login limit.
. "$(dirname "$0")/lib.sh"

# Room for every login this script makes before it tests the limit.
export STACK_LOGIN_RATE=10r/m STACK_LOGIN_BURST=20
# The pool takes upload bodies up to 8 x this; nginx lets 64m through.
export MEMETER_MAX_UPLOAD_BYTES=1024
stack_up

has_header() { grep -qi "^$1" <<<"$HDRS"; }
admin_rows() { db "SELECT count(*) FROM admin_sessions"; }

# as_admin JAR CSRF METHOD PATH [JSON] [curl args]
as_admin() {
    local jar=$1 csrf=$2; shift 2
    local method=$1 path=$2; shift 2
    _request "$jar" "$method" "$path" "$@" -H "X-CSRF-Token: $csrf"
}

# login JAR PASSWORD [curl args]
login() {
    local jar=$1 pw=$2; shift 2
    _request "$jar" POST /api/admin/login "$(jq -cn --arg p "$pw" '{password:$p}')" "$@"
}

bad() {
    check "$1: $2 $3" error_is "$2" "$3"
    check "$1: database unchanged" [ "$(db_fingerprint)/$(admin_rows)" = "$FP" ]
}

# --- no password set --------------------------------------------------------
check "the master stored a crypt(3) hash, not the password" \
    [ "$(db "SELECT value LIKE '\$y\$%' AND instr(value, '$MEMETER_ADMIN_PASSWORD') = 0 FROM settings WHERE key='admin_password_hash'")" = 1 ]
SAVED=$(db "SELECT value FROM settings WHERE key='admin_password_hash'")
db "DELETE FROM settings WHERE key='admin_password_hash'"
FP="$(db_fingerprint)/$(admin_rows)"
login "$ADMIN_JAR" "$MEMETER_ADMIN_PASSWORD"
bad "login with no password set" 503 no_admin_password
check "no_admin_password tells how to set one" json_is '.error.message|test("memeterctl passwd") and test("MEMETER_ADMIN_PASSWORD")' true
db "INSERT INTO settings(key,value) VALUES('admin_password_hash','$SAVED')"

# --- refused logins -------------------------------------------------------------
FP="$(db_fingerprint)/$(admin_rows)"
login "$ADMIN_JAR" "wrong-$MEMETER_ADMIN_PASSWORD"
bad "wrong password" 401 bad_password
check "wrong password: no cookie" eval '! has_header Set-Cookie'
login "$ADMIN_JAR" ""
bad "empty password" 401 bad_password
_request "$ADMIN_JAR" POST /api/admin/login '{"password":12345}'
bad "numeric password" 400 invalid_password
_request "$ADMIN_JAR" POST /api/admin/login '{"password":"x"'
bad "malformed JSON" 400 invalid_json
_request "$ADMIN_JAR" POST /api/admin/login "password=$MEMETER_ADMIN_PASSWORD" \
    -H 'Content-Type: application/x-www-form-urlencoded'
check "form-encoded login: not accepted" [ "$STATUS" != 200 ]
# (api and _request send our own Origin; this one must be the only one.)
out=$(curl -sS -X POST -b "$ADMIN_JAR" -c "$ADMIN_JAR" -H 'Origin: http://evil.example' \
    -H 'Content-Type: application/json' --data-binary "$(jq -cn --arg p "$MEMETER_ADMIN_PASSWORD" '{password:$p}')" \
    -w '\n%{http_code}' "$BASE/api/admin/login")
STATUS=${out##*$'\n'}; BODY=${out%$'\n'*}
check "login from another origin: refused" error_is 403 bad_origin
check "login from another origin: no session" [ "$(admin_rows)" = 0 ]
_request "$ADMIN_JAR" GET /api/admin/login
check "GET /api/admin/login: 405" error_is 405 method_not_allowed
check "405 Allow: POST" has_header 'Allow: POST'

# --- not logged in ------------------------------------------------------------------
_request "$ADMIN_JAR" GET /api/admin/state
check "admin state without login: 401" error_is 401 not_logged_in
_request "$ADMIN_JAR" POST /api/admin/sessions '{"name":"x"}' -H 'X-CSRF-Token: 0123456789abcdef0123456789abcdef'
bad "admin mutation without login" 401 not_logged_in
_request "$ADMIN_JAR" POST /api/admin/logout '{}'
bad "logout without login" 401 not_logged_in

# --- logging in -----------------------------------------------------------------------
login "$ADMIN_JAR" "$MEMETER_ADMIN_PASSWORD"
check "login: 200" status_is 200
CSRF=$(jq -r .csrf <<<"$BODY")
check "login: a 128-bit CSRF token" grep -Eq '^[0-9a-f]{32}$' <<<"$CSRF"
check "login: mr_admin cookie, HttpOnly, SameSite=Strict" \
    has_header 'Set-Cookie: mr_admin=[0-9a-f]\{32\}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict'
check "login: no-store" has_header 'Cache-Control: no-store'
TOKEN=$(awk '$6 == "mr_admin" { print $7 }' "$ADMIN_JAR")
HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
check "one admin session, token stored hashed" \
    [ "$(db "SELECT count(*) FROM admin_sessions WHERE lower(hex(token_hash))='$HASH' AND csrf='$CSRF' AND expires_at > unixepoch()")" = 1 ]
as_admin "$ADMIN_JAR" "" GET /api/admin/state
check "admin state: 200 with the cookie" status_is 200
check "admin state gives the CSRF token back (page reload)" json_is .csrf "$CSRF"

# A second browser gets its own session and token.
JAR2="$T_DIR/admin2.jar"
login "$JAR2" "$MEMETER_ADMIN_PASSWORD"
CSRF2=$(jq -r .csrf <<<"$BODY")
check "second login: another token" [ -n "$CSRF2" ] && [ "$CSRF2" != "$CSRF" ]
check "two admin sessions" [ "$(admin_rows)" = 2 ]

# --- CSRF and Origin on admin mutations ----------------------------------------------
FP="$(db_fingerprint)/$(admin_rows)"
as_admin "$ADMIN_JAR" "" POST /api/admin/sessions '{"name":"No token"}'
bad "mutation without X-CSRF-Token" 403 bad_csrf
WRONG=$(tr '0-9a-f' '1-9a-f0' <<<"$CSRF")
as_admin "$ADMIN_JAR" "$WRONG" POST /api/admin/sessions '{"name":"Wrong token"}'
bad "mutation with a wrong token" 403 bad_csrf
as_admin "$ADMIN_JAR" "$CSRF2" POST /api/admin/sessions '{"name":"Other token"}'
bad "mutation with another session's token" 403 bad_csrf
as_admin "$ADMIN_JAR" "${CSRF:0:16}" POST /api/admin/sessions '{"name":"Half token"}'
bad "mutation with half the token" 403 bad_csrf
out=$(curl -sS -X POST -b "$ADMIN_JAR" -H "X-CSRF-Token: $CSRF" -H 'Origin: http://evil.example' \
    -H 'Content-Type: application/json' --data-binary '{"name":"Evil"}' -w '\n%{http_code}' "$BASE/api/admin/sessions")
STATUS=${out##*$'\n'}; BODY=${out%$'\n'*}
bad "mutation from another origin, right token" 403 bad_origin
as_admin "$ADMIN_JAR" "$CSRF" POST /api/admin/sessions '{"name":"Fine"}'
check "mutation with the right token: 201" status_is 201
as_admin "$JAR2" "$CSRF2" POST /api/admin/sessions '{"name":"Also fine"}'
check "second session's own token works: 201" status_is 201
as_admin "$ADMIN_JAR" "$CSRF" GET /api/admin/logout
check "GET logout: 405" error_is 405 method_not_allowed

# --- logout ------------------------------------------------------------------------------
cp "$ADMIN_JAR" "$T_DIR/old.jar"
FP="$(db_fingerprint)/$(admin_rows)"
as_admin "$ADMIN_JAR" "" POST /api/admin/logout '{}'
bad "logout without the token" 403 bad_csrf
as_admin "$ADMIN_JAR" "$CSRF" POST /api/admin/logout '{}'
check "logout: 200 ok" json_is .ok true
check "logout: cookie expired" has_header 'Set-Cookie: mr_admin=; Path=/; Max-Age=0'
check "logout: its row is gone, the other stays" [ "$(admin_rows)" = 1 ]
as_admin "$T_DIR/old.jar" "$CSRF" GET /api/admin/state
check "old cookie after logout: 401" error_is 401 not_logged_in
as_admin "$JAR2" "$CSRF2" GET /api/admin/state
check "the other browser is still logged in" status_is 200

# --- expiry ----------------------------------------------------------------------------
db "UPDATE admin_sessions SET expires_at = unixepoch() - 1"
as_admin "$JAR2" "$CSRF2" GET /api/admin/state
check "expired admin session: 401" error_is 401 not_logged_in
login "$JAR2" "$MEMETER_ADMIN_PASSWORD"
check "login again after expiry" status_is 200
check "expired rows are cleaned up at login" [ "$(admin_rows)" = 1 ]

# --- the pool's own body limit (the upload route) ----------------------------------
head -c 9000 /dev/zero > "$T_DIR/big.bin"
FP="$(db_fingerprint)/$(admin_rows)"
as_admin "$JAR2" "$CSRF2" POST /api/admin/sessions/1/memes -H 'Content-Type: multipart/form-data; boundary=x' \
    --data-binary "@$T_DIR/big.bin"
bad "upload body over 8 x max_upload_bytes" 413 body_too_large
check "the pool logged the 413" grep -q 'POST /api/admin/sessions/1/memes 413' "$STACK_DIR/logs/fcgi.log"

# --- nginx limits login attempts per address ---------------------------------------------
limited=0
for i in $(seq 1 30); do
    login "$T_DIR/guess.jar" "guess-$i"
    if [ "$STATUS" = 429 ]; then limited=1; break; fi
done
check "rapid logins get 429 from nginx" [ "$limited" = 1 ]
check "429 is a JSON error" error_is 429 rate_limited
check "429 has Retry-After" has_header 'Retry-After:'

t_done
