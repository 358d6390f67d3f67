#!/usr/bin/env bash
# memeter-demo (the images `make run` loads): a dozen valid 800x600 PNG files
# named after their titles, the same bytes on every run, and the real stack
# takes them through "populate" with those titles and serves them back.
. "$(dirname "$0")/lib.sh"

stack_up
LIB="$STACK_DIR/library"

check "memeter-demo exits 0" "$MEMETER_BIN/memeter-demo" "$LIB"
check "it writes 12 images" [ "$(find "$LIB" -name '*.png' | wc -l)" = 12 ]
check "it leaves no temporary files" [ -z "$(find "$LIB" -name '.*')" ]

# Parses each PNG in full: signature, chunk CRCs, IHDR, the zlib stream and
# the filter byte of every scanline.  Prints one line per bad file.
png_problems() {
    python3 - "$@" <<'EOF'
import struct, sys, zlib
for path in sys.argv[1:]:
    try:
        data = open(path, "rb").read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "signature"
        pos, chunks, idat = 8, [], b""
        while pos < len(data):
            n, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + n]
            crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
            assert zlib.crc32(kind + body) & 0xffffffff == crc, "crc of %s" % kind
            chunks.append(kind)
            if kind == b"IHDR":
                w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if kind == b"IDAT":
                idat += body
            pos += 12 + n
        assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND", "chunk order"
        assert (w, h, depth, ctype) == (800, 600, 8, 2), "header %r" % ((w, h, depth, ctype),)
        raw = zlib.decompress(idat)
        assert len(raw) == h * (1 + w * 3), "pixel data length"
        assert all(raw[y * (1 + w * 3)] <= 4 for y in range(h)), "filter type"
        assert len(set(raw)) > 16, "a blank image"
    except Exception as e:
        print("%s: %s" % (path, e))
EOF
}
problems=$(png_problems "$LIB"/*.png)
check "every file is a valid 800x600 RGB PNG${problems:+ ($problems)}" [ -z "$problems" ]

sums() { (cd "$1" && sha256sum -- *.png); }
first=$(sums "$LIB")
check "the images differ from each other" \
    [ "$(cut -d' ' -f1 <<<"$first" | sort -u | wc -l)" = 12 ]
again="$STACK_DIR/again"
"$MEMETER_BIN/memeter-demo" "$again"
check "a second run writes the same bytes" [ "$first" = "$(sums "$again")" ]
check "no arguments: usage and exit 2" \
    bash -c '"$1" >/dev/null 2>&1; [ $? = 2 ]' _ "$MEMETER_BIN/memeter-demo"

# Through the API, the way mk/run.sh loads them.
admin_login
admin_api POST /api/admin/sessions '{"name":"Demo party"}'
sid=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$sid/populate"
check "populate adds all 12" json_is .added 12
titles=$(jq -r '.memes[].title' <<<"$BODY" | sort)
files=$(cd "$LIB" && ls -- *.png | sed 's/\.png$//' | sort)
check "the titles are the file names" [ "$titles" = "$files" ]
check "the API reports 800x600" \
    json_is '[.memes[] | select(.width == 800 and .height == 600)] | length' 12

url=$(jq -r '.memes[] | select(.title == "It works on my machine") | .url' <<<"$BODY")
code=$(curl -sS -o "$STACK_DIR/served.png" -w '%{http_code} %{content_type}' "$BASE$url")
check "nginx serves the image ($code)" [ "$code" = "200 image/png" ]
check "the served bytes are the file's" \
    cmp -s "$STACK_DIR/served.png" "$LIB/It works on my machine.png"

t_done
