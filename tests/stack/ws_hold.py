#!/usr/bin/env python3
"""Opens WebSocket connections from one loopback address and holds them,
never reading after the upgrade (as many clients as an attacker, or one
client that stopped reading).  For tests/stack/test_fault_ops.sh.

    ws_hold.py --port P [--path /ws/user] [--origin URL] [--src 127.0.0.N]
               [--count N] [--rcvbuf BYTES] [--seconds S]

Prints one line when every attempt has had its answer:
    held=A refused=R statuses=101:A,429:R
then holds the upgraded ones until SIGTERM (or --seconds, so that a
test killed hard leaves nothing behind for long).
"""
import argparse
import base64
import os
import signal
import socket
import sys


def upgrade(args):
    """One connection and its upgrade: (socket or None, HTTP status)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if args.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    s.bind((args.src, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", args.port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Origin: {args.origin}\r\n\r\n").encode())
    head = b""
    # Only the response head: what follows (hello) stays unread.
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = 0
    if status != 101:
        s.close()
        return None, status
    return s, status


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/ws/user")
    p.add_argument("--origin", default="")
    p.add_argument("--src", default="127.0.0.1")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--rcvbuf", type=int, default=0)
    p.add_argument("--seconds", type=int, default=300)
    args = p.parse_args()
    if not args.origin:
        args.origin = f"http://127.0.0.1:{args.port}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(0))
    signal.alarm(args.seconds)

    held, statuses = [], {}
    for _ in range(args.count):
        try:
            s, status = upgrade(args)
        except OSError:
            s, status = None, 0
        statuses[status] = statuses.get(status, 0) + 1
        if s is not None:
            held.append(s)
    summary = ",".join(f"{k}:{v}" for k, v in sorted(statuses.items()))
    print(f"held={len(held)} refused={args.count - len(held)} statuses={summary}",
          flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
