#!/bin/sh
# make install / make uninstall: put memeter on an nginx box the FHS way.
#
#   sh mk/install.sh install|uninstall BUILD_DIR
#
# Everything below may be set in the environment (make passes its
# command-line variables through); DESTDIR is prepended to every path.
#
#   PREFIX=/usr/local     programs, pages, man page, docs, systemd units
#   SYSCONFDIR=/etc       memeter/memeter.conf, nginx/, default/memeter
#   LOCALSTATEDIR=/var    lib/memeter: database, media, library
#   RUNSTATEDIR=/run      memeter/: sockets
#   NGINX_DIR=$SYSCONFDIR/nginx
#   WS_PER_ADDR=500       WebSockets one address may hold (a party behind NAT)
#   WS_MAX=1500           WebSockets in all; keep 2 x WS_MAX + 1024 within
#                         nginx's worker_connections (docs/SECURITY.md)
#   EDGE_WRITER=          set (host:port of the writer's pool on TCP, e.g.
#                         10.0.0.1:9000): install an edge (docs/OPERATIONS.md,
#                         "Edges"): nginx passes /api/ there, the sample
#                         config says source = redis
#   EDGE_REDIS=           with EDGE_WRITER: the edge's redis_url
#                         (redis://10.0.0.2:6379); else the default
#   WS_URL=               the config's ws_url, if pushd's direct listener
#                         is used: the pages' CSP must allow connecting to it
#
# Config files the admin may have edited (memeter.conf and the nginx
# files) are never overwritten: a differing new version is written next to
# them as FILE.new.  uninstall removes them only if unchanged, and never
# touches the database or media in $LOCALSTATEDIR/lib/memeter.
set -eu

action=${1:?usage: install.sh install|uninstall BUILD_DIR}
build=${2:?usage: install.sh install|uninstall BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

: "${DESTDIR:=}"
: "${PREFIX:=/usr/local}"
: "${BINDIR:=$PREFIX/bin}"
: "${SBINDIR:=$PREFIX/sbin}"
: "${DATADIR:=$PREFIX/share}"
: "${MANDIR:=$DATADIR/man}"
: "${DOCDIR:=$DATADIR/doc/memeter}"
: "${SYSCONFDIR:=/etc}"
: "${LOCALSTATEDIR:=/var}"
: "${RUNSTATEDIR:=/run}"
: "${UNITDIR:=$PREFIX/lib/systemd/system}"
: "${SYSUSERSDIR:=$PREFIX/lib/sysusers.d}"
: "${NGINX_DIR:=$SYSCONFDIR/nginx}"
: "${WS_PER_ADDR:=500}"
: "${WS_MAX:=1500}"
: "${EDGE_WRITER:=}"
: "${EDGE_REDIS:=}"
: "${WS_URL:=}"
HTDOCS=$DATADIR/memeter/htdocs
STATE=$LOCALSTATEDIR/lib/memeter
RUN=$RUNSTATEDIR/memeter
stage=$build/install

say() { printf '%s\n' "$*"; }

PROGRAMS="memeter-fcgi memeter-pushd memeter-relay"
UNITS="memeter-relay.service memeter-pushd.service memeter-fcgi.service memeter-fcgi.socket"

# The pool nginx passes /api/ to: its socket here, or an edge's writer.
fcgi_upstream() {
    if [ -n "$EDGE_WRITER" ]; then say "$EDGE_WRITER"; else say "unix:$RUN/fcgi.sock"; fi
}

# The sample config, and on an edge the keys that make it one.
render_config() {
    if [ -z "$EDGE_WRITER" ]; then
        sed "$paths" conf/memeter.conf
        return
    fi
    edge="s|^source = sqlite\$|source = redis|"
    [ -n "$EDGE_REDIS" ] && edge="$edge
s|^redis_url = .*|redis_url = $EDGE_REDIS|"
    sed -e "$paths" -e "$edge" conf/memeter.conf
}

# Renders the files whose contents name installed paths into $stage.
render() {
    rm -rf "$stage"
    mkdir -p "$stage/nginx" "$stage/systemd"
    paths="s|/usr/local/sbin/|$SBINDIR/|g
s|/usr/local/share/doc/memeter|$DOCDIR|g
s|/etc/memeter/|$SYSCONFDIR/memeter/|g
s|/etc/default/memeter|$SYSCONFDIR/default/memeter|g
s|/var/lib/memeter|$STATE|g
s|/run/memeter|$RUN|g"
    render_config > "$stage/memeter.conf"
    for unit in conf/systemd/*; do
        sed "$paths" "$unit" > "$stage/systemd/${unit##*/}"
    done
    nginx="s|@HTDOCS@|$HTDOCS|g
s|@MEDIA_DIR@|$STATE/media|g
s|@FCGI_UPSTREAM@|$(fcgi_upstream)|g
s|@PUSHD_UPSTREAM@|unix:$RUN/pushd.sock|g
s|@NGINX_DIR@|$NGINX_DIR|g
s|@RATER_RATE@|20r/s|g
s|@RATER_BURST@|100|g
s|@LOGIN_RATE@|10r/m|g
s|@LOGIN_BURST@|10|g
s|@WS_PER_ADDR@|$WS_PER_ADDR|g
s|@WS_MAX@|$WS_MAX|g
s|@UPLOAD_MAX@|64m|g
s|@WS_CONNECT_SRC@|${WS_URL:+ ${WS_URL%/}}|g"
    {
        say "# memeter (written by make install): the http{}-level part."
        say "# Debian's nginx.conf includes conf.d/*.conf in http{} already."
        sed "$nginx" conf/nginx/memeter-http.conf.in
    } > "$stage/nginx/http.conf"
    {
        say "# memeter (written by make install): the drop-in for a server{} block:"
        say "#     include snippets/memeter.conf;"
        say "# It serves /, /admin, /results, /api/, /ws/ and /media/ of that server."
        sed "$nginx" conf/nginx/memeter-server.conf.in
    } > "$stage/nginx/server.conf"
    sed "$nginx" conf/nginx/memeter-site.conf.in > "$stage/nginx/site.conf"
}

# conffile SRC DEST MODE: install unless the admin changed DEST.
conffile() {
    if [ -e "$2" ] && ! cmp -s "$1" "$2"; then
        install -m "$3" "$1" "$2.new"
        say "kept $2 (changed by you); the new version is $2.new"
    else
        install -m "$3" "$1" "$2"
    fi
}

# rm_conffile SRC DEST: remove DEST if it is still what we installed.
rm_conffile() {
    [ -e "$2" ] || return 0
    if cmp -s "$1" "$2"; then
        rm -f "$2"
    else
        say "kept $2 (changed by you)"
    fi
    rm -f "$2.new"
}

is_live() { [ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ]; }

do_install() {
    d=$DESTDIR
    case $EDGE_WRITER in
    ''|*:*) ;;
    *) say "install: EDGE_WRITER=$EDGE_WRITER is not host:port (the writer's pool on TCP)" >&2; exit 2 ;;
    esac
    for p in $PROGRAMS memeterctl; do
        [ -x "$build/bin/$p" ] || { say "install: $build/bin/$p is missing: run make first" >&2; exit 1; }
    done
    [ -e htdocs/css/app.css ] ||
        say "install: warning: htdocs/css/app.css is missing (run \"make assets\"; it needs npm)" >&2
    render
    install -d "$d$BINDIR" "$d$SBINDIR" "$d$HTDOCS" "$d$MANDIR/man1" "$d$DOCDIR" \
        "$d$UNITDIR" "$d$SYSUSERSDIR" "$d$SYSCONFDIR/memeter" \
        "$d$NGINX_DIR/conf.d" "$d$NGINX_DIR/snippets" "$d$NGINX_DIR/sites-available"
    install -m 0755 "$build/bin/memeterctl" "$d$BINDIR/memeterctl"
    for p in $PROGRAMS; do
        install -m 0755 "$build/bin/$p" "$d$SBINDIR/$p"
    done
    # Pages: a fresh copy, so files removed upstream disappear too.
    rm -rf "$d$HTDOCS"
    install -d "$d$HTDOCS"
    (cd htdocs && find . -type f ! -name input.css ! -name '.*') | while read -r f; do
        install -D -m 0644 "htdocs/$f" "$d$HTDOCS/$f"
    done
    install -m 0644 docs/memeterctl.1 "$d$MANDIR/man1/memeterctl.1"
    install -m 0644 docs/OPERATIONS.md "$d$DOCDIR/OPERATIONS.md"
    install -m 0644 "$stage/memeter.conf" "$d$DOCDIR/memeter.conf.example"
    for unit in "$stage"/systemd/*; do
        install -m 0644 "$unit" "$d$UNITDIR/${unit##*/}"
    done
    install -m 0644 conf/sysusers.d/memeter.conf "$d$SYSUSERSDIR/memeter.conf"
    conffile "$stage/memeter.conf" "$d$SYSCONFDIR/memeter/memeter.conf" 0640
    conffile "$stage/nginx/http.conf" "$d$NGINX_DIR/conf.d/memeter.conf" 0644
    conffile "$stage/nginx/server.conf" "$d$NGINX_DIR/snippets/memeter.conf" 0644
    conffile "$stage/nginx/site.conf" "$d$NGINX_DIR/sites-available/memeter" 0644
    install -d -m 0755 "$d$STATE" "$d$STATE/media" "$d$STATE/library"
    if is_live; then
        setup_live
    else
        say "installed into ${DESTDIR:-$PREFIX}; as root without DESTDIR, make install also creates the memeter user"
    fi
}

# The WebSocket cap keeps room for the pages only if one nginx worker can
# hold every WebSocket twice (client and pushd) and 1024 more.
check_nginx_connections() {
    need=$((2 * WS_MAX + 1024))
    have=$(sed -n 's/^[[:space:]]*worker_connections[[:space:]]*\([0-9]*\).*/\1/p' \
        "$NGINX_DIR/nginx.conf" 2>/dev/null | head -n 1)
    if [ -n "$have" ] && [ "$have" -lt "$need" ]; then
        say "note: $NGINX_DIR/nginx.conf has worker_connections $have; memeter's"
        say "      $WS_MAX WebSockets need $need to leave room for the pages:"
        say "      set worker_connections $need; and worker_rlimit_nofile $((2 * need)); (OPERATIONS.md, Limits)"
    fi
}

# Only on the real system: the user, ownership, systemd's view.
setup_live() {
    if command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers "$SYSUSERSDIR/memeter.conf"
    elif ! getent passwd memeter >/dev/null; then
        adduser --system --group --home "$STATE" --no-create-home memeter
        adduser www-data memeter
    fi
    chown -R memeter:memeter "$STATE"
    chgrp memeter "$SYSCONFDIR/memeter/memeter.conf"
    [ -d /run/systemd/system ] && systemctl daemon-reload
    check_nginx_connections
    if [ -n "$EDGE_WRITER" ]; then
        next_steps_edge
        return
    fi
    cat <<EOF
memeter is installed.  Next:
  1. edit $SYSCONFDIR/memeter/memeter.conf (site_origin at least)
  2. memeterctl migrate && memeterctl passwd
  3. systemctl enable --now memeter-fcgi.socket memeter-fcgi memeter-pushd
  4. add "include snippets/memeter.conf;" to your server block (or use
     $NGINX_DIR/sites-available/memeter), then nginx -t && systemctl reload nginx
  With edges: the pool on TCP, redis_url, then systemctl enable --now
  memeter-relay (OPERATIONS.md, "The writer: turning the relay on")
See $DOCDIR/OPERATIONS.md.
EOF
}

next_steps_edge() {
    cat <<EOF
memeter is installed as an edge: nginx passes /api/ to $EDGE_WRITER.  Next:
  1. in $SYSCONFDIR/memeter/memeter.conf set site_origin (the writer's) and
     redis_url (the relay's Redis); source = redis is set
  2. on the writer, add this box's address to the pool's allow-list
     (FCGI_WEB_SERVER_ADDRS, or fcgi_allow), systemctl restart memeter-fcgi
  3. systemctl enable --now memeter-pushd   (not memeter-fcgi: no database here)
  4. copy the writer's media ($STATE/media) here (rsync, or NFS),
     include snippets/memeter.conf in a server block, nginx -t, reload
  5. add this box to DNS or the load balancer
See $DOCDIR/OPERATIONS.md, "Adding an edge".
EOF
}

do_uninstall() {
    d=$DESTDIR
    render
    if is_live && [ -d /run/systemd/system ]; then
        # shellcheck disable=SC2086
        systemctl disable --now $UNITS 2>/dev/null || true
    fi
    for p in $PROGRAMS; do
        rm -f "$d$SBINDIR/$p"
    done
    rm -f "$d$BINDIR/memeterctl" "$d$MANDIR/man1/memeterctl.1" "$d$SYSUSERSDIR/memeter.conf"
    for unit in "$stage"/systemd/*; do
        rm -f "$d$UNITDIR/${unit##*/}"
    done
    rm -rf "$d$DATADIR/memeter" "$d$DOCDIR"
    rm_conffile "$stage/memeter.conf" "$d$SYSCONFDIR/memeter/memeter.conf"
    rm_conffile "$stage/nginx/http.conf" "$d$NGINX_DIR/conf.d/memeter.conf"
    rm_conffile "$stage/nginx/server.conf" "$d$NGINX_DIR/snippets/memeter.conf"
    rm_conffile "$stage/nginx/site.conf" "$d$NGINX_DIR/sites-available/memeter"
    rmdir "$d$SYSCONFDIR/memeter" 2>/dev/null || true
    if is_live && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    say "uninstalled; the data in $d$STATE (and the memeter user) are kept: remove them by hand if you mean it"
}

case $action in
install) do_install ;;
uninstall) do_uninstall ;;
*) say "usage: install.sh install|uninstall BUILD_DIR" >&2; exit 2 ;;
esac
