#!/usr/bin/env bash
# A party on a real network, on loopback only: nginx listens on 0.0.0.0
# and the public URL is http://127.0.0.2:PORT/ (127.0.0.2 stands in for
# the machine's LAN address).  A rater at that origin gets a cookie,
# rates and follows /ws/user; the admin at 127.0.0.1 still acts; another
# origin is still refused; GET /api/config gives the public URL; the QR
# code on the dashboard, screenshotted in Chromium and decoded by zbarimg,
# is the public URL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"

# stack_up with the public URL on the port it picks.
lan_stack_up() {
    local tries
    T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memeter-$T_NAME.XXXXXX")
    JAR="$T_DIR/rater.jar"
    ADMIN_JAR="$T_DIR/admin.jar"
    trap stack_down EXIT
    trap 'exit 130' INT TERM
    for tries in 1 2 3; do
        PORT=$(stack_free_port)
        LAN="http://127.0.0.2:$PORT"
        STACK_LISTEN=0.0.0.0 STACK_PUBLIC_URL="$LAN/" stack_init "$T_DIR" "$PORT"
        stack_start && return 0
        stack_stop
        grep -q "Address already in use" "$T_DIR/logs/nginx-error.log" 2>/dev/null || break
    done
    echo "$T_NAME: the stack did not start" >&2
    T_FAILED=$((T_FAILED + 1))
    exit 1
}
lan_stack_up

# lan METHOD PATH [JSON] [curl args]: a phone at the LAN address.
lan() {
    local method=$1 path=$2 data=() out; shift 2
    if [ $# -gt 0 ] && [ "${1:0:1}" != "-" ]; then
        data=(-H 'Content-Type: application/json' --data-binary "$1"); shift
    fi
    out=$(curl -sS -X "$method" -b "$JAR" -c "$JAR" -H "Origin: $LAN" "${data[@]}" "$@" \
        -w '\n%{http_code}' "$LAN$path")
    STATUS=${out##*$'\n'}
    BODY=${out%$'\n'*}
}

check "nginx listens on every address" grep -q "listen 0.0.0.0:$PORT[ ;]" "$T_DIR/nginx.conf"
check "the config has the public URL" grep -qx "public_url = $LAN/" "$T_DIR/memeter.conf"
check "site_origin stays the loopback one" grep -qx "site_origin = http://127.0.0.1:$PORT" "$T_DIR/memeter.conf"

lan GET /api/config
check "GET /api/config from the LAN -> 200" status_is 200
check "... join_url is the public URL" json_is .join_url "$LAN/"
check "... with a version" json_is '.version|length > 0' true

# --- the admin at 127.0.0.1 sets up a party --------------------------------
python3 - "$STACK_DIR/library" <<'PY'
import struct, sys, zlib
for n in (3, 4):
    def chunk(k, d):
        return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)
    raw = b"".join(b"\0" + bytes([n, 3, 5]) * n for _ in range(3))
    open(f"{sys.argv[1]}/m{n}.png", "wb").write(b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", n, 3, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
admin_login || exit 1
admin_api POST /api/admin/sessions '{"name":"LAN party"}'
check "admin at 127.0.0.1 creates a session" status_is 201
SID=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/populate"
MEME=$(jq -r '.memes[0].id' <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/start"
check "... and starts it" status_is 200

# --- a phone at the LAN address --------------------------------------------
lan GET /api/state
check "the phone gets the party" json_is '"\(.session.id) \(.session.status)"' "$SID active"

# --- venue Wi-Fi: text goes compressed ---------------------------------------
# gz PATH: the Content-Encoding of PATH asked for with gzip ("" if none).
gz() {
    curl -sS -o "$T_DIR/gz.body" -D - -H 'Accept-Encoding: gzip' -b "$ADMIN_JAR" "$BASE$1" |
        tr -d '\r' | sed -n 's/^[Cc]ontent-[Ee]ncoding: //p'
}
for p in /js/admin.js /admin /api/admin/state; do
    check "$p is sent gzip-compressed" test "$(gz "$p")" = gzip
done
check "... and unpacks to the same JSON" test "$(gunzip -c "$T_DIR/gz.body" | jq -r .session.id)" = "$SID"
check "no gzip for a client that does not ask" test -z "$(curl -sS -o /dev/null -D - "$LAN/js/admin.js" |
    tr -d '\r' | sed -n 's/^[Cc]ontent-[Ee]ncoding: //p')"
check "... and a rater cookie" grep -q "mr_rater" "$JAR"
COOKIE=$(awk '$6 == "mr_rater" { print $7 }' "$JAR")
ws_start phone /ws/user --host 127.0.0.2 --origin "$LAN" --cookie "mr_rater=$COOKIE" --timeout 30
check "/ws/user opens from the LAN origin" ws_wait_open phone
lan POST /api/ratings "{\"meme_id\":$MEME,\"score\":8}"
check "a rating from the LAN origin -> 201" status_is 201
_stats() { jq -e --arg s "$SID" 'select(.type == "stats_updated" and (.data.session_id|tostring) == $s and .data.ratings == 1)' \
    "$T_DIR/phone.out" >/dev/null 2>&1; }
check "... and the phone's /ws/user follows it (stats_updated)" _poll 10 _stats
ws_stop phone

before=$(db_fingerprint)
out=$(curl -sS -o /dev/null -w '%{http_code}' -b "$JAR" -H "Origin: http://127.0.0.3:$PORT" \
    -H 'Content-Type: application/json' --data-binary "{\"meme_id\":$MEME,\"score\":1}" "$LAN/api/ratings")
check "another origin is still refused (403)" test "$out" = 403
check "... and changes nothing" test "$(db_fingerprint)" = "$before"
ws_start other /ws/user --host 127.0.0.2 --origin "http://127.0.0.3:$PORT" --timeout 5
ws_wait_exit other 10
check "... /ws/user from another origin is refused" test "$WS_RC" = 2

admin_api GET "/api/admin/sessions/$SID/raters"
check "the admin at 127.0.0.1 sees the phone's rating" json_is '[.[] | .rated] | add' 1

if [ ! -d "$STACK_ROOT/node_modules/playwright-core" ] || ! command -v zbarimg >/dev/null; then
    check "playwright-core (make assets) and zbarimg (mk/deps.sh) are installed" false
    t_done
fi

# --- a phone photo fits the network --------------------------------------------
# 4000 x 3000 as the sensor saw it, EXIF Orientation 6 (turn 90 degrees to
# show): upright it is 3000 x 4000.
node "$STACK_ROOT/tests/stack/mkjpeg.mjs" "$T_DIR/photo.jpg" 4000 3000 6 2>"$T_DIR/mkjpeg.err"
check "a 4000x3000 JPEG of several MB was made" test "$(stat -c %s "$T_DIR/photo.jpg" 2>/dev/null || echo 0)" -gt 1000000
admin_api POST "/api/admin/sessions/$SID/memes" -F "file=@$T_DIR/photo.jpg;type=image/jpeg"
check "its upload -> 201" status_is 201
PHOTO=$(jq -c '.memes[0]' <<<"$BODY")
check "... M is upright (3000x4000)" test "$(jq -r '"\(.width)x\(.height)"' <<<"$PHOTO")" = 3000x4000
phone=$(jq -r .phone_url <<<"$PHOTO")
check "... phone_url is the WebP variant" test "${phone%-1080.webp}" != "$phone"
curl -sS -o "$T_DIR/phone.webp" "$LAN$phone"
size=$(stat -c %s "$T_DIR/phone.webp")
check "... the phone variant is under 300 KB ($size bytes)" test "$size" -lt 300000 -a "$size" -gt 1000
dims=$(python3 - "$T_DIR/phone.webp" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:4] == b"RIFF" and d[8:12] == b"WEBP"
k = d[12:16]
if k == b"VP8X":
    w = 1 + int.from_bytes(d[24:27], "little"); h = 1 + int.from_bytes(d[27:30], "little")
elif k == b"VP8 ":
    w, h = struct.unpack("<HH", d[26:30]); w &= 0x3fff; h &= 0x3fff
else:
    b = int.from_bytes(d[21:25], "little"); w = (b & 0x3fff) + 1; h = ((b >> 14) & 0x3fff) + 1
print(f"{w}x{h}")
PY
)
check "... and upright, long side 1080 ($dims)" test "$dims" = 810x1080
check "... srcset names the thumbnail and the phone size" test \
    "$(jq -r .srcset <<<"$PHOTO" | grep -o ' [0-9]\+w' | tr -d " " | tr '\n' ' ')" = "240w 810w "

# --- the QR code the dashboard shows -----------------------------------------
info=$(node "$STACK_ROOT/tests/stack/qr_shot.mjs" "$BASE" "$MEMETER_ADMIN_PASSWORD" "$T_DIR/qr.png" 2>"$T_DIR/qr.err")
check "the dashboard rendered its QR code" test -s "$T_DIR/qr.png"
[ -s "$T_DIR/qr.png" ] || cat "$T_DIR/qr.err" >&2
decoded=$(zbarimg --quiet --raw "$T_DIR/qr.png" 2>/dev/null | tr -d '\r\n')
check "zbarimg decodes the QR code to the public URL ($decoded)" test "$decoded" = "$LAN/"
check "the join text is the public URL" test "$(jq -r .text <<<"$info")" = "127.0.0.2:$PORT"
check "no loopback warning for a LAN address" test "$(jq -r .warning <<<"$info")" = false
t_done
