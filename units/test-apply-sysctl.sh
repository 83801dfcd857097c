#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: test-apply-sysctl.sh DAEMON UNIT
# "teardownd --apply-sysctl" is the unit's ExecStartPre=+ (and ExecReload=+,
# whose failure must fail `systemctl reload`: no "-" prefix in UNIT):
# without ParkTimeoutMSec= it exits 0 and says so; with a bad configuration
# it exits 1 naming FILE:LINE; on a kernel without the sysctl (the host's
# stock kernel) it exits 0 and says why nothing was applied. The write on
# the patched kernel is checked in the VM (tests/vm/suites/daemon), never
# here: this must not change the host's sysctl.
set -euo pipefail
daemon=$(realpath "$1")
unit=${2:-}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/teardownd"
conf=$root/etc/teardownd/teardownd.conf
fail() { echo "FAIL: $*"; exit 1; }

if [ -n "$unit" ]; then
	line=$(grep -E '^ExecReload=.*teardownd --apply-sysctl' "$unit") || fail "no ExecReload= running --apply-sysctl in $unit"
	case $line in
	ExecReload=*-*teardownd*) [[ ${line%%/*} != *-* ]] || fail "$line: a refused configuration would not fail systemctl reload (\"-\")" ;;
	esac
	echo "ok: $line fails the reload on a refused configuration"
fi

printf '[Manager]\nScanIntervalSec=10\n' >"$conf"
out=$("$daemon" --root="$root" --apply-sysctl 2>&1) || fail "no ParkTimeoutMSec=: exit $?: $out"
grep -q "ParkTimeoutMSec= is not set" <<<"$out" || fail "no ParkTimeoutMSec=: unexpected output: $out"
echo "ok: without ParkTimeoutMSec= nothing is written: $out"

printf '[Manager]\nScanIntervalSec=10\nParkTimeoutMSec=50\n' >"$conf"
rc=0; out=$("$daemon" --root="$root" --apply-sysctl 2>&1) || rc=$?
[ $rc -eq 1 ] || fail "out-of-range ParkTimeoutMSec=50: exit $rc (want 1): $out"
grep -q "teardownd.conf:3: ParkTimeoutMSec=50" <<<"$out" || fail "bad config: no FILE:LINE in: $out"
echo "ok: a bad configuration fails with FILE:LINE: $out"

rc=0; out=$("$daemon" --root="$root" --apply-sysctl --test-config 2>&1) || rc=$?
[ $rc -eq 1 ] || fail "--apply-sysctl --test-config: exit $rc (want 1)"
echo "ok: --apply-sysctl and --test-config exclude each other"

if [ -e /proc/sys/vm/teardown_park_timeout_ms ]; then
	echo "this kernel has vm.teardown_park_timeout_ms: the stock-kernel case is not tested here"
	exit 77
fi
printf '[Manager]\nParkTimeoutMSec=5000\n' >"$conf"
out=$("$daemon" --root="$root" --apply-sysctl 2>&1) || fail "stock kernel: exit $?: $out"
grep -q "no vm.teardown_park_timeout_ms" <<<"$out" || fail "stock kernel: unexpected output: $out"
echo "ok: a kernel without the sysctl is not an error: $out"
