#!/bin/sh
# Installs the Debian packages memeter needs that are not there yet, and is a
# no-op (no apt call at all) when every one is already installed.
set -eu

PACKAGES="build-essential pkg-config libfcgi-dev libsqlite3-dev sqlite3
libjson-c-dev libcmocka-dev libwebsockets-dev libwebsockets-evlib-ev libev-dev
libssl-dev libcrypt-dev nginx clang libclang-rt-dev
libnginx-mod-nchan curl jq xxd cppcheck valgrind chromium wrk nodejs python3
fonts-dejavu-core fonts-noto-color-emoji zlib1g-dev libvips-dev zbar-tools redis-server
libhiredis-dev"

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0

# nodejs may come from another repository on developer machines; only ask
# apt for it when there is no node at all.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    missing=$(echo "$missing" | tr ' ' '\n' | grep -vx nodejs | tr '\n' ' ')
fi
missing=$(echo $missing)
[ -n "$missing" ] || exit 0

echo "deps: installing $missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

