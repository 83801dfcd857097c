#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# usage: private-share.py SOCKET N
# Opens N connections to teardownd's private socket and holds them; prints
# how many the daemon kept open (it closes a refused one at once). Run as
# an unprivileged uid by test-daemon.sh.
import socket, sys, time

path, n = sys.argv[1], int(sys.argv[2])
conns = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    conns.append(s)
    time.sleep(0.05)  # one accept at a time: the count is the daemon's decision, not the backlog's
time.sleep(0.5)
kept = 0
for s in conns:
    s.setblocking(False)
    try:
        kept += s.recv(1) != b""  # EOF: refused and closed
    except BlockingIOError:
        kept += 1  # still open, waiting for our AUTH
print(kept)
