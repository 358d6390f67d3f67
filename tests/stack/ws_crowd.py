#!/usr/bin/env python3
"""Many WebSocket clients in one process that behave as the pages do: each
reads every message, answers pings, and when the server drops it
reconnects with ?since=<the last event seq it holds>.  For
tests/stack/test_pushd_multi.sh.

    ws_crowd.py --port P --dir DIR [--users N] [--admins N] [--cookie C]
                [--origin URL] [--since S] [--seconds S]

Client NAME (u001.., a001..) appends every text message it receives, one
per line, to DIR/NAME.out, and "<monotonic seconds>\\t<type>" to
DIR/NAME.t.  DIR/status.json, rewritten about every 0.1 s, holds
    {"open": N, "opened": N, "clients": {NAME: {"last": SEQ, "conns": N,
     "presence": "R/A", "closes": [CODE, ...]}}}
(last: the last event seq; presence: the last presence message's counts;
closes: the close codes the server sent).  SIGUSR1 stops reconnecting (a
test about to stop the server); SIGTERM ends it.
"""
import argparse
import asyncio
import base64
import json
import os
import signal
import struct
import time


class Client:
    def __init__(self, name, path, args):
        self.name, self.path, self.args = name, path, args
        self.last = args.since
        self.conns = 0
        self.open = False
        self.presence = ""
        self.closes = []
        self.out = open(os.path.join(args.dir, name + ".out"), "a", buffering=1)
        self.times = open(os.path.join(args.dir, name + ".t"), "a", buffering=1)

    async def upgrade(self):
        reader, writer = await asyncio.open_connection(self.args.host, self.args.port)
        key = base64.b64encode(os.urandom(16)).decode()
        cookie = f"Cookie: {self.args.cookie}\r\n" if self.path.startswith("/ws/admin") else ""
        writer.write((f"GET {self.path}?since={self.last} HTTP/1.1\r\n"
                      f"Host: {self.args.host}:{self.args.port}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                      f"Origin: {self.args.origin}\r\n{cookie}\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            writer.close()
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode())
        return reader, writer

    @staticmethod
    def frame(opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        hdr = bytes([0x80 | opcode])
        if n < 126:
            hdr += bytes([0x80 | n])
        else:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    async def read_frame(self, reader):
        b0, b1 = await reader.readexactly(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", await reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", await reader.readexactly(8))[0]
        return b0 & 0x0F, await reader.readexactly(n)

    def received(self, text):
        self.out.write(text + "\n")
        m = json.loads(text)
        self.times.write(f"{time.monotonic():.4f}\t{m.get('type')}\n")
        if ("ts" in m and "seq" in m) or m.get("type") == "resync":
            self.last = m["seq"]
        elif m.get("type") == "presence":
            self.presence = f"{m['data']['raters']}/{m['data']['admins']}"

    async def session(self):
        reader, writer = await self.upgrade()
        self.conns += 1
        self.open = True
        try:
            while True:
                op, payload = await self.read_frame(reader)
                if op == 1:
                    self.received(payload.decode())
                elif op == 9:
                    writer.write(self.frame(10, payload))
                elif op == 8:
                    code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                    self.closes.append(code)
                    writer.write(self.frame(8, payload[:2]))
                    break
        finally:
            self.open = False
            writer.close()

    async def run(self, crowd):
        while True:
            try:
                await self.session()
            except (OSError, asyncio.IncompleteReadError, ConnectionError):
                pass
            if crowd.stopping:
                return
            await asyncio.sleep(0.05 + (hash(self.name) % 100) / 1000)


class Crowd:
    def __init__(self, args):
        self.args = args
        self.stopping = False
        self.clients = [Client(f"u{i:03d}", "/ws/user", args) for i in range(1, args.users + 1)]
        self.clients += [Client(f"a{i:03d}", "/ws/admin", args) for i in range(1, args.admins + 1)]

    def status(self):
        return {"open": sum(c.open for c in self.clients),
                "opened": sum(c.conns > 0 for c in self.clients),
                "clients": {c.name: {"last": c.last, "conns": c.conns,
                                     "presence": c.presence, "closes": c.closes}
                            for c in self.clients}}

    async def report(self):
        path = os.path.join(self.args.dir, "status.json")
        while True:
            with open(path + ".tmp", "w") as f:
                json.dump(self.status(), f)
            os.replace(path + ".tmp", path)
            await asyncio.sleep(0.1)

    async def main(self):
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, done.set)
        loop.add_signal_handler(signal.SIGUSR1, lambda: setattr(self, "stopping", True))
        tasks = [asyncio.create_task(self.report())]
        for c in self.clients:
            tasks.append(asyncio.create_task(c.run(self)))
            await asyncio.sleep(0.002)   # a crowd arrives, it does not teleport
        try:
            await asyncio.wait_for(done.wait(), self.args.seconds)
        except asyncio.TimeoutError:
            pass
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with open(os.path.join(self.args.dir, "status.json"), "w") as f:
            json.dump(self.status(), f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--users", type=int, default=0)
    p.add_argument("--admins", type=int, default=0)
    p.add_argument("--cookie", default="")
    p.add_argument("--origin", default="")
    p.add_argument("--since", type=int, default=0)
    p.add_argument("--seconds", type=int, default=300)
    args = p.parse_args()
    if not args.origin:
        args.origin = f"http://127.0.0.1:{args.port}"
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(Crowd(args).main())


if __name__ == "__main__":
    main()
