#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
A flood on teardownd's /metrics: N connections opened at once, held open
for HOLD seconds, each sending one of: a good GET /metrics, garbage bytes,
half a request that never ends (slowloris), a header larger than the
server's per-connection memory, a POST with a body, an HTTP/0.9 line.
Prints one line "sent N, connected C, answered A (200: X, 4xx: Y, ...),
good GETs answered G" and exits 0; judging is the caller's business.

usage: metrics-flood.py HOST PORT N HOLD_SEC
"""
import resource
import selectors
import socket
import sys
import time

host, port, n, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 64)), hard))

kinds = [
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"\x00\xff\xfe garbage \x01\x02\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ",           # never finished
    b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n",
    b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /metrics\r\n",                                         # HTTP/0.9
    b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
]

sel = selectors.DefaultSelector()
conns = []
for i in range(n):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex((host, port))
    st = {"sock": s, "kind": i % len(kinds), "out": kinds[i % len(kinds)], "in": b"", "connected": False,
          "closed": False}
    conns.append(st)
    sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ, st)

deadline = time.monotonic() + hold
while time.monotonic() < deadline:
    for key, ev in sel.select(timeout=0.1):
        st = key.data
        s = st["sock"]
        if ev & selectors.EVENT_WRITE:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                st["closed"] = True
                sel.unregister(s)
                continue
            st["connected"] = True
            try:
                k = s.send(st["out"])
                st["out"] = st["out"][k:]
            except OSError:
                st["out"] = b""
            if not st["out"]:
                sel.modify(s, selectors.EVENT_READ, st)
        if ev & selectors.EVENT_READ:
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if d:
                st["in"] += d
            else:
                st["closed"] = True
                sel.unregister(s)

codes = {}
good = good_ok = 0
for st in conns:
    line = st["in"].split(b"\r\n", 1)[0]
    code = line.split(b" ")[1].decode() if line.startswith(b"HTTP/") and len(line.split(b" ")) > 1 else "none"
    codes[code] = codes.get(code, 0) + 1
    if st["kind"] == 0:
        good += 1
        good_ok += code == "200" and b"teardownd_build_info" in st["in"]
    st["sock"].close()
print("sent %d, connected %d, answered %d (%s), good GETs answered %d of %d" % (
    n, sum(st["connected"] for st in conns), sum(v for k, v in codes.items() if k != "none"),
    ", ".join("%s: %d" % kv for kv in sorted(codes.items())), good_ok, good))
