#!/bin/sh
# Builds the front-end assets: htdocs/css/app.css (Tailwind CLI, minified)
# and the vendored npm files the pages load from htdocs/vendor/.  Called by
# `make assets` after `npm ci`.  Idempotent and quick: a file is rewritten
# only when its source changed, and Tailwind runs only when an input is
# newer than app.css.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# copy SRC DST: only when the content differs (keeps mtimes stable).
copy() {
    mkdir -p "$(dirname "$2")"
    cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"
}

nm=node_modules
copy "$nm/qrcode-generator/dist/qrcode.mjs" htdocs/vendor/qrcode.js
for f in outfit-latin-wght-normal.woff2 outfit-latin-ext-wght-normal.woff2; do
    copy "$nm/@fontsource-variable/outfit/files/$f" "htdocs/vendor/fonts/$f"
done

css=htdocs/css/app.css
stale=1
if [ -f "$css" ]; then
    newer=$(find htdocs/css/input.css tailwind.config.js htdocs -maxdepth 2 \
        \( -name '*.html' -o -name '*.js' -o -name 'input.css' \) \
        -newer "$css" -print 2>/dev/null | head -1)
    [ -n "$newer" ] || stale=0
fi
if [ "$stale" -eq 1 ]; then
    if ! "$nm/.bin/tailwindcss" -c tailwind.config.js -i htdocs/css/input.css \
        -o "$css.tmp" --minify 2>"$css.log"; then
        cat "$css.log" >&2
        rm -f "$css.tmp" "$css.log"
        exit 1
    fi
    rm -f "$css.log"
    mv "$css.tmp" "$css"
    echo "assets: built $css ($(wc -c < "$css") bytes)"
fi
