#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: test-socket.sh SOCKET_UNIT SERVICE_UNIT DAEMON SOURCE_ROOT
# teardownd-metrics.socket: `systemd-analyze verify` prints nothing (with
# the service it triggers beside it), it triggers teardownd.service, binds
# the loopback only, and names its socket as the daemon looks it up.
# Exit 77 (skip) when systemd-analyze is missing.
set -euo pipefail
sock=$1 svc=$2 daemon=$(realpath "$3") src=$4
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -E "s#^(Exec[A-Za-z]+=[-+!@:]*)[^ ]*/teardownd( |\$)#\1$daemon\2#" "$svc" >"$tmp/teardownd.service"
cp "$sock" "$tmp/"
out=$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/$(basename "$sock")" 2>&1) || true
[ -z "$out" ] || { echo "systemd-analyze verify:"; echo "$out"; exit 1; }
grep -qx 'Service=teardownd.service' "$sock" || { echo "does not trigger teardownd.service"; exit 1; }
grep -qx 'ListenStream=127.0.0.1:9477' "$sock" || { echo "not on 127.0.0.1:9477"; exit 1; }
grep -qx 'IPAddressAllow=localhost' "$sock" || { echo "no IPAddressAllow=localhost"; exit 1; }
name=$(sed -n 's/^FileDescriptorName=//p' "$sock")
grep -q "streq(names\[i\], \"$name\")" "$src/daemon/metrics-collect.c" ||
	{ echo "FileDescriptorName=$name is not what daemon/metrics-collect.c looks for"; exit 1; }
echo "teardownd-metrics.socket: ok"
