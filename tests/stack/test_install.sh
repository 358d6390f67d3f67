#!/usr/bin/env bash
# make install into a DESTDIR: the FHS tree, the systemd units, the sample
# config (every key with its default), `nginx -t` on the drop-in inside an
# existing server block and on Debian's own nginx.conf, then the installed
# binaries, pages and nginx files run on loopback with the installed config
# (paths moved into a temporary folder), and make uninstall.
. "$(dirname "$0")/lib.sh"

BUILD_DIR=$(cd "$MEMETER_BIN/.." && pwd)
VARIANT=$(basename "$BUILD_DIR")
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memeter-$T_NAME.XXXXXX")
JAR="$T_DIR/rater.jar"
ADMIN_JAR="$T_DIR/admin.jar"
STACK_DIR="$T_DIR/run"
STACK_PIDS=()
mkdir -p "$STACK_DIR/logs"
trap stack_down EXIT
trap 'exit 130' INT TERM

DEST="$T_DIR/dest"
PREFIX=/usr/local
P="$DEST$PREFIX"

make_install() {
    make --no-print-directory -C "$STACK_ROOT" V="$VARIANT" DESTDIR="$DEST" "$@" \
        >>"$T_DIR/make.log" 2>&1
}

# --- the tree ---------------------------------------------------------------------
make_install install
check "make install DESTDIR=... succeeds" test $? = 0
for f in bin/memeterctl sbin/memeter-fcgi sbin/memeter-pushd sbin/memeter-relay; do
    check "$PREFIX/$f is installed, mode 755" test "$(stat -c %a "$P/$f" 2>/dev/null)" = 755
done
for f in share/memeter/htdocs/index.html share/memeter/htdocs/admin.html \
    share/memeter/htdocs/results.html share/memeter/htdocs/result.html \
    share/man/man1/memeterctl.1 share/doc/memeter/OPERATIONS.md \
    share/doc/memeter/memeter.conf.example lib/sysusers.d/memeter.conf \
    lib/systemd/system/memeter-fcgi.service lib/systemd/system/memeter-fcgi.socket \
    lib/systemd/system/memeter-pushd.service lib/systemd/system/memeter-relay.service; do
    check "$PREFIX/$f is installed" test -s "$P/$f"
done
(cd "$STACK_ROOT/htdocs" && find . -type f ! -name input.css ! -name '.*' | sort) > "$T_DIR/src.list"
(cd "$P/share/memeter/htdocs" && find . -type f | sort) > "$T_DIR/dst.list"
check "every page and asset is installed ($(wc -l < "$T_DIR/src.list") files)" cmp -s "$T_DIR/src.list" "$T_DIR/dst.list"
check "the Tailwind source is not installed" test ! -e "$P/share/memeter/htdocs/css/input.css"
check "/etc/memeter/memeter.conf, mode 640 (it may hold a password)" \
    test "$(stat -c %a "$DEST/etc/memeter/memeter.conf" 2>/dev/null)" = 640
for f in conf.d/memeter.conf snippets/memeter.conf sites-available/memeter; do
    check "/etc/nginx/$f is installed" test -s "$DEST/etc/nginx/$f"
done
for d in /var/lib/memeter /var/lib/memeter/media /var/lib/memeter/library; do
    check "$d exists" test -d "$DEST$d"
done
check "nothing outside DESTDIR's etc, usr/local and var" \
    test "$(cd "$DEST" && ls | sort | paste -sd ' ')" = "etc usr var"
check "the man page renders" bash -c 'man -l "$0" 2>/dev/null | grep -q "EXIT STATUS"' "$P/share/man/man1/memeterctl.1"
check "installed memeterctl --help" bash -c '"$0" --help >/dev/null' "$P/bin/memeterctl"
check "installed memeter-fcgi --help" bash -c '"$0" --help >/dev/null' "$P/sbin/memeter-fcgi"
check "installed memeter-pushd shows its usage with -c" \
    bash -c '"$0" --help 2>&1 | grep -q "usage: .*memeter-pushd.*-c"' "$P/sbin/memeter-pushd"
check "installed memeter-relay -h shows its usage with -c" \
    bash -c '"$0" -h 2>&1 | grep -q "usage: memeter-relay \[-c config\]"' "$P/sbin/memeter-relay"

# --- the sample config: every key, with its default ------------------------------------
(cd "$T_DIR" && MEMETER_CONFIG=/dev/null "$P/bin/memeterctl" config | tail -n +2) > "$T_DIR/defaults"
"$P/bin/memeterctl" -c "$DEST/etc/memeter/memeter.conf" config | tail -n +2 > "$T_DIR/sample"
check "the sample config sets every key to its default ($(wc -l < "$T_DIR/defaults") keys)" \
    cmp -s "$T_DIR/defaults" "$T_DIR/sample"
missing=""
while read -r key _; do
    grep -qE "^$key =( |$)" "$DEST/etc/memeter/memeter.conf" || missing="$missing $key"
    # The line right above each key (or above its pair) is a comment.
    awk -v k="$key" '$1 == k { exit !(prev ~ /^#/ || prev ~ /^[a-z_]+ = /) } { prev = $0 }' \
        "$DEST/etc/memeter/memeter.conf" || missing="$missing $key(uncommented)"
done < "$T_DIR/defaults"
check "every key is written out and commented (${missing:-all})" test -z "$missing"

# A bad value stops every program at start, naming the key (file and line,
# or the environment variable).
printf 'db_path = %s/x.db\nping_seconds = 30\nhangup_seconds = 10\n' "$T_DIR" > "$T_DIR/bad.conf"
for prog in sbin/memeter-fcgi sbin/memeter-pushd sbin/memeter-relay; do
    out=$("$P/$prog" -c "$T_DIR/bad.conf" 2>&1); rc=$?
    check "$prog refuses hangup_seconds <= ping_seconds, naming it ($rc)" \
        bash -c '[ "$0" != 0 ] && grep -q "hangup_seconds" <<<"$1"' "$rc" "$out"
    out=$(MEMETER_WORKERS=many "$P/$prog" -c "$DEST/etc/memeter/memeter.conf" 2>&1); rc=$?
    check "$prog refuses MEMETER_WORKERS=many, naming it ($rc)" \
        bash -c '[ "$0" != 0 ] && grep -q "MEMETER_WORKERS: workers" <<<"$1"' "$rc" "$out"
    printf 'bogus_key = 1\n' > "$T_DIR/bogus.conf"
    out=$("$P/$prog" -c "$T_DIR/bogus.conf" 2>&1); rc=$?
    check "$prog refuses an unknown key, naming file, line and key ($rc)" \
        bash -c '[ "$0" != 0 ] && grep -q "bogus.conf:1: bogus_key: unknown key" <<<"$1"' "$rc" "$out"
done
check "no database was created by the refused starts" test ! -e "$T_DIR/x.db"

# --- systemd units ---------------------------------------------------------------------------
U="$P/lib/systemd/system"
check "fcgi: ExecStart is the installed binary with the installed config" \
    grep -qx "ExecStart=$PREFIX/sbin/memeter-fcgi -c /etc/memeter/memeter.conf" "$U/memeter-fcgi.service"
check "fcgi: reload sends SIGHUP" grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$U/memeter-fcgi.service"
check "fcgi: takes its socket from memeter-fcgi.socket" grep -qx 'Requires=memeter-fcgi.socket' "$U/memeter-fcgi.service"
check "socket: the configured fcgi_socket" grep -qx 'ListenStream=/run/memeter/fcgi.sock' "$U/memeter-fcgi.socket"
check "socket: not restarted with the service (no PartOf=)" bash -c '! grep -q "^PartOf=" "$0"' "$U/memeter-fcgi.socket"
check "pushd: restarts on failure" grep -qx 'Restart=on-failure' "$U/memeter-pushd.service"
check "relay: ExecStart is the installed binary with the installed config" \
    grep -qx "ExecStart=$PREFIX/sbin/memeter-relay -c /etc/memeter/memeter.conf" "$U/memeter-relay.service"
check "relay: restarts on failure" grep -qx 'Restart=on-failure' "$U/memeter-relay.service"
check "relay: needs no local Redis (redis_url may be another box)" \
    bash -c '! grep -qiE "^(After|Requires|Wants|BindsTo)=.*redis" "$0"' "$U/memeter-relay.service"
check "relay: may reach Redis over IP" grep -qE '^RestrictAddressFamilies=.*AF_INET( |$)' "$U/memeter-relay.service"
for unit in memeter-fcgi.service memeter-pushd.service memeter-relay.service; do
    for opt in User=memeter NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
        PrivateDevices=yes CapabilityBoundingSet= 'StateDirectory=memeter.*' \
        SystemCallFilter=@system-service MemoryDenyWriteExecute=yes RestrictNamespaces=yes; do
        check "$unit: $opt" grep -qx "$opt" "$U/$unit"
    done
done
for unit in memeter-fcgi.service memeter-pushd.service; do
    check "$unit: RuntimeDirectory=memeter (the sockets)" grep -qx RuntimeDirectory=memeter "$U/$unit"
done
check "sysusers: the memeter user, nginx in its group" \
    bash -c 'grep -q "^u memeter " "$0" && grep -q "^m www-data memeter" "$0"' "$P/lib/sysusers.d/memeter.conf"
mkdir -p "$T_DIR/units"
for f in "$U"/*; do
    sed "s|$PREFIX/sbin/|$P/sbin/|g" "$f" > "$T_DIR/units/${f##*/}"
done
if command -v systemd-analyze >/dev/null; then
    out=$(cd "$T_DIR/units" && systemd-analyze verify --man=no ./memeter-fcgi.socket \
        ./memeter-fcgi.service ./memeter-pushd.service ./memeter-relay.service 2>&1)
    check "systemd-analyze verify accepts the units (${out:-clean})" test -z "$out"
fi

# --- nginx -t ------------------------------------------------------------------------------------
PORT=$(stack_free_port)
N="$T_DIR/nginx-t"
mkdir -p "$N/sites-enabled"
cp /etc/nginx/fastcgi_params /etc/nginx/mime.types "$N/"
# An existing site, as an admin has it, with memeter dropped in.
cat > "$N/existing.conf" <<EOF
pid $N/nginx.pid;
error_log $N/error.log;
events { worker_connections 64; }
http {
    include mime.types;
    include $DEST/etc/nginx/conf.d/memeter.conf;
    server {
        listen 127.0.0.1:$PORT;
        server_name existing.example.org;
        root /var/www/html;
        index index.html;
        location /blog/ { try_files \$uri =404; }
        include $DEST/etc/nginx/snippets/memeter.conf;
    }
}
EOF
out=$(nginx -t -c "$N/existing.conf" 2>&1)
check "nginx -t: the drop-in inside an existing server block" test $? = 0
[ -n "${T_VERBOSE:-}" ] && echo "$out"
# Debian's own nginx.conf, with conf.d and sites-enabled pointed at ours.
sed -e "s|/etc/nginx/conf.d/|$DEST/etc/nginx/conf.d/|" \
    -e "s|/etc/nginx/sites-enabled/|$N/sites-enabled/|" \
    -e "s|^pid .*|pid $N/debian.pid;|" /etc/nginx/nginx.conf > "$N/nginx.conf"
sed -e "s|/etc/nginx/snippets/|$DEST/etc/nginx/snippets/|" -e "s|listen 80 sndbuf=64k;|listen 127.0.0.1:$PORT sndbuf=64k;|" \
    -e "s|listen \[::\]:80 sndbuf=64k;||" "$DEST/etc/nginx/sites-available/memeter" > "$N/sites-enabled/memeter"
check "the site file under test listens on the test's port, not on :80" \
    bash -c 'grep -q "listen 127.0.0.1:$1 " "$2" && ! grep -q "listen .*:80 \|listen 80 " "$2"' _ "$PORT" "$N/sites-enabled/memeter"
out=$(nginx -t -c "$N/nginx.conf" 2>&1)
check "nginx -t: Debian's nginx.conf with conf.d/memeter.conf and the site file ($(tail -1 <<<"$out"))" \
    grep -q "test is successful" <<<"$out"

# --- the installed programs, on loopback --------------------------------------------------------
R=$STACK_DIR
mkdir -p "$R/state/media" "$R/state/library" "$R/sock" "$R/nginx-tmp"
BASE="http://127.0.0.1:$PORT"
sed -e "s|/var/lib/memeter|$R/state|g" -e "s|/run/memeter|$R/sock|g" \
    -e "s|^site_origin = .*|site_origin = $BASE|" "$DEST/etc/memeter/memeter.conf" > "$R/memeter.conf"
moved="s|/var/lib/memeter|$R/state|g; s|/run/memeter|$R/sock|g; s|$PREFIX/share/memeter/htdocs|$P/share/memeter/htdocs|g"
sed "$moved" "$DEST/etc/nginx/conf.d/memeter.conf" > "$R/http.conf"
sed "$moved" "$DEST/etc/nginx/snippets/memeter.conf" > "$R/snippet.conf"
cp /etc/nginx/fastcgi_params "$R/"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root root;"
cat > "$R/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
pid $R/nginx.pid;
error_log $R/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log $R/logs/access.log;
    client_body_temp_path $R/nginx-tmp/body;
    proxy_temp_path $R/nginx-tmp/proxy;
    fastcgi_temp_path $R/nginx-tmp/fastcgi;
    uwsgi_temp_path $R/nginx-tmp/uwsgi;
    scgi_temp_path $R/nginx-tmp/scgi;
    include $R/http.conf;
    server {
        listen 127.0.0.1:$PORT;
        root /nonexistent;
        include $R/snippet.conf;
    }
}
EOF
unset MEMETER_ADMIN_PASSWORD MEMETER_CONFIG
CTL=("$P/bin/memeterctl" -c "$R/memeter.conf")
check "installed memeterctl migrate creates the database" "${CTL[@]}" migrate
PW="install test $RANDOM$RANDOM"
check "installed memeterctl passwd" bash -c 'printf "%s\n" "$0" | "${@}" passwd >/dev/null' "$PW" "${CTL[@]}"
stack_sanitizer_env
"$P/sbin/memeter-fcgi" -c "$R/memeter.conf" >>"$R/logs/fcgi.log" 2>&1 &
STACK_POOL_PID=$!
STACK_PIDS+=("$STACK_POOL_PID")
stack_wait_for_socket "$R/sock/fcgi.sock" "$STACK_POOL_PID" fcgi
"$P/sbin/memeter-pushd" -c "$R/memeter.conf" >>"$R/logs/pushd.log" 2>&1 &
STACK_PUSHD_PID=$!
STACK_PIDS+=("$STACK_PUSHD_PID")
stack_wait_for_socket "$R/sock/pushd.sock" "$STACK_PUSHD_PID" pushd
nginx -e "$R/logs/nginx-error.log" -p "$R" -c "$R/nginx.conf" >>"$R/logs/nginx.log" 2>&1 &
STACK_NGINX_PID=$!
STACK_PIDS+=("$STACK_NGINX_PID")
check "the installed stack answers /api/health through nginx" stack_wait_ready

api GET /api/health
check "health: ok" json_is .ok true
check "health: pushd is up" bash -c 'grep -q "\"up\"" <<<"$0"' "$BODY"
for page in / /admin /results /results/1; do
    out=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE$page")
    check "GET $page: the installed page ($out)" bash -c '[[ $0 == "200 text/html"* ]]' "$out"
done
out=$(curl -s -D - -o /dev/null "$BASE/js/api.js" | tr -d '\r')
check "static assets are revalidated (Cache-Control: no-cache)" grep -qi '^cache-control: no-cache' <<<"$out"
api GET /api/state
check "a rater gets a cookie" test -s "$JAR"
MEMETER_ADMIN_PASSWORD=$PW
check "the admin logs in with the password set by memeterctl" admin_login
python3 "$STACK_ROOT/tests/bench/mklibrary.py" "$R/state/library" 3
sid=$("${CTL[@]}" --json session create "Installed" | jq -r .id)
"${CTL[@]}" populate "$sid" >/dev/null
check "memeterctl populates from the installed library_dir" \
    test "$(sqlite3 "$R/state/memeter.db" "SELECT count(*) FROM session_memes WHERE session_id=$sid")" = 3
file=$(sqlite3 "$R/state/memeter.db" "SELECT filename FROM memes LIMIT 1")
out=$(curl -s -D - -o /dev/null "$BASE/media/$file" | tr -d '\r')
check "media: 200" grep -q '^HTTP/1.1 200' <<<"$out"
check "media: cached for a year, immutable" grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$out"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --http1.1 \
    -H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
    -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" -H "Origin: $BASE" "$BASE/ws/user")
check "/ws/user upgrades through nginx to pushd ($code)" test "$code" = 101
check "upload limit: 413 as JSON" bash -c '
    out=$(head -c 100000 /dev/zero | curl -s -w " %{http_code}" -X POST -H "Content-Type: application/json" \
        --data-binary @- "$0/api/ratings"); [[ $out == *body_too_large*" 413" ]]' "$BASE"
out=$("${CTL[@]}" --json status)
check "memeterctl status sees the installed pool" test "$(jq -r .pool.pid <<<"$out")" = "$STACK_POOL_PID"
check "memeterctl status sees the installed pushd" test "$(jq -r .ok <<<"$out")" = true
check "one log line per request, with status and time" \
    grep -qE 'info memeter-fcgi\[[0-9]+\]: GET /api/health 200 [0-9.]+ ms' "$R/logs/fcgi.log"
# The installed relay with the installed config, to a Redis on loopback.
_relay_at_head() {
    [ "$(redis-cli -p "$RPORT" --raw XREVRANGE memeter:events + - COUNT 1 2>/dev/null | head -1)" = \
      "$(sqlite3 "$R/state/memeter.db" "SELECT max(seq) FROM events")-0" ]
}
_redis_up() { [ "$(redis-cli -p "$RPORT" PING 2>/dev/null)" = PONG ]; }
_poll() { local i; for ((i = 0; i < $1 * 50; i++)); do "${@:2}" && return 0; sleep 0.02; done; return 1; }
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    RPORT=$(stack_free_port)
    redis-server --bind 127.0.0.1 --port "$RPORT" --save '' --appendonly no --dir "$R" \
        >>"$R/logs/redis.log" 2>&1 &
    STACK_PIDS+=("$!")
    _poll 10 _redis_up
    MEMETER_REDIS_URL=redis://127.0.0.1:$RPORT "$P/sbin/memeter-relay" -c "$R/memeter.conf" \
        >>"$R/logs/relay.log" 2>&1 &
    STACK_PIDS+=("$!")
    check "the installed relay appends the outbox to Redis up to its head" _poll 20 _relay_at_head
fi
kill -HUP "$STACK_POOL_PID"
check "SIGHUP (ExecReload) reloads the installed pool" \
    bash -c 'for i in $(seq 200); do [ "$("$@" --json status | jq -r .pool.generation)" = 2 ] && exit 0; sleep 0.05; done; exit 1' \
    _ "${CTL[@]}"
stack_stop

# --- an edge: EDGE_WRITER=host:port make install --------------------------------------------
EDEST="$T_DIR/edge-dest"
make --no-print-directory -C "$STACK_ROOT" V="$VARIANT" DESTDIR="$EDEST" \
    EDGE_WRITER=10.0.0.1:9000 EDGE_REDIS=redis://10.0.0.2:6379 install >>"$T_DIR/make.log" 2>&1
check "make install EDGE_WRITER=10.0.0.1:9000 (an edge) succeeds" test $? = 0
EH="$EDEST/etc/nginx/conf.d/memeter.conf"
check "edge: nginx passes /api/ to the writer's pool" grep -q '^    server 10.0.0.1:9000;$' "$EH"
check "edge: the local pushd stays the upstream of /ws/" grep -q '^    server unix:/run/memeter/pushd.sock;$' "$EH"
check "writer: its own pool socket" grep -q '^    server unix:/run/memeter/fcgi.sock;$' "$DEST/etc/nginx/conf.d/memeter.conf"
# One template: the maps, zones and CSP of both are the same lines.
check "edge and writer http.conf differ in the pool's address only" bash -c \
    '[ "$(diff "$0" "$1" | grep -c "^[<>]")" = 2 ]' "$EH" "$DEST/etc/nginx/conf.d/memeter.conf"
check "edge: the sample config says source = redis" grep -qx 'source = redis' "$EDEST/etc/memeter/memeter.conf"
check "edge: with the given redis_url" grep -qx 'redis_url = redis://10.0.0.2:6379' "$EDEST/etc/memeter/memeter.conf"
check "edge: memeterctl reads that config" bash -c \
    '"$0" -c "$1" config | grep -qE "^source += redis"' "$EDEST$PREFIX/bin/memeterctl" "$EDEST/etc/memeter/memeter.conf"
check "edge: the relay and pushd units are installed" \
    test -s "$EDEST$PREFIX/lib/systemd/system/memeter-pushd.service" -a -s "$EDEST$PREFIX/lib/systemd/system/memeter-relay.service"
sed -e "s|$DEST/etc/nginx/conf.d/memeter.conf|$EH|" -e "s|$DEST/etc/nginx/snippets/|$EDEST/etc/nginx/snippets/|" \
    "$N/existing.conf" > "$N/edge.conf"
out=$(nginx -t -c "$N/edge.conf" 2>&1)
check "nginx -t: the edge's http.conf with the snippet" test $? = 0
out=$(make --no-print-directory -C "$STACK_ROOT" V="$VARIANT" DESTDIR="$T_DIR/bad-dest" \
    EDGE_WRITER=10.0.0.1 install 2>&1)
check "EDGE_WRITER without a port is refused, saying so" grep -q "not host:port" <<<"$out"

# --- upgrade keeps edited config; uninstall ---------------------------------------------------------
echo "workers = 3" >> "$DEST/etc/memeter/memeter.conf"
make_install install
check "reinstall keeps the edited memeter.conf" grep -qx "workers = 3" "$DEST/etc/memeter/memeter.conf"
check "and puts the new one next to it" test -s "$DEST/etc/memeter/memeter.conf.new"
touch "$DEST/var/lib/memeter/memeter.db"
make_install uninstall
check "make uninstall succeeds" test $? = 0
for f in bin/memeterctl sbin/memeter-fcgi sbin/memeter-pushd sbin/memeter-relay share/memeter \
    share/man/man1/memeterctl.1 share/doc/memeter lib/systemd/system/memeter-fcgi.service \
    lib/systemd/system/memeter-fcgi.socket lib/systemd/system/memeter-pushd.service \
    lib/systemd/system/memeter-relay.service lib/sysusers.d/memeter.conf; do
    check "uninstall removes $PREFIX/$f" test ! -e "$P/$f"
done
for f in conf.d/memeter.conf snippets/memeter.conf sites-available/memeter; do
    check "uninstall removes the unchanged /etc/nginx/$f" test ! -e "$DEST/etc/nginx/$f"
done
check "uninstall keeps the edited memeter.conf" grep -qx "workers = 3" "$DEST/etc/memeter/memeter.conf"
check "uninstall keeps the data" test -e "$DEST/var/lib/memeter/memeter.db"

[ "$T_FAILED" -gt 0 ] && tail -20 "$T_DIR/make.log" >&2
t_done
