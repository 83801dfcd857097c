#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A D-Bus peer on teardownd's private socket that authenticates, then sends
BEGIN and a Peer.Ping call in one write, as a libdbus client (dbus-send) does
when the server is slow to read. sd-bus 252 keeps the call in its auth
buffer; the daemon must still answer. Exit 0 on a method return within the
timeout, 1 otherwise.

usage: pipelined-peer.py SOCKET [TIMEOUT_SEC]"""
import os, socket, struct, sys
path, timeout = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 5

def field(code, sig, val):
    return bytes([code, 1]) + sig.encode() + b"\0" + struct.pack("<I", len(val)) + val.encode() + b"\0"

fields = b""
for code, sig, val in ((1, "o", "/org/teardownd1"), (2, "s", "org.freedesktop.DBus.Peer"), (3, "s", "Ping")):
    fields += b"\0" * ((-len(fields)) % 8)
    fields += field(code, sig, val)
msg = b"l" + bytes([1, 0, 1]) + struct.pack("<III", 0, 1, len(fields)) + fields
msg += b"\0" * ((-len(msg)) % 8)

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
line = s.recv(4096)
assert line.startswith(b"OK"), line
s.sendall(b"BEGIN\r\n" + msg)
s.settimeout(timeout)
try:
    reply = s.recv(4096)
except socket.timeout:
    print("no reply within %.0f s" % timeout)
    sys.exit(1)
print("reply: %d bytes, type %d" % (len(reply), reply[1]))
sys.exit(0 if reply[1] == 2 else 1)
