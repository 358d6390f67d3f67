#!/usr/bin/env python3
"""Writes N small distinct PNG files into DIR, a media library for "populate"
in the benchmarks and the bench smoke test (media checks the bytes, so they
are real PNGs, each a different size and colour)."""
import struct
import sys
import zlib


def chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(i):
    w, h = 4 + i, 3
    pixel = bytes([i * 3 % 256, i * 7 % 256, i * 11 % 256])
    raw = b"".join(b"\0" + pixel * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    for i in range(n):
        with open("%s/meme-%03d.png" % (out, i), "wb") as f:
            f.write(png(i))


if __name__ == "__main__":
    main()
